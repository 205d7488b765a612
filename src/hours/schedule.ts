// Market hours: the weekly-session + closure model of the vault's market schedule, ported to bigint with the same
// rules as the contract (issue #19), so the SDK, the planner, the keeper and the backtester agree with the chain on
// when a market is open, closing, closed or reopening, and on the maintenance margin in force.
import { WAD } from "../math/constants.js";
import { MarketScheduleError } from "./errors.js";

/** Seconds in a week. */
export const SECONDS_PER_WEEK = 604_800n;
/** Minutes in a week: a session's `closeMinute` is at most this. */
export const MINUTES_PER_WEEK = 10_080;
/** 1970-01-01 was a Thursday: adding four days puts 0 on Sunday 00:00 UTC. */
const WEEK_OFFSET_SECONDS = 345_600n;
/** Limits of the contract's storage: sessions and closures are fixed-size arrays, times are uint32. */
export const MAX_SESSIONS = 8;
export const MAX_CLOSURES = 3;
export const MAX_UINT32 = 2n ** 32n - 1n;
/** The closing margin is stored in whole ppm (a WAD multiple of 1e12), as the other margin ratios. */
export const PPM_TICK_WAD = 10n ** 12n;
/** The contract's bounds (OracleAdapter, AdminModule): longest closure, closing window, reopen delay, closing margin. */
export const MAX_CLOSURE_SECONDS = 14n * 86_400n;
export const MAX_CLOSING_WINDOW_SECONDS = 86_400n;
export const MAX_REOPEN_DELAY_SECONDS = 3_600n;
export const MAX_CLOSING_MARGIN_RATIO = WAD / 2n;

/** One weekly session, in minutes from Sunday 00:00 UTC: open at `openMinute`, closed from `closeMinute`. */
export type TradingSession = { openMinute: number; closeMinute: number };

/** An absolute closed interval `[start, end)` in unix seconds (a holiday or an early close). */
export type MarketClosure = { start: bigint; end: bigint };

/** A market's trading hours, as the contract stores them. A market with no schedule is always open. */
export type MarketSchedule = {
  /** Up to 8 weekly sessions, sorted, apart from each other (a session ending at 10080 joins one starting at 0). */
  sessions: readonly TradingSession[];
  /** Up to 3 closures (holidays, early closes). */
  closures: readonly MarketClosure[];
  /** From this long before a close the closing margin is in force (seconds). */
  closingWindowSeconds: bigint;
  /** For this long after a reopen only liquidations and reductions are allowed (seconds). */
  reopenDelaySeconds: bigint;
  /** Maintenance margin ratio in force while closing and closed, if above the market's own (WAD, whole ppm). */
  closingMaintenanceMarginRatio: bigint;
};

/** "open": trade freely; "closing": the closing margin is in force; "closed": nothing moves; "reopening": only
 * liquidations and reductions, so keepers liquidate at the first round before any new exposure. */
export type MarketHoursStatus = "open" | "closing" | "closed" | "reopening";

export type MarketStatusReturnType = {
  status: MarketHoursStatus;
  open: boolean;
  /** Closed: the first time ≥ t the market opens (undefined: never again). */
  nextOpen?: bigint | undefined;
  /** Open: the first time > t the market closes (undefined: never, an always-open schedule with no closure ahead). */
  nextClose?: bigint | undefined;
  /** Open: the last time ≤ t it became open. */
  lastOpen?: bigint | undefined;
  /**
   * The contract's two flags, set independently: in the closing window (nextClose − t ≤ closingWindowSeconds: the
   * closing margin applies) and in the reopen delay (t < lastOpen + reopenDelaySeconds: no new exposure). `status`
   * shows "reopening" when both are set.
   */
  inClosingWindow: boolean;
  inReopenDelay: boolean;
  /** Open: when new exposure is allowed again (lastOpen + reopenDelaySeconds). */
  tradableAt?: bigint | undefined;
  /**
   * The maintenance margin ratio in force at t for a market whose own is `maintenanceMarginRatio` (WAD): the closing
   * one, if higher, in the closing window and while closed (on chain nothing reads a price while closed).
   */
  maintenanceMarginRatio: (params: { maintenanceMarginRatio: bigint }) => bigint;
  /** The equity ratio an increase needs at t: max(initial margin, the maintenance margin in force) (WAD). */
  increaseMarginRatio: (params: { initialMarginRatio: bigint; maintenanceMarginRatio: bigint }) => bigint;
};

