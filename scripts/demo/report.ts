// The demo's outputs: the summary table for the terminal and a self-contained HTML report drawn with the
// backtester's chart primitives (src/backtest/report.ts: uPlot inlined, each chart's data embedded; no URL).
import { PNL_TERMS } from "../../src/backtest/attribution.js";
import {
  attributionChart,
  escapeHtml,
  formatCount,
  formatPercent,
  formatUsd,
  lineChart,
  type Marker,
  reportHead,
} from "../../src/backtest/report.js";
import { RECKLESS } from "./book.js";
import type { DemoSummary } from "./summary.js";

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf"];
const EVENT_COLORS = { rebalance: "#555555", liquidation: "#d62728", oracle: "#9467bd" } as const;

const reasonsText = (reasons: Partial<Record<string, number>>) =>
  Object.entries(reasons)
    .map(([r, n]) => `${r}×${n}`)
    .join(" ") || "–";

/** Units of an asset: 4 significant digits, thousands separated above 1,000 ("-300,000", "-80.15"). */
const units = (x: number) =>
  Math.abs(x) >= 1000 ? x.toLocaleString("en-US", { maximumFractionDigits: 0 }) : Number(x.toPrecision(4)).toString();

/** The summary table rows: one per hedge, then the total. */
function tableRows(s: DemoSummary): string[][] {
  const rows = s.hedges.map((h) => [
    h.symbol,
    formatUsd(h.exposureUsdStart),
    `${units(h.hedgeSizeUnitsStart)} → ${units(h.hedgeSizeUnitsEnd)}`,
    formatPercent(h.varianceReduction),
    formatPercent(h.offsetRatio),
    formatUsd(h.carryUsd),
    formatUsd(h.feesUsd),
    `${h.rebalances} ${h.rebalances > 0 ? `(${reasonsText(h.reasons)})` : ""}`.trim(),
    formatCount(h.oracleVetoes),
  ]);
  rows.push([
    "Total book",
    formatUsd(s.hedges.reduce((a, h) => a + h.exposureUsdStart, 0)),
    "",
    formatPercent(s.total.varianceReduction),
    formatPercent(s.total.offsetRatio),
    formatUsd(s.total.carryUsd),
    formatUsd(s.total.feesUsd),
    `${s.rebalances.count} tx`,
    formatCount(s.oracleVetoes.length),
  ]);
  return rows;
}

const HEADINGS = [
  "Hedge",
  "Exposure (day 0)",
  "Hedge size (units)",
  "Variance reduction",
  "P&L offset",
  "Carry paid",
  "Fees",
  "Rebalances (reasons)",
  "Oracle vetoes",
];

/**
 * The attribution's rows (term, USD), the hedged P&L last. Gas and liquidations are left out: the book excludes gas
 * (reported on its own) and the hedger is never liquidated.
 */
function attributionRows(s: DemoSummary): [string, string][] {
  return [
    ...PNL_TERMS.filter((t) => t.key !== "gas" && t.key !== "liquidations").map((t): [string, string] => [
      t.heading,
      formatUsd(s.attribution[t.key]),
    ]),
    ["Hedged book P&L (the sum)", formatUsd(s.attribution.total)],
  ];
}

/** The Uniswap position in one line: its fees and its time out of range. */
function poolText(s: DemoSummary): string {
  return `Uniswap v3 position (read from chain each day, the pool kept at the feed by an arbitrageur's swaps through the real router): fees earned ${formatUsd(s.pool.feesUsd)}, out of range ${s.pool.daysOutOfRange} d${s.pool.firstOutOfRange ? ` (first on ${s.pool.firstOutOfRange})` : ""}.`;
}

/** The tradfi markets' hours in one line: days closed per market and the reopen gaps. */
function marketHoursText(s: DemoSummary): string {
  const closed = Object.entries(s.marketHours.closedDays).map(([symbol, n]) => `${symbol} ${n} d`);
  const gaps = s.marketHours.reopens.map((r) => Math.abs(r.gapRatio));
  const worst = s.marketHours.reopens.reduce<(typeof s.marketHours.reopens)[number] | undefined>(
    (w, r) => (w === undefined || Math.abs(r.gapRatio) > Math.abs(w.gapRatio) ? r : w),
    undefined,
  );
  return closed.length === 0
    ? "Market hours: no tradfi market closed in the window."
    : `Market hours (gold, EUR/USD, S&P 500 closed at the weekend, their feeds silent): closed ${closed.join(", ")}; ${gaps.length} reopen(s)${worst ? `, worst gap ${(worst.gapRatio * 100).toFixed(2)} % (${worst.symbol} on ${worst.date})` : ""}.`;
}

