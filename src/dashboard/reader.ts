// The dashboard's data layer: one refresh reads a deployment and a set of accounts at one block with the SDK's reads,
// in a fixed number of requests whatever the number of accounts (up to the read limits):
//   1. the SnapshotReader lens (`getSnapshot`): every market (price, funding, open interest, hours), the LP vault and
//      the first account, one eth_call up to 69 markets; it fixes the block N;
//   2. one deployless multicall at N (`multicallInChunks`, sized from the EVM's limits: more calls only past them):
//      each account's `accountMargin` and `accountSlot`, the `position` and `liquidationPrice` of the markets it
//      held at the last refresh, the feeds' raw rounds for the oracle verdicts (./oracle.ts), the pending orders'
//      `orderStatus`, the insurance fund and bad debt;
//   3. the vault's, order contracts' and oracle adapter's logs from the last block seen to N (one eth_getLogs per
//      10,000 blocks), in parallel with 2; none when N is the one new block and its logs bloom (from the server's poll
//      of the head) rules out all four contracts.
// A follow-up multicall only when an account's set of markets changed since the last refresh or the adapter's
// configuration did (and on the first refresh, which reads that configuration).
import {
  type Address,
  createPublicClient,
  custom,
  getAddress,
  type Hex,
  type Log,
  parseEventLogs,
  zeroAddress,
} from "viem";
import { delayedOrdersAbi, oracleAdapterAbi, perpVaultAbi, triggerOrdersAbi } from "../abis/index.js";
import type { ReadLimits } from "../actions/deployless.js";
import { bloomMayContain, scanLogRange } from "../actions/logs.js";
import {
  type DelayedOrder,
  delayedOrderFromStatus,
  discoverDelayedOrderIds,
  discoverTriggerOrderIds,
  type TriggerOrder,
  triggerOrderFromStatus,
} from "../actions/orders.js";
import {
  type CallResult,
  type ChunkedCall,
  getSnapshot,
  type Market,
  multicallInChunks,
  type Snapshot,
} from "../actions/read.js";
import type { ParapetContext } from "../client.js";
import { toParapetContractError } from "../errors.js";
import { ewmaForecast, type FundingPoint } from "../funding/carry.js";
import { liquidationPriceUsd } from "../hedge/liquidationPrice.js";
import { exposureUnits, exposureValueUsd } from "../hedge/lp.js";
import type { Exposure } from "../hedge/types.js";
import { fundingOwedUp } from "../math/index.js";
import type { OracleHealth } from "../oracle/index.js";
import { wadToNumber } from "../units.js";
import { keeperLogs } from "./actions.js";
import { type DashboardThresholds, DEFAULT_DASHBOARD_THRESHOLDS, dashboardAlerts } from "./alerts.js";
import {
  decodeOracleConfig,
  evaluateOracles,
  type OracleConfig,
  oracleConfigCalls,
  oracleRoundCalls,
} from "./oracle.js";
import type {
  DashboardAccount,
  DashboardAction,
  DashboardHedge,
  DashboardHistoryPoint,
  DashboardLiquidity,
  DashboardMarket,
  DashboardPosition,
  DashboardState,
} from "./types.js";

const WAD = 10n ** 18n;
/** Keeper actions kept for the page (newest first). */
const MAX_ACTIONS = 200;
/** Funding rates kept per market for the forecast band. */
const MAX_FUNDING_POINTS = 2_000;
/** Days of funding projected into `liquidationPriceWithFundingUsd`. */
export const FUNDING_PROJECTION_DAYS = 1;

/** An account to watch. */
export type WatchedAccount = { owner: Address; accountIndex: bigint };
/** A holding to compare the hedge against: `amount` units of `asset` (negative: short), priced by its market. */
/**
 * What the watched hedges hedge: the planner's exposures (an amount of an asset, or an LP position, read from chain
 * with `readExposures` or described by hand), each valued at its market's oracle price on every refresh.
 */
export type DashboardExposure = Exposure;

