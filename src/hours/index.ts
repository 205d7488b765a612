// Market hours (issue #19): schedules, status at a time, the margin in force, default schedules of the tradfi
// markets, and the reopen-gap analysis their closing margins are sized from.
export { type MarketHoursParams, marketHoursParams, marketScheduleFromChain } from "./chain.js";
export {
  COMEX_METALS_SESSIONS,
  DEFAULT_CLOSING_WINDOW_SECONDS,
  DEFAULT_MARKET_SCHEDULES,
  DEFAULT_REOPEN_DELAY_SECONDS,
  DEFAULT_REOPEN_GAPS,
  defaultMarketSchedule,
  FX_SESSIONS,
  LISTED_MAINTENANCE_MARGIN_RATIO,
  REOPEN_GAP_SOURCES,
  type ScheduledMarketSymbol,
  US_EQUITY_SESSIONS,
} from "./defaults.js";
export { MarketScheduleError, type MarketScheduleErrorParameters } from "./errors.js";
export {
  closingMarginFromGaps,
  DEFAULT_GAP_SAFETY_FACTOR,
  type ReopenGap,
  type ReopenGapKind,
  type ReopenGapStats,
  reopenGapStats,
  reopenGaps,
} from "./gaps.js";
export {
  closedWithin,
  isMarketOpen,
  MAX_CLOSURES,
  MAX_SESSIONS,
  type MarketClosure,
  type MarketHoursStatus,
  type MarketSchedule,
  type MarketStatusReturnType,
  MINUTES_PER_WEEK,
  marketStatus,
  roundUsableAt,
  SECONDS_PER_WEEK,
  secondOfWeek,
  type TradingSession,
  validateSchedule,
} from "./schedule.js";
