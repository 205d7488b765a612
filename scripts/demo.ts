// npm run demo: the whole Parapet story on the in-process chain in one command (see docs/demo.md). Progress goes to
// stderr, the summary table to stdout, the charts to reports/demo.html. PARAPET_DEMO_PORT=8545 runs it on a chain
// served on that port instead and keeps it running (until Ctrl-C) for `parapet dashboard` to read its book.
import { resolve } from "node:path";
import { writeDeploymentFile } from "../src/deploymentFile.js";
import { formatDemoSummary } from "./demo/report.js";
import { runDemo } from "./demo/run.js";

const tty = process.stderr.isTTY === true;
const BAR_WIDTH = 30;

const servePort = process.env.PARAPET_DEMO_PORT === undefined ? undefined : Number(process.env.PARAPET_DEMO_PORT);
if (servePort !== undefined && !(Number.isInteger(servePort) && servePort >= 0 && servePort <= 65_535)) {
  console.error(
    `PARAPET_DEMO_PORT=${process.env.PARAPET_DEMO_PORT} is not a port.\nFix: pass e.g. PARAPET_DEMO_PORT=8545.`,
  );
  process.exit(2);
}
const summary = await runDemo({
  ...(servePort !== undefined ? { serve: { port: servePort } } : {}),
  onProgress: ({ day, days, date, events }) => {
    if (tty) {
      const filled = Math.round((day / days) * BAR_WIDTH);
      // Event lines scroll above the bar; the bar redraws in place.
      for (const e of events) process.stderr.write(`\r\x1b[K  day ${day} ${date}: ${e}\n`);
      process.stderr.write(
        `\r\x1b[K[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] day ${day}/${days} ${date}`,
      );
      if (day === days) process.stderr.write("\n");
    } else {
      for (const e of events) process.stderr.write(`  day ${day} ${date}: ${e}\n`);
      if (day > 0 && (day % 10 === 0 || day === days)) process.stderr.write(`day ${day}/${days} ${date}\n`);
    }
  },
});
console.log(formatDemoSummary(summary));
if (summary.chain.url !== undefined) {
  const file = resolve("deployments/demo.json");
  await writeDeploymentFile(file, summary.chain.deployment);
  const accounts = summary.hedges.map((h) => `--account ${summary.chain.hedger}:${h.accountIndex}`).join(" ");
  console.log(
    `\nThe demo's chain is served on ${summary.chain.url} (deployment: ${file}). Its book, live:\n` +
      `  PARAPET_RPC_URL=${summary.chain.url} npx parapet dashboard --deployment ${file} ${accounts} --account ${summary.chain.reckless}:0\n` +
      "Ctrl-C stops the chain.",
  );
  await new Promise<void>((done) => {
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  await summary.chain.close();
}