export type DashboardReaderParameters = {
  accounts: readonly WatchedAccount[];
  exposures?: readonly DashboardExposure[] | undefined;
  thresholds?: Partial<DashboardThresholds> | undefined;
  limits?: ReadLimits | undefined;
  /**
   * First block of the history the first refresh reads (default: the deployment's block): the watched accounts'
   * funding realised since (their `Traded` events) and the keeper's actions. A later block starts faster on a
   * long-lived deployment (one eth_getLogs per 10,000 blocks) and counts carry from there.
   */
  historyFromBlock?: bigint | undefined;
};

export type DashboardRefresh = {
  state: DashboardState;
  history: DashboardHistoryPoint;
};

export type DashboardReader = {
  accounts: readonly WatchedAccount[];
  thresholds: DashboardThresholds;
  /** Reads everything at the latest block. Throws what the RPC threw (the server keeps the last good state). */
  refresh: () => Promise<DashboardRefresh>;
  /** The head block's number (the server polls it and refreshes on a new block); its logs bloom is kept for the refresh. */
  latestBlock: () => Promise<bigint>;
  /** eth_call and eth_getLogs requests of the last refresh. */
  lastRequests: () => { ethCalls: number; getLogs: number };
};

export const dashboardAccountKey = (a: { owner: Address; accountIndex: bigint }) => `${a.owner}:${a.accountIndex}`;

const num = (wad: bigint | undefined) => (wad === undefined ? null : wadToNumber(wad));
const str = (wad: bigint | undefined) => (wad === undefined ? null : wad.toString());

type AccountRead = {
  account: WatchedAccount;
  /** The markets read for it (bitmap of the last refresh, or of this one after a follow-up). */
  marketIds: bigint[];
  margin: CallResult;
  slot: CallResult;
  positions: CallResult[];
  liquidationPrices: CallResult[];
};

const bitmapMarkets = (bitmap: bigint): bigint[] => {
  const ids: bigint[] = [];
  for (let i = 0n; bitmap >> i !== 0n; i++) if ((bitmap >> i) & 1n) ids.push(i);
  return ids;
};

/**
 * A reader over `client` (its wallet, if any, is dropped: the dashboard never signs). Request counts are taken on a
 * wrapper of the client's transport, so they are exactly what reached the RPC.
 */
