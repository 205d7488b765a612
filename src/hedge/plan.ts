// planHedge: exposures → target perp positions, each with its ratio, collateral, liquidation price, carry and warnings.
// Pure: the same function runs in the SDK, the CLI and every step of the backtester.

import { DEFAULT_REOPEN_GAPS, defaultMarketSchedule } from "../hours/defaults.js";
import { DEFAULT_RISK_AVERSION, gammaBand } from "./band.js";
import { HedgeInputError } from "./errors.js";
import { liquidationPriceUsd as liquidationPriceWithFundingUsd } from "./liquidationPrice.js";
import { concentratedAmounts, exposureGamma, exposureUnits, exposureValueUsd } from "./lp.js";
import { minVarianceFit, stdDev } from "./ratio.js";
import type {
  Exposure,
  HedgeMarket,
  HedgeMarketData,
  HedgeMarketHours,
  HedgePlan,
  HedgePolicy,
  HedgeRatioMethod,
  HedgeTarget,
  HedgeTargetBasis,
  HedgeTargetRange,
  HedgeWarning,
} from "./types.js";

type ConcentratedLp = Extract<Exposure, { kind: "concentratedLp" }>;

export const DEFAULT_HEDGE_POLICY: HedgePolicy = {
  method: "one-to-one",
  crossMethod: "min-variance",
  hedgeWith: {},
  ratioBounds: [0.5, 1.0],
  lookbackDays: 90,
  minRSquared: 0.6,
  maxLeverage: 3,
  adverseMove: 0.3,
  fundingBufferDays: 30,
  reserveRatio: 0.25,
  isolatedAccounts: true,
  firstAccountIndex: 1n,
  maxShareOfOpenInterest: 0.25,
  maxCarryPerYear: 0.2,
  rangeEdgeWarning: 0.05,
  maxBasisBps: 50,
  gammaBand: { riskAversion: DEFAULT_RISK_AVERSION, horizonDays: 1 },
};

/** Fewest daily returns a min-variance or vol-scaled ratio is estimated from; fewer falls back to one-to-one. */
export const MIN_RATIO_OBSERVATIONS = 20;

export function resolveHedgePolicy(policy: Partial<HedgePolicy> = {}): HedgePolicy {
  const p: HedgePolicy = { ...DEFAULT_HEDGE_POLICY, ...policy };
  const [lo, hi] = p.ratioBounds;
  if (!(lo >= 0 && hi >= lo && Number.isFinite(hi)))
    throw new HedgeInputError({
      field: "ratioBounds",
      value: `[${lo}, ${hi}]`,
      fix: "pass [min, max] with 0 ≤ min ≤ max",
    });
  if (!(p.maxLeverage > 0))
    throw new HedgeInputError({ field: "maxLeverage", value: p.maxLeverage, fix: "pass a leverage > 0" });
  if (!(p.adverseMove >= 0 && p.adverseMove < 1))
    throw new HedgeInputError({ field: "adverseMove", value: p.adverseMove, fix: "pass a fraction in [0, 1)" });
  if (!(p.reserveRatio >= 0))
    throw new HedgeInputError({ field: "reserveRatio", value: p.reserveRatio, fix: "pass a fraction ≥ 0" });
  if (!(p.lookbackDays >= 2))
    throw new HedgeInputError({ field: "lookbackDays", value: p.lookbackDays, fix: "pass at least 2 days" });
  if (!(p.rangeEdgeWarning >= 0 && p.rangeEdgeWarning < 1))
    throw new HedgeInputError({
      field: "rangeEdgeWarning",
      value: p.rangeEdgeWarning,
      fix: "pass a fraction in [0, 1)",
    });
  if (!(p.maxBasisBps >= 0 && Number.isFinite(p.maxBasisBps)))
    throw new HedgeInputError({ field: "maxBasisBps", value: p.maxBasisBps, fix: "pass basis points ≥ 0" });
  const band = p.gammaBand;
  if (
    !(band.riskAversion > 0 && band.horizonDays > 0) ||
    (band.portfolioValueUsd !== undefined && !(band.portfolioValueUsd > 0))
  )
    throw new HedgeInputError({
      field: "gammaBand",
      value: JSON.stringify(band),
      fix: "pass riskAversion and horizonDays > 0 (and portfolioValueUsd > 0, or leave it out)",
    });
  if (p.stopLoss !== undefined) {
    const { distanceRatio, keeperFeeUsd = 0, expirySeconds = 30 * 86_400, slippageBps } = p.stopLoss;
    if (!(distanceRatio > 0 && distanceRatio < 1))
      throw new HedgeInputError({
        field: "stopLoss.distanceRatio",
        value: distanceRatio,
        fix: "pass a fraction in (0, 1), e.g. 0.2",
      });
    if (!(keeperFeeUsd >= 0 && Number.isFinite(keeperFeeUsd)))
      throw new HedgeInputError({ field: "stopLoss.keeperFeeUsd", value: keeperFeeUsd, fix: "pass a USD fee ≥ 0" });
    if (!(Number.isSafeInteger(expirySeconds) && expirySeconds > 0))
      throw new HedgeInputError({
        field: "stopLoss.expirySeconds",
        value: expirySeconds,
        fix: "pass a whole number of seconds > 0",
      });
    if (slippageBps !== undefined && !(Number.isSafeInteger(slippageBps) && slippageBps >= 0 && slippageBps <= 10_000))
      throw new HedgeInputError({
        field: "stopLoss.slippageBps",
        value: slippageBps,
        fix: "pass whole basis points in [0, 10000], or leave it out (any fill)",
      });
  }
  return p;
}

