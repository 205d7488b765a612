// The on-chain side of the keeper's liquidation job: LiquidationUpkeep, a Chainlink Automation-compatible upkeep.
// A keeper process (or a script) keeps its watch list in sync with the accounts it discovers, so a decentralised
// keeper network can liquidate them when this process is down. Read/decide here, send one transaction.
import { type Address, encodeAbiParameters, encodeFunctionData, type Hex, keccak256 } from "viem";
import { liquidationUpkeepAbi } from "../abis/index.js";
import { multicallInChunks, unwrapCallResult } from "../actions/read.js";
import { type BuiltTransaction, sendParapetTransaction, type WriteReturnType } from "../actions/write.js";
import type { ParapetContext } from "../client.js";
import { requireAddress } from "../deployment.js";
import { toParapetContractError } from "../errors.js";
import { type AccountRef, accountKey } from "./accounts.js";

function upkeepAddress(client: ParapetContext, upkeep: Address | undefined): Address {
  return upkeep ?? requireAddress(client.deployment, "liquidationUpkeep");
}

export type SyncUpkeepWatchListParameters = {
  accounts: readonly AccountRef[];
  /** The upkeep (default: the deployment's liquidationUpkeep). */
  upkeep?: Address | undefined;
  dryRun?: boolean | undefined;
};

export type SyncUpkeepWatchListReturnType = {
  /** Accounts that were not watched yet (and now are, unless dry run). */
  added: AccountRef[];
  written?: WriteReturnType | undefined;
};

/** Adds the accounts the upkeep does not watch yet, in one `watch` transaction (nothing when all are watched). */
export async function syncUpkeepWatchList(
  client: ParapetContext,
  parameters: SyncUpkeepWatchListParameters,
): Promise<SyncUpkeepWatchListReturnType> {
  const address = upkeepAddress(client, parameters.upkeep);
  const unique = [...new Map(parameters.accounts.map((a) => [accountKey(a), a])).values()];
  if (unique.length === 0) return { added: [] };
  const { results } = await multicallInChunks(
    client,
    unique.map((a) => ({ address, abi: liquidationUpkeepAbi, functionName: "isWatched", args: [watchKey(a)] })),
    { what: "upkeep watch list", gasPerCall: 10_000 },
  );
  const watched = results.map((r) => unwrapCallResult<boolean>(r, "isWatched"));
  const added = unique.filter((_, i) => watched[i] !== true);
  if (added.length === 0 || parameters.dryRun) return { added };
  const tx: BuiltTransaction = {
    to: address,
    data: encodeFunctionData({ abi: liquidationUpkeepAbi, functionName: "watch", args: [added] }),
    value: 0n,
    functionName: "watch",
  };
  return { added, written: await sendParapetTransaction(client, tx) };
}

/** The upkeep's key of an account: keccak256(abi.encode(owner, accountIndex)). */
function watchKey(account: AccountRef): Hex {
  return keccak256(
    encodeAbiParameters([{ type: "address" }, { type: "uint96" }], [account.owner, account.accountIndex]),
  );
}

export type CheckLiquidationUpkeepParameters = {
  upkeep?: Address | undefined;
  /** First watch-list index of the page (default 0). */
  start?: bigint | undefined;
  /**
   * Page size (default 1,000): one upkeep registration per page. A check stops on its own before Automation's
   * 10,000,000 check gas runs out (≈ 1,000 one-position accounts) and reports at most the upkeep's `maxBatch`.
   */
  count?: bigint | undefined;
};

export type CheckLiquidationUpkeepReturnType = {
  upkeepNeeded: boolean;
  /** The accounts the upkeep would liquidate (performData's watch-list indexes, read back). */
  due: AccountRef[];
  /** performData decoded: the due accounts' watch-list indexes. */
  dueIndexes: bigint[];
  performData: Hex;
  /** The checkData an Automation registration for this page uses. */
  checkData: Hex;
};

/** What the Automation network sees: `checkUpkeep(abi.encode(start, count))`, run as an eth_call. */
export async function checkLiquidationUpkeep(
  client: ParapetContext,
  parameters: CheckLiquidationUpkeepParameters = {},
): Promise<CheckLiquidationUpkeepReturnType> {
  const address = upkeepAddress(client, parameters.upkeep);
  const checkData = encodeAbiParameters(
    [{ type: "uint256" }, { type: "uint256" }],
    [parameters.start ?? 0n, parameters.count ?? 1_000n],
  );
  let result: readonly [boolean, Hex];
  try {
    result = await client.publicClient.readContract({
      address,
      abi: liquidationUpkeepAbi,
      functionName: "checkUpkeep",
      args: [checkData],
    });
  } catch (error) {
    throw toParapetContractError(error, { functionName: "checkUpkeep", step: "read" }) ?? error;
  }
  const [upkeepNeeded, performData] = result;
  const dueIndexes: bigint[] = [];
  for (let i = 2; i + 8 <= performData.length; i += 8) dueIndexes.push(BigInt(`0x${performData.slice(i, i + 8)}`));
  const { results } = await multicallInChunks(
    client,
    dueIndexes.map((i) => ({ address, abi: liquidationUpkeepAbi, functionName: "watchedAt", args: [i] })),
    { what: "upkeep watch list", gasPerCall: 10_000 },
  );
  const due = results.map((r) => {
    const a = unwrapCallResult<{ owner: Address; accountIndex: bigint | number }>(r, "watchedAt");
    return { owner: a.owner, accountIndex: BigInt(a.accountIndex) };
  });
  return { upkeepNeeded, due, dueIndexes, performData, checkData };
}

/** Sends `performUpkeep(performData)` (anyone may; the upkeep re-validates and reverts NoDueWork if nothing is due). */
export async function performLiquidationUpkeep(
  client: ParapetContext,
  parameters: { performData: Hex; upkeep?: Address | undefined },
): Promise<WriteReturnType> {
  const address = upkeepAddress(client, parameters.upkeep);
  const tx: BuiltTransaction = {
    to: address,
    data: encodeFunctionData({
      abi: liquidationUpkeepAbi,
      functionName: "performUpkeep",
      args: [parameters.performData],
    }),
    value: 0n,
    functionName: "performUpkeep",
  };
  return sendParapetTransaction(client, tx);
}
