// Orders: stop-loss / take-profit orders (TriggerOrders) and delayed orders (DelayedOrders, the latency defence's
// order path), docs/orders.md. Reads follow actions/read.ts: the ids come from the placement events (filtered by the
// indexed owner and account), then deployless multicalls of `orderStatus` sized from the EVM's limits, at one block. Writes follow
// actions/write.ts: `build*` returns an unsigned transaction and never sends; `write*` checks the setup first (typed
// ParapetSetupError naming the call that fixes it), then simulate → estimate → send → decoded events.
import { type Address, erc20Abi, formatUnits, maxUint256 } from "viem";
import { delayedOrdersAbi, perpVaultAbi, triggerOrdersAbi } from "../abis/index.js";
import type { ParapetContext } from "../client.js";
import { getDeploymentMarket, requireAddress } from "../deployment.js";
import { ParapetInputError, ParapetNoWalletError, ParapetSetupError, toParapetContractError } from "../errors.js";
import { acceptablePrice as acceptablePriceOf, assertBigintAmount, parseDecimal } from "../units.js";
import { built } from "./encode.js";
import { type LogRangeParameters, scanLogRange } from "./logs.js";
import { type BlockParameters, deploylessMulticall, multicallInChunks, unwrapCallResult } from "./read.js";
import type {
  DelayedOrderStruct,
  LatencyParamsStruct,
  TriggerOrderParamsStruct,
  TriggerOrderStruct,
} from "./structs.js";
import {
  type BuiltTransaction,
  resolveAcceptablePrice,
  type SizeAmount,
  sendParapetTransaction,
  type TokenAmount,
  type WriteOptions,
  type WriteReturnType,
} from "./write.js";

/** TriggerOrders stores sizes and prices in ticks of 1e-8 (Chainlink's USD precision): 1e10 in WAD. */
export const ORDER_TICK_WAD = 10n ** 10n;
/** Default life of a trigger order: 30 days from the latest block. */
export const DEFAULT_TRIGGER_EXPIRY_SECONDS = 30n * 86_400n;
const BPS = 10_000n;
const UINT32_MAX = 2n ** 32n - 1n;
const INT64_MAX = 2n ** 63n - 1n;
const INT96_MAX = 2n ** 95n - 1n;
const UINT128_MAX = 2n ** 128n - 1n;
const UINT96_LIMIT = 2n ** 96n;

export type OrderContract = "triggerOrders" | "delayedOrders";

/** The deployment's TriggerOrders or DelayedOrders, or a typed MISSING_ADDRESS error. */
export function orderContractAddress(client: ParapetContext, contract: OrderContract): Address {
  return requireAddress(client.deployment, contract);
}

function marketSymbol(client: ParapetContext, marketId: bigint): string {
  return client.deployment.markets.find((m) => m.marketId === marketId)?.symbol ?? `#${marketId}`;
}

function accountIndexOf(value: bigint | undefined, max: bigint, argument = "accountIndex"): bigint {
  const v = assertBigintAmount(value ?? 0n, { argument });
  if (v > max)
    throw new ParapetInputError(argument, `${v} does not fit the order contract (≤ ${max}).`, `Use ≤ ${max}.`);
  return v;
}

function sizeOf(value: SizeAmount, argument = "sizeDelta"): bigint {
  return typeof value === "string"
    ? parseDecimal(value, 18, { argument, allowNegative: true, allowZero: false })
    : assertBigintAmount(value, { argument, allowNegative: true, allowZero: false });
}

function keeperFeeOf(client: ParapetContext, value: TokenAmount | undefined): bigint {
  if (value === undefined) return 0n;
  return typeof value === "string"
    ? parseDecimal(value, client.deployment.collateralDecimals, { argument: "keeperFee" })
    : assertBigintAmount(value, { argument: "keeperFee" });
}

function bpsOf(value: bigint | number, argument: string): bigint {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new ParapetInputError(argument, `${value} is not an integer number of basis points.`, "Pass e.g. 50.");
  }
  const b = BigInt(value);
  if (b < 0n || b > BPS) throw new ParapetInputError(argument, `${b} is outside [0, 10000].`, "Pass e.g. 50.");
  return b;
}

/**
 * A trigger order's size on the contract's 1e-8 tick. A reduce-only size is rounded AWAY from zero (safe: the contract
 * clamps it to the position at execution, so it never closes more than there is); any other size must be on the tick,
 * else a ParapetInputError gives the two nearest sizes.
 */
export function triggerSizeOnTick(sizeDeltaWad: bigint, reduceOnly: boolean): bigint {
  const r = sizeDeltaWad % ORDER_TICK_WAD;
  let size = sizeDeltaWad;
  if (r !== 0n) {
    const towardZero = sizeDeltaWad - r;
    const awayFromZero = sizeDeltaWad > 0n ? towardZero + ORDER_TICK_WAD : towardZero - ORDER_TICK_WAD;
    if (!reduceOnly) {
      throw new ParapetInputError(
        "sizeDelta",
        `${formatUnits(sizeDeltaWad, 18)} units is not a multiple of 1e-8 units (TriggerOrders stores sizes in ticks of 1e-8).`,
        `Round it to 8 decimals: ${formatUnits(towardZero, 18)} or ${formatUnits(awayFromZero, 18)}.`,
      );
    }
    size = awayFromZero;
  }
  const ticks = size / ORDER_TICK_WAD;
  if (ticks > INT64_MAX || ticks < -INT64_MAX) {
    throw new ParapetInputError(
      "sizeDelta",
      `${formatUnits(size, 18)} units is too large.`,
      "Keep |size| < 9.2e10 units.",
    );
  }
  return size;
}

