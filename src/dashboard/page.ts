// The dashboard's page: one self-contained HTML document (uPlot inlined, no external URL), rendered in the browser
// from GET /api/state and /api/history, then from each Server-Sent Event on /events. Numbers in human units, times in
// the browser's zone with UTC in the `title`. Elements the browser test reads carry `data-testid`.
import { uplotInlineTags } from "../charts/uplot.js";

const CSS = `
:root { --bg:#0f1419; --panel:#182028; --fg:#e6e9ed; --muted:#8b96a3; --line:#2a3541; --green:#2fb36d; --amber:#e0a526;
  --red:#e5484d; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg); font-size:14px; }
header { display:flex; flex-wrap:wrap; gap:8px 20px; align-items:baseline; padding:12px 20px; border-bottom:1px solid var(--line); }
header h1 { font-size:18px; margin:0; }
.muted { color:var(--muted); }
.pill { padding:2px 8px; border-radius:10px; font-size:12px; font-weight:600; }
.pill.live { background:var(--green); color:#04140b; } .pill.stale, .pill.starting { background:var(--red); color:#fff; }
main { padding:12px 20px 40px; display:grid; gap:16px; grid-template-columns: repeat(12, minmax(0, 1fr)); }
section { overflow-wrap:anywhere; background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:12px; min-width:0; }
section h2 { font-size:14px; margin:0 0 8px; color:var(--muted); font-weight:600; text-transform:uppercase; letter-spacing:.04em; }
.w12 { grid-column: span 12; } .w8 { grid-column: span 8; } .w6 { grid-column: span 6; } .w4 { grid-column: span 4; }
#banner { display:none; background:var(--red); color:#fff; padding:10px 20px; font-weight:600; }
#banner.show { display:block; }
body.stale main { opacity:.55; }
table { width:100%; border-collapse:collapse; font-variant-numeric: tabular-nums; }
th, td { text-align:right; padding:4px 6px; border-bottom:1px solid var(--line); white-space:nowrap; }
th:first-child, td:first-child { text-align:left; }
th { color:var(--muted); font-weight:500; font-size:12px; }
.scroll { overflow-x:auto; }
.badge { display:inline-block; padding:1px 7px; border-radius:9px; font-size:12px; font-weight:600; }
.badge.ok { background:var(--green); color:#04140b; } .badge.warn { background:var(--amber); color:#1c1400; }
.badge.fail { background:var(--red); color:#fff; } .badge.closed { background:#555; color:#fff; }
ul.alerts { list-style:none; margin:0; padding:0; display:grid; gap:6px; }
ul.alerts li { overflow-wrap:anywhere; padding:6px 10px; border-radius:6px; border-left:5px solid; background:#1f2a35; }
li.critical { border-color:var(--red); } li.warning { border-color:var(--amber); } li.info { border-color:#4c8dff; }
.kpis { display:grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap:8px; }
.kpi { background:#1f2a35; border-radius:6px; padding:8px; } .kpi b { display:block; font-size:18px; margin-top:2px; }
.charts { display:grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap:10px; }
.chart { min-width:0; } .chart h3 { font-size:12px; margin:0 0 4px; color:var(--muted); font-weight:500; }
.neg { color:var(--red); } .pos { color:var(--green); }
.uplot, .u-legend { color:var(--fg); } .u-legend { font-size:12px; }
@media (max-width: 700px) {
  header { padding:10px 12px; } main { padding:10px 12px 30px; gap:10px; grid-template-columns: minmax(0, 1fr); }
  .w12, .w8, .w6, .w4 { grid-column: span 1; }
  th, td { padding:3px 4px; font-size:12px; }
  .charts { grid-template-columns: minmax(0, 1fr); }
}`;

