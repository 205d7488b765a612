// LP flows under the LP defence (issue #15), on a chain of its own: 10 markets with open interest, a 10M pool, the
// deployment's flow parameters. Measures the LP's own transactions (requestDeposit, requestRedeem: no pool mark, so
// the same gas at 1 and at 10 markets) and the keeper's settlements (they mark every market: reported at 10 markets
// and per market, from the difference between 1 and 10 markets). Every number is `gasUsed` from a receipt; a
// measured transaction that did not do what it should (reverted, no event, wrong balances, a request that grew with
// the markets) throws.

import { network } from "hardhat";
import { type Address, type Hex, maxUint256, parseEventLogs, type TransactionReceipt, zeroAddress } from "viem";
import { defaultLpFlowParams } from "../../src/actions/lp.js";
import { deployPerpVault } from "../deployment/vault.js";
import { FEED_DECIMALS, FEED_HEARTBEAT, feedAnswer, marketParams, TOKEN_DECIMALS, units, usdc } from "./markets.js";
import type { Measure } from "./report.js";

/** Ten markets: the five of the benchmark and five more at round prices. */
const LP_BENCH_MARKETS = [
  { symbol: "ETH", price: "3000" },
  { symbol: "BTC", price: "60000" },
  { symbol: "XAU", price: "2300" },
  { symbol: "EURUSD", price: "1.08" },
  { symbol: "SPX", price: "5000" },
  { symbol: "SOL", price: "150" },
  { symbol: "WTI", price: "80" },
  { symbol: "XAG", price: "30" },
  { symbol: "GBPUSD", price: "1.27" },
  { symbol: "NDX", price: "18000" },
] as const;
const POOL = usdc("10000000");
const LP2_DEPOSIT = usdc("100000");
/** The request's own transaction must not mark the pool: at most this far apart at 1 and 10 markets. */
const O1_TOLERANCE_GAS = 100n;

