import { expect } from "chai";
import { createPublicClient, custom, parseUnits } from "viem";
import {
  buildTrade,
  getLiquidityVault,
  getMarkets,
  type ParapetContext,
  ParapetContractError,
  ParapetGasEstimationError,
  sendParapetTransaction,
  writeApprove,
  writeDeposit,
} from "../../src/index.js";
import { deployParapet } from "./helpers/parapet.js";

const wad = (v: string) => parseUnits(v, 18);

// Free-function reads with options, and the gas-estimation fallback: an RPC that drops revert data from
// eth_estimateGas still yields the decoded revert (replayed with eth_call), or a typed gas error when even that fails.
describe("SDK free-function reads and gas estimation failures", () => {
  it("getMarkets(client, { marketIds, quoteSizeWad }) and getLiquidityVault(client)", async () => {
    const env = await deployParapet();
    const client: ParapetContext = {
      publicClient: env.publicClient,
      deployment: env.deployment,
    };
    const markets = await getMarkets(client, { marketIds: [3n, 1n], quoteSizeWad: -wad("10") });
    expect(markets.map((m) => m.symbol)).to.deep.equal(["EURUSD", "BTC"]);
    expect(markets[0]?.priceWad).to.equal(wad("1.08"));
    expect(markets[0]?.quoteSizeWad).to.equal(-wad("10"));
    // A sell into an empty book fills below the oracle price and pays the taker fee.
    expect((markets[0]?.quoteFillPriceWad ?? wad("2")) < wad("1.08")).to.equal(true);
    expect((markets[0]?.quoteFeeUsd ?? 0n) > 0n).to.equal(true);
    expect(markets[1]?.params.initialMarginRatioWad).to.equal(wad("0.1"));
    expect(markets[1]?.fundingRatePerDayWad).to.equal(0n);
    const lp = await getLiquidityVault(client);
    expect(lp.totalAssets).to.equal(parseUnits("1000000", 6));
    expect(lp.valueTokens).to.equal(parseUnits("1000000", 6));
    expect(lp.withdrawableTokens).to.equal(parseUnits("1000000", 6));
    expect(lp.utilizationWad).to.equal(0n);
    // The seed went through a request and paid the 50 bps entry fee into the pool: 995,000 shares' worth of 1,000,000.
    expect(lp.sharePriceWad).to.equal((wad("1000000") * wad("1")) / wad("995000"));
  });

  async function setup(dropEstimateData: "estimate" | "estimate+call") {
    const env = await deployParapet();
    const inner = env.publicClient;
    // An RPC that answers eth_estimateGas (and optionally eth_call) failures without revert data.
    const lossy = createPublicClient({
      transport: custom({
        request: async (args: { method: string; params?: unknown }) => {
          try {
            return await inner.request(args as never);
          } catch (error) {
            const strip =
              args.method === "eth_estimateGas" || (dropEstimateData === "estimate+call" && args.method === "eth_call");
            if (strip) throw new Error("execution reverted");
            throw error;
          }
        },
      }),
    });
    const client: ParapetContext = {
      publicClient: lossy,
      walletClient: env.trader,
      deployment: env.deployment,
    };
    const owner = env.trader.account.address;
    await writeApprove(client, { amount: "100" });
    await writeDeposit(client, { owner, amount: "100" });
    const tx = await buildTrade(client, { owner, marketId: 0n, sizeDelta: "1", acceptablePrice: wad("4000") });
    return { client, tx };
  }

  it("estimateGas without revert data: the eth_call replay surfaces InsufficientMargin", async () => {
    const { client, tx } = await setup("estimate");
    let error: unknown;
    try {
      await sendParapetTransaction(client, tx, { simulate: false });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ParapetContractError);
    expect((error as ParapetContractError).errorName).to.equal("InsufficientMargin");
    expect((error as ParapetContractError).step).to.equal("estimateGas");
  });

  it("estimateGas and the replay both without data: ParapetGasEstimationError", async () => {
    const { client, tx } = await setup("estimate+call");
    let error: unknown;
    try {
      await sendParapetTransaction(client, tx, { simulate: false });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ParapetGasEstimationError);
    expect((error as ParapetGasEstimationError).code).to.equal("GAS_ESTIMATION_FAILED");
    expect((error as ParapetGasEstimationError).message).to.match(/Gas estimation of trade failed/);
  });
});
