// Reopen-gap table of docs/hedging.md: per tradfi file in data/, the |Open / previous Close − 1| distribution of
// weekend + holiday gaps (and overnight gaps for the equity ETFs), and the closing margin each market's rule gives.
// Run: npx tsx scripts/analysis/reopen-gaps.ts  (prints Markdown; --json for the raw numbers)
import { readFileSync } from "node:fs";
import { loadTradfiOhlc } from "../../src/data/index.js";
import { REOPEN_GAP_SOURCES } from "../../src/hours/defaults.js";
import { closingMarginFromGaps, type ReopenGap, reopenGapStats, reopenGaps } from "../../src/hours/gaps.js";

const WAD = 10n ** 18n;
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const rows: Record<string, unknown>[] = [];
const files: Record<string, string> = {
  spy: "data/tradfi/spy_daily_2019-2026.csv",
  qqq: "data/tradfi/qqq_daily_2019-2026.csv",
  gold: "data/tradfi/gold_futures_daily_2019-2026.csv",
  eurusd: "data/tradfi/eurusd_daily_2019-2026.csv",
};
const lines: string[] = [
  "| data | gaps | count | median | p95 | p99 | p99.9 | max | worst (signed) |",
  "|---|---|---|---|---|---|---|---|---|",
];
for (const [name, path] of Object.entries(files)) {
  const gaps = reopenGaps(loadTradfiOhlc(readFileSync(path, "utf8")).rows);
  const sets: [string, (g: ReopenGap) => boolean][] = [
    ["weekend", (g) => g.kind === "weekend"],
    ["holiday", (g) => g.kind === "holiday"],
    ["weekend + holiday", (g) => g.kind !== "overnight"],
  ];
  if (name === "spy" || name === "qqq") {
    sets.push(["overnight", (g) => g.kind === "overnight"], ["all closes", () => true]);
  }
  for (const [label, keep] of sets) {
    const s = reopenGapStats(gaps.filter(keep));
    if (s === undefined) continue;
    rows.push({ name, label, ...s });
    lines.push(
      `| ${name} | ${label} | ${s.count} | ${pct(s.median)} | ${pct(s.p95)} | ${pct(s.p99)} | ${pct(s.p999)} | ${pct(s.max)} | ${s.worstDate} (${pct(s.worstGapRatio)}) |`,
    );
  }
}
lines.push("", "| market | data | gaps | MM | closing MM |", "|---|---|---|---|---|");
for (const [market, src] of Object.entries(REOPEN_GAP_SOURCES)) {
  const gaps = reopenGaps(loadTradfiOhlc(readFileSync(files[src.data] as string, "utf8")).rows).filter(
    (g) => src.overnight || g.kind !== "overnight",
  );
  const stats = reopenGapStats(gaps);
  if (stats === undefined) continue;
  const cmm = closingMarginFromGaps({ stats, maintenanceMarginRatio: src.maintenanceMarginRatio });
  lines.push(
    `| ${market} | ${src.data} | ${src.overnight ? "every close" : "weekend + holiday"} | ${Number((src.maintenanceMarginRatio * 100n) / WAD)} % | ${Number((cmm * 100n) / WAD)} % |`,
  );
}
console.log(process.argv.includes("--json") ? JSON.stringify(rows, null, 2) : lines.join("\n"));
