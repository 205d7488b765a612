// The reports' charts: each a `<figure>` holding an empty container and its data and options as JSON, drawn by uPlot
// when the page loads (the library and the small runtime below are inlined in the page's head, nothing is fetched).
// The spec is plain data so that tests can read a chart back from the HTML.
import { uplotInlineTags } from "./uplot.js";

/** How a chart's y values read: USD ($1,234; axis $1.2M), a fraction as % (0.5 → 50 %), a multiple (2 → 2×). */
export type ChartUnit = "usd" | "percent" | "multiple" | "number";

export type ChartSeries = {
  label: string;
  color: string;
  /** One value per `ChartSpec.x`; null: a gap. */
  values: (number | null)[];
  dashed?: true;
  /** Stroke width in CSS px (default 1.4; 0: fill only). */
  width?: number;
  /** Fill below the line to 0, or to the other edge of the band this series is the first edge of. */
  fill?: string;
  /** Left out of the tooltip (a stack's band edge: the tooltip shows the term through `ChartSpec.sums`). */
  tip?: false;
  /** Values drawn clamped into `ChartSpec.clip`: [index, actual value] pairs, so the tooltip shows the actual one. */
  actual?: [number, number][];
};

/** Event markers: a dot at the top of the plot, or with `lane` a tick on that lane (`ChartSpec.lanes`). */
export type ChartMarkers = { label: string; color: string; x: number[]; lane?: number; tall?: true };

export type ChartSpec = {
  title: string;
  unit: ChartUnit;
  /** Seconds since the epoch of each point (UTC midnights: the reports' days). */
  x: number[];
  series: ChartSeries[];
  log?: true;
  /** The y range never goes beyond this (values outside are drawn at the edge, see `ChartSeries.actual`). */
  clip?: [number, number];
  /** Horizontal lines (default red and dashed). */
  references?: { y: number; label: string; color?: string; solid?: true }[];
  markers?: ChartMarkers[];
  /** uPlot bands: series indices counted as uPlot does (1 = the first of `series`). */
  bands?: { series: [number, number]; dir: 1 | -1 }[];
  /** Tooltip rows computed from series: Σ sign × value, indices counted as in `bands`. */
  sums?: { label: string; color: string; terms: [number, number][] }[];
  /** Named rows instead of a y scale (the events chart); markers pick theirs with `lane`. */
  lanes?: string[];
  /** Plot height in CSS px (default 300). */
  height?: number;
};

export type LegendKey = { label: string; color: string; dashed?: boolean | undefined; swatch?: "line" | "area" };

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** JSON to embed in a `<script>` element: every `<` written as \u003c, so no text in it can close the element. */
export function jsonInScript(value: unknown): string {
  return JSON.stringify(value).replaceAll("<", "\\u003c");
}

/** Seconds since the epoch of each `YYYY-MM-DD` day (UTC midnight). */
export function dayTimes(dates: readonly string[]): number[] {
  return dates.map((d) => {
    const ms = Date.parse(`${d}T00:00:00Z`);
    if (!Number.isFinite(ms)) throw new Error(`chart date "${d}" is not YYYY-MM-DD`);
    return ms / 1000;
  });
}

/** A value as the chart stores it: 6 significant digits (whole units from 100,000), null when not finite. */
export function chartValue(v: number | undefined): number | null {
  if (v === undefined || !Number.isFinite(v)) return null;
  return Math.abs(v) >= 1e5 ? Math.round(v) : Number(v.toPrecision(6));
}

/** One chart as a `<figure>`: caption, the container uPlot draws in, the spec as JSON, the legend and a note. */
export function chartFigure(spec: ChartSpec, legend: readonly LegendKey[], note?: string): string {
  const keys = legend
    .map(
      (k) =>
        `<span class="key"><span class="sw${k.swatch === "area" ? " area" : ""}" style="background:${escapeHtml(k.color)}"></span>${escapeHtml(k.label)}${k.dashed === true ? " (dashed)" : ""}</span>`,
    )
    .join("");
  return `<figure class="chart"><figcaption>${escapeHtml(spec.title)}</figcaption><div class="plot" role="img" aria-label="${escapeHtml(spec.title)}"><noscript>This chart needs JavaScript.</noscript></div><script type="application/json" class="chart-data">${jsonInScript(spec)}</script><div class="legend">${keys}</div>${note === undefined ? "" : `<p class="note">${escapeHtml(note)}</p>`}</figure>`;
}

const FIGURE_DATA = /<figure class="chart">.*?<script type="application\/json" class="chart-data">(.*?)<\/script>/gs;

/** The specs of a page's charts, in page order (what the page's runtime draws; tests read charts back with it). */
export function chartSpecsInPage(html: string): ChartSpec[] {
  return [...html.matchAll(FIGURE_DATA)].map((m) => JSON.parse(m[1] ?? "null") as ChartSpec);
}

