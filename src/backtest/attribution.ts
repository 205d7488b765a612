// Where a hedged book's P&L comes from. Each term is booked where the engine changes the book (a price step, a
// funding settlement, a fill, a gas payment, a liquidation), so the terms sum to the book's P&L by construction; the
// backtester, its report and the demo share these definitions.
import { exposureUnits, exposureValueUsd } from "../hedge/lp.js";
import type { Exposure } from "../hedge/types.js";

/** The terms of a P&L attribution, in display order (every one USD, positive: a gain of the book). */
export type PnlTerm =
  | "exposurePricePnl"
  | "impermanentLoss"
  | "lpFeesEarned"
  | "hedgePricePnl"
  | "basis"
  | "fundingCarry"
  | "tradingFees"
  | "fillSlippage"
  | "gas"
  | "liquidations";

/**
 * A book's P&L split by cause (USD; positive: gained). `total` is the sum of the terms, and equals the book's value at
 * the end minus its value before the hedge was opened.
 */
export type PnlAttribution = {
  /** Σ over steps of the exposures' delta at the step's start × the price change (first order). */
  exposurePricePnl: number;
  /**
   * The LP positions' curvature: Σ over steps of (value change − delta at the start × price change). Negative for a
   * pool position whatever the direction (it sells as the price rises, buys as it falls); 0 for spot.
   */
  impermanentLoss: number;
  /** Pool fees credited to the book as USD cash (the backtest's `lpFeeApr` on the position's value while in range). */
  lpFeesEarned: number;
  /**
   * The hedges' mark-to-market at the exposure asset's return: Σ size × market price at the step's start × the
   * exposure price's relative change (for a hedge in the asset's own market, Σ size × Δ market price).
   */
  hedgePricePnl: number;
  /**
   * What the hedge market's price did beyond the exposure's (a cross hedge, or a pool price apart from the oracle):
   * Σ size × Δ market price − the `hedgePricePnl` of the step. 0 when the hedge is in the asset's own market and the
   * exposure is priced at that market's price.
   */
  basis: number;
  /** −Σ funding paid by the hedges (received funding is a gain). */
  fundingCarry: number;
  /** −Σ maker/taker fees of the hedge trades. */
  tradingFees: number;
  /**
   * Σ size traded × (oracle price − fill price): the skew premium (negative when a trade adds to the skew, positive
   * when it takes skew away).
   */
  fillSlippage: number;
  /** −Σ gas of the rebalance and top-up transactions. */
  gas: number;
  /** Penalties of liquidations (and, net, any loss beyond the account's collateral that the book did not pay). */
  liquidations: number;
  /** Σ of the terms above. */
  total: number;
};

/** Cumulative attribution at each date of a run (every array as long as the run's dates). */
export type PnlAttributionSeries = { [K in PnlTerm | "total"]: number[] };

/** Each term's key, its heading and colour in tables and charts. */
export const PNL_TERMS: readonly { key: PnlTerm; heading: string; color: string }[] = [
  { key: "exposurePricePnl", heading: "Exposure price P&L", color: "#1f77b4" },
  { key: "impermanentLoss", heading: "Impermanent loss / gamma", color: "#aec7e8" },
  { key: "lpFeesEarned", heading: "LP fees earned", color: "#2ca02c" },
  { key: "hedgePricePnl", heading: "Hedge price P&L", color: "#ff7f0e" },
  { key: "basis", heading: "Basis", color: "#ffbb78" },
  { key: "fundingCarry", heading: "Funding carry", color: "#9467bd" },
  { key: "tradingFees", heading: "Trading fees", color: "#d62728" },
  { key: "fillSlippage", heading: "Fill slippage (skew premium)", color: "#ff9896" },
  { key: "gas", heading: "Gas", color: "#8c564b" },
  { key: "liquidations", heading: "Liquidations", color: "#7f7f7f" },
];

/** An attribution with every term 0. */
export function emptyAttribution(): PnlAttribution {
  return {
    exposurePricePnl: 0,
    impermanentLoss: 0,
    lpFeesEarned: 0,
    hedgePricePnl: 0,
    basis: 0,
    fundingCarry: 0,
    tradingFees: 0,
    fillSlippage: 0,
    gas: 0,
    liquidations: 0,
    total: 0,
  };
}

/**
 * Books the terms of one run step by step: `add` each change where it happens, `closeDay` at each mark, then read
 * `totals` and `series` (cumulative at each mark).
 */
export class PnlLedger {
  readonly #totals = emptyAttribution();
  readonly series: PnlAttributionSeries = Object.fromEntries(
    [...PNL_TERMS.map((t) => t.key), "total"].map((k) => [k, [] as number[]]),
  ) as PnlAttributionSeries;

  /** Adds `usd` to `term` (and to the total). */
  add(term: PnlTerm, usd: number): void {
    this.#totals[term] += usd;
    this.#totals.total += usd;
  }

  /** Records the cumulative terms as of now (one entry per date of the run). */
  closeDay(): void {
    for (const t of PNL_TERMS) this.series[t.key].push(this.#totals[t.key]);
    this.series.total.push(this.#totals.total);
  }

  /** The cumulative terms so far (a copy). */
  totals(): PnlAttribution {
    return { ...this.#totals };
  }
}

/**
 * One exposure's P&L over a price step, split into the first-order part (delta at the start × ΔP) and the curvature
 * (the rest of the value change: 0 for spot, the impermanent loss of a pool position).
 */
export function exposureStepPnl(
  exposure: Exposure,
  fromPriceUsd: number,
  toPriceUsd: number,
): { pricePnlUsd: number; impermanentLossUsd: number } {
  const pricePnlUsd = exposureUnits(exposure, fromPriceUsd) * (toPriceUsd - fromPriceUsd);
  if (exposure.kind === "asset") return { pricePnlUsd, impermanentLossUsd: 0 };
  const valueChangeUsd = exposureValueUsd(exposure, toPriceUsd) - exposureValueUsd(exposure, fromPriceUsd);
  return { pricePnlUsd, impermanentLossUsd: valueChangeUsd - pricePnlUsd };
}

/**
 * A hedge's mark-to-market over a step of its market's price, split into the part the exposure's own price explains
 * and the basis. `exposureReturn`: the exposure price's relative change over the same step (undefined: the hedge is
 * in the exposure's own market at the same price, so all of it is price P&L).
 */
export function hedgeStepPnl(
  sizeUnits: number,
  fromPriceUsd: number,
  toPriceUsd: number,
  exposureReturn?: number,
): { pricePnlUsd: number; basisUsd: number } {
  const markUsd = sizeUnits * (toPriceUsd - fromPriceUsd);
  if (exposureReturn === undefined) return { pricePnlUsd: markUsd, basisUsd: 0 };
  const pricePnlUsd = sizeUnits * fromPriceUsd * exposureReturn;
  return { pricePnlUsd, basisUsd: markUsd - pricePnlUsd };
}
