import { expect } from "chai";
import {
  downsampleIndices,
  escapeHtml,
  formatPercent,
  formatUsd,
  renderBacktestReport,
  summariseFits,
} from "../../src/backtest/report.js";
import { makeBacktestResult } from "./helpers/backtestResult.js";

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe("backtest report (HTML)", () => {
  it("4-year, 5-policy result: self-contained, one <svg> per chart, under 2 MB, every metric formatted", () => {
    const result = makeBacktestResult(1461);
    const html = renderBacktestReport(result, { title: "Test report", alignmentNotes: ["Calendar: every UTC day"] });
    expect(html.startsWith("<!doctype html>")).to.equal(true);
    expect(html).to.not.match(/https?:\/\//);
    expect(html).to.not.match(/<script|<link|@import|url\(|src=/i);
    // Charts: value, carry, margin ratio, events, fits, and the P&L attribution of each of the 4 hedging policies.
    expect(count(html, "<svg")).to.equal(9);
    expect(count(html, "<figure>")).to.equal(9);
    expect(html).to.include("Cumulative P&amp;L by term: gas-aware");
    expect(html).to.include("<td>Fill slippage (skew premium)</td>");
    expect(Buffer.byteLength(html, "utf8")).to.be.lessThan(2_000_000);
    for (const name of ["none", "static", "periodic", "band", "gas-aware"])
      expect(html).to.include(`</span>${name}</td>`);
    expect(html).to.include("90.00 %"); // variance reduction of the first policy
    expect(html).to.include("$12,346"); // carry, no cents above $1,000
    expect(html).to.include("$42.50"); // gas
    expect(html).to.include("Calendar: every UTC day");
    expect(html).to.include("QQQ hedged with SPY");
    expect(html).to.include("&quot;firstAccountIndex&quot;: &quot;1&quot;"); // bigint setting serialised
    expect(html).to.include("liquidation of ETH on 2020-04-10");
  });

  it("down-samples long lines to at most ~1,000 points", () => {
    const result = makeBacktestResult(20_000, ["static"]);
    const html = renderBacktestReport(result);
    const paths = [...html.matchAll(/<path d="([^"]*)"[^>]*class="ln"><title>([^<]*)<\/title>/g)];
    const value = paths.find((m) => m[2] === "static");
    expect(value).to.not.equal(undefined);
    const points = (value?.[1] ?? "").split(/[ML]/).filter((s) => s !== "").length;
    expect(points).to.be.at.most(1000);
    expect(points).to.be.greaterThan(500);
    expect(Buffer.byteLength(html, "utf8")).to.be.lessThan(500_000);
  });

  it("escapes text: a <script> in a warning, the title and the notes", () => {
    const result = makeBacktestResult(30, ["none", "band"]);
    result.warnings.push({ code: "ORACLE_WARNING", message: "<script>alert('x')</script> & co" });
    const html = renderBacktestReport(result, { title: "<b>t</b>", alignmentNotes: ['"quoted" <note>'] });
    expect(html).to.not.include("<script>");
    expect(html).to.include("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co");
    expect(html).to.include("<title>&lt;b&gt;t&lt;/b&gt;</title>");
    expect(html).to.include("&quot;quoted&quot; &lt;note&gt;");
    // No fits: four charts, and band's attribution.
    result.fits = [];
    expect(count(renderBacktestReport(result), "<svg")).to.equal(5);
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
    const fits = summariseFits(makeBacktestResult(400));
    expect(fits).to.have.length(1);
    expect(fits[0]).to.match(
      /^QQQ hedged with SPY: 11 fits, ratio 1\.0\d\d–1\.1\d\d \(last 1\.\d{3} on 2021-01-\d\d\), R² 0\.90–0\.90$/,
    );
  });
});
