// The demo's summary: per hedge and in total, hedge effectiveness, carry, fees, gas, rebalances, liquidations and
// oracle vetoes, computed from what the run read on chain (daily account reads, receipts, events). No price is
// re-simulated here: P&L is the change of on-chain equity, carry and fees are the vault's Traded events, the Uniswap
// position's amounts and fees are the pool's.
import type { Address, Hex } from "viem";
import { type PnlAttribution, type PnlAttributionSeries, PnlLedger } from "../../src/backtest/attribution.js";
import { type Exposure, type HedgePlan, type RebalanceReasonCode, stdDev } from "../../src/index.js";

/** The hedger's Uniswap v3 position on one day, as read from chain (whole tokens; prices USD per ETH). */
export type DemoPoolDay = {
  /** The pool's price (after the day's arbitrage). */
  priceUsd: number;
  inRange: boolean;
  /** What removing all the liquidity would pay now. */
  ethUnits: number;
  usdUnits: number;
  /** What `collect` would pay on top: the fees earned so far. */
  feesEthUnits: number;
  feesUsdUnits: number;
};

/** What the run read at the end of one day (after the feeds, the rebalancer and the keeper). */
export type DemoDay = {
  day: number;
  date: string;
  /** Hedger's USDC outside the vault (its reserve). */
  walletUsd: number;
  /** Each feed's latest answer (USD); a stale feed keeps the previous day's. */
  feedPricesUsd: Record<string, number>;
  /** The hedger's Uniswap position (the ETH exposure). */
  pool: DemoPoolDay;
  /** Each exposure's value at the day's feed price (the ETH one: the position's amounts and fees). */
  exposureValuesUsd: Record<string, number>;
  /** Per hedge (plan order): equity and maintenance margin (NaN when the vault cannot price the account), size, funding
   * owed since the position's last settlement. */
  accounts: { equityUsd: number; maintenanceMarginUsd: number; sizeUnits: number; pendingFundingUsd: number }[];
  /** Reckless trader's equity / maintenance margin (≤ 1: liquidatable; 0 once closed). */
  recklessMarginRatio: number;
  rebalance: { hash: Hex; gasUsed: bigint; hedges: { symbol: string; reasons: RebalanceReasonCode[] }[] } | undefined;
  oracleVetoes: { symbol: string; message: string }[];
  liquidations: {
    owner: Address;
    accountIndex: bigint;
    who: string;
    closedFraction: number;
    keeperRewardUsd: number;
    hash: Hex;
  }[];
  /** Stop-losses the keeper executed this day (TriggerOrders' `TriggerExecuted` events). */
  stops: {
    owner: Address;
    accountIndex: bigint;
    who: string;
    orderId: bigint;
    sizeDeltaUnits: number;
    fillPriceUsd: number;
    keeperFeeUsd: number;
    hash: Hex;
  }[];
  /** Did the hedger send a transaction this day? */
  hedgerSent: boolean;
  staleSymbol: string | undefined;
};

export type DemoHedgeSummary = {
  symbol: string;
  marketId: bigint;
  accountIndex: bigint;
  exposureLabel: string;
  exposureUsdStart: number;
  hedgeSizeUnitsStart: number;
  hedgeSizeUnitsEnd: number;
  /**
   * 1 − Var(hedged daily P&L) / Var(unhedged daily P&L). Unhedged: change of the exposure's value at the feed price;
   * hedged: that plus the change of the hedge account's on-chain equity minus the day's deposits into it. A day the
   * vault cannot price the account (stale feed) is merged into the next day.
   */
  varianceReduction: number;
  /** −(hedge account P&L) / (exposure P&L) over the whole window (1: fully offset). */
  offsetRatio: number;
  /** Daily P&L observations behind the variance reduction. */
  observations: number;
  /** Funding the hedge paid (USD; negative: received): Traded events' fundingPaidUsd plus what the open position owes. */
  carryUsd: number;
  /** Vault fees paid (Traded events' feeUsd), opening included. */
  feesUsd: number;
  /** Top-ups the router deposited after opening (USD). */
  toppedUpUsd: number;
  /** Rebalances after the opening that touched this hedge, and their reasons. */
  rebalances: number;
  reasons: Partial<Record<RebalanceReasonCode, number>>;
  oracleVetoes: number;
  /** Lowest equity / maintenance margin of the account over the window. */
  minMarginRatio: number;
};