/**
 * Cost of trading `sizeDeltaUnits` in `market` from skew `skewBeforeUnits`: the fee (taker on the part that adds to
 * |skew|, maker on the part that reduces it) and the price impact Δ·price·(skewBefore + skewAfter) / 2 / skewScale
 * (negative: the trade earns the premium by reducing skew), in USD.
 */
export function tradeCostUsd(
  market: HedgeMarket,
  sizeDeltaUnits: number,
  skewBeforeUnits: number,
  priceUsd = market.priceUsd,
): { feeUsd: number; impactUsd: number } {
  const after = skewBeforeUnits + sizeDeltaUnits;
  // The part of the trade that moves skew towards zero (bounded by |skew before|) is maker flow.
  const reducing =
    Math.sign(sizeDeltaUnits) === -Math.sign(skewBeforeUnits)
      ? Math.min(Math.abs(sizeDeltaUnits), Math.abs(skewBeforeUnits))
      : 0;
  const increasing = Math.abs(sizeDeltaUnits) - reducing;
  const feeUsd = (reducing * market.makerFeeRatio + increasing * market.takerFeeRatio) * priceUsd;
  const impactUsd =
    market.skewScaleUnits > 0 ? (sizeDeltaUnits * priceUsd * (skewBeforeUnits + after)) / 2 / market.skewScaleUnits : 0;
  return { feeUsd, impactUsd };
}

/**
 * Price at which an isolated account holding one position of `sizeUnits` (entered at `entryPriceUsd`) with
 * `collateralUsd` meets maintenance margin: collateral + size·(P − entry) = |size|·P·mmr + fee. 0 when there is none.
 */
export function isolatedLiquidationPriceUsd(p: {
  sizeUnits: number;
  entryPriceUsd: number;
  collateralUsd: number;
  maintenanceMarginRatio: number;
  liquidationFeeUsd: number;
}): number {
  // One formula for the whole SDK (liquidationPrice.ts), with no funding owed or projected.
  return p.sizeUnits === 0 ? 0 : liquidationPriceWithFundingUsd(p);
}

/**
 * Margin ratio a hedge in a closing market must hold at the close: the closing margin, and at least what keeps
 * maintenance after the reopen gap g (equity − g·N ≥ mm·N·(1 + g), i.e. mm·(1 + g) + g).
 */
export function closeMaintenanceRatio(
  market: Pick<HedgeMarket, "maintenanceMarginRatio">,
  hours: HedgeMarketHours,
): number {
  const mm = market.maintenanceMarginRatio;
  const g = hours.reopenGapRatio;
  return Math.max(mm, hours.closingMaintenanceMarginRatio, mm * (1 + g) + g);
}

/**
 * The planner's view of a shipped market's hours: its default closing margin and its worst reopen gap in data/tradfi
 * (src/hours/defaults.ts). Undefined for a market that never closes (ETH, BTC) or is not one of the shipped ones.
 */
