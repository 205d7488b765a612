// Reads: markets, one account and the LP vault at one block from the deployless SnapshotReader lens
// (contracts/lens/SnapshotReader.sol, decoded in src/actions/snapshotLens.ts). Each eth_call is sized from the EVM's
// limits on deployless calls (src/actions/deployless.ts): up to 69 markets with the account's positions per call, so
// 64 markets with a position in each are ONE request; beyond that the markets are split into chunks all read at the
// block of the first. A price-dependent read that reverts blanks only the fields that need that price and carries
// the oracle's typed error; an error the lens had no room to return is re-read with one sized multicall (a second
// request only then). Deployless: nothing needs deploying, on any chain or local node.
import { type Abi, type Address, ContractFunctionRevertedError, encodeFunctionData, type Hex } from "viem";
import { liquidityVaultAbi, oracleAdapterAbi, perpVaultAbi } from "../abis/index.js";
import type { ParapetContext } from "../client.js";
import { type DeploymentMarket, getDeploymentMarkets } from "../deployment.js";
import { ParapetContractError, ParapetReadError, parapetErrorsAbi, toParapetContractError } from "../errors.js";
import { fundingOwedUp } from "../math/index.js";
import { type MarketHoursHealth, marketHoursHealth } from "../oracle/evaluate.js";
import {
  DEFAULT_READ_LIMITS,
  deploylessCall,
  isSizeError,
  itemsPerRead,
  multicallGroups,
  type ReadLimits,
  readInChunks,
  staticAbiSize,
} from "./deployless.js";
import {
  decodeSnapshotLens,
  encodeSnapshotLens,
  errorRoomBytes,
  type LensAccountInput,
  type LensLiquidity,
  type LensMargins,
  type LensMarket,
  type LensPosition,
  type LensRevert,
  type LensSnapshot,
  snapshotReadCost,
} from "./snapshotLens.js";

const WAD = 10n ** 18n;

export type CallResult = { status: "success"; result: unknown } | { status: "failure"; error: Error };

/** Where every read pins its block: `blockNumber` if given, else the latest block (one eth_call: one block). */
export type BlockParameters = { blockNumber?: bigint | undefined };

/**
 * ONE deployless Multicall3 eth_call (never split, so one request at one block): each call's result or failure.
 * Every multi-call read of the SDK goes through here; unwrap a result with {@link unwrapCallResult}.
 */
export async function deploylessMulticall(
  client: ParapetContext,
  contracts: readonly unknown[],
  block: BlockParameters = {},
): Promise<CallResult[]> {
  if (contracts.length === 0) return [];
  try {
    return (await client.publicClient.multicall({
      contracts: contracts as never,
      allowFailure: true,
      deployless: true,
      batchSize: 0,
      ...(block.blockNumber !== undefined ? { blockNumber: block.blockNumber } : {}),
    })) as CallResult[];
  } catch (error) {
    if (isSizeError(error)) {
      throw new ParapetReadError({
        code: "READ_TOO_LARGE",
        what: "multicall",
        items: contracts.length,
        summary: `The node refused a deployless multicall of ${contracts.length} call(s) for its size or gas.`,
        fix: "Read fewer calls at once (multicallInChunks sizes them).",
        cause: error,
      });
    }
    throw toParapetContractError(error, { functionName: "multicall", step: "read" }) ?? error;
  }
}

/** A view call for {@link multicallInChunks}. */
export type ChunkedCall = {
  address: Address;
  abi: Abi | readonly unknown[];
  functionName: string;
  args?: readonly unknown[];
  /** Gas this call may use at most, for sizing (default: the read's `gasPerCall`). */
  gas?: number | undefined;
};

export type MulticallInChunksParameters = BlockParameters & {
  /** What is read, for error messages. */
  what: string;
  /** Bytes a call with dynamic outputs may return (default: static outputs only; dynamic ones need this). */
  maxReturnBytes?: number | undefined;
  /** Gas one call may use at most (default 100,000). */
  gasPerCall?: number | undefined;
  /** Bytes of revert data a call that is expected to fail may return (default 0: sized by its outputs only). */
  revertBytes?: number | undefined;
  limits?: ReadLimits | undefined;
};

