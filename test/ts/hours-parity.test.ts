import { expect } from "chai";
import { network } from "hardhat";
import { zeroAddress } from "viem";
import {
  DEFAULT_MARKET_SCHEDULES,
  type MarketSchedule,
  marketHoursParams,
  marketStatus,
  SECONDS_PER_WEEK,
  secondOfWeek,
} from "../../src/hours/index.js";

const MOCK_V3 = "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol:MockV3Aggregator";

/**
 * One concept, two places: the SDK's market-hours maths (src/hours) equals the contract's (MarketHours.sol through
 * OracleAdapter.marketStatus) at every boundary of the shipped schedules and of one with closures, and at random
 * times: open, both flags, and the last open / next close / next open times.
 */
describe("market hours: the SDK's status equals the adapter's (MarketHours.sol)", () => {
  it("at ±1 s of every session edge, closing window and reopen delay, and at 300 random times, for 4 schedules", async () => {
    const { viem } = await network.create();
    const [owner] = await viem.getWalletClients();
    if (!owner) throw new Error("no account");
    const adapter = await viem.deployContract("OracleAdapter", [owner.account.address]);
    const weekStart = 1_767_484_800n - secondOfWeek(1_767_484_800n); // the Sunday of the first week of 2026
    const withClosures: MarketSchedule = {
      ...DEFAULT_MARKET_SCHEDULES.XAU,
      closures: [
        { start: weekStart + 3n * 86_400n + 17n * 3_600n, end: weekStart + 4n * 86_400n + 13n * 3_600n },
        { start: weekStart + 8n * 86_400n, end: weekStart + 9n * 86_400n + 30n * 60n },
      ],
    };
    const schedules: [string, MarketSchedule][] = [
      ["SPX", DEFAULT_MARKET_SCHEDULES.SPX],
      ["XAU", DEFAULT_MARKET_SCHEDULES.XAU],
      ["EURUSD", DEFAULT_MARKET_SCHEDULES.EURUSD],
      ["XAU with closures", withClosures],
    ];
    let compared = 0;
    let seed = 12_345n;
    const random = () => {
      seed = (seed * 6_364_136_223_846_793_005n + 1_442_695_040_888_963_407n) % 2n ** 64n;
      return seed;
    };
    for (const [name, schedule] of schedules) {
      const feed = await viem.deployContract(MOCK_V3, [8, 100_000_000n]);
      await adapter.write.setFeed([feed.address, 3_600, zeroAddress, 0, 0]);
      await adapter.write.setMarketHours([feed.address, marketHoursParams(schedule)]);
      const times = new Set<bigint>();
      for (let week = 0n; week < 2n; week++) {
        for (const s of schedule.sessions) {
          for (const edge of [BigInt(s.openMinute) * 60n, BigInt(s.closeMinute) * 60n]) {
            const t = weekStart + week * SECONDS_PER_WEEK + edge;
            for (const d of [0n, 1n, -1n]) {
              times.add(t + d);
              times.add(t - schedule.closingWindowSeconds + d);
              times.add(t + schedule.reopenDelaySeconds + d);
            }
          }
        }
      }
      for (const c of schedule.closures) for (const d of [0n, 1n, -1n]) times.add(c.start + d).add(c.end + d);
      for (let i = 0; i < 300; i++) times.add(weekStart + (random() % (2n * SECONDS_PER_WEEK)));
      for (const t of times) {
        const [, open, flags, lastOpen, nextClose, nextOpen] = await adapter.read.marketStatus([feed.address, t]);
        const sdk = marketStatus(schedule, t);
        const at = `${name} at ${t} (${new Date(Number(t) * 1000).toISOString()})`;
        expect(sdk.open, `${at}: open`).to.equal(open);
        if (open) {
          expect(sdk.inClosingWindow, `${at}: closing window`).to.equal((flags & 1n) !== 0n);
          expect(sdk.inReopenDelay, `${at}: reopen delay`).to.equal((flags & 2n) !== 0n);
          expect(sdk.lastOpen, `${at}: lastOpen`).to.equal(lastOpen);
          expect(sdk.nextClose, `${at}: nextClose`).to.equal(nextClose);
        } else {
          expect(sdk.nextOpen, `${at}: nextOpen`).to.equal(nextOpen);
        }
        compared++;
      }
    }
    expect(compared).to.be.greaterThan(4 * 300);
  });
});
