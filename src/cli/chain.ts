// The on-chain commands: status, oracle, plan, hedge, rebalance. Each is a thin shell over SDK actions: parse →
// connect → call → print a table or `--json`. Exit codes: see EXIT_CODES.
import { type Address, formatUnits } from "viem";
import { getMarketSchedules } from "../actions/hours.js";
import { checkMarketOracles } from "../actions/oracle.js";
import { type AccountState, getAccount, getMarkets, type Market } from "../actions/read.js";
import { writeApprove, writeSetOperator } from "../actions/write.js";
import type { ParapetContext } from "../client.js";
import { executeHedge, hedgeStepsFromPlan, resolveHedgeSteps } from "../hedge/execute.js";
import { hedgeMarketsFromChain } from "../hedge/fromChain.js";
import { constantProductLp } from "../hedge/lp.js";
import { planHedge } from "../hedge/plan.js";
import { type RebalanceHedgeReturnType, rebalanceHedge } from "../hedge/rebalancer.js";
import type { Exposure, HedgePlan, HedgePolicy, RebalancePolicy, RebalanceTrigger } from "../hedge/types.js";
import type { OracleHealth } from "../oracle/index.js";
import { formatAmount } from "../units.js";
import type { CliIo } from "./backtest.js";
import { parseFiniteNumber, splitPair } from "./backtest.js";
import {
  accountIndexOption,
  addressOption,
  type CliCommand,
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connect,
  connectionSettings,
  envOf,
  fmt,
  fmtWad,
  formatTable,
  numberOption,
  parseCommandArgs,
  runCommand,
  toJson,
  usage,
} from "./connect.js";
import { EXIT_CODES } from "./errors.js";

/** WAD → exact decimal string (JSON output: no float rounding). */
const dec = (wad: bigint | undefined) => (wad === undefined ? null : formatUnits(wad, 18));

// ---- status ------------------------------------------------------------------------------------------------------

export const STATUS_HELP = `Usage: parapet status [options]

Markets (price, oracle health, funding rate per day, open interest long/short, skew, trading hours: always open, or
open / closing / reopened with the next close, or closed with the reopen, in UTC) and the accounts of an owner
(collateral, equity, maintenance margin, margin ratio, positions with their liquidation prices).

Options:
  --owner ADDRESS              whose accounts to show (default: the signer of $PARAPET_PRIVATE_KEY, if set)
  --account-index N            account to show (repeatable; default 0..5, empty ones left out)
${CONNECTION_HELP}

JSON: { chainId, blockNumber, markets: [{ marketId, symbol, priceUsd, oracle: { verdict, message, reasons },
  fundingRatePerDay, longOpenInterestUnits, shortOpenInterestUnits, skewUnits, openingPaused, hours: { status: open |
  closing | reopening | closed, lastOpen, nextClose, nextOpen } (unix seconds) or null (never closes) }], owner,
  accounts: [{ accountIndex, collateralUsd, equityUsd, maintenanceMarginUsd, marginRatio, positions: [{ marketId,
  symbol, sizeUnits, entryPriceUsd, liquidationPriceUsd }] }] }  (amounts: exact decimal strings; null = unknown)

Exit codes: 0 ok; 1 runtime (RPC down, wrong chain, invalid deployment file); 2 usage (unknown option, missing
deployment file).
`;

const DEFAULT_ACCOUNT_INDEXES = [0n, 1n, 2n, 3n, 4n, 5n];

function marketRow(m: Market, h: OracleHealth | undefined) {
  return {
    marketId: m.marketId,
    symbol: m.symbol,
    priceUsd: dec(m.priceWad),
    oracle: {
      verdict: h?.verdict ?? (m.oracleError ? "fail" : "ok"),
      message: h?.message ?? m.oracleError?.summary ?? "",
      reasons: h?.reasons.map((r) => r.code) ?? [],
    },
    fundingRatePerDay: dec(m.fundingRatePerDayWad ?? m.storedFundingRatePerDayWad),
    longOpenInterestUnits: dec(m.longSizeWad),
    shortOpenInterestUnits: dec(m.shortSizeWad),
    skewUnits: dec(m.skewWad),
    openingPaused: m.openingPaused,
    // Unix seconds as decimal strings (null: the market never closes).
    hours: m.hours
      ? {
          status: m.hours.status,
          lastOpen: m.hours.lastOpen ?? null,
          nextClose: m.hours.nextClose ?? null,
          nextOpen: m.hours.nextOpen ?? null,
        }
      : null,
  };
}

