// uPlot (MIT, github.com/leeoniya/uPlot), the charting library of the live dashboard and of the demo and backtest
// reports: its browser build and stylesheet, read once from the installed package, to inline in a page so that the
// page loads nothing from anywhere (a report stays one self-contained file; the dashboard serves it itself).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

export type UplotAssets = {
  /** The IIFE build: defines the global `uPlot`. */
  js: string;
  css: string;
  version: string;
};

let cached: UplotAssets | undefined;

/** uPlot's minified browser build and CSS (read from node_modules on first use, then cached). */
export function uplotAssets(): UplotAssets {
  if (cached === undefined) {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve("uplot/package.json");
    const dir = pkg.slice(0, -"package.json".length);
    cached = {
      js: readFileSync(`${dir}dist/uPlot.iife.min.js`, "utf8"),
      css: readFileSync(`${dir}dist/uPlot.min.css`, "utf8"),
      version: (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version,
    };
  }
  return cached;
}

/**
 * `<style>` and `<script>` elements that inline uPlot into a page. The script's text has every `</` escaped so that
 * no sequence in the library can close the element early, and its banner names the project without a scheme, so a
 * report holds no URL at all.
 */
export function uplotInlineTags(): string {
  const { js, css } = uplotAssets();
  const script = js.replace("/*! https://", "/*! ").replaceAll("</", "<\\/");
  return `<style>${css}</style>\n<script>${script}</script>`;
}
