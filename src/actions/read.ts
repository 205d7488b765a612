// Reads: every view of a snapshot goes into ONE deployless multicall (one eth_call, hence one block), so the
// numbers are consistent with each other and cost one RPC round-trip. Deployless: the Multicall3 bytecode is
// executed inside the eth_call, so it works on chains (and local nodes) without a Multicall3 deployment.
import { type Abi, type Address, encodeFunctionData } from "viem";
import { liquidityVaultAbi, oracleAdapterAbi, perpVaultAbi } from "../abis/index.js";
import type { ParapetContext } from "../client.js";
import { getDeploymentMarkets } from "../deployment.js";
import { ParapetContractError, ParapetReadError, toParapetContractError } from "../errors.js";
import { fundingOwedUp } from "../math/index.js";
import {
  DEFAULT_READ_LIMITS,
  isSizeError,
  multicallGroups,
  type ReadLimits,
  readInChunks,
  staticAbiSize,
} from "./deployless.js";

const WAD = 10n ** 18n;

/** A view call as viem's multicall takes it. */
type Call = { address: Address; abi: readonly unknown[]; functionName: string; args?: readonly unknown[] };
export type CallResult = { status: "success"; result: unknown } | { status: "failure"; error: Error };

/** One read request: the calls plus a decoder of their results. */
type Reader<T> = { calls: Call[]; decode: (results: CallResult[]) => T };

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
};

