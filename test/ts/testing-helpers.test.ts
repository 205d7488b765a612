import { expect } from "chai";
import { type Address, erc20Abi, getAddress, parseUnits } from "viem";
import { createParapetClient, mockV3AggregatorAbi, type ParapetClient } from "../../src/index.js";
import {
  advanceTime,
  dealToken,
  impersonate,
  mockChainlinkFeed,
  ParapetTestingError,
  setFeedPrice,
  setMarketPrice,
} from "../../src/testing/index.js";
import { deployParapet } from "./helpers/parapet.js";

async function rejects(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

// The `parapet/testing` helpers users get for their own local and fork tests, on the in-process chain.
describe("parapet/testing helpers", () => {
  let env: Awaited<ReturnType<typeof deployParapet>>;
  let parapet: ParapetClient & { testClient: Awaited<ReturnType<typeof env.viem.getTestClient>> };

  before(async () => {
    env = await deployParapet();
    const client = await createParapetClient({
      publicClient: env.publicClient,
      walletClient: env.keeper,
      deployment: env.deployment,
    });
    parapet = Object.assign(client, { testClient: await env.viem.getTestClient() });
  });

  const ethPrice = async () => (await parapet.getMarkets()).find((m) => m.marketId === 0n)?.priceWad;

  it("setMarketPrice posts a new round at the feed's decimals", async () => {
    await setMarketPrice(parapet, { marketId: 0n, price: "3150.25" });
    expect(await ethPrice()).to.equal(parseUnits("3150.25", 18));
    const err = await rejects(setFeedPrice(parapet, { feed: env.deployment.collateralToken, price: "1" }));
    expect(err).to.be.instanceOf(ParapetTestingError);
    expect((err as ParapetTestingError).code).to.equal("NOT_A_MOCK_FEED");
  });

  it("mockChainlinkFeed turns a feed without updateAnswer into a mock that keeps its decimals and round", async () => {
    const proxy = await env.viem.deployContract("test/solidity/mocks/FeedDoubles.sol:ConfigurableFeedProxy", [
      env.deployment.perpVault, // any non-zero aggregator address: the proxy's slot 0 is not a decimals byte
      8,
      parseUnits("1900", 8),
    ]);
    const notMock = await rejects(setFeedPrice(parapet, { feed: proxy.address, price: "2000" }));
    expect((notMock as ParapetTestingError).code).to.equal("NOT_A_MOCK_FEED");
    expect((notMock as ParapetTestingError).message).to.match(/mockChainlinkFeed/);
    const [roundBefore] = await env.publicClient.readContract({
      address: proxy.address,
      abi: mockV3AggregatorAbi,
      functionName: "latestRoundData",
    });
    await mockChainlinkFeed(parapet, { feed: proxy.address });
    const feed = await env.viem.getContractAt(
      "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol:MockV3Aggregator",
      proxy.address,
    );
    expect(await feed.read.decimals()).to.equal(8);
    const [roundAfter, answer] = await feed.read.latestRoundData();
    expect(roundAfter).to.equal(roundBefore + 1n);
    expect(answer).to.equal(parseUnits("1900", 8));
    await setFeedPrice(parapet, { feed: proxy.address, price: "2000" });
    expect((await feed.read.latestRoundData())[1]).to.equal(parseUnits("2000", 8));
  });

  it("advanceTime keeps the feeds fresh and accrues funding; without the refresh the feeds go stale", async () => {
    const trader = await createParapetClient({
      publicClient: env.publicClient,
      walletClient: env.trader,
      deployment: env.deployment,
    });
    const owner = env.trader.account.address;
    await trader.writeApprove({ amount: "10000" });
    await trader.writeDeposit({ owner, amount: "10000" });
    await trader.writeTrade({ owner, marketId: 0n, sizeDelta: "5", slippageBps: 100 });
    const before = await env.vault.read.marketState([0n]);
    const clock = (await env.publicClient.getBlock()).timestamp;
    await advanceTime(parapet, { seconds: 3 * 86_400 });
    expect((await env.publicClient.getBlock()).timestamp - clock >= 3n * 86_400n).to.equal(true);
    const after = await env.vault.read.marketState([0n]);
    expect(after.fundingIndex).to.not.equal(before.fundingIndex);
    expect((await parapet.checkOracles()).feeds.every((o) => o.verdict !== "fail")).to.equal(true);
    await advanceTime(parapet, { seconds: 2 * 86_400, refreshFeeds: false, accrue: false });
    expect((await parapet.checkOracles()).feeds.every((o) => o.verdict === "fail")).to.equal(true);
    await advanceTime(parapet, { seconds: 0 }); // fresh again
    expect((await parapet.checkOracles()).feeds.every((o) => o.verdict !== "fail")).to.equal(true);
  });

  it("dealToken sets an exact balance; impersonate sends as an address without its key", async () => {
    const stranger: Address = getAddress("0x00000000000000000000000000000000000b0b00");
    await dealToken(parapet, { token: env.deployment.collateralToken, to: stranger, amount: 1_234_567n });
    const balance = (who: Address) =>
      env.publicClient.readContract({
        address: env.deployment.collateralToken,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [who],
      });
    expect(await balance(stranger)).to.equal(1_234_567n);
    const { walletClient, stop } = await impersonate(parapet, { address: stranger });
    const hash = await walletClient.writeContract({
      address: env.deployment.collateralToken,
      abi: erc20Abi,
      functionName: "transfer",
      args: [env.keeper.account.address, 567n],
      account: walletClient.account,
      chain: walletClient.chain,
    });
    expect((await env.publicClient.waitForTransactionReceipt({ hash })).from).to.equal(stranger.toLowerCase());
    expect(await balance(stranger)).to.equal(1_234_000n);
    await stop();
    const notFound = await rejects(
      dealToken(parapet, { token: env.deployment.collateralToken, to: stranger, amount: 1n, maxSlot: -1 }),
    );
    expect((notFound as ParapetTestingError).code).to.equal("BALANCE_SLOT_NOT_FOUND");
  });
});
