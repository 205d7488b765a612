// A self-contained HTML report of a backtest: inline CSS and inline SVG charts drawn here, nothing fetched.
import { PNL_TERMS, type PnlAttributionSeries } from "./attribution.js";
import type { BacktestMetrics, BacktestPolicyName, BacktestResult } from "./types.js";
import { BACKTEST_POLICY_NAMES } from "./types.js";

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

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

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
  yFormat: (y: number) => string;
  scale?: "linear" | "log";
  /** Values outside are drawn at the edge (log: values ≤ 0 at the bottom). */
  clip?: readonly [number, number];
  /** Horizontal reference lines. */
  references?: readonly { y: number; label: string }[];
  markers?: readonly Marker[];
  maxPoints: number;
  note?: string;
};

const W = 920;
const H = 300;
const PAD = { left: 78, right: 16, top: 12, bottom: 32 };
const n1 = (x: number) => (Math.round(x * 10) / 10).toString();

function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

/** Ticks at 1, 2 and 5 × 10^k inside [lo, hi] (only powers of ten when there are many decades). */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  const decades = Math.log10(hi / lo);
  const steps = decades > 3 ? [1] : [1, 2, 5];
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
    for (const m of steps) {
      const v = m * 10 ** k;
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
    }
  }
  return ticks.length >= 2 ? ticks : [lo, hi];
}

/** A date label on the x axis, anchored so the first and last stay inside the frame. */
function xLabel(xPx: number, yPx: number, k: number, count: number, text: string): string {
  const anchor = k === 0 ? "start" : k === count - 1 ? "end" : "middle";
  return `<text x="${n1(xPx)}" y="${yPx}" class="xl" text-anchor="${anchor}">${escapeHtml(text)}</text>`;
}

/** One line chart as a `<figure>` with an inline `<svg>` (the demo report draws with it too). */
export function lineChart(o: ChartOptions): string {
  const log = o.scale === "log";
  const finite = o.lines.flatMap((l) => l.values.filter((v) => Number.isFinite(v) && (!log || v > 0)));
  for (const r of o.references ?? []) finite.push(r.y);
  let lo = finite.length > 0 ? Math.min(...finite) : 0;
  let hi = finite.length > 0 ? Math.max(...finite) : 1;
  if (o.clip !== undefined) {
    lo = Math.max(lo, o.clip[0]);
    hi = Math.min(hi, o.clip[1]);
  }
  if (hi <= lo) {
    const pad = Math.abs(lo) * 0.05 || 1;
    lo -= log ? lo / 2 : pad;
    hi += log ? hi : pad;
  }
  const t = (v: number) => (log ? Math.log10(v) : v);
  const [tLo, tHi] = [t(lo), t(hi)];
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const n = Math.max(1, o.dates.length - 1);
  const x = (i: number) => PAD.left + (i / n) * innerW;
  const y = (v: number) => {
    const c = Math.min(Math.max(log ? Math.max(v, lo) : v, lo), hi);
    return PAD.top + innerH - ((t(c) - tLo) / (tHi - tLo || 1)) * innerH;
  };
  const parts: string[] = [];
  // Axes and grid.
  const yTicks = log ? logTicks(lo, hi) : niceTicks(lo, hi, 5);
  for (const v of yTicks) {
    const yy = n1(y(v));
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${yy}" y2="${yy}" class="grid"/><text x="${PAD.left - 6}" y="${yy}" class="yl">${escapeHtml(o.yFormat(v))}</text>`,
    );
  }
  const xTickCount = Math.min(6, o.dates.length);
  for (let k = 0; k < xTickCount; k++) {
    const i = Math.round((k / Math.max(1, xTickCount - 1)) * (o.dates.length - 1));
    parts.push(xLabel(x(i), H - 10, k, xTickCount, o.dates[i] ?? ""));
  }
  for (const r of o.references ?? []) {
    const yy = n1(y(r.y));
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${yy}" y2="${yy}" class="ref"/><text x="${W - PAD.right - 4}" y="${n1(y(r.y) - 4)}" class="rl">${escapeHtml(r.label)}</text>`,
    );
  }
  // Lines: down-sampled, broken at non-finite values.
  for (const line of o.lines) {
    let d = "";
    let pen = false;
    for (const i of downsampleIndices(line.values, o.maxPoints)) {
      const v = line.values[i] ?? Number.NaN;
      if (!Number.isFinite(v)) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${n1(x(i))} ${n1(y(v))}`;
      pen = true;
    }
    if (d !== "") {
      parts.push(
        `<path d="${d}" stroke="${line.color}"${line.dashed === true ? ' stroke-dasharray="5 3"' : ""} class="ln"><title>${escapeHtml(line.label)}</title></path>`,
      );
    }
  }
  for (const m of o.markers ?? []) {
    parts.push(
      `<circle cx="${n1(x(m.dayIndex))}" cy="${PAD.top + 4}" r="4" fill="${m.color}"><title>${escapeHtml(m.label)}</title></circle>`,
    );
  }
  parts.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${innerW}" height="${innerH}" class="frame"/>`);
  const legend = o.lines
    .map(
      (l) =>
        `<span class="key"><span class="sw" style="background:${l.color}"></span>${escapeHtml(l.label)}${l.dashed === true ? " (dashed)" : ""}</span>`,
    )
    .join("");
  return `<figure><figcaption>${escapeHtml(o.title)}</figcaption><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(o.title)}">${parts.join("")}</svg><div class="legend">${legend}</div>${o.note === undefined ? "" : `<p class="note">${escapeHtml(o.note)}</p>`}</figure>`;
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
  yFormat: (y: number) => string;
  maxPoints: number;
  note?: string | undefined;
};

