// One keeper tick: every job once, in a fixed order, against an explicit state object that the caller owns. `runKeeper`
// (loop.ts) loops this with retries and a stop signal; the demo and tests call it one tick at a time and read the
// state in between. Each job lives in its own file under jobs/; the rules that keep a job from sending twice are in
// guards.ts.
import type { Address, Hex } from "viem";
import { getMarkets, type Market } from "../actions/read.js";
import type { ParapetContext } from "../client.js";
import { ParapetInputError, ParapetNoWalletError } from "../errors.js";
import type { RebalanceHedgeParameters } from "../hedge/rebalancer.js";
import { toWad } from "../units.js";
import type { AccountRef } from "./accounts.js";
import { adlJob } from "./jobs/adl.js";
import { fundingPokeJob } from "./jobs/fundingPokes.js";
import { discoverKeeperAccounts, liquidationJob } from "./jobs/liquidations.js";
import { type LpRequestActionKind, lpRequestJob } from "./jobs/lpRequests.js";
import { orderJob } from "./jobs/orders.js";
import { rebalanceJob } from "./jobs/rebalance.js";
import { upkeepSyncJob } from "./jobs/upkeepSync.js";
import type { OrderActionKind } from "./orders.js";

export type KeeperAction =
  | "tick"
  | "liquidate"
  | "watch"
  | "poke"
  | "deleverage"
  | OrderActionKind
  | "orders"
  | LpRequestActionKind
  | "lp-requests"
  | "rebalance"
  | "retry"
  | "stop";
export type KeeperOutcome = "ok" | "sent" | "noop" | "dry-run" | "skipped" | "vetoed" | "failed";

/** One line of the keeper's log. Amounts are decimal strings (USD), gas a decimal integer string. */
export type KeeperEvent = {
  /** ISO time of the event (wall clock). */
  time: string;
  tick: number;
  action: KeeperAction;
  outcome: KeeperOutcome;
  /** Why it acted or did not, in words. */
  reason: string;
  hash?: Hex | undefined;
  gasUsed?: bigint | undefined;
  /** Accounts the action was about (`owner:index`). */
  accounts?: string[] | undefined;
  /** The order an order action was about (decimal id; trigger and delayed ids are separate sequences). */
  orderIds?: string[] | undefined;
  /** The LP requests an LP action was about (decimal request ids of the LP vault). */
  lpRequestIds?: string[] | undefined;
  /** The markets a poke or a deleverage was about (decimal market ids). */
  marketIds?: string[] | undefined;
  rewardUsd?: string | undefined;
  gasCostUsd?: string | undefined;
};

/** What the keeper remembers between ticks. Create it with {@link createKeeperState}; only the jobs change it. */
export type KeeperState = {
  /** Ticks started so far (the current tick's number while it runs). */
  tick: number;
  /** Transactions sent and confirmed, over every tick. */
  sent: number;
  /** Every account that ever received a deposit, in first-seen order (the set only grows). */
  accounts: AccountRef[];
  /** `accountKey`s of `accounts`. */
  accountKeys: Set<string>;
  /** Next block to scan for Deposited events (advanced only after a discovery succeeded). */
  nextAccountBlock: bigint;
  /** Discovered accounts not yet confirmed on the LiquidationUpkeep watch list (with `syncUpkeep`). */
  unwatched: AccountRef[];
  /**
   * Each scanned account's markets (bit i = market i, `accountKey` → bitmap) as of the last liquidation scan, so ADL
   * reads only the positions that exist. Empty until a scan ran (ADL then reads every account).
   */
  marketBitmaps: Map<string, bigint>;
  /** Action key → wall-clock ms it was started. Removed on a receipt, or when a re-check shows nothing pending. */
  inFlight: Map<string, number>;
  /** Order ids seen in the placement events and not known to be gone (ids are never reused). */
  triggerOrderIds: Set<bigint>;
  delayedOrderIds: Set<bigint>;
  nextOrderBlock: bigint;
  liveOrders: { triggers: number; delayed: number };
  /** LP request ids seen in `RequestCreated` events and not known to be gone (ids are never reused). */
  lpRequestIds: Set<bigint>;
  /** Next block to scan for `RequestCreated` events. */
  nextLpRequestBlock: bigint;
  /** Live LP requests at the last scan. */
  liveLpRequests: number;
  /** Per hedge account index: chain time (ms) and price of its last rebalance (the periodic trigger needs it). */
  lastRebalance: Map<bigint, { timestampMs: number; priceUsd: number }>;
  /**
   * Per market id: the oracle price and chain time (s) of this keeper's last poke (`source: "poke"`). A market with
   * open interest seen for the first time starts from the price of that first look and its last accrual on chain
   * (`lastFundingTime`, `source: "first-look"`), so a restarted keeper does not re-poke every market.
   */
  lastPokes: Map<bigint, { priceWad: bigint; timestamp: bigint; source: "poke" | "first-look" }>;
};