/** A UTC minute, e.g. "2026-12-04 21:00 UTC". */
const utcMinute = (seconds: bigint) =>
  `${new Date(Number(seconds) * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** The hours column: when a market closes or reopens. */
function formatHours(h: Market["hours"]): string {
  if (h === undefined) return "always open";
  if (h.status === "closed") return h.nextOpen === undefined ? "closed" : `closed, reopens ${utcMinute(h.nextOpen)}`;
  const close = h.nextClose === undefined ? "" : `, closes ${utcMinute(h.nextClose)}`;
  if (h.status === "closing") return `closing margin in force${close}`;
  if (h.status === "reopening") return `reopened (reductions only yet)${close}`;
  return `open${close}`;
}

/** equity / maintenance margin (the rule's margin ratio); undefined without a margin requirement or a price. */
function marginRatio(a: AccountState): number | undefined {
  if (a.equityUsd === undefined || a.maintenanceMarginUsd === undefined || a.maintenanceMarginUsd === 0n)
    return undefined;
  return Number((a.equityUsd * 10_000n) / a.maintenanceMarginUsd) / 10_000;
}

function accountRow(a: AccountState) {
  return {
    accountIndex: a.accountIndex,
    collateralUsd: dec(a.collateralUsd),
    equityUsd: dec(a.equityUsd),
    maintenanceMarginUsd: dec(a.maintenanceMarginUsd),
    marginRatio: marginRatio(a) ?? null,
    oracleError: a.oracleError?.summary ?? null,
    positions: a.positions.map((p) => ({
      marketId: p.marketId,
      symbol: p.symbol,
      sizeUnits: dec(p.sizeWad),
      entryPriceUsd: dec(p.entryPriceWad),
      liquidationPriceUsd: dec(p.liquidationPriceWad),
    })),
  };
}

async function runStatus(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs("status", argv, {
    ...CONNECTION_OPTIONS,
    owner: { type: "string" },
    "account-index": { type: "string", multiple: true },
  });
  if (values.help) {
    io.stdout(STATUS_HELP);
    return EXIT_CODES.ok;
  }
  const settings = connectionSettings(values, envOf(io));
  const ownerOption = values.owner === undefined ? undefined : addressOption("owner", values.owner);
  const indexes = values["account-index"]?.map((v) => accountIndexOption(v));
  const { client, signer } = await connect(settings, envOf(io), "optional", "status");
  const owner = ownerOption ?? signer;
  const blockNumber = await client.publicClient.getBlockNumber({ cacheTime: 0 });
  const [markets, health] = await Promise.all([
    getMarkets(client, { blockNumber }),
    checkMarketOracles(client, { blockNumber }),
  ]);
  let accounts: AccountState[] = [];
  if (owner) {
    const all = await Promise.all(
      (indexes ?? DEFAULT_ACCOUNT_INDEXES).map((accountIndex) =>
        getAccount(client, { owner, accountIndex, blockNumber }),
      ),
    );
    // Explicit indexes are always shown; the default range only where there is something.
    accounts = indexes ? all : all.filter((a) => a.collateralUsd > 0n || a.positions.length > 0);
  }
  const rows = markets.map((m) =>
    marketRow(
      m,
      health.feeds.find((h) => h.marketId === m.marketId),
    ),
  );
  if (settings.json) {
    io.stdout(
      `${toJson({ chainId: client.deployment.chainId, blockNumber, markets: rows, owner: owner ?? null, accounts: accounts.map(accountRow) })}\n`,
    );
    return EXIT_CODES.ok;
  }
  const lines = [
    `Chain ${client.deployment.chainId}, block ${blockNumber}, vault ${client.deployment.perpVault}`,
    "",
    formatTable([
      ["id", "market", "price USD", "oracle", "funding %/day", "OI long", "OI short", "skew", "hours"],
      ...markets.map((m, i) => {
        const r = rows[i] as (typeof rows)[number];
        return [
          String(m.marketId),
          m.symbol,
          fmtWad(m.priceWad, 4),
          r.oracle.verdict + (r.oracle.reasons.length > 0 ? ` (${r.oracle.reasons.join(", ")})` : ""),
          fmt(Number(r.fundingRatePerDay ?? Number.NaN) * 100, 4),
          fmtWad(m.longSizeWad, 4),
          fmtWad(m.shortSizeWad, 4),
          fmtWad(m.skewWad, 4),
          formatHours(m.hours),
        ];
      }),
    ]),
  ];
  if (!owner) {
    lines.push("", "Accounts: pass --owner ADDRESS (or set PARAPET_PRIVATE_KEY) to see them.");
  } else if (accounts.length === 0) {
    lines.push(
      "",
      `Accounts of ${owner}: none with collateral in accounts ${(indexes ?? DEFAULT_ACCOUNT_INDEXES).join(", ")}.`,
    );
  } else {
    lines.push(
      "",
      `Accounts of ${owner}:`,
      formatTable([
        [
          "account",
          "collateral USD",
          "equity USD",
          "maint. margin USD",
          "margin ratio",
          "positions (size @ entry, liq. price)",
        ],
        ...accounts.map((a) => [
          String(a.accountIndex),
          fmtWad(a.collateralUsd),
          fmtWad(a.equityUsd),
          fmtWad(a.maintenanceMarginUsd),
          fmt(marginRatio(a)),
          a.positions
            .map(
              (p) =>
                `${p.symbol} ${fmtWad(p.sizeWad, 4)} @ ${fmtWad(p.entryPriceWad)}, liq ${p.liquidationPriceWad === 0n ? "none" : fmtWad(p.liquidationPriceWad)}`,
            )
            .join("; ") || "-",
        ]),
      ]),
    );
  }
  io.stdout(`${lines.join("\n")}\n`);
  return EXIT_CODES.ok;
}

// ---- oracle ------------------------------------------------------------------------------------------------------

export const ORACLE_HELP = `Usage: parapet oracle [options]

Oracle health of every market: the vault adapter's own checks (a "fail" is exactly where a trade would revert:
stale, non-positive, out of bounds, sequencer down, …) plus early warnings (close to stale, close to a bound).

