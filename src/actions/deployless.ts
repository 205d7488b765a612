// Deployless reads at scale. A deployless eth_call is a contract creation: its initcode is capped at 49,152 bytes
// (EIP-3860) and what it returns, taken as the new contract's code, at 24,576 bytes (EIP-170). Every batched read of
// the SDK sizes its chunks from those limits (and from the gas a node grants an eth_call) before sending, and still
// adapts when a node is stricter: a chunk refused for its size is split in two and re-read, and a chunk that fails
// otherwise is retried; a chunk that cannot be read is a ParapetReadError, never mistaken for what it contains
// (an account whose price is invalid, say).
import type { Hex } from "viem";
import type { ParapetContext } from "../client.js";
import { ParapetContractError, ParapetError, ParapetReadError, toParapetRpcError } from "../errors.js";

/** EIP-7825: the most gas one transaction may use (nodes refuse a higher gas limit). */
export const MAX_TRANSACTION_GAS = 16_777_216n;
/** EIP-3860: the largest initcode (creation code + constructor arguments) a creation may have. */
export const MAX_INITCODE_BYTES = 49_152;
/** EIP-170: the largest code (here: the returned data) a creation may return. */
export const MAX_RETURNED_BYTES = 24_576;
/**
 * Gas we let one read use: below the 16,777,216 per-transaction cap (EIP-7825, which nodes apply to eth_call too)
 * and below geth's default eth_call cap (50,000,000), with room for the node's own accounting.
 */
export const DEFAULT_READ_GAS = 15_000_000;

export type ReadLimits = {
  maxInitcodeBytes: number;
  maxReturnedBytes: number;
  /** Gas one read may use (sizing only: the node's own cap applies). */
  maxGas: number;
};

export const DEFAULT_READ_LIMITS: ReadLimits = {
  maxInitcodeBytes: MAX_INITCODE_BYTES,
  maxReturnedBytes: MAX_RETURNED_BYTES,
  maxGas: DEFAULT_READ_GAS,
};

/** What one chunk of a batched read costs: a fixed part and a part per item, in each limited dimension. */
export type ReadCost = {
  initcodeBytes: { fixed: number; perItem: number };
  returnedBytes: { fixed: number; perItem: number };
  /** Gas: the part per item is the heaviest item expected (measured; docs/benchmarks.md). */
  gas: { fixed: number; perItem: number };
};

/**
 * The most items one read can carry within every limit (at least 1). Throws ParapetReadError (READ_TOO_LARGE) when
 * not even one item fits.
 */
export function itemsPerRead(cost: ReadCost, limits: ReadLimits = DEFAULT_READ_LIMITS, what = "read"): number {
  const fits = (limit: number, { fixed, perItem }: { fixed: number; perItem: number }) =>
    perItem <= 0 ? Number.POSITIVE_INFINITY : Math.floor((limit - fixed) / perItem);
  const n = Math.min(
    fits(limits.maxInitcodeBytes, cost.initcodeBytes),
    fits(limits.maxReturnedBytes, cost.returnedBytes),
    fits(limits.maxGas, cost.gas),
  );
  if (!(n >= 1)) {
    throw new ParapetReadError({
      code: "READ_TOO_LARGE",
      what,
      items: 1,
      summary: `One item of the ${what} does not fit a single deployless eth_call (initcode ≤ ${limits.maxInitcodeBytes} bytes, returned data ≤ ${limits.maxReturnedBytes} bytes, gas ≤ ${limits.maxGas}).`,
      fix: "Read fewer markets or accounts per item, or raise the limits if your node allows more.",
    });
  }
  return Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER;
}

/** Node messages for a creation refused for its size (EDR, anvil, geth, erigon, nethermind phrasing). */
const SIZE_ERROR =
  /code (?:size|is too large)|codesize|max ?initcode|initcode size|create ?contract ?size ?limit|contract size limit|max code size|code too large|exceeds? (?:the )?(?:maximum )?(?:code|initcode)/i;