/** Token units per stored keeper-fee unit: 10^(decimals − 6), at least 1 (TriggerOrders' FEE_UNIT). */
export function triggerFeeUnit(collateralDecimals: number): bigint {
  return collateralDecimals > 6 ? 10n ** BigInt(collateralDecimals - 6) : 1n;
}

// ---- reads -----------------------------------------------------------------------------------------------------

/** "stop": closes when the price moves against the position it reduces; "take-profit": when it moves in favour. */
export type TriggerOrderKind = "stop" | "take-profit";

/** A live trigger order, with whether `executeTrigger` would pass the contract's own checks now. */
export type TriggerOrder = {
  orderId: bigint;
  owner: Address;
  accountIndex: bigint;
  marketId: bigint;
  symbol: string;
  /** Signed size to trade when due (units, WAD; a reduce-only one is clamped to the position at execution). */
  sizeDeltaWad: bigint;
  /** The trigger as stored (rounded to 1e-8 USD so it never fires before the price asked). */
  triggerPriceWad: bigint;
  /** Due when the oracle price is ≥ the trigger (true) or ≤ it (false). */
  triggerAbove: boolean;
  /** Worst fill price (USD WAD); 0 for a sell or 2^256 − 1 for a buy: any fill. */
  acceptablePriceWad: bigint;
  /** Last timestamp (s) at which it may execute. */
  expiry: bigint;
  reduceOnly: boolean;
  /** Escrowed keeper fee (collateral token units). */
  keeperFeeTokens: bigint;
  /** For a reduce-only order: a sell due at ≤ trigger or a buy due at ≥ trigger is a stop. */
  kind: TriggerOrderKind;
  /** Not expired, not void, oracle valid and crossed: `executeTrigger` would pass the order checks now. */
  due: boolean;
};

export type DelayedOrderStatus = "pending" | "settleable" | "missed";

/** A live delayed order and its state now (IDelayedOrders.Status). */
export type DelayedOrder = {
  orderId: bigint;
  owner: Address;
  accountIndex: bigint;
  marketId: bigint;
  symbol: string;
  sizeDeltaWad: bigint;
  /** Worst fill price (USD WAD); 2^256 − 1 for a buy: any fill. */
  acceptablePriceWad: bigint;
  reduceOnly: boolean;
  /** A round published at or after this timestamp (s) may settle it: the first such round only. */
  settleAfter: bigint;
  /** After this timestamp it can no longer settle, only be cancelled. */
  settleBefore: bigint;
  keeperFeeTokens: bigint;
  /** pending: no eligible round yet; settleable: anyone may settle now; missed: only cancel (anyone may). */
  status: DelayedOrderStatus;
};

export type DiscoverOrderIdsParameters = LogRangeParameters & {
  /** Only orders of this owner (the indexed event topic), and of this account of the owner. */
  owner?: Address | undefined;
  accountIndex?: bigint | undefined;
};

export type DiscoverOrderIdsReturnType = {
  /** Ids of every order placed in the range (live or not), ascending. */
  orderIds: bigint[];
  /** The last block scanned: resume from `toBlock + 1n`. */
  toBlock: bigint;
};

async function discoverOrderIds(
  client: ParapetContext,
  contract: OrderContract,
  parameters: DiscoverOrderIdsParameters,
): Promise<DiscoverOrderIdsReturnType> {
  const address = orderContractAddress(client, contract);
  if (parameters.accountIndex !== undefined && parameters.owner === undefined) {
    throw new ParapetInputError("accountIndex", "was given without `owner`.", "Pass the account's owner too.");
  }
  const args = {
    ...(parameters.owner !== undefined ? { owner: parameters.owner } : {}),
    ...(parameters.accountIndex !== undefined ? { accountIndex: parameters.accountIndex } : {}),
  };
  // The page maps each log to its id: the two contracts' events have different types.
  const { logs: orderIds, toBlock } = await scanLogRange(client, parameters, async (window) =>
    contract === "triggerOrders"
      ? (
          await client.publicClient.getContractEvents({
            address,
            abi: triggerOrdersAbi,
            eventName: "TriggerPlaced",
            args,
            ...window,
            strict: true,
          })
        ).map((log) => log.args.orderId)
      : (
          await client.publicClient.getContractEvents({
            address,
            abi: delayedOrdersAbi,
            eventName: "OrderCommitted",
            args,
            ...window,
            strict: true,
          })
        ).map((log) => log.args.orderId),
  );
  const ids = new Set(orderIds);
  return { orderIds: [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), toBlock };
}

/** Ids of the trigger orders placed in a block range (`TriggerPlaced`, paged), optionally of one owner / account. */
export function discoverTriggerOrderIds(
  client: ParapetContext,
  parameters: DiscoverOrderIdsParameters = {},
): Promise<DiscoverOrderIdsReturnType> {
  return discoverOrderIds(client, "triggerOrders", parameters);
}