/**
 * Any number of view calls, each call's result or failure in order, in as few deployless multicalls as the EVM's
 * limits allow (sized from each call's calldata and its ABI outputs; src/actions/deployless.ts), all at one block.
 * A chunk that fails is a ParapetReadError, never a failed call.
 */
export async function multicallInChunks(
  client: ParapetContext,
  contracts: readonly ChunkedCall[],
  parameters: MulticallInChunksParameters,
): Promise<{ results: CallResult[]; requests: number }> {
  const sized = contracts.map((c) => {
    const data = encodeFunctionData({ abi: c.abi as Abi, functionName: c.functionName, args: c.args } as never);
    const item = (c.abi as readonly { type?: string; name?: string; outputs?: readonly { type: string }[] }[]).find(
      (x) => x.type === "function" && x.name === c.functionName,
    );
    const outputBytes = staticAbiSize(item?.outputs ?? []) ?? parameters.maxReturnBytes;
    if (outputBytes === undefined) {
      throw new Error(`multicallInChunks: ${c.functionName} returns dynamic data: pass maxReturnBytes`);
    }
    const returnBytes = Math.max(outputBytes, parameters.revertBytes ?? 0);
    return { calldataBytes: (data.length - 2) / 2, returnBytes, gas: c.gas ?? parameters.gasPerCall ?? 100_000 };
  });
  const groups = multicallGroups(sized, parameters.limits ?? DEFAULT_READ_LIMITS);
  const read = await readInChunks({
    items: contracts,
    perRead: 1,
    groups,
    blockNumber: parameters.blockNumber,
    what: parameters.what,
    read: (chunk, blockNumber) => deploylessMulticall(client, chunk, { blockNumber }),
    latestBlock: () => client.publicClient.getBlockNumber({ cacheTime: 0 }),
  });
  return { results: read.results, requests: read.requests };
}

/** A call's result, or its failure as the typed contract error (exported as `unwrapCallResult`). */
function ok<T>(result: CallResult | undefined, functionName: string): T {
  if (!result) throw new Error(`missing multicall result for ${functionName}`);
  if (result.status === "failure") {
    throw toParapetContractError(result.error, { functionName, step: "read" }) ?? result.error;
  }
  return result.result as T;
}

export { ok as unwrapCallResult };

/** How a read is sized: the limits of one deployless eth_call (EIP-3860, EIP-170 and the gas a read may use). */
export type ReadSizeParameters = { limits?: ReadLimits | undefined };

// ---- markets -------------------------------------------------------------------------------------------------

export type MarketParamsWad = {
  feed: Address;
  skewScaleWad: bigint;
  initialMarginRatioWad: bigint;
  maintenanceMarginRatioWad: bigint;
  takerFeeRatioWad: bigint;
  makerFeeRatioWad: bigint;
  maxLongSizeWad: bigint;
  maxShortSizeWad: bigint;
  maxFundingRatePerDayWad: bigint;
  maxFundingVelocityPerDayWad: bigint;
  minPositionMarginUsd: bigint;
  liquidationFeeUsd: bigint;
  /** Share (WAD) of the hedged open interest min(long, short)·price the pool reserves on top of |skew|·price. */
  grossReserveRatioWad: bigint;
};

