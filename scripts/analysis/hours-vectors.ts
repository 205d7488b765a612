// Test vectors of the market-hours model for a parity test against the contract: for each shipped schedule (plus one
// with closures and one joined across the week boundary), marketStatus at the times around every boundary of two
// weeks. Run: npx tsx scripts/analysis/hours-vectors.ts > vectors.json
import { DEFAULT_MARKET_SCHEDULES, type MarketSchedule, marketStatus } from "../../src/hours/index.js";

const utc = (y: number, mo: number, d: number, h = 0, mi = 0) => BigInt(Date.UTC(y, mo - 1, d, h, mi) / 1000);
const schedules: Record<string, MarketSchedule> = {
  ...DEFAULT_MARKET_SCHEDULES,
  SPX_WITH_CLOSURES: {
    ...DEFAULT_MARKET_SCHEDULES.SPX,
    closures: [
      { start: utc(2026, 11, 27, 18), end: utc(2026, 11, 28) },
      { start: utc(2026, 12, 25), end: utc(2026, 12, 26) },
      { start: utc(2026, 12, 7, 15), end: utc(2026, 12, 7, 16) },
    ],
  },
  JOINED: {
    ...DEFAULT_MARKET_SCHEDULES.EURUSD,
    sessions: [
      { openMinute: 0, closeMinute: 7200 },
      { openMinute: 9000, closeMinute: 10_080 },
    ],
  },
};
const from = utc(2026, 11, 22);
const to = utc(2026, 12, 28);
const vectors: Record<string, unknown>[] = [];
for (const [name, s] of Object.entries(schedules)) {
  // Every boundary (session opens and closes, closure edges, window and delay edges), and one second either side.
  const points = new Set<bigint>();
  for (let week = from - (from % 604_800n) - 345_600n; week < to; week += 604_800n) {
    for (const x of s.sessions)
      for (const m of [x.openMinute, x.closeMinute]) {
        const b = week + BigInt(m) * 60n;
        for (const d of [0n, s.reopenDelaySeconds, -s.closingWindowSeconds])
          for (const e of [-1n, 0n, 1n]) points.add(b + d + e);
      }
  }
  for (const c of s.closures) for (const b of [c.start, c.end]) for (const e of [-1n, 0n, 1n]) points.add(b + e);
  for (const t of [...points].filter((t) => t >= from && t <= to).sort((a, b) => (a < b ? -1 : 1))) {
    const r = marketStatus(s, t);
    vectors.push({
      schedule: name,
      t: t.toString(),
      status: r.status,
      nextOpen: r.nextOpen?.toString(),
      nextClose: r.nextClose?.toString(),
      lastOpen: r.lastOpen?.toString(),
    });
  }
}
const json = JSON.stringify(
  { schedules, vectors },
  (_k, v) => (typeof v === "bigint" ? v.toString() : v),
  process.argv.includes("--pretty") ? 2 : undefined,
);
console.log(json);
