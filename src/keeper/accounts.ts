// Account discovery for keepers: every account that ever received collateral, from the vault's Deposited events.
// An account cannot hold a position without collateral, so this set covers every account that can be liquidated.
import type { Address } from "viem";
import { perpVaultAbi } from "../abis/index.js";
import type { ParapetContext } from "../client.js";
import { ParapetInputError } from "../errors.js";

/** One margin account of the vault (`owner`'s account number `accountIndex`). */
export type AccountRef = { owner: Address; accountIndex: bigint };

/** A stable key of an account (lower-case owner): `0xabc…:3`. Keepers key their in-flight actions with it. */
export function accountKey(account: AccountRef): string {
  return `${account.owner.toLowerCase()}:${account.accountIndex}`;
}

/** Public RPCs commonly cap eth_getLogs at 10,000 blocks. */
export const DEFAULT_LOG_BLOCK_RANGE = 10_000n;

export type DiscoverAccountsParameters = {
  /** First block scanned (default: the deployment's block). A keeper passes its last `toBlock + 1n`. */
  fromBlock?: bigint | undefined;
  /** Last block scanned (default: the latest block, read once so the range is fixed). */
  toBlock?: bigint | undefined;
  /** Blocks per eth_getLogs request (default 10,000). */
  blockRange?: bigint | undefined;
};

export type DiscoverAccountsReturnType = {
  /** Accounts first seen in the range, deduplicated, in the order of their first deposit. */
  accounts: AccountRef[];
  /** The last block scanned: resume from `toBlock + 1n`. */
  toBlock: bigint;
};

/**
 * Accounts that received a deposit in [fromBlock, toBlock], deduplicated, in first-seen order. Paged by
 * `blockRange` so it works against RPCs that cap log ranges. Incremental use: keep a `Set` of
 * {@link accountKey}s and resume from the returned `toBlock + 1n`.
 */
export async function discoverAccounts(
  client: ParapetContext,
  parameters: DiscoverAccountsParameters = {},
): Promise<DiscoverAccountsReturnType> {
  const blockRange = parameters.blockRange ?? DEFAULT_LOG_BLOCK_RANGE;
  if (blockRange <= 0n) {
    throw new ParapetInputError("blockRange", `is ${blockRange}.`, "Pass a positive number of blocks per request.");
  }
  const fromBlock = parameters.fromBlock ?? client.deployment.blockNumber;
  const toBlock = parameters.toBlock ?? (await client.publicClient.getBlockNumber({ cacheTime: 0 }));
  const seen = new Set<string>();
  const accounts: AccountRef[] = [];
  for (let start = fromBlock; start <= toBlock; start += blockRange) {
    const end = start + blockRange - 1n < toBlock ? start + blockRange - 1n : toBlock;
    const logs = await client.publicClient.getContractEvents({
      address: client.deployment.perpVault,
      abi: perpVaultAbi,
      eventName: "Deposited",
      fromBlock: start,
      toBlock: end,
      strict: true,
    });
    for (const log of logs) {
      const account = { owner: log.args.owner, accountIndex: BigInt(log.args.accountIndex) };
      const key = accountKey(account);
      if (seen.has(key)) continue;
      seen.add(key);
      accounts.push(account);
    }
  }
  return { accounts, toBlock };
}