export function hedgeMarketHours(symbol: string): HedgeMarketHours | undefined {
  const schedule = defaultMarketSchedule(symbol);
  const gap = (DEFAULT_REOPEN_GAPS as Readonly<Record<string, { worstRatio: number }>>)[symbol];
  if (schedule === undefined || gap === undefined) return undefined;
  return {
    closingMaintenanceMarginRatio: Number(schedule.closingMaintenanceMarginRatio) / 1e18,
    reopenGapRatio: gap.worstRatio,
  };
}

type Ratio = {
  method: HedgeRatioMethod;
  rawRatio: number;
  rSquared?: number;
  warnings: HedgeWarning[];
  explanation: string;
};

function estimateRatio(
  method: HedgeRatioMethod,
  exposureAsset: string,
  marketAsset: string,
  data: HedgeMarketData,
  lookbackDays: number,
): Ratio {
  if (method === "one-to-one")
    return { method, rawRatio: 1, warnings: [], explanation: "one-to-one: hedge notional = exposure notional" };
  const y = data.returns?.[exposureAsset];
  const x = data.returns?.[marketAsset];
  const n = Math.min(lookbackDays, y?.length ?? 0, x?.length ?? 0);
  if (y === undefined || x === undefined || n < MIN_RATIO_OBSERVATIONS) {
    const warning: HedgeWarning = {
      code: "NOT_ENOUGH_HISTORY",
      message: `${method} ratio for ${exposureAsset} via ${marketAsset} needs ${MIN_RATIO_OBSERVATIONS} daily returns of both, has ${n}: used one-to-one`,
    };
    return { method: "one-to-one", rawRatio: 1, warnings: [warning], explanation: warning.message };
  }
  if (method === "vol-scaled") {
    const sy = stdDev(y, n) as number;
    const sx = stdDev(x, n) as number;
    const rawRatio = sx > 0 ? sy / sx : 1;
    return {
      method,
      rawRatio,
      warnings: [],
      explanation: `vol-scaled: σ(${exposureAsset}) ${(sy * 100).toFixed(2)} %/day / σ(${marketAsset}) ${(sx * 100).toFixed(2)} %/day over ${n} days = ${rawRatio.toFixed(4)}`,
    };
  }
  const fit = minVarianceFit(y, x, n);
  if (fit === undefined) {
    const warning: HedgeWarning = {
      code: "NOT_ENOUGH_HISTORY",
      message: `${marketAsset} returns are flat over ${n} days: no regression, used one-to-one`,
    };
    return { method: "one-to-one", rawRatio: 1, warnings: [warning], explanation: warning.message };
  }
  return {
    method,
    rawRatio: fit.beta,
    rSquared: fit.rSquared,
    warnings: [],
    explanation: `min-variance: β of ${exposureAsset} on ${marketAsset} over ${n} days = ${fit.beta.toFixed(4)} (R² ${fit.rSquared.toFixed(3)})`,
  };
}

/**
 * Turns exposures into target positions. Exposures in the same asset are netted into one hedge (spot + LP delta);
 * each hedge gets its own isolated account by default. For each: the ratio (method, bounds), the size, the
 * collateral that survives `adverseMove` plus `fundingBufferDays` of adverse funding at maintenance, the
 * liquidation price, the expected carry and the warnings. Assets without a market are reported in `unhedged`.
 */
