// npm run demo: the whole Parapet story on the in-process chain in one command (see docs/demo.md). Progress goes to
// stderr, the summary table to stdout, the charts to reports/demo.html.

import { formatDemoSummary } from "./demo/report.js";
import { runDemo } from "./demo/run.js";

const tty = process.stderr.isTTY === true;
const BAR_WIDTH = 30;

const summary = await runDemo({
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
