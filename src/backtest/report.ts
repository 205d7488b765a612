// A self-contained HTML report of a backtest: inline CSS, and charts drawn by uPlot from data embedded in the page
// (src/charts/figure.ts: the library inlined), nothing fetched.
import {
  CHART_CSS,
  type ChartMarkers,
  type ChartSeries,
  type ChartSpec,
  type ChartUnit,
  chartFigure,
  chartHeadTags,
  chartValue,
  dayTimes,
  escapeHtml,
  type LegendKey,
} from "../charts/figure.js";
import { PNL_TERMS, type PnlAttributionSeries } from "./attribution.js";
import type { BacktestMetrics, BacktestPolicyName, BacktestResult } from "./types.js";
import { BACKTEST_POLICY_NAMES } from "./types.js";

export { escapeHtml };

export type RenderBacktestReportOptions = {
  /** Page title (default "Parapet backtest"). */
  title?: string | undefined;
  /**
   * How the data was aligned (`MarketHistory.alignment.notes`). Default: `result.settings.alignment.notes` or
   * `result.settings.alignmentNotes` when the engine put them there.
   */
  alignmentNotes?: readonly string[] | undefined;
  /** What the loaders dropped and why, one line per file (the CLI passes its summary). */
  loadSummary?: readonly string[] | undefined;
  /** Most points drawn per line (default 1,000); longer series are down-sampled keeping each bucket's min and max. */
  maxPointsPerLine?: number | undefined;
};

/** The metrics in table order, with their heading and formatter. */
export const METRIC_COLUMNS: readonly { key: keyof BacktestMetrics; heading: string; format: (x: number) => string }[] =
  [
    { key: "varianceReduction", heading: "Variance reduction", format: (x) => formatPercent(x) },
    { key: "carryUsd", heading: "Carry paid (USD)", format: (x) => formatUsd(x) },
    { key: "feesUsd", heading: "Fees + impact (USD)", format: (x) => formatUsd(x) },
    { key: "gasUsd", heading: "Gas (USD)", format: (x) => formatUsd(x) },
    { key: "rebalances", heading: "Rebalances", format: (x) => formatCount(x) },
    { key: "reserveDrawnUsd", heading: "Reserve drawn (USD)", format: (x) => formatUsd(x) },
    { key: "liquidations", heading: "Liquidations", format: (x) => formatCount(x) },
    { key: "maxDrawdown", heading: "Max drawdown", format: (x) => formatPercent(x) },
    { key: "gapLiquidations", heading: "Gap liquidations (at a reopen)", format: (x) => formatCount(x) },
    { key: "gapBadDebtUsd", heading: "Gap bad debt (USD)", format: (x) => formatUsd(x) },
    { key: "closingLiquidations", heading: "Closing-margin liquidations", format: (x) => formatCount(x) },
    { key: "closingMarginCarryUsd", heading: "Closing-margin carry (USD)", format: (x) => formatUsd(x) },
  ];

const POLICY_COLORS: Record<BacktestPolicyName, string> = {
  none: "#7f7f7f",
  static: "#1f77b4",
  periodic: "#2ca02c",
  band: "#ff7f0e",
  "gas-aware": "#9467bd",
};
const EXTRA_COLORS = ["#d62728", "#17becf", "#8c564b", "#e377c2", "#bcbd22", "#1f77b4"];
const EVENT_COLORS = { open: "#1f77b4", rebalance: "#555555", margin: "#ff7f0e", liquidation: "#d62728" } as const;

/** USD with thousands separators and no cents above 1,000 (e.g. "-$12,345", "$12.34"); "–" when not finite. */
export function formatUsd(x: number): string {
  if (!Number.isFinite(x)) return "–";
  const digits = Math.abs(x) >= 1000 ? 0 : 2;
  const s = Math.abs(x).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${x < 0 ? "-" : ""}$${s}`;
}

/** A fraction as a percentage with 2 decimals ("87.65 %"); "–" when not finite. */
export function formatPercent(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(2)} %` : "–";
}

/** A count with thousands separators ("1,234"); "–" when not finite. */
export function formatCount(x: number): string {
  return Number.isFinite(x) ? x.toLocaleString("en-US", { maximumFractionDigits: 0 }) : "–";
}

/**
 * Indices to draw for a series of `length` points with at most ~`maxPoints` of them: every index when short,
 * else per bucket the first index, the min and the max (finite values) and the last, so spikes survive.
 */
