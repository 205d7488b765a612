// From the chain's WAD bigints to the planner's numbers: markets as `HedgeMarket`, so `planHedge` plans against a
// live deployment with the same code that runs in the backtester.
import type { Market } from "../actions/read.js";
import { DEFAULT_REOPEN_GAPS, type MarketSchedule } from "../hours/index.js";
import type { OracleHealth } from "../oracle/index.js";
import { wadToNumber as num } from "../units.js";
import type { HedgeMarket, HedgeMarketHours } from "./types.js";

/** The symbol's asset: "ETH/USD" → "ETH", "EURUSD" stays. */
export function marketAsset(symbol: string): string {
  return symbol.split("/")[0] as string;
}

/**
 * The planner's hours of a market from its on-chain schedule (`getMarketSchedules`): the closing margin the vault
 * holds (the market's MM when none is set) and the reopen gap to survive: the worst in data/tradfi for a shipped
 * symbol (`DEFAULT_REOPEN_GAPS`), else the cushion the closing margin carries over maintenance (the gap it was sized
 * for, `closingMarginFromGaps`). Undefined for a market that never closes.
 */
export function hedgeMarketHoursFromChain(
  market: Pick<Market, "symbol" | "params">,
  schedule: MarketSchedule | undefined,
): HedgeMarketHours | undefined {
  if (schedule === undefined) return undefined;
  const mm = market.params.maintenanceMarginRatioWad;
  // The vault holds 0 (none) or a ratio at or above the market's MM (AdminModule.setClosingMargin).
  const closingMm = schedule.closingMaintenanceMarginRatio === 0n ? mm : schedule.closingMaintenanceMarginRatio;
  const shipped = (DEFAULT_REOPEN_GAPS as Readonly<Record<string, { worstRatio: number }>>)[market.symbol];
  return {
    closingMaintenanceMarginRatio: num(closingMm),
    reopenGapRatio: shipped?.worstRatio ?? num(closingMm - mm),
  };
}

/**
 * Converts markets read by `getMarkets`/`getSnapshot` into the planner's `HedgeMarket`s. Oracle health from
 * `parapet.checkOracles()` adds its warnings; a market whose price failed the vault's checks is marked `oracle.ok = false`
 * (the planner warns, the rule vetoes) and priced at 0, so it cannot be planned by accident. `schedules` from
 * `getMarketSchedules` (same block) fills `hours`, so the planner sizes collateral for the closing margin; without
 * it `hours` stays unset (always open).
 */
export function hedgeMarketsFromChain(
  markets: readonly Market[],
  health?: readonly OracleHealth[],
  schedules?: ReadonlyMap<bigint, MarketSchedule | undefined>,
): HedgeMarket[] {
  return markets.map((m) => {
    const h = health?.find((x) => x.marketId === m.marketId);
    const priceUsd = m.priceWad !== undefined ? num(m.priceWad) : 0;
    const ok = m.oracleError === undefined && h?.verdict !== "fail" && h?.verdict !== "closed";
    const fails = h?.reasons.filter((r) => r.severity === "fail").map((r) => r.code) ?? [];
    return {
      asset: marketAsset(m.symbol),
      marketId: m.marketId,
      priceUsd,
      initialMarginRatio: num(m.params.initialMarginRatioWad),
      maintenanceMarginRatio: num(m.params.maintenanceMarginRatioWad),
      takerFeeRatio: num(m.params.takerFeeRatioWad),
      makerFeeRatio: num(m.params.makerFeeRatioWad),
      liquidationFeeUsd: num(m.params.liquidationFeeUsd),
      skewScaleUnits: num(m.params.skewScaleWad),
      skewUnits: num(m.skewWad),
      openInterestUsd: num(m.longSizeWad + m.shortSizeWad) * priceUsd,
      fundingRatePerDay: num(m.fundingRatePerDayWad ?? m.storedFundingRatePerDayWad),
      closed:
        m.closed === undefined
          ? undefined
          : {
              reason: m.closed.reason,
              reopensAt: m.closed.reason === "MARKET_CLOSED" ? Number(m.closed.reopensAt) : undefined,
            },
      hours: hedgeMarketHoursFromChain(m, schedules?.get(m.marketId)),
      oracle: {
        ok,
        reason: m.oracleError?.errorName ?? (fails.length > 0 ? fails.join(", ") : undefined),
        warnings: h?.reasons.filter((r) => r.severity === "warn").map((r) => r.message) ?? [],
      },
    };
  });
}