export type Market = {
  marketId: bigint;
  symbol: string;
  params: MarketParamsWad;
  longSizeWad: bigint;
  shortSizeWad: bigint;
  /** long − short (units, WAD). */
  skewWad: bigint;
  openingPaused: boolean;
  lastFundingTime: bigint;
  /** As stored at the last accrual. */
  storedFundingRatePerDayWad: bigint;
  storedFundingIndexWad: bigint;
  /** As if accrued now (`currentFunding`); undefined when the oracle is invalid (see `oracleError`). */
  fundingRatePerDayWad: bigint | undefined;
  fundingIndexWad: bigint | undefined;
  /** Guarded oracle price (USD WAD per unit); undefined with `oracleError` when the feed fails a check. */
  priceWad: bigint | undefined;
  /** Quote for `quoteSizeWad`: fill price and fee the trade would get now. */
  quoteSizeWad: bigint;
  quoteFillPriceWad: bigint | undefined;
  quoteFeeUsd: bigint | undefined;
  /** The oracle's typed revert (StalePrice, …) when the price-dependent fields are undefined. */
  oracleError: ParapetContractError | undefined;
  /**
   * Set when the market's hours stop it (the adapter's `MarketClosed`, or `ReopenRoundPending` after the reopen until
   * the feed publishes): a closed market, not an oracle fault. `reopensAt` (unix seconds) for a closed one, `openedAt`
   * once reopened. `parapet.checkOracles()` gives the full status (closing window, next close).
   */
  closed: MarketClosedState | undefined;
  /**
   * The market's hours at the block read (the adapter's `marketStatus`, the same verdict `parapet.checkOracles()` gives):
   * "open" / "closing" (the closing margin applies) with `lastOpen` and `nextClose`, "reopening" (no new exposure
   * yet), "closed" with `nextOpen`; undefined for a market without a schedule (it never closes).
   */
  hours: MarketHoursHealth | undefined;
};

/** Why and until when a market with hours is not tradable now (see {@link Market.closed}). */
export type MarketClosedState =
  | { reason: "MARKET_CLOSED"; reopensAt: bigint }
  | { reason: "REOPEN_ROUND_PENDING"; openedAt: bigint; lastRoundAt: bigint };

/** The closed state an oracle revert says, or undefined for any other revert. */
export function marketClosedState(error: ParapetContractError | undefined): MarketClosedState | undefined {
  if (error?.errorName === "MarketClosed")
    return { reason: "MARKET_CLOSED", reopensAt: error.args.reopensAt as bigint };
  if (error?.errorName === "ReopenRoundPending") {
    return {
      reason: "REOPEN_ROUND_PENDING",
      openedAt: error.args.openedAt as bigint,
      lastRoundAt: error.args.updatedAt as bigint,
    };
  }
  return undefined;
}

export type GetMarketsParameters = BlockParameters &
  ReadSizeParameters & {
    /** Markets to read; all of the deployment by default. */
    marketIds?: readonly bigint[] | undefined;
    /** Size (units, WAD, signed) to quote in every market; 1 unit long by default. */
    quoteSizeWad?: bigint | undefined;
  };
export type GetMarketsReturnType = Market[];

/** Params, open interest, skew, current funding, oracle price and a quote for each market, in one request. */
export async function getMarkets(
  client: ParapetContext,
  parameters: GetMarketsParameters = {},
): Promise<GetMarketsReturnType> {
  return (await readSnapshot(client, { ...parameters, withAccount: false, withLiquidity: false })).markets;
}

// ---- account -------------------------------------------------------------------------------------------------

export type AccountPosition = {
  marketId: bigint;
  symbol: string;
  /** Units, WAD, long > 0. */
  sizeWad: bigint;
  entryPriceWad: bigint;
  fundingIndexEntryWad: bigint;
  /** Funding owed since the last settlement at the current index (USD WAD, > 0: the position pays). */
  accruedFundingUsd: bigint | undefined;
  /**
   * Price at which the account's equity meets maintenance margin (0: none), from `accountMargin` read once per
   * account and `LiquidationMath.liquidationPrice` (the vault's `liquidationPrice` view, O(positions) instead of
   * O(positions²)); undefined if the oracle fails.
   */
  liquidationPriceWad: bigint | undefined;
};

export type AccountState = {
  owner: Address;
  accountIndex: bigint;
  collateralUsd: bigint;
  /** From `accountMargin` (funding accrued to now); undefined with `oracleError` when a price is invalid. */
  equityUsd: bigint | undefined;
  initialMarginUsd: bigint | undefined;
  maintenanceMarginUsd: bigint | undefined;
  notionalUsd: bigint | undefined;
  /** equity − maintenance margin (USD WAD): how much loss the account can take before liquidation. */
  distanceToLiquidationUsd: bigint | undefined;
  positions: AccountPosition[];
  oracleError: ParapetContractError | undefined;
};

