// Shared oracle test vectors: one feed state each and the expected outcome of BOTH the adapter's `priceWad` (the
// custom error it reverts with, or null) and the SDK's `checkOracles` (verdict and reason codes, in order).
// test/ts/oracle-health.test.ts builds each state on the in-process chain and checks both against the same row.
import type { OracleContractError, OracleReasonCode } from "../../../src/oracle/index.js";

/** How a feed is built: Chainlink's MockV3Aggregator, or a feed double from test/solidity/mocks/FeedDoubles.sol. */
export type FeedKind =
  | "mock"
  | "proxy"
  | "reverting"
  | "gasBurning"
  /** MalformedFeed answering four words only. */
  | "malformedShort"
  /** MalformedFeed answering a roundId wider than uint80. */
  | "malformedWideRoundId";

export type FeedStateVector = {
  /** Default: "proxy" when bounds or round ids are given (MockV3Aggregator cannot express them), else "mock". */
  kind?: FeedKind;
  /** Raw answer in the feed's decimals. */
  answer: bigint;
  decimals: number;
  /** updatedAt = now − updatedAgo (negative: in the future); "zero" sets updatedAt = 0. */
  updatedAgo: number | "zero";
  roundId?: bigint;
  answeredInRound?: bigint;
  /** Aggregator circuit-breaker bounds (ConfigurableFeedProxy → BoundedAggregator), read by `setFeed`. */
  bounds?: { min: bigint; max: bigint };
};

export type OracleVector = {
  name: string;
  heartbeat: number;
  primary: FeedStateVector;
  secondary?: FeedStateVector & { heartbeat: number; maxDeviationBps: number };
  /** An L2 uptime feed (answer 0 = up, 1 = down) with startedAt = now − startedAgo, and the grace period. */
  sequencer?: { status: bigint; startedAgo: number | "zero"; gracePeriod: number; kind?: "reverting" };
  /** The feed is deployed but never configured in the adapter. */
  unconfigured?: boolean;
  expect: {
    contractError: OracleContractError["name"] | null;
    verdict: "ok" | "warn" | "fail";
    reasons: readonly OracleReasonCode[];
  };
};

const E8 = 10n ** 8n;
const E18 = 10n ** 18n;
const usd8 = (x: bigint) => x * E8;
const fresh = { answer: usd8(2_000n), decimals: 8, updatedAgo: 10 } as const;
const bounded = { min: usd8(1n), max: usd8(100_000n) } as const;
const ok = { contractError: null, verdict: "ok", reasons: [] } as const;