export type DemoSummary = {
  from: string;
  to: string;
  days: number;
  hedges: DemoHedgeSummary[];
  total: {
    varianceReduction: number;
    offsetRatio: number;
    observations: number;
    /** Book value change: exposures only, and exposures + hedge accounts + the hedger's USDC. */
    unhedgedPnlUsd: number;
    hedgedPnlUsd: number;
    carryUsd: number;
    feesUsd: number;
  };
  /**
   * The hedged book's P&L split by cause (gas and liquidations 0: the book excludes gas, the hedger is never
   * liquidated); `total` equals `total.hedgedPnlUsd`.
   */
  attribution: PnlAttribution;
  /** The Uniswap position over the window: fees earned (USD at the last feed price), days out of range. */
  pool: { feesUsd: number; daysOutOfRange: number; firstOutOfRange: string | undefined };
  /** Hedger's gas (setup, opening, rebalances): Σ receipts' gasUsed, priced at `gasPriceGwei` and each day's ETH feed price. */
  gas: { gasUsed: bigint; transactions: number; gasPriceGwei: number; usd: number };
  /** Keeper's gas (funding accruals, stop-losses, liquidations), same pricing. */
  keeperGas: { gasUsed: bigint; transactions: number; usd: number };
  rebalances: {
    count: number;
    reasons: Partial<Record<RebalanceReasonCode, number>>;
    days: number[];
    /** Each rebalance transaction: which hedges acted and why. */
    events: (NonNullable<DemoDay["rebalance"]> & { day: number; date: string })[];
  };
  liquidations: {
    count: number;
    rewardUsd: number;
    events: (DemoDay["liquidations"][number] & { day: number; date: string })[];
  };
  stops: {
    count: number;
    keeperFeesUsd: number;
    events: (DemoDay["stops"][number] & { day: number; date: string })[];
  };
  oracleVetoes: { day: number; date: string; symbol: string; message: string; hedgerSent: boolean }[];
  /** The tradfi markets' hours on chain: days closed per market and each reopen's gap from the last close before. */
  marketHours: DemoMarketHours;
  staleFeed: { day: number; symbol: string } | null;
  proxies: { symbol: string; proxy: string }[];
  plan: { totalCapitalUsd: number; totalNotionalUsd: number; reserveUsd: number; warnings: string[] };
  series: {
    dates: string[];
    unhedgedValueUsd: number[];
    hedgedValueUsd: number[];
    /** Cumulative carry per hedge (plan order) and in total. */
    carryUsd: number[][];
    totalCarryUsd: number[];
    /** Equity / maintenance margin per hedge (plan order). */
    marginRatio: number[][];
    recklessMarginRatio: number[];
    /** Feed price / day-0 price, per market (plan order). */
    priceIndex: number[][];
    /** Cumulative attribution at each day. */
    attribution: PnlAttributionSeries;
  };
  elapsedMs: number;
  reportPath?: string | undefined;
};

export type DemoMarketHours = {
  closedDays: Record<string, number>;
  reopens: { day: number; date: string; symbol: string; gapRatio: number }[];
};