// The browser side: plain ES2020, no build step.
const SCRIPT = `
"use strict";
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const usdFmt = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
const fmtUsd = (x) => (x == null ? "–" : usdFmt.format(x));
const fmtPrice = (x) => x == null ? "–" : new Intl.NumberFormat("en-US", { style: "currency", currency: "USD",
  minimumFractionDigits: x < 10 ? 4 : 2, maximumFractionDigits: x < 10 ? 4 : 2 }).format(x);
const fmtPct = (x, d = 1) => (x == null ? "–" : (x * 100).toFixed(d) + " %");
const fmtUnits = (x, sym) => (x == null ? "–" : x.toLocaleString("en-US", { maximumFractionDigits: 4 }) + (sym ? " " + sym : ""));
// Axis ticks: short ("$61.2K", "$1.08"), the legend carries the exact value.
const axisFmt = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", notation: "compact", maximumSignificantDigits: 4 });
const fmtAxisUsd = (x) => (x == null ? "" : axisFmt.format(x));
const fmtRatio = (x) => (x == null ? "–" : x.toFixed(2) + "×");
const hhmm = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const utc = (s) => new Date(s * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
const time = (s) => s == null ? "–" : '<time datetime="' + new Date(s * 1000).toISOString() + '" title="' + utc(s) + '">' +
  esc(new Date(s * 1000).toLocaleString()) + "</time>";
const shortKey = (key) => { const [o, i] = key.split(":"); return o.slice(0, 6) + "…" + o.slice(-4) + ":" + i; };
const tid = (s) => esc(s);
const cls = (x) => (x == null ? "" : x < 0 ? "neg" : x > 0 ? "pos" : "");
const COLORS = ["#4c8dff", "#2fb36d", "#e0a526", "#e5484d", "#b36ae2", "#1fb5c4", "#f07f3c", "#8bc34a", "#ff6fa8", "#9e9e9e"];

let state = null;
let history = [];
const charts = {};

function render() {
  const s = state;
  if (!s) return;
  document.body.classList.toggle("stale", s.status !== "live");
  $("status").className = "pill " + s.status;
  $("status").textContent = s.status === "live" ? "live" : s.status === "stale" ? "not live" : "starting";
  $("block-number").textContent = s.blockNumber ?? "–";
  $("block-time").innerHTML = time(s.blockTimestamp);
  const banner = $("banner");
  if (s.error) {
    banner.classList.add("show");
    banner.textContent = s.blockNumber
      ? "RPC unreachable since " + hhmm(s.error.since) + ": the numbers below are from block " + s.blockNumber + " at " +
        hhmm(s.blockTimestamp * 1000) + ", not live. (" + s.error.message + ")"
      : "RPC unreachable since " + hhmm(s.error.since) + ": no numbers yet. (" + s.error.message + ")";
  } else banner.classList.remove("show");
  $("rpc-budget").textContent = s.rpc ? s.rpc.ethCalls + " eth_call + " + s.rpc.getLogs + " eth_getLogs, " + s.rpc.refreshMs + " ms" : "–";

  $("alerts").innerHTML = s.alerts.length === 0 ? '<li class="info" data-testid="no-alerts">No alerts.</li>' :
    s.alerts.map((a) => '<li data-testid="alert" class="' + a.severity + '" data-code="' + a.code + '" data-severity="' + a.severity +
      '" data-account="' + esc(a.account ?? "") + '" data-market="' + esc(a.market ?? "") + '"><b>' + esc(a.severity) + "</b> " +
      esc(a.message) + "</li>").join("");

  $("markets").innerHTML = s.markets.map((m) => {
    const f = m.fundingForecast;
    return '<tr data-testid="market-row-' + tid(m.symbol) + '"><td>' + esc(m.symbol) + "</td>" +
      '<td data-testid="market-price-' + tid(m.symbol) + '" data-value="' + esc(m.priceWad ?? "") + '">' + fmtPrice(m.priceUsd) + "</td>" +
      '<td><span class="badge ' + m.oracle.verdict + '" data-testid="oracle-badge-' + tid(m.symbol) + '" data-verdict="' + m.oracle.verdict +
      '" title="' + esc(m.oracle.message) + '">' + m.oracle.verdict + "</span></td>" +
      '<td data-testid="funding-' + tid(m.symbol) + '">' + fmtPct(m.fundingRatePerDay, 4) + "</td>" +
      "<td>" + (f ? fmtPct(f.lower, 4) + " … " + fmtPct(f.upper, 4) : '<span class="muted">collecting</span>') + "</td>" +
      "<td>" + fmtUnits(m.longOpenInterestUnits) + " / " + fmtUnits(m.shortOpenInterestUnits) + "</td>" +
      '<td class="' + cls(m.skewUnits) + '">' + fmtUnits(m.skewUnits) + "</td></tr>";
  }).join("");

  const lp = s.liquidity;
  $("lp-utilization").textContent = lp ? fmtPct(lp.utilization) : "–";
  $("lp-value").textContent = lp ? fmtUsd(lp.valueUsd) : "–";
  $("lp-withdrawable").textContent = lp ? fmtUsd(lp.withdrawableUsd) : "–";
  $("insurance-fund").textContent = lp ? fmtUsd(lp.insuranceFundUsd) : "–";
  $("insurance-fund").dataset.value = lp?.insuranceFundWad ?? "";
  $("bad-debt").textContent = lp ? fmtUsd(lp.badDebtUsd) : "–";
  // The pool is marked at every market's price: one failing oracle blanks its value (the SDK's rule), and says why.
  const failing = s.markets.filter((m) => m.oracle.verdict === "fail").map((m) => m.symbol);
  $("lp-note").textContent = !lp || !lp.oracleError ? "" : failing.length
    ? "Pool value unavailable while the " + failing.join(", ") + " oracle fails (the pool is marked at every price)."
    : "Pool value unavailable: " + lp.oracleError;

  // Empty accounts (no collateral, no position) are read but not listed: --owner watches six indexes by default.
  const listed = s.accounts.filter((a) => a.positions.length > 0 || (a.collateralUsd ?? 0) !== 0);
  const empty = s.accounts.length - listed.length;
  $("accounts").innerHTML = listed.map((a) =>
    '<tr data-testid="account-row-' + tid(a.key) + '"><td title="' + esc(a.key) + '">' + esc(shortKey(a.key)) + "</td>" +
    "<td>" + fmtUsd(a.collateralUsd) + "</td>" +
    '<td data-testid="account-equity-' + tid(a.key) + '" data-value="' + esc(a.equityWad ?? "") + '">' + fmtUsd(a.equityUsd) + "</td>" +
    '<td data-testid="account-mm-' + tid(a.key) + '" data-value="' + esc(a.maintenanceMarginWad ?? "") + '">' + fmtUsd(a.maintenanceMarginUsd) + "</td>" +
    '<td data-testid="account-margin-ratio-' + tid(a.key) + '" class="' + (a.marginRatio != null && a.marginRatio < s.thresholds.marginCallRatio ? "neg" : "") + '">' +
    fmtRatio(a.marginRatio) + "</td>" +
    '<td data-testid="account-distance-' + tid(a.key) + '">' + fmtUsd(a.distanceToLiquidationUsd) + "</td>" +
    '<td data-testid="account-carry-' + tid(a.key) + '" title="settled at trades ' + esc(fmtUsd(a.fundingPaidUsd)) + ' + owed now (positive: paid)">' + fmtUsd(a.fundingCarryUsd) + "</td>" +
    "<td>" + a.positions.length + (a.oracleError ? ' <span class="badge fail" title="' + esc(a.oracleError) + '">unpriced</span>' : "") + "</td></tr>"
  ).join("") + (empty > 0 ? '<tr><td colspan="8" class="muted">' + empty + " empty account(s) watched, not listed.</td></tr>" : "");

  $("positions").innerHTML = s.accounts.flatMap((a) => a.positions.map((p) =>
    '<tr data-testid="position-row-' + tid(a.key) + "-" + tid(p.symbol) + '"><td title="' + esc(a.key) + '">' + esc(shortKey(a.key)) + "</td>" +
    "<td>" + esc(p.symbol) + '</td><td class="' + cls(p.sizeUnits) + '">' + fmtUnits(p.sizeUnits, p.symbol) + "</td>" +
    "<td>" + fmtPrice(p.entryPriceUsd) + "</td><td>" + fmtPrice(p.priceUsd) + "</td>" +
    '<td class="' + cls(p.unrealizedPnlUsd) + '">' + fmtUsd(p.unrealizedPnlUsd) + "</td>" +
    "<td>" + fmtUsd(p.accruedFundingUsd) + "</td>" +
    '<td data-testid="position-liq-' + tid(a.key) + "-" + tid(p.symbol) + '" data-value="' + esc(p.liquidationPriceWad ?? "") + '">' +
    (p.liquidationPriceUsd === 0 ? "none" : fmtPrice(p.liquidationPriceUsd)) + "</td>" +
    '<td data-testid="position-liq-distance-' + tid(a.key) + "-" + tid(p.symbol) + '">' + fmtPct(p.liquidationDistance) + "</td>" +
    "<td>" + fmtPrice(p.liquidationPriceWithFundingUsd) + "</td></tr>")).join("") ||
    '<tr><td colspan="10" class="muted">No positions.</td></tr>';

  const orders = [
    ...s.orders.trigger.map((o) => "<tr><td>#" + esc(o.orderId) + "</td><td>" + esc(o.kind) + '</td><td title="' + esc(o.account) + '">' +
      esc(shortKey(o.account)) + "</td><td>" + esc(o.symbol) + "</td><td>" + fmtUnits(o.sizeUnits) + "</td><td>" +
      (o.triggerAbove ? "≥ " : "≤ ") + fmtPrice(o.triggerPriceUsd) + "</td><td>" + (o.due ? "due" : "waiting") + "</td><td>" + time(o.expiry) + "</td></tr>"),
    ...s.orders.delayed.map((o) => "<tr><td>#" + esc(o.orderId) + '</td><td>delayed</td><td title="' + esc(o.account) + '">' +
      esc(shortKey(o.account)) + "</td><td>" + esc(o.symbol) + "</td><td>" + fmtUnits(o.sizeUnits) + "</td><td>after " + time(o.settleAfter) +
      "</td><td>" + esc(o.status) + "</td><td>" + time(o.settleBefore) + "</td></tr>"),
  ];
  $("orders").innerHTML = orders.join("") || '<tr><td colspan="8" class="muted">No pending orders.</td></tr>';

  $("actions").innerHTML = s.keeperActions.slice(0, 50).map((x) =>
    '<tr data-testid="action"><td>' + esc(x.blockNumber) + "</td><td>" + esc(x.event) + "</td><td>" + esc(x.account ? shortKey(x.account) : x.symbol ?? "") +
    '</td><td style="text-align:left;white-space:normal">' + esc(x.message) + "</td></tr>").join("") ||
    '<tr><td colspan="4" class="muted">No keeper actions since the dashboard started.</td></tr>';

  const h = s.hedge;
  $("hedge").innerHTML = !h ? '<p class="muted">No exposure configured (parapet dashboard --exposure ASSET=AMOUNT).</p>' :
    '<div class="kpis"><div class="kpi">exposure P&amp;L<b class="' + cls(h.exposurePnlUsd) + '">' + fmtUsd(h.exposurePnlUsd) + "</b></div>" +
    '<div class="kpi">hedge P&amp;L<b class="' + cls(h.hedgePnlUsd) + '">' + fmtUsd(h.hedgePnlUsd) + "</b></div>" +
    '<div class="kpi">net<b class="' + cls(h.netPnlUsd) + '">' + fmtUsd(h.netPnlUsd) + "</b></div>" +
    '<div class="kpi">effectiveness<b data-testid="hedge-effectiveness">' + fmtPct(h.effectiveness) + "</b></div></div>" +
    '<p class="muted">Since ' + time(h.since) + ": " + h.exposures.map((e) => esc(fmtUnits(e.amount, e.asset)) + " from " + fmtPrice(e.startPriceUsd) +
    " to " + fmtPrice(e.priceUsd)).join("; ") + "</p>";
  drawCharts();
}

// ---- charts (uPlot): drag to zoom, double-click to reset; the legend is the tooltip, with units --------------------
function chartWidth(el) { return Math.max(240, Math.floor(el.clientWidth || 300)); }

function makeChart(key, el, title, seriesDefs, data, height) {
  if (charts[key] && charts[key].n === seriesDefs.length) { charts[key].u.setData(data); return; }
  if (charts[key]) charts[key].u.destroy();
  el.innerHTML = "";
  const opts = {
    title, width: chartWidth(el), height,
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: true }, ...(seriesDefs[0].range ? { y: { range: seriesDefs[0].range } } : {}) },
    axes: [{ stroke: "#8b96a3", grid: { stroke: "#2a3541" } },
           { stroke: "#8b96a3", grid: { stroke: "#2a3541" }, size: 64, values: (u, vals) => vals.map(seriesDefs[0].axis) }],
    series: [{ label: "time", value: (u, v) => (v == null ? "–" : new Date(v * 1000).toLocaleTimeString()) },
             ...seriesDefs.map((d, i) => ({ label: d.label, stroke: d.color ?? COLORS[i % COLORS.length], width: 1.5, dash: d.dash,
               value: (u, v) => (v == null ? "–" : d.fmt(v)) }))],
  };
  charts[key] = { u: new uPlot(opts, data, el), n: seriesDefs.length, el };
}

function drawCharts() {
  const s = state;
  if (!s || typeof uPlot === "undefined") return;
  const t = history.map((p) => p.t);
  const grid = $("chart-price");
  for (const m of s.markets) {
    let el = document.getElementById("chart-price-" + m.symbol);
    if (!el) { el = document.createElement("div"); el.className = "chart"; el.id = "chart-price-" + m.symbol;
      el.dataset.testid = "chart-price-" + m.symbol; grid.appendChild(el); }
    const fmt = (v) => fmtPrice(v);
    makeChart("price-" + m.symbol, el, m.symbol + " price (USD)", [{ label: m.symbol, fmt, axis: fmtAxisUsd }],
      [t, history.map((p) => p.prices[m.symbol] ?? null)], 160);
  }
  const ratio = (v) => v.toFixed(2) + "×";
  const plotted = s.accounts.filter((a) => a.positions.length > 0);
  makeChart("margin", $("chart-margin"), "Margin ratio (equity / maintenance margin)",
    [{ label: "margin call", fmt: ratio, axis: ratio, color: "#e5484d", dash: [6, 4] },
     ...plotted.map((a) => ({ label: shortKey(a.key), fmt: ratio, axis: ratio }))],
    [t, t.map(() => s.thresholds.marginCallRatio), ...plotted.map((a) => history.map((p) => p.marginRatios[a.key] ?? null))], 220);
  const pct = (v) => (v * 100).toFixed(4) + " %/day";
  const pctAxis = (v) => (v * 100).toPrecision(2) + "%";
  makeChart("funding", $("chart-funding"), "Funding rate (% per day, positive: longs pay)",
    // Symmetric around 0, at least ±0.001 %/day: a flat 0 is drawn as 0, not as uPlot's default 0..1.
    s.markets.map((m) => ({ label: m.symbol, fmt: pct, axis: pctAxis,
      range: (u, min, max) => { const r = Math.max(Math.abs(min ?? 0), Math.abs(max ?? 0), 1e-5) * 1.1; return [-r, r]; } })),
    [t, ...s.markets.map((m) => history.map((p) => p.funding[m.symbol] ?? null))], 220);
}

window.addEventListener("resize", () => {
  for (const c of Object.values(charts)) c.u.setSize({ width: chartWidth(c.el), height: c.u.height });
});

function apply(next) {
  state = next;
  if (next.status === "live" && next.blockTimestamp != null) {
    const point = { t: next.blockTimestamp, prices: {}, funding: {}, marginRatios: {} };
    for (const m of next.markets) { point.prices[m.symbol] = m.priceUsd; point.funding[m.symbol] = m.fundingRatePerDay; }
    for (const a of next.accounts) point.marginRatios[a.key] = a.marginRatio;
    if (history.length && history[history.length - 1].t === point.t) history[history.length - 1] = point;
    else if (!history.length || history[history.length - 1].t < point.t) history.push(point);
  }
  render();
}

async function start() {
  try {
    const [h, s] = await Promise.all([fetch("/api/history").then((r) => r.json()), fetch("/api/state").then((r) => (r.ok ? r.json() : null))]);
    history = h;
    if (s) apply(s);
  } catch (e) { /* the event stream below brings the state */ }
  const events = new EventSource("/events");
  events.addEventListener("state", (e) => apply(JSON.parse(e.data)));
}
start();
`;