/** The charts' part of a report stylesheet (legend keys, tooltip). */
export const CHART_CSS = `figure.chart{margin:16px 0}figcaption{font-weight:600;margin-bottom:4px}.plot{position:relative;width:100%;min-height:40px}
.legend{font-size:12px}.key{margin-right:14px;white-space:nowrap}.sw{display:inline-block;width:12px;height:3px;margin-right:4px;vertical-align:middle}.sw.area{height:10px}
.tip{position:absolute;z-index:10;pointer-events:none;background:#fff;border:1px solid #ccc;border-radius:3px;padding:4px 6px;font-size:12px;line-height:1.35;white-space:nowrap;box-shadow:0 1px 3px rgba(0,0,0,.15)}
.tip b{display:block}.tip i{display:inline-block;width:8px;height:8px;margin-right:4px}`;

/**
 * The value formatters of the page, in browser JS. They match `formatUsd`, `compactUsd` and `formatPercent` of
 * src/backtest/report.ts (a test keeps them equal): the tables and the tooltips read the same.
 */
export const CHART_FORMAT_JS = `function fmtUsd(x) {
  if (!isFinite(x)) return "–";
  var d = Math.abs(x) >= 1000 ? 0 : 2;
  return (x < 0 ? "-" : "") + "$" + Math.abs(x).toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
}
function fmtCompactUsd(v) {
  var a = Math.abs(v);
  var p = a >= 1e9 ? [1e9, "B"] : a >= 1e6 ? [1e6, "M"] : a >= 1e3 ? [1e3, "k"] : [1, ""];
  var digits = a / p[0] >= 100 || p[0] === 1 ? 0 : 1;
  return (v < 0 ? "-" : "") + "$" + (a / p[0]).toFixed(digits) + p[1];
}
function fmtPercent(x) {
  return isFinite(x) ? (x * 100).toFixed(2) + " %" : "–";
}`;

