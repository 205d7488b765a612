// Markets that close (issue #19), on a chain of its own: an always-open market (ETH) and one with gold's hours
// (XAU: Sunday 23:00 → Friday 22:00 UTC, a 2 h closing window, a 5 min reopen delay, a 20 % closing margin), on a
// Wednesday at noon UTC. Measures what the hours cost: `hoursCheckGas`, the adapter's read with the status an
// always-open market's trade now makes (`priceWadAndStatus`) minus the plain read (`priceWad`), each a cold call sent
// as a transaction; `openInScheduledMarket`, a first open in XAU while it is open, next to the same open in ETH.
// Checks: both opens succeed with their `Traded` event and size, and the same open on the Saturday reverts with
// `MarketClosed` naming the Sunday reopen.

import { network } from "hardhat";
import {
  BaseError,
  ContractFunctionRevertedError,
  encodeFunctionData,
  type Hex,
  maxUint256,
  parseEventLogs,
  type TransactionReceipt,
  zeroAddress,
} from "viem";
import { deployPerpVault } from "../deployment/vault.js";
import { FEED_DECIMALS, FEED_HEARTBEAT, feedAnswer, marketParams, TOKEN_DECIMALS, units, usdc } from "./markets.js";
import type { Measure } from "./report.js";

const MOCK_V3 = "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol:MockV3Aggregator";
const WEEK = 604_800n;
/** Seconds from the unix epoch's Thursday to the following Sunday 00:00 UTC, the week's start (MarketHours.sol). */
const SUNDAY_OFFSET = 345_600n;

