// Local price feeds: one Chainlink MockV3Aggregator per market, seeded with the given answer (8 decimals). Returned
// as feed<SYMBOL> (feedETH, feedBTC, …). The default export uses the listing prices of ignition/markets.ts;
// `npm run node` / `npm run deploy -- --network localhost` seed them with the data's last closes
// (ignition/parameters/local.json).
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { FEED_DECIMALS, feedAnswer, MARKETS } from "../markets.js";

export const MOCK_V3_AGGREGATOR = "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol:MockV3Aggregator";

export type MockFeedConfig = { symbol: string; answer: bigint };

export function mockFeedsModule(feeds: readonly MockFeedConfig[]) {
  return buildModule("MockFeeds", (m) => {
    const entries = feeds.map(
      (f) =>
        [
          `feed${f.symbol}`,
          m.contract(MOCK_V3_AGGREGATOR, [FEED_DECIMALS, f.answer], { id: `Feed_${f.symbol}` }),
        ] as const,
    );
    return Object.fromEntries(entries);
  });
}

export default mockFeedsModule(MARKETS.map((market) => ({ symbol: market.symbol, answer: feedAnswer(market.price) })));
