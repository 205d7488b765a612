// The paged event scan every discovery (accounts, orders, LP requests) goes through: public RPCs cap the block range
// of one eth_getLogs, so a range is read in windows of `blockRange` blocks.
import { type Address, type Hex, hexToBytes, keccak256 } from "viem";
import type { ParapetContext } from "../client.js";
import { ParapetInputError } from "../errors.js";

/** Public RPCs commonly cap eth_getLogs at 10,000 blocks. */
export const DEFAULT_LOG_BLOCK_RANGE = 10_000n;

/** The block range of a scan, shared by every `discover*` action. */
export type LogRangeParameters = {
  /** First block scanned (default: the deployment's block). A keeper passes its last `toBlock + 1n`. */
  fromBlock?: bigint | undefined;
  /** Last block scanned (default: the latest block, read once so the range is fixed). */
  toBlock?: bigint | undefined;
  /** Blocks per eth_getLogs request (default 10,000). */
  blockRange?: bigint | undefined;
};

/**
 * Every log `page` returns over [fromBlock, toBlock], in block order, one window of `blockRange` blocks at a time,
 * and the `toBlock` scanned (resume from `toBlock + 1n`).
 */
export async function scanLogRange<log>(
  client: ParapetContext,
  parameters: LogRangeParameters,
  page: (window: { fromBlock: bigint; toBlock: bigint }) => Promise<readonly log[]>,
): Promise<{ logs: log[]; toBlock: bigint }> {
  const blockRange = parameters.blockRange ?? DEFAULT_LOG_BLOCK_RANGE;
  if (blockRange <= 0n) {
    throw new ParapetInputError("blockRange", `is ${blockRange}.`, "Pass a positive number of blocks per request.");
  }
  const fromBlock = parameters.fromBlock ?? client.deployment.blockNumber;
  const toBlock = parameters.toBlock ?? (await client.publicClient.getBlockNumber({ cacheTime: 0 }));
  const logs: log[] = [];
  for (let start = fromBlock; start <= toBlock; start += blockRange) {
    const end = start + blockRange - 1n < toBlock ? start + blockRange - 1n : toBlock;
    logs.push(...(await page({ fromBlock: start, toBlock: end })));
  }
  return { logs, toBlock };
}

/**
 * Whether a block's `logsBloom` may hold a log of `address` (false: it certainly holds none). The bloom sets, for
 * each address and topic logged, 3 of its 2,048 bits, taken from the first 6 bytes of the item's keccak256 (the yellow
 * paper's M3:2048). A reader that polls the head block can skip its eth_getLogs when none of its contracts can be in
 * it; a false positive only costs the request it would have made anyway.
 */
export function bloomMayContain(logsBloom: Hex, address: Address): boolean {
  const bloom = hexToBytes(logsBloom);
  if (bloom.length !== 256) return true; // not a bloom (a node that omits it): assume it may
  const hash = hexToBytes(keccak256(address.toLowerCase() as Hex));
  for (let i = 0; i < 6; i += 2) {
    const bit = (((hash[i] as number) << 8) | (hash[i + 1] as number)) & 2047;
    if (((bloom[255 - (bit >> 3)] as number) & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}