/** Seconds since Sunday 00:00 UTC of the week holding `t`. */
export function secondOfWeek(t: bigint): bigint {
  return (((t + WEEK_OFFSET_SECONDS) % SECONDS_PER_WEEK) + SECONDS_PER_WEEK) % SECONDS_PER_WEEK;
}

const bigMax = (a: bigint, b: bigint) => (a > b ? a : b);

/**
 * Checks a schedule against the contract's bounds (OracleAdapter.setMarketHours, AdminModule.setClosingMargin); throws
 * a `MarketScheduleError` naming the field. Sessions: 1 to 8, integers with 0 ≤ open < close ≤ 10080, sorted and apart
 * (touching sessions are one session: merge them, so the only join is the week boundary), not one session 0..10080
 * (a market open all week needs no schedule); closures: at most 3, uint32, start < end, at most 14 days; closing
 * window ≤ 1 day; reopen delay ≤ 1 hour; closing margin 0 (off) or a whole ppm ≤ 50 %, and ≥ the market's maintenance
 * ratio when `maintenanceMarginRatio` is given.
 */
export function validateSchedule(schedule: MarketSchedule, market?: { maintenanceMarginRatio: bigint }): void {
  const { sessions, closures } = schedule;
  if (sessions.length === 0 || sessions.length > MAX_SESSIONS)
    throw new MarketScheduleError({
      field: "sessions",
      value: `${sessions.length} sessions`,
      cause: `a schedule holds 1 to ${MAX_SESSIONS} weekly sessions`,
      fix: "pass 1 to 8 sessions, or no schedule at all for a market that never closes",
    });
  let previousClose = -1;
  sessions.forEach((s, i) => {
    for (const key of ["openMinute", "closeMinute"] as const) {
      const v = s[key];
      if (!Number.isSafeInteger(v) || v < 0 || v > MINUTES_PER_WEEK)
        throw new MarketScheduleError({
          field: `sessions[${i}].${key}`,
          value: v,
          cause: `minutes from Sunday 00:00 UTC are whole numbers in [0, ${MINUTES_PER_WEEK}]`,
          fix: "pass whole minutes, e.g. Monday 14:30 UTC = 1440 + 870 = 2310",
        });
    }
    if (!(s.openMinute < s.closeMinute))
      throw new MarketScheduleError({
        field: `sessions[${i}]`,
        value: `${s.openMinute}..${s.closeMinute}`,
        cause: "a session opens before it closes",
        fix: "pass openMinute < closeMinute; split a session across the week boundary into one ending at 10080 and one starting at 0",
      });
    if (!(s.openMinute > previousClose))
      throw new MarketScheduleError({
        field: `sessions[${i}].openMinute`,
        value: s.openMinute,
        cause:
          previousClose === s.openMinute
            ? `it touches the previous session's close ${previousClose}`
            : `it is before the previous session's close ${previousClose}`,
        fix: "sort the sessions by openMinute and merge sessions that touch or overlap into one",
      });
    previousClose = s.closeMinute;
  });
  if (sessions.length === 1 && sessions[0]?.openMinute === 0 && sessions[0]?.closeMinute === MINUTES_PER_WEEK)
    throw new MarketScheduleError({
      field: "sessions[0]",
      value: "0..10080",
      cause: "a single session covering the whole week is no schedule",
      fix: "pass no schedule for a market that never closes (the owner clears its hours)",
    });
  if (closures.length > MAX_CLOSURES)
    throw new MarketScheduleError({
      field: "closures",
      value: `${closures.length} closures`,
      cause: `a schedule holds at most ${MAX_CLOSURES} closures`,
      fix: "keep only the next three holidays or early closes and add later ones once these have passed",
    });
  closures.forEach((c, i) => {
    for (const key of ["start", "end"] as const) {
      if (c[key] < 0n || c[key] > MAX_UINT32)
        throw new MarketScheduleError({
          field: `closures[${i}].${key}`,
          value: c[key],
          cause: "closure times are uint32 unix seconds",
          fix: "pass unix seconds in [0, 2^32 − 1]",
        });
    }
    if (!(c.start < c.end) || c.end - c.start > MAX_CLOSURE_SECONDS)
      throw new MarketScheduleError({
        field: `closures[${i}]`,
        value: `${c.start}..${c.end}`,
        cause: "a closure is non-empty (start < end) and at most 14 days long",
        fix: "pass start < end (unix seconds, end exclusive) within 14 days; split a longer halt",
      });
  });
  for (const [key, max, example] of [
    ["closingWindowSeconds", MAX_CLOSING_WINDOW_SECONDS, "3600n for one hour"],
    ["reopenDelaySeconds", MAX_REOPEN_DELAY_SECONDS, "300n for five minutes"],
  ] as const) {
    const v = schedule[key];
    if (v < 0n || v > max)
      throw new MarketScheduleError({
        field: key,
        value: v,
        cause: `the contract bounds it to [0, ${max}] seconds`,
        fix: `pass seconds in [0, ${max}], e.g. ${example}`,
      });
  }
  const cmm = schedule.closingMaintenanceMarginRatio;
  if (cmm < 0n || cmm > MAX_CLOSING_MARGIN_RATIO || cmm % PPM_TICK_WAD !== 0n)
    throw new MarketScheduleError({
      field: "closingMaintenanceMarginRatio",
      value: cmm,
      cause: "the closing margin is a WAD ratio in [0, 0.5] in whole ppm (a multiple of 1e12)",
      fix: "pass e.g. parseUnits('0.16', 18) for 16 %, or 0n for none",
    });
  if (market !== undefined && cmm !== 0n && cmm < market.maintenanceMarginRatio)
    throw new MarketScheduleError({
      field: "closingMaintenanceMarginRatio",
      value: cmm,
      cause: `it is below the market's maintenance margin ratio ${market.maintenanceMarginRatio}`,
      fix: "pass a closing margin at or above the maintenance ratio, or 0n for none",
    });
}