/** Node messages for a call that ran out of the gas the node grants an eth_call: a smaller chunk may fit. */
const GAS_ERROR = /out of gas|gas required exceeds|exceeds (?:the )?(?:block |transaction )?gas (?:limit|cap)/i;

function anyMessage(error: unknown, pattern: RegExp): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    const message = (e as { message?: unknown }).message;
    const details = (e as { details?: unknown }).details;
    if (typeof message === "string" && pattern.test(message)) return true;
    if (typeof details === "string" && pattern.test(details)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** True when `error` says the deployless creation was too large (initcode or returned code) or ran out of gas. */
export function isSizeError(error: unknown): boolean {
  return anyMessage(error, SIZE_ERROR) || anyMessage(error, GAS_ERROR);
}

export type DeploylessCallParameters = {
  /** Creation code with its ABI-encoded constructor arguments. */
  data: Hex;
  blockNumber?: bigint | undefined;
  /** What is read, for error messages ("account scan", …). */
  what: string;
  items: number;
};

/**
 * One deployless eth_call: returns what the creation returned. A size refusal is ParapetReadError READ_TOO_LARGE
 * (split and retry); a transport failure is ParapetRpcError; anything else (the creation reverted) is rethrown.
 */
export async function deploylessCall(client: ParapetContext, parameters: DeploylessCallParameters): Promise<Hex> {
  const { data, blockNumber, what, items } = parameters;
  if ((data.length - 2) / 2 > MAX_INITCODE_BYTES) {
    throw new ParapetReadError({
      code: "READ_TOO_LARGE",
      what,
      items,
      summary: `The ${what} of ${items} item(s) has ${(data.length - 2) / 2} bytes of initcode, above the ${MAX_INITCODE_BYTES}-byte limit.`,
      fix: "Read fewer items per call (the SDK sizes its own chunks; this is a caller-built call).",
    });
  }
  try {
    const { data: returned } = await client.publicClient.call({
      data,
      ...(blockNumber !== undefined ? { blockNumber } : {}),
    });
    if (returned === undefined) {
      throw new ParapetReadError({
        code: "READ_FAILED",
        what,
        items,
        summary: `The ${what} returned no data.`,
        fix: "Use an RPC that supports eth_call without a `to` address (contract-creation calls).",
      });
    }
    return returned;
  } catch (error) {
    if (error instanceof ParapetError) throw error;
    if (isSizeError(error)) {
      throw new ParapetReadError({
        code: "READ_TOO_LARGE",
        what,
        items,
        summary: `The node refused the ${what} of ${items} item(s) for its size or gas.`,
        fix: "Read fewer items per call.",
        cause: error,
      });
    }
    throw toParapetRpcError(error) ?? error;
  }
}

export type ReadInChunksParameters<T, R> = {
  items: readonly T[];
  /** Items per read, from {@link itemsPerRead}; or `groups`: the item indexes of each read, in order. */
  perRead: number;
  groups?: readonly (readonly number[])[] | undefined;
  /** Reads one chunk at `blockNumber` (undefined: latest, when the read is one chunk). */
  read: (chunk: readonly T[], blockNumber: bigint | undefined) => Promise<R[]>;
  /** The latest block number, fetched when there are several chunks and no `blockNumber` (one more request). */
  latestBlock: () => Promise<bigint>;
  blockNumber?: bigint | undefined;
  /** What is read, for error messages. */
  what: string;
  /** Attempts per chunk on failures other than size (default 3). */
  attempts?: number | undefined;
  /** Chunks in flight at once after the first (default 4). */
  concurrency?: number | undefined;
};

export type ReadInChunksReturnType<R> = {
  results: R[];
  /** The block every chunk was read at; undefined when one chunk was read at the latest block. */
  blockNumber: bigint | undefined;
  /** eth_call requests sent, retries and splits included. */
  requests: number;
};

/**
 * Reads `items` in chunks of `perRead`, results in item order, all at one block: `blockNumber`, or with several
 * chunks the latest block read first (or before splitting a lone chunk); `concurrency` chunks at a time. A chunk
 * refused for its size is split in two; a ParapetContractError (a revert the read decoded) fails the read at once;
 * a chunk that fails otherwise is retried `attempts` times, then the whole read fails with a ParapetReadError
 * (READ_FAILED) naming the chunk: a failed chunk is never reported as data.
 */
export async function readInChunks<T, R>(parameters: ReadInChunksParameters<T, R>): Promise<ReadInChunksReturnType<R>> {
  const { items, read, what } = parameters;
  const perRead = Math.max(1, Math.floor(parameters.perRead));
  const attempts = parameters.attempts ?? 3;
  const concurrency = Math.max(1, parameters.concurrency ?? 4);
  let blockNumber = parameters.blockNumber;
  let requests = 0;

  async function readChunk(chunk: readonly T[], offset: number): Promise<R[]> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      requests++;
      try {
        const results = await read(chunk, blockNumber);
        if (results.length !== chunk.length) {
          throw new ParapetReadError({
            code: "READ_FAILED",
            what,
            items: chunk.length,
            summary: `The ${what} returned ${results.length} result(s) for ${chunk.length} item(s).`,
            fix: "Check that the deployment's contracts match this SDK version (npm run abis).",
          });
        }
        return results;
      } catch (error) {
        // A revert is the chain's answer, not a failed read: retrying would only repeat it.
        if (error instanceof ParapetContractError) throw error;
        if (error instanceof ParapetReadError && error.code === "READ_TOO_LARGE" && chunk.length > 1) {
          // The halves must be read at one block, as the whole would have been.
          if (blockNumber === undefined) {
            requests++;
            blockNumber = await parameters.latestBlock();
          }
          const half = Math.ceil(chunk.length / 2);
          const first = await readChunk(chunk.slice(0, half), offset);
          const second = await readChunk(chunk.slice(half), offset + half);
          return [...first, ...second];
        }
        if (error instanceof ParapetReadError && error.code === "READ_TOO_LARGE") throw error;
        lastError = error;
      }
    }
    throw new ParapetReadError({
      code: "READ_FAILED",
      what,
      items: chunk.length,
      summary: `The ${what} of items ${offset}..${offset + chunk.length - 1} failed ${attempts} time(s): ${lastError instanceof Error ? (lastError.message.split("\n")[0] ?? "") : String(lastError)}`,
      fix: "Check the RPC (it answered the other chunks); the read is retried on the next call.",
      cause: lastError,
    });
  }

  const chunks: { chunk: readonly T[]; offset: number }[] = [];
  if (parameters.groups) {
    for (const group of parameters.groups) {
      chunks.push({ chunk: group.map((i) => items[i] as T), offset: group[0] ?? 0 });
    }
  } else {
    for (let i = 0; i < items.length; i += perRead) chunks.push({ chunk: items.slice(i, i + perRead), offset: i });
  }
  if (chunks.length === 0) return { results: [], blockNumber, requests };
  if (chunks.length > 1 && blockNumber === undefined) {
    requests++;
    blockNumber = await parameters.latestBlock();
  }
  const results: R[][] = new Array(chunks.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < chunks.length) {
      const i = next++;
      const c = chunks[i];
      if (c) results[i] = await readChunk(c.chunk, c.offset);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  return { results: results.flat(), blockNumber, requests };
}