/** Ids of the delayed orders committed in a block range (`OrderCommitted`, paged), optionally of one owner / account. */
export function discoverDelayedOrderIds(
  client: ParapetContext,
  parameters: DiscoverOrderIdsParameters = {},
): Promise<DiscoverOrderIdsReturnType> {
  return discoverOrderIds(client, "delayedOrders", parameters);
}

const ZERO = "0x0000000000000000000000000000000000000000";
const DELAYED_STATUS: Record<number, DelayedOrderStatus | undefined> = { 1: "pending", 2: "settleable", 3: "missed" };

export type ReadOrdersParameters = BlockParameters & { orderIds: readonly bigint[] };
export type ReadOrdersReturnType<T> = {
  /** The live orders among `orderIds`, in order. */
  orders: T[];
  /** Ids with no order any more (executed, settled, cancelled, or never placed): ids are never reused. */
  gone: bigint[];
};

async function readStatuses(
  client: ParapetContext,
  contract: OrderContract,
  parameters: ReadOrdersParameters,
): Promise<{ orderId: bigint; result: readonly [unknown, unknown] }[]> {
  const address = orderContractAddress(client, contract);
  const abi = contract === "triggerOrders" ? triggerOrdersAbi : delayedOrdersAbi;
  const ids = parameters.orderIds;
  const { results } = await multicallInChunks(
    client,
    ids.map((orderId) => ({ address, abi, functionName: "orderStatus", args: [orderId] })),
    // each `orderStatus` reads the order, the position and the oracle
    { ...parameters, what: `${contract} orderStatus`, gasPerCall: 60_000 },
  );
  return results.map((r, j) => ({
    orderId: ids[j] as bigint,
    result: unwrapCallResult<readonly [unknown, unknown]>(r, "orderStatus"),
  }));
}

/**
 * A trigger order from its `orderStatus(orderId)` result (the order and whether it is due); undefined when the id has
 * no order any more. What `readTriggerOrders` decodes each result with, for a caller that batches the call itself.
 */
export function triggerOrderFromStatus(
  client: ParapetContext,
  orderId: bigint,
  result: readonly [unknown, unknown],
): TriggerOrder | undefined {
  const [o, due] = result as readonly [TriggerOrderStruct, boolean];
  if (o.owner === ZERO) return undefined;
  return {
    orderId,
    owner: o.owner,
    accountIndex: BigInt(o.accountIndex),
    marketId: o.marketId,
    symbol: marketSymbol(client, o.marketId),
    sizeDeltaWad: o.sizeDelta,
    triggerPriceWad: o.triggerPriceWad,
    triggerAbove: o.triggerAbove,
    acceptablePriceWad: o.acceptablePrice,
    expiry: o.expiry,
    reduceOnly: o.reduceOnly,
    keeperFeeTokens: o.keeperFee,
    kind: o.sizeDelta < 0n !== o.triggerAbove ? "stop" : "take-profit",
    due,
  };
}

/** The trigger orders `orderIds` as they are now (multicalls sized from the deployless limits, at one block). */
export async function readTriggerOrders(
  client: ParapetContext,
  parameters: ReadOrdersParameters,
): Promise<ReadOrdersReturnType<TriggerOrder>> {
  const orders: TriggerOrder[] = [];
  const gone: bigint[] = [];
  for (const { orderId, result } of await readStatuses(client, "triggerOrders", parameters)) {
    const order = triggerOrderFromStatus(client, orderId, result);
    if (order === undefined) gone.push(orderId);
    else orders.push(order);
  }
  return { orders, gone };
}

/**
 * A delayed order from its `orderStatus(orderId)` result (the order and its status code); undefined when the id has
 * no order any more. What `readDelayedOrders` decodes each result with.
 */
export function delayedOrderFromStatus(
  client: ParapetContext,
  orderId: bigint,
  result: readonly [unknown, unknown],
): DelayedOrder | undefined {
  const [o, statusCode] = result as readonly [DelayedOrderStruct, number];
  const status = DELAYED_STATUS[Number(statusCode)];
  if (o.owner === ZERO || status === undefined) return undefined;
  const marketId = BigInt(o.marketId);
  return {
    orderId,
    owner: o.owner,
    accountIndex: BigInt(o.accountIndex),
    marketId,
    symbol: marketSymbol(client, marketId),
    sizeDeltaWad: o.sizeDelta,
    acceptablePriceWad: o.acceptablePrice === UINT128_MAX ? maxUint256 : o.acceptablePrice,
    reduceOnly: o.reduceOnly,
    settleAfter: BigInt(o.settleAfter),
    settleBefore: BigInt(o.settleBefore),
    keeperFeeTokens: o.keeperFee,
    status,
  };
}

/** The delayed orders `orderIds` as they are now (multicalls sized from the deployless limits, at one block). */
export async function readDelayedOrders(
  client: ParapetContext,
  parameters: ReadOrdersParameters,
): Promise<ReadOrdersReturnType<DelayedOrder>> {
  const orders: DelayedOrder[] = [];
  const gone: bigint[] = [];
  for (const { orderId, result } of await readStatuses(client, "delayedOrders", parameters)) {
    const order = delayedOrderFromStatus(client, orderId, result);
    if (order === undefined) gone.push(orderId);
    else orders.push(order);
  }
  return { orders, gone };
}