// Draws every figure.chart of the page: one uPlot per spec, resized with the window. References and markers are
// drawn in a draw hook; the tooltip is built with textContent, so labels never become markup.
const RUNTIME_JS = `(function () {
  "use strict";
  ${CHART_FORMAT_JS}
  function decimals(incr) { return Math.max(0, Math.min(6, -Math.floor(Math.log10(incr || 1) + 1e-9))); }
  var AXIS = {
    usd: function (v) { return fmtCompactUsd(v); },
    percent: function (v, incr) { return (v * 100).toFixed(decimals(incr * 100)) + " %"; },
    multiple: function (v) { return (v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : String(+v.toPrecision(2))) + "×"; },
    number: function (v, incr) { return v.toFixed(decimals(incr)); }
  };
  var TIP = {
    usd: fmtUsd,
    percent: fmtPercent,
    multiple: function (v) { return isFinite(v) ? v.toFixed(2) + "×" : "–"; },
    number: function (v) { return isFinite(v) ? String(+v.toPrecision(4)) : "–"; }
  };
  function day(t) { return new Date(t * 1000).toISOString().slice(0, 10); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function laneY(spec, lane) { return spec.lanes.length - 1 - lane; }

  function overlay(spec) {
    return { hooks: { draw: [function (u) {
      var ctx = u.ctx, r = uPlot.pxRatio, b = u.bbox;
      ctx.save();
      ctx.beginPath();
      ctx.rect(b.left, b.top, b.width, b.height);
      ctx.clip();
      (spec.references || []).forEach(function (ref) {
        var y = Math.round(u.valToPos(ref.y, "y", true)) + 0.5;
        if (!(y >= b.top - r && y <= b.top + b.height + r)) return;
        ctx.strokeStyle = ctx.fillStyle = ref.color || "#d62728";
        ctx.lineWidth = r;
        ctx.setLineDash(ref.solid ? [] : [2 * r, 3 * r]);
        ctx.beginPath(); ctx.moveTo(b.left, y); ctx.lineTo(b.left + b.width, y); ctx.stroke();
        if (ref.label) {
          ctx.font = 11 * r + "px system-ui, sans-serif";
          ctx.textAlign = "right";
          ctx.textBaseline = "bottom";
          ctx.fillText(ref.label, b.left + b.width - 4 * r, y - 2 * r);
        }
      });
      ctx.setLineDash([]);
      (spec.markers || []).forEach(function (m) {
        ctx.strokeStyle = ctx.fillStyle = m.color;
        ctx.lineWidth = (m.tall ? 2.5 : 1) * r;
        ctx.beginPath();
        m.x.forEach(function (t) {
          var x = u.valToPos(t, "x", true);
          if (m.lane != null) {
            var y = u.valToPos(laneY(spec, m.lane), "y", true), h = (m.tall ? 10 : 6) * r;
            ctx.moveTo(x, y - h); ctx.lineTo(x, y + h);
          } else {
            ctx.moveTo(x + 4 * r, b.top + 5 * r); ctx.arc(x, b.top + 5 * r, 4 * r, 0, 2 * Math.PI);
          }
        });
        if (m.lane != null) ctx.stroke(); else ctx.fill();
      });
      ctx.restore();
    }] } };
  }

  function tooltip(spec) {
    var tip;
    var tipOf = TIP[spec.unit];
    function actual(s, i, v) {
      if (!s.actual) return v;
      for (var k = 0; k < s.actual.length; k++) if (s.actual[k][0] === i) return s.actual[k][1];
      return v;
    }
    function row(color, label, value) {
      var line = el("div");
      var sw = el("i"); sw.style.background = color;
      line.appendChild(sw);
      line.appendChild(document.createTextNode(value === undefined ? label : label + ": " + value));
      tip.appendChild(line);
    }
    return { hooks: {
      init: [function (u) { tip = el("div", "tip"); tip.style.display = "none"; u.over.appendChild(tip); }],
      setCursor: [function (u) {
        var c = u.cursor, i = c.idx;
        if (c.left == null || c.left < 0 || i == null) { tip.style.display = "none"; return; }
        tip.textContent = "";
        tip.appendChild(el("b", null, day(spec.lanes ? u.posToVal(c.left, "x") : u.data[0][i])));
        if (!spec.lanes) {
          spec.series.forEach(function (s, k) {
            var v = u.data[k + 1][i];
            if (s.tip === false || v == null) return;
            row(s.color, s.label, tipOf(actual(s, i, v)));
          });
          (spec.sums || []).forEach(function (sum) {
            var v = 0;
            sum.terms.forEach(function (t) { v += t[1] * (u.data[t[0]][i] || 0); });
            row(sum.color, sum.label, tipOf(v));
          });
        }
        var near = 0;
        (spec.markers || []).forEach(function (m) {
          m.x.forEach(function (t) {
            if (near >= 8 || Math.abs(u.valToPos(t, "x") - c.left) > 4) return;
            near++;
            // Labels may carry their date already ("rebalance on 2025-08-22").
            if (m.label.indexOf(day(t)) >= 0) row(m.color, m.label);
            else row(m.color, m.label, day(t));
          });
        });
        if (tip.childNodes.length === 1) { tip.style.display = "none"; return; }
        tip.style.display = "block";
        var w = u.over.clientWidth, tw = tip.offsetWidth;
        tip.style.left = (c.left + 12 + tw > w ? Math.max(0, c.left - 12 - tw) : c.left + 12) + "px";
        tip.style.top = Math.max(0, Math.min(c.top, u.over.clientHeight - tip.offsetHeight)) + "px";
      }]
    } };
  }

  function yRange(spec) {
    return function (u, min, max) {
      if (spec.lanes) return [-0.5, spec.lanes.length - 0.5];
      if (min == null || max == null) { min = spec.log ? 1 : 0; max = spec.log ? 10 : 1; }
      (spec.references || []).forEach(function (ref) { min = Math.min(min, ref.y); max = Math.max(max, ref.y); });
      if (spec.clip) { min = Math.max(min, spec.clip[0]); max = Math.min(max, spec.clip[1]); }
      if (spec.log) return uPlot.rangeLog(min, max, 10, true);
      return uPlot.rangeNum(min, max, 0.1, true);
    };
  }

  function draw(fig) {
    var spec = JSON.parse(fig.querySelector("script.chart-data").textContent);
    var box = fig.querySelector(".plot");
    box.textContent = "";
    var axisOf = AXIS[spec.unit];
    var yAxis = { size: spec.lanes ? 84 : 64, values: function (u, splits, ax, space, incr) {
      return splits.map(function (v) {
        if (v == null) return "";
        return spec.lanes ? spec.lanes[spec.lanes.length - 1 - v] : axisOf(v, incr);
      });
    } };
    if (spec.lanes) yAxis.splits = function () { return spec.lanes.map(function (_, k) { return k; }); };
    var opts = {
      width: Math.max(200, box.clientWidth),
      height: spec.height || 300,
      legend: { show: false },
      tzDate: function (t) { return uPlot.tzDate(new Date(t * 1000), "Etc/UTC"); },
      cursor: { drag: { x: true, y: false }, points: { show: !spec.lanes } },
      scales: { x: { time: true }, y: { distr: spec.log ? 3 : 1, range: yRange(spec) } },
      axes: [{}, yAxis],
      series: [{}].concat(spec.series.map(function (s) {
        return {
          label: s.label,
          stroke: s.width === 0 ? "transparent" : s.color,
          width: s.width == null ? 1.4 : s.width,
          dash: s.dashed ? [5, 3] : undefined,
          fill: s.fill,
          points: { show: false },
          spanGaps: false
        };
      })),
      bands: spec.bands || [],
      plugins: [overlay(spec), tooltip(spec)]
    };
    var u = new uPlot(opts, [spec.x].concat(spec.series.map(function (s) { return s.values; })), box);
    return { u: u, box: box };
  }

  function start() {
    var plots = Array.prototype.map.call(document.querySelectorAll("figure.chart"), draw);
    var queued = 0;
    window.addEventListener("resize", function () {
      cancelAnimationFrame(queued);
      queued = requestAnimationFrame(function () {
        plots.forEach(function (p) { p.u.setSize({ width: Math.max(200, p.box.clientWidth), height: p.u.height }); });
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();`;

/** The head elements a page with charts needs: uPlot inlined (`uplotInlineTags`) and the runtime that draws them. */
export function chartHeadTags(): string {
  return `${uplotInlineTags()}\n<script>${RUNTIME_JS.replaceAll("</", "<\\/")}</script>`;
}