export function planHedge(
  exposures: readonly Exposure[],
  data: HedgeMarketData,
  policyInput: Partial<HedgePolicy> = {},
): HedgePlan {
  const policy = resolveHedgePolicy(policyInput);
  const [lo, hi] = policy.ratioBounds;
  const marketsByAsset = new Map(data.markets.map((m) => [m.asset, m]));

  // Net exposures per asset, at the asset's price now (an LP's delta depends on it: every plan recomputes it). A pool
  // price, when given, is the price the positions hold their amounts at.
  const byAsset = new Map<string, number>();
  const exposuresByAsset = new Map<string, Exposure[]>();
  const exposurePrice = (asset: string) =>
    data.poolPricesUsd?.[asset] ?? data.pricesUsd[asset] ?? marketsByAsset.get(asset)?.priceUsd;
  let portfolioValueUsd = 0;
  for (const e of exposures) {
    const pool = data.poolPricesUsd?.[e.asset];
    if (pool !== undefined && !(pool > 0 && Number.isFinite(pool)))
      throw new HedgeInputError({
        field: `poolPricesUsd.${e.asset}`,
        value: pool,
        fix: `pass the pool's USD price of ${e.asset} (> 0), or leave it out`,
      });
    const price = exposurePrice(e.asset);
    if (!(price !== undefined && price > 0))
      throw new HedgeInputError({
        field: `pricesUsd.${e.asset}`,
        value: price,
        fix: `pass a USD price for ${e.asset}`,
      });
    byAsset.set(e.asset, (byAsset.get(e.asset) ?? 0) + exposureUnits(e, price));
    exposuresByAsset.set(e.asset, [...(exposuresByAsset.get(e.asset) ?? []), e]);
    portfolioValueUsd += Math.abs(exposureValueUsd(e, price));
  }

  const targets: HedgeTarget[] = [];
  const unhedged: HedgePlan["unhedged"] = [];
  const planWarnings: HedgeWarning[] = [];
  for (const [exposureAsset, units] of byAsset) {
    const marketAsset = policy.hedgeWith[exposureAsset] ?? exposureAsset;
    const market = marketsByAsset.get(marketAsset);
    if (market === undefined) {
      unhedged.push({
        exposureAsset,
        warning: {
          code: "NO_MARKET",
          message: `no ${marketAsset} market: ${exposureAsset} is unhedged (name a proxy with hedgeWith, e.g. { ${exposureAsset}: "SPX" })`,
        },
      });
      continue;
    }
    const assetExposures = exposuresByAsset.get(exposureAsset) ?? [];
    const concentrated = assetExposures.filter((e): e is ConcentratedLp => e.kind === "concentratedLp");
    // A concentrated position above its range holds no asset, but its hedge must still be closed: keep a 0 target.
    if (units === 0 && concentrated.length === 0) continue;
    const exposurePriceUsd = (exposurePrice(exposureAsset) ?? market.priceUsd) as number;
    const exposureUsd = units * exposurePriceUsd;
    const cross = marketAsset !== exposureAsset;
    const poolPriced = data.poolPricesUsd?.[exposureAsset] !== undefined;
    const ratio = estimateRatio(
      cross ? policy.crossMethod : policy.method,
      exposureAsset,
      marketAsset,
      data,
      policy.lookbackDays,
    );
    const warnings = [...ratio.warnings];
    const explanation = [ratio.explanation];
    let r = Math.min(hi, Math.max(lo, ratio.rawRatio));
    if (!Number.isFinite(r)) r = 1;
    if (Math.abs(r - ratio.rawRatio) > 1e-12) {
      warnings.push({
        code: "RATIO_CLAMPED",
        message: `ratio ${ratio.rawRatio.toFixed(4)} clamped to ${r.toFixed(4)} by the bounds [${lo}, ${hi}]`,
      });
    }
    if (ratio.rSquared !== undefined && ratio.rSquared < policy.minRSquared) {
      warnings.push({
        code: "LOW_R_SQUARED",
        message: `R² ${ratio.rSquared.toFixed(4)} of ${exposureAsset} on ${marketAsset} is below ${policy.minRSquared}: the hedge removes little of the risk`,
      });
    }

    // No guarded price (the oracle fails its checks): size an own-market hedge at the exposure's price so the plan
    // still shows it, flagged ORACLE_INVALID below (nothing may trade on it); a cross hedge cannot be sized.
    const price = market.priceUsd > 0 ? market.priceUsd : cross ? 0 : exposurePriceUsd;
    if (!(price > 0)) {
      unhedged.push({
        exposureAsset,
        warning: {
          code: "ORACLE_INVALID",
          message: `${marketAsset} has no valid price: ${exposureAsset} cannot be sized`,
        },
      });
      continue;
    }
    // Hedge units per exposure unit. A pool-priced asset in its own market is hedged unit for unit: both legs hold
    // the same asset, only their prices differ (the basis). Otherwise notional for notional.
    const unitsMatched = poolPriced && !cross;
    const hedgePerExposureUnit = -r * (unitsMatched ? 1 : exposurePriceUsd / price);
    const sizeUnits = units === 0 ? 0 : hedgePerExposureUnit * units;
    const notionalUsd = Math.abs(sizeUnits) * price;
    const side = Math.sign(sizeUnits);
    explanation.push(
      sizeUnits === 0
        ? `no hedge: the ${exposureAsset} exposures hold no ${exposureAsset} at ${exposurePriceUsd} USD`
        : unitsMatched
          ? `${side < 0 ? "short" : "long"} ${Math.abs(sizeUnits).toPrecision(6)} ${marketAsset} = ${r.toFixed(4)} × ${Math.abs(units).toPrecision(6)} ${exposureAsset} held at the pool price ${exposurePriceUsd} USD, valued at the oracle price ${price} USD (${notionalUsd.toFixed(2)} USD)`
          : `${side < 0 ? "short" : "long"} ${Math.abs(sizeUnits).toPrecision(6)} ${marketAsset} = ${r.toFixed(4)} × ${Math.abs(exposureUsd).toFixed(2)} USD of ${exposureAsset} at ${price} USD`,
    );

    // Collateral: survive the adverse move (price against the hedge by `adverseMove`) plus the funding buffer, at
    // maintenance margin of the moved price; never below the initial margin of the leverage cap; plus the open cost.
    const skew = market.skewUnits ?? 0;
    const open = tradeCostUsd(market, sizeUnits, skew);
    const openCostUsd = open.feeUsd + open.impactUsd;
    const forecast = market.fundingForecastPerYear ?? {
      mean: (market.fundingRatePerDay ?? 0) * 365,
      lower: (market.fundingRatePerDay ?? 0) * 365,
      upper: (market.fundingRatePerDay ?? 0) * 365,
    };
    // A position pays side · rate · notional: the adverse end of the band is `upper` for a long, `lower` for a short.
    const adverseRatePerYear = side > 0 ? forecast.upper : -forecast.lower;
    const fundingBufferUsd = Math.max(0, adverseRatePerYear) * notionalUsd * (policy.fundingBufferDays / 365);
    const movedNotional = notionalUsd * (1 + policy.adverseMove * (side < 0 ? 1 : -1));
    const bufferAt = (marginRatio: number) =>
      notionalUsd * policy.adverseMove + movedNotional * marginRatio + market.liquidationFeeUsd + fundingBufferUsd;
    // A market that closes: after the adverse move the account must still hold the closing margin (in force from the
    // closing window, so a top-up must not be needed then) and survive the reopen gap at maintenance.
    const closeMarginRatio =
      market.hours === undefined ? market.maintenanceMarginRatio : closeMaintenanceRatio(market, market.hours);
    const bufferCollateral = bufferAt(closeMarginRatio);
    const maxLeverage = Math.min(policy.maxLeverage, 1 / market.initialMarginRatio);
    if (policy.maxLeverage > 1 / market.initialMarginRatio) {
      warnings.push({
        code: "LEVERAGE_CAPPED",
        message: `policy leverage ${policy.maxLeverage} exceeds the ${marketAsset} market's ${(1 / market.initialMarginRatio).toFixed(2)}: used the market's`,
      });
    }
    const imCollateral = notionalUsd / maxLeverage;
    // No position, no margin (the buffer's flat liquidation fee is per position).
    const collateralUsd = sizeUnits === 0 ? 0 : Math.max(bufferCollateral, imCollateral) + Math.max(0, openCostUsd);
    const closingMarginExtraUsd =
      sizeUnits === 0
        ? 0
        : collateralUsd - (Math.max(bufferAt(market.maintenanceMarginRatio), imCollateral) + Math.max(0, openCostUsd));
    explanation.push(
      bufferCollateral >= imCollateral
        ? `collateral ${collateralUsd.toFixed(2)} USD: a ${(policy.adverseMove * 100).toFixed(0)} % adverse move (${(notionalUsd * policy.adverseMove).toFixed(2)}) + ${market.hours === undefined ? "maintenance" : "the closing margin"} at the moved price + ${policy.fundingBufferDays} days of adverse funding (${fundingBufferUsd.toFixed(2)}) + open cost`
        : `collateral ${collateralUsd.toFixed(2)} USD: initial margin at the ${maxLeverage}× leverage cap + open cost`,
    );
    if (market.hours !== undefined)
      explanation.push(
        `${marketAsset} closes (nights, weekends, holidays): nothing can trade or be topped up while closed and the reopen can gap, so after the adverse move the account holds ${(closeMarginRatio * 100).toFixed(2)} % of the moved notional, the larger of the closing margin ${(market.hours.closingMaintenanceMarginRatio * 100).toFixed(2)} % in force over the close and maintenance after a ${(market.hours.reopenGapRatio * 100).toFixed(2)} % reopen gap: ${closingMarginExtraUsd.toFixed(2)} USD more than an always-open market`,
      );
    const liquidationPriceUsd = isolatedLiquidationPriceUsd({
      sizeUnits,
      entryPriceUsd: price,
      collateralUsd: collateralUsd - Math.max(0, openCostUsd),
      maintenanceMarginRatio: market.maintenanceMarginRatio,
      liquidationFeeUsd: market.liquidationFeeUsd,
    });
    let stopLoss: HedgeTarget["stopLoss"];
    if (policy.stopLoss !== undefined && side !== 0) {
      // Against the hedge: a short loses when the price rises, so its stop is above the price; a long's below.
      const triggerAbove = side < 0;
      const triggerPriceUsd = price * (1 + (triggerAbove ? 1 : -1) * policy.stopLoss.distanceRatio);
      stopLoss = {
        triggerPriceUsd,
        triggerAbove,
        keeperFeeUsd: policy.stopLoss.keeperFeeUsd ?? 0,
        expirySeconds: policy.stopLoss.expirySeconds ?? 30 * 86_400,
        slippageBps: policy.stopLoss.slippageBps,
      };
      explanation.push(
        `stop-loss at ${triggerPriceUsd.toPrecision(6)} USD (${(policy.stopLoss.distanceRatio * 100).toFixed(1)} % against the hedge): closes the whole leg, reduce-only`,
      );
      const beyond =
        liquidationPriceUsd > 0 &&
        (triggerAbove ? triggerPriceUsd >= liquidationPriceUsd : triggerPriceUsd <= liquidationPriceUsd);
      if (beyond) {
        warnings.push({
          code: "STOP_BEYOND_LIQUIDATION",
          message: `the stop at ${triggerPriceUsd.toPrecision(6)} USD is past the liquidation price ${liquidationPriceUsd.toPrecision(6)} USD: the account would be liquidated first (tighten stopLoss.distanceRatio or add collateral)`,
        });
      }
    }
    const carry = (rate: number) => side * rate * notionalUsd;
    const band = [carry(forecast.lower), carry(forecast.upper)].sort((a, b) => a - b) as [number, number];
    const expectedCarryPerYearUsd = carry(forecast.mean);
    if (market.fundingSpike)
      warnings.push({
        code: "FUNDING_SPIKE",
        message: `${marketAsset} funding is spiking: carry may be far above its forecast`,
      });
    if (notionalUsd > 0 && expectedCarryPerYearUsd / notionalUsd > policy.maxCarryPerYear) {
      warnings.push({
        code: "HIGH_CARRY",
        message: `expected carry ${((expectedCarryPerYearUsd / notionalUsd) * 100).toFixed(1)} %/year of notional exceeds ${(policy.maxCarryPerYear * 100).toFixed(0)} %`,
      });
    }
    if (market.openInterestUsd !== undefined && notionalUsd > policy.maxShareOfOpenInterest * market.openInterestUsd) {
      warnings.push({
        code: "THIN_OPEN_INTEREST",
        message: `hedge ${notionalUsd.toFixed(0)} USD is over ${(policy.maxShareOfOpenInterest * 100).toFixed(0)} % of ${marketAsset}'s open interest ${market.openInterestUsd.toFixed(0)} USD: expect price impact and funding that moves against it`,
      });
    }
    if (market.oracle !== undefined && !market.oracle.ok) {
      warnings.push({
        code: "ORACLE_INVALID",
        message: `${marketAsset} oracle fails its checks (${market.oracle.reason ?? "invalid"}): nothing can trade until it recovers`,
      });
    }
    for (const w of market.oracle?.warnings ?? [])
      warnings.push({ code: "ORACLE_WARNING", message: `${marketAsset}: ${w}` });

    const ranges = concentrated.map((position) =>
      targetRange(position, assetExposures, exposurePriceUsd, hedgePerExposureUnit),
    );
    for (const [i, range] of ranges.entries())
      warnings.push(...rangeWarnings(range, concentrated[i] as ConcentratedLp, exposurePriceUsd, policy));

    const gammaUnitsPerUsd = assetExposures.reduce((g, e) => g + exposureGamma(e, exposurePriceUsd), 0);
    let gammaBandOfTarget: HedgeTarget["gammaBand"];
    if (gammaUnitsPerUsd !== 0) {
      const history = data.returns?.[exposureAsset];
      const vol =
        data.dailyVolatility?.[exposureAsset] ??
        (history !== undefined ? stdDev(history, policy.lookbackDays) : undefined);
      if (vol !== undefined && vol > 0) {
        const gasUsd = data.rebalanceGasUsd ?? 0;
        gammaBandOfTarget = gammaBand({
          gammaUnitsPerUsd,
          ratio: r * (unitsMatched ? price / exposurePriceUsd : 1),
          exposurePriceUsd,
          marketPriceUsd: price,
          hedgeUnits: sizeUnits,
          dailyVolatility: vol,
          riskAversion: policy.gammaBand.riskAversion,
          horizonDays: policy.gammaBand.horizonDays,
          portfolioValueUsd: policy.gammaBand.portfolioValueUsd ?? portfolioValueUsd,
          costPerUsd: market.takerFeeRatio,
          gasUsd,
        });
        explanation.push(
          `gamma ${gammaUnitsPerUsd.toPrecision(4)} ${exposureAsset}/USD at σ ${(vol * 100).toFixed(2)} %/day: the hedge drifts ≈ ${gammaBandOfTarget.expectedDriftUnits.toPrecision(4)} ${marketAsset} per ${policy.gammaBand.horizonDays} d; rebalance past ${gammaBandOfTarget.bandUnits.toPrecision(4)} ${marketAsset} (${(gammaBandOfTarget.bandFraction * 100).toFixed(2)} % of the hedge, ${gammaBandOfTarget.breakEvenDriftUsd.toFixed(2)} USD: the gas-aware break-even${data.rebalanceGasUsd === undefined ? ", fees only: no gas given" : ` with ${gasUsd.toFixed(2)} USD gas`}), expected every ${gammaBandOfTarget.expectedDaysToBand.toPrecision(3)} d`,
        );
      } else
        explanation.push(
          `gamma ${gammaUnitsPerUsd.toPrecision(4)} ${exposureAsset}/USD: no band without the volatility of ${exposureAsset} (pass returns or dailyVolatility)`,
        );
    }

    let basis: HedgeTargetBasis | undefined;
    const poolPriceUsd = data.poolPricesUsd?.[exposureAsset];
    if (poolPriceUsd !== undefined && !cross && market.priceUsd > 0) {
      const basisUsd = poolPriceUsd - market.priceUsd;
      basis = {
        poolPriceUsd,
        oraclePriceUsd: market.priceUsd,
        basisUsd,
        basisBps: (poolPriceUsd / market.priceUsd - 1) * 10_000,
        exposureBasisUsd: units * basisUsd,
      };
      explanation.push(
        `basis: the exposure is valued at the pool price ${poolPriceUsd} USD (what the position holds), the hedge at the oracle price ${market.priceUsd} USD: ${basis.basisBps.toFixed(1)} bps, ${basis.exposureBasisUsd.toFixed(2)} USD on the exposure if the pool converges`,
      );
      if (Math.abs(basis.basisBps) > policy.maxBasisBps)
        warnings.push({
          code: "POOL_BASIS",
          message: `the ${exposureAsset} pool price ${poolPriceUsd} USD is ${basis.basisBps.toFixed(1)} bps from the oracle's ${market.priceUsd} USD (> ${policy.maxBasisBps}): the hedge pays on the oracle, the position on the pool, so ${basis.exposureBasisUsd.toFixed(2)} USD is unhedged until they converge (stale feed, or a pool pushed off the market?)`,
        });
    }

    targets.push({
      exposureAsset,
      marketAsset,
      marketId: market.marketId,
      accountIndex: policy.firstAccountIndex + (policy.isolatedAccounts ? BigInt(targets.length) : 0n),
      method: ratio.method,
      ratio: r,
      rawRatio: ratio.rawRatio,
      rSquared: ratio.rSquared,
      exposureUnits: units,
      exposureUsd,
      sizeUnits,
      notionalUsd,
      collateralUsd,
      leverage: collateralUsd > 0 ? notionalUsd / collateralUsd : 0,
      priceUsd: price,
      liquidationPriceUsd,
      liquidationDistance: liquidationPriceUsd > 0 ? Math.abs(liquidationPriceUsd - price) / price : 1,
      expectedCarryPerYearUsd,
      carryPerYearBandUsd: band,
      openCostUsd,
      closingMarginExtraUsd,
      ...(stopLoss ? { stopLoss } : {}),
      ...(ranges.length > 0 ? { ranges } : {}),
      ...(gammaBandOfTarget ? { gammaBand: gammaBandOfTarget } : {}),
      ...(basis ? { basis } : {}),
      warnings,
      explanation,
    });
  }
  const totalNotionalUsd = targets.reduce((s, t) => s + t.notionalUsd, 0);
  const reserveUsd = policy.reserveRatio * totalNotionalUsd;
  for (const u of unhedged) planWarnings.push({ ...u.warning, asset: u.exposureAsset });
  for (const t of targets) for (const w of t.warnings) planWarnings.push({ ...w, asset: t.exposureAsset });
  return {
    targets,
    reserveUsd,
    totalCapitalUsd: targets.reduce((s, t) => s + t.collateralUsd, 0) + reserveUsd,
    totalNotionalUsd,
    expectedCarryPerYearUsd: targets.reduce((s, t) => s + t.expectedCarryPerYearUsd, 0),
    unhedged,
    warnings: planWarnings,
    policy,
  };
}