/** `owner << 96 | accountIndex`: one account as one word, the input of the keeper's lenses. */
export function packAccount(owner: Hex, accountIndex: bigint): bigint {
  return (BigInt(owner) << 96n) | accountIndex;
}

/** The returned data as 32-byte words. */
export function words(data: Hex): bigint[] {
  const hex = data.slice(2);
  const out: bigint[] = [];
  for (let i = 0; i + 64 <= hex.length; i += 64) out.push(BigInt(`0x${hex.slice(i, i + 64)}`));
  return out;
}

const U128 = (1n << 128n) - 1n;

/** The high 128 bits of a word as a signed int128. */
export function highInt128(word: bigint): bigint {
  return BigInt.asIntN(128, word >> 128n);
}

/** The low 128 bits of a word. */
export function lowUint128(word: bigint): bigint {
  return word & U128;
}

// ---- multicalls of standard views ----------------------------------------------------------------------------------

/** An ABI parameter, as far as its encoded size needs. */
type AbiParam = { type: string; components?: readonly AbiParam[] | undefined };

/** Bytes of the ABI encoding of static `params`; undefined when one is dynamic (bytes, string, T[], …). */
export function staticAbiSize(params: readonly AbiParam[]): number | undefined {
  let total = 0;
  for (const p of params) {
    const size = staticParamSize(p);
    if (size === undefined) return undefined;
    total += size;
  }
  return total;
}