export type GetAccountParameters = BlockParameters &
  ReadSizeParameters & {
    owner: Address;
    accountIndex: bigint;
    /** Markets to look for positions in; all of the deployment by default. */
    marketIds?: readonly bigint[] | undefined;
  };
export type GetAccountReturnType = AccountState;

/** Collateral, margins, positions, liquidation prices and accrued funding of one account, in one request. */
export async function getAccount(
  client: ParapetContext,
  parameters: GetAccountParameters,
): Promise<GetAccountReturnType> {
  const read = await readSnapshot(client, { ...parameters, withAccount: true, withLiquidity: false });
  return read.account as AccountState;
}

// ---- liquidity vault -----------------------------------------------------------------------------------------

export type LiquidityVaultState = {
  /**
   * ERC-4626 totalAssets (token units): the pool marked to market; undefined with `oracleError` when the mark needs
   * an invalid price (a market with open interest whose feed fails).
   */
  totalAssets: bigint | undefined;
  totalSupply: bigint;
  shareDecimals: number;
  /**
   * Assets (token units) one whole share (10^shareDecimals) redeems for, as WAD of USD per share, floored;
   * undefined with `totalAssets`.
   */
  sharePriceWad: bigint | undefined;
  /** From `liquidityState` (token units); undefined with `oracleError` when a needed price is invalid. */
  valueTokens: bigint | undefined;
  withdrawableTokens: bigint | undefined;
  /** Share of the pool's value locked behind open interest (WAD, 1e18 = all). */
  utilizationWad: bigint | undefined;
  oracleError: ParapetContractError | undefined;
};
export type GetLiquidityVaultParameters = BlockParameters & ReadSizeParameters;
export type GetLiquidityVaultReturnType = LiquidityVaultState;

/** LP vault totals, share price and utilisation, in one request. */
export async function getLiquidityVault(
  client: ParapetContext,
  parameters: GetLiquidityVaultParameters = {},
): Promise<GetLiquidityVaultReturnType> {
  const read = await readSnapshot(client, { ...parameters, marketIds: [], withAccount: false, withLiquidity: true });
  return read.liquidityVault as LiquidityVaultState;
}

// ---- snapshot ------------------------------------------------------------------------------------------------

export type GetSnapshotParameters = GetAccountParameters & { quoteSizeWad?: bigint | undefined };
export type Snapshot = {
  /** The block every number was read at: `blockNumber` when given, else the latest block (the lens reports it). */
  blockNumber: bigint | undefined;
  /** That block's timestamp (unix seconds): the "now" of every funding, margin and hours figure. */
  blockTimestamp: bigint;
  markets: Market[];
  account: AccountState;
  liquidityVault: LiquidityVaultState;
};
export type GetSnapshotReturnType = Snapshot;

/**
 * Markets + account + LP vault at one block: one RPC request up to 69 markets with a position in each (two when
 * oracle errors did not all fit the returned data); more markets are split into chunks at the same block.
 */
export async function getSnapshot(
  client: ParapetContext,
  parameters: GetSnapshotParameters,
): Promise<GetSnapshotReturnType> {
  const read = await readSnapshot(client, { ...parameters, withAccount: true, withLiquidity: true });
  return {
    blockNumber: read.blockNumber,
    blockTimestamp: read.blockTimestamp,
    markets: read.markets,
    account: read.account as AccountState,
    liquidityVault: read.liquidityVault as LiquidityVaultState,
  };
}

// ---- the lens read -------------------------------------------------------------------------------------------

type SnapshotRequest = BlockParameters &
  ReadSizeParameters & {
    marketIds?: readonly bigint[] | undefined;
    quoteSizeWad?: bigint | undefined;
    owner?: Address | undefined;
    accountIndex?: bigint | undefined;
    withAccount: boolean;
    withLiquidity: boolean;
  };