export function createDashboardReader(parent: ParapetContext, parameters: DashboardReaderParameters): DashboardReader {
  const counts = { ethCalls: 0, getLogs: 0 };
  const publicClient = createPublicClient({
    transport: custom(
      {
        request: (args: { method: string; params?: unknown }) => {
          if (args.method === "eth_call") counts.ethCalls++;
          if (args.method === "eth_getLogs") counts.getLogs++;
          return parent.publicClient.request(args as never);
        },
      },
      { retryCount: 0 },
    ),
  });
  const client: ParapetContext = { publicClient: publicClient as never, deployment: parent.deployment };
  const { deployment } = client;
  const thresholds = { ...DEFAULT_DASHBOARD_THRESHOLDS, ...parameters.thresholds };
  const accounts = parameters.accounts.map((a) => ({ owner: getAddress(a.owner), accountIndex: a.accountIndex }));
  const watched = new Set(accounts.map(dashboardAccountKey));
  const limits = parameters.limits;

  let oracleConfig: OracleConfig | undefined;
  const heldMarkets = new Map<string, bigint[]>();
  let lastLogBlock: bigint | undefined;
  let ordersDiscovered = false;
  const triggerIds = new Set<bigint>();
  const delayedIds = new Set<bigint>();
  const actions: DashboardAction[] = [];
  /** `block:logIndex` of the logs taken (a refresh that fails after taking them re-reads them). */
  const seenLogs = new Set<string>();
  const fundingSeen = new Map<string, FundingPoint[]>();
  let start: { blockTimestamp: bigint; prices: Map<string, number | null>; equityUsd: number | null } | undefined;
  let last = { ethCalls: 0, getLogs: 0 };
  /** Funding realised by each watched account since `historyFromBlock` (Σ Traded.fundingPaidUsd, WAD). */
  const fundingPaidWad = new Map<string, bigint>();
  /** Logs blooms of the heads the server polled, by block number (the last few). */
  const headBlooms = new Map<bigint, Hex>();

  const symbolOf = (marketId: bigint) =>
    deployment.markets.find((m) => m.marketId === marketId)?.symbol ?? `#${marketId}`;

  /** At start: the ids of the watched accounts' orders placed since the deployment (then kept from the logs). */
  async function discoverOrders(): Promise<void> {
    const owners = [...new Set(accounts.map((a) => a.owner))];
    for (const owner of owners) {
      if (deployment.triggerOrders) {
        for (const id of (await discoverTriggerOrderIds(client, { owner })).orderIds) triggerIds.add(id);
      }
      if (deployment.delayedOrders) {
        for (const id of (await discoverDelayedOrderIds(client, { owner })).orderIds) delayedIds.add(id);
      }
    }
    ordersDiscovered = true;
  }

  function accountCalls(a: WatchedAccount, marketIds: readonly bigint[]): ChunkedCall[] {
    const vault = deployment.perpVault;
    const args = [a.owner, a.accountIndex] as const;
    // Gas per call for sizing: accountMargin and liquidationPrice price every market the account holds.
    const perMarket = 45_000 * Math.max(1, marketIds.length);
    return [
      { address: vault, abi: perpVaultAbi, functionName: "accountMargin", args, gas: 20_000 + perMarket },
      { address: vault, abi: perpVaultAbi, functionName: "accountSlot", args, gas: 10_000 },
      ...marketIds.flatMap((id): ChunkedCall[] => [
        { address: vault, abi: perpVaultAbi, functionName: "position", args: [...args, id], gas: 10_000 },
        {
          address: vault,
          abi: perpVaultAbi,
          functionName: "liquidationPrice",
          args: [...args, id],
          gas: 20_000 + perMarket,
        },
      ]),
    ];
  }

  function takeAccount(a: WatchedAccount, marketIds: bigint[], results: readonly CallResult[], at: number) {
    const n = marketIds.length;
    const read: AccountRead = {
      account: a,
      marketIds,
      margin: results[at] as CallResult,
      slot: results[at + 1] as CallResult,
      positions: marketIds.map((_, j) => results[at + 2 + 2 * j] as CallResult),
      liquidationPrices: marketIds.map((_, j) => results[at + 3 + 2 * j] as CallResult),
    };
    return { read, next: at + 2 + 2 * n };
  }

  /** `orderStatus` of each id (trigger ids first). */
  function orderCalls(trigger: readonly bigint[], delayed: readonly bigint[]): ChunkedCall[] {
    const status =
      (address: Address | undefined, abi: typeof triggerOrdersAbi | typeof delayedOrdersAbi) => (id: bigint) => ({
        address: address as Address,
        abi,
        functionName: "orderStatus",
        args: [id],
        gas: 80_000,
      });
    return [
      ...trigger.map(status(deployment.triggerOrders, triggerOrdersAbi)),
      ...delayed.map(status(deployment.delayedOrders, delayedOrdersAbi)),
    ];
  }

  const readAt = (calls: readonly ChunkedCall[], blockNumber: bigint) =>
    calls.length === 0
      ? Promise.resolve({ results: [] as CallResult[], requests: 0 })
      : multicallInChunks(client, calls, { what: "dashboard", blockNumber, limits, maxReturnBytes: 32 });

  async function readLogs(toBlock: bigint): Promise<Log[]> {
    const fromBlock =
      lastLogBlock === undefined ? (parameters.historyFromBlock ?? deployment.blockNumber) : lastLogBlock + 1n;
    if (fromBlock > toBlock) return [];
    const address = [
      deployment.perpVault,
      deployment.oracleAdapter,
      deployment.triggerOrders,
      deployment.delayedOrders,
    ].filter((x): x is Address => x !== undefined && x !== zeroAddress);
    // One new block whose bloom (from the poll) rules out every contract: it logged nothing of ours.
    const bloom = fromBlock === toBlock ? headBlooms.get(toBlock) : undefined;
    if (bloom !== undefined && !address.some((a) => bloomMayContain(bloom, a))) return [];
    const { logs } = await scanLogRange(client, { fromBlock, toBlock }, (window) =>
      client.publicClient.getLogs({ address, ...window }),
    );
    return logs;
  }

  async function refresh(): Promise<DashboardRefresh> {
    const before = { ...counts };
    const startedAt = Date.now();
    if (!ordersDiscovered) await discoverOrders();
    const first = accounts[0] ?? { owner: zeroAddress, accountIndex: 0n };
    const snapshot = await getSnapshot(client, { owner: first.owner, accountIndex: first.accountIndex, limits });
    const blockNumber = snapshot.blockNumber as bigint;
    const blockTimestamp = snapshot.blockTimestamp;

    const orderIds = { trigger: [...triggerIds], delayed: [...delayedIds] };
    const buildMain = (withConfig: boolean) => {
      const calls: ChunkedCall[] = [];
      for (const a of accounts) calls.push(...accountCalls(a, heldMarkets.get(dashboardAccountKey(a)) ?? []));
      const vault = deployment.perpVault;
      calls.push(
        { address: vault, abi: perpVaultAbi, functionName: "insuranceFundUsd", gas: 5_000 },
        { address: vault, abi: perpVaultAbi, functionName: "badDebtUsd", gas: 5_000 },
      );
      if (withConfig) calls.push(...oracleConfigCalls(client));
      else if (oracleConfig) calls.push(...oracleRoundCalls(oracleConfig));
      calls.push(...orderCalls(orderIds.trigger, orderIds.delayed));
      return calls;
    };
    const firstRead = oracleConfig === undefined;
    const [logs, main] = await Promise.all([readLogs(blockNumber), readAt(buildMain(firstRead), blockNumber)]);

    // Walk the main results in the order they were built.
    let k = 0;
    const accountReads: AccountRead[] = [];
    for (const a of accounts) {
      const { read, next } = takeAccount(a, heldMarkets.get(dashboardAccountKey(a)) ?? [], main.results, k);
      accountReads.push(read);
      k = next;
    }
    const insurance = main.results[k++] as CallResult;
    const badDebt = main.results[k++] as CallResult;
    const configEvents = parseEventLogs({ abi: oracleAdapterAbi, logs }).length > 0;
    let oracleResults: CallResult[] = [];
    if (firstRead) {
      oracleConfig = decodeOracleConfig(client, main.results.slice(k, k + oracleConfigCalls(client).length));
      k += oracleConfigCalls(client).length;
    } else {
      const n = oracleRoundCalls(oracleConfig as OracleConfig).length;
      oracleResults = main.results.slice(k, k + n);
      k += n;
    }
    let triggerResults = main.results.slice(k, k + orderIds.trigger.length);
    k += orderIds.trigger.length;
    let delayedResults = main.results.slice(k, k + orderIds.delayed.length);
    takeLogs(logs); // keeper actions, and the ids of the orders placed since the last refresh
    const newTrigger = [...triggerIds].filter((id) => !orderIds.trigger.includes(id));
    const newDelayed = [...delayedIds].filter((id) => !orderIds.delayed.includes(id));

    // Follow-up (rare): accounts whose markets changed, orders placed since the last refresh, and the oracle config
    // after an adapter event or on the first read.
    const changed = accountReads.filter((r) => {
      if (r.slot.status !== "success") return false;
      const [, bitmap] = r.slot.result as readonly [bigint, bigint];
      return bitmapMarkets(bitmap).join() !== r.marketIds.join();
    });
    const followUp: ChunkedCall[] = [];
    for (const r of changed) {
      const [, bitmap] = (r.slot as { result: unknown }).result as readonly [bigint, bigint];
      r.marketIds = bitmapMarkets(bitmap);
      heldMarkets.set(dashboardAccountKey(r.account), r.marketIds);
      followUp.push(...accountCalls(r.account, r.marketIds));
    }
    const rereadConfig = configEvents && !firstRead;
    const configCallCount = rereadConfig ? oracleConfigCalls(client).length : 0;
    if (rereadConfig) followUp.push(...oracleConfigCalls(client));
    followUp.push(...orderCalls(newTrigger, newDelayed));
    const roundsInFollowUp = firstRead || rereadConfig;
    // The rounds need the config; when it is read in this follow-up the rounds go in one more multicall below.
    if (followUp.length > 0) {
      const extra = await readAt(followUp, blockNumber);
      let j = 0;
      for (const r of changed) {
        const { read, next } = takeAccount(r.account, r.marketIds, extra.results, j);
        Object.assign(r, read);
        j = next;
      }
      if (rereadConfig) oracleConfig = decodeOracleConfig(client, extra.results.slice(j, j + configCallCount));
      j += configCallCount;
      triggerResults = [...triggerResults, ...extra.results.slice(j, j + newTrigger.length)];
      j += newTrigger.length;
      delayedResults = [...delayedResults, ...extra.results.slice(j, j + newDelayed.length)];
      orderIds.trigger.push(...newTrigger);
      orderIds.delayed.push(...newDelayed);
    }
    if (roundsInFollowUp) {
      oracleResults = (await readAt(oracleRoundCalls(oracleConfig as OracleConfig), blockNumber)).results;
    }
    const oracles = evaluateOracles(client, {
      config: oracleConfig as OracleConfig,
      results: oracleResults,
      markets: snapshot.markets,
      blockNumber,
      blockTimestamp,
    });

    // Orders: live ones shown, gone ones forgotten (ids are never reused).
    const triggers: TriggerOrder[] = [];
    orderIds.trigger.forEach((id, i) => {
      const r = triggerResults[i];
      if (r?.status !== "success") return;
      const order = triggerOrderFromStatus(client, id, r.result as readonly [unknown, unknown]);
      if (order === undefined) triggerIds.delete(id);
      else triggers.push(order);
    });
    const delayed: DelayedOrder[] = [];
    orderIds.delayed.forEach((id, i) => {
      const r = delayedResults[i];
      if (r?.status !== "success") return;
      const order = delayedOrderFromStatus(client, id, r.result as readonly [unknown, unknown]);
      if (order === undefined) delayedIds.delete(id);
      else delayed.push(order);
    });

    lastLogBlock = blockNumber;
    seenLogs.clear(); // logs up to here are never read again

    const markets = snapshot.markets.map((m) =>
      toMarket(
        m,
        oracles.feeds.find((f) => f.marketId === m.marketId),
        blockTimestamp,
      ),
    );
    const dashboardAccounts = accountReads.map((r) => toAccount(r, snapshot.markets));
    const liquidity = toLiquidity(snapshot, insurance, badDebt);
    const hedge = toHedge(markets, dashboardAccounts, blockTimestamp);
    const requests = { ethCalls: counts.ethCalls - before.ethCalls, getLogs: counts.getLogs - before.getLogs };
    last = requests;
    const state: DashboardState = {
      chainId: deployment.chainId,
      status: "live",
      blockNumber: blockNumber.toString(),
      blockTimestamp: Number(blockTimestamp),
      readAt: Date.now(),
      error: null,
      rpc: { ...requests, refreshMs: Date.now() - startedAt },
      thresholds: {
        marginCallRatio: thresholds.marginCallRatio,
        fundingSpikeShareOfCap: thresholds.fundingSpikeShareOfCap,
      },
      markets,
      sequencer: oracles.sequencer
        ? {
            up: oracles.sequencer.up,
            message: oracles.sequencer.up ? "sequencer up" : "sequencer down",
          }
        : null,
      accounts: dashboardAccounts,
      orders: {
        trigger: triggers.map((o) => ({
          orderId: o.orderId.toString(),
          account: dashboardAccountKey(o),
          symbol: o.symbol,
          kind: o.kind,
          sizeUnits: wadToNumber(o.sizeDeltaWad),
          triggerPriceUsd: wadToNumber(o.triggerPriceWad),
          triggerAbove: o.triggerAbove,
          expiry: Number(o.expiry),
          due: o.due,
        })),
        delayed: delayed.map((o) => ({
          orderId: o.orderId.toString(),
          account: dashboardAccountKey(o),
          symbol: o.symbol,
          sizeUnits: wadToNumber(o.sizeDeltaWad),
          settleAfter: Number(o.settleAfter),
          settleBefore: Number(o.settleBefore),
          status: o.status,
        })),
      },
      keeperActions: [...actions],
      liquidity,
      hedge,
      alerts: dashboardAlerts(markets, dashboardAccounts, thresholds),
    };
    const history: DashboardHistoryPoint = {
      t: Number(blockTimestamp),
      prices: Object.fromEntries(markets.map((m) => [m.symbol, m.priceUsd])),
      funding: Object.fromEntries(markets.map((m) => [m.symbol, m.fundingRatePerDay])),
      marginRatios: Object.fromEntries(dashboardAccounts.map((a) => [a.key, a.marginRatio])),
    };
    return { state, history };
  }

  function toMarket(m: Market, health: OracleHealth | undefined, blockTimestamp: bigint): DashboardMarket {
    const rateWad = m.fundingRatePerDayWad ?? m.storedFundingRatePerDayWad;
    const rate = wadToNumber(rateWad);
    const seen = fundingSeen.get(m.symbol) ?? [];
    fundingSeen.set(m.symbol, seen);
    if (seen.at(-1)?.timestampMs !== Number(blockTimestamp) * 1000) {
      seen.push({ timestampMs: Number(blockTimestamp) * 1000, ratePerInterval: rate });
      if (seen.length > MAX_FUNDING_POINTS) seen.shift();
    }
    // The band of the rates seen before this one (a spike must not widen the band it is judged against).
    const forecast =
      seen.length > thresholds.fundingBandMinPoints ? ewmaForecast({ points: seen.slice(0, -1) }) : undefined;
    const verdict = health?.verdict ?? (m.oracleError ? "fail" : "ok");
    return {
      marketId: m.marketId.toString(),
      symbol: m.symbol,
      priceWad: str(m.priceWad),
      priceUsd: num(m.priceWad),
      fundingRatePerDay: rate,
      fundingRatePerDayWad: rateWad.toString(),
      maxFundingRatePerDay: wadToNumber(m.params.maxFundingRatePerDayWad),
      fundingForecast: forecast
        ? {
            mean: forecast.meanRatePerInterval,
            lower: forecast.lowerRatePerInterval,
            upper: forecast.upperRatePerInterval,
            points: seen.length - 1,
          }
        : null,
      longOpenInterestUnits: wadToNumber(m.longSizeWad),
      shortOpenInterestUnits: wadToNumber(m.shortSizeWad),
      skewUnits: wadToNumber(m.skewWad),
      openingPaused: m.openingPaused,
      oracle: {
        verdict,
        message: health?.message ?? m.oracleError?.summary ?? "",
        reasons: (health?.reasons ?? []).map((r) => ({ code: r.code, severity: r.severity, message: r.message })),
      },
      hours: m.hours
        ? {
            status: m.hours.status,
            nextClose: m.hours.nextClose === undefined ? null : Number(m.hours.nextClose),
            nextOpen: m.hours.nextOpen === undefined ? null : Number(m.hours.nextOpen),
          }
        : null,
    };
  }

  function toAccount(r: AccountRead, markets: readonly Market[]): DashboardAccount {
    const margin =
      r.margin.status === "success"
        ? (r.margin.result as {
            collateral: bigint;
            equity: bigint;
            initialMargin: bigint;
            maintenanceMargin: bigint;
            notional: bigint;
          })
        : undefined;
    const collateralWad =
      margin?.collateral ?? (r.slot.status === "success" ? (r.slot.result as readonly [bigint])[0] : undefined);
    const oracleError =
      r.margin.status === "failure"
        ? (toParapetContractError(r.margin.error, { functionName: "accountMargin", step: "read" })?.summary ??
          r.margin.error.message.split("\n")[0] ??
          "accountMargin failed")
        : null;
    const positions: DashboardPosition[] = [];
    r.marketIds.forEach((marketId, j) => {
      const p = r.positions[j];
      if (p?.status !== "success") return;
      const pos = p.result as { size: bigint; entryPrice: bigint; fundingIndexEntry: bigint };
      if (pos.size === 0n) return;
      const market = markets.find((m) => m.marketId === marketId);
      const lp = r.liquidationPrices[j];
      const liqWad = lp?.status === "success" ? (lp.result as bigint) : undefined;
      const price = num(market?.priceWad);
      const liq = num(liqWad);
      const owedWad =
        market?.fundingIndexWad === undefined
          ? undefined
          : fundingOwedUp(pos.size, pos.fundingIndexEntry, market.fundingIndexWad);
      const pnl =
        market?.priceWad === undefined ? null : wadToNumber((pos.size * (market.priceWad - pos.entryPrice)) / WAD);
      positions.push({
        marketId: marketId.toString(),
        symbol: symbolOf(marketId),
        sizeWad: pos.size.toString(),
        sizeUnits: wadToNumber(pos.size),
        entryPriceUsd: wadToNumber(pos.entryPrice),
        priceUsd: price,
        unrealizedPnlUsd: pnl,
        accruedFundingUsd: num(owedWad),
        liquidationPriceWad: str(liqWad),
        liquidationPriceUsd: liq,
        liquidationDistance:
          price !== null && liq !== null && liq > 0 && price > 0 ? Math.abs(price - liq) / price : null,
        liquidationPriceWithFundingUsd: null,
      });
    });
    // One position: the isolated formula of hedge/liquidationPrice.ts with a day of funding projected.
    const only = positions.length === 1 ? positions[0] : undefined;
    const onlyMarket = only && markets.find((m) => m.marketId.toString() === only.marketId);
    if (only && onlyMarket && collateralWad !== undefined && only.priceUsd !== null) {
      only.liquidationPriceWithFundingUsd = liquidationPriceUsd({
        sizeUnits: only.sizeUnits,
        entryPriceUsd: only.entryPriceUsd,
        collateralUsd: wadToNumber(collateralWad),
        maintenanceMarginRatio: wadToNumber(onlyMarket.params.maintenanceMarginRatioWad),
        liquidationFeeUsd: wadToNumber(onlyMarket.params.liquidationFeeUsd),
        priceUsd: only.priceUsd,
        fundingRatePerDay: wadToNumber(onlyMarket.fundingRatePerDayWad ?? onlyMarket.storedFundingRatePerDayWad),
        horizonDays: FUNDING_PROJECTION_DAYS,
        fundingOwedUsd: only.accruedFundingUsd ?? 0,
      });
    }
    const ratio =
      margin && margin.maintenanceMargin > 0n
        ? Number((margin.equity * 1_000_000n) / margin.maintenanceMargin) / 1_000_000
        : null;
    return {
      key: dashboardAccountKey(r.account),
      owner: r.account.owner,
      accountIndex: r.account.accountIndex.toString(),
      collateralWad: str(collateralWad),
      collateralUsd: num(collateralWad),
      equityWad: str(margin?.equity),
      equityUsd: num(margin?.equity),
      maintenanceMarginWad: str(margin?.maintenanceMargin),
      maintenanceMarginUsd: num(margin?.maintenanceMargin),
      initialMarginUsd: num(margin?.initialMargin),
      notionalUsd: num(margin?.notional),
      marginRatio: ratio,
      distanceToLiquidationUsd: margin ? wadToNumber(margin.equity - margin.maintenanceMargin) : null,
      fundingPaidUsd: wadToNumber(fundingPaidWad.get(dashboardAccountKey(r.account)) ?? 0n),
      fundingCarryUsd: positions.some((p) => p.accruedFundingUsd === null)
        ? null
        : wadToNumber(fundingPaidWad.get(dashboardAccountKey(r.account)) ?? 0n) +
          positions.reduce((x, p) => x + (p.accruedFundingUsd ?? 0), 0),
      liquidatable: margin !== undefined && positions.length > 0 && margin.equity < margin.maintenanceMargin,
      oracleError,
      positions,
    };
  }

  function toLiquidity(snapshot: Snapshot, insurance: CallResult, badDebt: CallResult): DashboardLiquidity {
    const lp = snapshot.liquidityVault;
    const tokens = (amount: bigint | undefined) =>
      amount === undefined ? null : wadToNumber(amount * 10n ** BigInt(18 - deployment.collateralDecimals));
    const insuranceWad = insurance.status === "success" ? (insurance.result as bigint) : undefined;
    const debt = badDebt.status === "success" ? (badDebt.result as readonly [bigint, bigint]) : undefined;
    return {
      totalAssetsUsd: tokens(lp.totalAssets),
      valueUsd: tokens(lp.valueTokens),
      withdrawableUsd: tokens(lp.withdrawableTokens),
      utilization: num(lp.utilizationWad),
      sharePriceUsd: num(lp.sharePriceWad),
      insuranceFundUsd: num(insuranceWad),
      insuranceFundWad: str(insuranceWad),
      badDebtUsd: num(debt?.[0]),
      oracleError: lp.oracleError?.summary ?? null,
    };
  }

  function toHedge(
    markets: readonly DashboardMarket[],
    list: readonly DashboardAccount[],
    blockTimestamp: bigint,
  ): DashboardHedge | null {
    const exposures = parameters.exposures ?? [];
    if (exposures.length === 0) return null;
    const priceOf = (asset: string) => markets.find((m) => m.symbol.toUpperCase() === asset.toUpperCase())?.priceUsd;
    const equity = list.some((a) => a.equityUsd === null) ? null : list.reduce((s, a) => s + (a.equityUsd ?? 0), 0);
    start ??= {
      blockTimestamp,
      prices: new Map(exposures.map((e) => [e.asset, priceOf(e.asset) ?? null])),
      equityUsd: equity,
    };
    const s = start;
    const rows = exposures.map((e) => {
      const p0 = s.prices.get(e.asset) ?? null;
      const p = priceOf(e.asset) ?? null;
      return {
        asset: e.asset,
        // The units held now: an LP position's delta moves with the price (a range left above holds none).
        amount: p === null ? (e.kind === "asset" ? e.amount : Number.NaN) : exposureUnits(e, p),
        ...(e.label !== undefined ? { label: e.label } : {}),
        symbol: e.asset.toUpperCase(),
        startPriceUsd: p0,
        priceUsd: p,
        pnlUsd: p0 === null || p === null ? null : exposureValueUsd(e, p) - exposureValueUsd(e, p0),
      };
    });
    const exposurePnl = rows.some((r) => r.pnlUsd === null) ? null : rows.reduce((x, r) => x + (r.pnlUsd ?? 0), 0);
    const hedgePnl = equity === null || s.equityUsd === null ? null : equity - s.equityUsd;
    return {
      since: Number(s.blockTimestamp),
      exposures: rows,
      exposurePnlUsd: exposurePnl,
      hedgePnlUsd: hedgePnl,
      netPnlUsd: exposurePnl === null || hedgePnl === null ? null : exposurePnl + hedgePnl,
      effectiveness: exposurePnl === null || hedgePnl === null || exposurePnl === 0 ? null : -hedgePnl / exposurePnl,
    };
  }

  /** Keeper actions and the watched accounts' new order ids from the refresh's logs (each log taken once). */
  function takeLogs(logs: Log[]): void {
    const fresh = logs.filter((l) => !seenLogs.has(`${l.blockNumber}:${l.logIndex}`));
    for (const l of fresh) seenLogs.add(`${l.blockNumber}:${l.logIndex}`);
    const { actions: found, placed } = keeperLogs(deployment, fresh);
    // Funding the watched accounts paid at their trades (settled into collateral): the realised part of the carry.
    for (const e of parseEventLogs({ abi: perpVaultAbi, eventName: "Traded", logs: fresh })) {
      const key = dashboardAccountKey({ owner: getAddress(e.args.owner), accountIndex: e.args.accountIndex });
      if (watched.has(key)) fundingPaidWad.set(key, (fundingPaidWad.get(key) ?? 0n) + e.args.result.fundingPaidUsd);
    }
    for (const o of placed.trigger) if (watched.has(o.account)) triggerIds.add(o.orderId);
    for (const o of placed.delayed) if (watched.has(o.account)) delayedIds.add(o.orderId);
    actions.unshift(...found.reverse());
    if (actions.length > MAX_ACTIONS) actions.length = MAX_ACTIONS;
  }

  return {
    accounts,
    thresholds,
    refresh,
    latestBlock: async () => {
      // The head's number and its logs bloom in one request: the bloom lets the refresh skip its eth_getLogs.
      const head = await client.publicClient.getBlock({ blockTag: "latest" });
      if (head.number !== null) {
        headBlooms.set(head.number, head.logsBloom ?? "0x");
        for (const n of headBlooms.keys()) if (n < head.number - 16n) headBlooms.delete(n);
      }
      return head.number ?? 0n;
    },
    lastRequests: () => last,
  };
}