export function formatDemoSummary(s: DemoSummary): string {
  const rows = [HEADINGS, ...tableRows(s)];
  const widths = HEADINGS.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join("  ");
  const out = [
    `Parapet demo: ${s.days} days of real closes, ${s.from} → ${s.to}`,
    "",
    line(HEADINGS),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.slice(1).map(line),
    "",
    `Book P&L: unhedged ${formatUsd(s.total.unhedgedPnlUsd)}, hedged ${formatUsd(s.total.hedgedPnlUsd)} (hedged = exposures + hedge accounts' equity + the hedger's USDC; gas excluded).`,
    "Where the hedged P&L went:",
    ...(() => {
      const rows = attributionRows(s);
      const w = Math.max(...rows.map(([h]) => h.length));
      const v = Math.max(...rows.map(([, x]) => x.length));
      return rows.map(([h, x]) => `  ${h.padEnd(w)}  ${x.padStart(v)}`);
    })(),
    poolText(s),
    `Gas (hedger: setup, opening, rebalances): ${s.gas.gasUsed.toLocaleString("en-US")} gas in ${s.gas.transactions} tx = ${formatUsd(s.gas.usd)} at ${s.gas.gasPriceGwei} gwei and each day's ETH feed price.`,
    `Gas (keeper: funding accruals, stop-losses, liquidations): ${s.keeperGas.gasUsed.toLocaleString("en-US")} gas in ${s.keeperGas.transactions} tx = ${formatUsd(s.keeperGas.usd)}.`,
    `Rebalances: ${s.rebalances.count} transactions after the opening (${reasonsText(s.rebalances.reasons)}).`,
    `Liquidations: ${s.liquidations.count}${s.liquidations.events.map((l) => ` — day ${l.day} (${l.date}): the ${l.who}, ${(l.closedFraction * 100).toFixed(0)} % closed, keeper reward ${formatUsd(l.keeperRewardUsd)}`).join(";")}.`,
    `Stop-losses executed by the keeper: ${s.stops.count}${s.stops.events.map((x) => ` — day ${x.day} (${x.date}): the ${x.who}, ${x.sizeDeltaUnits < 0 ? "sold" : "bought"} ${Math.abs(x.sizeDeltaUnits).toFixed(2)} at ${formatUsd(x.fillPriceUsd)}, keeper fee ${formatUsd(x.keeperFeeUsd)}`).join(";")}.`,
    `Oracle vetoes: ${s.oracleVetoes.length}${s.oracleVetoes.map((v) => ` — day ${v.day} (${v.date}) ${v.symbol}: ${v.message}; hedger sent ${v.hedgerSent ? "a transaction for the other hedges" : "nothing"}`).join(";")}.`,
    marketHoursText(s),
    "",
    "Variance reduction = 1 − Var(hedged daily P&L) / Var(unhedged daily P&L), per hedge: exposure value change vs that plus the hedge account's on-chain equity change net of deposits (a stale-feed day is merged into the next). P&L offset = −hedge P&L / exposure P&L over the window. Carry: funding paid (negative: received), from Traded events plus what the open position owes.",
  ];
  if (s.reportPath !== undefined) out.push("", `Report: ${s.reportPath}`);
  return out.join("\n");
}

/** Change since the first day: the two books start at different values (the hedged one holds the hedge capital). */
const sinceDay0 = (values: readonly number[]) => values.map((v) => v - (values[0] ?? Number.NaN));

