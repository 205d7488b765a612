// The snapshot at scale (issue #14, item 5): getSnapshot / getMarkets / getAccount / getLiquidityVault read the
// deployless SnapshotReader lens. Parity with the vault's own views field by field, 64 markets with a position in
// each in ONE request, stale feeds blanking exactly their fields with the oracle's typed error (≤ 2 requests however
// many), gas linear in positions, chunks at one block beyond what one call holds, and the vault's cap of 128 markets.
import { expect } from "chai";
import { network } from "hardhat";
import { type Address, encodeFunctionData } from "viem";
import { FEED_HEARTBEAT, feedAnswer, usdc } from "../../scripts/bench/markets.js";
import {
  bookPositions,
  countingSnapshotClient,
  deploySnapshotBook,
  type SnapshotBook,
} from "../../scripts/bench/snapshot.js";
import { encodeSnapshotLens, snapshotReadCost } from "../../src/actions/snapshotLens.js";
import {
  fundingOwedUp,
  getAccount,
  getLiquidityVault,
  getMarkets,
  getSnapshot,
  liquidityVaultAbi,
  MAX_RETURNED_BYTES,
  type Market,
  oracleAdapterAbi,
  type ParapetContext,
  ParapetContractError,
  perpVaultAbi,
  type Snapshot,
} from "../../src/index.js";
import { marketHoursHealth } from "../../src/oracle/evaluate.js";
import { openPositionsInBulk } from "../../src/testing/index.js";

const WAD = 10n ** 18n;

