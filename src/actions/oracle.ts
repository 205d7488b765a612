// Oracle health of a deployment's markets (`parapet.checkOracles()`): checkAdapterFeeds with the deployment's adapter
// and feeds.

import type { ParapetContext } from "../client.js";
import { getDeploymentMarkets } from "../deployment.js";
import {
  type CheckAdapterFeedsParameters,
  type CheckAdapterFeedsReturnType,
  checkAdapterFeeds,
} from "../oracle/index.js";

export type CheckMarketOraclesParameters = Omit<CheckAdapterFeedsParameters, "oracleAdapter" | "feeds"> & {
  /** Markets to check (default: every market of the deployment). An unknown id is a typed deployment error. */
  marketIds?: readonly bigint[] | undefined;
};

export type CheckMarketOraclesReturnType = CheckAdapterFeedsReturnType;

/**
 * Health of the feeds behind `marketIds`, in one request: the same checks as the vault's oracle adapter (a `fail`
 * verdict exactly where a trade would revert) plus early warnings. Each entry carries the market's symbol and id.
 */
export function checkMarketOracles(
  client: ParapetContext,
  parameters: CheckMarketOraclesParameters = {},
): Promise<CheckMarketOraclesReturnType> {
  const { marketIds, ...rest } = parameters;
  const { deployment } = client;
  const markets = getDeploymentMarkets(deployment, marketIds);
  return checkAdapterFeeds(client.publicClient, {
    ...rest,
    oracleAdapter: deployment.oracleAdapter,
    feeds: markets.map((m) => ({ feed: m.feed, label: m.symbol, marketId: m.marketId })),
  });
}