export type GetTriggerOrdersParameters = Omit<DiscoverOrderIdsParameters, "toBlock"> & BlockParameters;
export type GetTriggerOrdersReturnType = TriggerOrder[];

/**
 * The live trigger orders (of `owner`, of its account `accountIndex`, or all): ids from the `TriggerPlaced` events up
 * to `blockNumber` (default latest), then their `orderStatus` in one multicall at that block, `due` included.
 */
export async function getTriggerOrders(
  client: ParapetContext,
  parameters: GetTriggerOrdersParameters = {},
): Promise<GetTriggerOrdersReturnType> {
  const blockNumber = parameters.blockNumber ?? (await client.publicClient.getBlockNumber({ cacheTime: 0 }));
  const { orderIds } = await discoverTriggerOrderIds(client, { ...parameters, toBlock: blockNumber });
  return (await readTriggerOrders(client, { orderIds, blockNumber })).orders;
}

export type GetDelayedOrdersParameters = GetTriggerOrdersParameters;
export type GetDelayedOrdersReturnType = DelayedOrder[];

/** The live delayed orders (of `owner`, of an account, or all) with their status, like {@link getTriggerOrders}. */
export async function getDelayedOrders(
  client: ParapetContext,
  parameters: GetDelayedOrdersParameters = {},
): Promise<GetDelayedOrdersReturnType> {
  const blockNumber = parameters.blockNumber ?? (await client.publicClient.getBlockNumber({ cacheTime: 0 }));
  const { orderIds } = await discoverDelayedOrderIds(client, { ...parameters, toBlock: blockNumber });
  return (await readDelayedOrders(client, { orderIds, blockNumber })).orders;
}

/** A market's latency defence (IPerpVault.LatencyParams). */
export type LatencyParams = {
  marketId: bigint;
  /** minSettlementDelay ≠ 0: only DelayedOrders may open or increase; immediate reductions pay the surcharge. */
  enabled: boolean;
  minSettlementDelaySeconds: bigint;
  settlementTimeoutSeconds: bigint;
  /** Surcharge (WAD) of an immediate reduction on its notional, on top of the maker/taker fee. */
  immediateFeeRatioWad: bigint;
};

export type GetLatencyParamsParameters = BlockParameters & { marketId: bigint };
export type GetLatencyParamsReturnType = LatencyParams;

/** The vault's `latencyParams(marketId)` as one call. */
export function latencyParamsCall(client: ParapetContext, marketId: bigint) {
  return { address: client.deployment.perpVault, abi: perpVaultAbi, functionName: "latencyParams", args: [marketId] };
}

/** `latencyParams` as returned by the vault (a multicall result) → {@link LatencyParams}. */
export function toLatencyParams(marketId: bigint, raw: unknown): LatencyParams {
  const l = raw as LatencyParamsStruct;
  return {
    marketId,
    enabled: BigInt(l.minSettlementDelay) !== 0n,
    minSettlementDelaySeconds: BigInt(l.minSettlementDelay),
    settlementTimeoutSeconds: BigInt(l.settlementTimeout),
    immediateFeeRatioWad: l.immediateFeeRatio,
  };
}

/** A market's latency defence: on when `minSettlementDelaySeconds` ≠ 0 (docs/orders.md). */
export async function getLatencyParams(
  client: ParapetContext,
  parameters: GetLatencyParamsParameters,
): Promise<GetLatencyParamsReturnType> {
  const market = getDeploymentMarket(client.deployment, parameters.marketId);
  try {
    const raw = await client.publicClient.readContract({
      address: client.deployment.perpVault,
      abi: perpVaultAbi,
      functionName: "latencyParams",
      args: [market.marketId],
      ...(parameters.blockNumber !== undefined ? { blockNumber: parameters.blockNumber } : {}),
    });
    return toLatencyParams(market.marketId, raw);
  } catch (error) {
    throw toParapetContractError(error, { functionName: "latencyParams", step: "read" }) ?? error;
  }
}

// ---- helpers: protective orders of a position ---------------------------------------------------------------------

/** What a trigger order asks for (account and keeper fee apart): `buildPlaceTrigger` / `buildUpdateTrigger` take it. */
export type TriggerOrderParameters = {
  marketId: bigint;
  /**
   * Signed size to trade when due (units, WAD, or a decimal string like "-0.5"), on the 1e-8 tick. A reduce-only
   * size is rounded away from zero to the tick (the contract clamps it to the position); any other must be on it.
   */
  sizeDelta: SizeAmount;
  /** Oracle price (USD WAD) that makes the order due. */
  triggerPriceWad: bigint;
  /** Due when the oracle price is ≥ the trigger (a short's stop, a long's take-profit); otherwise when ≤. */
  triggerAbove: boolean;
  /** Worst fill price (USD WAD): 0 for a sell / 2^256 − 1 for a buy is "any fill". Or give `slippageBps`. */
  acceptablePrice?: bigint | undefined;
  /** Worst fill as basis points past the trigger price (a buy's bound above it, a sell's below). */
  slippageBps?: bigint | number | undefined;
  /** Last timestamp (s) it may execute at; default: latest block + `expirySeconds` (default 30 days). */
  expiry?: bigint | undefined;
  expirySeconds?: bigint | undefined;
  /** Never open, increase or flip (default true). */
  reduceOnly?: boolean | undefined;
};