type SnapshotRead = {
  blockNumber: bigint;
  blockTimestamp: bigint;
  markets: Market[];
  account: AccountState | undefined;
  liquidityVault: LiquidityVaultState | undefined;
};

/** One market of a chunk, with its position in the account, and the chunk it was read in. */
type LensItem = { market: LensMarket; positions: LensPosition[]; chunk: LensSnapshot };

/** The revert data the lens could not return is re-read as one of these (sized: its revert data, not its output). */
const FOLLOW_UP_REVERT_BYTES = 4 + 5 * 32; // PriceDeviationTooHigh, the oracle's longest error

/**
 * Reads `marketIds` (and the account, the LP vault) with the SnapshotReader lens in chunks sized from the limits.
 * The first chunk reads at `blockNumber` (or the latest block, which the lens reports) and carries the account's
 * margins and the LP vault; the others read at that block and are given those margins, so `accountMargin` and the
 * pool mark are read once. Then the reverts whose data the lens had no room for are re-read with one sized multicall
 * at that block.
 */
async function readSnapshot(client: ParapetContext, request: SnapshotRequest): Promise<SnapshotRead> {
  const { deployment } = client;
  const limits = request.limits ?? DEFAULT_READ_LIMITS;
  const markets = getDeploymentMarkets(deployment, request.marketIds);
  const quoteSizeWad = request.quoteSizeWad ?? WAD;
  const account =
    request.withAccount && request.owner !== undefined && request.accountIndex !== undefined
      ? { owner: request.owner, accountIndex: request.accountIndex }
      : undefined;
  const vaultMarkets = Math.max(deployment.markets.length, markets.length);
  const headShape = {
    withPositions: account !== undefined,
    withMargins: account !== undefined,
    withLiquidity: request.withLiquidity,
    vaultMarkets,
  };
  const tailShape = { ...headShape, withMargins: false, withLiquidity: false };

  const call = async (
    chunk: readonly DeploymentMarket[],
    blockNumber: bigint | undefined,
    shape: typeof headShape,
    margin: LensAccountInput["margin"],
  ) => {
    const cost = snapshotReadCost(shape);
    const data = encodeSnapshotLens({
      perpVault: deployment.perpVault,
      liquidityVault: shape.withLiquidity ? deployment.liquidityVault : undefined,
      marketIds: chunk.map((m) => m.marketId),
      account: account && { ...account, margin },
      quoteSizeWad,
      maxReturnedBytes:
        cost.returnedBytes.fixed +
        cost.returnedBytes.perItem * chunk.length +
        errorRoomBytes(cost, chunk.length, limits),
    });
    let returned: Hex;
    try {
      returned = await deploylessCall(client, { data, blockNumber, what: "snapshot", items: chunk.length });
    } catch (error) {
      // The lens itself reverted (a market the vault does not list, a value out of its lane): an answer, not a
      // failed read; unless a guarded price read ran short of gas, which a smaller chunk fixes.
      const reverted = toParapetContractError(error, { functionName: "SnapshotReader", step: "read" });
      if (reverted?.errorName === "InsufficientGasForOracle") {
        throw new ParapetReadError({
          code: "READ_TOO_LARGE",
          what: "snapshot",
          items: chunk.length,
          summary: `The snapshot of ${chunk.length} market(s) ran short of gas for its oracle reads.`,
          fix: "Read fewer markets per call (the SDK splits the chunk).",
          cause: error,
        });
      }
      throw reverted ?? error;
    }
    return decodeSnapshotLens(returned, chunk.length);
  };
  const itemsOf = (snapshot: LensSnapshot): LensItem[] =>
    snapshot.markets.map((market, i) => ({
      market,
      positions: snapshot.positions?.filter((p) => p.marketIndex === i) ?? [],
      chunk: snapshot,
    }));

  let first: LensSnapshot;
  let items: LensItem[] = [];
  if (markets.length === 0) {
    first = await call([], request.blockNumber, headShape, "read");
  } else {
    const groups = snapshotGroups(
      markets.length,
      itemsPerRead(snapshotReadCost(headShape), limits, "snapshot"),
      itemsPerRead(snapshotReadCost(tailShape), limits, "snapshot"),
    );
    const latestBlock = () => client.publicClient.getBlockNumber({ cacheTime: 0 });
    const head = await readInChunks({
      items: markets,
      perRead: 1,
      groups: groups.slice(0, 1),
      blockNumber: request.blockNumber,
      what: "snapshot",
      read: (chunk, blockNumber) => call(chunk, blockNumber, headShape, "read").then(itemsOf),
      latestBlock,
    });
    first = (head.results[0] as LensItem).chunk;
    const margins = first.margins?.margin;
    const given = margins
      ? { equityUsd: margins.equityUsd, maintenanceMarginUsd: margins.maintenanceMarginUsd }
      : ("unavailable" as const);
    const tail = await readInChunks({
      items: markets,
      perRead: 1,
      groups: groups.slice(1),
      blockNumber: first.blockNumber,
      what: "snapshot",
      read: (chunk, blockNumber) => call(chunk, blockNumber, tailShape, given).then(itemsOf),
      latestBlock,
    });
    items = [...head.results, ...tail.results];
    const stray = items.find((it) => it.chunk.blockNumber !== first.blockNumber);
    if (stray) {
      throw new ParapetReadError({
        code: "READ_FAILED",
        what: "snapshot",
        items: markets.length,
        summary: `The snapshot's chunks were read at blocks ${first.blockNumber} and ${stray.chunk.blockNumber}.`,
        fix: "Pass `blockNumber` to pin every chunk to one block.",
      });
    }
  }

  const errors = await resolveReverts(client, {
    items,
    markets,
    first,
    account,
    quoteSizeWad,
    blockNumber: first.blockNumber,
    limits,
  });
  const builtMarkets = items.map((it, i) => toMarket(markets[i] as DeploymentMarket, it.market, quoteSizeWad, errors));
  return {
    blockNumber: first.blockNumber,
    blockTimestamp: first.blockTimestamp,
    markets: builtMarkets,
    account:
      account && first.margins ? toAccount(account, first.margins, items, markets, builtMarkets, errors) : undefined,
    liquidityVault: first.liquidity ? toLiquidityVault(client, first.liquidity, errors) : undefined,
  };
}

