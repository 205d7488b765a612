// Developer aid: lists the expensive storage and account accesses of a mined transaction (cold SLOADs, every SSTORE,
// cold calls, logs) with the contract and the slot, from EDR's debug_traceTransaction struct logs (stack on).
// `BENCH_COLD=increase,decrease npm run -s bench` prints them to stderr for those measured keys.
import type { Address, Hex } from "viem";
import type { RequestProvider } from "./trace.js";

interface StructLog {
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
}

const CALL_OPS = new Set(["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"]);

/** One line per SLOAD costing 2,100, SSTORE, call to a cold account and LOG, in execution order. */
export async function coldAccesses(
  provider: RequestProvider,
  hash: Hex,
  to: Address,
  names: Record<string, string>,
): Promise<string> {
  const trace = (await provider.request({
    method: "debug_traceTransaction",
    params: [hash, { disableStorage: true, disableMemory: true }],
  })) as { structLogs: StructLog[] };
  const logs = trace.structLogs;
  const name = (a: string) => names[a.toLowerCase()] ?? a.slice(0, 10);
  const frames: string[] = [to.toLowerCase()];
  const lines: string[] = [];
  let coldSloads = 0;
  let sstoreGas = 0;
  for (let i = 0; i < logs.length; i++) {
    const step = logs[i] as StructLog;
    while (frames.length > step.depth) frames.pop();
    const here = frames[frames.length - 1] ?? "";
    const stack = step.stack ?? [];
    const top = (k: number) => stack[stack.length - 1 - k] ?? "0x0";
    if (CALL_OPS.has(step.op)) {
      const target = `0x${BigInt(top(1)).toString(16).padStart(40, "0")}`;
      const next = logs[i + 1];
      // DELEGATECALL keeps the storage of the caller: name the frame by the storage owner.
      if (next !== undefined && next.depth === step.depth + 1) frames.push(step.op === "DELEGATECALL" ? here : target);
      // the dynamic part beyond the callee's gas: ≥ 2,600 means a cold account
      const callee = next !== undefined && next.depth === step.depth + 1 ? next.gas : 0;
      const own = step.gasCost - callee;
      lines.push(`${step.op} ${name(here)} → ${name(target)} (access ${own >= 2600 ? "cold" : "warm"})`);
    } else if (step.op === "SLOAD" && (step.gasCost >= 2100 || process.env.BENCH_COLD_WARM)) {
      if (step.gasCost >= 2100) coldSloads++;
      lines.push(`  ${step.gasCost >= 2100 ? "cold" : "warm"} SLOAD  ${name(here)} ${top(0)}`);
    } else if (step.op === "SSTORE") {
      sstoreGas += step.gasCost;
      lines.push(`  SSTORE ${String(step.gasCost).padStart(5)} ${name(here)} ${top(0)}`);
    } else if (step.op.startsWith("LOG")) {
      lines.push(`  ${step.op} ${step.gasCost} ${name(here)}`);
    } else if (
      (step.op === "EXTCODESIZE" || step.op === "BALANCE" || step.op === "EXTCODEHASH") &&
      step.gasCost >= 2600
    ) {
      lines.push(`  ${step.op} cold ${name(here)} ${top(0)}`);
    }
  }
  lines.push(`cold SLOADs ${coldSloads} (${coldSloads * 2100} gas), SSTORE gas ${sstoreGas}`);
  return lines.join("\n");
}

/** Gas by opcode (exclusive of callee frames) in frames of depth `depth` (1 = the called contract). */
export async function opcodeHistogram(provider: RequestProvider, hash: Hex, depth = 1): Promise<string> {
  const trace = (await provider.request({
    method: "debug_traceTransaction",
    params: [hash, { disableStorage: true, disableMemory: true, disableStack: true }],
  })) as { structLogs: StructLog[] };
  const by = new Map<string, { gas: number; count: number }>();
  const logs = trace.structLogs;
  for (let i = 0; i < logs.length; i++) {
    const step = logs[i] as StructLog;
    if (step.depth !== depth) continue;
    let cost = step.gasCost;
    const next = logs[i + 1];
    if (CALL_OPS.has(step.op) && next !== undefined && next.depth === step.depth + 1) {
      // the call's own cost: what the caller lost across the call minus what the callee frame used
      let j = i + 1;
      while (j < logs.length && (logs[j] as StructLog).depth > step.depth) j++;
      const after = logs[j];
      cost = after !== undefined ? step.gas - after.gas - (next.gas - (logs[j - 1] as StructLog).gas) : cost;
    }
    const e = by.get(step.op) ?? { gas: 0, count: 0 };
    e.gas += cost;
    e.count++;
    by.set(step.op, e);
  }
  const rows = [...by.entries()].sort((a, b) => b[1].gas - a[1].gas);
  const total = rows.reduce((s, [, e]) => s + e.gas, 0);
  return `${rows.map(([op, e]) => `${op.padEnd(14)} ${String(e.gas).padStart(7)} ${String(e.count).padStart(6)}`).join("\n")}\ntotal ${total}`;
}
