import type { Address } from "viem";
import { zeroAddress } from "viem";
import { formatAmount } from "../units.js";

/** Machine-readable reasons. Failures are exactly the checks of `OracleAdapter.priceWad`; warnings come earlier. */
export type OracleFailCode =
  | "SEQUENCER_DOWN"
  | "GRACE_PERIOD"
  | "NOT_CONFIGURED"
  | "FEED_CALL_FAILED"
  | "NON_POSITIVE"
  | "INCOMPLETE_ROUND"
  | "FUTURE_ROUND"
  | "STALE"
  | "AT_BOUND"
  | "UNSUPPORTED_DECIMALS"
  | "DEVIATION"
  /** The adapter's checked arithmetic would panic (scaling overflow, a secondary price that scales to 0). */
  | "ARITHMETIC_PANIC"
  /** The feed's market is closed by its hours (not an oracle fault: the verdict is "closed"). */
  | "MARKET_CLOSED"
  /** The market reopened but the feed has not published since (verdict "closed" until it does). */
  | "REOPEN_ROUND_PENDING";

export type OracleWarnCode =
  /** Age above `heartbeatWarnBps` of the heartbeat: stale soon unless the feed updates. */
  | "HEARTBEAT_DUE_SOON"
  /** Answer within `nearBoundBps` of the aggregator's min or max bound. */
  | "NEAR_BOUND"
  /** Deviation from the secondary above `deviationWarnBps` of the configured maximum. */
  | "DEVIATION_RISING"
  /** The answer scales to a price of 0 WAD (more than 18 decimals and a tiny answer): the adapter returns 0. */
  | "PRICE_ROUNDS_TO_ZERO";

export type OracleReasonCode = OracleFailCode | OracleWarnCode;

export type OracleReason = {
  code: OracleReasonCode;
  severity: "fail" | "warn";
  /** Which read the reason is about. */
  source: "sequencer" | "adapter" | "primary" | "secondary";
  message: string;
};

/** The custom error (or panic) `priceWad(feed)` reverts with, as the contract names it. */
export type OracleContractError = {
  name:
    | "SequencerDown"
    | "SequencerGracePeriodNotOver"
    | "FeedNotConfigured"
    | "FeedCallFailed"
    | "NonPositiveAnswer"
    | "IncompleteRound"
    | "FutureRound"
    | "StalePrice"
    | "PriceAtBound"
    | "UnsupportedDecimals"
    | "PriceDeviationTooHigh"
    | "MarketClosed"
    | "ReopenRoundPending"
    | "Panic";
  /** The feed the error names (primary, secondary or sequencer), when it names one. */
  address: Address | undefined;
};

/** Warning thresholds, in basis points. */
export type OracleWarnThresholds = {
  /** Warn when age > this share of the heartbeat (default 8000 = 80 %). */
  heartbeatWarnBps: bigint;
  /** Warn when the answer is within this distance of a bound, in bps of the answer (default 500 = 5 %). */
  nearBoundBps: bigint;
  /** Warn when the deviation exceeds this share of the configured maximum (default 5000 = 50 %). */
  deviationWarnBps: bigint;
};

export const defaultOracleWarnThresholds: OracleWarnThresholds = {
  heartbeatWarnBps: 8_000n,
  nearBoundBps: 500n,
  deviationWarnBps: 5_000n,
};

/** A raw `latestRoundData()` call as the adapter makes it (same gas, first five words). */
export type RawRoundCall = { success: boolean; size: bigint; words: readonly bigint[] };
/** A raw `decimals()` call as the adapter makes it. */
export type RawWordCall = { success: boolean; size: bigint; word: bigint };