Options:
  --market ID                  check only this market id (repeatable)
${CONNECTION_HELP}

JSON: { blockNumber, blockTimestamp, feeds: [{ marketId, symbol, feed, verdict, priceUsd, ageSeconds,
  heartbeatSeconds, reasons: [{ code, severity, message }], market, message }] }
  verdict "closed": the market's hours close it (or its reopen round is pending); market: { status: open | closing |
  reopening | closed, lastOpen, nextClose, nextOpen } (unix seconds) or null for an always-open market.

Exit codes: 0 every feed ok, warn or closed; 3 at least one feed fails (trading it reverts); 1 runtime (RPC down, wrong
chain, invalid deployment file); 2 usage.
`;

async function runOracle(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs("oracle", argv, {
    ...CONNECTION_OPTIONS,
    market: { type: "string", multiple: true },
  });
  if (values.help) {
    io.stdout(ORACLE_HELP);
    return EXIT_CODES.ok;
  }
  const settings = connectionSettings(values, envOf(io));
  const marketIds = values.market?.map((v) => {
    if (!/^\d+$/.test(v)) throw usage(`--market ${v}`, `--market ${v} is not a market id.`, "Pass e.g. --market 0.");
    return BigInt(v);
  });
  const { client } = await connect(settings, envOf(io), "none", "oracle");
  const health = await checkMarketOracles(client, { marketIds });
  const feeds = health.feeds.map((h) => ({
    marketId: h.marketId,
    symbol: h.label,
    feed: h.feed,
    verdict: h.verdict,
    priceUsd: dec(h.priceWad),
    ageSeconds: h.primary.ageSeconds ?? null,
    heartbeatSeconds: h.primary.heartbeatSeconds,
    reasons: h.reasons.map((r) => ({ code: r.code, severity: r.severity, message: r.message })),
    // Market hours: a closed market is "closed" (not failing), with when it reopens.
    market: h.market ?? null,
    message: h.message,
  }));
  const failing = feeds.filter((f) => f.verdict === "fail");
  if (settings.json) {
    io.stdout(`${toJson({ blockNumber: health.blockNumber, blockTimestamp: health.blockTimestamp, feeds })}\n`);
  } else {
    io.stdout(
      `${formatTable([
        ["id", "market", "verdict", "price USD", "age s", "heartbeat s", "message"],
        ...health.feeds.map((h) => [
          String(h.marketId),
          h.label ?? h.feed,
          h.verdict,
          fmtWad(h.priceWad, 4),
          h.primary.ageSeconds === undefined ? "-" : String(h.primary.ageSeconds),
          String(h.primary.heartbeatSeconds),
          h.message,
        ]),
      ])}\n`,
    );
  }
  if (failing.length > 0) {
    io.stderr(
      `parapet oracle: ${failing.length} feed(s) fail the adapter's checks: ${failing.map((f) => f.symbol).join(", ")}.\n`,
    );
    return EXIT_CODES.unhealthy;
  }
  return EXIT_CODES.ok;
}

// ---- exposures (plan, hedge, rebalance, keeper) -------------------------------------------------------------------

export const EXPOSURE_OPTIONS = {
  exposure: { type: "string", multiple: true },
  lp: { type: "string", multiple: true },
  "hedge-with": { type: "string", multiple: true },
  price: { type: "string", multiple: true },
  "first-account-index": { type: "string" },
  "max-leverage": { type: "string" },
  "stop-loss-distance": { type: "string" },
  "stop-keeper-fee": { type: "string" },
  "stop-expiry-days": { type: "string" },
} as const;

export const EXPOSURE_HELP = `Exposures (at least one):
  --exposure ASSET=AMOUNT      hold AMOUNT units of ASSET (negative: short), e.g. --exposure ETH=10  (repeatable)
  --lp ASSET=USD_VALUE         a constant-product ASSET/USD pool position worth USD_VALUE now  (repeatable)
  --hedge-with ASSET=MARKET    hedge ASSET in MARKET's perp, e.g. --hedge-with WBTC=BTC  (repeatable)
  --price ASSET=USD            price of an exposed asset that has no market of its own  (repeatable)
  --first-account-index N      first account used for hedges (default 1; one isolated account per hedge)
  --max-leverage X             max leverage of a hedge account (default 3)
  --stop-loss-distance F       attach a reduce-only stop-loss to each hedge leg, F (0..1) against it, e.g. 0.2: a
                               short's stop 20 % above the price (placed by hedge/rebalance; docs/orders.md)
  --stop-keeper-fee USDC       keeper fee escrowed per stop (default 0: keepers skip stops that do not pay the gas)
  --stop-expiry-days D         life of each stop (default 30; refreshed by the next hedge or rebalance)`;

export type ExposureArgs = {
  exposures: { asset: string; amount: number }[];
  lps: { asset: string; valueUsd: number }[];
  hedgePolicy: Partial<HedgePolicy>;
  pricesUsd: Record<string, number>;
};

type ExposureValues = {
  exposure?: string[] | undefined;
  lp?: string[] | undefined;
  "hedge-with"?: string[] | undefined;
  price?: string[] | undefined;
  "first-account-index"?: string | undefined;
  "max-leverage"?: string | undefined;
  "stop-loss-distance"?: string | undefined;
  "stop-keeper-fee"?: string | undefined;
  "stop-expiry-days"?: string | undefined;
};