export type CreateKeeperStateParameters = {
  /** First block to scan for accounts and orders (default: the deployment's block). */
  fromBlock?: bigint | undefined;
};

/** A fresh keeper state: nothing known yet, scanning from `fromBlock` (default: the deployment's block). */
export function createKeeperState(client: ParapetContext, parameters: CreateKeeperStateParameters = {}): KeeperState {
  const fromBlock = parameters.fromBlock ?? client.deployment.blockNumber;
  if (fromBlock < 0n) {
    throw new ParapetInputError("fromBlock", `is ${fromBlock}.`, "Pass a block number ≥ 0.");
  }
  return {
    tick: 0,
    sent: 0,
    accounts: [],
    accountKeys: new Set(),
    nextAccountBlock: fromBlock,
    unwatched: [],
    marketBitmaps: new Map(),
    inFlight: new Map(),
    triggerOrderIds: new Set(),
    delayedOrderIds: new Set(),
    nextOrderBlock: fromBlock,
    liveOrders: { triggers: 0, delayed: 0 },
    lpRequestIds: new Set(),
    nextLpRequestBlock: fromBlock,
    liveLpRequests: 0,
    lastRebalance: new Map(),
    lastPokes: new Map(),
  };
}

/** What every tick does and how; the same options `runKeeper` takes. */
export type KeeperJobOptions = {
  /** Blocks per eth_getLogs request (account and order discovery). */
  blockRange?: bigint | undefined;
  /** How long an unconfirmed action blocks its key before the chain is re-checked (default 120 000 ms). */
  pendingTimeoutMs?: number | undefined;
  liquidation?:
    | {
        nativePriceUsd?: number | undefined;
        minProfitUsd?: number | undefined;
        /** Most accounts per liquidateBatch (default: as many as the per-transaction gas allows). */
        maxBatch?: number | undefined;
        /** Most liquidateBatch transactions per tick (default 100), sent back to back. */
        maxTransactions?: number | undefined;
        /** Skip the liquidation job (a keeper that only pokes, deleverages, runs orders or a hedge). */
        disabled?: boolean | undefined;
      }
    | undefined;
  /**
   * The funding-poke job (on by default): `accrueFunding` on every market with open interest whose oracle price
   * moved by at least `minMove` (a fraction, default 0.01 = 1 %) since this keeper's last poke of it, or whose last
   * poke is `maxAgeSeconds` of chain time old (default 86 400), so the vault's pool-capacity cache sees fresh marks.
   */
  fundingPokes?:
    | { disabled?: boolean | undefined; minMove?: number | undefined; maxAgeSeconds?: number | undefined }
    | undefined;
  /**
   * The auto-deleveraging job (on by default): while the pool's utilisation is above 100 %, `deleverage` the
   * crowded side's most profitable positions among the known accounts until it is back at or under 100 %.
   */
  adl?: { disabled?: boolean | undefined } | undefined;
  /**
   * The order job (on by default when the deployment has TriggerOrders or DelayedOrders): execute due trigger orders
   * and settle settleable delayed orders whose keeper fee covers the gas (`minProfitUsd`, default 0), then cancel
   * expired or void trigger orders and missed delayed orders (`cleanup`, default true: no fee, the refund goes to the
   * account). At most `maxPerTick` transactions per tick (default 10).
   */
  orders?:
    | {
        disabled?: boolean | undefined;
        minProfitUsd?: number | undefined;
        cleanup?: boolean | undefined;
        maxPerTick?: number | undefined;
      }
    | undefined;
  /**
   * The LP request job (on by default): settle the LP vault's settleable deposit and redemption requests whose keeper
   * fee covers the gas (`minProfitUsd`, default 0; a settlement marks every market), then cancel expired ones
   * (`cleanup`, default true: no fee, the whole escrow goes back to the requester). At most `maxPerTick`
   * transactions per tick (default 10).
   */
  lpRequests?:
    | {
        disabled?: boolean | undefined;
        minProfitUsd?: number | undefined;
        cleanup?: boolean | undefined;
        maxPerTick?: number | undefined;
      }
    | undefined;
  /**
   * Also add every newly discovered account to the deployment's LiquidationUpkeep watch list (one `watch`
   * transaction per tick with new accounts), so the Automation upkeep covers them when this keeper is down.
   */
  syncUpkeep?: boolean | undefined;
  /** The owner's rebalance policy: when given, one `rebalanceHedge` pass per tick for `owner` (default: the signer). */
  rebalance?:
    | (Omit<RebalanceHedgeParameters, "owner" | "dryRun" | "lastRebalance"> & { owner?: Address | undefined })
    | undefined;
  /** Decide and log, send nothing. */
  dryRun?: boolean | undefined;
};