/** True when the weekly sessions alone are open at this second of the week. */
function inSession(sessions: readonly TradingSession[], sow: bigint): TradingSession | undefined {
  for (const s of sessions) if (BigInt(s.openMinute) * 60n <= sow && sow < BigInt(s.closeMinute) * 60n) return s;
  return undefined;
}

const inClosure = (closures: readonly MarketClosure[], t: bigint) => closures.some((c) => c.start <= t && t < c.end);

/** open(t): t is in a weekly session and in no closure. A market with no schedule is always open. */
export function isMarketOpen(schedule: MarketSchedule | undefined, t: bigint): boolean {
  if (schedule === undefined) return true;
  return inSession(schedule.sessions, secondOfWeek(t)) !== undefined && !inClosure(schedule.closures, t);
}

/**
 * The last and first sessions join across the week boundary. As in the contract, only for two or more sessions: a
 * single 0..10080 session (refused by the setter) has its stretch end and start at each Sunday 00:00.
 */
function joinsAtWeekBoundary(sessions: readonly TradingSession[]): boolean {
  const first = sessions[0];
  const last = sessions.at(-1);
  return (
    sessions.length > 1 &&
    first !== undefined &&
    last !== undefined &&
    first.openMinute === 0 &&
    last.closeMinute === MINUTES_PER_WEEK
  );
}

/** Start and end of the session stretch holding t. */
function sessionStretch(sessions: readonly TradingSession[], t: bigint): { start: bigint; end: bigint } | undefined {
  const sow = secondOfWeek(t);
  const s = inSession(sessions, sow);
  if (s === undefined) return undefined;
  const weekStart = t - sow;
  let start = weekStart + BigInt(s.openMinute) * 60n;
  let end = weekStart + BigInt(s.closeMinute) * 60n;
  if (joinsAtWeekBoundary(sessions)) {
    const first = sessions[0] as TradingSession;
    const last = sessions.at(-1) as TradingSession;
    // The stretch runs on into next week's first session, or began in last week's last session.
    if (s.closeMinute === MINUTES_PER_WEEK) end += BigInt(first.closeMinute) * 60n;
    if (s.openMinute === 0) start -= BigInt(MINUTES_PER_WEEK - last.openMinute) * 60n;
  }
  return { start, end };
}

/** For an open t: the first time > t at which the market closes (session end or closure start, the earlier). */
function nextCloseOf(schedule: MarketSchedule, t: bigint): bigint | undefined {
  let close = sessionStretch(schedule.sessions, t)?.end;
  for (const c of schedule.closures) if (c.start > t && (close === undefined || c.start < close)) close = c.start;
  return close;
}

