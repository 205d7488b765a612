// parapet/testing's Uniswap v3 helpers on a real anvil node, where blocks are mined on the node's clock.

import { expect } from "chai";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  custom,
  http,
  maxUint256,
  parseEther,
  parseUnits,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { testTokenAbi, testTokenBytecode, weth9Abi } from "../../src/index.js";
import { createUniswapV3Pool, deployUniswapV3, mintUniswapV3Position } from "../../src/testing/index.js";
import { ANVIL_KEYS, startAnvil } from "./helpers/anvil.js";

describe("parapet/testing: Uniswap v3 helpers on anvil", function () {
  this.timeout(120_000);

  // The bug CI found: a node's gas estimate is exact only for the block it ran on. A position's first mint
  // initialises its ticks with the pool's time-weighted cumulatives, zero in the pool's first second and non-zero
  // after, so a mint estimated in one second and mined in a later one writes fresh slots non-zero and needs more gas.
  // The wallet's transport below moves the clock 10 s on before each transaction is sent, as a slow machine does.
  it("a mint mined seconds after its estimate succeeds: the helpers send with a gas margin", async () => {
    const anvil = await startAnvil();
    try {
      const transport = http(anvil.url);
      const publicClient = createPublicClient({ transport, pollingInterval: 100 });
      const late = custom({
        async request({ method, params }) {
          if (method === "eth_sendRawTransaction")
            await publicClient.request({ method: "evm_increaseTime" as never, params: [10] as never });
          return publicClient.request({ method, params } as never);
        },
      });
      const account = privateKeyToAccount(ANVIL_KEYS[0]);
      const walletClient = createWalletClient({ account, transport });
      const clients = { publicClient, walletClient };
      const uniswap = await deployUniswapV3(clients);
      const hash = await walletClient.deployContract({
        abi: testTokenAbi,
        bytecode: testTokenBytecode,
        args: ["USD Coin", "USDC", 6],
        chain: null,
      });
      const usd = (await publicClient.waitForTransactionReceipt({ hash })).contractAddress as Address;
      for (const request of [
        { address: usd, abi: testTokenAbi, functionName: "mint", args: [walletClient.account.address, 10n ** 12n] },
        { address: uniswap.weth, abi: weth9Abi, functionName: "deposit", value: parseEther("100") },
      ] as const)
        await publicClient.waitForTransactionReceipt({
          hash: await walletClient.writeContract({ ...request, chain: null } as never),
        });
      for (const token of [usd, uniswap.weth])
        await publicClient.waitForTransactionReceipt({
          hash: await walletClient.writeContract({
            address: token,
            abi: testTokenAbi,
            functionName: "approve",
            args: [uniswap.positionManager, maxUint256],
            chain: null,
          }),
        });
      await createUniswapV3Pool(clients, { uniswap, base: uniswap.weth, quote: usd, price: "3000" });
      const minted = await mintUniswapV3Position(
        { publicClient, walletClient: createWalletClient({ account, transport: late }) },
        {
          uniswap,
          base: uniswap.weth,
          quote: usd,
          lowerPrice: "2400",
          upperPrice: "3600",
          amountBase: parseEther("10"),
          amountQuote: parseUnits("30000", 6),
        },
      );
      expect(minted.liquidity > 0n).to.equal(true);
    } finally {
      await anvil.stop();
    }
  });
});