/** The same snapshot from the vault's, the oracle's and the LP vault's own views, one call each, at `blockNumber`. */
async function snapshotFromViews(
  client: ParapetContext,
  owner: Address,
  accountIndex: bigint,
  blockNumber: bigint,
): Promise<Omit<Snapshot, "blockNumber">> {
  const { perpVault, oracleAdapter, liquidityVault, collateralDecimals } = client.deployment;
  const read = <T>(address: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[] = []) =>
    client.publicClient.readContract({ address, abi, functionName, args, blockNumber } as never) as Promise<T>;
  type Params = Record<string, bigint | Address> & { feed: Address };
  type State = { fundingIndex: bigint; fundingRatePerDay: bigint; lastFundingTime: number; openingPaused: boolean };
  const { timestamp } = await client.publicClient.getBlock({ blockNumber });
  const markets: Market[] = [];
  for (const m of client.deployment.markets) {
    const p = await read<Params>(perpVault, perpVaultAbi, "marketParams", [m.marketId]);
    const s = await read<State & { longSize: bigint; shortSize: bigint }>(perpVault, perpVaultAbi, "marketState", [
      m.marketId,
    ]);
    const [rate, index] = await read<[bigint, bigint]>(perpVault, perpVaultAbi, "currentFunding", [m.marketId]);
    const [fill, fee] = await read<[bigint, bigint]>(perpVault, perpVaultAbi, "quote", [m.marketId, WAD]);
    markets.push({
      marketId: m.marketId,
      symbol: m.symbol,
      params: {
        feed: p.feed,
        skewScaleWad: p.skewScale as bigint,
        initialMarginRatioWad: p.initialMarginRatio as bigint,
        maintenanceMarginRatioWad: p.maintenanceMarginRatio as bigint,
        takerFeeRatioWad: p.takerFeeRatio as bigint,
        makerFeeRatioWad: p.makerFeeRatio as bigint,
        maxLongSizeWad: p.maxLongSize as bigint,
        maxShortSizeWad: p.maxShortSize as bigint,
        maxFundingRatePerDayWad: p.maxFundingRatePerDay as bigint,
        maxFundingVelocityPerDayWad: p.maxFundingVelocityPerDay as bigint,
        minPositionMarginUsd: p.minPositionMarginUsd as bigint,
        liquidationFeeUsd: p.liquidationFeeUsd as bigint,
        grossReserveRatioWad: p.grossReserveRatio as bigint,
      },
      longSizeWad: s.longSize,
      shortSizeWad: s.shortSize,
      skewWad: s.longSize - s.shortSize,
      openingPaused: s.openingPaused,
      lastFundingTime: BigInt(s.lastFundingTime),
      storedFundingRatePerDayWad: s.fundingRatePerDay,
      storedFundingIndexWad: s.fundingIndex,
      fundingRatePerDayWad: rate,
      fundingIndexWad: index,
      priceWad: await read<bigint>(oracleAdapter, oracleAdapterAbi, "priceWad", [m.feed]),
      quoteSizeWad: WAD,
      quoteFillPriceWad: fill,
      quoteFeeUsd: fee,
      oracleError: undefined,
      closed: undefined,
      hours: marketHoursHealth(
        await read<[boolean, boolean, bigint, bigint, bigint, bigint]>(
          oracleAdapter,
          oracleAdapterAbi,
          "marketStatus",
          [m.feed, timestamp],
        ).then(([scheduled, open, flags, lastOpen, nextClose, nextOpen]) => ({
          scheduled,
          open,
          flags,
          lastOpen,
          nextClose,
          nextOpen,
        })),
      ),
    });
  }
  const margin = await read<{ equity: bigint; initialMargin: bigint; maintenanceMargin: bigint; notional: bigint }>(
    perpVault,
    perpVaultAbi,
    "accountMargin",
    [owner, accountIndex],
  );
  const positions = [];
  for (const [i, m] of client.deployment.markets.entries()) {
    const p = await read<{ size: bigint; entryPrice: bigint; fundingIndexEntry: bigint }>(
      perpVault,
      perpVaultAbi,
      "position",
      [owner, accountIndex, m.marketId],
    );
    if (p.size === 0n) continue;
    positions.push({
      marketId: m.marketId,
      symbol: m.symbol,
      sizeWad: p.size,
      entryPriceWad: p.entryPrice,
      fundingIndexEntryWad: p.fundingIndexEntry,
      accruedFundingUsd: fundingOwedUp(p.size, p.fundingIndexEntry, markets[i]?.fundingIndexWad ?? 0n),
      liquidationPriceWad: await read<bigint>(perpVault, perpVaultAbi, "liquidationPrice", [
        owner,
        accountIndex,
        m.marketId,
      ]),
    });
  }
  const totalAssets = await read<bigint>(liquidityVault, liquidityVaultAbi, "totalAssets");
  const totalSupply = await read<bigint>(liquidityVault, liquidityVaultAbi, "totalSupply");
  const shareDecimals = Number(await read<number>(liquidityVault, liquidityVaultAbi, "decimals"));
  const [valueTokens, withdrawableTokens] = await read<[bigint, bigint]>(perpVault, perpVaultAbi, "liquidityState");
  return {
    blockTimestamp: timestamp,
    markets,
    account: {
      owner,
      accountIndex,
      collateralUsd: await read<bigint>(perpVault, perpVaultAbi, "collateralOf", [owner, accountIndex]),
      equityUsd: margin.equity,
      initialMarginUsd: margin.initialMargin,
      maintenanceMarginUsd: margin.maintenanceMargin,
      notionalUsd: margin.notional,
      distanceToLiquidationUsd: margin.equity - margin.maintenanceMargin,
      positions,
      oracleError: undefined,
    },
    liquidityVault: {
      totalAssets,
      totalSupply,
      shareDecimals,
      sharePriceWad:
        totalSupply === 0n
          ? WAD
          : (totalAssets * 10n ** BigInt(18 - collateralDecimals) * 10n ** BigInt(shareDecimals)) / totalSupply,
      valueTokens,
      withdrawableTokens,
      utilizationWad: valueTokens === 0n ? 0n : ((valueTokens - withdrawableTokens) * WAD) / valueTokens,
      oracleError: undefined,
    },
  };
}