/** The exposure options as planner inputs (usage errors name the argument); `required`: at least one exposure. */
export function parseExposureArgs(values: ExposureValues, required: boolean): ExposureArgs | undefined {
  const exposures = (values.exposure ?? []).map((v) => {
    const [asset, amount] = splitPair("--exposure", v, "AMOUNT", "ETH=10");
    return {
      asset,
      amount: parseFiniteNumber(`--exposure ${v}`, amount, (x) => x !== 0, "a non-zero amount", "--exposure ETH=10"),
    };
  });
  const lps = (values.lp ?? []).map((v) => {
    const [asset, usd] = splitPair("--lp", v, "USD_VALUE", "ETH=100000");
    return {
      asset,
      valueUsd: parseFiniteNumber(`--lp ${v}`, usd, (x) => x > 0, "a positive USD value", "--lp ETH=100000"),
    };
  });
  const hedgeWith: Record<string, string> = {};
  for (const v of values["hedge-with"] ?? []) {
    const [asset, market] = splitPair("--hedge-with", v, "MARKET", "WBTC=BTC");
    hedgeWith[asset] = market.toUpperCase();
  }
  const pricesUsd: Record<string, number> = {};
  for (const v of values.price ?? []) {
    const [asset, usd] = splitPair("--price", v, "USD", "QQQ=480");
    pricesUsd[asset] = parseFiniteNumber(`--price ${v}`, usd, (x) => x > 0, "a positive USD price", "--price QQQ=480");
  }
  if (exposures.length === 0 && lps.length === 0) {
    if (!required) return undefined;
    throw usage(
      "(none)",
      "No exposure to hedge.",
      "Pass at least one --exposure ASSET=AMOUNT or --lp ASSET=USD_VALUE.",
    );
  }
  const hedgePolicy: Partial<HedgePolicy> = { hedgeWith };
  if (values["first-account-index"] !== undefined) {
    hedgePolicy.firstAccountIndex = accountIndexOption(values["first-account-index"], "--first-account-index");
  }
  if (values["max-leverage"] !== undefined) {
    hedgePolicy.maxLeverage = numberOption(
      "max-leverage",
      values["max-leverage"],
      3,
      (x) => x > 0 && x <= 100,
      "a leverage in (0, 100]",
    );
  }
  if (values["stop-loss-distance"] !== undefined) {
    hedgePolicy.stopLoss = {
      distanceRatio: numberOption(
        "stop-loss-distance",
        values["stop-loss-distance"],
        0.2,
        (x) => x > 0 && x < 1,
        "a fraction in (0, 1)",
      ),
      keeperFeeUsd: numberOption(
        "stop-keeper-fee",
        values["stop-keeper-fee"],
        0,
        (x) => x >= 0 && x < 1e9,
        "a token amount ≥ 0",
      ),
      expirySeconds: Math.round(
        numberOption(
          "stop-expiry-days",
          values["stop-expiry-days"],
          30,
          (x) => x > 0 && x <= 3650,
          "days in (0, 3650]",
        ) * 86_400,
      ),
    };
  } else if (values["stop-keeper-fee"] !== undefined || values["stop-expiry-days"] !== undefined) {
    throw usage(
      values["stop-keeper-fee"] !== undefined ? "--stop-keeper-fee" : "--stop-expiry-days",
      "The stop options need --stop-loss-distance.",
      "Pass --stop-loss-distance F (e.g. 0.2) to attach stops.",
    );
  }
  return { exposures, lps, hedgePolicy, pricesUsd };
}

/** Exposures as the engine takes them: LPs sized at the chain's (or --price's) price of their asset. */
function toExposures(args: ExposureArgs, priceOf: (asset: string) => number | undefined): Exposure[] {
  return [
    ...args.exposures.map((e): Exposure => ({ kind: "asset", asset: e.asset, amount: e.amount })),
    ...args.lps.map((lp) => {
      const price = args.pricesUsd[lp.asset] ?? priceOf(lp.asset);
      if (price === undefined || !(price > 0)) {
        throw usage(
          `--lp ${lp.asset}=${lp.valueUsd}`,
          `${lp.asset} has no market with a valid price.`,
          `Pass --price ${lp.asset}=USD.`,
        );
      }
      return constantProductLp(lp.asset, lp.valueUsd, price);
    }),
  ];
}

/** Markets from the chain (with oracle health) → planHedge. The same planner the backtester replays. */
async function planFromChain(client: ParapetContext, args: ExposureArgs): Promise<HedgePlan> {
  const [markets, health, schedules] = await Promise.all([
    getMarkets(client),
    checkMarketOracles(client),
    getMarketSchedules(client),
  ]);
  const hedgeMarkets = hedgeMarketsFromChain(markets, health.feeds, schedules);
  const priceOf = (asset: string) => hedgeMarkets.find((m) => m.asset === asset)?.priceUsd;
  for (const e of args.exposures) {
    const market = args.hedgePolicy.hedgeWith?.[e.asset] ?? e.asset;
    if (!hedgeMarkets.some((m) => m.asset === market)) {
      throw usage(
        `--exposure ${e.asset}=${e.amount}`,
        `The deployment has no ${market} market.`,
        `Use one of ${hedgeMarkets.map((m) => m.asset).join(", ")}, or --hedge-with ${e.asset}=MARKET.`,
      );
    }
  }
  return planHedge(toExposures(args, priceOf), { markets: hedgeMarkets, pricesUsd: args.pricesUsd }, args.hedgePolicy);
}

