// `parapet orders`: list, place, cancel and execute trigger orders (stop-loss / take-profit), and commit, settle and
// cancel delayed orders (the latency defence's order path). A thin shell over src/actions/orders.ts: parse →
// connect → the SDK action (its pre-checks and typed errors) → a line or `--json`. docs/orders.md.
import { type Address, formatUnits, maxUint256 } from "viem";
import {
  type DelayedOrder,
  getDelayedOrders,
  getOrderSetup,
  getTriggerOrders,
  type OrderContract,
  stopLossParams,
  type TriggerOrder,
  type TriggerOrderParameters,
  takeProfitParams,
  writeCancelDelayedOrder,
  writeCancelTrigger,
  writeCommitOrder,
  writeExecuteTrigger,
  writePlaceTrigger,
  writeSettleOrder,
} from "../../actions/orders.js";
import { getAccount } from "../../actions/read.js";
import { writeApprove, writeSetOperator } from "../../actions/write.js";
import type { ParapetContext } from "../../client.js";
import { ParapetInputError } from "../../errors.js";
import { parseDecimal } from "../../units.js";
import { accountIndexOption, numberOption, parseCommandArgs, slippageBpsOption, splitSubcommand } from "../args.js";
import {
  addressOption,
  allowOnly,
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connect,
  connectionSettings,
  fmtWad,
  runCommand,
  wadDecimal,
} from "../connect.js";
import { EXIT_CODES, usage } from "../errors.js";
import { type CliIo, envOf } from "../io.js";
import { formatTable, toJson } from "../output.js";

export const help = `Usage: parapet orders <list|place|cancel|execute|commit|settle> [options]

Trigger orders (stop-loss / take-profit, executed by any keeper when the oracle price crosses the trigger) and delayed
orders (commit now, settled at the first oracle round after the market's delay: the only way to open in a market
whose latency defence is on). Guide: docs/orders.md.

  list      live orders of an owner (default: the signer; --all: everyone's)
              --owner ADDRESS  --account-index N  --all
  place     a trigger order; the owner (or an operator) sends it and pays the keeper fee
              --market ID|SYMBOL           market (e.g. 0 or ETH)
              --account-index N            account (default 0)
              --stop-loss PRICE            a reduce-only stop for the account's position in the market (a long's
                                           sells at ≤ PRICE, a short's buys back at ≥ PRICE; any fill by default)
              --take-profit PRICE          a reduce-only take-profit (50 bps fill bound by default)
              --size UNITS                 with --stop-loss/--take-profit: close only this much (default: all);
                                           otherwise the signed size to trade (e.g. -0.5), 8 decimals at most
              --trigger-price PRICE        with --size: the trigger, and --above or --below (due at ≥ / ≤ PRICE)
              --not-reduce-only            with --size: may open or increase (default reduce-only)
              --slippage-bps N             worst fill past the trigger (default: stop any fill, take-profit 50;
                                           required with --size/--trigger-price)
              --keeper-fee USDC            escrowed, paid to whoever executes (default 0; refunded into the account
                                           on cancel, expiry or void)
              --expiry-hours H             life of the order (default 720 = 30 days)
              --approve                    first make TriggerOrders your operator and approve it for the fee
  cancel    --order ID [--delayed]       the owner or an operator any time; anyone once it is expired or void
                                           (delayed: owner while pending, anyone once missed, nobody while settleable)
  execute   --order ID                   execute a due trigger order (anyone; earns its keeper fee)
  commit    a delayed order: --market ID|SYMBOL --size UNITS (signed) --slippage-bps N (around the current quote)
              [--account-index N] [--reduce-only] [--keeper-fee USDC] [--approve]
  settle    --order ID                   settle a delayed order at its round (anyone; earns its keeper fee)

${CONNECTION_HELP}

Sending needs $PARAPET_PRIVATE_KEY (list does not: pass --owner or --all).

JSON: list → { blockNumber, triggerOrders: [{ orderId, owner, accountIndex, marketId, symbol, kind, sizeDeltaWad,
  triggerPriceWad, triggerAbove, acceptablePriceWad, expiry, reduceOnly, keeperFeeTokens, due }], delayedOrders:
  [{ orderId, …, settleAfter, settleBefore, status }] }; the others → { status: "sent", action, orderId, hash,
  gasUsed, setup: [the setOperator/approve hashes sent with --approve] }

Exit codes: 0 ok; 1 runtime (setup missing without --approve: the message names the call; a revert with its cause
and fix, e.g. NotDue, OrderNotFound, SettlementNotReady; RPC down; wrong chain); 2 usage (unknown subcommand or
option, a bad number or price, a market the deployment lacks, no position for --stop-loss, no $PARAPET_PRIVATE_KEY).

Examples:
  parapet orders place --market ETH --account-index 1 --stop-loss 3300 --keeper-fee 1 --approve
  parapet orders list --json
  parapet orders commit --market BTC --size 0.1 --slippage-bps 100 --keeper-fee 1 --approve
`;