/** Moves every feed by `bps` basis points (alternating up and down) and keeps it fresh; returns the new prices. */
async function movePrices(book: SnapshotBook, bps: bigint): Promise<void> {
  for (const [i, feed] of book.feeds.entries()) {
    const answer = await feed.read.latestAnswer();
    const moved = i % 2 === 0 ? (answer * (10_000n + bps)) / 10_000n : (answer * (10_000n - bps)) / 10_000n;
    await feed.write.updateAnswer([moved]);
  }
}

/** Past every feed's heartbeat, then fresh again except the feeds of `stale`. */
async function makeStale(book: SnapshotBook, stale: ReadonlySet<number>): Promise<void> {
  await book.networkHelpers.time.increase(FEED_HEARTBEAT + 1);
  for (const [i, feed] of book.feeds.entries()) {
    if (!stale.has(i)) await feed.write.updateAnswer([await feed.read.latestAnswer()]);
  }
}

/** The lens call of a whole snapshot of `accountIndex`, as getSnapshot's one request sends it. */
function lensCallData(book: SnapshotBook, accountIndex: bigint) {
  return encodeSnapshotLens({
    perpVault: book.deployment.perpVault,
    liquidityVault: book.deployment.liquidityVault,
    marketIds: book.deployment.markets.map((m) => m.marketId),
    account: { owner: book.owner, accountIndex, margin: "read" },
    quoteSizeWad: WAD,
    maxReturnedBytes: MAX_RETURNED_BYTES,
  });
}

