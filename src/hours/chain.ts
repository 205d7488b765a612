// The edge between the SDK's schedule (bigint times) and the adapter's `MarketHoursParams` as viem decodes and encodes
// it (uint16 and uint32 fields are JS numbers): read `marketHours(feed)` into a `MarketSchedule`, or build the owner's
// `setMarketHours` argument from one. The closing margin lives on the vault (`closingMarginRatio(marketId)`).
import type { MarketSchedule } from "./schedule.js";
import { validateSchedule } from "./schedule.js";

/** `IOracleAdapter.MarketHoursParams` as viem returns it and takes it. */
export type MarketHoursParams = {
  sessions: readonly { openMinute: number; closeMinute: number }[];
  closures: readonly { start: number; end: number }[];
  closingWindowSeconds: number;
  reopenDelaySeconds: number;
};

/** A schedule from the adapter's `marketHours(feed)` and the vault's `closingMarginRatio(marketId)` (WAD). */
export function marketScheduleFromChain(
  hours: MarketHoursParams,
  closingMaintenanceMarginRatio: bigint,
): MarketSchedule {
  return {
    sessions: hours.sessions.map((s) => ({ openMinute: s.openMinute, closeMinute: s.closeMinute })),
    closures: hours.closures.map((c) => ({ start: BigInt(c.start), end: BigInt(c.end) })),
    closingWindowSeconds: BigInt(hours.closingWindowSeconds),
    reopenDelaySeconds: BigInt(hours.reopenDelaySeconds),
    closingMaintenanceMarginRatio,
  };
}

/** The `setMarketHours(feed, params)` argument of a schedule (validated first; the closing margin is set apart). */
export function marketHoursParams(schedule: MarketSchedule): MarketHoursParams {
  validateSchedule(schedule);
  return {
    sessions: schedule.sessions.map((s) => ({ openMinute: s.openMinute, closeMinute: s.closeMinute })),
    closures: schedule.closures.map((c) => ({ start: Number(c.start), end: Number(c.end) })),
    closingWindowSeconds: Number(schedule.closingWindowSeconds),
    reopenDelaySeconds: Number(schedule.reopenDelaySeconds),
  };
}