/** A stacked area chart with a diverging baseline (gains above 0, losses below), as a `<figure>` with inline SVG. */
export function stackedChart(o: StackedChartOptions): string {
  const n = o.dates.length;
  // One set of sampled indices for every band (the total's spikes kept), so the stacks line up.
  const reference = o.total?.values ?? o.bands[0]?.values ?? [];
  const idx = downsampleIndices(
    Array.from({ length: n }, (_, i) => reference[i] ?? 0),
    o.maxPoints,
  );
  const stacks = o.bands.map(() => idx.map(() => [0, 0] as [number, number]));
  let lo = 0;
  let hi = 0;
  idx.forEach((i, j) => {
    let up = 0;
    let down = 0;
    o.bands.forEach((b, k) => {
      const v = b.values[i] ?? 0;
      const s = stacks[k]?.[j] as [number, number];
      if (v >= 0) {
        s[0] = up;
        s[1] = up + v;
        up += v;
      } else {
        s[0] = down + v;
        s[1] = down;
        down += v;
      }
    });
    hi = Math.max(hi, up, o.total?.values[i] ?? 0);
    lo = Math.min(lo, down, o.total?.values[i] ?? 0);
  });
  if (hi <= lo) hi = lo + 1;
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (i / Math.max(1, n - 1)) * innerW;
  const y = (v: number) => PAD.top + innerH - ((v - lo) / (hi - lo)) * innerH;
  const parts: string[] = [];
  for (const v of niceTicks(lo, hi, 5)) {
    const yy = n1(y(v));
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${yy}" y2="${yy}" class="grid"/><text x="${PAD.left - 6}" y="${yy}" class="yl">${escapeHtml(o.yFormat(v))}</text>`,
    );
  }
  const xTickCount = Math.min(6, n);
  for (let k = 0; k < xTickCount; k++) {
    const i = Math.round((k / Math.max(1, xTickCount - 1)) * (n - 1));
    parts.push(xLabel(x(i), H - 10, k, xTickCount, o.dates[i] ?? ""));
  }
  o.bands.forEach((b, k) => {
    const s = stacks[k] as [number, number][];
    if (s.every(([a, c]) => a === c)) return;
    const top = idx.map((i, j) => `${n1(x(i))} ${n1(y((s[j] as [number, number])[1]))}`);
    const bottom = idx.map((i, j) => `${n1(x(i))} ${n1(y((s[j] as [number, number])[0]))}`).reverse();
    parts.push(
      `<path d="M${top.join("L")}L${bottom.join("L")}Z" fill="${b.color}" fill-opacity="0.85" stroke="none"><title>${escapeHtml(b.label)}</title></path>`,
    );
  });
  parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${n1(y(0))}" y2="${n1(y(0))}" stroke="#333"/>`);
  if (o.total !== undefined) {
    const d = idx.map((i, j) => `${j === 0 ? "M" : "L"}${n1(x(i))} ${n1(y(o.total?.values[i] ?? 0))}`).join("");
    parts.push(
      `<path d="${d}" stroke="#000" class="ln" stroke-width="2"><title>${escapeHtml(o.total.label)}</title></path>`,
    );
  }
  parts.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${innerW}" height="${innerH}" class="frame"/>`);
  const keys = [
    ...o.bands.map(
      (b) =>
        `<span class="key"><span class="sw" style="background:${b.color};height:10px"></span>${escapeHtml(b.label)}</span>`,
    ),
    ...(o.total === undefined
      ? []
      : [
          `<span class="key"><span class="sw" style="background:#000"></span>${escapeHtml(o.total.label)} (line)</span>`,
        ]),
  ];
  return `<figure><figcaption>${escapeHtml(o.title)}</figcaption><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(o.title)}">${parts.join("")}</svg><div class="legend">${keys.join("")}</div>${o.note === undefined ? "" : `<p class="note">${escapeHtml(o.note)}</p>`}</figure>`;
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
    yFormat: compactUsd,
    maxPoints,
    note: "Gains stack above 0, losses below; the line is their sum, the book's value change since before the hedge opened.",
  });
}