export async function measureMarketHours(log: (line: string) => void = () => {}): Promise<Measure[]> {
  const { viem, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [deployer, lp, trader] = await viem.getWalletClients();
  if (!deployer || !lp || !trader) throw new Error("the hours bench needs 3 funded accounts");
  const receiptOf = async (tx: Promise<Hex>, what: string): Promise<TransactionReceipt> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
    if (receipt.status !== "success") throw new Error(`hours bench: ${what} reverted (${receipt.transactionHash})`);
    return receipt;
  };

  const now = BigInt(await networkHelpers.time.latest());
  const weekStart = now - ((now + SUNDAY_OFFSET) % WEEK) + WEEK;
  const wednesdayNoon = weekStart + 3n * 86_400n + 12n * 3_600n;
  const saturdayNoon = weekStart + 6n * 86_400n + 12n * 3_600n;
  const sundayReopen = weekStart + WEEK + 23n * 3_600n;
  await networkHelpers.time.increaseTo(wednesdayNoon - 3_600n);

  const token = await viem.deployContract("TestToken", ["USD Coin", "USDC", TOKEN_DECIMALS]);
  const adapter = await viem.deployContract("OracleAdapter", [deployer.account.address]);
  const { vault: vaultAddress } = await deployPerpVault(viem, {
    token: token.address,
    adapter: adapter.address,
    owner: deployer.account.address,
  });
  const vault = await viem.getContractAt("PerpVault", vaultAddress);
  const lpVault = await viem.deployContract("LiquidityVault", [token.address, vault.address, "Parapet LP", "pLP"]);
  await receiptOf(vault.write.setLiquidityVault([lpVault.address]), "setLiquidityVault");
  await receiptOf(token.write.mint([lp.account.address, usdc("10000000")]), "mint");
  await receiptOf(token.write.mint([trader.account.address, usdc("100000")]), "mint");
  await receiptOf(token.write.approve([lpVault.address, maxUint256], { account: lp.account }), "approve");
  await receiptOf(token.write.approve([vault.address, maxUint256], { account: trader.account }), "approve");
  await receiptOf(lpVault.write.deposit([usdc("10000000"), lp.account.address], { account: lp.account }), "seed");

  const eth = await viem.deployContract(MOCK_V3, [FEED_DECIMALS, feedAnswer("3000")]);
  const xau = await viem.deployContract(MOCK_V3, [FEED_DECIMALS, feedAnswer("2300")]);
  for (const [feed, price] of [
    [eth, "3000"],
    [xau, "2300"],
  ] as const) {
    await receiptOf(adapter.write.setFeed([feed.address, FEED_HEARTBEAT, zeroAddress, 0, 0]), "setFeed");
    await receiptOf(vault.write.listMarket([marketParams(feed.address, price)]), "listMarket");
  }
  const gold = {
    sessions: [{ openMinute: 23 * 60, closeMinute: 5 * 1_440 + 22 * 60 }],
    closures: [],
    closingWindowSeconds: 7_200,
    reopenDelaySeconds: 300,
  };
  await receiptOf(adapter.write.setMarketHours([xau.address, gold]), "setMarketHours");
  await receiptOf(vault.write.setClosingMargin([1n, units("0.2")]), "setClosingMargin");
  for (let account = 0n; account < 2n; account++) {
    await receiptOf(
      vault.write.deposit([trader.account.address, account, usdc("10000")], { account: trader.account }),
      "deposit",
    );
  }

  await networkHelpers.time.increaseTo(wednesdayNoon);
  await receiptOf(eth.write.updateAnswer([feedAnswer("3000")]), "round");
  await receiptOf(xau.write.updateAnswer([feedAnswer("2300")]), "round");

  // The adapter's read: with the status (what every trade makes now) and without, on the always-open feed, cold.
  const readGas = async (functionName: "priceWad" | "priceWadAndStatus") =>
    (
      await receiptOf(
        deployer.sendTransaction({
          to: adapter.address,
          data: encodeFunctionData({ abi: adapter.abi, functionName, args: [eth.address] }),
          gas: 5_000_000n,
        }),
        functionName,
      )
    ).gasUsed;
  const hoursCheckGas = Number((await readGas("priceWadAndStatus")) - (await readGas("priceWad")));

  const size = (price: string) => ((units("10000") * 10n ** 18n) / units(price) / 10n ** 10n) * 10n ** 10n;
  const openParams = async (marketId: bigint, accountIndex: bigint, price: string) => ({
    owner: trader.account.address,
    accountIndex,
    marketId,
    sizeDelta: size(price),
    acceptablePrice: maxUint256,
    deadline: (await publicClient.getBlock()).timestamp + 3_600n,
  });
  const open = async (marketId: bigint, accountIndex: bigint, price: string, what: string) => {
    const receipt = await receiptOf(
      vault.write.trade([await openParams(marketId, accountIndex, price)], { account: trader.account }),
      what,
    );
    const traded = parseEventLogs({ abi: vault.abi, logs: receipt.logs, eventName: "Traded" });
    if (traded.length !== 1 || traded[0]?.args.sizeDelta !== size(price)) {
      throw new Error(`hours bench: ${what} emitted no Traded event of its size`);
    }
    return Number(receipt.gasUsed);
  };
  const openAlwaysOpen = await open(0n, 0n, "3000", "open ETH");
  const openScheduled = await open(1n, 1n, "2300", "open XAU (scheduled, open)");

  // Saturday: the same open in XAU must revert MarketClosed(feed, Sunday 23:00).
  await networkHelpers.time.increaseTo(saturdayNoon);
  let closedError = "none";
  let reopensAt = 0n;
  try {
    await publicClient.simulateContract({
      address: vault.address,
      abi: vault.abi,
      functionName: "trade",
      args: [await openParams(1n, 1n, "2300")],
      account: trader.account,
    });
  } catch (error) {
    const revert =
      error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
    if (revert instanceof ContractFunctionRevertedError) {
      closedError = revert.data?.errorName ?? "unknown";
      reopensAt = (revert.data?.args?.[1] as bigint | undefined) ?? 0n;
    }
  }
  log(
    `hours: hoursCheckGas ${hoursCheckGas}, open ETH ${openAlwaysOpen} / XAU ${openScheduled} gas, Saturday: ${closedError}`,
  );
  return [
    { key: "hoursCheckGas", value: hoursCheckGas, target: { op: "<=", value: 2_000 } },
    { key: "openInScheduledMarket", value: openScheduled },
    { key: "openInScheduledMarketExtraGas", value: openScheduled - openAlwaysOpen },
    {
      key: "closedOpenRefused",
      value: closedError === "MarketClosed" && reopensAt === sundayReopen ? 1 : 0,
      check: { op: "==", value: 1 },
    },
  ];
}
