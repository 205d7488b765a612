// LP deposits on a chain you control, through the request path the LP defence requires (docs/risks.md "LP flows at
// a known price"): request, move the clock past the request's settleAfter (evm_increaseTime + one block), settle. For
// seeding local chains and tests; on a real network wait for settleAfter instead (or let a keeper settle).
import type { Address } from "viem";
import { getLpFlowParams, getLpRequest, writeLpRequestDeposit, writeLpSettle } from "../actions/lp.js";
import { type TokenAmount, type WriteReturnType, writeApprove } from "../actions/write.js";
import type { ParapetContext } from "../client.js";
import { ParapetInputError, ParapetNoWalletError } from "../errors.js";
import { assertBigintAmount, parseDecimal } from "../units.js";
import type { AnyTestClient } from "./chain.js";

type TestContext = ParapetContext & { testClient: AnyTestClient };

export type SettleLpRequestNowParameters = { requestId: bigint };

/**
 * Settles an LP request now: when its `settleAfter` is still ahead, moves the chain's clock there first (one block).
 * The sender earns the request's keeper fee. Throws ParapetInputError when the request is gone.
 */
export async function settleLpRequestNow(
  client: TestContext,
  parameters: SettleLpRequestNowParameters,
): Promise<WriteReturnType> {
  const request = await getLpRequest(client, { requestId: parameters.requestId });
  if (!request) {
    throw new ParapetInputError(
      "requestId",
      `${parameters.requestId} is not a live LP request (settled, cancelled or never made).`,
      "Pass the id a request returned (writeLpRequestDeposit / writeLpRequestRedeem).",
    );
  }
  const block = await client.publicClient.getBlock({ blockTag: "latest" });
  if (request.settleAfter > block.timestamp) {
    await client.testClient.increaseTime({ seconds: Number(request.settleAfter - block.timestamp) });
    await client.testClient.mine({ blocks: 1 });
  }
  return writeLpSettle(client, { requestId: parameters.requestId });
}

export type SeedLiquidityParameters = {
  /** Token units or a decimal string; the sender must hold it plus the LP vault's keeper fee. */
  amount: TokenAmount;
  /** Who gets the shares (default: the sender). */
  receiver?: Address | undefined;
};

export type SeedLiquidityReturnType = { requestId: bigint; shares: bigint; settle: WriteReturnType };

/**
 * An LP deposit from the wallet client's account on a test chain: approves the LP vault for the amount and the keeper
 * fee, requests the deposit, moves the clock past its delay and settles it (the sender earns its own keeper fee back).
 */
export async function seedLiquidity(
  client: TestContext,
  parameters: SeedLiquidityParameters,
): Promise<SeedLiquidityReturnType> {
  const account = client.walletClient?.account;
  if (!account) throw new ParapetNoWalletError();
  const amount =
    typeof parameters.amount === "string"
      ? parseDecimal(parameters.amount, client.deployment.collateralDecimals, { argument: "amount", allowZero: false })
      : assertBigintAmount(parameters.amount, { argument: "amount", allowZero: false });
  const { keeperFeeTokens } = await getLpFlowParams(client);
  await writeApprove(client, { amount: amount + keeperFeeTokens, spender: "liquidityVault" });
  const { requestId } = await writeLpRequestDeposit(client, {
    amount,
    receiver: parameters.receiver ?? account.address,
  });
  const settle = await settleLpRequestNow(client, { requestId });
  const settled = settle.events.find((e) => e.eventName === "DepositSettled");
  if (!settled) throw new Error(`the settlement ${settle.hash} emitted no DepositSettled`);
  return { requestId, shares: (settled.args as { shares: bigint }).shares, settle };
}