const SUBCOMMANDS = ["list", "place", "cancel", "execute", "commit", "settle"] as const;

const ORDER_OPTIONS = {
  ...CONNECTION_OPTIONS,
  owner: { type: "string" },
  "account-index": { type: "string" },
  all: { type: "boolean" },
  market: { type: "string" },
  "stop-loss": { type: "string" },
  "take-profit": { type: "string" },
  size: { type: "string" },
  "trigger-price": { type: "string" },
  above: { type: "boolean" },
  below: { type: "boolean" },
  "not-reduce-only": { type: "boolean" },
  "reduce-only": { type: "boolean" },
  "slippage-bps": { type: "string" },
  "keeper-fee": { type: "string" },
  "expiry-hours": { type: "string" },
  approve: { type: "boolean" },
  order: { type: "string" },
  delayed: { type: "boolean" },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof ORDER_OPTIONS>>["values"];

function price(option: string, text: string): bigint {
  try {
    return parseDecimal(text.replaceAll(",", ""), 18, { argument: option, allowZero: false });
  } catch (error) {
    const fix = error instanceof ParapetInputError ? error.fix : "Pass a USD price such as 2900.5.";
    throw usage(`--${option} ${text}`, `--${option} ${text} is not a USD price.`, fix);
  }
}

function signedSize(text: string, allowNegative: boolean): bigint {
  try {
    return parseDecimal(text, 18, { argument: "size", allowNegative, allowZero: false });
  } catch (error) {
    const fix = error instanceof ParapetInputError ? error.fix : "Pass e.g. --size 0.5.";
    throw usage(`--size ${text}`, `--size ${text} is not a ${allowNegative ? "signed " : ""}size in units.`, fix);
  }
}

function orderIdOption(text: string | undefined): bigint {
  if (text === undefined || !/^\d+$/.test(text) || BigInt(text) === 0n) {
    throw usage(
      `--order ${text ?? ""}`.trim(),
      text === undefined ? "--order is required." : `--order ${text} is not an order id.`,
      "Pass e.g. --order 3 (parapet orders list shows the ids).",
    );
  }
  return BigInt(text);
}

function marketOption(client: ParapetContext, text: string | undefined): bigint {
  const known = client.deployment.markets.map((m) => `${m.marketId} (${m.symbol})`).join(", ");
  if (text === undefined) throw usage("--market", "--market is required.", `Pass one of ${known}.`);
  const market = client.deployment.markets.find(
    (m) => String(m.marketId) === text || m.symbol.toUpperCase() === text.toUpperCase(),
  );
  if (!market) throw usage(`--market ${text}`, `The deployment has no market ${text}.`, `Use one of ${known}.`);
  return market.marketId;
}

function keeperFeeOption(text: string | undefined, decimals: number): bigint {
  if (text === undefined) return 0n;
  try {
    return parseDecimal(text, decimals, { argument: "keeper-fee" });
  } catch (error) {
    const fix = error instanceof ParapetInputError ? error.fix : "Pass e.g. --keeper-fee 1.";
    throw usage(`--keeper-fee ${text}`, `--keeper-fee ${text} is not a token amount.`, fix);
  }
}

function triggerRow(o: TriggerOrder) {
  return {
    orderId: o.orderId,
    owner: o.owner,
    accountIndex: o.accountIndex,
    marketId: o.marketId,
    symbol: o.symbol,
    kind: o.kind,
    sizeDeltaWad: o.sizeDeltaWad,
    triggerPriceWad: o.triggerPriceWad,
    triggerAbove: o.triggerAbove,
    acceptablePriceWad: o.acceptablePriceWad,
    expiry: o.expiry,
    reduceOnly: o.reduceOnly,
    keeperFeeTokens: o.keeperFeeTokens,
    due: o.due,
  };
}

function worstText(wad: bigint): string {
  return wad === 0n || wad === maxUint256 ? "any fill" : fmtWad(wad);
}

function listTable(
  client: ParapetContext,
  triggers: readonly TriggerOrder[],
  delayed: readonly DelayedOrder[],
): string {
  const fee = (tokens: bigint) => formatUnits(tokens, client.deployment.collateralDecimals);
  const lines: string[] = [];
  if (triggers.length === 0) lines.push("Trigger orders: none live.");
  else {
    lines.push(
      "Trigger orders:",
      formatTable([
        ["id", "account", "market", "kind", "size", "when price", "worst fill", "fee", "expires", "due"],
        ...triggers.map((o) => [
          String(o.orderId),
          `${o.owner.slice(0, 8)}…:${o.accountIndex}`,
          o.symbol,
          o.reduceOnly ? o.kind : `${o.kind} (may open)`,
          fmtWad(o.sizeDeltaWad, 8),
          `${o.triggerAbove ? "≥" : "≤"} ${fmtWad(o.triggerPriceWad)}`,
          worstText(o.acceptablePriceWad),
          fee(o.keeperFeeTokens),
          new Date(Number(o.expiry) * 1000).toISOString(),
          o.due ? "yes" : "no",
        ]),
      ]),
    );
  }
  if (delayed.length === 0) lines.push("Delayed orders: none live.");
  else {
    lines.push(
      "Delayed orders:",
      formatTable([
        ["id", "account", "market", "size", "worst fill", "fee", "settles from", "until", "status"],
        ...delayed.map((o) => [
          String(o.orderId),
          `${o.owner.slice(0, 8)}…:${o.accountIndex}`,
          o.symbol,
          fmtWad(o.sizeDeltaWad, 8),
          worstText(o.acceptablePriceWad),
          fee(o.keeperFeeTokens),
          new Date(Number(o.settleAfter) * 1000).toISOString(),
          new Date(Number(o.settleBefore) * 1000).toISOString(),
          o.status,
        ]),
      ]),
    );
  }
  return lines.join("\n");
}

async function runList(values: Values, io: CliIo): Promise<number> {
  allowOnly("orders", "list", values, ["owner", "account-index", "all"]);
  const settings = connectionSettings(values, envOf(io));
  const ownerOption = values.owner === undefined ? undefined : addressOption("owner", values.owner);
  const accountIndex = values["account-index"] === undefined ? undefined : accountIndexOption(values["account-index"]);
  if (values.all && ownerOption) throw usage("--all", "--all lists every owner's orders: drop --owner.", "Pick one.");
  const { client, signer } = await connect(settings, envOf(io), "optional", "orders list");
  const owner = values.all ? undefined : (ownerOption ?? signer);
  if (!owner && !values.all) {
    throw usage("--owner", "Whose orders? No --owner and no $PARAPET_PRIVATE_KEY.", "Pass --owner ADDRESS or --all.");
  }
  if (accountIndex !== undefined && !owner) {
    throw usage("--account-index", "--account-index needs an owner.", "Pass --owner ADDRESS.");
  }
  const blockNumber = await client.publicClient.getBlockNumber({ cacheTime: 0 });
  const filter = { owner, accountIndex, blockNumber };
  const [triggers, delayed] = await Promise.all([
    client.deployment.triggerOrders ? getTriggerOrders(client, filter) : [],
    client.deployment.delayedOrders ? getDelayedOrders(client, filter) : [],
  ]);
  if (settings.json) {
    io.stdout(
      `${toJson({ blockNumber, owner: owner ?? null, triggerOrders: triggers.map(triggerRow), delayedOrders: delayed })}\n`,
    );
  } else {
    io.stdout(`${listTable(client, triggers, delayed)}\n`);
  }
  return EXIT_CODES.ok;
}

/** With --approve: setOperator(orders) and approve(orders, fee) when missing; returns the hashes sent. */
async function approveIfAsked(
  client: ParapetContext,
  values: Values,
  contract: OrderContract,
  owner: Address,
  keeperFee: bigint,
  say: (text: string) => void,
): Promise<string[]> {
  if (!values.approve) return [];
  const setup = await getOrderSetup(client, { contract, owner });
  const sent: string[] = [];
  if (!setup.contractIsOperator) {
    const w = await writeSetOperator(client, { operator: setup.address, allowed: true });
    say(`setOperator(${contract} ${setup.address}, true): ${w.hash} (gas ${w.receipt.gasUsed})`);
    sent.push(w.hash);
  }
  if (setup.allowance < keeperFee) {
    const w = await writeApprove(client, { amount: keeperFee, spender: contract });
    say(`approve(${contract}, ${keeperFee}): ${w.hash} (gas ${w.receipt.gasUsed})`);
    sent.push(w.hash);
  }
  return sent;
}

function setupHint(error: unknown): never {
  if (
    error instanceof Error &&
    "code" in error &&
    ["ORDERS_NOT_OPERATOR", "ALLOWANCE_TOO_LOW"].includes(String(error.code))
  ) {
    throw new Error(`${error.message} Or rerun with --approve.`);
  }
  throw error;
}

async function runPlace(values: Values, io: CliIo): Promise<number> {
  allowOnly("orders", "place", values, [
    "market",
    "account-index",
    "stop-loss",
    "take-profit",
    "size",
    "trigger-price",
    "above",
    "below",
    "not-reduce-only",
    "slippage-bps",
    "keeper-fee",
    "expiry-hours",
    "approve",
  ]);
  const settings = connectionSettings(values, envOf(io));
  const accountIndex = accountIndexOption(values["account-index"] ?? "0");
  const slippageBps = slippageBpsOption(values["slippage-bps"]);
  const hours = numberOption("expiry-hours", values["expiry-hours"], 720, (x) => x > 0, "a number of hours > 0");
  const expirySeconds = BigInt(Math.round(hours * 3600));
  const protective = [values["stop-loss"] !== undefined, values["take-profit"] !== undefined].filter(Boolean).length;
  if (protective > 1) throw usage("--take-profit", "Pass --stop-loss or --take-profit, not both.", "One per order.");
  if (protective === 0 && (values["trigger-price"] === undefined || values.size === undefined)) {
    throw usage(
      "--stop-loss",
      "Nothing to place: pass --stop-loss PRICE, --take-profit PRICE, or --size UNITS with --trigger-price PRICE.",
      "E.g. parapet orders place --market ETH --stop-loss 2900.",
    );
  }
  if (protective === 0 && values.above === values.below) {
    throw usage("--above", "With --trigger-price, pass exactly one of --above and --below.", "E.g. --below.");
  }
  if (protective === 0 && slippageBps === undefined) {
    throw usage(
      "--slippage-bps",
      "A raw order (--size with --trigger-price) needs --slippage-bps: the worst fill past the trigger.",
      "Pass e.g. --slippage-bps 100, or use --stop-loss / --take-profit for a position.",
    );
  }
  const { client, signer } = await connect(settings, envOf(io), "required", "orders place");
  const owner = signer as Address;
  const marketId = marketOption(client, values.market);
  const keeperFee = keeperFeeOption(values["keeper-fee"], client.deployment.collateralDecimals);
  let order: TriggerOrderParameters;
  let what: string;
  if (protective === 1) {
    const kind = values["stop-loss"] !== undefined ? "stop-loss" : "take-profit";
    const trigger = price(kind, (values["stop-loss"] ?? values["take-profit"]) as string);
    const account = await getAccount(client, { owner, accountIndex, marketIds: [marketId] });
    const position = account.positions.find((p) => p.marketId === marketId);
    if (!position) {
      throw usage(
        `--${kind}`,
        `Account ${accountIndex} has no position in market ${marketId}: nothing for a ${kind} to close.`,
        "Open the position first, pick its --account-index, or place a raw order with --size and --trigger-price.",
      );
    }
    const params = {
      marketId,
      positionSizeWad: position.sizeWad,
      triggerPriceWad: trigger,
      sizeWad: values.size === undefined ? undefined : signedSize(values.size, false),
      slippageBps,
      expirySeconds,
    };
    try {
      order = kind === "stop-loss" ? stopLossParams(params) : takeProfitParams(params);
    } catch (error) {
      if (error instanceof ParapetInputError) throw usage(`--${kind}`, error.summary, error.fix);
      throw error;
    }
    what = kind;
  } else {
    const reduceOnly = values["not-reduce-only"] !== true;
    order = {
      marketId,
      sizeDelta: signedSize(values.size as string, true),
      triggerPriceWad: price("trigger-price", values["trigger-price"] as string),
      triggerAbove: values.above === true,
      slippageBps,
      expirySeconds,
      reduceOnly,
    };
    what = reduceOnly ? "reduce-only order" : "order";
  }
  const say = (text: string) => {
    if (!settings.json) io.stdout(`${text}\n`);
  };
  const setup = await approveIfAsked(client, values, "triggerOrders", owner, keeperFee, say);
  const placed = await writePlaceTrigger(client, { owner, accountIndex, ...order, keeperFee }).catch(setupHint);
  if (settings.json) {
    io.stdout(
      `${toJson({ status: "sent", action: "place", orderId: placed.orderId, hash: placed.hash, gasUsed: placed.receipt.gasUsed, setup })}\n`,
    );
  } else {
    const size = typeof order.sizeDelta === "bigint" ? order.sizeDelta : 0n;
    say(
      `Placed ${what} #${placed.orderId} on market ${marketId} (account ${accountIndex}): ${size > 0n ? "buy" : "sell"} ${wadDecimal(size < 0n ? -size : size)} when the price is ${order.triggerAbove ? "≥" : "≤"} ${wadDecimal(order.triggerPriceWad)} USD; keeper fee ${formatUnits(keeperFee, client.deployment.collateralDecimals)}. Tx ${placed.hash} (gas ${placed.receipt.gasUsed}).`,
    );
  }
  return EXIT_CODES.ok;
}

async function runCommit(values: Values, io: CliIo): Promise<number> {
  allowOnly("orders", "commit", values, [
    "market",
    "account-index",
    "size",
    "slippage-bps",
    "reduce-only",
    "keeper-fee",
    "approve",
  ]);
  const settings = connectionSettings(values, envOf(io));
  const accountIndex = accountIndexOption(values["account-index"] ?? "0");
  if (values.size === undefined) throw usage("--size", "--size is required.", "Pass the signed size, e.g. --size 0.5.");
  const sizeDelta = signedSize(values.size, true);
  const slippageBps = slippageBpsOption(values["slippage-bps"]);
  if (slippageBps === undefined) {
    throw usage(
      "--slippage-bps",
      "--slippage-bps is required: the settlement price is not known yet.",
      "Pass e.g. --slippage-bps 100 (1 % around the current quote).",
    );
  }
  const { client, signer } = await connect(settings, envOf(io), "required", "orders commit");
  const owner = signer as Address;
  const marketId = marketOption(client, values.market);
  const keeperFee = keeperFeeOption(values["keeper-fee"], client.deployment.collateralDecimals);
  const say = (text: string) => {
    if (!settings.json) io.stdout(`${text}\n`);
  };
  const setup = await approveIfAsked(client, values, "delayedOrders", owner, keeperFee, say);
  const committed = await writeCommitOrder(client, {
    owner,
    accountIndex,
    marketId,
    sizeDelta,
    slippageBps,
    reduceOnly: values["reduce-only"] === true,
    keeperFee,
  }).catch(setupHint);
  if (settings.json) {
    io.stdout(
      `${toJson({ status: "sent", action: "commit", orderId: committed.orderId, hash: committed.hash, gasUsed: committed.receipt.gasUsed, setup })}\n`,
    );
  } else {
    say(
      `Committed delayed order #${committed.orderId} on market ${marketId} (account ${accountIndex}): ${wadDecimal(sizeDelta)} units; it settles at the first oracle round after the market's delay (a keeper, or parapet orders settle --order ${committed.orderId}). Tx ${committed.hash} (gas ${committed.receipt.gasUsed}).`,
    );
  }
  return EXIT_CODES.ok;
}

async function runById(sub: "cancel" | "execute" | "settle", values: Values, io: CliIo): Promise<number> {
  allowOnly("orders", sub, values, sub === "cancel" ? ["order", "delayed"] : ["order"]);
  const settings = connectionSettings(values, envOf(io));
  const orderId = orderIdOption(values.order);
  const { client } = await connect(settings, envOf(io), "required", `orders ${sub}`);
  const write =
    sub === "execute"
      ? await writeExecuteTrigger(client, { orderId })
      : sub === "settle"
        ? await writeSettleOrder(client, { orderId })
        : values.delayed
          ? await writeCancelDelayedOrder(client, { orderId })
          : await writeCancelTrigger(client, { orderId });
  if (settings.json) {
    io.stdout(
      `${toJson({ status: "sent", action: sub, orderId, hash: write.hash, gasUsed: write.receipt.gasUsed })}\n`,
    );
  } else {
    const what =
      sub === "execute" ? "Executed trigger order" : sub === "settle" ? "Settled delayed order" : "Cancelled";
    const kind = sub === "cancel" ? (values.delayed ? " delayed order" : " trigger order") : "";
    io.stdout(`${what}${kind} #${orderId}: tx ${write.hash} (gas ${write.receipt.gasUsed}).\n`);
  }
  return EXIT_CODES.ok;
}

async function runOrders(argv: readonly string[], io: CliIo): Promise<number> {
  const split = splitSubcommand("orders", "an orders subcommand", argv, SUBCOMMANDS, help, io);
  if (typeof split === "number") return split;
  const { sub, rest } = split;
  const { values } = parseCommandArgs(`orders ${sub}`, rest, ORDER_OPTIONS);
  if (values.help) {
    io.stdout(help);
    return EXIT_CODES.ok;
  }
  switch (sub) {
    case "list":
      return runList(values, io);
    case "place":
      return runPlace(values, io);
    case "commit":
      return runCommit(values, io);
    default:
      return runById(sub as "cancel" | "execute" | "settle", values, io);
  }
}

export function run(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand("orders", io, () => runOrders(argv, io));
}