export type SummariseDemoParameters = {
  marketHours: DemoMarketHours;
  from: string;
  to: string;
  exposures: readonly Exposure[];
  plan: HedgePlan;
  targets: readonly { symbol: string; marketId: bigint; accountIndex: bigint }[];
  days: readonly DemoDay[];
  trades: readonly {
    day: number;
    accountIndex: bigint;
    feeUsd: number;
    fundingPaidUsd: number;
    sizeDeltaUnits: number;
    fillPriceUsd: number;
  }[];
  deposits: readonly { day: number; accountIndex: bigint; depositedUsd: number }[];
  transactions: readonly { day: number; role: string; gasUsed: bigint }[];
  hedger: Address;
  gasPriceGwei: number;
  /** ETH feed price per day (USD), to price gas. */
  ethPricesUsd: readonly number[];
  staleFeed: { day: number; symbol: string } | null;
  proxies: { symbol: string; proxy: string }[];
  elapsedMs: number;
};

/**
 * Daily P&L pairs (unhedged, hedged) between consecutive valid days; `adjust(prev, t)` is subtracted from the hedged
 * change (deposits moved in from outside the measured value).
 */
function pnlPairs(
  unhedged: readonly number[],
  hedged: readonly number[],
  adjust: (prev: number, t: number) => number,
): { u: number[]; h: number[] } {
  const u: number[] = [];
  const h: number[] = [];
  let prev = -1;
  for (let t = 0; t < hedged.length; t++) {
    if (!Number.isFinite(hedged[t]) || !Number.isFinite(unhedged[t])) continue;
    if (prev >= 0) {
      u.push((unhedged[t] as number) - (unhedged[prev] as number));
      h.push((hedged[t] as number) - (hedged[prev] as number) - adjust(prev, t));
    }
    prev = t;
  }
  return { u, h };
}

function varianceReduction(u: readonly number[], h: readonly number[]): number {
  const su = stdDev(u);
  const sh = stdDev(h);
  return su === undefined || sh === undefined || su === 0 ? Number.NaN : 1 - (sh * sh) / (su * su);
}

const lastFinite = (xs: readonly number[]) => [...xs].reverse().find((x) => Number.isFinite(x)) ?? Number.NaN;