function planTable(plan: HedgePlan): string {
  const lines = [
    formatTable([
      [
        "exposure",
        "market",
        "account",
        "size",
        "notional USD",
        "collateral USD",
        "leverage",
        "liq. price",
        "carry USD/yr",
      ],
      ...plan.targets.map((t) => [
        `${t.exposureAsset} ${fmt(t.exposureUnits, 4)}`,
        t.marketAsset,
        String(t.accountIndex),
        fmt(t.sizeUnits, 4),
        fmt(t.notionalUsd),
        fmt(t.collateralUsd),
        fmt(t.leverage),
        t.liquidationPriceUsd === 0 ? "none" : fmt(t.liquidationPriceUsd),
        fmt(t.expectedCarryPerYearUsd),
      ]),
    ]),
    "",
    `Capital: ${fmt(plan.totalCapitalUsd)} USD (collateral + reserve ${fmt(plan.reserveUsd)} USD), notional ${fmt(plan.totalNotionalUsd)} USD`,
  ];
  for (const t of plan.targets) {
    if (t.stopLoss) {
      lines.push(
        `Stop-loss of account ${t.accountIndex} (${t.marketAsset}): closes the leg when the price is ${t.stopLoss.triggerAbove ? "≥" : "≤"} ${fmt(t.stopLoss.triggerPriceUsd)} USD (keeper fee ${fmt(t.stopLoss.keeperFeeUsd)})`,
      );
    }
  }
  const warnings = [
    ...plan.warnings,
    ...plan.targets.flatMap((t) => t.warnings),
    ...plan.unhedged.map((u) => u.warning),
  ];
  // A target's warnings are also in the plan's list: print each once.
  const unique = [...new Set(warnings.map((w) => `  ${w.code}: ${w.message}`))];
  if (unique.length > 0) lines.push("Warnings:", ...unique);
  return lines.join("\n");
}

export const PLAN_HELP = `Usage: parapet plan [options]

Plans the hedge of your exposures against the deployment's markets (prices, fees, margins, funding and oracle health
read from the chain): one target per hedge with its size, collateral, leverage, liquidation price and carry. Sends
nothing.

${EXPOSURE_HELP}
${CONNECTION_HELP}

JSON: the HedgePlan: { targets: [{ exposureAsset, marketAsset, marketId, accountIndex, sizeUnits, notionalUsd,
  collateralUsd, leverage, liquidationPriceUsd, expectedCarryPerYearUsd, warnings, explanation, … }], reserveUsd,
  totalCapitalUsd, totalNotionalUsd, unhedged, warnings, policy }

Exit codes: 0 ok; 1 runtime; 2 usage (no exposure, bad ASSET=VALUE, a market the deployment lacks).

Example:
  parapet plan --exposure ETH=10 --lp BTC=250000 --deployment deployments/localhost.json
`;

async function runPlan(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs("plan", argv, { ...CONNECTION_OPTIONS, ...EXPOSURE_OPTIONS });
  if (values.help) {
    io.stdout(PLAN_HELP);
    return EXIT_CODES.ok;
  }
  const settings = connectionSettings(values, envOf(io));
  const args = parseExposureArgs(values, true) as ExposureArgs;
  const { client } = await connect(settings, envOf(io), "none", "plan");
  const plan = await planFromChain(client, args);
  io.stdout(settings.json ? `${toJson(plan)}\n` : `${planTable(plan)}\n`);
  return EXIT_CODES.ok;
}

// ---- hedge -------------------------------------------------------------------------------------------------------

export const HEDGE_HELP = `Usage: parapet hedge [options]

Plans the hedge (as parapet plan) and opens it for the signer in ONE HedgeRouter transaction: each hedge account is
traded to its target size and topped up to its collateral. Steps already at target are skipped; when all are, nothing
is sent. Needs the signer ($PARAPET_PRIVATE_KEY) to have made the router its operator on the vault and approved it
for the collateral: pass --approve to send those two transactions first.

${EXPOSURE_HELP}
Execution:
  --slippage-bps N             price tolerance per step in basis points (default 50)
  --approve                    first make the router an operator and approve it for the steps' max deposits (and,
                               with --stop-loss-distance, TriggerOrders for the stops' keeper fees)
  --dry-run                    print the plan, the steps and the missing setup; send nothing
${CONNECTION_HELP}

JSON: { status: "sent" | "noop" | "dry-run", hash, gasUsed, steps: [{ accountIndex, marketId, sizeDelta, deposited,
  sizeAfter, collateralAfter }], stops: [{ accountIndex, marketId, action, orderId, hash }], setup: { routerIsOperator,
  allowance, maxDeposits }, plan }

Exit codes: 0 ok (sent, or nothing to do); 1 runtime (setup missing without --approve: the message names the call;
a leg that would open in a market whose latency defence is on: IMMEDIATE_OPEN_DISABLED, commit it with parapet
orders commit; a revert; RPC down; wrong chain); 2 usage (also: no $PARAPET_PRIVATE_KEY).
`;