/** The target's view of one concentrated position's range at `priceUsd` (see `HedgeTargetRange`). */
function targetRange(
  position: ConcentratedLp,
  assetExposures: readonly Exposure[],
  priceUsd: number,
  hedgePerExposureUnit: number,
): HedgeTargetRange {
  const { lowerPriceUsd: lower, upperPriceUsd: upper } = position;
  const fees = position.feesAssetUnits ?? 0;
  // Every exposure of the asset at the edge price: the netted hedge the target would then want.
  const hedgeAt = (edge: number) =>
    hedgePerExposureUnit * assetExposures.reduce((u, e) => u + exposureUnits(e, edge), 0);
  return {
    ...(position.label !== undefined ? { label: position.label } : {}),
    lowerPriceUsd: lower,
    upperPriceUsd: upper,
    status: priceUsd < lower ? "below" : priceUsd >= upper ? "above" : "in",
    distanceToLower: (priceUsd - lower) / priceUsd,
    distanceToUpper: (upper - priceUsd) / priceUsd,
    assetUnitsAtLower: concentratedAmounts(position, lower).assetUnits + fees,
    assetUnitsAtUpper: concentratedAmounts(position, upper).assetUnits + fees,
    hedgeUnitsAtLower: hedgeAt(lower),
    hedgeUnitsAtUpper: hedgeAt(upper),
    gammaUnitsPerUsd: exposureGamma(position, priceUsd),
  };
}