export function summariseDemo(p: SummariseDemoParameters): DemoSummary {
  const { days, targets } = p;
  const dates = days.map((d) => d.date);
  const exposureFor = (symbol: string) => {
    const e = p.exposures.find((x) => x.asset === symbol);
    if (!e) throw new Error(`no exposure for ${symbol}`);
    return e;
  };
  const exposureSeries = targets.map((t) => days.map((d) => d.exposureValuesUsd[t.symbol] ?? Number.NaN));
  const depositsBetween = (accountIndex: bigint | undefined, prev: number, t: number) =>
    p.deposits
      .filter((x) => x.day > prev && x.day <= t && (accountIndex === undefined || x.accountIndex === accountIndex))
      .reduce((s, x) => s + x.depositedUsd, 0);
  const cumulativeCarry = targets.map((t, k) =>
    days.map((d) => {
      const realised = p.trades
        .filter((x) => x.accountIndex === t.accountIndex && x.day <= d.day)
        .reduce((s, x) => s + x.fundingPaidUsd, 0);
      return realised + (d.accounts[k]?.pendingFundingUsd ?? Number.NaN);
    }),
  );

  const hedges: DemoHedgeSummary[] = targets.map((t, k) => {
    const unhedged = exposureSeries[k] as number[];
    const equity = days.map((d) => d.accounts[k]?.equityUsd ?? Number.NaN);
    const hedged = unhedged.map((v, i) => v + (equity[i] as number));
    const { u, h } = pnlPairs(unhedged, hedged, (prev, i) => depositsBetween(t.accountIndex, prev, i));
    const lastValid = hedged.map((v, i) => (Number.isFinite(v) ? i : -1)).reduce((a, b) => Math.max(a, b), 0);
    const exposurePnl = (unhedged[lastValid] as number) - (unhedged[0] as number);
    const hedgePnl =
      (equity[lastValid] as number) - (equity[0] as number) - depositsBetween(t.accountIndex, 0, lastValid);
    const reasons: Partial<Record<RebalanceReasonCode, number>> = {};
    let rebalances = 0;
    for (const d of days) {
      const hit = d.rebalance?.hedges.find((x) => x.symbol === t.symbol);
      if (!hit) continue;
      rebalances++;
      for (const r of hit.reasons) reasons[r] = (reasons[r] ?? 0) + 1;
    }
    const margin = days.map(
      (d) => (d.accounts[k]?.equityUsd ?? Number.NaN) / (d.accounts[k]?.maintenanceMarginUsd ?? Number.NaN),
    );
    const target = p.plan.targets.find((x) => x.accountIndex === t.accountIndex);
    return {
      symbol: t.symbol,
      marketId: t.marketId,
      accountIndex: t.accountIndex,
      exposureLabel: exposureFor(t.symbol).label ?? t.symbol,
      exposureUsdStart: unhedged[0] as number,
      hedgeSizeUnitsStart: target?.sizeUnits ?? Number.NaN,
      hedgeSizeUnitsEnd: lastFinite(days.map((d) => d.accounts[k]?.sizeUnits ?? Number.NaN)),
      varianceReduction: varianceReduction(u, h),
      offsetRatio: exposurePnl === 0 ? Number.NaN : -hedgePnl / exposurePnl,
      observations: u.length,
      carryUsd: lastFinite(cumulativeCarry[k] as number[]),
      feesUsd: p.trades.filter((x) => x.accountIndex === t.accountIndex).reduce((s, x) => s + x.feeUsd, 0),
      toppedUpUsd: p.deposits
        .filter((x) => x.accountIndex === t.accountIndex && x.day > 0)
        .reduce((s, x) => s + x.depositedUsd, 0),
      rebalances,
      reasons,
      oracleVetoes: days.filter((d) => d.oracleVetoes.some((v) => v.symbol === t.symbol)).length,
      minMarginRatio: Math.min(...margin.filter((x) => Number.isFinite(x))),
    };
  });

  // Whole book: exposures, plus every hedge account's equity and the hedger's USDC (top-ups only move money between
  // the two, so they need no adjustment).
  const unhedgedValueUsd = days.map((_, i) => exposureSeries.reduce((s, e) => s + (e[i] as number), 0));
  const hedgedValueUsd = days.map(
    (d, i) => (unhedgedValueUsd[i] as number) + d.walletUsd + d.accounts.reduce((s, a) => s + a.equityUsd, 0),
  );
  const total = pnlPairs(unhedgedValueUsd, hedgedValueUsd, () => 0);
  const lastValid = hedgedValueUsd.map((v, i) => (Number.isFinite(v) ? i : -1)).reduce((a, b) => Math.max(a, b), 0);
  const unhedgedPnlUsd = (unhedgedValueUsd[lastValid] as number) - (unhedgedValueUsd[0] as number);
  const hedgedPnlUsd = (hedgedValueUsd[lastValid] as number) - (hedgedValueUsd[0] as number);
  const totalCarryUsd = days.map((_, i) => cumulativeCarry.reduce((s, c) => s + (c[i] as number), 0));
  const ledger = attributeBook(p, hedgedValueUsd, cumulativeCarry, depositsBetween);
  const last = days[days.length - 1];

  const gasOf = (role: string) => {
    const txs = p.transactions.filter((x) => x.role === role);
    return {
      gasUsed: txs.reduce((s, x) => s + x.gasUsed, 0n),
      transactions: txs.length,
      usd: txs.reduce(
        (s, x) => s + Number(x.gasUsed) * p.gasPriceGwei * 1e-9 * (p.ethPricesUsd[x.day] ?? Number.NaN),
        0,
      ),
    };
  };
  const reasons: Partial<Record<RebalanceReasonCode, number>> = {};
  for (const h of hedges)
    for (const [r, n] of Object.entries(h.reasons))
      reasons[r as RebalanceReasonCode] = (reasons[r as RebalanceReasonCode] ?? 0) + n;
  const liquidationEvents = days.flatMap((d) => d.liquidations.map((l) => ({ ...l, day: d.day, date: d.date })));
  const stopEvents = days.flatMap((d) => d.stops.map((x) => ({ ...x, day: d.day, date: d.date })));
  const base = days[0];
  return {
    from: p.from,
    to: p.to,
    days: days.length - 1,
    hedges,
    total: {
      varianceReduction: varianceReduction(total.u, total.h),
      offsetRatio: unhedgedPnlUsd === 0 ? Number.NaN : -(hedgedPnlUsd - unhedgedPnlUsd) / unhedgedPnlUsd,
      observations: total.u.length,
      unhedgedPnlUsd,
      hedgedPnlUsd,
      carryUsd: hedges.reduce((s, h) => s + h.carryUsd, 0),
      feesUsd: hedges.reduce((s, h) => s + h.feesUsd, 0),
    },
    attribution: ledger.totals(),
    pool: {
      feesUsd: last
        ? last.pool.feesEthUnits * (last.feedPricesUsd.ETH ?? Number.NaN) + last.pool.feesUsdUnits
        : Number.NaN,
      daysOutOfRange: days.filter((d) => d.day > 0 && !d.pool.inRange).length,
      firstOutOfRange: days.find((d) => !d.pool.inRange)?.date,
    },
    gas: { ...gasOf("hedger"), gasPriceGwei: p.gasPriceGwei },
    keeperGas: gasOf("keeper"),
    rebalances: {
      count: days.filter((d) => d.day > 0 && d.rebalance !== undefined).length,
      reasons,
      days: days.filter((d) => d.day > 0 && d.rebalance !== undefined).map((d) => d.day),
      events: days.flatMap((d) => (d.day > 0 && d.rebalance ? [{ ...d.rebalance, day: d.day, date: d.date }] : [])),
    },
    liquidations: {
      count: liquidationEvents.length,
      rewardUsd: liquidationEvents.reduce((s, l) => s + l.keeperRewardUsd, 0),
      events: liquidationEvents,
    },
    stops: {
      count: stopEvents.length,
      keeperFeesUsd: stopEvents.reduce((sum, x) => sum + x.keeperFeeUsd, 0),
      events: stopEvents,
    },
    oracleVetoes: days.flatMap((d) =>
      d.oracleVetoes.map((v) => ({ day: d.day, date: d.date, ...v, hedgerSent: d.hedgerSent })),
    ),
    marketHours: p.marketHours,
    staleFeed: p.staleFeed,
    proxies: p.proxies,
    plan: {
      totalCapitalUsd: p.plan.totalCapitalUsd,
      totalNotionalUsd: p.plan.totalNotionalUsd,
      reserveUsd: p.plan.reserveUsd,
      warnings: p.plan.warnings.map((w) => `${w.code}: ${w.message}`),
    },
    series: {
      dates,
      unhedgedValueUsd,
      hedgedValueUsd,
      carryUsd: cumulativeCarry,
      totalCarryUsd,
      marginRatio: targets.map((_, k) =>
        days.map((d) => (d.accounts[k]?.equityUsd ?? Number.NaN) / (d.accounts[k]?.maintenanceMarginUsd ?? Number.NaN)),
      ),
      recklessMarginRatio: days.map((d) => d.recklessMarginRatio),
      priceIndex: targets.map((t) =>
        days.map((d) => (d.feedPricesUsd[t.symbol] ?? Number.NaN) / (base?.feedPricesUsd[t.symbol] ?? Number.NaN)),
      ),
      attribution: ledger.series,
    },
    elapsedMs: p.elapsedMs,
  };
}