/** The page's HTML (the data comes from the API once loaded). No URL with a scheme anywhere in it, not even in
 * uPlot's banner comment (kept, as "github.com/leeoniya/uPlot"): nothing in the page can point a browser elsewhere. */
export function dashboardPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parapet dashboard</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
${uplotInlineTags().replaceAll("https://github.com/", "github.com/")}
</head>
<body>
<header>
  <h1>Parapet</h1>
  <span class="pill starting" id="status" data-testid="status">starting</span>
  <span>block <b id="block-number" data-testid="block-number">–</b> · <span id="block-time" data-testid="block-time">–</span></span>
  <span class="muted" data-testid="readonly-note">read-only: no key reaches this server or your browser</span>
  <span class="muted">reads per refresh: <span id="rpc-budget" data-testid="rpc-budget">–</span></span>
</header>
<div id="banner" data-testid="rpc-banner" role="alert"></div>
<main>
  <section class="w12"><h2>Alerts</h2><ul class="alerts" id="alerts" data-testid="alerts"></ul></section>
  <section class="w8"><h2>Markets</h2><div class="scroll"><table data-testid="markets-table">
    <thead><tr><th>market</th><th>price</th><th>oracle</th><th>funding /day</th><th>forecast band</th><th>OI long / short</th><th>skew</th></tr></thead>
    <tbody id="markets"></tbody></table></div></section>
  <section class="w4"><h2>LP pool and insurance</h2><div class="kpis">
    <div class="kpi">utilisation<b id="lp-utilization" data-testid="lp-utilization">–</b></div>
    <div class="kpi">pool value<b id="lp-value" data-testid="lp-value">–</b></div>
    <div class="kpi">withdrawable<b id="lp-withdrawable" data-testid="lp-withdrawable">–</b></div>
    <div class="kpi">insurance fund<b id="insurance-fund" data-testid="insurance-fund">–</b></div>
    <div class="kpi">bad debt (total)<b id="bad-debt" data-testid="bad-debt">–</b></div>
  </div><p class="muted" id="lp-note" data-testid="lp-note"></p></section>
  <section class="w12"><h2>Accounts</h2><div class="scroll"><table data-testid="accounts-table">
    <thead><tr><th>account</th><th>collateral</th><th>equity</th><th>maint. margin</th><th>margin ratio</th><th>to liquidation</th><th>funding carry</th><th>positions</th></tr></thead>
    <tbody id="accounts"></tbody></table></div></section>
  <section class="w12"><h2>Positions</h2><div class="scroll"><table data-testid="positions-table">
    <thead><tr><th>account</th><th>market</th><th>size</th><th>entry</th><th>price</th><th>unrealised P&amp;L</th><th>funding owed</th>
    <th>liq. price</th><th>to liq.</th><th>liq. price, 1 day funding</th></tr></thead>
    <tbody id="positions"></tbody></table></div></section>
  <section class="w12"><h2>Prices</h2><div class="charts" id="chart-price" data-testid="chart-price"></div></section>
  <section class="w6"><h2>Margin ratio</h2><div class="chart" id="chart-margin" data-testid="chart-margin"></div></section>
  <section class="w6"><h2>Funding</h2><div class="chart" id="chart-funding" data-testid="chart-funding"></div></section>
  <section class="w6"><h2>Hedge effectiveness</h2><div id="hedge" data-testid="hedge"></div></section>
  <section class="w6"><h2>Pending orders</h2><div class="scroll"><table data-testid="orders-table">
    <thead><tr><th>order</th><th>kind</th><th>account</th><th>market</th><th>size</th><th>trigger</th><th>state</th><th>expiry</th></tr></thead>
    <tbody id="orders"></tbody></table></div></section>
  <section class="w12"><h2>Keeper actions since start</h2><div class="scroll"><table data-testid="actions-table">
    <thead><tr><th>block</th><th>event</th><th>who</th><th style="text-align:left">what</th></tr></thead>
    <tbody id="actions"></tbody></table></div></section>
</main>
<script>${SCRIPT.replaceAll("</", "<\\/")}</script>
</body>
</html>
`;
}