/**
 * Consecutive groups of market indexes: the first of at most `headPerRead` (it also reads the margins and the LP
 * vault), the rest of near-equal size, at most `tailPerRead` each (more room per call for errors).
 */
function snapshotGroups(count: number, headPerRead: number, tailPerRead: number): number[][] {
  const range = (start: number, length: number) => Array.from({ length }, (_, k) => start + k);
  const head = Math.min(count, headPerRead);
  const groups = [range(0, head)];
  const rest = count - head;
  if (rest === 0) return groups;
  const size = Math.ceil(rest / Math.ceil(rest / tailPerRead));
  for (let start = head; start < count; start += size) groups.push(range(start, Math.min(size, count - start)));
  return groups;
}

type Reverts = { errorOf: (revert: LensRevert) => ParapetContractError };

/**
 * The typed error of every revert in the read: decoded from the data the lens returned, or, where it had no room,
 * from the same view re-read with one sized multicall at the read's block (the only second request of a snapshot).
 */
async function resolveReverts(
  client: ParapetContext,
  read: {
    items: readonly LensItem[];
    markets: readonly DeploymentMarket[];
    first: LensSnapshot;
    account: { owner: Address; accountIndex: bigint } | undefined;
    quoteSizeWad: bigint;
    blockNumber: bigint;
    limits: ReadLimits;
  },
): Promise<Reverts> {
  const { perpVault, oracleAdapter, liquidityVault } = client.deployment;
  const resolved = new Map<LensRevert, ParapetContractError>();
  const missing: { revert: LensRevert; functionName: string; call: ChunkedCall }[] = [];
  const collect = (revert: LensRevert, functionName: string, call: () => ChunkedCall) => {
    if (revert.data !== undefined) resolved.set(revert, revertError(revert.data, functionName));
    else missing.push({ revert, functionName, call: call() });
  };
  read.items.forEach((it, i) => {
    const failed = it.market.failed;
    if (!failed) return;
    const marketId = (read.markets[i] as DeploymentMarket).marketId;
    collect(failed.revert, failed.functionName, () =>
      failed.functionName === "priceWad"
        ? { address: oracleAdapter, abi: oracleAdapterAbi, functionName: "priceWad", args: [it.market.feed] }
        : failed.functionName === "currentFunding"
          ? { address: perpVault, abi: perpVaultAbi, functionName: "currentFunding", args: [marketId] }
          : { address: perpVault, abi: perpVaultAbi, functionName: "quote", args: [marketId, read.quoteSizeWad] },
    );
  });
  const accountRevert = read.first.margins?.revert;
  if (accountRevert && read.account) {
    const { owner, accountIndex } = read.account;
    collect(accountRevert, "accountMargin", () => ({
      address: perpVault,
      abi: perpVaultAbi,
      functionName: "accountMargin",
      args: [owner, accountIndex],
    }));
  }
  const liquidityFailed = read.first.liquidity?.failed;
  if (liquidityFailed) {
    collect(liquidityFailed.revert, liquidityFailed.functionName, () =>
      liquidityFailed.functionName === "liquidityState"
        ? { address: perpVault, abi: perpVaultAbi, functionName: "liquidityState" }
        : { address: liquidityVault, abi: liquidityVaultAbi, functionName: "totalAssets" },
    );
  }

  if (missing.length > 0) {
    const followUp = await multicallInChunks(
      client,
      missing.map((m) => m.call),
      {
        what: "snapshot errors",
        blockNumber: read.blockNumber,
        revertBytes: FOLLOW_UP_REVERT_BYTES,
        limits: read.limits,
      },
    );
    missing.forEach((m, k) => {
      const result = followUp.results[k];
      const typed =
        result?.status === "failure"
          ? toParapetContractError(result.error, { functionName: m.functionName, step: "read" })
          : undefined;
      resolved.set(
        m.revert,
        typed ??
          new ParapetContractError({
            errorName: undefined,
            args: {},
            functionName: m.functionName,
            step: "read",
            reason: `a revert in the snapshot that re-reading at block ${read.blockNumber} did not reproduce`,
            cause: result?.status === "failure" ? result.error : undefined,
          }),
      );
    });
  }
  return {
    errorOf: (revert) => {
      const error = resolved.get(revert);
      if (!error) throw new Error("snapshot: a revert was not resolved");
      return error;
    },
  };
}

