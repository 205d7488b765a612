// The markets' trading hours as the chain holds them: the adapter's `marketHours(feed)` schedule and the vault's
// `closingMarginRatio(marketId)`, for every market in ONE deployless multicall at one block. A market without a
// schedule never closes (undefined). The status maths on the result is src/hours (`marketStatus`), equal to the
// contract's MarketHours library (test/ts/hours-parity.test.ts).
import { oracleAdapterAbi, perpVaultAbi } from "../abis/index.js";
import type { ParapetContext } from "../client.js";
import { getDeploymentMarkets } from "../deployment.js";
import { type MarketHoursParams, type MarketSchedule, marketScheduleFromChain } from "../hours/index.js";
import { type BlockParameters, deploylessMulticall, unwrapCallResult } from "./read.js";

export type GetMarketSchedulesParameters = BlockParameters & {
  /** Markets to read; all of the deployment by default. */
  marketIds?: readonly bigint[] | undefined;
};
/** Market id → its schedule with the closing margin, or undefined for a market that never closes. */
export type GetMarketSchedulesReturnType = Map<bigint, MarketSchedule | undefined>;

/** Each market's trading hours and closing margin, in one request (a multicall: 2 views per market). */
export async function getMarketSchedules(
  client: ParapetContext,
  parameters: GetMarketSchedulesParameters = {},
): Promise<GetMarketSchedulesReturnType> {
  const { perpVault, oracleAdapter } = client.deployment;
  const markets = getDeploymentMarkets(client.deployment, parameters.marketIds);
  const calls = markets.flatMap((m) => [
    { address: oracleAdapter, abi: oracleAdapterAbi, functionName: "marketHours", args: [m.feed] },
    { address: perpVault, abi: perpVaultAbi, functionName: "closingMarginRatio", args: [m.marketId] },
  ]);
  const results = await deploylessMulticall(client, calls, { blockNumber: parameters.blockNumber });
  return new Map(
    markets.map((m, i) => {
      const hours = unwrapCallResult<MarketHoursParams>(results[2 * i], "marketHours");
      const closingMargin = unwrapCallResult<bigint>(results[2 * i + 1], "closingMarginRatio");
      return [m.marketId, hours.sessions.length === 0 ? undefined : marketScheduleFromChain(hours, closingMargin)];
    }),
  );
}