function staticParamSize(p: AbiParam): number | undefined {
  const array = /^(.*)\[(\d*)\]$/.exec(p.type);
  if (array) {
    const [, inner = "", length = ""] = array;
    if (length === "") return undefined;
    const size = staticParamSize({ type: inner, components: p.components });
    return size === undefined ? undefined : size * Number(length);
  }
  if (p.type === "tuple") return p.components ? staticAbiSize(p.components) : undefined;
  if (p.type === "bytes" || p.type === "string") return undefined;
  return WORD_BYTES;
}

const WORD_BYTES = 32;
/** viem's deployless multicall: its wrapper (398 bytes) + Multicall3's creation code (5,593) + their encoding. */
const MULTICALL_FIXED_INITCODE = 398 + 5_600 + 8 * WORD_BYTES;
/** Per call in `aggregate3((address,bool,bytes)[])`: the tuple's offset, target, allowFailure, bytes offset, length. */
const MULTICALL_INITCODE_PER_CALL = 5 * WORD_BYTES;
/** Per result in `(bool,bytes)[]`: the tuple's offset, success, bytes offset, length. */
const MULTICALL_RETURN_PER_CALL = 4 * WORD_BYTES;

const padded = (bytes: number) => Math.ceil(bytes / WORD_BYTES) * WORD_BYTES;

/** One view call of a multicall, with what it may return when its outputs are dynamic. */
export type SizedCall = {
  /** ABI-encoded calldata length in bytes (selector included). */
  calldataBytes: number;
  /** Bytes the call returns at most (ABI-encoded). */
  returnBytes: number;
  /** Gas it may use at most. */
  gas: number;
};

/** Splits `calls` into consecutive groups that each fit one deployless multicall within `limits`. */
export function multicallGroups(calls: readonly SizedCall[], limits: ReadLimits = DEFAULT_READ_LIMITS): number[][] {
  const groups: number[][] = [];
  let current: number[] = [];
  let initcode = MULTICALL_FIXED_INITCODE;
  let returned = 2 * WORD_BYTES;
  let gas = 50_000;
  calls.forEach((c, i) => {
    const inBytes = MULTICALL_INITCODE_PER_CALL + padded(c.calldataBytes);
    const outBytes = MULTICALL_RETURN_PER_CALL + padded(c.returnBytes);
    if (
      current.length > 0 &&
      (initcode + inBytes > limits.maxInitcodeBytes ||
        returned + outBytes > limits.maxReturnedBytes ||
        gas + c.gas > limits.maxGas)
    ) {
      groups.push(current);
      current = [];
      initcode = MULTICALL_FIXED_INITCODE;
      returned = 2 * WORD_BYTES;
      gas = 50_000;
    }
    current.push(i);
    initcode += inBytes;
    returned += outBytes;
    gas += c.gas;
  });
  if (current.length > 0) groups.push(current);
  return groups;
}