async function runHedge(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs("hedge", argv, {
    ...CONNECTION_OPTIONS,
    ...EXPOSURE_OPTIONS,
    "slippage-bps": { type: "string" },
    approve: { type: "boolean" },
    "dry-run": { type: "boolean" },
  });
  if (values.help) {
    io.stdout(HEDGE_HELP);
    return EXIT_CODES.ok;
  }
  const settings = connectionSettings(values, envOf(io));
  const args = parseExposureArgs(values, true) as ExposureArgs;
  const slippageBps = numberOption(
    "slippage-bps",
    values["slippage-bps"],
    50,
    (x) => Number.isInteger(x) && x >= 0 && x <= 10_000,
    "a whole number of basis points (0..10000)",
  );
  const { client, signer } = await connect(settings, envOf(io), "required", "hedge");
  const owner = signer as Address;
  /** Token amounts as the user reads them: whole tokens to the token's last decimal, with thousands separators. */
  const tokens = (amount: bigint) => formatAmount(amount, client.deployment.collateralDecimals);
  const plan = await planFromChain(client, args);
  if (plan.targets.length === 0) {
    io.stderr("parapet hedge: the plan has no target (see the warnings of parapet plan); nothing to send.\n");
    return EXIT_CODES.runtime;
  }
  const steps = hedgeStepsFromPlan(plan, { slippageBps, tokenDecimals: client.deployment.collateralDecimals });
  const resolved = await resolveHedgeSteps(client, { owner, steps });
  const maxDeposits = resolved.pending.reduce((sum, s) => sum + s.maxDeposit, 0n);
  const setup = { routerIsOperator: resolved.routerIsOperator, allowance: resolved.allowance, maxDeposits };
  const say = (text: string) => {
    if (!settings.json) io.stdout(`${text}\n`);
  };
  say(planTable(plan));
  const stopFees = steps.reduce((sum, s) => sum + (s.stopLoss?.keeperFee ?? 0n), 0n);
  const hasStops = steps.some((s) => s.stopLoss !== undefined);
  if (values["dry-run"] || (resolved.pending.length === 0 && !hasStops)) {
    const status = resolved.pending.length === 0 ? "noop" : "dry-run";
    if (settings.json) io.stdout(`${toJson({ status, steps: resolved.pending, setup, plan })}\n`);
    else {
      say(
        status === "noop"
          ? "\nEvery hedge is at its target: nothing to send."
          : `\nDry run: ${resolved.pending.length} step(s) would be sent.`,
      );
      if (!setup.routerIsOperator) say("Setup: the router is not your operator yet (--approve sends setOperator).");
      if (setup.allowance < maxDeposits)
        say(
          `Setup: allowance ${tokens(setup.allowance)} < max deposits ${tokens(maxDeposits)} tokens (--approve sends approve).`,
        );
    }
    return EXIT_CODES.ok;
  }
  if (values.approve) {
    if (!resolved.routerIsOperator) {
      const w = await writeSetOperator(client, { operator: resolved.router, allowed: true });
      say(`setOperator(router ${resolved.router}, true): ${w.hash} (gas ${w.receipt.gasUsed})`);
    }
    if (resolved.allowance < maxDeposits) {
      const w = await writeApprove(client, { amount: maxDeposits, spender: "hedgeRouter" });
      say(`approve(router, ${tokens(maxDeposits)} tokens): ${w.hash} (gas ${w.receipt.gasUsed})`);
    }
    if (hasStops && resolved.triggerOrdersIsOperator !== true) {
      const operator = client.deployment.triggerOrders as Address;
      const w = await writeSetOperator(client, { operator, allowed: true });
      say(`setOperator(triggerOrders ${operator}, true): ${w.hash} (gas ${w.receipt.gasUsed})`);
    }
    if (hasStops && (resolved.triggerOrdersAllowance ?? 0n) < stopFees) {
      const w = await writeApprove(client, { amount: stopFees, spender: "triggerOrders" });
      say(`approve(triggerOrders, ${tokens(stopFees)} tokens): ${w.hash} (gas ${w.receipt.gasUsed})`);
    }
  }
  try {
    const result = await executeHedge(client, { owner, steps });
    const stopLines = result.stops.map(
      (s) =>
        `Stop-loss of account ${s.accountIndex} (market ${s.marketId}): ${s.action} #${s.orderId}${s.hash ? ` (${s.hash})` : ""}`,
    );
    if (result.status === "noop") {
      if (settings.json) io.stdout(`${toJson({ status: "noop", steps: [], stops: result.stops, setup, plan })}\n`);
      else {
        say("Every hedge is at its target: nothing sent.");
        for (const line of stopLines) say(line);
      }
      return EXIT_CODES.ok;
    }
    if (settings.json) {
      io.stdout(
        `${toJson({ status: "sent", hash: result.hash, gasUsed: result.receipt.gasUsed, steps: result.steps, stops: result.stops, setup, plan })}\n`,
      );
    } else {
      say(`\nSent ${result.hash} (gas ${result.receipt.gasUsed}, block ${result.receipt.blockNumber}):`);
      say(
        formatTable([
          ["account", "market", "size delta", "deposited (tokens)", "size after", "collateral after USD"],
          ...result.steps.map((s) => [
            String(s.accountIndex),
            String(s.marketId),
            fmtWad(s.sizeDelta, 4),
            tokens(s.deposited),
            fmtWad(s.sizeAfter, 4),
            fmtWad(s.collateralAfter),
          ]),
        ]),
      );
      for (const line of stopLines) say(line);
    }
    return EXIT_CODES.ok;
  } catch (error) {
    if (
      error instanceof Error &&
      "code" in error &&
      ["ROUTER_NOT_OPERATOR", "ORDERS_NOT_OPERATOR", "ALLOWANCE_TOO_LOW"].includes(String(error.code))
    ) {
      io.stderr(`parapet hedge: ${error.message} Or rerun with --approve.\n`);
      return EXIT_CODES.runtime;
    }
    throw error;
  }
}

