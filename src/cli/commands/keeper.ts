// `parapet keeper`: runKeeper of src/keeper/loop.ts for the signer, with a lock (one keeper per chain, vault and
// signer), SIGINT/SIGTERM handling and one log line per action.
import { getMarkets } from "../../actions/read.js";
import { hedgeMarketsFromChain } from "../../hedge/fromChain.js";
import type { Exposure } from "../../hedge/types.js";
import { acquireKeeperLock } from "../../keeper/lock.js";
import { type KeeperEvent, runKeeper } from "../../keeper/loop.js";
import { numberOption, parseCommandArgs } from "../args.js";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, connectionSettings, runCommand } from "../connect.js";
import { EXIT_CODES, usage } from "../errors.js";
import { EXPOSURE_HELP, EXPOSURE_OPTIONS, parseExposureArgs, resolveExposures } from "../exposures.js";
import { type CliIo, envOf } from "../io.js";
import { toJson } from "../output.js";
import { parseRebalancePolicy, REBALANCE_OPTIONS, REBALANCE_POLICY_HELP } from "../rebalancePolicy.js";

export const help = `Usage: parapet keeper [options]

A keeper loop for the signer ($PARAPET_PRIVATE_KEY). Each tick: discover new accounts (Deposited events, from the
last scanned block), find the liquidatable ones, liquidate those whose reward exceeds the gas cost in ONE
liquidateBatch; poke (accrueFunding) the markets with open interest whose price moved, so the vault's pool-capacity
check sees fresh marks; when the pool's utilisation is above 100 %, deleverage the crowded side's most profitable
positions until it is not; then the orders (when the deployment has TriggerOrders / DelayedOrders): execute due
trigger orders and settle delayed orders whose round is out when their keeper fee covers the gas, and cancel expired
or void trigger orders and missed delayed orders (their fee goes back to the account); then the LP vault's deposit
and redemption requests: settle the settleable ones whose keeper fee covers the gas, cancel the expired ones (a full
refund); then (with exposures) run your rebalance policy once. One log line per action: reason, outcome, gas used, transaction hash.

Loop:
  --once                       run one tick and exit (scripts, cron)
  --interval SECONDS           pause between ticks (default 15)
  --max-retries N              failed ticks in a row before exiting 1 (default 5; backoff 1 s, doubling, ≤ 30 s)
  --pending-timeout SECONDS    how long an unconfirmed action blocks a resend before the chain is re-checked (default 120)
  --from-block N               first block to scan for accounts (default: the deployment's block)
  --dry-run                    decide and log, send nothing

Liquidations:
  --min-profit-usd X           least reward − gas cost worth a transaction (default 0)
  --max-batch N                most accounts per liquidateBatch (default: as many as the transaction gas cap
                               of 16,777,216 and the block gas limit allow, from a simulation of each)
  --max-transactions N         most liquidateBatch transactions per tick, sent back to back (default 100)
  --native-price-usd X         USD per native token to price gas (default: the ETH market's oracle price)
  --no-liquidations            skip the liquidation job
  --sync-upkeep                also add new accounts to the deployment's LiquidationUpkeep watch list (Chainlink
                               Automation backstop: it keeps liquidating when this process is down)

Funding pokes (docs/keeper.md; they earn nothing, they keep the pool's capacity check honest):
  --no-funding-pokes           skip the funding-poke job
  --poke-min-move FRACTION     poke a market with open interest whose oracle price moved by at least this fraction
                               since this keeper's last poke of it (default 0.01 = 1 %)
  --poke-max-age SECONDS       ... or whose last poke is this old in chain time (default 86400)

Auto-deleveraging (docs/risks.md; earns nothing):
  --no-adl                     do not deleverage crowded-side winners when the pool's utilisation is above 100 %

Orders (docs/orders.md):
  --no-orders                  skip the order job
  --orders-min-profit-usd X    least keeper fee − gas cost for an execution or settlement (default 0; negative: run
                               your own stops at a loss)
  --no-order-cleanup           do not cancel expired / void trigger orders and missed delayed orders (no fee)
  --max-orders-per-tick N      most order transactions per tick (default 10)

LP requests (docs/risks.md, LP flows at a known price; a settlement marks every market):
  --no-lp-requests             skip the LP request job
  --lp-min-profit-usd X        least keeper fee − gas cost for a settlement (default 0)
  --no-lp-cleanup              do not cancel expired LP requests (no fee; anyone, the requester too, may)
  --max-lp-per-tick N          most LP request transactions per tick (default 10)

${EXPOSURE_HELP.replace("Exposures (at least one):", "Exposures (optional; with them the keeper also runs your rebalance policy each tick):")}
${REBALANCE_POLICY_HELP}
${CONNECTION_HELP.replace("print data as JSON on stdout", "one JSON object per log line on stdout")}

Safety: one keeper per chain, vault and signer (a lock file in the OS temp dir holding the pid and the process start
time; a second one exits 1 naming the lock file; a lock left by a dead process, or by an earlier process that had
this keeper's pid, is taken over). An action stays in flight until its receipt and is never re-sent while the signer has a pending
transaction. SIGINT/SIGTERM: the current tick finishes (never mid-send), then exit 0.

Exit codes: 0 stopped by SIGINT/SIGTERM or --once done; 1 runtime (RPC down after the retries, wrong chain, a keeper
already running, a setup error); 2 usage (also: no $PARAPET_PRIVATE_KEY).

Example:
  PARAPET_PRIVATE_KEY=0x… parapet keeper --deployment deployments/localhost.json --interval 12 --min-profit-usd 1
`;

