// The keeper at the scale of a crash (issue #14), on a chain of its own: 10,000 accounts at 1.5–9.5× in balanced
// pairs, the keeper's scan of all of them (requests, median time, unpriced count), then one oracle round that halves
// ETH and the keeper as shipped (`runKeeper({ once })`, default options) until nothing is liquidatable. Every count
// that must match is checked: the bench exits non-zero when one does not (scripts/bench.ts).
import { network } from "hardhat";
import { type Address, createPublicClient, custom, maxUint256, parseUnits } from "viem";
import ParapetLocal from "../../ignition/modules/ParapetLocal.js";
import { createParapetClient, type KeeperEvent, type ParapetClient, runKeeper, scanAccounts } from "../../src/index.js";
import { mixedLeverageBook, openPositionsInBulk, seedLiquidity } from "../../src/testing/index.js";
import { deploymentFromIgnition } from "../deployment/fromIgnition.js";
import type { Measure } from "./report.js";

export const CRASH_ACCOUNTS = 10_000;
const USDC = 10n ** 6n;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const m = sorted.length % 2 === 0 ? ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2 : (sorted[mid] ?? 0);
  return Math.round(m * 10) / 10;
}

/** Builds the chain and the book, measures the scan and the crash; `log` gets progress lines. */
export async function measureCrash(log: (line: string) => void): Promise<Measure[]> {
  const { viem, ignition } = await network.create();
  const chainClient = await viem.getPublicClient();
  const [, traderW, lpW, keeperW] = await viem.getWalletClients();
  if (!traderW || !lpW || !keeperW) throw new Error("the crash bench needs 4 funded accounts");
  const deployed = await ignition.deploy(ParapetLocal);
  const deployment = deploymentFromIgnition(
    deployed as unknown as Record<string, { address: Address }>,
    await chainClient.getChainId(),
    await chainClient.getBlockNumber(),
    6,
  );
  const token = await viem.getContractAt("TestToken", deployment.collateralToken);
  const ethFeed = await viem.getContractAt(
    "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol:MockV3Aggregator",
    deployment.markets[0]?.feed as Address,
  );
  // The LP defence is on (ParapetLocal): the seed is a request settled after the delay (the clock moves).
  await token.write.mint([lpW.account.address, 200_001_000n * USDC]);
  const lpClient = await createParapetClient({ publicClient: chainClient, walletClient: lpW, deployment });
  await seedLiquidity({ ...lpClient, testClient: await viem.getTestClient() }, { amount: 200_000_000n * USDC });
  await token.write.mint([traderW.account.address, 50_000_000n * USDC]);
  await token.write.approve([deployment.perpVault, maxUint256], { account: traderW.account });

  const traderClient = await createParapetClient({ publicClient: chainClient, walletClient: traderW, deployment });
  const t0 = performance.now();
  const opened = await openPositionsInBulk(traderClient, {
    positions: mixedLeverageBook({ count: CRASH_ACCOUNTS, marketId: 0n, priceUsd: 3000, collateralDecimals: 6 }),
  });
  log(
    `crash: ${CRASH_ACCOUNTS.toLocaleString("en-US")} accounts opened in ${opened.hashes.length} transactions, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const owner = traderW.account.address;
  const accounts = Array.from({ length: CRASH_ACCOUNTS }, (_, i) => ({ owner, accountIndex: BigInt(i) }));

  // ---- the scan: requests of one pass (counting transport), median time of 5
  const requests: string[] = [];
  const counting = createPublicClient({
    transport: custom({
      request: async (args: { method: string; params?: unknown }) => {
        requests.push(args.method);
        return chainClient.request(args as never);
      },
    }),
  });
  const countingKeeper: ParapetClient = await createParapetClient({ publicClient: counting, deployment });
  requests.length = 0;
  const first = await scanAccounts(countingKeeper, { accounts });
  const scanRequests = requests.length;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await scanAccounts(countingKeeper, { accounts });
    times.push(performance.now() - t);
  }
  log(`crash: scan of ${first.health.length} accounts in ${scanRequests} requests, median ${median(times)} ms`);

  // ---- the crash: one round halves ETH; the keeper as shipped until nothing is liquidatable
  await ethFeed.write.updateAnswer([parseUnits("1500", 8)]);
  const keeper = await createParapetClient({ publicClient: chainClient, walletClient: keeperW, deployment });
  const before = await scanAccounts(keeper, { accounts });
  const blockBefore = await chainClient.getBlockNumber();
  const events: KeeperEvent[] = [];
  let ticks = 0;
  const t1 = performance.now();
  while (ticks < 10 && (await scanAccounts(keeper, { accounts })).candidates.length > 0) {
    await runKeeper(keeper, { once: true, onEvent: (e) => events.push(e) });
    ticks++;
  }
  const clearedMs = performance.now() - t1;
  const blocks = Number((await chainClient.getBlockNumber()) - blockBefore);
  const after = await scanAccounts(keeper, { accounts });
  const sent = events.filter((e) => e.action === "liquidate" && e.outcome === "sent");
  const liquidated = new Set(sent.flatMap((e) => e.accounts ?? []));
  const gas = sent.reduce((s, e) => s + (e.gasUsed ?? 0n), 0n);
  const unrecordedWad = after.health.reduce((s, h) => (h.equityUsd < 0n ? s - h.equityUsd : s), 0n);
  log(
    `crash: ${before.candidates.length} liquidatable, ${liquidated.size} liquidated in ${ticks} tick(s), ${sent.length} transactions, ${blocks} blocks, ${(clearedMs / 1000).toFixed(1)} s`,
  );

  const gasPerAccount = liquidated.size === 0 ? 0 : Math.round(Number(gas) / liquidated.size);
  return [
    { key: "keeperScanAccounts", value: first.health.length, check: { op: "==", value: CRASH_ACCOUNTS } },
    { key: "keeperScanRpcCalls", value: scanRequests, target: { op: "<=", value: 30 } },
    { key: "keeperScanMs", value: median(times), target: { op: "<=", value: 3_000 } },
    { key: "keeperScanUnpriced", value: first.unpriced.length, check: { op: "==", value: 0 } },
    { key: "crashAccounts", value: CRASH_ACCOUNTS, check: { op: ">=", value: 10_000 } },
    { key: "crashLiquidatable", value: before.candidates.length, check: { op: ">=", value: 1 } },
    { key: "crashLiquidated", value: liquidated.size, check: { op: "==", value: before.candidates.length } },
    { key: "crashTicks", value: ticks, target: { op: "<=", value: 3 } },
    { key: "crashBlocks", value: blocks },
    { key: "crashGasPerAccount", value: gasPerAccount, target: { op: "<=", value: 35_000 } },
    {
      key: "crashBadDebtUnrecordedUsd",
      value: Number(unrecordedWad / 10n ** 16n) / 100,
      check: { op: "==", value: 0 },
    },
  ];
}