/** Everything `priceWad(feed)` reads, raw (decoded from the deployless reader). */
export type RawFeedRead = {
  feed: Address;
  config: {
    heartbeat: number;
    secondaryHeartbeat: number;
    maxDeviationBps: number;
    hasBounds: boolean;
    secondaryFeed: Address;
  };
  bounds: { minAnswer: bigint; maxAnswer: bigint };
  round: RawRoundCall;
  decimals: RawWordCall;
  secondaryRound: RawRoundCall;
  secondaryDecimals: RawWordCall;
  /** `marketStatus(feed, block.timestamp)`: all zero/false for a feed without hours. */
  market: RawMarketHours;
};

/** The adapter's `marketStatus(feed, t)` as returned (the oracle read and the snapshot lens both carry it). */
export type RawMarketHours = {
  scheduled: boolean;
  open: boolean;
  /** Bit 0: in the closing window; bit 1: in the reopen delay (MarketHours.CLOSING / REOPENING). */
  flags: bigint;
  lastOpen: bigint;
  nextClose: bigint;
  nextOpen: bigint;
};

/** A market's hours at the block read (src/hours has the same rules off-chain). */
export type MarketHoursHealth = {
  /** "closing": in the closing window (the closing margin applies); "reopening": in the reopen delay (no new
   * exposure); "closed": no trade, liquidation or pool mark until `nextOpen`. */
  status: "open" | "closing" | "reopening" | "closed";
  /** When the current open stretch began (open markets). */
  lastOpen: bigint | undefined;
  /** When it ends (open markets). */
  nextClose: bigint | undefined;
  /** When a closed market reopens. */
  nextOpen: bigint | undefined;
};

/** A market's hours from the adapter's `marketStatus`; undefined for a market without a schedule (never closes). */
export function marketHoursHealth(hours: RawMarketHours): MarketHoursHealth | undefined {
  if (!hours.scheduled) return undefined;
  return hours.open
    ? {
        status: (hours.flags & 2n) !== 0n ? "reopening" : (hours.flags & 1n) !== 0n ? "closing" : "open",
        lastOpen: hours.lastOpen,
        nextClose: hours.nextClose,
        nextOpen: undefined,
      }
    : { status: "closed", lastOpen: undefined, nextClose: undefined, nextOpen: hours.nextOpen };
}

export type RawSequencerRead = {
  sequencerFeed: Address;
  sequencerGracePeriod: number;
  sequencerRound: RawRoundCall;
};

/** One feed's reading, judged as `_readWad` judges it. */
export type FeedReading = {
  feed: Address;
  /** Whether `latestRoundData()` answered in the adapter's gas window with well-formed data. */
  callOk: boolean;
  roundId: bigint | undefined;
  /** Raw answer in the feed's decimals. */
  answer: bigint | undefined;
  startedAt: bigint | undefined;
  updatedAt: bigint | undefined;
  answeredInRound: bigint | undefined;
  decimals: number | undefined;
  /** The answer scaled to WAD as the adapter scales it (undefined when a check before scaling fails). */
  priceWad: bigint | undefined;
  /** blockTimestamp − updatedAt (negative for a future round). */
  ageSeconds: number | undefined;
  heartbeatSeconds: number;
  stale: boolean | undefined;
};

export type SequencerHealth = {
  feed: Address;
  /** Chainlink uptime feeds answer 0 when the sequencer is up. */
  up: boolean;
  answer: bigint | undefined;
  /** When the status last changed. */
  startedAt: bigint | undefined;
  gracePeriodSeconds: number;
  /** Seconds until `priceWad` accepts prices again (0 when past the grace period). */
  gracePeriodRemainingSeconds: number;
};

export type OracleBoundsHealth = {
  minAnswer: bigint;
  maxAnswer: bigint;
  /** (answer − min) / answer in bps, rounded down; undefined without a positive answer. */
  distanceToMinBps: bigint | undefined;
  /** (max − answer) / answer in bps, rounded down; undefined without a positive answer. */
  distanceToMaxBps: bigint | undefined;
};

