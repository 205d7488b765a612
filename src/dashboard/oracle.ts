// Oracle health inside the dashboard's one multicall: the raw reads OracleHealthReader makes (feed rounds and
// decimals, the adapter's config, bounds and sequencer), as plain view calls, then the SDK's own `evaluateFeed` and
// `evaluateSequencer`, so the verdicts and warnings are `checkMarketOracles`'s at the same block. The deployless
// reader cannot run inside a Multicall3 (it is creation code), hence the calls; the config (feedConfig, feedBounds,
// sequencer) is read once and again only after an adapter event, and the hours come from the snapshot lens, which
// reads the same `marketStatus(feed, block.timestamp)`.
import { type Address, BaseError, RawContractError, zeroAddress } from "viem";
import { oracleAdapterAbi } from "../abis/index.js";
import type { CheckMarketOraclesReturnType } from "../actions/oracle.js";
import type { CallResult, ChunkedCall, Market } from "../actions/read.js";
import type { ParapetContext } from "../client.js";
import type { RawMarketHours } from "../oracle/evaluate.js";
import {
  defaultOracleWarnThresholds,
  evaluateFeed,
  evaluateSequencer,
  type OracleWarnThresholds,
  type RawFeedRead,
  type RawRoundCall,
  type RawWordCall,
} from "../oracle/index.js";

// The feed calls as the adapter makes them, undecoded: five words and one word (the checks are on the raw words).
const rawRoundAbi = [
  {
    type: "function",
    name: "latestRoundData",
    stateMutability: "view",
    inputs: [],
    outputs: [
      { name: "w0", type: "uint256" },
      { name: "w1", type: "uint256" },
      { name: "w2", type: "uint256" },
      { name: "w3", type: "uint256" },
      { name: "w4", type: "uint256" },
    ],
  },
] as const;
const rawWordAbi = [
  { type: "function", name: "decimals", stateMutability: "view", inputs: [], outputs: [{ type: "uint256" }] },
] as const;

/** The adapter's configuration of the feeds: read once, and again after an adapter event. */
export type OracleConfig = {
  sequencerFeed: Address;
  sequencerGracePeriod: number;
  feeds: { feed: Address; config: RawFeedRead["config"]; bounds: RawFeedRead["bounds"] }[];
};

export function oracleConfigCalls(client: ParapetContext): ChunkedCall[] {
  const adapter = client.deployment.oracleAdapter;
  const view = (functionName: string, args: readonly unknown[] = []): ChunkedCall => ({
    address: adapter,
    abi: oracleAdapterAbi,
    functionName,
    args,
    gas: 10_000,
  });
  return [
    view("sequencerFeed"),
    view("sequencerGracePeriod"),
    ...client.deployment.markets.flatMap((m) => [view("feedConfig", [m.feed]), view("feedBounds", [m.feed])]),
  ];
}

export function decodeOracleConfig(client: ParapetContext, results: readonly CallResult[]): OracleConfig {
  const value = (i: number) => {
    const r = results[i];
    if (r?.status !== "success") throw r?.error ?? new Error("oracle config: missing result");
    return r.result as never;
  };
  return {
    sequencerFeed: value(0),
    sequencerGracePeriod: Number(value(1)),
    feeds: client.deployment.markets.map((m, i) => {
      const c = value(2 + 2 * i) as RawFeedRead["config"];
      const b = value(3 + 2 * i) as RawFeedRead["bounds"];
      return {
        feed: m.feed,
        config: {
          heartbeat: Number(c.heartbeat),
          secondaryHeartbeat: Number(c.secondaryHeartbeat),
          maxDeviationBps: Number(c.maxDeviationBps),
          hasBounds: c.hasBounds,
          secondaryFeed: c.secondaryFeed,
        },
        bounds: { minAnswer: b.minAnswer, maxAnswer: b.maxAnswer },
      };
    }),
  };
}