export type MulticallInChunksParameters = BlockParameters & {
  /** What is read, for error messages. */
  what: string;
  /** Bytes a call with dynamic outputs may return (default: static outputs only; dynamic ones need this). */
  maxReturnBytes?: number | undefined;
  /** Gas one call may use at most (default 100,000). */
  gasPerCall?: number | undefined;
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
    const returnBytes = staticAbiSize(item?.outputs ?? []) ?? parameters.maxReturnBytes;
    if (returnBytes === undefined) {
      throw new Error(`multicallInChunks: ${c.functionName} returns dynamic data: pass maxReturnBytes`);
    }
    return { calldataBytes: (data.length - 2) / 2, returnBytes, gas: parameters.gasPerCall ?? 100_000 };
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

async function runReaders<T extends unknown[]>(
  client: ParapetContext,
  readers: { [K in keyof T]: Reader<T[K]> },
  block: BlockParameters,
): Promise<T> {
  const results = await deploylessMulticall(
    client,
    readers.flatMap((r) => r.calls),
    block,
  );
  let offset = 0;
  return readers.map((r) => {
    const slice = results.slice(offset, offset + r.calls.length);
    offset += r.calls.length;
    return r.decode(slice);
  }) as T;
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

/** A price-dependent value, or the oracle's typed error (a stale feed must not fail the whole snapshot). */
function orError<T>(result: CallResult | undefined, functionName: string): { value?: T; error?: ParapetContractError } {
  try {
    return { value: ok<T>(result, functionName) };
  } catch (error) {
    if (error instanceof ParapetContractError) return { error };
    throw error;
  }
}

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
};

export type GetMarketsParameters = BlockParameters & {
  /** Markets to read; all of the deployment by default. */
  marketIds?: readonly bigint[] | undefined;
  /** Size (units, WAD, signed) to quote in every market; 1 unit long by default. */
  quoteSizeWad?: bigint | undefined;
};
export type GetMarketsReturnType = Market[];

type RawParams = {
  feed: Address;
  skewScale: bigint;
  initialMarginRatio: bigint;
  maintenanceMarginRatio: bigint;
  takerFeeRatio: bigint;
  makerFeeRatio: bigint;
  maxLongSize: bigint;
  maxShortSize: bigint;
  maxFundingRatePerDay: bigint;
  maxFundingVelocityPerDay: bigint;
  minPositionMarginUsd: bigint;
  liquidationFeeUsd: bigint;
};
type RawState = {
  fundingIndex: bigint;
  fundingRatePerDay: bigint;
  lastFundingTime: number | bigint;
  openingPaused: boolean;
  longSize: bigint;
  shortSize: bigint;
};

function marketsReader(client: ParapetContext, parameters: GetMarketsParameters): Reader<Market[]> {
  const { perpVault, oracleAdapter } = client.deployment;
  const markets = getDeploymentMarkets(client.deployment, parameters.marketIds);
  const quoteSizeWad = parameters.quoteSizeWad ?? WAD;
  const calls: Call[] = markets.flatMap((m) => [
    { address: perpVault, abi: perpVaultAbi, functionName: "marketParams", args: [m.marketId] },
    { address: perpVault, abi: perpVaultAbi, functionName: "marketState", args: [m.marketId] },
    { address: perpVault, abi: perpVaultAbi, functionName: "currentFunding", args: [m.marketId] },
    { address: oracleAdapter, abi: oracleAdapterAbi, functionName: "priceWad", args: [m.feed] },
    { address: perpVault, abi: perpVaultAbi, functionName: "quote", args: [m.marketId, quoteSizeWad] },
  ]);
  return {
    calls,
    decode: (r) =>
      markets.map((m, i) => {
        const p = ok<RawParams>(r[i * 5], "marketParams");
        const s = ok<RawState>(r[i * 5 + 1], "marketState");
        const funding = orError<readonly [bigint, bigint]>(r[i * 5 + 2], "currentFunding");
        const price = orError<bigint>(r[i * 5 + 3], "priceWad");
        const quote = orError<readonly [bigint, bigint]>(r[i * 5 + 4], "quote");
        return {
          marketId: m.marketId,
          symbol: m.symbol,
          params: {
            feed: p.feed,
            skewScaleWad: p.skewScale,
            initialMarginRatioWad: p.initialMarginRatio,
            maintenanceMarginRatioWad: p.maintenanceMarginRatio,
            takerFeeRatioWad: p.takerFeeRatio,
            makerFeeRatioWad: p.makerFeeRatio,
            maxLongSizeWad: p.maxLongSize,
            maxShortSizeWad: p.maxShortSize,
            maxFundingRatePerDayWad: p.maxFundingRatePerDay,
            maxFundingVelocityPerDayWad: p.maxFundingVelocityPerDay,
            minPositionMarginUsd: p.minPositionMarginUsd,
            liquidationFeeUsd: p.liquidationFeeUsd,
          },
          longSizeWad: s.longSize,
          shortSizeWad: s.shortSize,
          skewWad: s.longSize - s.shortSize,
          openingPaused: s.openingPaused,
          lastFundingTime: BigInt(s.lastFundingTime),
          storedFundingRatePerDayWad: s.fundingRatePerDay,
          storedFundingIndexWad: s.fundingIndex,
          fundingRatePerDayWad: funding.value?.[0],
          fundingIndexWad: funding.value?.[1],
          priceWad: price.value,
          quoteSizeWad,
          quoteFillPriceWad: quote.value?.[0],
          quoteFeeUsd: quote.value?.[1],
          oracleError: price.error ?? funding.error ?? quote.error,
        };
      }),
  };
}

/** Params, open interest, skew, current funding, oracle price and a quote for each market, in one request. */
export async function getMarkets(
  client: ParapetContext,
  parameters: GetMarketsParameters = {},
): Promise<GetMarketsReturnType> {
  const [markets] = await runReaders<[Market[]]>(client, [marketsReader(client, parameters)], parameters);
  return markets;
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
  /** Price at which the account's equity meets maintenance margin (0: none); undefined if the oracle fails. */
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

export type GetAccountParameters = BlockParameters & {
  owner: Address;
  accountIndex: bigint;
  /** Markets to look for positions in; all of the deployment by default. */
  marketIds?: readonly bigint[] | undefined;
};
export type GetAccountReturnType = AccountState;

type RawMargin = {
  collateral: bigint;
  equity: bigint;
  initialMargin: bigint;
  maintenanceMargin: bigint;
  notional: bigint;
};

function accountReader(client: ParapetContext, parameters: GetAccountParameters): Reader<AccountState> {
  const { perpVault } = client.deployment;
  const { owner, accountIndex } = parameters;
  const markets = getDeploymentMarkets(client.deployment, parameters.marketIds);
  const calls: Call[] = [
    { address: perpVault, abi: perpVaultAbi, functionName: "collateralOf", args: [owner, accountIndex] },
    { address: perpVault, abi: perpVaultAbi, functionName: "accountMargin", args: [owner, accountIndex] },
    ...markets.flatMap((m): Call[] => [
      { address: perpVault, abi: perpVaultAbi, functionName: "position", args: [owner, accountIndex, m.marketId] },
      {
        address: perpVault,
        abi: perpVaultAbi,
        functionName: "liquidationPrice",
        args: [owner, accountIndex, m.marketId],
      },
      { address: perpVault, abi: perpVaultAbi, functionName: "currentFunding", args: [m.marketId] },
    ]),
  ];
  return {
    calls,
    decode: (r) => {
      const collateralUsd = ok<bigint>(r[0], "collateralOf");
      const margin = orError<RawMargin>(r[1], "accountMargin");
      let oracleError = margin.error;
      const positions: AccountPosition[] = [];
      markets.forEach((m, i) => {
        const pos = ok<{ size: bigint; entryPrice: bigint; fundingIndexEntry: bigint }>(r[2 + i * 3], "position");
        if (pos.size === 0n) return;
        const liq = orError<bigint>(r[3 + i * 3], "liquidationPrice");
        const funding = orError<readonly [bigint, bigint]>(r[4 + i * 3], "currentFunding");
        oracleError ??= liq.error ?? funding.error;
        positions.push({
          marketId: m.marketId,
          symbol: m.symbol,
          sizeWad: pos.size,
          entryPriceWad: pos.entryPrice,
          fundingIndexEntryWad: pos.fundingIndexEntry,
          accruedFundingUsd:
            funding.value === undefined ? undefined : fundingOwedUp(pos.size, pos.fundingIndexEntry, funding.value[1]),
          liquidationPriceWad: liq.value,
        });
      });
      const m = margin.value;
      return {
        owner,
        accountIndex,
        collateralUsd,
        equityUsd: m?.equity,
        initialMarginUsd: m?.initialMargin,
        maintenanceMarginUsd: m?.maintenanceMargin,
        notionalUsd: m?.notional,
        distanceToLiquidationUsd: m ? m.equity - BigInt(m.maintenanceMargin) : undefined,
        positions,
        oracleError,
      };
    },
  };
}

/** Collateral, margins, positions, liquidation prices and accrued funding of one account, in one request. */
export async function getAccount(
  client: ParapetContext,
  parameters: GetAccountParameters,
): Promise<GetAccountReturnType> {
  const [account] = await runReaders<[AccountState]>(client, [accountReader(client, parameters)], parameters);
  return account;
}

// ---- liquidity vault -----------------------------------------------------------------------------------------

export type LiquidityVaultState = {
  /** ERC-4626 totalAssets (token units): the pool marked to market. */
  totalAssets: bigint;
  totalSupply: bigint;
  shareDecimals: number;
  /** Assets (token units) one whole share (10^shareDecimals) redeems for, as WAD of USD per share. */
  sharePriceWad: bigint;
  /** From `liquidityState` (token units); undefined with `oracleError` when a needed price is invalid. */
  valueTokens: bigint | undefined;
  withdrawableTokens: bigint | undefined;
  /** Share of the pool's value locked behind open interest (WAD, 1e18 = all). */
  utilizationWad: bigint | undefined;
  oracleError: ParapetContractError | undefined;
};
export type GetLiquidityVaultParameters = BlockParameters;
export type GetLiquidityVaultReturnType = LiquidityVaultState;

function liquidityReader(client: ParapetContext): Reader<LiquidityVaultState> {
  const { liquidityVault, perpVault, collateralDecimals } = client.deployment;
  const calls: Call[] = [
    { address: liquidityVault, abi: liquidityVaultAbi, functionName: "totalAssets" },
    { address: liquidityVault, abi: liquidityVaultAbi, functionName: "totalSupply" },
    { address: liquidityVault, abi: liquidityVaultAbi, functionName: "decimals" },
    { address: perpVault, abi: perpVaultAbi, functionName: "liquidityState" },
  ];
  return {
    calls,
    decode: (r) => {
      const totalAssets = ok<bigint>(r[0], "totalAssets");
      const totalSupply = ok<bigint>(r[1], "totalSupply");
      const shareDecimals = Number(ok<number>(r[2], "decimals"));
      const state = orError<readonly [bigint, bigint]>(r[3], "liquidityState");
      const assetsWad = totalAssets * 10n ** BigInt(18 - collateralDecimals);
      // Price per whole share in USD WAD, floored; an empty ERC-4626 vault (OpenZeppelin virtual shares) mints one
      // whole share per whole asset, i.e. 1 USD.
      const sharePriceWad = totalSupply === 0n ? WAD : (assetsWad * 10n ** BigInt(shareDecimals)) / totalSupply;
      const [valueTokens, withdrawableTokens] = state.value ?? [undefined, undefined];
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
        oracleError: state.error,
      };
    },
  };
}

/** LP vault totals, share price and utilisation, in one request. */
export async function getLiquidityVault(
  client: ParapetContext,
  parameters: GetLiquidityVaultParameters = {},
): Promise<GetLiquidityVaultReturnType> {
  const [state] = await runReaders<[LiquidityVaultState]>(client, [liquidityReader(client)], parameters);
  return state;
}

// ---- snapshot ------------------------------------------------------------------------------------------------

export type GetSnapshotParameters = GetAccountParameters & { quoteSizeWad?: bigint | undefined };
export type Snapshot = {
  /** The pinned block, when `blockNumber` was given (otherwise the latest block at the node). */
  blockNumber: bigint | undefined;
  markets: Market[];
  account: AccountState;
  liquidityVault: LiquidityVaultState;
};
export type GetSnapshotReturnType = Snapshot;

/** Markets + account + LP vault from one multicall: one RPC request, one block. */
export async function getSnapshot(
  client: ParapetContext,
  parameters: GetSnapshotParameters,
): Promise<GetSnapshotReturnType> {
  const [markets, account, liquidityVault] = await runReaders<[Market[], AccountState, LiquidityVaultState]>(
    client,
    [marketsReader(client, parameters), accountReader(client, parameters), liquidityReader(client)],
    parameters,
  );
  return { blockNumber: parameters.blockNumber, markets, account, liquidityVault };
}