export type OracleHealth = {
  feed: Address;
  label: string | undefined;
  marketId: bigint | undefined;
  /** "closed": the market's hours stop it (MarketClosed, or its reopen round is pending), not an oracle fault. */
  verdict: "ok" | "warn" | "fail" | "closed";
  /** Market hours at this block; undefined for an always-open market. */
  market: MarketHoursHealth | undefined;
  /** Failures first, in the adapter's check order (the first one is the revert), then warnings. */
  reasons: OracleReason[];
  /** What `priceWad(feed)` reverts with at this block; undefined when it returns a price. */
  contractError: OracleContractError | undefined;
  /** One human-readable line. */
  message: string;
  blockNumber: bigint;
  blockTimestamp: bigint;
  configured: boolean;
  /** What `priceWad(feed)` returns at this block; undefined when it reverts. */
  priceWad: bigint | undefined;
  primary: FeedReading;
  secondary: FeedReading | undefined;
  /** Cached aggregator bounds the adapter checks against; undefined when the adapter knows none. */
  bounds: OracleBoundsHealth | undefined;
  sequencer: SequencerHealth | undefined;
  deviation: { deviationBps: bigint; maxDeviationBps: bigint } | undefined;
};

const UINT80_MAX = (1n << 80n) - 1n;
const UINT256_MAX = (1n << 256n) - 1n;
const MAX_DECIMALS = 36n;

function toInt256(word: bigint): bigint {
  return word >= 1n << 255n ? word - (1n << 256n) : word;
}

type RoundFields = { roundId: bigint; answer: bigint; startedAt: bigint; updatedAt: bigint; answeredInRound: bigint };

/** `_latestRoundData`: ok only for a successful call with ≥ 160 bytes and uint80-sized round ids. */
function decodeRound(call: RawRoundCall): RoundFields | undefined {
  const [roundId = 0n, answer = 0n, startedAt = 0n, updatedAt = 0n, answeredInRound = 0n] = call.words;
  if (!call.success || call.size < 160n || roundId > UINT80_MAX || answeredInRound > UINT80_MAX) return undefined;
  return { roundId, answer: toInt256(answer), startedAt, updatedAt, answeredInRound };
}

type Judged = { reading: FeedReading; fail: { reason: OracleReason; error: OracleContractError } | undefined };