/** The feed reads of one refresh, in the order {@link evaluateOracles} takes their results. */
export function oracleRoundCalls(config: OracleConfig): ChunkedCall[] {
  const round = (feed: Address): ChunkedCall => ({
    address: feed,
    abi: rawRoundAbi,
    functionName: "latestRoundData",
    gas: 30_000,
  });
  const decimals = (feed: Address): ChunkedCall => ({
    address: feed,
    abi: rawWordAbi,
    functionName: "decimals",
    gas: 10_000,
  });
  const calls: ChunkedCall[] = [];
  if (config.sequencerFeed !== zeroAddress) calls.push(round(config.sequencerFeed));
  for (const f of config.feeds) {
    calls.push(round(f.feed), decimals(f.feed));
    if (f.config.secondaryFeed !== zeroAddress) {
      calls.push(round(f.config.secondaryFeed), decimals(f.config.secondaryFeed));
    }
  }
  return calls;
}

// A call that reverted is `success: false`; one that returned too little to decode is a success with too few bytes
// (the adapter's checks: at least 160 bytes for a round, 32 for decimals).
function reverted(error: Error): boolean {
  return error instanceof BaseError && error.walk((e) => e instanceof RawContractError) !== null;
}

function rawRound(r: CallResult | undefined): RawRoundCall {
  if (r?.status === "success") return { success: true, size: 160n, words: [...(r.result as readonly bigint[])] };
  return { success: r !== undefined && !reverted(r.error), size: 0n, words: [0n, 0n, 0n, 0n, 0n] };
}

function rawWord(r: CallResult | undefined): RawWordCall {
  if (r?.status === "success") return { success: true, size: 32n, word: r.result as bigint };
  return { success: r !== undefined && !reverted(r.error), size: 0n, word: 0n };
}

const ZERO_ROUND: RawRoundCall = { success: false, size: 0n, words: [0n, 0n, 0n, 0n, 0n] };
const ZERO_WORD: RawWordCall = { success: false, size: 0n, word: 0n };

/** `marketStatus` as the lens read it (Market.hours is its decoded form; undefined: no schedule). */
function rawHours(market: Market | undefined): RawMarketHours {
  const h = market?.hours;
  if (h === undefined) return { scheduled: false, open: false, flags: 0n, lastOpen: 0n, nextClose: 0n, nextOpen: 0n };
  return {
    scheduled: true,
    open: h.status !== "closed",
    flags: h.status === "reopening" ? 2n : h.status === "closing" ? 1n : 0n,
    lastOpen: h.lastOpen ?? 0n,
    nextClose: h.nextClose ?? 0n,
    nextOpen: h.nextOpen ?? 0n,
  };
}

/** The verdicts of every market's feed at the block of `results` (the results of {@link oracleRoundCalls}). */
export function evaluateOracles(
  client: ParapetContext,
  parameters: {
    config: OracleConfig;
    results: readonly CallResult[];
    markets: readonly Market[];
    blockNumber: bigint;
    blockTimestamp: bigint;
    thresholds?: OracleWarnThresholds | undefined;
  },
): CheckMarketOraclesReturnType {
  const { config, results } = parameters;
  let k = 0;
  const sequencerRound = config.sequencerFeed !== zeroAddress ? rawRound(results[k++]) : ZERO_ROUND;
  const sequencer = {
    sequencerFeed: config.sequencerFeed,
    sequencerGracePeriod: config.sequencerGracePeriod,
    sequencerRound,
  };
  const block = { blockNumber: parameters.blockNumber, blockTimestamp: parameters.blockTimestamp };
  const thresholds = parameters.thresholds ?? defaultOracleWarnThresholds;
  const feeds = client.deployment.markets.map((m, i) => {
    const f = config.feeds[i] as OracleConfig["feeds"][number];
    const round = rawRound(results[k++]);
    const decimals = rawWord(results[k++]);
    const hasSecondary = f.config.secondaryFeed !== zeroAddress;
    const raw: RawFeedRead = {
      feed: f.feed,
      config: f.config,
      bounds: f.bounds,
      round,
      decimals,
      secondaryRound: hasSecondary ? rawRound(results[k++]) : ZERO_ROUND,
      secondaryDecimals: hasSecondary ? rawWord(results[k++]) : ZERO_WORD,
      market: rawHours(parameters.markets.find((x) => x.marketId === m.marketId)),
    };
    return evaluateFeed(raw, sequencer, block, thresholds, { label: m.symbol, marketId: m.marketId });
  });
  return { ...block, sequencer: evaluateSequencer(sequencer, block.blockTimestamp).health, feeds };
}