export const oracleVectors: OracleVector[] = [
  { name: "fresh 8-decimal feed", heartbeat: 3600, primary: fresh, expect: ok },
  {
    name: "18-decimal feed",
    heartbeat: 3600,
    primary: { answer: 2_000n * E18, decimals: 18, updatedAgo: 0 },
    expect: ok,
  },
  {
    name: "24-decimal feed (scaled down)",
    heartbeat: 3600,
    primary: { answer: 2_000n * 10n ** 24n, decimals: 24, updatedAgo: 0 },
    expect: ok,
  },
  {
    name: "0 answer",
    heartbeat: 3600,
    primary: { ...fresh, answer: 0n },
    expect: { contractError: "NonPositiveAnswer", verdict: "fail", reasons: ["NON_POSITIVE"] },
  },
  {
    name: "negative answer",
    heartbeat: 3600,
    primary: { ...fresh, answer: -1n },
    expect: { contractError: "NonPositiveAnswer", verdict: "fail", reasons: ["NON_POSITIVE"] },
  },
  {
    name: "age == heartbeat is still fresh (warns)",
    heartbeat: 3600,
    primary: { ...fresh, updatedAgo: 3600 },
    expect: { contractError: null, verdict: "warn", reasons: ["HEARTBEAT_DUE_SOON"] },
  },
  {
    name: "age == heartbeat + 1 is stale",
    heartbeat: 3600,
    primary: { ...fresh, updatedAgo: 3601 },
    expect: { contractError: "StalePrice", verdict: "fail", reasons: ["STALE"] },
  },
  {
    name: "age == 80 % of heartbeat does not warn yet",
    heartbeat: 3600,
    primary: { ...fresh, updatedAgo: 2880 },
    expect: ok,
  },
  {
    name: "age just above 80 % of heartbeat warns",
    heartbeat: 3600,
    primary: { ...fresh, updatedAgo: 2881 },
    expect: { contractError: null, verdict: "warn", reasons: ["HEARTBEAT_DUE_SOON"] },
  },
  {
    name: "updatedAt == 0 is an incomplete round",
    heartbeat: 3600,
    primary: { ...fresh, updatedAgo: "zero" },
    expect: { contractError: "IncompleteRound", verdict: "fail", reasons: ["INCOMPLETE_ROUND"] },
  },
  {
    name: "answeredInRound < roundId is an incomplete round",
    heartbeat: 3600,
    primary: { ...fresh, roundId: 5n, answeredInRound: 4n },
    expect: { contractError: "IncompleteRound", verdict: "fail", reasons: ["INCOMPLETE_ROUND"] },
  },
  {
    name: "answeredInRound > roundId is accepted",
    heartbeat: 3600,
    primary: { ...fresh, roundId: 5n, answeredInRound: 6n },
    expect: ok,
  },
  {
    name: "updatedAt one second in the future",
    heartbeat: 3600,
    primary: { ...fresh, updatedAgo: -1 },
    expect: { contractError: "FutureRound", verdict: "fail", reasons: ["FUTURE_ROUND"] },
  },
  {
    name: "answer == min bound",
    heartbeat: 3600,
    primary: { ...fresh, answer: bounded.min, bounds: bounded },
    expect: { contractError: "PriceAtBound", verdict: "fail", reasons: ["AT_BOUND"] },
  },
  {
    name: "answer == min bound + 1 (near bound)",
    heartbeat: 3600,
    primary: { ...fresh, answer: bounded.min + 1n, bounds: bounded },
    expect: { contractError: null, verdict: "warn", reasons: ["NEAR_BOUND"] },
  },
  {
    name: "answer == max bound",
    heartbeat: 3600,
    primary: { ...fresh, answer: bounded.max, bounds: bounded },
    expect: { contractError: "PriceAtBound", verdict: "fail", reasons: ["AT_BOUND"] },
  },
  {
    name: "answer == max bound − 1 (near bound)",
    heartbeat: 3600,
    primary: { ...fresh, answer: bounded.max - 1n, bounds: bounded },
    expect: { contractError: null, verdict: "warn", reasons: ["NEAR_BOUND"] },
  },
  {
    name: "answer well inside the bounds",
    heartbeat: 3600,
    primary: { ...fresh, bounds: bounded },
    expect: ok,
  },
  {
    name: "answer exactly 5 % above the min bound warns (≤ 500 bps)",
    heartbeat: 3600,
    primary: { ...fresh, answer: usd8(2_000n), bounds: { min: usd8(1_900n), max: usd8(100_000n) } },
    expect: { contractError: null, verdict: "warn", reasons: ["NEAR_BOUND"] },
  },
  {
    name: "reverting feed",
    heartbeat: 3600,
    primary: { ...fresh, kind: "reverting" },
    expect: { contractError: "FeedCallFailed", verdict: "fail", reasons: ["FEED_CALL_FAILED"] },
  },
  {
    name: "gas-burning feed",
    heartbeat: 3600,
    primary: { ...fresh, kind: "gasBurning" },
    expect: { contractError: "FeedCallFailed", verdict: "fail", reasons: ["FEED_CALL_FAILED"] },
  },
  {
    name: "short latestRoundData() answer (4 words)",
    heartbeat: 3600,
    primary: { ...fresh, kind: "malformedShort" },
    expect: { contractError: "FeedCallFailed", verdict: "fail", reasons: ["FEED_CALL_FAILED"] },
  },
  {
    name: "roundId wider than uint80",
    heartbeat: 3600,
    primary: { ...fresh, kind: "malformedWideRoundId" },
    expect: { contractError: "FeedCallFailed", verdict: "fail", reasons: ["FEED_CALL_FAILED"] },
  },
  {
    name: "36 decimals is supported",
    heartbeat: 3600,
    primary: { ...fresh, kind: "proxy", answer: 2_000n * 10n ** 36n, decimals: 36 },
    expect: ok,
  },
  {
    name: "37 decimals is unsupported",
    heartbeat: 3600,
    primary: { ...fresh, kind: "proxy", answer: 2_000n * 10n ** 37n, decimals: 37 },
    expect: { contractError: "UnsupportedDecimals", verdict: "fail", reasons: ["UNSUPPORTED_DECIMALS"] },
  },
  {
    name: "a 24-decimal answer below 1e6 scales to 0 WAD (the adapter returns 0)",
    heartbeat: 3600,
    primary: { ...fresh, answer: 999_999n, decimals: 24 },
    expect: { contractError: null, verdict: "warn", reasons: ["PRICE_ROUNDS_TO_ZERO"] },
  },
  {
    name: "scaling overflows uint256 (Panic)",
    heartbeat: 3600,
    primary: { ...fresh, answer: (1n << 255n) - 1n, decimals: 0 },
    expect: { contractError: "Panic", verdict: "fail", reasons: ["ARITHMETIC_PANIC"] },
  },
  {
    name: "secondary scaling to 0 WAD divides by zero (Panic)",
    heartbeat: 3600,
    primary: fresh,
    secondary: { answer: 1n, decimals: 24, updatedAgo: 5, heartbeat: 3600, maxDeviationBps: 100 },
    // The failure comes first; the warning says why.
    expect: { contractError: "Panic", verdict: "fail", reasons: ["ARITHMETIC_PANIC", "PRICE_ROUNDS_TO_ZERO"] },
  },
  {
    name: "deviation arithmetic overflows uint256 (Panic)",
    heartbeat: 3600,
    primary: { answer: 1n << 250n, decimals: 18, updatedAgo: 0 },
    secondary: { answer: E18, decimals: 18, updatedAgo: 0, heartbeat: 3600, maxDeviationBps: 100 },
    expect: { contractError: "Panic", verdict: "fail", reasons: ["ARITHMETIC_PANIC"] },
  },
  {
    name: "feed not configured",
    heartbeat: 3600,
    primary: fresh,
    unconfigured: true,
    expect: { contractError: "FeedNotConfigured", verdict: "fail", reasons: ["NOT_CONFIGURED"] },
  },
  {
    name: "deviation exactly at the max",
    heartbeat: 3600,
    primary: { ...fresh, answer: usd8(2_020n) },
    secondary: { ...fresh, heartbeat: 3600, maxDeviationBps: 100 },
    expect: { contractError: null, verdict: "warn", reasons: ["DEVIATION_RISING"] },
  },
  {
    name: "deviation one bps above the max",
    heartbeat: 3600,
    primary: { ...fresh, answer: usd8(2_020n) + 1n },
    secondary: { ...fresh, heartbeat: 3600, maxDeviationBps: 100 },
    expect: { contractError: "PriceDeviationTooHigh", verdict: "fail", reasons: ["DEVIATION"] },
  },
  {
    name: "deviation at 50 % of the max does not warn",
    heartbeat: 3600,
    primary: { ...fresh, answer: usd8(2_010n) },
    secondary: { ...fresh, heartbeat: 3600, maxDeviationBps: 100 },
    expect: ok,
  },
  {
    name: "secondary with other decimals agrees",
    heartbeat: 3600,
    primary: fresh,
    secondary: { answer: 2_000n * E18, decimals: 18, updatedAgo: 5, heartbeat: 3600, maxDeviationBps: 100 },
    expect: ok,
  },
  {
    name: "stale secondary",
    heartbeat: 3600,
    primary: fresh,
    secondary: { ...fresh, updatedAgo: 601, heartbeat: 600, maxDeviationBps: 100 },
    expect: { contractError: "StalePrice", verdict: "fail", reasons: ["STALE"] },
  },
  {
    name: "stale primary and stale secondary: the primary is named first",
    heartbeat: 3600,
    primary: { ...fresh, updatedAgo: 4000 },
    secondary: { ...fresh, updatedAgo: 601, heartbeat: 600, maxDeviationBps: 100 },
    expect: { contractError: "StalePrice", verdict: "fail", reasons: ["STALE", "STALE"] },
  },
  {
    name: "sequencer up, past its grace period",
    heartbeat: 3600,
    primary: fresh,
    sequencer: { status: 0n, startedAgo: 3601, gracePeriod: 3600 },
    expect: ok,
  },
  {
    name: "sequencer grace period exactly ending (now − startedAt == grace)",
    heartbeat: 3600,
    primary: fresh,
    sequencer: { status: 0n, startedAgo: 3600, gracePeriod: 3600 },
    expect: { contractError: "SequencerGracePeriodNotOver", verdict: "fail", reasons: ["GRACE_PERIOD"] },
  },
  {
    name: "sequencer grace period 0, status changed this second",
    heartbeat: 3600,
    primary: fresh,
    sequencer: { status: 0n, startedAgo: 0, gracePeriod: 0 },
    expect: { contractError: "SequencerGracePeriodNotOver", verdict: "fail", reasons: ["GRACE_PERIOD"] },
  },
  {
    name: "sequencer grace period 0, status changed a second ago",
    heartbeat: 3600,
    primary: fresh,
    sequencer: { status: 0n, startedAgo: 1, gracePeriod: 0 },
    expect: ok,
  },
  {
    name: "sequencer status change in the future",
    heartbeat: 3600,
    primary: fresh,
    sequencer: { status: 0n, startedAgo: -1, gracePeriod: 60 },
    expect: { contractError: "SequencerGracePeriodNotOver", verdict: "fail", reasons: ["GRACE_PERIOD"] },
  },
  {
    name: "sequencer feed reverts",
    heartbeat: 3600,
    primary: fresh,
    sequencer: { status: 0n, startedAgo: 7200, gracePeriod: 60, kind: "reverting" },
    expect: { contractError: "FeedCallFailed", verdict: "fail", reasons: ["FEED_CALL_FAILED"] },
  },
  {
    name: "secondary feed reverts (the error names the secondary)",
    heartbeat: 3600,
    primary: fresh,
    secondary: { ...fresh, kind: "reverting", heartbeat: 3600, maxDeviationBps: 100 },
    expect: { contractError: "FeedCallFailed", verdict: "fail", reasons: ["FEED_CALL_FAILED"] },
  },
  {
    name: "secondary round incomplete",
    heartbeat: 3600,
    primary: fresh,
    secondary: { ...fresh, roundId: 9n, answeredInRound: 8n, heartbeat: 3600, maxDeviationBps: 100 },
    expect: { contractError: "IncompleteRound", verdict: "fail", reasons: ["INCOMPLETE_ROUND"] },
  },
  {
    name: "secondary age == its heartbeat (warns)",
    heartbeat: 3600,
    primary: fresh,
    secondary: { ...fresh, updatedAgo: 600, heartbeat: 600, maxDeviationBps: 100 },
    expect: { contractError: null, verdict: "warn", reasons: ["HEARTBEAT_DUE_SOON"] },
  },
  {
    name: "sequencer down",
    heartbeat: 3600,
    primary: fresh,
    sequencer: { status: 1n, startedAgo: 7200, gracePeriod: 3600 },
    expect: { contractError: "SequencerDown", verdict: "fail", reasons: ["SEQUENCER_DOWN"] },
  },
  {
    name: "sequencer without status (startedAt 0)",
    heartbeat: 3600,
    primary: fresh,
    sequencer: { status: 0n, startedAgo: "zero", gracePeriod: 3600 },
    expect: { contractError: "IncompleteRound", verdict: "fail", reasons: ["INCOMPLETE_ROUND"] },
  },
  {
    name: "sequencer down and stale feed: the sequencer is named first",
    heartbeat: 3600,
    primary: { ...fresh, updatedAgo: 4000 },
    sequencer: { status: 1n, startedAgo: 7200, gracePeriod: 3600 },
    expect: { contractError: "SequencerDown", verdict: "fail", reasons: ["SEQUENCER_DOWN", "STALE"] },
  },
  {
    name: "sequencer down and feed not configured",
    heartbeat: 3600,
    primary: fresh,
    unconfigured: true,
    sequencer: { status: 1n, startedAgo: 7200, gracePeriod: 0 },
    expect: { contractError: "SequencerDown", verdict: "fail", reasons: ["SEQUENCER_DOWN", "NOT_CONFIGURED"] },
  },
];
