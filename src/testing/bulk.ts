// Many accounts with positions, cheaply: deposits and trades of the sender's own accounts batched in the vault's
// `multicall`, so a test (or a benchmark) can build the 10,000-account books users run at. Test chains only: trades
// go out with no slippage bound.
import { encodeFunctionData, type Hex, maxUint256 } from "viem";
import { perpVaultAbi } from "../abis/index.js";
import { MAX_TRANSACTION_GAS } from "../actions/deployless.js";
import type { ParapetContext } from "../client.js";
import { ParapetInputError, ParapetNoWalletError, toParapetContractError } from "../errors.js";

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
    const request = {
      address: client.deployment.perpVault,
      abi: perpVaultAbi,
      functionName: "multicall",
      args: [calls],
      account: wallet.account,
    } as const;
    // Simulated first, so a refusal names the vault's error (InsufficientMargin, UtilizationTooHigh, …). Gas: the
    // estimate + 30 % (the oracle adapter's gas guard makes a tight estimate fail inside a long multicall).
    let gas: bigint;
    try {
      await client.publicClient.simulateContract(request);
      gas = await client.publicClient.estimateContractGas(request);
    } catch (error) {
      throw toParapetContractError(error, { functionName: "multicall", step: "simulate" }) ?? error;
    }
    const capped = (gas * 13n) / 10n;
    const hash = await wallet.writeContract({
      ...request,
      chain: wallet.chain ?? null,
      gas: capped > MAX_TRANSACTION_GAS ? MAX_TRANSACTION_GAS : capped,
    });
    const receipt = await client.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`openPositionsInBulk: transaction ${hash} reverted`);
    hashes.push(hash);
    gasUsed += receipt.gasUsed;
  }
  return { hashes, gasUsed };
}

export type MixedLeverageBookParameters = {
  count: number;
  marketId: bigint;
  /** The market's price at opening (USD), to size collateral from leverage. */
  priceUsd: number;
  /** Collateral token decimals (6 for USDC). */
  collateralDecimals: number;
  /** Leverage range (default 1.5–9.5×, under a 10 % initial margin with room for the fee). */
  leverage?: readonly [number, number] | undefined;
  /** Size range in units (default 0.5–2). */
  size?: readonly [number, number] | undefined;
  /** First account index (default 0). */
  firstAccountIndex?: bigint | undefined;
  seed?: number | undefined;
};

/**
 * A deterministic book for scale tests: `count` accounts in pairs of equal and opposite size (so the market's skew,
 * and the pool's capacity check, stay near zero however large the book), each at its own leverage, spread over the
 * range by a seeded generator.
 */
export function mixedLeverageBook(parameters: MixedLeverageBookParameters): BulkPosition[] {
  const [minLeverage, maxLeverage] = parameters.leverage ?? [1.5, 9.5];
  const [minSize, maxSize] = parameters.size ?? [0.5, 2];
  const first = parameters.firstAccountIndex ?? 0n;
  let seed = parameters.seed ?? 0x9e3779b9;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const out: BulkPosition[] = [];
  let sizeWad = 0n;
  for (let i = 0; i < parameters.count; i++) {
    if (i % 2 === 0) {
      // 1e-3 unit steps: exact in WAD
      sizeWad = BigInt(Math.round((minSize + (maxSize - minSize) * next()) * 1000)) * 10n ** 15n;
    }
    const leverage = minLeverage + (maxLeverage - minLeverage) * next();
    const notionalUsd = (Number(sizeWad) / 1e18) * parameters.priceUsd;
    const collateral = BigInt(Math.ceil((notionalUsd / leverage) * 10 ** parameters.collateralDecimals));
    out.push({
      accountIndex: first + BigInt(i),
      marketId: parameters.marketId,
      collateral,
      sizeDelta: i % 2 === 0 ? sizeWad : -sizeWad,
    });
  }
  return out;
}