export function downsampleIndices(values: readonly number[], maxPoints: number): number[] {
  const n = values.length;
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.max(1, Math.floor(maxPoints / 4));
  const out = new Set<number>();
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * n) / buckets);
    const hi = Math.floor(((b + 1) * n) / buckets) - 1;
    let iMin = -1;
    let iMax = -1;
    for (let i = lo; i <= hi; i++) {
      const v = values[i] ?? Number.NaN;
      if (!Number.isFinite(v)) continue;
      if (iMin < 0 || v < (values[iMin] ?? v)) iMin = i;
      if (iMax < 0 || v > (values[iMax] ?? v)) iMax = i;
    }
    for (const i of [lo, iMin, iMax, hi]) if (i >= 0) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

export type Line = { label: string; color: string; values: readonly number[]; dashed?: boolean };
export type Marker = { dayIndex: number; color: string; label: string };
export type ChartOptions = {
  title: string;
  dates: readonly string[];
  lines: readonly Line[];
  /** How the values read in the axis and the tooltip. */
  unit: ChartUnit;
  scale?: "linear" | "log";
  /** Values outside are drawn at the edge (log: values ≤ 0 at the bottom); the tooltip shows the actual value. */
  clip?: readonly [number, number];
  /** Horizontal reference lines. */
  references?: readonly { y: number; label: string }[];
  markers?: readonly Marker[];
  maxPoints: number;
  note?: string | undefined;
};

/**
 * Indices to draw for lines sharing one x axis with at most ~`maxPoints` of them: the union of each line's
 * `downsampleIndices`, with a smaller budget per line while the union is too long.
 */
export function sharedDownsampleIndices(
  lines: readonly (readonly number[])[],
  length: number,
  maxPoints: number,
): number[] {
  const padded = lines.map((l) => Array.from({ length }, (_, i) => l[i] ?? Number.NaN));
  let budget = maxPoints;
  for (;;) {
    const union = new Set<number>(padded.length === 0 ? downsampleIndices(new Array(length).fill(0), budget) : []);
    for (const l of padded) for (const i of downsampleIndices(l, budget)) union.add(i);
    if (union.size <= maxPoints || budget <= 8) return [...union].sort((a, b) => a - b);
    budget = Math.max(8, Math.floor((budget * maxPoints) / union.size));
  }
}

/** Markers grouped by label and colour, at their days' times. */
function markerGroups(markers: readonly Marker[], times: readonly number[]): ChartMarkers[] {
  const groups = new Map<string, ChartMarkers>();
  for (const m of markers) {
    const t = times[m.dayIndex];
    if (t === undefined) continue;
    const key = `${m.color}\n${m.label}`;
    const g = groups.get(key) ?? { label: m.label, color: m.color, x: [] };
    g.x.push(t);
    groups.set(key, g);
  }
  return [...groups.values()];
}