export type ProtectiveOrderParameters = {
  marketId: bigint;
  /** The position to protect (units, WAD, signed: long > 0). */
  positionSizeWad: bigint;
  triggerPriceWad: bigint;
  /** How much of the position to close (units, WAD, > 0); default all of it. */
  sizeWad?: bigint | undefined;
  /** Worst fill past the trigger (bps). Default: a stop-loss takes any fill (it must exit); a take-profit 50 bps. */
  slippageBps?: bigint | number | undefined;
  /** The oracle price now (USD WAD), to refuse a trigger already crossed (the order would be due at once). */
  priceWad?: bigint | undefined;
  expiry?: bigint | undefined;
  expirySeconds?: bigint | undefined;
};

function protective(kind: TriggerOrderKind, p: ProtectiveOrderParameters): TriggerOrderParameters {
  const position = assertBigintAmount(p.positionSizeWad, { argument: "positionSizeWad", allowNegative: true });
  if (position === 0n) {
    throw new ParapetInputError("positionSizeWad", "is zero: there is no position to protect.", "Open it first.");
  }
  const trigger = assertBigintAmount(p.triggerPriceWad, { argument: "triggerPriceWad", allowZero: false });
  const long = position > 0n;
  const abs = long ? position : -position;
  const size = p.sizeWad === undefined ? abs : assertBigintAmount(p.sizeWad, { argument: "sizeWad", allowZero: false });
  if (size > abs) {
    throw new ParapetInputError(
      "sizeWad",
      `${formatUnits(size, 18)} units is more than the position (${formatUnits(abs, 18)}).`,
      "Pass at most the position's size, or leave sizeWad out to close all of it.",
    );
  }
  // A long's stop sells at ≤ trigger, its take-profit at ≥ trigger; a short's the other way round.
  const triggerAbove = kind === "stop" ? !long : long;
  if (p.priceWad !== undefined) {
    const crossed = triggerAbove ? p.priceWad >= trigger : p.priceWad <= trigger;
    if (crossed) {
      throw new ParapetInputError(
        "triggerPriceWad",
        `${formatUnits(trigger, 18)} USD is already crossed at the price ${formatUnits(p.priceWad, 18)} USD: the ${kind} would be due at once.`,
        `Put a ${long ? "long" : "short"}'s ${kind} ${triggerAbove ? "above" : "below"} the current price.`,
      );
    }
  }
  const sizeDelta = long ? -size : size;
  const slippage = p.slippageBps ?? (kind === "take-profit" ? 50 : undefined);
  return {
    marketId: p.marketId,
    sizeDelta,
    triggerPriceWad: trigger,
    triggerAbove,
    acceptablePrice:
      slippage === undefined
        ? long
          ? 0n
          : maxUint256
        : acceptablePriceOf({ priceWad: trigger, sizeDelta, slippageBps: slippage }),
    expiry: p.expiry,
    expirySeconds: p.expirySeconds,
    reduceOnly: true,
  };
}

/**
 * A reduce-only stop-loss for a position: sells a long when the oracle price falls to `triggerPriceWad`, buys back a
 * short when it rises to it; by default at any fill (a stop must get out). Pure: pass it to `buildPlaceTrigger`.
 */
export function stopLossParams(parameters: ProtectiveOrderParameters): TriggerOrderParameters {
  return protective("stop", parameters);
}

/** A reduce-only take-profit: the mirror of {@link stopLossParams}, with a 50 bps fill bound by default. */
export function takeProfitParams(parameters: ProtectiveOrderParameters): TriggerOrderParameters {
  return protective("take-profit", parameters);
}

// ---- builders ----------------------------------------------------------------------------------------------------

async function triggerArgs(client: ParapetContext, p: TriggerOrderParameters): Promise<TriggerOrderParamsStruct> {
  const market = getDeploymentMarket(client.deployment, p.marketId);
  const reduceOnly = p.reduceOnly ?? true;
  const sizeDelta = triggerSizeOnTick(sizeOf(p.sizeDelta), reduceOnly);
  const triggerPriceWad = assertBigintAmount(p.triggerPriceWad, { argument: "triggerPriceWad", allowZero: false });
  if (typeof p.triggerAbove !== "boolean") {
    throw new ParapetInputError("triggerAbove", "is not a boolean.", "Pass true (due at ≥ trigger) or false (≤).");
  }
  let worst = p.acceptablePrice;
  if (worst === undefined) {
    if (p.slippageBps === undefined) {
      throw new ParapetInputError(
        "acceptablePrice",
        "neither acceptablePrice nor slippageBps was given.",
        "Pass `slippageBps` (the worst fill past the trigger price, e.g. 100), `acceptablePrice` (USD WAD; 0 for a sell or 2^256 − 1 for a buy accepts any fill), or build it with stopLossParams / takeProfitParams.",
      );
    }
    worst = acceptablePriceOf({
      priceWad: triggerPriceWad,
      sizeDelta,
      slippageBps: bpsOf(p.slippageBps, "slippageBps"),
    });
  } else {
    assertBigintAmount(worst, { argument: "acceptablePrice" });
  }
  let expiry = p.expiry;
  if (expiry === undefined) {
    const block = await client.publicClient.getBlock({ blockTag: "latest" });
    expiry = block.timestamp + (p.expirySeconds ?? DEFAULT_TRIGGER_EXPIRY_SECONDS);
  } else {
    assertBigintAmount(expiry, { argument: "expiry", allowZero: false });
  }
  return {
    marketId: market.marketId,
    sizeDelta,
    triggerPriceWad,
    triggerAbove: p.triggerAbove,
    acceptablePrice: worst,
    expiry,
    reduceOnly,
  };
}