export type KeeperTickParameters = KeeperJobOptions & {
  /** Stops the tick between actions (never during a send). */
  signal?: AbortSignal | undefined;
  onEvent?: ((event: KeeperEvent) => void) | undefined;
};

/** The options of a tick, checked and with their defaults. */
export type ResolvedKeeperOptions = {
  dryRun: boolean;
  pendingTimeoutMs: number;
  blockRange: bigint | undefined;
  liquidation: NonNullable<KeeperJobOptions["liquidation"]> & { on: boolean };
  fundingPokes: { on: boolean; minMove: number; minMoveWad: bigint; maxAgeSeconds: bigint };
  adl: { on: boolean };
  orders: NonNullable<KeeperJobOptions["orders"]> & { on: boolean; maxPerTick: number };
  lpRequests: NonNullable<KeeperJobOptions["lpRequests"]> & { on: boolean; maxPerTick: number };
  syncUpkeep: boolean;
  rebalance: KeeperJobOptions["rebalance"];
};

/**
 * Checks the options and fills in the defaults; throws ParapetInputError naming the first bad option (and
 * ParapetNoWalletError when a tick that sends has no wallet). Run before anything is read or sent, so a bad
 * configuration fails at once.
 */
export function resolveKeeperOptions(client: ParapetContext, options: KeeperJobOptions): ResolvedKeeperOptions {
  if (!client.walletClient?.account?.address && options.dryRun !== true) throw new ParapetNoWalletError();
  const maxPerTick = options.orders?.maxPerTick ?? 10;
  if (!Number.isSafeInteger(maxPerTick) || maxPerTick <= 0) {
    throw new ParapetInputError("orders.maxPerTick", `is ${maxPerTick}.`, "Pass a positive integer.");
  }
  const maxLpPerTick = options.lpRequests?.maxPerTick ?? 10;
  if (!Number.isSafeInteger(maxLpPerTick) || maxLpPerTick <= 0) {
    throw new ParapetInputError("lpRequests.maxPerTick", `is ${maxLpPerTick}.`, "Pass a positive integer.");
  }
  const minMove = options.fundingPokes?.minMove ?? 0.01;
  // Below 1e-8 the decimal text below would round to 0, i.e. a poke on every tick.
  if (!Number.isFinite(minMove) || minMove < 1e-8 || minMove > 10) {
    throw new ParapetInputError(
      "fundingPokes.minMove",
      `is ${minMove}.`,
      "Pass a fraction of the price between 0.00000001 and 10, e.g. 0.01 for 1 %.",
    );
  }
  const maxAge = options.fundingPokes?.maxAgeSeconds ?? 86_400;
  if (!Number.isSafeInteger(maxAge) || maxAge <= 0) {
    throw new ParapetInputError(
      "fundingPokes.maxAgeSeconds",
      `is ${maxAge}.`,
      "Pass a whole number of seconds > 0, e.g. 86400 (one day).",
    );
  }
  const pendingTimeoutMs = options.pendingTimeoutMs ?? 120_000;
  if (!Number.isFinite(pendingTimeoutMs) || pendingTimeoutMs < 0) {
    throw new ParapetInputError("pendingTimeoutMs", `is ${pendingTimeoutMs}.`, "Pass a number of milliseconds ≥ 0.");
  }
  const { deployment } = client;
  return {
    dryRun: options.dryRun === true,
    pendingTimeoutMs,
    blockRange: options.blockRange,
    liquidation: { ...options.liquidation, on: options.liquidation?.disabled !== true },
    fundingPokes: {
      on: options.fundingPokes?.disabled !== true,
      minMove,
      minMoveWad: toWad(minMove.toFixed(8)),
      maxAgeSeconds: BigInt(maxAge),
    },
    adl: { on: options.adl?.disabled !== true },
    orders: {
      ...options.orders,
      on:
        options.orders?.disabled !== true &&
        (deployment.triggerOrders !== undefined || deployment.delayedOrders !== undefined),
      maxPerTick,
    },
    lpRequests: { ...options.lpRequests, on: options.lpRequests?.disabled !== true, maxPerTick: maxLpPerTick },
    syncUpkeep: options.syncUpkeep === true,
    rebalance: options.rebalance,
  };
}

