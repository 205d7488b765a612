import { expect } from "chai";
import { PNL_TERMS } from "../../src/backtest/attribution.js";
import {
  compactUsd,
  downsampleIndices,
  escapeHtml,
  formatPercent,
  formatUsd,
  lineChart,
  renderBacktestReport,
  sharedDownsampleIndices,
  summariseFits,
} from "../../src/backtest/report.js";
import { CHART_FORMAT_JS, type ChartSpec, chartSpecsInPage } from "../../src/charts/figure.js";
import { uplotInlineTags } from "../../src/charts/uplot.js";
import { makeBacktestResult } from "./helpers/backtestResult.js";

const count = (text: string, needle: string) => text.split(needle).length - 1;

/** Every series of a chart has one value per x. */
function expectAligned(spec: ChartSpec) {
  for (const s of spec.series) expect(s.values, `${spec.title}: ${s.label}`).to.have.length(spec.x.length);
}

/** Self-contained: uPlot inlined once, its runtime and one JSON block per chart the only scripts, nothing fetched. */
function expectSelfContained(html: string, charts: number) {
  expect(html).to.not.match(/https?:\/\//);
  expect(html).to.not.match(/<link|@import|url\(|src=/i);
  expect(count(html, uplotInlineTags())).to.equal(1);
  expect(count(html, "var uPlot=")).to.equal(1);
  expect(count(html, '<script type="application/json" class="chart-data">')).to.equal(charts);
  expect(count(html, "<script")).to.equal(charts + 2);
  expect(count(html, '<figure class="chart">')).to.equal(charts);
  expect(count(html, '<div class="plot"')).to.equal(charts);
}

describe("backtest report (HTML)", () => {
  it("4-year, 5-policy result: self-contained, one uPlot chart per figure with its data, under 2 MB", () => {
    const result = makeBacktestResult(1461);
    const html = renderBacktestReport(result, { title: "Test report", alignmentNotes: ["Calendar: every UTC day"] });
    expect(html.startsWith("<!doctype html>")).to.equal(true);
    // Charts: the P&L attribution of each of the 4 hedging policies, value, carry, margin ratio, events, fits.
    expectSelfContained(html, 9);
    const specs = chartSpecsInPage(html);
    expect(specs.map((s) => s.title)).to.deep.equal([
      "Cumulative P&L by term: static",
      "Cumulative P&L by term: periodic",
      "Cumulative P&L by term: band",
      "Cumulative P&L by term: gas-aware",
      "Portfolio value: hedged (each policy) vs unhedged",
      "Cumulative funding paid by the hedges (USD; negative: received)",
      "Margin ratio: lowest equity / maintenance margin over the hedge accounts (log scale, clipped to 0.5–1000)",
      "Rebalances, margin top-ups and liquidations",
      "Cross-hedge fits: ratio and R² at each re-plan",
    ]);
    for (const spec of specs) expectAligned(spec);
    const [, , , , value, carry, margin, events, fits] = specs as [ChartSpec, ...ChartSpec[]];
    const policies = ["none", "static", "periodic", "band", "gas-aware"];
    // 1,461 days down-sampled to at most 1,000 points, the first and last days kept.
    expect(value?.series.map((s) => s.label)).to.deep.equal(["unhedged", ...policies]);
    expect(value?.unit).to.equal("usd");
    expect(value?.x.length).to.be.within(500, 1000);
    expect(value?.x[0]).to.equal(Date.UTC(2020, 0, 1) / 1000);
    expect(value?.x.at(-1)).to.equal(Date.UTC(2020, 0, 1) / 1000 + 1460 * 86_400);
    expect(value?.series[0]?.dashed).to.equal(true);
    expect(value?.markers?.map((m) => m.label)).to.include("static: liquidation of ETH on 2020-04-10");
    expect(carry?.series.map((s) => s.label)).to.deep.equal(policies);
    expect([margin?.log, margin?.unit, margin?.clip]).to.deep.equal([true, "multiple", [0.5, 1000]]);
    expect(margin?.references).to.deep.equal([{ y: 1, label: "liquidation (1×)" }]);
    expect(events?.lanes).to.deep.equal(policies);
    expect(events?.markers?.find((m) => m.label === "static: liquidation")?.tall).to.equal(true);
    expect(fits?.series.map((s) => s.label)).to.deep.equal(["QQQ→SPY hedge ratio", "QQQ→SPY R²"]);
    expect(fits?.unit).to.equal("percent");
    expect(Buffer.byteLength(html, "utf8")).to.be.lessThan(2_000_000);

    expect(html).to.include("<td>Fill slippage (skew premium)</td>");
    for (const name of policies) expect(html).to.include(`</span>${name}</td>`);
    expect(html).to.include("90.00 %"); // variance reduction of the first policy
    expect(html).to.include("$12,346"); // carry, no cents above $1,000
    expect(html).to.include("$42.50"); // gas
    expect(html).to.include("Calendar: every UTC day");
    expect(html).to.include("QQQ hedged with SPY");
    expect(html).to.include("&quot;firstAccountIndex&quot;: &quot;1&quot;"); // bigint setting serialised
  });

  it("stacks the attribution: cumulative edges filled between neighbours, each term's tooltip row sums to the total", () => {
    const result = makeBacktestResult(400, ["static"]);
    const [spec] = chartSpecsInPage(renderBacktestReport(result));
    if (spec === undefined) throw new Error("no attribution chart");
    const total = spec.series.at(-1);
    expect(total?.label).to.equal("Total P&L");
    const headings = PNL_TERMS.map((t) => t.heading);
    expect(spec.sums?.length).to.be.greaterThan(1);
    for (const sum of spec.sums ?? []) expect(headings).to.include(sum.label);
    // Band edges: filled, no stroke, left out of the tooltip; bands join edges of the same side.
    const edges = spec.series.slice(0, -1);
    for (const e of edges) expect([e.width, e.fill, e.tip]).to.deep.equal([0, e.color, false]);
    for (const b of spec.bands ?? []) for (const si of b.series) expect(si).to.be.within(1, edges.length);
    const at = (si: number, j: number) => spec.series[si - 1]?.values[j] ?? 0;
    const series = result.policies.static?.series.attribution;
    spec.x.forEach((t, j) => {
      const day = Math.round((t - (spec.x[0] ?? 0)) / 86_400);
      const rows = (spec.sums ?? []).map((s) => s.terms.reduce((a, [si, sign]) => a + sign * at(si, j), 0));
      const sum = rows.reduce((a, v) => a + v, 0);
      expect(sum).to.be.closeTo(total?.values[j] ?? Number.NaN, 1 + Math.abs(sum) * 1e-5);
      // Each row is that term's own value on that day.
      (spec.sums ?? []).forEach((s, k) => {
        const key = PNL_TERMS.find((p) => p.heading === s.label)?.key;
        const own = key === undefined ? Number.NaN : (series?.[key][day] ?? Number.NaN);
        expect(rows[k]).to.be.closeTo(own, 1 + Math.abs(own) * 1e-5);
      });
    });
  });

  it("down-samples long lines to at most ~1,000 points shared by every line", () => {
    const result = makeBacktestResult(20_000, ["static"]);
    const html = renderBacktestReport(result);
    const value = chartSpecsInPage(html).find((s) => s.title.startsWith("Portfolio value"));
    expect(value?.series.map((s) => s.label)).to.deep.equal(["unhedged", "static"]);
    expect(value?.x.length).to.be.at.most(1000);
    expect(value?.x.length).to.be.greaterThan(500);
    if (value !== undefined) expectAligned(value);
    expect(Buffer.byteLength(html, "utf8")).to.be.lessThan(500_000);
  });

  it("escapes text: a <script> in a warning, the title, the notes and inside a chart's embedded data", () => {
    const result = makeBacktestResult(30, ["none", "band"]);
    result.warnings.push({ code: "ORACLE_WARNING", message: "<script>alert('x')</script> & co" });
    const html = renderBacktestReport(result, { title: "<b>t</b>", alignmentNotes: ['"quoted" <note>'] });
    expect(html).to.not.include("<script>alert");
    expect(html).to.include("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co");
    expect(html).to.include("<title>&lt;b&gt;t&lt;/b&gt;</title>");
    expect(html).to.include("&quot;quoted&quot; &lt;note&gt;");
    // No fits: four charts, and band's attribution.
    result.fits = [];
    expectSelfContained(renderBacktestReport(result), 5);

    const hostile = "</script><script>alert(1)</script><!--";
    const figure = lineChart({
      title: hostile,
      dates: ["2024-01-01", "2024-01-02"],
      lines: [{ label: hostile, color: "#000000", values: [1, 2] }],
      unit: "usd",
      markers: [{ dayIndex: 1, color: "#d62728", label: hostile }],
      maxPoints: 1000,
    });
    expect(figure).to.not.include("</script><script>");
    expect(figure).to.not.include("<!--");
    expect(count(figure, "</script>")).to.equal(1);
    expect(figure).to.include(`<figcaption>${escapeHtml(hostile)}</figcaption>`);
    const [spec] = chartSpecsInPage(figure);
    expect([spec?.title, spec?.series[0]?.label, spec?.markers?.[0]?.label]).to.deep.equal([hostile, hostile, hostile]);
  });

  it("helpers: formatting, escaping, down-sampling keeps extremes, fit summary", () => {
    expect(formatUsd(-1234567.891)).to.equal("-$1,234,568");
    expect(formatUsd(12.345)).to.equal("$12.35");
    expect(formatUsd(Number.NaN)).to.equal("–");
    expect(formatPercent(0.12345)).to.equal("12.35 %");
    expect(escapeHtml(`<a href="x">'&'</a>`)).to.equal("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    expect(downsampleIndices([1, 2, 3], 10)).to.deep.equal([0, 1, 2]);
    const spike = Array.from({ length: 10_000 }, (_, i) => (i === 4321 ? 1e6 : i === 777 ? -1e6 : 0));
    const kept = downsampleIndices(spike, 1000);
    expect(kept.length).to.be.at.most(1000);
    expect(kept).to.include(4321);
    expect(kept).to.include(777);
    expect(kept[0]).to.equal(0);
    expect(kept.at(-1)).to.equal(9999);
    const lines = [spike, spike.map((v, i) => (i === 9000 ? 5 : -v))];
    const shared = sharedDownsampleIndices(lines, 10_000, 1000);
    expect(shared.length).to.be.at.most(1000);
    for (const i of [0, 777, 4321, 9000, 9999]) expect(shared).to.include(i);
    const fits = summariseFits(makeBacktestResult(400));
    expect(fits).to.have.length(1);
    expect(fits[0]).to.match(
      /^QQQ hedged with SPY: 11 fits, ratio 1\.0\d\d–1\.1\d\d \(last 1\.\d{3} on 2021-01-\d\d\), R² 0\.90–0\.90$/,
    );
  });

  it("the page's formatters (tooltips, axes) read like the tables' ones", () => {
    const page = new Function(`${CHART_FORMAT_JS}; return { fmtUsd, fmtCompactUsd, fmtPercent };`)() as Record<
      "fmtUsd" | "fmtCompactUsd" | "fmtPercent",
      (x: number) => string
    >;
    for (const x of [0, 12.345, -999.994, 1234, -1234567.891, 45_000, 2.5e6, -3.21e9, Number.NaN, 0.0042]) {
      expect(page.fmtUsd(x), `fmtUsd(${x})`).to.equal(formatUsd(x));
      expect(page.fmtPercent(x), `fmtPercent(${x})`).to.equal(formatPercent(x));
      if (Number.isFinite(x)) expect(page.fmtCompactUsd(x), `fmtCompactUsd(${x})`).to.equal(compactUsd(x));
    }
  });
});