export type BuildPlaceTriggerParameters = TriggerOrderParameters & {
  /** The account owner (the sender must be the owner or its operator). */
  owner: Address;
  /** Account index (≤ 2^32 − 1 for trigger orders). */
  accountIndex?: bigint | undefined;
  /**
   * Keeper fee escrowed from the sender (token units or a decimal string; default 0): paid to whoever executes the
   * order, returned into the account on cancel / expiry / void. A multiple of 1e-6 tokens.
   */
  keeperFee?: TokenAmount | undefined;
};

/** `TriggerOrders.placeTrigger` as an unsigned transaction (reads the latest block only for the default expiry). */
export async function buildPlaceTrigger(
  client: ParapetContext,
  parameters: BuildPlaceTriggerParameters,
): Promise<BuiltTransaction> {
  const accountIndex = accountIndexOf(parameters.accountIndex, UINT32_MAX);
  const keeperFee = keeperFeeOf(client, parameters.keeperFee);
  const unit = triggerFeeUnit(client.deployment.collateralDecimals);
  if (keeperFee % unit !== 0n) {
    throw new ParapetInputError(
      "keeperFee",
      `${keeperFee} token units is not a multiple of ${unit} (TriggerOrders stores fees in 1e-6 tokens).`,
      `Round it to ${keeperFee - (keeperFee % unit)} or ${keeperFee - (keeperFee % unit) + unit}.`,
    );
  }
  const args = await triggerArgs(client, parameters);
  return built(orderContractAddress(client, "triggerOrders"), triggerOrdersAbi, "placeTrigger", [
    parameters.owner,
    accountIndex,
    args,
    keeperFee,
  ]);
}

export type BuildUpdateTriggerParameters = TriggerOrderParameters & { orderId: bigint };

/** `TriggerOrders.updateTrigger`: replaces every field but the account and the keeper fee. Owner or operator. */
export async function buildUpdateTrigger(
  client: ParapetContext,
  parameters: BuildUpdateTriggerParameters,
): Promise<BuiltTransaction> {
  const orderId = assertBigintAmount(parameters.orderId, { argument: "orderId", allowZero: false });
  const args = await triggerArgs(client, parameters);
  return built(orderContractAddress(client, "triggerOrders"), triggerOrdersAbi, "updateTrigger", [orderId, args]);
}

export type BuildOrderIdParameters = { orderId: bigint };

function orderId(parameters: BuildOrderIdParameters): bigint {
  return assertBigintAmount(parameters.orderId, { argument: "orderId", allowZero: false });
}

function triggerById(
  client: ParapetContext,
  functionName: "cancelTrigger" | "executeTrigger",
  parameters: BuildOrderIdParameters,
): BuiltTransaction {
  return built(orderContractAddress(client, "triggerOrders"), triggerOrdersAbi, functionName, [orderId(parameters)]);
}

function delayedById(
  client: ParapetContext,
  functionName: "settleOrder" | "cancelOrder",
  parameters: BuildOrderIdParameters,
): BuiltTransaction {
  return built(orderContractAddress(client, "delayedOrders"), delayedOrdersAbi, functionName, [orderId(parameters)]);
}

export type BuildCancelTriggerParameters = BuildOrderIdParameters;
/** `cancelTrigger`: the owner or an operator any time; anyone once the order is expired or void. */
export function buildCancelTrigger(client: ParapetContext, parameters: BuildCancelTriggerParameters): BuiltTransaction {
  return triggerById(client, "cancelTrigger", parameters);
}

export type BuildExecuteTriggerParameters = BuildOrderIdParameters;
/** `executeTrigger`: anyone, when the order is due; pays its keeper fee to the sender. */
export function buildExecuteTrigger(
  client: ParapetContext,
  parameters: BuildExecuteTriggerParameters,
): BuiltTransaction {
  return triggerById(client, "executeTrigger", parameters);
}

export type BuildCommitOrderParameters = {
  /** The account owner (the sender must be the owner or its operator). */
  owner: Address;
  accountIndex?: bigint | undefined;
  marketId: bigint;
  /** Signed size (units, WAD, or a decimal string like "-0.5"): > 0 buys. |size| < 2^95. */
  sizeDelta: SizeAmount;
  /** Worst fill price (USD WAD; 2^256 − 1 for a buy or 0 for a sell: any fill). Give this or `slippageBps`. */
  acceptablePrice?: bigint | undefined;
  /** Worst fill as basis points around the current quote (then the SDK quotes first: one eth_call). */
  slippageBps?: bigint | number | undefined;
  /** Clamp to the position at settlement; void if nothing is left to reduce (default false). */
  reduceOnly?: boolean | undefined;
  /** Keeper fee escrowed from the sender (token units or a decimal string; default 0), paid to the settler. */
  keeperFee?: TokenAmount | undefined;
};