/** OUT_OF_RANGE past an edge (the delta is constant there), NEAR_RANGE_EDGE within `rangeEdgeWarning` of one. */
function rangeWarnings(
  range: HedgeTargetRange,
  position: ConcentratedLp,
  priceUsd: number,
  policy: HedgePolicy,
): HedgeWarning[] {
  const name = `${position.asset} range [${range.lowerPriceUsd}, ${range.upperPriceUsd})${position.label ? ` (${position.label})` : ""}`;
  if (range.status === "below")
    return [
      {
        code: "OUT_OF_RANGE",
        message: `${position.asset} at ${priceUsd} USD is below the ${name}: the position is all ${position.asset} (${range.assetUnitsAtLower.toPrecision(6)}), earns no fees, and its delta stays constant until the price is back above ${range.lowerPriceUsd}`,
      },
    ];
  if (range.status === "above")
    return [
      {
        code: "OUT_OF_RANGE",
        message: `${position.asset} at ${priceUsd} USD is above the ${name}: the position is all USD (nothing to hedge), earns no fees, until the price is back below ${range.upperPriceUsd}`,
      },
    ];
  const toLower = range.distanceToLower <= range.distanceToUpper;
  const distance = toLower ? range.distanceToLower : range.distanceToUpper;
  if (distance >= policy.rangeEdgeWarning) return [];
  const edge = toLower ? range.lowerPriceUsd : range.upperPriceUsd;
  const bound = toLower ? range.hedgeUnitsAtLower : range.hedgeUnitsAtUpper;
  return [
    {
      code: "NEAR_RANGE_EDGE",
      message: `${position.asset} at ${priceUsd} USD is ${(distance * 100).toFixed(2)} % from the ${toLower ? "lower" : "upper"} edge ${edge} of the ${name} (< ${(policy.rangeEdgeWarning * 100).toFixed(1)} %): a move that far takes the hedge to its one-asset bound ${bound.toPrecision(6)}, past which it no longer changes`,
    },
  ];
}
