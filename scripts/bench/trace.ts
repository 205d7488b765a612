// "Where the gas goes": splits a mined transaction's gas by kind, from EDR's debug_traceTransaction struct logs.
import type { Address, Hex } from "viem";

interface StructLog {
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
}

interface Trace {
  failed: boolean;
  gas: number;
  structLogs: StructLog[];
}

export interface RequestProvider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

export const GAS_PARTS = ["intrinsic", "oracle", "token", "sstore", "sload", "events", "compute", "refund"] as const;
export type GasPart = (typeof GAS_PARTS)[number];

export interface GasSplit {
  parts: Record<GasPart, number>;
  /** Calls into the oracle adapter (`priceWad`). */
  oracleReads: number;
  total: number;
}

const CALL_OPS = new Set(["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"]);

/** 21,000 plus calldata (4 per zero byte, 16 per other byte). */
export function intrinsicGas(data: Hex): number {
  let gas = 21_000;
  for (let i = 2; i < data.length; i += 2) gas += data.slice(i, i + 2) === "00" ? 4 : 16;
  return gas;
}

/**
 * Splits `gasUsed` of transaction `hash` (sent to `to` with `data`) into: intrinsic (21,000 + calldata); oracle (every
 * step run in the adapter or a feed plus the cost of calling them); token (the same for the ERC-20); then, in the
 * project's own contracts, SSTORE, SLOAD, LOG (events) and everything else (compute, memory, hashing, other calls);
 * refund is the SSTORE refund subtracted at the end (shown negative).
 */
export async function splitGas(
  provider: RequestProvider,
  hash: Hex,
  to: Address,
  data: Hex,
  gasUsed: bigint,
  oracleContracts: readonly Address[],
  tokenContracts: readonly Address[],
): Promise<GasSplit> {
  const trace = (await provider.request({
    method: "debug_traceTransaction",
    params: [hash, { disableStorage: true, disableMemory: true }],
  })) as Trace;
  const logs = trace.structLogs;
  const n = logs.length;
  const oracle = new Set(oracleContracts.map((a) => a.toLowerCase()));
  const token = new Set(tokenContracts.map((a) => a.toLowerCase()));

  // Exclusive cost of each step: for a call, its own cost without what the callee frame spent.
  const exclusive = new Array<number>(n).fill(0);
  const suffix = new Array<number>(n + 1).fill(0); // Σ exclusive[k..n−1]
  const nextAtDepth = new Map<number, number>();
  for (let i = n - 1; i >= 0; i--) {
    const step = logs[i] as StructLog;
    const j = nextAtDepth.get(step.depth);
    if (j === undefined) exclusive[i] = step.gasCost;
    else {
      const inclusive = step.gas - (logs[j] as StructLog).gas;
      exclusive[i] = inclusive - ((suffix[i + 1] as number) - (suffix[j] as number));
    }
    suffix[i] = (suffix[i + 1] as number) + (exclusive[i] as number);
    for (const d of [...nextAtDepth.keys()]) if (d > step.depth) nextAtDepth.delete(d);
    nextAtDepth.set(step.depth, i);
  }

  // Which contract runs each step (a call's target becomes the frame of the deeper steps that follow it).
  const parts: Record<GasPart, number> = {
    intrinsic: intrinsicGas(data),
    oracle: 0,
    token: 0,
    sstore: 0,
    sload: 0,
    events: 0,
    compute: 0,
    refund: 0,
  };
  let oracleReads = 0;
  const frames: string[] = [to.toLowerCase()];
  for (let i = 0; i < n; i++) {
    const step = logs[i] as StructLog;
    while (frames.length > step.depth) frames.pop();
    const here = frames[frames.length - 1] ?? "";
    const cost = exclusive[i] as number;
    let target = "";
    if (CALL_OPS.has(step.op) && step.stack !== undefined) {
      const raw = step.stack[step.stack.length - 2] ?? "0x0";
      target = `0x${BigInt(raw).toString(16).padStart(40, "0")}`;
      const next = logs[i + 1];
      if (next !== undefined && next.depth === step.depth + 1) frames.push(target);
    }
    if (oracle.has(here) || oracle.has(target)) {
      parts.oracle += cost;
      if (step.op === "STATICCALL" && oracle.has(target) && !oracle.has(here)) oracleReads++;
    } else if (token.has(here) || token.has(target)) parts.token += cost;
    else if (step.op === "SSTORE") parts.sstore += cost;
    else if (step.op === "SLOAD") parts.sload += cost;
    else if (step.op.startsWith("LOG")) parts.events += cost;
    else parts.compute += cost;
  }
  const total = Number(gasUsed);
  parts.refund = total - (parts.intrinsic + (suffix[0] as number)); // ≤ 0
  return { parts, oracleReads, total };
}

export function splitTable(rows: readonly { key: string; split: GasSplit }[]): string {
  const fmt = (x: number) => x.toLocaleString("en-US");
  const header = ["operation", "gasUsed", "oracle reads", ...GAS_PARTS];
  const lines = [
    `| ${header.join(" | ")} |`,
    `| --- | ${header
      .slice(1)
      .map(() => "---:")
      .join(" | ")} |`,
  ];
  for (const { key, split } of rows) {
    const cells = [key, fmt(split.total), String(split.oracleReads), ...GAS_PARTS.map((p) => fmt(split.parts[p]))];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}