/** `DelayedOrders.commitOrder` as an unsigned transaction (quotes once when `slippageBps` is given). */
export async function buildCommitOrder(
  client: ParapetContext,
  parameters: BuildCommitOrderParameters,
): Promise<BuiltTransaction> {
  const market = getDeploymentMarket(client.deployment, parameters.marketId);
  const accountIndex = accountIndexOf(parameters.accountIndex, UINT96_LIMIT - 1n);
  const sizeDelta = sizeOf(parameters.sizeDelta);
  if (sizeDelta > INT96_MAX || sizeDelta < -INT96_MAX) {
    throw new ParapetInputError("sizeDelta", `${formatUnits(sizeDelta, 18)} units does not fit int96.`, "Trade less.");
  }
  const keeperFee = keeperFeeOf(client, parameters.keeperFee);
  if (keeperFee > UINT128_MAX) throw new ParapetInputError("keeperFee", "does not fit uint128.", "Pay a smaller fee.");
  const worst = await resolveAcceptablePrice(client, {
    marketId: market.marketId,
    sizeDelta,
    acceptablePrice: parameters.acceptablePrice,
    slippageBps: parameters.slippageBps === undefined ? undefined : bpsOf(parameters.slippageBps, "slippageBps"),
    step: "buildCommitOrder",
    slippageHint: "e.g. 100 = 1 % around the current quote: the settlement price is not known yet",
  });
  return built(orderContractAddress(client, "delayedOrders"), delayedOrdersAbi, "commitOrder", [
    parameters.owner,
    accountIndex,
    { marketId: market.marketId, sizeDelta, acceptablePrice: worst, reduceOnly: parameters.reduceOnly ?? false },
    keeperFee,
  ]);
}

export type BuildSettleOrderParameters = BuildOrderIdParameters;
/** `settleOrder`: anyone, while the order is Settleable; pays its keeper fee to the sender. */
export function buildSettleOrder(client: ParapetContext, parameters: BuildSettleOrderParameters): BuiltTransaction {
  return delayedById(client, "settleOrder", parameters);
}

export type BuildCancelDelayedOrderParameters = BuildOrderIdParameters;
/** `cancelOrder`: the owner or an operator while Pending or Missed; anyone once Missed; nobody while Settleable. */
export function buildCancelDelayedOrder(
  client: ParapetContext,
  parameters: BuildCancelDelayedOrderParameters,
): BuiltTransaction {
  return delayedById(client, "cancelOrder", parameters);
}

// ---- setup checks --------------------------------------------------------------------------------------------------

export type GetOrderSetupParameters = {
  contract: OrderContract;
  owner: Address;
  /** Who will send (default: the wallet client's account). */
  sender?: Address | undefined;
};

export type GetOrderSetupReturnType = {
  contract: OrderContract;
  address: Address;
  sender: Address;
  /** The order contract may trade the owner's accounts (`vault.setOperator(orders, true)` by the owner). */
  contractIsOperator: boolean;
  /** The sender is the owner or one of its operators. */
  senderAuthorized: boolean;
  /** The sender's allowance to the order contract (token units): it must cover the keeper fee. */
  allowance: bigint;
};

/** What placing an order needs, read in ONE multicall: operator status of the contract and sender, the allowance. */
export async function getOrderSetup(
  client: ParapetContext,
  parameters: GetOrderSetupParameters,
): Promise<GetOrderSetupReturnType> {
  const address = orderContractAddress(client, parameters.contract);
  const sender = parameters.sender ?? client.walletClient?.account?.address;
  if (!sender) throw new ParapetNoWalletError();
  const vault = client.deployment.perpVault;
  const contracts = [
    { address: vault, abi: perpVaultAbi, functionName: "isOperator", args: [parameters.owner, address] },
    { address: vault, abi: perpVaultAbi, functionName: "isOperator", args: [parameters.owner, sender] },
    {
      address: client.deployment.collateralToken,
      abi: erc20Abi,
      functionName: "allowance",
      args: [sender, address],
    },
  ];
  const results = await deploylessMulticall(client, contracts);
  const [contractIsOperator, senderIsOperator, allowance] = results.map((r, i) =>
    unwrapCallResult<unknown>(r, (contracts[i] as { functionName: string }).functionName),
  ) as [boolean, boolean, bigint];
  return {
    contract: parameters.contract,
    address,
    sender,
    contractIsOperator,
    senderAuthorized: sender.toLowerCase() === parameters.owner.toLowerCase() || senderIsOperator,
    allowance,
  };
}

/**
 * Throws the typed {@link ParapetSetupError} for the first missing step of placing an order with `keeperFee`:
 * ORDERS_NOT_OPERATOR (the owner must `setOperator(orders, true)`), SENDER_NOT_AUTHORIZED, ALLOWANCE_TOO_LOW (approve
 * the order contract for the fee). Returns the setup when nothing is missing.
 */