function eventsChart(result: BacktestResult, names: readonly BacktestPolicyName[]): string {
  const rowH = 26;
  const height = PAD.top + names.length * rowH + PAD.bottom;
  const innerW = W - PAD.left - PAD.right;
  const n = Math.max(1, result.dates.length - 1);
  const parts: string[] = [];
  names.forEach((name, row) => {
    const yMid = PAD.top + row * rowH + rowH / 2;
    parts.push(`<text x="${PAD.left - 6}" y="${yMid}" class="yl">${escapeHtml(name)}</text>`);
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${yMid}" y2="${yMid}" class="grid"/>`);
    const byKind = new Map<string, Set<string>>();
    for (const e of result.policies[name]?.events ?? []) {
      const px = n1(PAD.left + (e.dayIndex / n) * innerW);
      const set = byKind.get(e.kind) ?? new Set<string>();
      set.add(px);
      byKind.set(e.kind, set);
    }
    for (const [kind, xs] of byKind) {
      const tall = kind === "liquidation" || kind === "margin";
      const [y1, y2] = tall ? [yMid - 10, yMid + 10] : [yMid - 6, yMid + 6];
      const d = [...xs].map((px) => `M${px} ${n1(y1)}V${n1(y2)}`).join("");
      const color = EVENT_COLORS[kind as keyof typeof EVENT_COLORS] ?? "#000";
      parts.push(
        `<path d="${d}" stroke="${color}" stroke-width="${tall ? 2.5 : 1}" class="ln"><title>${escapeHtml(`${name}: ${kind}`)}</title></path>`,
      );
    }
  });
  const xTickCount = Math.min(6, result.dates.length);
  for (let k = 0; k < xTickCount; k++) {
    const i = Math.round((k / Math.max(1, xTickCount - 1)) * (result.dates.length - 1));
    parts.push(xLabel(PAD.left + (i / n) * innerW, height - 10, k, xTickCount, result.dates[i] ?? ""));
  }
  const legend = Object.entries(EVENT_COLORS)
    .map(([k, c]) => `<span class="key"><span class="sw" style="background:${c}"></span>${k}</span>`)
    .join("");
  return `<figure><figcaption>Rebalances, margin top-ups and liquidations</figcaption><svg viewBox="0 0 ${W} ${height}" role="img" aria-label="events">${parts.join("")}</svg><div class="legend">${legend}</div></figure>`;
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
    yFormat: (v) => v.toFixed(2),
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
th:first-child,td:first-child{text-align:left}figure{margin:16px 0}figcaption{font-weight:600;margin-bottom:4px}
svg{width:100%;height:auto;background:#fff}.grid{stroke:#eee}.frame{fill:none;stroke:#ccc}.ref{stroke:#d62728;stroke-dasharray:2 3}
.ln{fill:none;stroke-width:1.4}.yl{font-size:11px;text-anchor:end;dominant-baseline:middle;fill:#555}.xl{font-size:11px;fill:#555}
.rl{font-size:11px;text-anchor:end;fill:#d62728}.legend{font-size:12px}.key{margin-right:14px;white-space:nowrap}
.sw{display:inline-block;width:12px;height:3px;margin-right:4px;vertical-align:middle}.note{color:#666;font-size:12px}
pre{background:#f6f6f6;padding:8px;overflow:auto;font-size:12px}.warn li{color:#8a4b00}`;

/**
 * Renders a backtest result as one self-contained HTML page (inline CSS and SVG; no script, font or URL): the
 * metrics per policy, portfolio value hedged vs unhedged, cumulative carry, margin ratio (log scale), the events,
 * the cross-hedge fits when any, the warnings, the settings and the alignment notes. All text is escaped.
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
      yFormat: compactUsd,
      markers: liquidationMarkers,
      maxPoints,
      note: liquidationMarkers.length > 0 ? "Dots on top: liquidations (policy colour)." : undefined,
    }),
    lineChart({
      title: "Cumulative funding paid by the hedges (USD; negative: received)",
      dates: result.dates,
      lines: policies.map((p) => ({ label: p.name, color: colorOf(p.name), values: p.series.carryCumulativeUsd })),
      yFormat: compactUsd,
      maxPoints,
    }),
    lineChart({
      title:
        "Margin ratio: lowest equity / maintenance margin over the hedge accounts (log scale, clipped to 0.5–1000)",
      dates: result.dates,
      lines: policies.map((p) => ({ label: p.name, color: colorOf(p.name), values: p.series.marginRatio })),
      yFormat: (v) => (v >= 10 ? v.toFixed(0) : v.toFixed(1)),
      scale: "log",
      clip: [0.5, 1000],
      references: [{ y: 1, label: "liquidation (1)" }],
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
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${REPORT_CSS}</style></head><body>
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