/** One line chart as a `<figure>` drawn by uPlot (the demo report draws with it too). */
export function lineChart(o: ChartOptions): string {
  const times = dayTimes(o.dates);
  const idx = sharedDownsampleIndices(
    o.lines.map((l) => l.values),
    o.dates.length,
    o.maxPoints,
  );
  const log = o.scale === "log";
  const [lo, hi] = o.clip ?? [log ? 0 : Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  const series = o.lines.map((line): ChartSeries => {
    const actual: [number, number][] = [];
    const values = idx.map((i, j) => {
      const v = chartValue(line.values[i]);
      if (v === null || (v >= lo && v <= hi && (!log || v > 0))) return v;
      actual.push([j, v]);
      // A log scale has no 0: what is at or below it sits on the bottom edge.
      return Math.min(Math.max(v, log && lo <= 0 ? Number.MIN_VALUE : lo), hi);
    });
    return {
      label: line.label,
      color: line.color,
      values,
      ...(line.dashed === true ? { dashed: true as const } : {}),
      ...(actual.length > 0 ? { actual } : {}),
    };
  });
  const markers = markerGroups(o.markers ?? [], times);
  const spec: ChartSpec = {
    title: o.title,
    unit: o.unit,
    x: idx.map((i) => times[i] ?? 0),
    series,
    ...(log ? { log: true as const } : {}),
    ...(o.clip !== undefined ? { clip: [o.clip[0], o.clip[1]] as [number, number] } : {}),
    ...(o.references !== undefined && o.references.length > 0 ? { references: [...o.references] } : {}),
    ...(markers.length > 0 ? { markers } : {}),
  };
  return chartFigure(
    spec,
    o.lines.map((l) => ({ label: l.label, color: l.color, dashed: l.dashed })),
    o.note,
  );
}

/**
 * The P&L attribution as table rows: a heading row (term, then each policy of the result), one row per term, the
 * total last. Cells formatted with `formatUsd`.
 */
export function attributionRows(result: BacktestResult): string[][] {
  const names = BACKTEST_POLICY_NAMES.filter((n) => result.policies[n] !== undefined);
  const cell = (n: BacktestPolicyName, key: (typeof PNL_TERMS)[number]["key"] | "total") =>
    formatUsd(result.policies[n]?.attribution[key] ?? Number.NaN);
  return [
    ["P&L term", ...names],
    ...PNL_TERMS.map((t) => [t.heading, ...names.map((n) => cell(n, t.key))]),
    ["Total", ...names.map((n) => cell(n, "total"))],
  ];
}

export type StackedBand = { label: string; color: string; values: readonly number[] };
export type StackedChartOptions = {
  title: string;
  dates: readonly string[];
  /** Gains stack up from 0, losses down from 0, in this order, at each date. */
  bands: readonly StackedBand[];
  /** Drawn as a line over the bands (e.g. their sum). */
  total?: { label: string; values: readonly number[] } | undefined;
  /** How the values read in the axis and the tooltip. */
  unit: ChartUnit;
  maxPoints: number;
  note?: string | undefined;
};

/**
 * A stacked area chart with a diverging baseline (gains above 0, losses below), as a `<figure>` drawn by uPlot.
 * uPlot does not stack: each band's gains and losses become cumulative edges here, filled between neighbours with
 * uPlot `bands`; the tooltip shows each term's own value (the difference of its edges) and the total.
 */
export function stackedChart(o: StackedChartOptions): string {
  const times = dayTimes(o.dates);
  // One set of sampled indices for every band (the total's spikes kept), so the stacks line up.
  const reference = o.total?.values ?? o.bands[0]?.values ?? [];
  const idx = downsampleIndices(
    Array.from({ length: o.dates.length }, (_, i) => reference[i] ?? 0),
    o.maxPoints,
  );
  const series: ChartSeries[] = [];
  const bands: NonNullable<ChartSpec["bands"]> = [];
  const sums: NonNullable<ChartSpec["sums"]> = [];
  const up = idx.map(() => 0);
  const down = idx.map(() => 0);
  // uPlot indices (the x series is 0) of the last gains and losses edges.
  let lastUp: number | undefined;
  let lastDown: number | undefined;
  for (const b of o.bands) {
    const v = idx.map((i) => {
      const x = b.values[i] ?? 0;
      return Number.isFinite(x) ? x : 0;
    });
    const terms: [number, number][] = [];
    const edge = (acc: number[], sign: 1 | -1, below: number | undefined): number | undefined => {
      if (!v.some((x) => x * sign > 0)) return below;
      v.forEach((x, j) => {
        if (x * sign > 0) acc[j] = (acc[j] ?? 0) + x;
      });
      series.push({ label: b.label, color: b.color, values: acc.map(chartValue), width: 0, fill: b.color, tip: false });
      const si = series.length;
      // Gains fill down to the edge below (dir -1), losses up to the edge above (dir 1); the first edges fill to 0.
      if (below !== undefined) bands.push({ series: [si, below], dir: sign === 1 ? -1 : 1 });
      terms.push([si, 1]);
      if (below !== undefined) terms.push([below, -1]);
      return si;
    };
    lastUp = edge(up, 1, lastUp);
    lastDown = edge(down, -1, lastDown);
    if (terms.length > 0) sums.push({ label: b.label, color: b.color, terms });
  }
  if (o.total !== undefined) {
    const total = o.total.values;
    series.push({ label: o.total.label, color: "#000000", width: 2, values: idx.map((i) => chartValue(total[i])) });
  }
  const spec: ChartSpec = {
    title: o.title,
    unit: o.unit,
    x: idx.map((i) => times[i] ?? 0),
    series,
    references: [{ y: 0, label: "", color: "#333333", solid: true }],
    bands,
    sums,
  };
  const keys: LegendKey[] = [
    ...o.bands.map((b): LegendKey => ({ label: b.label, color: b.color, swatch: "area" })),
    ...(o.total === undefined ? [] : [{ label: `${o.total.label} (line)`, color: "#000000" }]),
  ];
  return chartFigure(spec, keys, o.note);
}

/** The cumulative attribution of one run as a stacked chart, one band per term, the total as a line. */
export function attributionChart(
  title: string,
  dates: readonly string[],
  series: PnlAttributionSeries,
  maxPoints: number,
): string {
  return stackedChart({
    title,
    dates,
    bands: PNL_TERMS.map((t) => ({ label: t.heading, color: t.color, values: series[t.key] })),
    total: { label: "Total P&L", values: series.total },
    unit: "usd",
    maxPoints,
    note: "Gains stack above 0, losses below; the line is their sum, the book's value change since before the hedge opened.",
  });
}

/** One lane per policy, a tick per event (margin top-ups and liquidations taller). */
function eventsChart(result: BacktestResult, names: readonly BacktestPolicyName[]): string {
  const times = dayTimes(result.dates);
  const markers: ChartMarkers[] = [];
  names.forEach((name, lane) => {
    const byKind = new Map<string, Set<number>>();
    for (const e of result.policies[name]?.events ?? []) {
      const t = times[e.dayIndex];
      if (t === undefined) continue;
      byKind.set(e.kind, (byKind.get(e.kind) ?? new Set<number>()).add(t));
    }
    for (const [kind, xs] of byKind) {
      markers.push({
        label: `${name}: ${kind}`,
        color: EVENT_COLORS[kind as keyof typeof EVENT_COLORS] ?? "#000000",
        x: [...xs],
        lane,
        ...(kind === "liquidation" || kind === "margin" ? { tall: true as const } : {}),
      });
    }
  });
  const title = "Rebalances, margin top-ups and liquidations";
  const span = [times[0] ?? 0, times.at(-1) ?? 0];
  const spec: ChartSpec = {
    title,
    unit: "number",
    // The lanes need only the window's ends; the events are markers at their own days.
    x: span,
    series: [{ label: "", color: "#000000", values: span.map(() => null), tip: false }],
    markers,
    lanes: [...names],
    height: names.length * 26 + 50,
  };
  return chartFigure(
    spec,
    Object.entries(EVENT_COLORS).map(([label, color]) => ({ label, color })),
  );
}

function fitsChart(result: BacktestResult, maxPoints: number): string | undefined {
  if (result.fits.length === 0) return undefined;
  const dayIndex = new Map(result.dates.map((d, i) => [d, i]));
  const pairs = [...new Set(result.fits.map((f) => `${f.exposureAsset}→${f.marketAsset}`))];
  const lines: Line[] = [];
  pairs.forEach((pair, k) => {
    const ratio = new Array<number>(result.dates.length).fill(Number.NaN);
    const r2 = new Array<number>(result.dates.length).fill(Number.NaN);
    for (const f of result.fits) {
      const i = dayIndex.get(f.date);
      if (i === undefined || `${f.exposureAsset}→${f.marketAsset}` !== pair) continue;
      ratio[i] = f.ratio;
      r2[i] = f.rSquared ?? Number.NaN;
    }
    // Fits are sparse (one per re-plan): hold each value until the next fit so the lines are steps.
    for (const s of [ratio, r2]) {
      let last = Number.NaN;
      let seen = false;
      for (let i = 0; i < s.length; i++) {
        if (Number.isFinite(s[i] ?? Number.NaN)) {
          last = s[i] ?? Number.NaN;
          seen = true;
        } else if (seen) s[i] = last;
      }
    }
    const color = EXTRA_COLORS[k % EXTRA_COLORS.length] ?? "#000";
    lines.push({ label: `${pair} hedge ratio`, color, values: ratio });
    lines.push({ label: `${pair} R²`, color, values: r2, dashed: true });
  });
  return lineChart({
    title: "Cross-hedge fits: ratio and R² at each re-plan",
    dates: result.dates,
    lines,
    unit: "percent",
    maxPoints,
  });
}

function settingsAlignment(settings: Record<string, unknown>): string[] | undefined {
  const a = settings.alignment as { notes?: unknown } | undefined;
  const notes = a !== undefined && typeof a === "object" ? a.notes : settings.alignmentNotes;
  return Array.isArray(notes) ? notes.map(String) : undefined;
}

/** The reports' inline stylesheet. */
export const REPORT_CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:960px;color:#222;padding:0 12px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:right}
th:first-child,td:first-child{text-align:left}.note{color:#666;font-size:12px}
pre{background:#f6f6f6;padding:8px;overflow:auto;font-size:12px}.warn li{color:#8a4b00}li{overflow-wrap:anywhere}
@media (max-width:600px){body{margin:12px auto;padding:0 8px}table{display:block;overflow-x:auto}}
${CHART_CSS}`;

/** A report's `<head>` content: charset, viewport, title, the stylesheet and the charts' scripts (uPlot inlined). */
export function reportHead(title: string): string {
  return `<meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${REPORT_CSS}</style>
${chartHeadTags()}`;
}

/**
 * Renders a backtest result as one self-contained HTML page (inline CSS, uPlot inlined, charts drawn from data in
 * the page; nothing fetched): the metrics per policy, portfolio value hedged vs unhedged, cumulative carry, margin
 * ratio (log scale), the events, the cross-hedge fits when any, the warnings, the settings and the alignment notes.
 * All text is escaped.
 */
export function renderBacktestReport(result: BacktestResult, options: RenderBacktestReportOptions = {}): string {
  const title = options.title ?? "Parapet backtest";
  const maxPoints = options.maxPointsPerLine ?? 1000;
  const names = (Object.keys(result.policies) as BacktestPolicyName[]).filter((k) => result.policies[k] !== undefined);
  const policies = names.flatMap((k) => {
    const p = result.policies[k];
    return p === undefined ? [] : [p];
  });
  const colorOf = (name: BacktestPolicyName) => POLICY_COLORS[name] ?? "#000";
  const first = result.dates[0] ?? "";
  const last = result.dates.at(-1) ?? "";

  const metricsRows = policies
    .map(
      (p) =>
        `<tr><td><span class="sw" style="background:${colorOf(p.name)}"></span>${escapeHtml(p.name)}</td>${METRIC_COLUMNS.map((c) => `<td>${escapeHtml(c.format(p.metrics[c.key]))}</td>`).join("")}</tr>`,
    )
    .join("");
  const metricsTable = `<table><thead><tr><th>Policy</th>${METRIC_COLUMNS.map((c) => `<th>${escapeHtml(c.heading)}</th>`).join("")}</tr></thead><tbody>${metricsRows}</tbody></table>`;

  const liquidationMarkers: Marker[] = policies.flatMap((p) =>
    p.events
      .filter((e) => e.kind === "liquidation")
      .map((e) => ({
        dayIndex: e.dayIndex,
        color: colorOf(p.name),
        label: `${p.name}: liquidation of ${e.marketAsset} on ${e.date}`,
      })),
  );
  const charts = [
    lineChart({
      title: "Portfolio value: hedged (each policy) vs unhedged",
      dates: result.dates,
      lines: [
        { label: "unhedged", color: "#000000", values: result.unhedgedValueUsd, dashed: true },
        ...policies.map((p) => ({ label: p.name, color: colorOf(p.name), values: p.series.valueUsd })),
      ],
      unit: "usd",
      markers: liquidationMarkers,
      maxPoints,
      note: liquidationMarkers.length > 0 ? "Dots on top: liquidations (policy colour)." : undefined,
    }),
    lineChart({
      title: "Cumulative funding paid by the hedges (USD; negative: received)",
      dates: result.dates,
      lines: policies.map((p) => ({ label: p.name, color: colorOf(p.name), values: p.series.carryCumulativeUsd })),
      unit: "usd",
      maxPoints,
    }),
    lineChart({
      title:
        "Margin ratio: lowest equity / maintenance margin over the hedge accounts (log scale, clipped to 0.5–1000)",
      dates: result.dates,
      lines: policies.map((p) => ({ label: p.name, color: colorOf(p.name), values: p.series.marginRatio })),
      unit: "multiple",
      scale: "log",
      clip: [0.5, 1000],
      references: [{ y: 1, label: "liquidation (1×)" }],
      maxPoints,
      note: "Gaps: no open position.",
    }),
    eventsChart(result, names),
  ];
  const attributionTableRows = attributionRows(result);
  const [head, ...body] = attributionTableRows;
  const attributionHtml = `<table><thead><tr>${(head ?? []).map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead><tbody>${body
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>
<p class="note">USD over the window, positive: gained. Exposure price P&amp;L: Σ delta at each close × the next day's price change; impermanent loss / gamma: the LP positions' value change beyond that; LP fees: the assumed APR on the value in range, paid as USD; hedge price P&amp;L: the hedges' mark-to-market at the exposure's return; basis: what the hedge market did beyond it; fill slippage: size traded × (oracle − fill), the skew premium. The terms sum to the total: the last value minus the exposures' value before the hedge opened.</p>
${policies
  .filter((p) => p.name !== "none")
  .map((p) => attributionChart(`Cumulative P&L by term: ${p.name}`, result.dates, p.series.attribution, maxPoints))
  .join("\n")}`;
  const fits = fitsChart(result, maxPoints);
  if (fits !== undefined) charts.push(fits);

  const fitsSummary = summariseFits(result)
    .map((l) => `<li>${escapeHtml(l)}</li>`)
    .join("");
  const warningCounts = new Map<string, number>();
  for (const w of result.warnings) {
    const key = `${w.code}: ${w.message}`;
    warningCounts.set(key, (warningCounts.get(key) ?? 0) + 1);
  }
  const warnings =
    warningCounts.size === 0
      ? "<p>None.</p>"
      : `<ul class="warn">${[...warningCounts].map(([w, c]) => `<li>${escapeHtml(w)}${c > 1 ? ` (×${c})` : ""}</li>`).join("")}</ul>`;
  const alignment = options.alignmentNotes ?? settingsAlignment(result.settings) ?? [];
  const list = (lines: readonly string[]) =>
    lines.length === 0 ? "<p>None given.</p>" : `<ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join("")}</ul>`;
  const settings = JSON.stringify(result.settings, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2) ?? "{}";

  return `<!doctype html>
<html lang="en"><head>${reportHead(title)}</head><body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(`${first} .. ${last}: ${result.dates.length} days, ${policies.length} policies, computed in ${Math.round(result.elapsedMs)} ms.`)}</p>
<h2>Metrics</h2>${metricsTable}
<p class="note">Variance reduction: 1 − Var(daily Δ hedged value) / Var(daily Δ unhedged value). Carry: funding paid by the hedges (negative: received). Max drawdown: largest peak-to-trough fall of the portfolio value.</p>
<h2>Where the P&amp;L came from</h2>${attributionHtml}
<h2>Charts</h2>${charts.join("\n")}
${fitsSummary === "" ? "" : `<h2>Cross-hedge fits</h2><ul>${fitsSummary}</ul>`}
<h2>Warnings</h2>${warnings}
<h2>Data alignment</h2>${list(alignment)}
${options.loadSummary === undefined ? "" : `<h2>Data loading</h2>${list(options.loadSummary)}`}
<h2>Settings</h2><pre>${escapeHtml(settings)}</pre>
</body></html>
`;
}

/** USD in k/M/B ("$1.2M"), for axis labels. */
export function compactUsd(v: number): string {
  const a = Math.abs(v);
  const [d, s] = a >= 1e9 ? [1e9, "B"] : a >= 1e6 ? [1e6, "M"] : a >= 1e3 ? [1e3, "k"] : [1, ""];
  const digits = a / d >= 100 || d === 1 ? 0 : 1;
  return `${v < 0 ? "-" : ""}$${(a / d).toFixed(digits)}${s}`;
}

/** One line per cross hedge: the number of fits, the ratio's range and last value, and the R²'s range. */
export function summariseFits(result: BacktestResult): string[] {
  const byPair = new Map<string, BacktestResult["fits"]>();
  for (const f of result.fits) {
    const key = `${f.exposureAsset} hedged with ${f.marketAsset}`;
    byPair.set(key, [...(byPair.get(key) ?? []), f]);
  }
  return [...byPair].map(([pair, fits]) => {
    const ratios = fits.map((f) => f.ratio);
    const r2 = fits.map((f) => f.rSquared).filter((x): x is number => x !== undefined && Number.isFinite(x));
    const lastFit = fits.at(-1);
    const r2Text = r2.length === 0 ? "R² n/a" : `R² ${Math.min(...r2).toFixed(2)}–${Math.max(...r2).toFixed(2)}`;
    return `${pair}: ${fits.length} fits, ratio ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)} (last ${lastFit?.ratio.toFixed(3)} on ${lastFit?.date}), ${r2Text}`;
  });
}