function formatEvent(e: KeeperEvent): string {
  const parts = [e.time, `tick ${e.tick}`, e.action, e.outcome];
  if (e.accounts && e.accounts.length > 0) parts.push(`accounts=${e.accounts.join(",")}`);
  if (e.orderIds && e.orderIds.length > 0) parts.push(`orders=${e.orderIds.join(",")}`);
  if (e.lpRequestIds && e.lpRequestIds.length > 0) parts.push(`lpRequests=${e.lpRequestIds.join(",")}`);
  if (e.marketIds && e.marketIds.length > 0) parts.push(`markets=${e.marketIds.join(",")}`);
  if (e.gasUsed !== undefined) parts.push(`gasUsed=${e.gasUsed}`);
  if (e.hash) parts.push(`tx=${e.hash}`);
  parts.push(`reason="${e.reason}"`);
  return parts.join(" ");
}

async function runKeeperCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs("keeper", argv, {
    ...CONNECTION_OPTIONS,
    ...EXPOSURE_OPTIONS,
    ...REBALANCE_OPTIONS,
    once: { type: "boolean" },
    interval: { type: "string" },
    "max-retries": { type: "string" },
    "pending-timeout": { type: "string" },
    "from-block": { type: "string" },
    "dry-run": { type: "boolean" },
    "min-profit-usd": { type: "string" },
    "max-batch": { type: "string" },
    "max-transactions": { type: "string" },
    "native-price-usd": { type: "string" },
    "no-liquidations": { type: "boolean" },
    "sync-upkeep": { type: "boolean" },
    "no-orders": { type: "boolean" },
    "orders-min-profit-usd": { type: "string" },
    "no-order-cleanup": { type: "boolean" },
    "max-orders-per-tick": { type: "string" },
    "no-lp-requests": { type: "boolean" },
    "lp-min-profit-usd": { type: "string" },
    "no-lp-cleanup": { type: "boolean" },
    "max-lp-per-tick": { type: "string" },
    "no-funding-pokes": { type: "boolean" },
    "poke-min-move": { type: "string" },
    "poke-max-age": { type: "string" },
    "no-adl": { type: "boolean" },
  });
  if (values.help) {
    io.stdout(help);
    return EXIT_CODES.ok;
  }
  const env = envOf(io);
  const settings = connectionSettings(values, env);
  const intervalS = numberOption("interval", values.interval, 15, (x) => x > 0, "a number of seconds > 0");
  const maxRetries = numberOption(
    "max-retries",
    values["max-retries"],
    5,
    (x) => Number.isInteger(x) && x >= 0 && x <= 100,
    "a whole number (0..100)",
  );
  const pendingTimeoutS = numberOption(
    "pending-timeout",
    values["pending-timeout"],
    120,
    (x) => x > 0,
    "a number of seconds > 0",
  );
  const fromBlockText = values["from-block"];
  if (fromBlockText !== undefined && !/^\d+$/.test(fromBlockText)) {
    throw usage(
      `--from-block ${fromBlockText}`,
      `--from-block ${fromBlockText} is not a block number.`,
      "Pass e.g. --from-block 0.",
    );
  }
  const minProfitUsd = numberOption(
    "min-profit-usd",
    values["min-profit-usd"],
    0,
    (x) => Math.abs(x) < 1e12,
    "a USD amount",
  );
  const maxBatch =
    values["max-batch"] === undefined
      ? undefined
      : numberOption(
          "max-batch",
          values["max-batch"],
          0,
          (x) => Number.isInteger(x) && x > 0 && x <= 5_000,
          "a whole number (1..5000)",
        );
  const maxTransactions = numberOption(
    "max-transactions",
    values["max-transactions"],
    100,
    (x) => Number.isInteger(x) && x > 0 && x <= 1_000,
    "a whole number (1..1000)",
  );
  const nativePriceUsd =
    values["native-price-usd"] === undefined
      ? undefined
      : numberOption("native-price-usd", values["native-price-usd"], 3000, (x) => x >= 0, "a USD price ≥ 0");
  const ordersMinProfitUsd = numberOption(
    "orders-min-profit-usd",
    values["orders-min-profit-usd"],
    0,
    (x) => Math.abs(x) < 1e12,
    "a USD amount",
  );
  const maxOrdersPerTick = numberOption(
    "max-orders-per-tick",
    values["max-orders-per-tick"],
    10,
    (x) => Number.isInteger(x) && x > 0 && x <= 500,
    "a whole number (1..500)",
  );
  const lpMinProfitUsd = numberOption(
    "lp-min-profit-usd",
    values["lp-min-profit-usd"],
    0,
    (x) => Math.abs(x) < 1e12,
    "a USD amount",
  );
  const maxLpPerTick = numberOption(
    "max-lp-per-tick",
    values["max-lp-per-tick"],
    10,
    (x) => Number.isInteger(x) && x > 0 && x <= 500,
    "a whole number (1..500)",
  );
  const pokeMinMove = numberOption(
    "poke-min-move",
    values["poke-min-move"],
    0.01,
    (x) => x >= 1e-8 && x <= 10,
    "a fraction of the price between 0.00000001 and 10 (0.01 = 1 %)",
  );
  const pokeMaxAgeS = numberOption(
    "poke-max-age",
    values["poke-max-age"],
    86_400,
    (x) => Number.isSafeInteger(x) && x > 0,
    "a whole number of seconds > 0",
  );
  const exposureArgs = parseExposureArgs(values, false);
  const policy = exposureArgs ? parseRebalancePolicy(values) : undefined;
  const noJob = ["no-liquidations", "no-orders", "no-funding-pokes", "no-adl", "no-lp-requests"] as const;
  if (noJob.every((flag) => values[flag]) && !exposureArgs) {
    throw usage(
      "--no-liquidations",
      "--no-liquidations, --no-orders, --no-funding-pokes, --no-adl and --no-lp-requests without exposures leave the keeper nothing to do.",
      "Pass --exposure ASSET=AMOUNT, or drop one of the --no-… options.",
    );
  }

  const { client, signer } = await connect(settings, env, "required", "keeper");
  if (!signer) throw new Error("unreachable: connect requires a signer");
  const lock = acquireKeeperLock({
    chainId: client.deployment.chainId,
    perpVault: client.deployment.perpVault,
    signer,
  });
  const controller = new AbortController();
  const onSignal = (name: string) => () => {
    if (!controller.signal.aborted) {
      io.stderr(`parapet keeper: ${name} received: finishing the current tick, then stopping.\n`);
      controller.abort();
    }
  };
  const onInt = onSignal("SIGINT");
  const onTerm = onSignal("SIGTERM");
  const external = io.signal;
  const onExternal = () => controller.abort();
  if (external) external.addEventListener("abort", onExternal, { once: true });
  else {
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
  }
  try {
    let exposures: Exposure[] | undefined;
    if (exposureArgs) {
      // LPs are sized (and on-chain positions read) once, at the start: their liquidity is what the user holds, not a
      // USD value to chase; the rule recomputes their delta at each price.
      const markets = hedgeMarketsFromChain(await getMarkets(client));
      ({ exposures } = await resolveExposures(
        client,
        exposureArgs,
        (asset) => markets.find((m) => m.asset === asset)?.priceUsd,
      ));
    }
    io.stderr(
      `parapet keeper: signer ${signer}, chain ${client.deployment.chainId}, vault ${client.deployment.perpVault}, lock ${lock.path}${values["dry-run"] ? ", dry run" : ""}\n`,
    );
    const result = await runKeeper(client, {
      signal: controller.signal,
      once: values.once === true,
      intervalMs: intervalS * 1000,
      maxRetries,
      pendingTimeoutMs: pendingTimeoutS * 1000,
      fromBlock: fromBlockText === undefined ? undefined : BigInt(fromBlockText),
      dryRun: values["dry-run"] === true,
      liquidation: {
        minProfitUsd,
        maxBatch,
        maxTransactions,
        nativePriceUsd,
        disabled: values["no-liquidations"] === true,
      },
      syncUpkeep: values["sync-upkeep"] === true,
      fundingPokes: {
        disabled: values["no-funding-pokes"] === true,
        minMove: pokeMinMove,
        maxAgeSeconds: pokeMaxAgeS,
      },
      adl: { disabled: values["no-adl"] === true },
      orders: {
        disabled: values["no-orders"] === true,
        minProfitUsd: ordersMinProfitUsd,
        cleanup: values["no-order-cleanup"] !== true,
        maxPerTick: maxOrdersPerTick,
      },
      lpRequests: {
        disabled: values["no-lp-requests"] === true,
        minProfitUsd: lpMinProfitUsd,
        cleanup: values["no-lp-cleanup"] !== true,
        maxPerTick: maxLpPerTick,
      },
      rebalance:
        exposureArgs && exposures && policy
          ? {
              exposures,
              pricesUsd: exposureArgs.pricesUsd,
              hedgePolicy: exposureArgs.hedgePolicy,
              rebalancePolicy: policy.rebalancePolicy,
              slippageBps: policy.slippageBps,
            }
          : undefined,
      onEvent: (e) => io.stdout(`${settings.json ? toJson(e) : formatEvent(e)}\n`),
    });
    io.stderr(`parapet keeper: stopped after ${result.ticks} tick(s), ${result.sent} transaction(s) sent.\n`);
    return EXIT_CODES.ok;
  } finally {
    lock.release();
    if (external) external.removeEventListener("abort", onExternal);
    else {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    }
  }
}

export function run(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand("keeper", io, () => runKeeperCommand(argv, io));
}
