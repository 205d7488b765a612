// Gas by source line: `BENCH_PROFILE=decrease npm run bench` traces that measured transaction (EDR's
// debug_traceTransaction), maps each step's program counter to the Solidity line it came from (the compiler's source
// map, inlined library code included) and prints the lines that cost the most. A developer's tool for the gas
// targets: it reads the build-info files under artifacts/.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Address, Hex } from "viem";
import type { RequestProvider } from "./trace.js";

interface StructLog {
  pc: number;
  op: string;
  gasCost: number;
  depth: number;
  stack?: string[];
}

type SourceMapEntry = { start: number; length: number; file: number };

function decodeSourceMap(map: string): SourceMapEntry[] {
  const out: SourceMapEntry[] = [];
  let last: SourceMapEntry = { start: -1, length: -1, file: -1 };
  for (const item of map.split(";")) {
    const [s, l, f] = item.split(":");
    last = {
      start: s === undefined || s === "" ? last.start : Number(s),
      length: l === undefined || l === "" ? last.length : Number(l),
      file: f === undefined || f === "" ? last.file : Number(f),
    };
    out.push(last);
  }
  return out;
}

/** Instruction index of every byte offset of `code` (PUSHn carries n data bytes). */
function pcToInstruction(code: Hex): Map<number, number> {
  const bytes = Buffer.from(code.slice(2), "hex");
  const out = new Map<number, number>();
  let index = 0;
  for (let pc = 0; pc < bytes.length; index++) {
    out.set(pc, index);
    const op = bytes[pc] ?? 0;
    pc += op >= 0x60 && op <= 0x7f ? op - 0x5e : 1;
  }
  return out;
}

type ContractMap = { instructions: Map<number, number>; map: SourceMapEntry[]; files: Map<number, string> };

function loadContract(root: string, artifactPath: string): ContractMap {
  const artifact = JSON.parse(readFileSync(path.join(root, "artifacts", artifactPath), "utf8"));
  const info = JSON.parse(
    readFileSync(path.join(root, "artifacts", "build-info", `${artifact.buildInfoId}.output.json`), "utf8"),
  );
  const contract = info.output.contracts[artifact.inputSourceName][artifact.contractName];
  const files = new Map<number, string>();
  for (const [name, source] of Object.entries(info.output.sources as Record<string, { id: number }>)) {
    files.set(source.id, name);
  }
  return {
    instructions: pcToInstruction(`0x${contract.evm.deployedBytecode.object}`),
    map: decodeSourceMap(contract.evm.deployedBytecode.sourceMap),
    files,
  };
}

const lineCache = new Map<string, number[]>();
/** The 1-based line of byte `offset` (source maps count bytes, and our comments hold multi-byte characters). */
function lineOf(root: string, file: string, offset: number): number {
  let starts = lineCache.get(file);
  if (!starts) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path.join(root, file.replace(/^project\//, "")));
    } catch {
      bytes = readFileSync(
        path.join(
          root,
          "node_modules",
          file.replace(/^npm\/([^/]+@[^/]+\/|)/, "").replace(/^(@[^/]+\/[^@]+)@[^/]+/, "$1"),
        ),
      );
    }
    starts = [0];
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) starts.push(i + 1);
    lineCache.set(file, starts);
  }
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/**
 * Gas of the steps of `hash` run in the contracts `contracts` (address → artifact path under artifacts/), by source
 * line; returns the lines sorted by gas, with their share.
 */
export async function profileTransaction(
  provider: RequestProvider,
  root: string,
  hash: Hex,
  to: Address,
  contracts: Record<string, string>,
): Promise<string> {
  const trace = (await provider.request({
    method: "debug_traceTransaction",
    params: [hash, { disableStorage: true, disableMemory: true }],
  })) as { structLogs: StructLog[] };
  const maps = new Map<string, ContractMap>();
  for (const [address, artifact] of Object.entries(contracts))
    maps.set(address.toLowerCase(), loadContract(root, artifact));
  // The executing contract per depth: calls push their target (delegatecall keeps the code of its target).
  const frames: string[] = [to.toLowerCase()];
  const byLine = new Map<string, number>();
  let total = 0;
  const slots: string[] = [];
  for (let i = 0; i < trace.structLogs.length; i++) {
    const log = trace.structLogs[i] as StructLog;
    const code = frames[log.depth - 1] ?? "?";
    const contract = maps.get(code);
    let key = `(${code.slice(0, 10)}…)`;
    if (contract) {
      const index = contract.instructions.get(log.pc);
      const entry = index === undefined ? undefined : contract.map[index];
      const file = entry ? contract.files.get(entry.file) : undefined;
      key = file && entry ? `${file}:${lineOf(root, file, entry.start)}` : "(no source)";
    }
    // A call's gasCost includes the gas it forwards: count what runs inside on the callee's lines instead.
    const cost = ["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"].includes(log.op) ? 100 : log.gasCost;
    byLine.set(key, (byLine.get(key) ?? 0) + cost);
    if (process.env.BENCH_PROFILE_OPS)
      byLine.set(
        `op ${log.op} @${contract ? "parapet" : code.slice(0, 10)}`,
        (byLine.get(`op ${log.op} @${contract ? "parapet" : code.slice(0, 10)}`) ?? 0) + cost,
      );
    total += cost;
    // BENCH_PROFILE_SLOTS=1: every storage access (slot, gas, line), to see which slots a path reads and writes.
    if (process.env.BENCH_PROFILE_SLOTS && (log.op === "SLOAD" || log.op === "SSTORE") && log.stack)
      slots.push(`${log.op} ${code.slice(0, 10)} ${String(log.stack[log.stack.length - 1]).slice(-12)} ${cost} ${key}`);
    if (["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"].includes(log.op) && log.stack) {
      const target = `0x${(log.stack[log.stack.length - 2] ?? "0").replace(/^0x/, "").padStart(40, "0").slice(-40)}`;
      const next = trace.structLogs[i + 1];
      if (next && next.depth === log.depth + 1) frames[log.depth] = log.op === "DELEGATECALL" ? target : target;
    }
  }
  const rows = [...byLine.entries()].sort((a, b) => b[1] - a[1]).slice(0, 60);
  if (slots.length > 0) return slots.join("\n");
  return rows
    .map(([k, g]) => `${String(g).padStart(7)}  ${((g / total) * 100).toFixed(1).padStart(5)} %  ${k}`)
    .join("\n");
}
