// Default trading hours of the shipped tradfi markets (XAU, EURUSD, SPX) and the closing margin sized from the reopen
// gaps in data/tradfi (table and method in docs/hedging.md; test/ts/hours-defaults.test.ts recomputes every number
// here from the data, so they cannot drift).
//
// Times are standard (winter) UTC: New York on EST (UTC−5). At each US daylight-saving change the owner's operations
// job calls the schedule setter with every session shifted one hour (earlier in summer: EDT is UTC−4); the deploy
// script ships these winter sessions. Holidays are not listed here: the owner adds each year's as closures (three at a
// time, the next ones).
//
// Sources (read 2026-12):
// - Chainlink Data Streams market hours (docs.chain.link/data-streams/market-hours): US equities 09:30 Mon – 16:00 Fri
//   ET on the NYSE holiday calendar; FX majors 17:00 Sun – 17:00 Fri ET; precious metals from 18:00 Sun ET.
// - CME Globex COMEX gold (GC): Sunday 18:00 – Friday 17:00 ET with a daily 17:00–18:00 ET break Monday to Thursday
//   (CME Group trading hours, as summarised by the Pyth market-hours page and COMEX hour guides).
// - US equity regular session: 09:30–16:00 ET, Monday to Friday (NYSE); SPX, the index, is priced only then.
import { WAD } from "../math/constants.js";
import type { MarketSchedule, TradingSession } from "./schedule.js";

const DAY_MINUTES = 1440;
/** Minutes from Sunday 00:00 UTC of `hh:mm` UTC on weekday `day` (0 = Sunday). */
const at = (day: number, hh: number, mm = 0) => day * DAY_MINUTES + hh * 60 + mm;

/** US equity regular hours, 09:30–16:00 EST = 14:30–21:00 UTC, Monday to Friday: a close every day. */
export const US_EQUITY_SESSIONS: readonly TradingSession[] = [1, 2, 3, 4, 5].map((d) => ({
  openMinute: at(d, 14, 30),
  closeMinute: at(d, 21),
}));

/** COMEX gold on Globex, 18:00 EST Sunday to 17:00 EST Friday with the daily 17:00–18:00 EST break (22:00–23:00 UTC). */
export const COMEX_METALS_SESSIONS: readonly TradingSession[] = [0, 1, 2, 3, 4].map((d) => ({
  openMinute: at(d, 23),
  closeMinute: at(d + 1, 22),
}));

/** Spot FX majors, 17:00 EST Sunday to 17:00 EST Friday (22:00 UTC), no daily break. */
export const FX_SESSIONS: readonly TradingSession[] = [{ openMinute: at(0, 22), closeMinute: at(5, 22) }];

/** The closing margin is in force from one hour before each close: time for the hedger to top up or reduce. */
export const DEFAULT_CLOSING_WINDOW_SECONDS = 3_600n;
/** Five minutes after each reopen only liquidations and reductions: keepers act on the first round first. */
export const DEFAULT_REOPEN_DELAY_SECONDS = 300n;

/** The maintenance margin ratio the deployment lists every market with (ignition/markets.ts): 5 %. */
export const LISTED_MAINTENANCE_MARGIN_RATIO = (5n * WAD) / 100n;

/** Which data and which gaps size each market's closing margin (`closingMarginFromGaps`, test/ts/hours-defaults). */
export const REOPEN_GAP_SOURCES = {
  /** SPX closes every day: every close→open step counts, SPY as the proxy. */
  SPX: { data: "spy", overnight: true, maintenanceMarginRatio: LISTED_MAINTENANCE_MARGIN_RATIO },
  /** Gold: weekend and holiday reopens (the daily one-hour break is covered by the same margin). */
  XAU: { data: "gold", overnight: false, maintenanceMarginRatio: LISTED_MAINTENANCE_MARGIN_RATIO },
  EURUSD: { data: "eurusd", overnight: false, maintenanceMarginRatio: LISTED_MAINTENANCE_MARGIN_RATIO },
} as const satisfies Record<string, { data: string; overnight: boolean; maintenanceMarginRatio: bigint }>;

export type ScheduledMarketSymbol = keyof typeof REOPEN_GAP_SOURCES;

/** Worst and p99 reopen |gap| per market on data/tradfi 2019–2026 (fractions; the planner's historical gap). */
export const DEFAULT_REOPEN_GAPS: Readonly<
  Record<ScheduledMarketSymbol, { worstRatio: number; p99Ratio: number; worstDate: string }>
> = {
  SPX: { worstRatio: 0.10448546023040384, p99Ratio: 0.030359831326814635, worstDate: "2020-03-16" },
  // Gold's worst "holiday" gap spans 2026-01-27/28, two stale bars the loader drops: three days of move, kept (the
  // larger margin); weekend gaps alone would give 10 %.
  XAU: { worstRatio: 0.06614563597868583, p99Ratio: 0.029794328615899035, worstDate: "2026-01-29" },
  EURUSD: { worstRatio: 0.018378184728221614, p99Ratio: 0.01446037475171913, worstDate: "2022-11-07" },
};

const ratio = (percent: bigint) => (percent * WAD) / 100n;

/**
 * Default schedules of the shipped tradfi markets (winter UTC, no closures: the owner adds holidays). Closing margins:
 * MM 5 % + max(worst gap, 1.5 × p99), rounded up to a whole percent: SPX 5 + 10.45 → 16 %, XAU 5 + 6.61 → 12 %,
 * EURUSD 5 + max(1.84, 2.17) → 8 %.
 */
export const DEFAULT_MARKET_SCHEDULES: Readonly<Record<ScheduledMarketSymbol, MarketSchedule>> = {
  SPX: {
    sessions: US_EQUITY_SESSIONS,
    closures: [],
    closingWindowSeconds: DEFAULT_CLOSING_WINDOW_SECONDS,
    reopenDelaySeconds: DEFAULT_REOPEN_DELAY_SECONDS,
    closingMaintenanceMarginRatio: ratio(16n),
  },
  XAU: {
    sessions: COMEX_METALS_SESSIONS,
    closures: [],
    closingWindowSeconds: DEFAULT_CLOSING_WINDOW_SECONDS,
    reopenDelaySeconds: DEFAULT_REOPEN_DELAY_SECONDS,
    closingMaintenanceMarginRatio: ratio(12n),
  },
  EURUSD: {
    sessions: FX_SESSIONS,
    closures: [],
    closingWindowSeconds: DEFAULT_CLOSING_WINDOW_SECONDS,
    reopenDelaySeconds: DEFAULT_REOPEN_DELAY_SECONDS,
    closingMaintenanceMarginRatio: ratio(8n),
  },
};

/** The default schedule of a listed market symbol, or undefined for a market that never closes (ETH, BTC). */
export function defaultMarketSchedule(symbol: string): MarketSchedule | undefined {
  return (DEFAULT_MARKET_SCHEDULES as Readonly<Record<string, MarketSchedule>>)[symbol];
}
