import { expect } from "chai";
import { BrowserProvider, type Eip1193Provider, Wallet } from "ethers";
import { parseEther, parseUnits } from "viem";
import { createParapetClient, fromEthers, ParapetContractError } from "../../src/index.js";
import { deployParapet } from "./helpers/parapet.js";

const wad = (v: string) => parseUnits(v, 18);

// The same actions through ethers v6: a JSON-RPC signer (node-held key, eth_sendTransaction) and a Wallet (local
// key, signs in ethers).
describe("SDK through ethers v6 (fromEthers)", () => {
  it("JsonRpcSigner: deposit, trade and snapshot", async () => {
    const env = await deployParapet();
    const provider = new BrowserProvider(env.connection.provider as unknown as Eip1193Provider);
    const signer = await provider.getSigner(env.trader.account.address);
    const { publicClient, walletClient } = await fromEthers(provider, signer);
    const parapet = await createParapetClient({ publicClient, walletClient, deployment: env.deployment });
    const owner = env.trader.account.address;
    await parapet.writeApprove({ amount: "1000" });
    await parapet.writeDeposit({ owner, amount: "1000" });
    const t = await parapet.writeTrade({ owner, marketId: 1n, sizeDelta: "-0.01", slippageBps: 50 });
    expect(t.events.some((e) => e.eventName === "Traded")).to.equal(true);
    const snap = await parapet.getSnapshot({ owner, accountIndex: 0n });
    expect(snap.account.positions[0]?.sizeWad).to.equal(-wad("0.01"));
    expect(snap.account.positions[0]?.symbol).to.equal("BTC");
  });

  it("Wallet (local key): signs through ethers; reverts are typed", async () => {
    const env = await deployParapet();
    const provider = new BrowserProvider(env.connection.provider as unknown as Eip1193Provider);
    const wallet = Wallet.createRandom().connect(provider);
    const owner = wallet.address as `0x${string}`;
    await env.deployer.sendTransaction({ to: owner, value: parseEther("10") });
    await env.token.write.mint([owner, parseUnits("1000", 6)]);
    const { publicClient, walletClient } = await fromEthers(provider, wallet);
    const parapet = await createParapetClient({ publicClient, walletClient, deployment: env.deployment });
    await parapet.writeApprove({ amount: "1000" });
    const d = await parapet.writeDeposit({ owner, amount: "1000" });
    expect(d.receipt.from.toLowerCase()).to.equal(owner.toLowerCase());
    const t = await parapet.writeTrade({ owner, marketId: 0n, sizeDelta: "0.5", slippageBps: 50 });
    expect(t.events.some((e) => e.eventName === "Traded")).to.equal(true);
    let error: unknown;
    try {
      await parapet.writeTrade({ owner, marketId: 0n, sizeDelta: "100", slippageBps: 50 });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ParapetContractError);
    expect((error as ParapetContractError).errorName).to.equal("InsufficientMargin");
  });
});