export async function assertOrderSetup(
  client: ParapetContext,
  parameters: GetOrderSetupParameters & { keeperFee: bigint },
): Promise<GetOrderSetupReturnType> {
  const setup = await getOrderSetup(client, parameters);
  const { owner, contract, keeperFee } = parameters;
  const name = contract === "triggerOrders" ? "TriggerOrders" : "DelayedOrders";
  if (!setup.contractIsOperator) {
    throw new ParapetSetupError(
      "ORDERS_NOT_OPERATOR",
      `${name} (${setup.address}) is not an operator of ${owner}: it could never trade the order, so the contract refuses it (NotOperatorOfOwner).`,
      `As the owner, call setOperator(${setup.address}, true) on the vault once: writeSetOperator({ operator: "${setup.address}", allowed: true }) (or parapet orders … --approve).`,
    );
  }
  if (!setup.senderAuthorized) {
    throw new ParapetSetupError(
      "SENDER_NOT_AUTHORIZED",
      `The sender ${setup.sender} is neither ${owner} nor one of its operators.`,
      `Send from the owner, or have the owner call setOperator(${setup.sender}, true) on the vault.`,
    );
  }
  if (setup.allowance < keeperFee) {
    throw new ParapetSetupError(
      "ALLOWANCE_TOO_LOW",
      `The sender's allowance to ${name} is ${setup.allowance} token units, below the keeper fee it escrows (${keeperFee}).`,
      `Approve ${name} for at least the fee: writeApprove({ amount: ${keeperFee}n, spender: "${contract}" }) (or parapet orders … --approve).`,
    );
  }
  return setup;
}

// ---- write* ------------------------------------------------------------------------------------------------------

export type WritePlaceTriggerParameters = BuildPlaceTriggerParameters & WriteOptions;
export type WriteUpdateTriggerParameters = BuildUpdateTriggerParameters & WriteOptions;
export type WriteCancelTriggerParameters = BuildCancelTriggerParameters & WriteOptions;
export type WriteExecuteTriggerParameters = BuildExecuteTriggerParameters & WriteOptions;
export type WriteCommitOrderParameters = BuildCommitOrderParameters & WriteOptions;
export type WriteSettleOrderParameters = BuildSettleOrderParameters & WriteOptions;
export type WriteCancelDelayedOrderParameters = BuildCancelDelayedOrderParameters & WriteOptions;

/** A placement's transaction and the id the contract gave the order. */
export type WriteOrderReturnType = WriteReturnType & { orderId: bigint };

function placedId(write: WriteReturnType, eventName: "TriggerPlaced" | "OrderCommitted"): bigint {
  for (const e of write.events) {
    if (e.eventName === eventName) return (e.args as { orderId: bigint }).orderId;
  }
  throw new Error(`the receipt of ${write.hash} has no ${eventName} event`);
}

/**
 * Places a trigger order: checks the setup (ParapetSetupError: TriggerOrders not an operator, sender not
 * authorised, allowance below the keeper fee), then `buildPlaceTrigger` → send. Returns the new order's id.
 */
export async function writePlaceTrigger(
  client: ParapetContext,
  parameters: WritePlaceTriggerParameters,
): Promise<WriteOrderReturnType> {
  const tx = await buildPlaceTrigger(client, parameters);
  await assertOrderSetup(client, {
    contract: "triggerOrders",
    owner: parameters.owner,
    keeperFee: keeperFeeOf(client, parameters.keeperFee),
  });
  const write = await sendParapetTransaction(client, tx, parameters);
  return { ...write, orderId: placedId(write, "TriggerPlaced") };
}

export const writeUpdateTrigger = async (
  c: ParapetContext,
  p: WriteUpdateTriggerParameters,
): Promise<WriteReturnType> => sendParapetTransaction(c, await buildUpdateTrigger(c, p), p);
export const writeCancelTrigger = (c: ParapetContext, p: WriteCancelTriggerParameters): Promise<WriteReturnType> =>
  sendParapetTransaction(c, buildCancelTrigger(c, p), p);
export const writeExecuteTrigger = (c: ParapetContext, p: WriteExecuteTriggerParameters): Promise<WriteReturnType> =>
  sendParapetTransaction(c, buildExecuteTrigger(c, p), p);

/**
 * Commits a delayed order: checks the setup (ParapetSetupError, as {@link writePlaceTrigger}), then
 * `buildCommitOrder` → send. Returns the order's id; it settles at the first oracle round after the market's delay
 * (`writeSettleOrder`, by anyone).
 */
export async function writeCommitOrder(
  client: ParapetContext,
  parameters: WriteCommitOrderParameters,
): Promise<WriteOrderReturnType> {
  const tx = await buildCommitOrder(client, parameters);
  await assertOrderSetup(client, {
    contract: "delayedOrders",
    owner: parameters.owner,
    keeperFee: keeperFeeOf(client, parameters.keeperFee),
  });
  const write = await sendParapetTransaction(client, tx, parameters);
  return { ...write, orderId: placedId(write, "OrderCommitted") };
}

export const writeSettleOrder = (c: ParapetContext, p: WriteSettleOrderParameters): Promise<WriteReturnType> =>
  sendParapetTransaction(c, buildSettleOrder(c, p), p);
export const writeCancelDelayedOrder = (
  c: ParapetContext,
  p: WriteCancelDelayedOrderParameters,
): Promise<WriteReturnType> => sendParapetTransaction(c, buildCancelDelayedOrder(c, p), p);