/** Builds the chain and the pool, measures the four LP transactions; `log` gets progress lines. */
export async function measureLpFlows(log: (line: string) => void = () => {}): Promise<Measure[]> {
  const { viem, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [deployer, lp, lp2, trader, keeper] = await viem.getWalletClients();
  if (!deployer || !lp || !lp2 || !trader || !keeper) throw new Error("the LP bench needs 5 funded accounts");

  const receiptOf = async (tx: Promise<Hex>, what: string): Promise<TransactionReceipt> => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
    if (receipt.status !== "success") throw new Error(`LP bench: ${what} reverted (${receipt.transactionHash})`);
    return receipt;
  };

  const token = await viem.deployContract("TestToken", ["USD Coin", "USDC", TOKEN_DECIMALS]);
  const adapter = await viem.deployContract("OracleAdapter", [deployer.account.address]);
  const vault = await viem.getContractAt(
    "PerpVault",
    (
      await deployPerpVault(viem, {
        token: token.address,
        adapter: adapter.address,
        owner: deployer.account.address,
      })
    ).vault,
  );
  const lpVault = await viem.deployContract("LiquidityVault", [token.address, vault.address, "Parapet LP", "pLP"]);
  await receiptOf(vault.write.setLiquidityVault([lpVault.address]), "setLiquidityVault");
  for (const w of [lp, lp2, trader]) {
    await receiptOf(token.write.mint([w.account.address, usdc("20000000")]), "mint");
  }
  await receiptOf(token.write.approve([lpVault.address, maxUint256], { account: lp.account }), "approve");
  await receiptOf(token.write.approve([lpVault.address, maxUint256], { account: lp2.account }), "approve");
  await receiptOf(token.write.approve([vault.address, maxUint256], { account: trader.account }), "approve");
  // A new LP vault starts with the defence off: the 10M seed is immediate, then the deployment defaults turn it on.
  await receiptOf(lpVault.write.deposit([POOL, lp.account.address], { account: lp.account }), "seed deposit");
  const flows = defaultLpFlowParams(TOKEN_DECIMALS);
  await receiptOf(lpVault.write.setFlowParams([flows]), "setFlowParams");
  await receiptOf(
    vault.write.deposit([trader.account.address, 0n, usdc("5000000")], { account: trader.account }),
    "trader deposit",
  );

  const feeds: Address[] = [];
  /** Lists `LP_BENCH_MARKETS[from..to)` and opens a long of 100,000 USD notional in each (open interest). */
  const listWithOpenInterest = async (from: number, to: number) => {
    for (const m of LP_BENCH_MARKETS.slice(from, to)) {
      const feed = await viem.deployContract(
        "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol:MockV3Aggregator",
        [FEED_DECIMALS, feedAnswer(m.price)],
      );
      feeds.push(feed.address);
      await receiptOf(adapter.write.setFeed([feed.address, FEED_HEARTBEAT, zeroAddress, 0, 0]), "setFeed");
      await receiptOf(vault.write.listMarket([marketParams(feed.address, m.price)]), `listMarket ${m.symbol}`);
      const marketId = BigInt(feeds.length - 1);
      const sizeDelta = (units("100000") * 10n ** 18n) / units(m.price); // 100k USD of the asset
      await receiptOf(
        vault.write.trade(
          [
            {
              owner: trader.account.address,
              accountIndex: 0n,
              marketId,
              sizeDelta: (sizeDelta / 10n ** 10n) * 10n ** 10n,
              acceptablePrice: maxUint256,
              deadline: (await publicClient.getBlock()).timestamp + 3_600n,
            },
          ],
          { account: trader.account },
        ),
        `open ${m.symbol}`,
      );
    }
  };

  const events = (receipt: TransactionReceipt) => parseEventLogs({ abi: lpVault.abi, logs: receipt.logs });
  const createdId = (receipt: TransactionReceipt, what: string): bigint => {
    const created = events(receipt).find((e) => e.eventName === "RequestCreated");
    if (created?.eventName !== "RequestCreated") throw new Error(`LP bench: ${what} emitted no RequestCreated`);
    return created.args.requestId;
  };
  /** Past the request's settleAfter (feeds refreshed), then the keeper settles it; checks it is gone after. */
  const settle = async (requestId: bigint, what: string): Promise<TransactionReceipt> => {
    await networkHelpers.time.increase(flows.minDelaySeconds);
    for (const feed of feeds) {
      const mock = await viem.getContractAt(
        "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol:MockV3Aggregator",
        feed,
      );
      await receiptOf(mock.write.updateAnswer([await mock.read.latestAnswer()]), "feed refresh");
    }
    const receipt = await receiptOf(lpVault.write.settleRequest([requestId], { account: keeper.account }), what);
    const [, status] = await lpVault.read.requestStatus([requestId]);
    if (status !== 0) throw new Error(`LP bench: ${what} left request ${requestId} in status ${status}`);
    return receipt;
  };

  /** One request + settlement of each kind; returns their gas, checking shares and assets moved as the events say. */
  const roundTrip = async (label: string) => {
    const me = lp2.account.address;
    const requestDeposit = await receiptOf(
      lpVault.write.requestDeposit([LP2_DEPOSIT, me], { account: lp2.account }),
      `requestDeposit ${label}`,
    );
    const depositId = createdId(requestDeposit, `requestDeposit ${label}`);
    const sharesBefore = await lpVault.read.balanceOf([me]);
    const settleDeposit = await settle(depositId, `settle deposit ${label}`);
    const deposited = events(settleDeposit).find((e) => e.eventName === "DepositSettled");
    if (deposited?.eventName !== "DepositSettled" || deposited.args.shares === 0n) {
      throw new Error(`LP bench: the deposit settlement ${label} minted no shares`);
    }
    if ((await lpVault.read.balanceOf([me])) - sharesBefore !== deposited.args.shares) {
      throw new Error(`LP bench: the deposit settlement ${label} minted other shares than it reported`);
    }
    const requestRedeem = await receiptOf(
      lpVault.write.requestRedeem([deposited.args.shares, me, me], { account: lp2.account }),
      `requestRedeem ${label}`,
    );
    const redeemId = createdId(requestRedeem, `requestRedeem ${label}`);
    const tokensBefore = await token.read.balanceOf([me]);
    const settleRedeem = await settle(redeemId, `settle redemption ${label}`);
    const redeemed = events(settleRedeem).find((e) => e.eventName === "RedeemSettled");
    if (redeemed?.eventName !== "RedeemSettled" || redeemed.args.assets === 0n) {
      throw new Error(`LP bench: the redemption settlement ${label} paid nothing`);
    }
    if ((await token.read.balanceOf([me])) - tokensBefore !== redeemed.args.assets) {
      throw new Error(`LP bench: the redemption settlement ${label} paid other assets than it reported`);
    }
    return {
      requestDeposit: requestDeposit.gasUsed,
      settleDeposit: settleDeposit.gasUsed,
      requestRedeem: requestRedeem.gasUsed,
      settleRedeem: settleRedeem.gasUsed,
    };
  };

  await listWithOpenInterest(0, 1);
  // A first round trip warms the escrow totals (their first write is from zero), as a live vault's are.
  await roundTrip("warm-up");
  const at1 = await roundTrip("at 1 market");
  await listWithOpenInterest(1, LP_BENCH_MARKETS.length);
  const at10 = await roundTrip(`at ${LP_BENCH_MARKETS.length} markets`);
  for (const kind of ["requestDeposit", "requestRedeem"] as const) {
    const grew = at10[kind] - at1[kind];
    if (grew > O1_TOLERANCE_GAS || grew < -O1_TOLERANCE_GAS) {
      throw new Error(`LP bench: ${kind} used ${at1[kind]} gas at 1 market and ${at10[kind]} at 10: it marks the pool`);
    }
  }
  const perMarket = (a: bigint, b: bigint) => Math.round(Number(b - a) / (LP_BENCH_MARKETS.length - 1));
  log(
    `lp: request ${at10.requestDeposit}/${at10.requestRedeem} gas, settle at 10 markets ${at10.settleDeposit}/${at10.settleRedeem} gas (deposit/redeem)`,
  );
  const maxLp = { op: "<=", value: 200_000 } as const;
  return [
    { key: "lpRequestDeposit", value: Number(at10.requestDeposit), target: maxLp },
    { key: "lpSettleDepositAt10Markets", value: Number(at10.settleDeposit) },
    { key: "lpSettleDepositGasPerMarket", value: perMarket(at1.settleDeposit, at10.settleDeposit) },
    { key: "lpRequestRedeem", value: Number(at10.requestRedeem), target: maxLp },
    { key: "lpSettleRedeemAt10Markets", value: Number(at10.settleRedeem) },
    { key: "lpSettleRedeemGasPerMarket", value: perMarket(at1.settleRedeem, at10.settleRedeem) },
  ];
}
