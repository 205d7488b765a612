// Account discovery for keepers: every account that ever received collateral, from the vault's Deposited events.
// An account cannot hold a position without collateral, so this set covers every account that can be liquidated.
import type { Address } from "viem";
import { perpVaultAbi } from "../abis/index.js";
import { type LogRangeParameters, scanLogRange } from "../actions/logs.js";
import type { ParapetContext } from "../client.js";

/** One margin account of the vault (`owner`'s account number `accountIndex`). */
export type AccountRef = { owner: Address; accountIndex: bigint };

/** A stable key of an account (lower-case owner): `0xabc…:3`. Keepers key their in-flight actions with it. */
export function accountKey(account: AccountRef): string {
  return `${account.owner.toLowerCase()}:${account.accountIndex}`;
}

export { DEFAULT_LOG_BLOCK_RANGE } from "../actions/logs.js";

export type DiscoverAccountsParameters = LogRangeParameters;

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
  const { logs, toBlock } = await scanLogRange(client, parameters, (window) =>
    client.publicClient.getContractEvents({
      address: client.deployment.perpVault,
      abi: perpVaultAbi,
      eventName: "Deposited",
      ...window,
      strict: true,
    }),
  );
  const seen = new Set<string>();
  const accounts: AccountRef[] = [];
  for (const log of logs) {
    const account = { owner: log.args.owner, accountIndex: BigInt(log.args.accountIndex) };
    const key = accountKey(account);
    if (seen.has(key)) continue;
    seen.add(key);
    accounts.push(account);
  }
  return { accounts, toBlock };
}
