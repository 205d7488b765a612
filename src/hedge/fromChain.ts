// From the chain's WAD bigints to the planner's numbers: markets as `HedgeMarket`, so `planHedge` plans against a
// live deployment with the same code that runs in the backtester.
import type { Market } from "../actions/read.js";
import type { OracleHealth } from "../oracle/index.js";
import { wadToNumber as num } from "../units.js";
import type { HedgeMarket } from "./types.js";

/** The symbol's asset: "ETH/USD" → "ETH", "EURUSD" stays. */
export function marketAsset(symbol: string): string {
  return symbol.split("/")[0] as string;
}

/**
 * Converts markets read by `getMarkets`/`getSnapshot` into the planner's `HedgeMarket`s. Oracle health from
 * `checkOracles` adds its warnings; a market whose price failed the vault's checks is marked `oracle.ok = false`
 * (the planner warns, the rule vetoes) and priced at 0, so it cannot be planned by accident.
 */
export function hedgeMarketsFromChain(markets: readonly Market[], health?: readonly OracleHealth[]): HedgeMarket[] {
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
      oracle: {
        ok,
        reason: m.oracleError?.errorName ?? (fails.length > 0 ? fails.join(", ") : undefined),
        warnings: h?.reasons.filter((r) => r.severity === "warn").map((r) => r.message) ?? [],
      },
    };
  });
}