/** Revert data as the typed error a failed view call gives (same decoding as a multicall's failure). */
function revertError(data: Hex, functionName: string): ParapetContractError {
  const cause = new ContractFunctionRevertedError({ abi: parapetErrorsAbi as Abi, data, functionName });
  return (
    toParapetContractError(cause, { functionName, step: "read" }) ??
    new ParapetContractError({ errorName: undefined, args: {}, functionName, step: "read", reason: data, cause })
  );
}

function toMarket(m: DeploymentMarket, lens: LensMarket, quoteSizeWad: bigint, reverts: Reverts): Market {
  const oracleError = lens.failed ? reverts.errorOf(lens.failed.revert) : undefined;
  return {
    marketId: m.marketId,
    symbol: m.symbol,
    params: {
      feed: lens.feed,
      skewScaleWad: lens.skewScaleWad,
      initialMarginRatioWad: lens.initialMarginRatioWad,
      maintenanceMarginRatioWad: lens.maintenanceMarginRatioWad,
      takerFeeRatioWad: lens.takerFeeRatioWad,
      makerFeeRatioWad: lens.makerFeeRatioWad,
      maxLongSizeWad: lens.maxLongSizeWad,
      maxShortSizeWad: lens.maxShortSizeWad,
      maxFundingRatePerDayWad: lens.maxFundingRatePerDayWad,
      maxFundingVelocityPerDayWad: lens.maxFundingVelocityPerDayWad,
      minPositionMarginUsd: lens.minPositionMarginUsd,
      liquidationFeeUsd: lens.liquidationFeeUsd,
      grossReserveRatioWad: lens.grossReserveRatioWad,
    },
    longSizeWad: lens.longSizeWad,
    shortSizeWad: lens.shortSizeWad,
    skewWad: lens.longSizeWad - lens.shortSizeWad,
    openingPaused: lens.openingPaused,
    lastFundingTime: lens.lastFundingTime,
    storedFundingRatePerDayWad: lens.storedFundingRatePerDayWad,
    storedFundingIndexWad: lens.storedFundingIndexWad,
    fundingRatePerDayWad: lens.fundingRatePerDayWad,
    fundingIndexWad: lens.fundingIndexWad,
    priceWad: lens.priceWad,
    quoteSizeWad,
    quoteFillPriceWad: lens.quoteFillPriceWad,
    quoteFeeUsd: lens.quoteFeeUsd,
    oracleError,
    closed: marketClosedState(oracleError),
    hours: marketHoursHealth(lens.hours),
  };
}