/** `_readWad(feed, heartbeat, hasBounds)`, check by check, stopping at the first failure like the contract. */
function judgeFeed(
  source: "primary" | "secondary",
  feed: Address,
  round: RawRoundCall,
  decimalsCall: RawWordCall,
  heartbeat: number,
  bounds: { minAnswer: bigint; maxAnswer: bigint } | undefined,
  now: bigint,
  openedAt: bigint,
): Judged {
  const fields = decodeRound(round);
  const reading: FeedReading = {
    feed,
    callOk: fields !== undefined,
    roundId: fields?.roundId,
    answer: fields?.answer,
    startedAt: fields?.startedAt,
    updatedAt: fields?.updatedAt,
    answeredInRound: fields?.answeredInRound,
    decimals: undefined,
    priceWad: undefined,
    ageSeconds: fields === undefined ? undefined : Number(now - fields.updatedAt),
    heartbeatSeconds: heartbeat,
    stale: fields === undefined ? undefined : now >= fields.updatedAt && now - fields.updatedAt > BigInt(heartbeat),
  };
  const fail = (code: OracleFailCode, name: OracleContractError["name"], message: string): Judged => ({
    reading,
    fail: { reason: { code, severity: "fail", source, message }, error: { name, address: feed } },
  });
  if (fields === undefined) {
    return fail(
      "FEED_CALL_FAILED",
      "FeedCallFailed",
      `${source} feed ${feed}: latestRoundData() failed or is malformed`,
    );
  }
  const { answer, updatedAt, roundId, answeredInRound } = fields;
  if (answer <= 0n) return fail("NON_POSITIVE", "NonPositiveAnswer", `${source} answer ${answer} is not positive`);
  if (updatedAt === 0n || answeredInRound < roundId) {
    return fail(
      "INCOMPLETE_ROUND",
      "IncompleteRound",
      `${source} round ${roundId} is incomplete (updatedAt ${updatedAt}, answeredInRound ${answeredInRound})`,
    );
  }
  if (updatedAt > now) return fail("FUTURE_ROUND", "FutureRound", `${source} updatedAt ${updatedAt} is after ${now}`);
  if (updatedAt < openedAt) {
    return fail(
      "REOPEN_ROUND_PENDING",
      "ReopenRoundPending",
      `${source} latest round (${updatedAt}) is from before the reopen at ${openedAt}`,
    );
  }
  if (now - updatedAt > BigInt(heartbeat)) {
    return fail("STALE", "StalePrice", `${source} answer is ${now - updatedAt}s old, heartbeat ${heartbeat}s`);
  }
  if (bounds !== undefined && (answer <= bounds.minAnswer || answer >= bounds.maxAnswer)) {
    return fail(
      "AT_BOUND",
      "PriceAtBound",
      `${source} answer ${answer} is at the aggregator bound [${bounds.minAnswer}, ${bounds.maxAnswer}]`,
    );
  }
  if (!decimalsCall.success || decimalsCall.size < 32n) {
    return fail("FEED_CALL_FAILED", "FeedCallFailed", `${source} feed ${feed}: decimals() failed`);
  }
  if (decimalsCall.word > MAX_DECIMALS) {
    return fail("UNSUPPORTED_DECIMALS", "UnsupportedDecimals", `${source} decimals ${decimalsCall.word} > 36`);
  }
  const decimals = Number(decimalsCall.word);
  reading.decimals = decimals;
  if (decimals <= 18) {
    const scaled = answer * 10n ** BigInt(18 - decimals);
    if (scaled > UINT256_MAX) {
      return {
        reading,
        fail: {
          reason: { code: "ARITHMETIC_PANIC", severity: "fail", source, message: `${source} answer overflows WAD` },
          error: { name: "Panic", address: undefined },
        },
      };
    }
    reading.priceWad = scaled;
  } else {
    reading.priceWad = answer / 10n ** BigInt(decimals - 18);
  }
  return { reading, fail: undefined };
}

function bps(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 10_000n) / denominator;
}

/** `_checkSequencer` at `now`: the uptime feed's state and the failure `priceWad` would revert with, if any. */
export function evaluateSequencer(
  sequencer: RawSequencerRead,
  now: bigint,
): { health: SequencerHealth | undefined; fail: { reason: OracleReason; error: OracleContractError } | undefined } {
  if (sequencer.sequencerFeed === zeroAddress) return { health: undefined, fail: undefined };
  const seq = decodeRound(sequencer.sequencerRound);
  const grace = BigInt(sequencer.sequencerGracePeriod);
  let remaining = 0n;
  if (seq !== undefined && seq.startedAt !== 0n) {
    const end = seq.startedAt + grace + 1n; // the first timestamp with now − startedAt > grace
    remaining = end > now ? end - now : 0n;
  }
  const health: SequencerHealth = {
    feed: sequencer.sequencerFeed,
    up: seq !== undefined && seq.answer === 0n,
    answer: seq?.answer,
    startedAt: seq?.startedAt,
    gracePeriodSeconds: sequencer.sequencerGracePeriod,
    gracePeriodRemainingSeconds: Number(remaining),
  };
  const fail = (code: OracleFailCode, name: OracleContractError["name"], message: string) => ({
    health,
    fail: {
      reason: { code, severity: "fail", source: "sequencer", message } satisfies OracleReason,
      error: { name, address: name === "SequencerGracePeriodNotOver" ? undefined : sequencer.sequencerFeed },
    },
  });
  if (seq === undefined) return fail("FEED_CALL_FAILED", "FeedCallFailed", "sequencer feed latestRoundData() failed");
  if (seq.answer !== 0n) return fail("SEQUENCER_DOWN", "SequencerDown", "the L2 sequencer is down");
  if (seq.startedAt === 0n) return fail("INCOMPLETE_ROUND", "IncompleteRound", "sequencer feed has no status yet");
  if (seq.startedAt > now || now - seq.startedAt <= grace) {
    return fail("GRACE_PERIOD", "SequencerGracePeriodNotOver", `sequencer grace period: ${remaining}s to go`);
  }
  return { health, fail: undefined };
}