/** The demo report: one self-contained HTML page. */
export function renderDemoReport(s: DemoSummary): string {
  const dates = s.series.dates;
  const markers: Marker[] = [];
  s.series.dates.forEach((date, i) => {
    if (i === 0) return;
    if (s.rebalances.days.includes(i))
      markers.push({ dayIndex: i, color: EVENT_COLORS.rebalance, label: `rebalance on ${date}` });
  });
  for (const l of s.liquidations.events)
    markers.push({
      dayIndex: l.day,
      color: EVENT_COLORS.liquidation,
      label: `liquidation of the ${l.who} on ${l.date}`,
    });
  for (const v of s.oracleVetoes)
    markers.push({ dayIndex: v.day, color: EVENT_COLORS.oracle, label: `ORACLE veto (${v.symbol}) on ${v.date}` });
  const hedgeColor = (k: number) => COLORS[k % COLORS.length] ?? "#000";
  const charts = [
    lineChart({
      title: "Book value change since day 0: unhedged vs hedged (USD)",
      dates,
      lines: [
        {
          label: "unhedged (exposures only)",
          color: "#000000",
          values: sinceDay0(s.series.unhedgedValueUsd),
          dashed: true,
        },
        {
          label: "hedged (exposures + hedge accounts + USDC reserve)",
          color: "#1f77b4",
          values: sinceDay0(s.series.hedgedValueUsd),
        },
      ],
      unit: "usd",
      markers,
      maxPoints: 1000,
      note: "Markers: grey = rebalance, red = liquidation (reckless trader), purple = ORACLE veto (stale feed). A gap in the hedged line is a day the vault could not price an account.",
    }),
    lineChart({
      title: "Cumulative carry paid by the hedges (USD; negative: received)",
      dates,
      lines: [
        ...s.hedges.map((h, k) => ({ label: h.symbol, color: hedgeColor(k), values: s.series.carryUsd[k] ?? [] })),
        { label: "total", color: "#000000", values: s.series.totalCarryUsd, dashed: true },
      ],
      unit: "usd",
      maxPoints: 1000,
    }),
    lineChart({
      title: "Margin ratio per account (equity / maintenance margin, log scale)",
      dates,
      lines: [
        ...s.hedges.map((h, k) => ({
          label: `${h.symbol} hedge`,
          color: hedgeColor(k),
          values: s.series.marginRatio[k] ?? [],
        })),
        {
          label: `reckless trader (${RECKLESS.symbol} ${RECKLESS.leverage}× long)`,
          color: "#d62728",
          values: s.series.recklessMarginRatio,
          dashed: true,
        },
      ],
      unit: "multiple",
      scale: "log",
      clip: [0.5, 1000],
      references: [
        { y: 1, label: "liquidation (1×)" },
        { y: 2, label: "margin call (2×)" },
      ],
      markers,
      maxPoints: 1000,
    }),
    lineChart({
      title: "Feed prices replayed (day 0 = 100 %)",
      dates,
      lines: s.hedges.map((h, k) => ({ label: h.symbol, color: hedgeColor(k), values: s.series.priceIndex[k] ?? [] })),
      unit: "percent",
      markers,
      maxPoints: 1000,
    }),
    attributionChart("Where the hedged book's P&L went (cumulative, USD)", dates, s.series.attribution, 1000),
  ];
  const table = `<table><thead><tr>${HEADINGS.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${tableRows(
    s,
  )
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
  const list = (items: readonly string[]) =>
    items.length === 0 ? "<p>None.</p>" : `<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join("")}</ul>`;
  const events = [
    ...s.rebalances.events.map((r): [number, string] => [
      r.day,
      `Day ${r.day} (${r.date}): rebalance of ${r.hedges.map((h) => `${h.symbol} (${h.reasons.join(" + ")})`).join(", ")}, gas ${r.gasUsed.toLocaleString("en-US")}, tx ${r.hash}`,
    ]),
    ...s.liquidations.events.map((l): [number, string] => [
      l.day,
      `Day ${l.day} (${l.date}): keeper liquidated the ${l.who} ${l.owner}#${l.accountIndex} (${(l.closedFraction * 100).toFixed(0)} % closed), reward ${formatUsd(l.keeperRewardUsd)}, tx ${l.hash}`,
    ]),
    ...s.stops.events.map((x): [number, string] => [
      x.day,
      `Day ${x.day} (${x.date}): keeper executed the ${x.who}'s stop-loss #${x.orderId} (${x.sizeDeltaUnits < 0 ? "sold" : "bought"} ${Math.abs(x.sizeDeltaUnits).toFixed(2)} at ${formatUsd(x.fillPriceUsd)}), keeper fee ${formatUsd(x.keeperFeeUsd)}, tx ${x.hash}`,
    ]),
    ...s.oracleVetoes.map((v): [number, string] => [
      v.day,
      `Day ${v.day} (${v.date}): ORACLE veto on ${v.symbol} — ${v.message}; ${v.hedgerSent ? "the hedger still sent a transaction for other hedges" : "the hedger sent nothing"}`,
    ]),
  ]
    .sort((a, b) => a[0] - b[0]) // stable: same-day events keep the order above
    .map(([, text]) => text);
  return `<!doctype html>
<html lang="en"><head>${reportHead(`Parapet demo ${s.from} → ${s.to}`)}</head><body>
<h1>Parapet demo: ${s.days} days, ${escapeHtml(s.from)} → ${escapeHtml(s.to)}</h1>
<p>A hedger's book replayed day by day on an in-process chain: real daily closes pushed through the mock Chainlink feeds,
time advanced one day at a time, the rebalancer and the liquidation keeper running after each update. Every number below
was read from the chain (receipts, events, account reads).</p>
<h2>Summary</h2>${table}
<p>Book P&amp;L: unhedged ${escapeHtml(formatUsd(s.total.unhedgedPnlUsd))}, hedged ${escapeHtml(formatUsd(s.total.hedgedPnlUsd))}.
Hedger gas: ${escapeHtml(s.gas.gasUsed.toLocaleString("en-US"))} in ${s.gas.transactions} transactions = ${escapeHtml(formatUsd(s.gas.usd))}
at ${s.gas.gasPriceGwei} gwei. Keeper gas: ${escapeHtml(s.keeperGas.gasUsed.toLocaleString("en-US"))} = ${escapeHtml(formatUsd(s.keeperGas.usd))}.
Liquidations: ${s.liquidations.count} (keeper rewards ${escapeHtml(formatUsd(s.liquidations.rewardUsd))}).
Stop-losses executed: ${s.stops.count} (keeper fees ${escapeHtml(formatUsd(s.stops.keeperFeesUsd))}).</p>
<h2>Where the hedged P&amp;L went</h2><table><thead><tr><th>Term</th><th>USD</th></tr></thead><tbody>${attributionRows(
    s,
  )
    .map(([h, x]) => `<tr><td>${escapeHtml(h)}</td><td>${escapeHtml(x)}</td></tr>`)
    .join("")}</tbody></table>
<p class="note">Each term is booked per day at the feed prices: the position's ETH × ΔP (exposure price), its
rebalancing inside the pool (impermanent loss / gamma) and what the pool's price stood from the feed's (basis), its
uncollected fees; each hedge's funding, fees and skew premium from its Traded events, and the rest of its equity
change (hedge price). ${escapeHtml(poolText(s))}</p>
<p class="note">Variance reduction = 1 − Var(hedged daily P&amp;L) / Var(unhedged daily P&amp;L); unhedged = change of the
exposure's value at the feed price, hedged = that plus the change of the hedge account's equity net of deposits (a
stale-feed day is merged into the next). P&amp;L offset = −hedge P&amp;L / exposure P&amp;L over the window.</p>
${charts.join("\n")}
<h2>Events</h2>${list(events)}
<h2>Plan</h2><p>Collateral + reserve ${escapeHtml(formatUsd(s.plan.totalCapitalUsd))} for ${escapeHtml(formatUsd(s.plan.totalNotionalUsd))} of hedge notional (reserve ${escapeHtml(formatUsd(s.plan.reserveUsd))}).</p>${list(s.plan.warnings)}
<h2>Price sources (proxies)</h2>${list(s.proxies.map((p) => `${p.symbol}: ${p.proxy}`))}
<p class="note">${escapeHtml(marketHoursText(s))} Holidays have no bar either: the feed re-posts the last close
(the shipped schedules have no holiday closures). Generated in ${(s.elapsedMs / 1000).toFixed(1)} s.</p>
</body></html>
`;
}
