import { expect } from "chai";
import { network } from "hardhat";
import { type Address, parseUnits } from "viem";
import ParapetLocal from "../../ignition/modules/ParapetLocal.js";
import { createParapetClient } from "../../src/index.js";
import { deploymentFromIgnition } from "./helpers/parapet.js";

// The Ignition module is parameterisable: an 18-decimal collateral flows through the SDK's decimal handling.
describe("ParapetLocal Ignition module", () => {
  it("deploys with tokenDecimals = 18; the SDK deposits a decimal string in that unit; empty LP share price is 1", async () => {
    const { viem, ignition } = await network.create();
    const publicClient = await viem.getPublicClient();
    const [, trader] = await viem.getWalletClients();
    if (!trader) throw new Error("no trader account");
    const deployed = await ignition.deploy(ParapetLocal, { parameters: { TestCollateral: { decimals: 18 } } });
    const deployment = await deploymentFromIgnition(
      deployed as unknown as Record<string, { address: Address }>,
      await publicClient.getChainId(),
      await publicClient.getBlockNumber(),
      18,
    );
    const token = await viem.getContractAt("TestToken", deployment.collateralToken);
    expect(await token.read.decimals()).to.equal(18);
    await token.write.mint([trader.account.address, parseUnits("10", 18)]);
    const parapet = await createParapetClient({
      publicClient: publicClient,
      walletClient: trader,
      deployment,
    });
    await parapet.writeApprove({ amount: "1.5" });
    await parapet.writeDeposit({ owner: trader.account.address, amount: "1.5" });
    const snap = await parapet.getSnapshot({ owner: trader.account.address, accountIndex: 0n });
    expect(snap.account.collateralUsd).to.equal(parseUnits("1.5", 18));
    expect(snap.markets.map((m) => m.priceWad)).to.deep.equal(
      ["3000", "60000", "2300", "1.08", "5000"].map((p) => parseUnits(p, 18)),
    );
    expect(snap.liquidityVault.totalSupply).to.equal(0n);
    expect(snap.liquidityVault.sharePriceWad).to.equal(parseUnits("1", 18));
  });
});
