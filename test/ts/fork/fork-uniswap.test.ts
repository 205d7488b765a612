// A real Uniswap v3 position on a fork of a live chain (FORK_URL; pending without it): the SDK reads a live position
// of the chain's NonfungiblePositionManager and its amounts + fees equal what the manager's own decreaseLiquidity +
// collect would pay its owner at that block, to the wei. The position is the manager's first enumerable live one
// (tokenByIndex), so no address or id is hard-wired but the manager's (FORK_POSITION_MANAGER overrides it).
import { expect } from "chai";
import { network } from "hardhat";
import { type Address, parseAbi } from "viem";
import { nonfungiblePositionManagerAbi, readExposures } from "../../../src/index.js";
import { simulateWithdrawUniswapV3 } from "../../../src/testing/index.js";

const FORK_URL = process.env.FORK_URL;
/** Mainnet, Arbitrum, Optimism, Polygon and Base share this address (Uniswap's canonical deployment). */
const POSITION_MANAGER = (process.env.FORK_POSITION_MANAGER ?? "0xC36442b4a4522E871399CD717aBDD847Ab11FE88") as Address;

describe("mainnet fork (FORK_URL): a live Uniswap v3 position", function () {
  this.timeout(600_000);
  it(
    FORK_URL
      ? "reads a live position of the chain's position manager, equal to decreaseLiquidity + collect to the wei"
      : "skipped: set FORK_URL (an RPC of a chain with Uniswap v3) to run it (docs/uniswap.md)",
    async function () {
      if (!FORK_URL) this.skip();
      const pinned = process.env.FORK_BLOCK_NUMBER;
      const fork = await network.create({
        network: "hardhat",
        override: { forking: { url: FORK_URL ?? "", ...(pinned ? { blockNumber: Number(pinned) } : {}) } },
      });
      const publicClient = await fork.viem.getPublicClient();
      const enumerable = parseAbi([
        "function totalSupply() view returns (uint256)",
        "function tokenByIndex(uint256) view returns (uint256)",
      ]);
      const supply = await publicClient.readContract({
        address: POSITION_MANAGER,
        abi: enumerable,
        functionName: "totalSupply",
      });
      let tokenId: bigint | undefined;
      // The first live position with liquidity, among the last 50 minted (recent ones are likelier to hold some).
      for (let i = supply - 1n; i >= 0n && i >= supply - 50n && tokenId === undefined; i--) {
        const id = await publicClient.readContract({
          address: POSITION_MANAGER,
          abi: enumerable,
          functionName: "tokenByIndex",
          args: [i],
        });
        const p = await publicClient.readContract({
          address: POSITION_MANAGER,
          abi: nonfungiblePositionManagerAbi,
          functionName: "positions",
          args: [id],
        });
        if (p[7] > 0n) tokenId = id;
      }
      if (tokenId === undefined) throw new Error("no live position with liquidity among the last 50 minted");
      const owner = await publicClient.readContract({
        address: POSITION_MANAGER,
        abi: nonfungiblePositionManagerAbi,
        functionName: "ownerOf",
        args: [tokenId],
      });
      const read = await readExposures(
        { publicClient },
        {
          owner,
          sources: {
            native: false,
            uniswapV3: { positionManager: POSITION_MANAGER, tokenIds: [tokenId], owned: false },
          },
        },
      );
      expect(read.requests).to.equal(1);
      const p = read.positions[0];
      if (p === undefined) throw new Error("no position read");
      const { amount0: a0, amount1: a1 } = await simulateWithdrawUniswapV3(publicClient, {
        positionManager: POSITION_MANAGER,
        tokenId,
        owner,
      });
      expect(p.amount0 + p.fees0).to.equal(a0);
      expect(p.amount1 + p.fees1).to.equal(a1);
    },
  );
});