/** Judges one feed exactly as `priceWad(feed)` would at `blockTimestamp`, and adds the earlier warnings. */
export function evaluateFeed(
  raw: RawFeedRead,
  sequencer: RawSequencerRead,
  block: { blockNumber: bigint; blockTimestamp: bigint },
  thresholds: OracleWarnThresholds,
  meta: { label?: string | undefined; marketId?: bigint | undefined } = {},
): OracleHealth {
  const now = block.blockTimestamp;
  const fails: { reason: OracleReason; error: OracleContractError }[] = [];
  const warns: OracleReason[] = [];
  const warn = (code: OracleWarnCode, source: OracleReason["source"], message: string) =>
    warns.push({ code, severity: "warn", source, message });

  // 1. _checkSequencer
  const seq = evaluateSequencer(sequencer, now);
  const sequencerHealth = seq.health;
  if (seq.fail) fails.push(seq.fail);

  // 2. FeedNotConfigured
  const configured = raw.config.heartbeat !== 0;
  if (!configured) {
    fails.push({
      reason: {
        code: "NOT_CONFIGURED",
        severity: "fail",
        source: "adapter",
        message: `feed ${raw.feed} is not configured in the adapter`,
      },
      error: { name: "FeedNotConfigured", address: raw.feed },
    });
  }

  // 2b. market hours: closed, or (in _readWad) a round from before the reopen
  const hours = raw.market;
  const market = marketHoursHealth(hours);
  let openedAt = 0n;
  if (hours.scheduled) {
    if (hours.open) openedAt = hours.lastOpen;
    else if (configured) {
      fails.push({
        reason: {
          code: "MARKET_CLOSED",
          severity: "fail",
          source: "adapter",
          message: `the market is closed until ${new Date(Number(hours.nextOpen) * 1000).toISOString()}`,
        },
        error: { name: "MarketClosed", address: raw.feed },
      });
    }
  }

  // 3. _readWad(primary), 4. _readWad(secondary), 5. deviation
  const bounds = raw.config.hasBounds ? raw.bounds : undefined;
  const primary = judgeFeed("primary", raw.feed, raw.round, raw.decimals, raw.config.heartbeat, bounds, now, openedAt);
  let secondary: Judged | undefined;
  let deviation: OracleHealth["deviation"];
  if (configured) {
    if (primary.fail) fails.push(primary.fail);
    if (raw.config.secondaryFeed !== zeroAddress) {
      secondary = judgeFeed(
        "secondary",
        raw.config.secondaryFeed,
        raw.secondaryRound,
        raw.secondaryDecimals,
        raw.config.secondaryHeartbeat,
        undefined,
        now,
        openedAt,
      );
      if (secondary.fail) fails.push(secondary.fail);
      const p = primary.reading.priceWad;
      const s = secondary.reading.priceWad;
      if (!primary.fail && !secondary.fail && p !== undefined && s !== undefined) {
        const maxDeviationBps = BigInt(raw.config.maxDeviationBps);
        const diff = p > s ? p - s : s - p;
        // (diff * 10_000 + s − 1) / s in checked arithmetic: s == 0 panics (underflow or division by zero), and so
        // does any intermediate above uint256.
        const numerator = diff * 10_000n + s - 1n;
        if (s === 0n || diff * 10_000n + s > UINT256_MAX) {
          fails.push({
            reason: {
              code: "ARITHMETIC_PANIC",
              severity: "fail",
              source: "secondary",
              message: "the deviation check would panic (secondary price 0 or overflow)",
            },
            error: { name: "Panic", address: undefined },
          });
        } else {
          const deviationBps = numerator / s;
          deviation = { deviationBps, maxDeviationBps };
          if (deviationBps > maxDeviationBps) {
            fails.push({
              reason: {
                code: "DEVIATION",
                severity: "fail",
                source: "secondary",
                message: `primary deviates ${deviationBps} bps from the secondary, max ${maxDeviationBps}`,
              },
              error: { name: "PriceDeviationTooHigh", address: raw.feed },
            });
          } else if (deviationBps * 10_000n > maxDeviationBps * thresholds.deviationWarnBps) {
            warn("DEVIATION_RISING", "secondary", `deviation ${deviationBps} bps of max ${maxDeviationBps}`);
          }
        }
      }
    }
  }

  // Warnings on readings that passed their checks.
  for (const [source, judged] of [
    ["primary", primary],
    ["secondary", secondary],
  ] as const) {
    if (judged === undefined || judged.fail || !configured) continue;
    const r = judged.reading;
    if (
      r.updatedAt !== undefined &&
      (now - r.updatedAt) * 10_000n > BigInt(r.heartbeatSeconds) * thresholds.heartbeatWarnBps
    ) {
      warn(
        "HEARTBEAT_DUE_SOON",
        source,
        `${source} answer is ${now - r.updatedAt}s old of a ${r.heartbeatSeconds}s heartbeat`,
      );
    }
    if (r.priceWad === 0n) warn("PRICE_ROUNDS_TO_ZERO", source, `${source} price scales to 0 WAD`);
  }
  let boundsHealth: OracleBoundsHealth | undefined;
  if (bounds !== undefined) {
    const a = primary.reading.answer;
    const positive = a !== undefined && a > 0n;
    boundsHealth = {
      minAnswer: bounds.minAnswer,
      maxAnswer: bounds.maxAnswer,
      distanceToMinBps: positive ? bps(a - bounds.minAnswer, a) : undefined,
      distanceToMaxBps: positive ? bps(bounds.maxAnswer - a, a) : undefined,
    };
    const near = [boundsHealth.distanceToMinBps, boundsHealth.distanceToMaxBps].some(
      (d) => d !== undefined && d <= thresholds.nearBoundBps,
    );
    if (configured && !primary.fail && near) {
      warn("NEAR_BOUND", "primary", `answer ${a} is within ${thresholds.nearBoundBps} bps of a bound`);
    }
  }

  const first = fails[0];
  const closedByHours = first?.error.name === "MarketClosed" || first?.error.name === "ReopenRoundPending";
  const verdict = first ? (closedByHours ? "closed" : "fail") : warns.length > 0 ? "warn" : "ok";
  const reasons = [...fails.map((f) => f.reason), ...warns];
  const label = meta.label ?? raw.feed;
  const message = first
    ? `${label}: priceWad reverts with ${first.error.name}: ${first.reason.message}`
    : warns.length > 0
      ? `${label}: ok at ${formatAmount(primary.reading.priceWad ?? 0n, 18)} USD, but ${warns.map((w) => w.message).join("; ")}`
      : `${label}: ok at ${formatAmount(primary.reading.priceWad ?? 0n, 18)} USD`;
  return {
    feed: raw.feed,
    label: meta.label,
    marketId: meta.marketId,
    verdict,
    market,
    reasons,
    contractError: first?.error,
    message,
    blockNumber: block.blockNumber,
    blockTimestamp: now,
    configured,
    priceWad: first ? undefined : primary.reading.priceWad,
    primary: primary.reading,
    secondary: secondary?.reading,
    bounds: boundsHealth,
    sequencer: sequencerHealth,
    deviation,
  };
}