/** For an open t: the last time ≤ t at which it opened (session start or closure end, the later). */
function lastOpenOf(schedule: MarketSchedule, t: bigint): bigint | undefined {
  let open = sessionStretch(schedule.sessions, t)?.start;
  for (const c of schedule.closures) if (c.end <= t && (open === undefined || c.end > open)) open = c.end;
  return open;
}

/** For a closed t: the first time ≥ t at which the market is open (undefined: it never opens again). */
function nextOpenOf(schedule: MarketSchedule, t: bigint): bigint | undefined {
  const { sessions, closures } = schedule;
  let x = t;
  // Each pass jumps past a closure or to a session start; closures are few, so this ends within a few passes.
  for (let pass = 0; pass < 2 * (closures.length + 1) + 2; pass++) {
    let closedUntil: bigint | undefined;
    for (const c of closures) if (c.start <= x && x < c.end) closedUntil = bigMax(closedUntil ?? c.end, c.end);
    if (closedUntil !== undefined) {
      x = closedUntil;
      continue;
    }
    const sow = secondOfWeek(x);
    if (inSession(sessions, sow) !== undefined) return x;
    const weekStart = x - sow;
    const next = sessions.find((s) => BigInt(s.openMinute) * 60n > sow);
    x =
      next !== undefined
        ? weekStart + BigInt(next.openMinute) * 60n
        : weekStart + SECONDS_PER_WEEK + BigInt((sessions[0] as TradingSession).openMinute) * 60n;
  }
  return undefined;
}

/**
 * The market's hours status at unix time `t` (seconds): closed, reopening (t < lastOpen + reopenDelay), closing
 * (nextClose − t ≤ closingWindow) or open; with the next open or close, the last open, and the margin in force
 * (the closing maintenance margin while closing and closed). No schedule: always open, no close ahead.
 */
export function marketStatus(schedule: MarketSchedule | undefined, t: bigint): MarketStatusReturnType {
  const closingMm = schedule?.closingMaintenanceMarginRatio ?? 0n;
  const result = (
    status: MarketHoursStatus,
    times: Pick<MarketStatusReturnType, "nextOpen" | "nextClose" | "lastOpen" | "tradableAt">,
    inClosingWindow = false,
    inReopenDelay = false,
  ): MarketStatusReturnType => {
    const closingMarginApplies = status === "closed" || inClosingWindow;
    const inForce = (mm: bigint) => (closingMarginApplies ? bigMax(mm, closingMm) : mm);
    return {
      status,
      open: status !== "closed",
      ...times,
      inClosingWindow,
      inReopenDelay,
      maintenanceMarginRatio: ({ maintenanceMarginRatio }) => inForce(maintenanceMarginRatio),
      increaseMarginRatio: ({ initialMarginRatio, maintenanceMarginRatio }) =>
        bigMax(initialMarginRatio, inForce(maintenanceMarginRatio)),
    };
  };
  if (schedule === undefined) return result("open", {});
  if (!isMarketOpen(schedule, t)) return result("closed", { nextOpen: nextOpenOf(schedule, t) });
  const nextClose = nextCloseOf(schedule, t);
  const lastOpen = lastOpenOf(schedule, t);
  const tradableAt = lastOpen === undefined ? undefined : lastOpen + schedule.reopenDelaySeconds;
  const times = { nextClose, lastOpen, tradableAt };
  const closing = nextClose !== undefined && nextClose - t <= schedule.closingWindowSeconds;
  const reopening = tradableAt !== undefined && t < tradableAt;
  return result(reopening ? "reopening" : closing ? "closing" : "open", times, closing, reopening);
}

/** True when the market is closed at some instant of `[from, to)` (the backtester's "did a gap pass here"). */
export function closedWithin(schedule: MarketSchedule | undefined, from: bigint, to: bigint): boolean {
  if (schedule === undefined || !(from < to)) return false;
  if (!isMarketOpen(schedule, from)) return true;
  const close = nextCloseOf(schedule, from);
  return close !== undefined && close < to;
}

/**
 * Whether a price round updated at `updatedAt` may be used at `t`: the market is open and the round is from the
 * current session (updatedAt ≥ lastOpen(t)), so a reopen never trades on Friday's price. No schedule: always.
 */
export function roundUsableAt(schedule: MarketSchedule | undefined, t: bigint, updatedAt: bigint): boolean {
  if (schedule === undefined) return true;
  if (!isMarketOpen(schedule, t)) return false;
  const lastOpen = lastOpenOf(schedule, t);
  return lastOpen === undefined || updatedAt >= lastOpen;
}
