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
  "liquidate",
  "liquidatePartial",
  "liquidateBatch10",
  "liquidateAt1000Positions",
  "hedgeRebalance2",
  "placeTrigger",
  "executeTrigger",
] as const;

export type BenchKey = (typeof BENCH_KEYS)[number];
export type BenchResult = Record<BenchKey, number>;

/**
 * A target: an absolute cap on gasUsed (`max`, with an optional label), a cap relative to another operation
 * (`times`: ≤ factor × that operation), or a band around another operation (`within`: |deviation| ≤ tolerance).
 */
export type Target =
  | { kind: "max"; gas: number; label?: string }
  | { kind: "times"; of: BenchKey; factor: number }
  | { kind: "within"; of: BenchKey; tolerance: number };

export const TARGETS: Record<BenchKey, Target> = {
  deposit: { kind: "max", gas: 80_000 },
  withdraw: { kind: "max", gas: 80_000 },
  open: { kind: "max", gas: 140_000 },
  increase: { kind: "max", gas: 110_000 },
  decrease: { kind: "max", gas: 110_000 },
  close: { kind: "max", gas: 110_000 },
  lpDeposit: { kind: "max", gas: 250_000 },
  lpWithdraw: { kind: "max", gas: 250_000 },
  openAt1000Positions: { kind: "within", of: "open", tolerance: 0.02 },
  liquidate: { kind: "max", gas: 125_000 },
  liquidatePartial: { kind: "max", gas: 150_000, label: "same as liquidate" },
  liquidateBatch10: { kind: "times", of: "liquidate", factor: 8 },
  liquidateAt1000Positions: { kind: "within", of: "liquidate", tolerance: 0.02 },
  hedgeRebalance2: { kind: "max", gas: 600_000, label: "2 steps from flat: 2 quotes, 2 trades, 2 top-ups" },
  placeTrigger: { kind: "max", gas: 120_000, label: "a reduce-only stop, keeper fee escrowed" },
  executeTrigger: { kind: "max", gas: 150_000, label: "due stop: oracle check, trade, keeper paid" },
};

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
  "and the PerpVault, the PerpVault's delegatecall into its liquidation module); refund = SSTORE refund. The parts add",
  "up to gasUsed.",
].join(" ");

const fmt = (n: number) => n.toLocaleString("en-US");

export function withinTarget(key: BenchKey, r: BenchResult): { target: string; ok: boolean } {
  const t = TARGETS[key];
  switch (t.kind) {
    case "max":
      return { target: `≤ ${fmt(t.gas)}${t.label ? ` (${t.label})` : ""}`, ok: r[key] <= t.gas };
    case "times": {
      const cap = t.factor * r[t.of];
      const ratio = r[key] / r[t.of];
      return {
        target: `≤ ${t.factor} × ${t.of} = ${fmt(cap)} (${ratio.toFixed(2)} ×)`,
        ok: r[key] <= cap,
      };
    }
    case "within": {
      const dev = (r[key] - r[t.of]) / r[t.of];
      const sign = dev >= 0 ? "+" : "";
      return {
        target: `within ${t.tolerance * 100} % of ${t.of} (${sign}${(dev * 100).toFixed(2)} %)`,
        ok: Math.abs(dev) <= t.tolerance,
      };
    }
  }
}

/** SDK read cost: RPC requests of one account + 5-market snapshot, and its median wall time (in-process chain). */
export const SDK_KEYS = ["sdkSnapshotRpcCalls", "sdkSnapshotMs", "backtestMs"] as const;
export type SdkKey = (typeof SDK_KEYS)[number];
export type SdkResult = Record<SdkKey, number>;
/** Caps: one request (issue #4); the time cap is generous for a single eth_call on a local node. */
/** backtestMs: issue #5's three exposures × five policies over 2020–2023 in under 2 s (median of 3 runs). */
export const SDK_TARGETS: Record<SdkKey, number> = {
  sdkSnapshotRpcCalls: 1,
  sdkSnapshotMs: 100,
  backtestMs: 2000,
};

export function sdkTable(s: SdkResult): string {
  const lines = ["| measure | value | target | within target |", "| --- | ---: | --- | --- |"];
  for (const key of SDK_KEYS) {
    const ok = s[key] <= SDK_TARGETS[key];
    lines.push(`| ${key} | ${s[key]} | ≤ ${SDK_TARGETS[key]} | ${ok ? "yes" : "**no**"} |`);
  }
  return lines.join("\n");
}

export function allWithinTargets(r: BenchResult, sdk?: SdkResult): boolean {
  return (
    BENCH_KEYS.every((k) => withinTarget(k, r).ok) &&
    (sdk === undefined || SDK_KEYS.every((k) => sdk[k] <= SDK_TARGETS[k]))
  );
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

export function markdownReport(
  r: BenchResult,
  refs: readonly ReferenceCost[],
  split: string,
  meta: string,
  sdk?: SdkResult,
  measures: readonly Measure[] = [],
): string {
  return [
    "## Gas (gasUsed from transaction receipts)",
    "",
    resultsTable(r),
    "",
    ...(sdk ? ["## SDK reads (getSnapshot: one account, five markets, the LP vault)", "", sdkTable(sdk), ""] : []),
    ...(measures.length > 0
      ? ["## Scenarios (the crash, the 64-market snapshot)", "", measuresTable(measures), ""]
      : []),
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

/**
 * A measure of a scenario benchmark (the crash, the 64-market snapshot): a `target` is reported (met or not), a
 * `check` must hold — a count that must match — and the bench exits non-zero when it does not.
 */
export type Comparison = { op: "<=" | ">=" | "=="; value: number };
export type Measure = { key: string; value: number; target?: Comparison | undefined; check?: Comparison | undefined };

export function holds(value: number, c: Comparison): boolean {
  return c.op === "<=" ? value <= c.value : c.op === ">=" ? value >= c.value : value === c.value;
}

/** The measures whose check fails, as lines ("crashLiquidated = 9,421, must be == 9,480"). */
export function failedChecks(measures: readonly Measure[]): string[] {
  return measures
    .filter((m) => m.check !== undefined && !holds(m.value, m.check))
    .map((m) => `${m.key} = ${fmt(m.value)}, must be ${m.check?.op} ${fmt(m.check?.value ?? 0)}`);
}

export function measuresTable(measures: readonly Measure[]): string {
  const lines = ["| measure | value | target | check | ok |", "| --- | ---: | --- | --- | --- |"];
  for (const m of measures) {
    const target = m.target ? `${m.target.op} ${fmt(m.target.value)}` : "";
    const check = m.check ? `${m.check.op} ${fmt(m.check.value)}` : "";
    const ok = (m.target ? holds(m.value, m.target) : true) && (m.check ? holds(m.value, m.check) : true);
    lines.push(`| ${m.key} | ${fmt(m.value)} | ${target} | ${check} | ${ok ? "yes" : "**no**"} |`);
  }
  return lines.join("\n");
}

/** One flat JSON object: integer gas values in the documented order, then the SDK and scenario measures. */
export function jsonReport(r: BenchResult, sdk?: SdkResult, measures: readonly Measure[] = []): string {
  const out: Record<string, number> = {};
  for (const key of BENCH_KEYS) out[key] = r[key];
  if (sdk) for (const key of SDK_KEYS) out[key] = sdk[key];
  for (const m of measures) out[m.key] = m.value;
  return JSON.stringify(out);
}