/**
 * The hedged book's P&L split by cause, day by day at the feed prices P (each hedge account from the last day the
 * vault could price it: a closed or stale market's days merge into the next), up to the book's last valid day:
 * - the Uniswap position: price P&L = its ETH at the start × ΔP; basis = the ETH the pool moved × (feed − pool price
 *   at the end); impermanent loss = the rest of its principal's change (what the pool's rebalancing cost it); LP fees
 *   = the change of its uncollected fees;
 * - the other exposures: amount × ΔP;
 * - each hedge account: funding carry = −Δ funding paid (pending included), trading fees = −Traded fees, fill
 *   slippage = Σ size traded × (feed − fill); hedge price P&L = the rest of its equity change net of deposits, plus
 *   the hedger's wallet change net of the same deposits (0: the router's top-ups are its only flows).
 * The terms sum to the hedged book's change by construction; the demo's test checks that the hedge price P&L is
 * Σ size × ΔP and that the wallet moved by the deposits only, so no term hides a residue.
 */
function attributeBook(
  p: SummariseDemoParameters,
  hedgedValueUsd: readonly number[],
  cumulativeCarry: readonly number[][],
  depositsBetween: (accountIndex: bigint | undefined, prev: number, t: number) => number,
): PnlLedger {
  const { days, targets } = p;
  const ledger = new PnlLedger();
  // Up to the book's last valid day, so that every part ends where the book's total does.
  const lastValid = hedgedValueUsd.reduce((m, v, i) => (Number.isFinite(v) ? i : m), 0);
  const equityOf = (t: number, k: number) => days[t]?.accounts[k]?.equityUsd ?? Number.NaN;
  const prevOf = targets.map(() => 0);
  ledger.closeDay();
  for (let t = 1; t < days.length; t++) {
    const d = days[t] as DemoDay;
    const a = days[t - 1] as DemoDay;
    if (t <= lastValid) {
      for (const e of p.exposures) {
        const p0 = a.feedPricesUsd[e.asset] ?? Number.NaN;
        const p1 = d.feedPricesUsd[e.asset] ?? Number.NaN;
        if (e.kind === "concentratedLp") {
          const price = a.pool.ethUnits * (p1 - p0);
          const principal = d.pool.ethUnits * p1 + d.pool.usdUnits - (a.pool.ethUnits * p0 + a.pool.usdUnits);
          const basis = (d.pool.ethUnits - a.pool.ethUnits) * (p1 - d.pool.priceUsd);
          ledger.add("exposurePricePnl", price);
          ledger.add("basis", basis);
          ledger.add("impermanentLoss", principal - price - basis);
          ledger.add(
            "lpFeesEarned",
            d.pool.feesEthUnits * p1 + d.pool.feesUsdUnits - (a.pool.feesEthUnits * p0 + a.pool.feesUsdUnits),
          );
        } else {
          ledger.add("exposurePricePnl", (d.exposureValuesUsd[e.asset] ?? 0) - (a.exposureValuesUsd[e.asset] ?? 0));
        }
      }
      // Each account from the last day the vault could price it (a closed or stale market's days merge).
      targets.forEach((target, k) => {
        const prev = prevOf[k] as number;
        if (!Number.isFinite(equityOf(t, k))) return;
        const step = equityOf(t, k) - equityOf(prev, k) - depositsBetween(target.accountIndex, prev, t);
        const carry = -((cumulativeCarry[k]?.[t] ?? Number.NaN) - (cumulativeCarry[k]?.[prev] ?? Number.NaN));
        const trades = p.trades.filter((x) => x.accountIndex === target.accountIndex && x.day > prev && x.day <= t);
        const fees = -trades.reduce((s, x) => s + x.feeUsd, 0);
        const slippage = trades.reduce(
          (s, x) => s + x.sizeDeltaUnits * ((days[x.day]?.feedPricesUsd[target.symbol] ?? Number.NaN) - x.fillPriceUsd),
          0,
        );
        ledger.add("fundingCarry", carry);
        ledger.add("tradingFees", fees);
        ledger.add("fillSlippage", slippage);
        ledger.add("hedgePricePnl", step - carry - fees - slippage);
        prevOf[k] = t;
      });
      ledger.add("hedgePricePnl", d.walletUsd - a.walletUsd + depositsBetween(undefined, t - 1, t));
    }
    ledger.closeDay();
  }
  return ledger;
}