// ---- rebalance ---------------------------------------------------------------------------------------------------

export const REBALANCE_OPTIONS = {
  trigger: { type: "string" },
  band: { type: "string" },
  "every-hours": { type: "string" },
  "margin-call-ratio": { type: "string" },
  "gas-cap-gwei": { type: "string" },
  "slippage-bps": { type: "string" },
} as const;

export const REBALANCE_POLICY_HELP = `Rebalance policy:
  --trigger NAME               band (default), static (margin calls only) or periodic
  --band FRACTION              band trigger: act when off target by more than this fraction (default 0.1)
  --every-hours H              periodic trigger: act after H hours (default 24; counted from the keeper's last
                               rebalance, so a one-shot \`rebalance\` never fires it)
  --margin-call-ratio X        act when equity / maintenance margin < X (default 2)
  --gas-cap-gwei N             never send above N gwei, except for margin calls
  --slippage-bps N             price tolerance per step in basis points (default 50)`;

type RebalanceValues = {
  trigger?: string | undefined;
  band?: string | undefined;
  "every-hours"?: string | undefined;
  "margin-call-ratio"?: string | undefined;
  "gas-cap-gwei"?: string | undefined;
  "slippage-bps"?: string | undefined;
};

export function parseRebalancePolicy(values: RebalanceValues): {
  rebalancePolicy: Partial<RebalancePolicy> & { trigger: RebalanceTrigger };
  slippageBps: number;
} {
  const kind = values.trigger ?? "band";
  let trigger: RebalanceTrigger;
  if (kind === "band")
    trigger = { kind, band: numberOption("band", values.band, 0.1, (x) => x > 0 && x < 10, "a fraction > 0") };
  else if (kind === "static") trigger = { kind };
  else if (kind === "periodic") {
    const hours = numberOption("every-hours", values["every-hours"], 24, (x) => x > 0, "a number of hours > 0");
    trigger = { kind, intervalMs: hours * 3_600_000 };
  } else throw usage(`--trigger ${kind}`, `--trigger ${kind} is not a trigger.`, "Use band, static or periodic.");
  const rebalancePolicy: Partial<RebalancePolicy> & { trigger: RebalanceTrigger } = { trigger };
  if (values["margin-call-ratio"] !== undefined) {
    rebalancePolicy.marginCallRatio = numberOption(
      "margin-call-ratio",
      values["margin-call-ratio"],
      2,
      (x) => x > 1,
      "a ratio > 1",
    );
  }
  if (values["gas-cap-gwei"] !== undefined) {
    rebalancePolicy.gasCapGwei = numberOption(
      "gas-cap-gwei",
      values["gas-cap-gwei"],
      50,
      (x) => x > 0,
      "a gas price in gwei > 0",
    );
  }
  const slippageBps = numberOption(
    "slippage-bps",
    values["slippage-bps"],
    50,
    (x) => Number.isInteger(x) && x >= 0 && x <= 10_000,
    "a whole number of basis points (0..10000)",
  );
  return { rebalancePolicy, slippageBps };
}

export const REBALANCE_HELP = `Usage: parapet rebalance [options]

One rebalancing pass for the owner's hedge: reads the markets and the hedge accounts, plans the targets, asks the
rule whether each hedge is worth touching (reasons: DELTA_BAND, MARGIN, TIME, PRICE_MOVE; vetoes: ORACLE, GAS_CAP,
SIMULATION) and sends the acting ones in at most ONE HedgeRouter transaction. With --dry-run it prints the decision
and its numbers and sends nothing.

${EXPOSURE_HELP}
${REBALANCE_POLICY_HELP}
  --dry-run                    decide and print, send nothing (no key needed with --owner)
  --owner ADDRESS              whose hedge (default: the signer); sending needs the signer to be the owner or its operator
${CONNECTION_HELP}

JSON: { status: "sent" | "noop" | "dry-run" | "vetoed", hash, gasUsed, decisions: [{ marketAsset, accountIndex, act,
  sizeUnits, targetSizeUnits, sizeDeltaUnits, collateralDeltaUsd, reasons, vetoes, numbers }] }

Exit codes: 0 ok (sent, nothing to do, dry run, or vetoed: see the vetoes); 1 runtime; 2 usage.
`;