describe("getSnapshot at scale: the SnapshotReader lens (issue #14)", function () {
  this.timeout(900_000);

  it("parity: six markets, funding accrued and prices moved — every field equals the vault's own views", async () => {
    const book = await deploySnapshotBook(await network.create(), { markets: 6, positions: 5 });
    // A counterparty account on the other side of markets 0 and 1 (twice the size: their skew flips sign).
    await openPositionsInBulk(book.client, {
      positions: [0n, 1n].map((marketId) => ({
        accountIndex: 7n,
        marketId,
        collateral: usdc("2000"),
        sizeDelta: (marketId === 0n ? -2n : 2n) * ((1_000n * WAD) / (marketId === 0n ? 3_000n : 60_000n)),
      })),
    });
    await book.networkHelpers.time.increase(2 * 86_400);
    await movePrices(book, 300n);
    await book.vault.write.accrueFunding([2n]); // one market's stored funding is current, the others' are not
    await book.networkHelpers.time.increase(6 * 3_600);
    await movePrices(book, 150n);
    const blockNumber = await book.publicClient.getBlockNumber();

    const snap = await getSnapshot(book.client, { owner: book.owner, accountIndex: 0n, blockNumber });
    const views = await snapshotFromViews(book.client, book.owner, 0n, blockNumber);
    expect(snap.blockNumber).to.equal(blockNumber);
    expect(snap.markets).to.deep.equal(views.markets);
    expect(snap.account).to.deep.equal(views.account);
    expect(snap.liquidityVault).to.deep.equal(views.liquidityVault);
    // Not a trivial book: funding accrued, skew on both sides, a liquidation price for every short (a long with 30 %
    // collateral in a cross-margined account has none: 0).
    expect(snap.markets.some((m) => m.skewWad < 0n) && snap.markets.some((m) => m.skewWad > 0n)).to.equal(true);
    expect(snap.markets.every((m) => m.fundingIndexWad !== m.storedFundingIndexWad || m.skewWad === 0n)).to.equal(true);
    expect(snap.account.positions).to.have.length(5);
    expect(snap.account.positions.every((p) => (p.accruedFundingUsd ?? 0n) !== 0n)).to.equal(true);
    const shorts = snap.account.positions.filter((p) => p.sizeWad < 0n);
    expect(shorts.length > 0 && shorts.every((p) => (p.liquidationPriceWad ?? 0n) > 0n)).to.equal(true);

    // The parts read alone equal the snapshot's.
    expect(await getMarkets(book.client, { blockNumber })).to.deep.equal(snap.markets);
    expect(await getAccount(book.client, { owner: book.owner, accountIndex: 0n, blockNumber })).to.deep.equal(
      snap.account,
    );
    expect(await getLiquidityVault(book.client, { blockNumber })).to.deep.equal(snap.liquidityVault);
    const counterparty = await getAccount(book.client, { owner: book.owner, accountIndex: 7n, blockNumber });
    expect(counterparty).to.deep.equal((await snapshotFromViews(book.client, book.owner, 7n, blockNumber)).account);
  });

  describe("64 markets, an account with a position in each", () => {
    let book: SnapshotBook;
    /** Accounts 1, 2, 3 hold positions in the first 8, 16 and 32 markets (for the gas growth). */
    const SMALLER = [
      { accountIndex: 1n, positions: 8 },
      { accountIndex: 2n, positions: 16 },
      { accountIndex: 3n, positions: 32 },
    ];

    before(async () => {
      book = await deploySnapshotBook(await network.create(), { markets: 64 });
      for (const { accountIndex, positions } of SMALLER) {
        await openPositionsInBulk(book.client, {
          accountsPerTransaction: 8,
          positions: bookPositions(book.prices, accountIndex, positions),
        });
      }
    });

    it("one request; every liquidation price equals the vault's liquidationPrice view", async () => {
      const { client, requests } = countingSnapshotClient(book);
      const snap = await getSnapshot(client, { owner: book.owner, accountIndex: 0n });
      expect(requests).to.deep.equal(["eth_call"]);
      expect(snap.markets).to.have.length(64);
      expect(snap.markets.every((m) => m.priceWad !== undefined && m.oracleError === undefined)).to.equal(true);
      expect(snap.account.positions).to.have.length(64);
      expect(snap.account.oracleError).to.equal(undefined);
      const blockNumber = snap.blockNumber as bigint;
      for (const p of snap.account.positions) {
        const view = await book.publicClient.readContract({
          address: book.deployment.perpVault,
          abi: perpVaultAbi,
          functionName: "liquidationPrice",
          args: [book.owner, 0n, p.marketId],
          blockNumber,
        });
        expect(p.liquidationPriceWad, `market ${p.marketId}`).to.equal(view);
      }
      const shorts = snap.account.positions.filter((p) => p.sizeWad < 0n);
      expect(shorts.length === 32 && shorts.every((p) => (p.liquidationPriceWad ?? 0n) > 0n)).to.equal(true);
    });

    it("stale feeds in three markets blank exactly their price fields with StalePrice, in one request", async () => {
      const restore = await book.networkHelpers.takeSnapshot();
      const stale = new Set([3, 17, 40]);
      await makeStale(book, stale);
      const { client, requests } = countingSnapshotClient(book);
      const snap = await getSnapshot(client, { owner: book.owner, accountIndex: 0n });
      expect(requests).to.deep.equal(["eth_call"]);
      for (const [i, m] of snap.markets.entries()) {
        if (stale.has(i)) {
          expect(m.oracleError, `market ${i}`).to.be.instanceOf(ParapetContractError);
          expect(m.oracleError?.errorName).to.equal("StalePrice");
          expect(String(m.oracleError?.args.feed).toLowerCase()).to.equal(
            book.deployment.markets[i]?.feed.toLowerCase(),
          );
          expect([
            m.priceWad,
            m.fundingRatePerDayWad,
            m.fundingIndexWad,
            m.quoteFillPriceWad,
            m.quoteFeeUsd,
          ]).to.deep.equal([undefined, undefined, undefined, undefined, undefined]);
        } else {
          expect(m.oracleError, `market ${i}`).to.equal(undefined);
          expect(m.priceWad).to.equal(feedAnswer(book.prices[i] as string) * 10n ** 10n);
          expect(m.quoteFillPriceWad !== undefined && m.fundingIndexWad !== undefined).to.equal(true);
        }
        // Fields that need no price are always there.
        expect(m.params.feed).to.equal(book.deployment.markets[i]?.feed);
        expect(m.longSizeWad + m.shortSizeWad > 0n).to.equal(true);
      }
      // The account holds the stale markets: its margins (and so every liquidation price) need their prices; the
      // accrued funding of the other positions does not. The LP vault's mark needs every market with skew.
      const a = snap.account;
      expect(a.oracleError?.errorName).to.equal("StalePrice");
      // The vault's first failing read: the lowest market id of the account.
      expect(String(a.oracleError?.args.feed).toLowerCase()).to.equal(book.deployment.markets[3]?.feed.toLowerCase());
      expect([a.equityUsd, a.maintenanceMarginUsd, a.distanceToLiquidationUsd]).to.deep.equal([
        undefined,
        undefined,
        undefined,
      ]);
      expect(a.collateralUsd > 0n).to.equal(true);
      expect(a.positions).to.have.length(64);
      for (const [i, p] of a.positions.entries()) {
        expect(p.liquidationPriceWad).to.equal(undefined);
        expect(p.accruedFundingUsd === undefined).to.equal(stale.has(i));
      }
      expect(snap.liquidityVault.oracleError?.errorName).to.equal("StalePrice");
      expect([snap.liquidityVault.totalAssets, snap.liquidityVault.valueTokens]).to.deep.equal([undefined, undefined]);
      expect(snap.liquidityVault.totalSupply > 0n).to.equal(true);
      await restore.restore();
    });

    it("all 64 feeds stale: each market its own StalePrice, the ones that did not fit re-read: 2 requests", async () => {
      const restore = await book.networkHelpers.takeSnapshot();
      await makeStale(book, new Set(Array.from({ length: 64 }, (_, i) => i)));
      const { client, requests } = countingSnapshotClient(book);
      const snap = await getSnapshot(client, { owner: book.owner, accountIndex: 0n });
      expect(requests).to.deep.equal(["eth_call", "eth_call"]);
      for (const [i, m] of snap.markets.entries()) {
        expect(m.oracleError?.errorName, `market ${i}`).to.equal("StalePrice");
        expect(String(m.oracleError?.args.feed).toLowerCase()).to.equal(book.deployment.markets[i]?.feed.toLowerCase());
        expect(m.priceWad).to.equal(undefined);
      }
      expect(snap.account.oracleError?.errorName).to.equal("StalePrice");
      expect(snap.account.positions.every((p) => p.accruedFundingUsd === undefined)).to.equal(true);
      expect(snap.liquidityVault.oracleError?.errorName).to.equal("StalePrice");
      // The markets alone: the same errors, still 2 requests.
      const marketsOnly = countingSnapshotClient(book);
      const markets = await getMarkets(marketsOnly.client);
      expect(marketsOnly.requests).to.have.length(2);
      expect(markets.map((m) => m.oracleError?.args.feed)).to.deep.equal(snap.markets.map((m) => m.params.feed));
      await restore.restore();
    });

    it("a quote that reverts (size 0: ZeroSize) blanks only the quote, with the same error stored once", async () => {
      const { client, requests } = countingSnapshotClient(book);
      const markets = await getMarkets(client, { quoteSizeWad: 0n });
      expect(requests).to.have.length(1);
      for (const m of markets) {
        expect(m.priceWad !== undefined && m.fundingIndexWad !== undefined).to.equal(true);
        expect([m.quoteFillPriceWad, m.quoteFeeUsd]).to.deep.equal([undefined, undefined]);
        expect([m.oracleError?.errorName, m.oracleError?.functionName]).to.deep.equal(["ZeroSize", "quote"]);
      }
    });

    it("gas is linear in positions (8, 16, 32, 64 over 64 markets), and the sizing model bounds it", async () => {
      const gasOf = async (accountIndex: bigint) =>
        Number(await book.publicClient.estimateGas({ data: lensCallData(book, accountIndex), account: book.owner }));
      const g8 = await gasOf(1n);
      const g16 = await gasOf(2n);
      const g32 = await gasOf(3n);
      const g64 = await gasOf(0n);
      const perPosition = [(g16 - g8) / 8, (g32 - g16) / 16, (g64 - g32) / 32];
      // Linear: each further position costs the same (its slot, its liquidation price, its words, its share of the
      // one accountMargin); N² would make the last step's per-position cost several times the first's.
      const [low, high] = [Math.min(...perPosition), Math.max(...perPosition)];
      expect(high / low, `gas per position ${perPosition.map(Math.round).join(", ")}`).to.be.lessThan(1.15);
      expect(high).to.be.lessThan(60_000);
      // The vault's own view per position would be N²: 64 calls of liquidationPrice, each looping 64 markets.
      const oneView = Number(
        await book.publicClient.estimateGas({
          to: book.deployment.perpVault,
          data: encodeFunctionData({
            abi: perpVaultAbi,
            functionName: "liquidationPrice",
            args: [book.owner, 0n, 0n],
          }),
          account: book.owner,
        }),
      );
      expect(g64).to.be.lessThan(oneView * 8, "the whole snapshot costs less than 8 of the 64 views the old read made");
      const cost = snapshotReadCost({ withPositions: true, withMargins: true, withLiquidity: true, vaultMarkets: 64 });
      const modelled = cost.gas.fixed + cost.gas.perItem * 64;
      expect(modelled).to.be.greaterThan(g64);
      expect(modelled).to.be.lessThan(g64 * 1.25);
      console.log(
        `      lens gas: ${g8} (8 positions), ${g16}, ${g32}, ${g64} (64); per position ${perPosition.map(Math.round).join(", ")}; one liquidationPrice view ${oneView}; model ${modelled}`,
      );
    });

    it("smaller limits split the markets into chunks at one block; the result is the same", async () => {
      const blockNumber = await book.publicClient.getBlockNumber();
      const whole = await getSnapshot(book.client, { owner: book.owner, accountIndex: 0n });
      const { client, requests } = countingSnapshotClient(book);
      const limits = { maxInitcodeBytes: 49_152, maxReturnedBytes: 6_000, maxGas: 15_000_000 };
      const split = await getSnapshot(client, { owner: book.owner, accountIndex: 0n, limits });
      expect(requests.length).to.be.greaterThan(3);
      expect(requests.every((m) => m === "eth_call")).to.equal(true, "no block-number request: the lens reports it");
      expect(split).to.deep.equal(whole);
      expect(split.blockNumber).to.equal(blockNumber);
    });
  });

  it("128 markets (the vault's cap), a position in each: every liquidation price equals the vault's view", async () => {
    const book = await deploySnapshotBook(await network.create(), { markets: 128 });
    const { client, requests } = countingSnapshotClient(book);
    const snap = await getSnapshot(client, { owner: book.owner, accountIndex: 0n });
    expect(snap.markets).to.have.length(128);
    expect(snap.account.positions).to.have.length(128);
    expect(requests.every((m) => m === "eth_call")).to.equal(true);
    expect(requests.length).to.be.at.most(3);
    const blockNumber = snap.blockNumber as bigint;
    for (const p of snap.account.positions.filter((_, i) => i % 8 === 0 || i === 127)) {
      const view = await book.publicClient.readContract({
        address: book.deployment.perpVault,
        abi: perpVaultAbi,
        functionName: "liquidationPrice",
        args: [book.owner, 0n, p.marketId],
        blockNumber,
      });
      expect(p.liquidationPriceWad, `market ${p.marketId}`).to.equal(view);
    }
    const margin = await book.publicClient.readContract({
      address: book.deployment.perpVault,
      abi: perpVaultAbi,
      functionName: "accountMargin",
      args: [book.owner, 0n],
      blockNumber,
    });
    expect([snap.account.equityUsd, snap.account.maintenanceMarginUsd]).to.deep.equal([
      margin.equity,
      margin.maintenanceMargin,
    ]);
    const [valueTokens] = await book.publicClient.readContract({
      address: book.deployment.perpVault,
      abi: perpVaultAbi,
      functionName: "liquidityState",
      blockNumber,
    });
    expect(snap.liquidityVault.valueTokens).to.equal(valueTokens);
    console.log(`      128 markets: ${requests.length} requests`);
  });
});