/** What a job gets: the client, the keeper's state, the tick's options and its event sink. */
export type KeeperJobContext = {
  client: ParapetContext;
  state: KeeperState;
  options: ResolvedKeeperOptions;
  /** The sending account; undefined only on a dry run without a wallet. */
  signer: Address | undefined;
  signal: AbortSignal | undefined;
  emit: (event: Omit<KeeperEvent, "time" | "tick">) => void;
  /** Counts one confirmed transaction. */
  countSent: () => void;
};

/** Every market as read at one block (`getMarkets`, one request), with that block's chain time. */
export type PinnedMarkets = { blockNumber: bigint; timestamp: bigint; markets: Market[] };

/** Reads the latest block, then every market at it: the funding pokes and ADL decide on the same numbers. */
export async function readPinnedMarkets(client: ParapetContext): Promise<PinnedMarkets> {
  const block = await client.publicClient.getBlock({ blockTag: "latest" });
  const blockNumber = block.number as bigint; // a mined block always has its number
  return { blockNumber, timestamp: block.timestamp, markets: await getMarkets(client, { blockNumber }) };
}

export type KeeperTickReturnType = {
  tick: number;
  /** This tick's events, in order (each was also given to `onEvent` as it happened). */
  events: KeeperEvent[];
  /** Transactions this tick sent (confirmed). */
  sent: number;
};

/**
 * Runs every job once: discover accounts → upkeep sync → liquidations → funding pokes → ADL → orders → LP requests →
 * rebalance, then logs `tick ok`. Stops between actions when `signal` aborts (a send in progress is finished). Throws what a job
 * throws (the loop decides whether to retry); events emitted before the throw were delivered to `onEvent`.
 */
export async function keeperTick(
  client: ParapetContext,
  state: KeeperState,
  parameters: KeeperTickParameters = {},
): Promise<KeeperTickReturnType> {
  const options = resolveKeeperOptions(client, parameters);
  const signer = client.walletClient?.account?.address;
  const tick = ++state.tick;
  const sentBefore = state.sent;
  const events: KeeperEvent[] = [];
  const { signal } = parameters;
  const ctx: KeeperJobContext = {
    client,
    state,
    options,
    signer,
    signal,
    emit: (e) => {
      const event: KeeperEvent = { time: new Date().toISOString(), tick, ...e };
      events.push(event);
      parameters.onEvent?.(event);
    },
    countSent: () => {
      state.sent++;
    },
  };
  const stopped = () => signal?.aborted === true;

  // Accounts are discovered once per tick and shared: liquidations scan them, ADL reads their positions, the upkeep
  // sync watches them.
  if (options.liquidation.on || options.adl.on || options.syncUpkeep) await discoverKeeperAccounts(ctx);
  if (options.syncUpkeep && state.unwatched.length > 0 && !stopped()) await upkeepSyncJob(ctx);
  if (options.liquidation.on && !stopped()) await liquidationJob(ctx);
  // One read of every market at one block, after the liquidations (they change skews); pokes do not change skews,
  // so ADL can use the same read.
  if ((options.fundingPokes.on || options.adl.on) && !stopped()) {
    const markets = await readPinnedMarkets(client);
    if (options.fundingPokes.on) await fundingPokeJob(ctx, markets);
    if (options.adl.on && !stopped()) await adlJob(ctx, markets);
  }
  if (options.orders.on && !stopped()) await orderJob(ctx);
  if (options.lpRequests.on && !stopped()) await lpRequestJob(ctx);
  if (options.rebalance && !stopped()) await rebalanceJob(ctx);
  ctx.emit({
    action: "tick",
    outcome: "ok",
    reason:
      `${state.accounts.length} account(s) watched, scanned to block ${state.nextAccountBlock - 1n}` +
      (options.orders.on
        ? `; ${state.liveOrders.triggers} trigger and ${state.liveOrders.delayed} delayed order(s) live`
        : "") +
      (options.lpRequests.on ? `; ${state.liveLpRequests} LP request(s) live` : ""),
  });
  return { tick, events, sent: state.sent - sentBefore };
}
