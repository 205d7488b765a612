import type { HedgeMarket } from "../../../src/hedge/types.js";

/** The ETH market of the hedge tests' hand-worked examples: 2000 USD, imr 10 %, mmr 5 %, 5/2 bp fees, fee 5 USD. */
export const ETH_AT_2000: HedgeMarket = {
  asset: "ETH",
  marketId: 0n,
  priceUsd: 2000,
  initialMarginRatio: 0.1,
  maintenanceMarginRatio: 0.05,
  takerFeeRatio: 0.0005,
  makerFeeRatio: 0.0002,
  liquidationFeeUsd: 5,
  skewScaleUnits: 1_000_000,
  skewUnits: 0,
};
