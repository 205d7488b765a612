// Many accounts with positions, cheaply: deposits and trades of the sender's own accounts batched in the vault's
// `multicall`, so a test (or a benchmark) can build the 10,000-account books users run at. Test chains only: trades
// go out with no slippage bound.
import { encodeFunctionData, type Hex, maxUint256 } from "viem";
import { perpVaultAbi } from "../abis/index.js";
import type { ParapetContext } from "../client.js";
import { ParapetInputError, ParapetNoWalletError } from "../errors.js";

/** One account to open: a deposit (token units) and a trade (units WAD, signed) in one market. */
export type BulkPosition = { accountIndex: bigint; marketId: bigint; collateral: bigint; sizeDelta: bigint };

export type OpenPositionsInBulkParameters = {
  positions: readonly BulkPosition[];
  /** Accounts per transaction (default 40: ≈ 8.5M gas, well inside the 16,777,216 per-transaction cap). */
  accountsPerTransaction?: number | undefined;
};

/**
 * Deposits and opens every position for the wallet's own accounts, `accountsPerTransaction` accounts per `multicall`
 * transaction (the sender must have approved the vault for the collateral). Returns the transactions' hashes and
 * total gas. Throws on a reverted transaction.
 */
export async function openPositionsInBulk(
  client: ParapetContext,
  parameters: OpenPositionsInBulkParameters,
): Promise<{ hashes: Hex[]; gasUsed: bigint }> {
  const wallet = client.walletClient;
  if (!wallet?.account) throw new ParapetNoWalletError();
  const perTx = parameters.accountsPerTransaction ?? 40;
  if (!Number.isSafeInteger(perTx) || perTx <= 0) {
    throw new ParapetInputError("accountsPerTransaction", `is ${perTx}.`, "Pass a positive integer.");
  }
  const owner = wallet.account.address;
  const deadline = (await client.publicClient.getBlock()).timestamp + 86_400n;
  const hashes: Hex[] = [];
  let gasUsed = 0n;
  for (let start = 0; start < parameters.positions.length; start += perTx) {
    const calls = parameters.positions.slice(start, start + perTx).flatMap((p) => [
      encodeFunctionData({ abi: perpVaultAbi, functionName: "deposit", args: [owner, p.accountIndex, p.collateral] }),
      encodeFunctionData({
        abi: perpVaultAbi,
        functionName: "trade",
        args: [
          {
            owner,
            accountIndex: p.accountIndex,
            marketId: p.marketId,
            sizeDelta: p.sizeDelta,
            acceptablePrice: p.sizeDelta > 0n ? maxUint256 : 0n,
            deadline,
          },
        ],
      }),
    ]);
    const hash = await wallet.writeContract({
      address: client.deployment.perpVault,
      abi: perpVaultAbi,
      functionName: "multicall",
      args: [calls],
      account: wallet.account,
      chain: wallet.chain ?? null,
    });
    const receipt = await client.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`openPositionsInBulk: transaction ${hash} reverted`);
    hashes.push(hash);
    gasUsed += receipt.gasUsed;
  }
  return { hashes, gasUsed };
}
