// The dashboard's alerts and their thresholds, in one place (docs/dashboard.md lists them): margin call, oracle
// health (checkMarketOracles's fail and warn verdicts), funding spikes. Pure: the state in, the alerts out.
import { DEFAULT_REBALANCE_POLICY } from "../hedge/rebalance.js";
import type { DashboardAccount, DashboardAlert, DashboardMarket, DashboardSeverity } from "./types.js";

export type DashboardThresholds = {
  /**
   * Margin call below this equity / maintenance margin (default 2: the rebalance rule's `marginCallRatio`, so the
   * dashboard turns red where `parapet rebalance` would top the account up).
   */
  marginCallRatio: number;
  /** A funding spike: |rate| at or above this share of the market's `maxFundingRatePerDay` (default 0.5). */
  fundingSpikeShareOfCap: number;
  /** Critical above this share of the cap (default 0.9: funding is about to be clamped). */
  fundingCriticalShareOfCap: number;
  /** Rates seen before the forecast band is drawn and checked (default 20). */
  fundingBandMinPoints: number;
};

export const DEFAULT_DASHBOARD_THRESHOLDS: DashboardThresholds = {
  marginCallRatio: DEFAULT_REBALANCE_POLICY.marginCallRatio,
  fundingSpikeShareOfCap: 0.5,
  fundingCriticalShareOfCap: 0.9,
  fundingBandMinPoints: 20,
};

const SEVERITY_ORDER: Record<DashboardSeverity, number> = { critical: 0, warning: 1, info: 2 };

const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)} %`;
const usd = (x: number) =>
  new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 2 }).format(x);

/** The alerts of a state, most severe first. */
export function dashboardAlerts(
  markets: readonly DashboardMarket[],
  accounts: readonly DashboardAccount[],
  thresholds: DashboardThresholds,
): DashboardAlert[] {
  const alerts: DashboardAlert[] = [];
  for (const a of accounts) {
    const who = `account ${a.owner.slice(0, 8)}…:${a.accountIndex}`;
    if (a.oracleError !== null && a.positions.length > 0) {
      const failing = a.positions
        .map((p) => p.symbol)
        .filter((symbol) => markets.find((m) => m.symbol === symbol)?.oracle.verdict === "fail");
      alerts.push({
        id: `ACCOUNT_UNPRICED:${a.key}`,
        severity: "warning",
        code: "ACCOUNT_UNPRICED",
        account: a.key,
        message:
          failing.length > 0
            ? `${who} cannot be valued (nor liquidated) while the ${failing.join(", ")} oracle fails`
            : `${who} cannot be valued: ${a.oracleError}`,
      });
    }
    if (a.marginRatio === null || a.equityUsd === null || a.maintenanceMarginUsd === null) continue;
    if (a.liquidatable) {
      alerts.push({
        id: `LIQUIDATABLE:${a.key}`,
        severity: "critical",
        code: "LIQUIDATABLE",
        account: a.key,
        message: `${who} is liquidatable: equity ${usd(a.equityUsd)} < maintenance margin ${usd(a.maintenanceMarginUsd)} (ratio ${a.marginRatio.toFixed(2)})`,
      });
    } else if (a.marginRatio < thresholds.marginCallRatio) {
      alerts.push({
        id: `MARGIN_CALL:${a.key}`,
        severity: "critical",
        code: "MARGIN_CALL",
        account: a.key,
        message: `${who} margin call: equity ${usd(a.equityUsd)} is ${a.marginRatio.toFixed(2)}× maintenance margin ${usd(a.maintenanceMarginUsd)} (call below ${thresholds.marginCallRatio}×); ${usd(a.distanceToLiquidationUsd ?? 0)} from liquidation`,
      });
    }
  }
  for (const m of markets) {
    if (m.oracle.verdict === "fail") {
      alerts.push({
        id: `ORACLE_FAIL:${m.symbol}`,
        severity: "critical",
        code: "ORACLE_FAIL",
        market: m.symbol,
        message: `${m.symbol} oracle fails: ${m.oracle.message} (trades, liquidations and orders in ${m.symbol} revert)`,
      });
    } else if (m.oracle.verdict === "warn") {
      alerts.push({
        id: `ORACLE_WARN:${m.symbol}`,
        severity: "warning",
        code: "ORACLE_WARN",
        market: m.symbol,
        message: `${m.symbol} oracle: ${m.oracle.message}`,
      });
    }
    const cap = m.maxFundingRatePerDay;
    const rate = m.fundingRatePerDay;
    if (cap > 0 && Math.abs(rate) >= thresholds.fundingSpikeShareOfCap * cap) {
      alerts.push({
        id: `FUNDING_SPIKE:${m.symbol}`,
        severity: Math.abs(rate) >= thresholds.fundingCriticalShareOfCap * cap ? "critical" : "warning",
        code: "FUNDING_SPIKE",
        market: m.symbol,
        message: `${m.symbol} funding ${pct(rate, 3)}/day (${rate > 0 ? "longs" : "shorts"} pay) is ${pct(Math.abs(rate) / cap, 0)} of the ${pct(cap, 2)}/day cap`,
      });
    } else if (m.fundingForecast && (rate < m.fundingForecast.lower || rate > m.fundingForecast.upper)) {
      alerts.push({
        id: `FUNDING_OUTSIDE_BAND:${m.symbol}`,
        severity: "info",
        code: "FUNDING_OUTSIDE_BAND",
        market: m.symbol,
        message: `${m.symbol} funding ${pct(rate, 4)}/day is outside its forecast band ${pct(m.fundingForecast.lower, 4)} … ${pct(m.fundingForecast.upper, 4)}/day`,
      });
    }
  }
  return alerts.sort((x, y) => SEVERITY_ORDER[x.severity] - SEVERITY_ORDER[y.severity]);
}