function toAccount(
  ref: { owner: Address; accountIndex: bigint },
  lens: LensMargins,
  items: readonly LensItem[],
  markets: readonly DeploymentMarket[],
  builtMarkets: readonly Market[],
  reverts: Reverts,
): AccountState {
  const margin = lens.margin;
  let oracleError = lens.revert ? reverts.errorOf(lens.revert) : undefined;
  const positions: AccountPosition[] = [];
  items.forEach((it, i) => {
    const m = markets[i] as DeploymentMarket;
    const market = builtMarkets[i] as Market;
    for (const p of it.positions) {
      const index = market.fundingIndexWad;
      if (p.liquidationPriceWad === undefined || index === undefined) oracleError ??= market.oracleError;
      positions.push({
        marketId: m.marketId,
        symbol: m.symbol,
        sizeWad: p.sizeWad,
        entryPriceWad: p.entryPriceWad,
        fundingIndexEntryWad: p.fundingIndexEntryWad,
        accruedFundingUsd: index === undefined ? undefined : fundingOwedUp(p.sizeWad, p.fundingIndexEntryWad, index),
        liquidationPriceWad: p.liquidationPriceWad,
      });
    }
  });
  return {
    owner: ref.owner,
    accountIndex: ref.accountIndex,
    collateralUsd: lens.collateralUsd,
    equityUsd: margin?.equityUsd,
    initialMarginUsd: margin?.initialMarginUsd,
    maintenanceMarginUsd: margin?.maintenanceMarginUsd,
    notionalUsd: margin?.notionalUsd,
    distanceToLiquidationUsd: margin ? margin.equityUsd - margin.maintenanceMarginUsd : undefined,
    positions,
    oracleError,
  };
}

function toLiquidityVault(client: ParapetContext, lens: LensLiquidity, reverts: Reverts): LiquidityVaultState {
  const { totalAssets, totalSupply, shareDecimals, valueTokens, withdrawableTokens } = lens;
  // Price per whole share in USD WAD, floored; an empty ERC-4626 vault (OpenZeppelin virtual shares) mints one
  // whole share per whole asset, i.e. 1 USD.
  const sharePriceWad =
    totalSupply === 0n
      ? WAD
      : totalAssets === undefined
        ? undefined
        : (totalAssets * 10n ** BigInt(18 - client.deployment.collateralDecimals) * 10n ** BigInt(shareDecimals)) /
          totalSupply;
  return {
    totalAssets,
    totalSupply,
    shareDecimals,
    sharePriceWad,
    valueTokens,
    withdrawableTokens,
    utilizationWad:
      valueTokens === undefined || withdrawableTokens === undefined
        ? undefined
        : valueTokens === 0n
          ? 0n
          : ((valueTokens - withdrawableTokens) * WAD) / valueTokens,
    oracleError: lens.failed ? reverts.errorOf(lens.failed.revert) : undefined,
  };
}
