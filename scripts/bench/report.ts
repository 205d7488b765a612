// Targets and Markdown/JSON rendering of the gas benchmark (scripts/bench.ts).

export const BENCH_KEYS = [
  "deposit",
  "withdraw",
  "open",
  "increase",
  "decrease",
  "close",
  "lpDeposit",
  "lpWithdraw",
  "openAt1000Positions",
] as const;

export type BenchKey = (typeof BENCH_KEYS)[number];
export type BenchResult = Record<BenchKey, number>;

/** Max gasUsed per operation; `openAt1000Positions` is checked against `open` instead (±2 %). */
export const TARGETS: Record<Exclude<BenchKey, "openAt1000Positions">, number> = {
  deposit: 80_000,
  withdraw: 80_000,
  open: 150_000,
  increase: 110_000,
  decrease: 110_000,
  close: 110_000,
  lpDeposit: 250_000,
  lpWithdraw: 250_000,
};
export const OPEN_AT_1000_TOLERANCE = 0.02;

export interface ReferenceCost {
  what: string;
  gas: number;
  /** gasUsed minus the intrinsic 21,000 and calldata cost, when the row is a transaction. */
  execution?: number;
  note: string;
}

const SPLIT_LEGEND = [
  "intrinsic = 21,000 + calldata; oracle = everything run in the adapter and the feeds plus the calls to them;",
  "token = the same for the ERC-20; sstore / sload / events = those opcodes in Parapet's own contracts (cold",
  "access included); compute = every other opcode there (arithmetic, memory, hashing, calls between the LP vault",
  "and the PerpVault); refund = SSTORE refund. The parts add up to gasUsed.",
].join(" ");

const fmt = (n: number) => n.toLocaleString("en-US");

export function withinTarget(key: BenchKey, r: BenchResult): { target: string; ok: boolean } {
  if (key === "openAt1000Positions") {
    const dev = (r.openAt1000Positions - r.open) / r.open;
    const sign = dev >= 0 ? "+" : "";
    return {
      target: `within 2 % of open (${sign}${(dev * 100).toFixed(2)} %)`,
      ok: Math.abs(dev) <= OPEN_AT_1000_TOLERANCE,
    };
  }
  return { target: `≤ ${fmt(TARGETS[key])}`, ok: r[key] <= TARGETS[key] };
}

export function allWithinTargets(r: BenchResult): boolean {
  return BENCH_KEYS.every((k) => withinTarget(k, r).ok);
}

export function resultsTable(r: BenchResult): string {
  const lines = ["| operation | gas | target | within target |", "| --- | ---: | --- | --- |"];
  for (const key of BENCH_KEYS) {
    const { target, ok } = withinTarget(key, r);
    lines.push(`| ${key} | ${fmt(r[key])} | ${target} | ${ok ? "yes" : "**no**"} |`);
  }
  return lines.join("\n");
}

export function referenceTable(rows: readonly ReferenceCost[]): string {
  const lines = ["| reference | gas | execution | note |", "| --- | ---: | ---: | --- |"];
  for (const row of rows) {
    const exec = row.execution === undefined ? "" : fmt(row.execution);
    lines.push(`| ${row.what} | ${fmt(row.gas)} | ${exec} | ${row.note} |`);
  }
  return lines.join("\n");
}

export function markdownReport(r: BenchResult, refs: readonly ReferenceCost[], split: string, meta: string): string {
  return [
    "## Gas (gasUsed from transaction receipts)",
    "",
    resultsTable(r),
    "",
    "## Where the gas goes (from debug_traceTransaction)",
    "",
    SPLIT_LEGEND,
    "",
    split,
    "",
    "## Reference costs",
    "",
    referenceTable(refs),
    "",
    meta,
    "",
  ].join("\n");
}

/** One flat JSON object of integer gas values, keys in the documented order. */
export function jsonReport(r: BenchResult): string {
  const out: Record<string, number> = {};
  for (const key of BENCH_KEYS) out[key] = r[key];
  return JSON.stringify(out);
}
