import { expect } from "chai";
import { custom, getAddress, parseUnits } from "viem";
import {
  createParapetClient,
  getSnapshot,
  type ParapetClient,
  ParapetContractError,
  ParapetDeploymentError,
  ParapetFeeCapError,
  ParapetInputError,
  type ParapetNoWalletError,
} from "../../src/index.js";
import { deployParapet } from "./helpers/parapet.js";

const usdc = (v: string) => parseUnits(v, 6);
const wad = (v: string) => parseUnits(v, 18);

async function rejects(promise: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("SDK actions on the in-process chain", () => {
  let env: Awaited<ReturnType<typeof deployParapet>>;
  let parapet: ParapetClient;
  let owner: `0x${string}`;

  beforeEach(async () => {
    env = await deployParapet();
    owner = env.trader.account.address;
    parapet = await createParapetClient({
      publicClient: env.publicClient,
      walletClient: env.trader,
      deployment: env.deployment,
    });
  });

  it("approve + deposit + trade + snapshot + close + withdraw, with decoded events", async () => {
    await parapet.writeApprove({ amount: "10000" });
    const dep = await parapet.writeDeposit({ owner, accountIndex: 0n, amount: "10000" });
    const deposited = dep.events.find((e) => e.eventName === "Deposited");
    expect(deposited?.eventName).to.equal("Deposited");
    expect(dep.receipt.status).to.equal("success");

    const traded = await parapet.writeTrade({ owner, accountIndex: 0n, marketId: 0n, sizeDelta: "2", slippageBps: 50 });
    const ev = traded.events.find((e) => e.eventName === "Traded");
    if (ev?.eventName !== "Traded") throw new Error("no Traded event");
    expect(ev.args.result.newSize).to.equal(wad("2"));

    const snap = await parapet.getSnapshot({ owner, accountIndex: 0n });
    expect(snap.markets).to.have.length(5);
    expect(snap.markets[0]?.priceWad).to.equal(wad("3000"));
    expect(snap.markets[1]?.priceWad).to.equal(wad("60000"));
    expect(snap.markets[0]?.longSizeWad).to.equal(wad("2"));
    expect(snap.markets[0]?.skewWad).to.equal(wad("2"));
    expect(snap.account.positions).to.have.length(1);
    const pos = snap.account.positions[0];
    expect(pos?.sizeWad).to.equal(wad("2"));
    expect(pos?.symbol).to.equal("ETH");
    // 10,000 USD behind 2 ETH: no ETH price can liquidate it, which the vault reports as 0.
    expect(pos?.liquidationPriceWad).to.equal(0n);
    expect(pos?.accruedFundingUsd).to.equal(0n);
    expect(snap.account.collateralUsd < wad("10000")).to.equal(true, "the fee was paid");
    expect(snap.account.initialMarginUsd).to.equal(wad("600")); // 2 · 3000 · 10 %
    expect(snap.account.maintenanceMarginUsd).to.equal(wad("305")); // 2 · 3000 · 5 % + 5
    expect(snap.account.distanceToLiquidationUsd).to.equal((snap.account.equityUsd ?? 0n) - wad("305"));
    expect((snap.liquidityVault.totalAssets ?? 0n) > 0n).to.equal(true);
    expect((snap.liquidityVault.utilizationWad ?? 0n) > 0n).to.equal(true);

    await parapet.writeTrade({ owner, accountIndex: 0n, marketId: 0n, sizeDelta: "-2", slippageBps: 50 });
    const after = await parapet.getAccount({ owner, accountIndex: 0n });
    expect(after.positions).to.have.length(0);
    const amount = after.collateralUsd / 10n ** 12n;
    const w = await parapet.writeWithdraw({ accountIndex: 0n, amount, receiver: owner });
    expect(w.events.some((e) => e.eventName === "Withdrawn")).to.equal(true);
    expect(await env.token.read.balanceOf([owner])).to.equal(usdc("90000") + amount);
  });

  it("a snapshot of an account across 5 markets costs exactly 1 RPC request", async () => {
    await parapet.writeApprove({ amount: "10000" });
    await parapet.writeDeposit({ owner, amount: "10000" });
    for (const marketId of [0n, 1n, 2n, 3n, 4n]) {
      await parapet.writeTrade({ owner, marketId, sizeDelta: marketId === 3n ? "1000" : "0.1", slippageBps: 100 });
    }
    const methods: string[] = [];
    const inner = env.publicClient;
    const counting = (await import("viem")).createPublicClient({
      transport: custom({
        request: async (args: { method: string; params?: unknown }) => {
          methods.push(args.method);
          return inner.request(args as never);
        },
      }),
    });
    const snap = await getSnapshot({ publicClient: counting, deployment: env.deployment }, { owner, accountIndex: 0n });
    expect(methods).to.deep.equal(["eth_call"]);
    expect(snap.account.positions).to.have.length(5);
    expect(snap.markets.every((m) => m.oracleError === undefined)).to.equal(true);
  });

  it("LP deposit and redemption requests through the SDK: the immediate deposit refused, request, status, settle by a keeper, cancel", async () => {
    const lpClient = await createParapetClient({
      publicClient: env.publicClient,
      walletClient: env.lp,
      deployment: env.deployment,
    });
    const keeperClient = await createParapetClient({
      publicClient: env.publicClient,
      walletClient: env.keeper,
      deployment: env.deployment,
    });
    const me = env.lp.account.address;
    const flows = await lpClient.getLpFlowParams();
    expect(flows.enabled).to.equal(true);
    await env.token.write.mint([me, usdc("1001")]);
    await lpClient.writeApprove({ amount: "1001", spender: "liquidityVault" });
    // The immediate ERC-4626 deposit is closed while the defence is on; the decoded error names the request path.
    const refused = await rejects(lpClient.writeLpDeposit({ amount: "1000", receiver: me }));
    expect(refused).to.be.instanceOf(ParapetContractError);
    expect((refused as ParapetContractError).errorName).to.equal("ERC4626ExceededMaxDeposit");
    expect((refused as ParapetContractError).fix).to.include("writeLpRequestDeposit");

    const { requestId } = await lpClient.writeLpRequestDeposit({ amount: "1000", receiver: me });
    const pending = await lpClient.getLpRequest({ requestId });
    expect(pending).to.include({ kind: "deposit", status: "pending", owner: getAddress(me), amount: usdc("1000") });
    expect(pending?.keeperFeeTokens).to.equal(usdc("1"));
    expect(pending?.settleAfter).to.equal((pending?.cancelBefore ?? 0n) + BigInt(flows.minDelaySeconds / 2));
    const early = await rejects(keeperClient.writeLpSettle({ requestId }));
    expect((early as ParapetContractError).errorName).to.equal("RequestNotSettleable");
    await env.networkHelpers.time.increase(flows.minDelaySeconds);
    expect((await lpClient.getLpRequest({ requestId }))?.status).to.equal("settleable");
    const settled = await keeperClient.writeLpSettle({ requestId });
    const event = settled.events.find((e) => e.eventName === "DepositSettled");
    if (event?.eventName !== "DepositSettled") throw new Error("no DepositSettled event");
    expect(event.args.assets).to.equal(usdc("1000"));
    expect(event.args.feeTokens).to.equal(usdc("5")); // 50 bps entry fee
    expect((await env.lpVault.read.balanceOf([me])) > 0n, "shares minted").to.equal(true);
    expect(await lpClient.getLpRequest({ requestId })).to.equal(undefined);

    const shares = await env.lpVault.read.balanceOf([me]);
    const redeem = await lpClient.writeLpRequestRedeem({ shares: shares / 2n, receiver: me, owner: me });
    const live = await lpClient.getLpRequests({ owner: me });
    expect(live.map((r) => [r.requestId, r.kind, r.status])).to.deep.equal([[redeem.requestId, "redeem", "pending"]]);
    await lpClient.writeLpCancel({ requestId: redeem.requestId });
    expect(await env.lpVault.read.balanceOf([me])).to.equal(shares);
  });

  it("setOperator lets a bot trade (never withdraw); accrueFunding emits FundingAccrued", async () => {
    await parapet.writeApprove({ amount: "1000" });
    await parapet.writeDeposit({ owner, amount: "1000" });
    const op = await parapet.writeSetOperator({ operator: env.keeper.account.address, allowed: true });
    expect(op.events.some((e) => e.eventName === "OperatorSet")).to.equal(true);
    const bot = await createParapetClient({
      publicClient: env.publicClient,
      walletClient: env.keeper,
      deployment: env.deployment,
    });
    const t = await bot.writeTrade({ owner, marketId: 0n, sizeDelta: "0.1", slippageBps: 50 });
    expect(t.events.some((e) => e.eventName === "Traded")).to.equal(true);
    const f = await bot.writeAccrueFunding({ marketId: 0n });
    expect(f.events.some((e) => e.eventName === "FundingAccrued")).to.equal(true);
    const err = await rejects(bot.writeWithdraw({ amount: "1", receiver: env.keeper.account.address }));
    // The keeper has no account of its own: the vault refuses with a typed error.
    expect(err).to.be.instanceOf(ParapetContractError);
  });

  it("liquidate and liquidateBatch after a price drop; NotLiquidatable on a healthy account", async () => {
    await parapet.writeApprove({ amount: "800" });
    await parapet.writeDeposit({ owner, accountIndex: 0n, amount: "400" });
    await parapet.writeDeposit({ owner, accountIndex: 1n, amount: "400" });
    await parapet.writeTrade({ owner, accountIndex: 0n, marketId: 0n, sizeDelta: "1", slippageBps: 50 });
    await parapet.writeTrade({ owner, accountIndex: 1n, marketId: 0n, sizeDelta: "1", slippageBps: 50 });
    const keeper = await createParapetClient({
      publicClient: env.publicClient,
      walletClient: env.keeper,
      deployment: env.deployment,
    });
    const account = await keeper.getAccount({ owner, accountIndex: 0n });
    const liqPrice = account.positions[0]?.liquidationPriceWad ?? 0n;
    // 3000 + (MM 155 − equity ≈398.5) / (1 − 5 %) ≈ 2743.7
    expect(liqPrice > wad("2740") && liqPrice < wad("2750")).to.equal(true, `liquidation price ${liqPrice}`);
    const healthy = await rejects(keeper.writeLiquidate({ owner, accountIndex: 0n }));
    expect(healthy).to.be.instanceOf(ParapetContractError);
    expect((healthy as ParapetContractError).errorName).to.equal("NotLiquidatable");
    expect((healthy as ParapetContractError).fix).to.match(/healthy/);
    expect((healthy as ParapetContractError).humanArgs.equity).to.match(/USD$/);

    await env.feeds[0]?.write.updateAnswer([2620n * 10n ** 8n]);
    const liq = await keeper.writeLiquidate({ owner, accountIndex: 0n });
    expect(liq.events.some((e) => e.eventName === "Liquidated")).to.equal(true);
    const batch = await keeper.writeLiquidateBatch({ accounts: [{ owner, accountIndex: 1n }] });
    expect(batch.events.some((e) => e.eventName === "Liquidated")).to.equal(true);
  });

  it("deleverage surfaces DeleverageNotAllowed while the pool is healthy", async () => {
    await parapet.writeApprove({ amount: "1000" });
    await parapet.writeDeposit({ owner, amount: "1000" });
    await parapet.writeTrade({ owner, marketId: 0n, sizeDelta: "0.1", slippageBps: 50 });
    const err = await rejects(parapet.writeDeleverage({ owner, marketId: 0n }));
    expect((err as ParapetContractError).errorName).to.equal("DeleverageNotAllowed");
    expect((err as ParapetContractError).step).to.equal("simulate");
  });

  it("build* returns { to, data, value } without sending", async () => {
    const before = await env.publicClient.getTransactionCount({ address: owner });
    const tx = parapet.buildDeposit({ owner, amount: "1" });
    expect(tx.to).to.equal(env.deployment.perpVault);
    expect(tx.value).to.equal(0n);
    expect(tx.data.startsWith("0x")).to.equal(true);
    const trade = await parapet.buildTrade({ owner, marketId: 0n, sizeDelta: wad("1"), acceptablePrice: wad("3100") });
    expect(trade.to).to.equal(env.deployment.perpVault);
    expect(await env.publicClient.getTransactionCount({ address: owner })).to.equal(before);
  });

  describe("typed errors", () => {
    it("wrong chain", async () => {
      const err = await rejects(
        createParapetClient({
          publicClient: env.publicClient,
          deployment: { ...env.deployment, chainId: 1 },
        }),
      );
      expect(err).to.be.instanceOf(ParapetDeploymentError);
      expect((err as ParapetDeploymentError).code).to.equal("WRONG_CHAIN");
    });

    it("unknown market", async () => {
      const err = await rejects(parapet.writeTrade({ owner, marketId: 7n, sizeDelta: "1", slippageBps: 50 }));
      expect((err as ParapetDeploymentError).code).to.equal("UNKNOWN_MARKET");
      const err2 = await rejects(parapet.getMarkets({ marketIds: [9n] }));
      expect((err2 as ParapetDeploymentError).code).to.equal("UNKNOWN_MARKET");
    });

    it("float amount and zero size", async () => {
      const float = await rejects(() => parapet.buildDeposit({ owner, amount: 1.5 as unknown as bigint }));
      expect(float).to.be.instanceOf(ParapetInputError);
      expect((float as ParapetInputError).message).to.match(/JS number 1\.5/);
      const zero = await rejects(parapet.writeTrade({ owner, marketId: 0n, sizeDelta: 0n, slippageBps: 50 }));
      expect((zero as ParapetInputError).argument).to.equal("sizeDelta");
      const decimals = await rejects(() => parapet.buildDeposit({ owner, amount: "1.0000001" }));
      expect((decimals as ParapetInputError).message).to.match(/at most 6/);
    });

    it("expired deadline", async () => {
      await parapet.writeApprove({ amount: "1000" });
      await parapet.writeDeposit({ owner, amount: "1000" });
      const err = await rejects(
        parapet.writeTrade({ owner, marketId: 0n, sizeDelta: "0.1", acceptablePrice: wad("4000"), deadline: 1n }),
      );
      expect((err as ParapetContractError).errorName).to.equal("DeadlineExpired");
      expect((err as ParapetContractError).humanArgs.deadline).to.contain("1970-01-01");
      expect((err as ParapetContractError).fix).to.match(/later `deadline`/);
    });

    it("slippage", async () => {
      await parapet.writeApprove({ amount: "1000" });
      await parapet.writeDeposit({ owner, amount: "1000" });
      const err = await rejects(
        parapet.writeTrade({ owner, marketId: 0n, sizeDelta: "0.1", acceptablePrice: wad("2999") }),
      );
      const e = err as ParapetContractError;
      expect(e.errorName).to.equal("SlippageExceeded");
      expect(e.humanArgs.acceptablePrice).to.equal("2999 USD/unit");
      expect(e.message).to.match(/SlippageExceeded\(fillPrice=3000\.\d+ USD\/unit, acceptablePrice=2999 USD\/unit\)/);
    });

    it("fee cap: refused below the network's need, honoured above it", async () => {
      const err = await rejects(parapet.writeApprove({ amount: "1", maxFeePerGas: 1n }));
      expect(err).to.be.instanceOf(ParapetFeeCapError);
      expect((err as ParapetFeeCapError).code).to.equal("FEE_CAP_EXCEEDED");
      expect((err as ParapetFeeCapError).requiredMaxFeePerGas > 1n).to.equal(true);
      const cap = (err as ParapetFeeCapError).requiredMaxFeePerGas + 1n;
      const ok = await parapet.writeApprove({ amount: "1", maxFeePerGas: cap });
      expect(ok.maxFeePerGas <= cap).to.equal(true);
      expect(ok.receipt.effectiveGasPrice <= cap).to.equal(true);
    });

    it("missing price bound and missing wallet", async () => {
      const noBound = await rejects(parapet.buildTrade({ owner, marketId: 0n, sizeDelta: "1" }));
      expect((noBound as ParapetInputError).argument).to.equal("acceptablePrice");
      expect((noBound as ParapetInputError).fix).to.match(/slippageBps/);
      const readOnly = await createParapetClient({
        publicClient: env.publicClient,
        deployment: env.deployment,
      });
      const noWallet = await rejects(readOnly.writeApprove({ amount: "1" }));
      expect((noWallet as ParapetNoWalletError).code).to.equal("NO_WALLET");
    });

    it("insufficient margin", async () => {
      await parapet.writeApprove({ amount: "100" });
      await parapet.writeDeposit({ owner, amount: "100" });
      const err = await rejects(parapet.writeTrade({ owner, marketId: 0n, sizeDelta: "1", slippageBps: 50 }));
      expect((err as ParapetContractError).errorName).to.equal("InsufficientMargin");
      expect((err as ParapetContractError).humanArgs.requiredMargin).to.match(/^300(\.\d+)? USD$/);
    });

    it("market paused: opening refused with MarketPaused, the snapshot shows the pause", async () => {
      await parapet.writeApprove({ amount: "1000" });
      await parapet.writeDeposit({ owner, amount: "1000" });
      await env.vault.write.setMarketPaused([4n, true]); // the owner may pause too
      const err = await rejects(parapet.writeTrade({ owner, marketId: 4n, sizeDelta: "0.01", slippageBps: 50 }));
      expect((err as ParapetContractError).errorName).to.equal("MarketPaused");
      expect((err as ParapetContractError).fix).to.match(/reducing or closing/);
      const [spx] = await parapet.getMarkets({ marketIds: [4n] });
      expect(spx?.openingPaused).to.equal(true);
    });

    it("utilisation: a trade beyond 80 % of the pool is refused with UtilizationTooHigh in USD", async () => {
      await parapet.writeApprove({ amount: "100000" });
      await parapet.writeDeposit({ owner, amount: "100000" });
      // 300 ETH ≈ 900,000 USD of skew > 0.8 · ≈1,000,000 USD of pool value (marked: the trade premium counts).
      const err = await rejects(parapet.writeTrade({ owner, marketId: 0n, sizeDelta: "300", slippageBps: 100 }));
      const e = err as ParapetContractError;
      expect(e.errorName).to.equal("UtilizationTooHigh");
      expect(e.humanArgs.maxReservedUsd).to.match(/^80\d{4}(\.\d+)? USD$/);
      expect(e.fix).to.match(/LP pool/);
    });

    it("stale oracle: the trade fails with StalePrice, the snapshot still returns with the oracle error", async () => {
      await parapet.writeApprove({ amount: "1000" });
      await parapet.writeDeposit({ owner, amount: "1000" });
      await env.networkHelpers.time.increase(86_401);
      const err = await rejects(
        parapet.writeTrade({ owner, marketId: 0n, sizeDelta: "0.1", acceptablePrice: wad("4000") }),
      );
      expect((err as ParapetContractError).errorName).to.equal("StalePrice");
      expect((err as ParapetContractError).fix).to.match(/heartbeat/);
      const snap = await parapet.getSnapshot({ owner, accountIndex: 0n });
      expect(snap.markets[0]?.priceWad).to.equal(undefined);
      expect(snap.markets[0]?.oracleError?.errorName).to.equal("StalePrice");
      expect(snap.account.collateralUsd).to.equal(wad("1000"));
    });
  });
});