function decisionsJson(result: RebalanceHedgeReturnType) {
  return result.decisions.map((d) => ({
    marketAsset: d.target.marketAsset,
    marketId: d.target.marketId,
    accountIndex: d.target.accountIndex,
    act: d.decision.act,
    sizeUnits: d.sizeUnits,
    targetSizeUnits: d.target.sizeUnits,
    sizeDeltaUnits: d.decision.sizeDeltaUnits,
    collateralDeltaUsd: d.decision.collateralDeltaUsd,
    reasons: d.decision.reasons,
    vetoes: d.decision.vetoes,
    numbers: d.decision.numbers,
  }));
}

async function runRebalance(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs("rebalance", argv, {
    ...CONNECTION_OPTIONS,
    ...EXPOSURE_OPTIONS,
    ...REBALANCE_OPTIONS,
    "dry-run": { type: "boolean" },
    owner: { type: "string" },
  });
  if (values.help) {
    io.stdout(REBALANCE_HELP);
    return EXIT_CODES.ok;
  }
  const settings = connectionSettings(values, envOf(io));
  const args = parseExposureArgs(values, true) as ExposureArgs;
  const { rebalancePolicy, slippageBps } = parseRebalancePolicy(values);
  const dryRun = values["dry-run"] === true;
  const ownerOption = values.owner === undefined ? undefined : addressOption("owner", values.owner);
  const { client, signer } = await connect(
    settings,
    envOf(io),
    dryRun && ownerOption ? "optional" : "required",
    "rebalance",
  );
  const owner = (ownerOption ?? signer) as Address;
  const markets = await getMarkets(client);
  const priceOf = (asset: string) => {
    const m = hedgeMarketsFromChain(markets).find((x) => x.asset === asset);
    return m && m.priceUsd > 0 ? m.priceUsd : undefined;
  };
  const result = await rebalanceHedge(client, {
    owner,
    exposures: toExposures(args, priceOf),
    pricesUsd: args.pricesUsd,
    hedgePolicy: args.hedgePolicy,
    rebalancePolicy,
    slippageBps,
    dryRun,
  });
  const sent = result.execution?.status === "sent" ? result.execution : undefined;
  if (settings.json) {
    io.stdout(
      `${toJson({ status: result.status, hash: sent?.hash ?? null, gasUsed: sent?.receipt.gasUsed ?? null, decisions: decisionsJson(result), simulationError: result.simulationError?.message ?? null })}\n`,
    );
    return EXIT_CODES.ok;
  }
  const lines = [
    formatTable([
      ["hedge", "account", "act", "size", "target", "trade", "collateral Δ USD", "drift %", "margin ratio", "cost USD"],
      ...result.decisions.map((d) => [
        `${d.target.exposureAsset}→${d.target.marketAsset}`,
        String(d.target.accountIndex),
        d.decision.act ? "yes" : "no",
        fmt(d.sizeUnits, 4),
        fmt(d.target.sizeUnits, 4),
        fmt(d.decision.sizeDeltaUnits, 4),
        fmt(d.decision.collateralDeltaUsd),
        fmt(d.decision.numbers.driftFraction * 100),
        fmt(d.decision.numbers.marginRatio),
        fmt(d.decision.numbers.costUsd),
      ]),
    ]),
    "",
    ...result.decisions.flatMap((d) => [
      ...d.decision.reasons.map(
        (r) => `  ${d.target.marketAsset}#${d.target.accountIndex} reason ${r.code}: ${r.message}`,
      ),
      ...d.decision.vetoes.map(
        (v) => `  ${d.target.marketAsset}#${d.target.accountIndex} veto ${v.code}: ${v.message}`,
      ),
    ]),
  ];
  const outcome = {
    sent: sent
      ? `Sent ${sent.hash} (gas ${sent.receipt.gasUsed}).`
      : "Nothing to send: the steps were already at target.",
    noop: "No hedge needs action: nothing sent.",
    "dry-run": "Dry run: nothing sent.",
    vetoed: `Vetoed: the transaction would revert (${result.simulationError?.summary ?? "simulation failed"}); nothing sent.`,
  }[result.status];
  lines.push(outcome);
  io.stdout(`${lines.join("\n")}\n`);
  return EXIT_CODES.ok;
}

/** The on-chain commands, for the dispatcher. */
export const CHAIN_COMMANDS: Record<string, CliCommand> = {
  status: {
    help: STATUS_HELP,
    summary: "markets, oracle health, funding and an owner's accounts",
    run: (a, io) => runCommand("status", io, () => runStatus(a, io)),
  },
  oracle: {
    help: ORACLE_HELP,
    summary: "oracle health per market (exit 3 when a feed fails)",
    run: (a, io) => runCommand("oracle", io, () => runOracle(a, io)),
  },
  plan: {
    help: PLAN_HELP,
    summary: "plan the hedge of your exposures against the chain's markets",
    run: (a, io) => runCommand("plan", io, () => runPlan(a, io)),
  },
  hedge: {
    help: HEDGE_HELP,
    summary: "plan and open the hedge in one HedgeRouter transaction",
    run: (a, io) => runCommand("hedge", io, () => runHedge(a, io)),
  },
  rebalance: {
    help: REBALANCE_HELP,
    summary: "one rebalancing pass (--dry-run: the decision and its numbers)",
    run: (a, io) => runCommand("rebalance", io, () => runRebalance(a, io)),
  },
};
