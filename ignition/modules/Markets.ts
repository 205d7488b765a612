// Lists the markets: for each, the oracle adapter learns the feed (setFeed with its heartbeat and optional secondary
// feed) and the vault lists the market with its risk parameters. Listed one after the other, after the whole Core
// (sequencer and LP vault set), so market ids follow the plan's order on a fresh deployment. A market with a
// `latency` entry then gets its latency defence (setLatencyParams, with the id the MarketListed event gave it),
// after the whole Periphery: the vault refuses to turn the defence on before setDelayedOrders.
//
// Ignition builds the future graph before it reads any parameter, so the market list is an argument of this
// factory (read from ignition/parameters/<network>.json by the deploy script), not an Ignition parameter. A market
// with `hours` gets its trading hours on the adapter (setMarketHours) and its closing margin on the vault
// (setClosingMargin); one without never closes (crypto). Adding a market to the file and re-running deploys just that
// market; changing a deployed market's values makes Ignition refuse the re-run (reconciliation), which is right: a
// listed market changes through setMarketParams (its latency defence through setLatencyParams, its hours through
// setMarketHours and setClosingMargin).
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { marketHoursParams } from "../../src/hours/chain.js";
import type { PlannedMarket } from "../plan.js";
import type { coreModule } from "./Core.js";
import type { mockFeedsModule } from "./MockFeeds.js";
import type { peripheryModule } from "./Periphery.js";

export function marketsModule(
  markets: readonly PlannedMarket[],
  core: ReturnType<typeof coreModule>,
  mockFeeds?: ReturnType<typeof mockFeedsModule>,
  periphery?: ReturnType<typeof peripheryModule>,
) {
  return buildModule("Markets", (m) => {
    const { adapter, vault } = m.useModule(core);
    const mocks = mockFeeds ? m.useModule(mockFeeds) : {};
    // Each listing waits for the previous one (and the first for the whole Core) so ids follow the plan's order.
    type After = NonNullable<NonNullable<Parameters<typeof m.call>[3]>["after"]>;
    let previous: After[number] = core;
    const setHours: (() => void)[] = [];
    for (const market of markets) {
      const feed = market.feed.kind === "address" ? market.feed.address : mocks[`feed${market.symbol}`];
      if (feed === undefined)
        throw new Error(`market ${market.symbol} has a mock feed but no MockFeeds module was given`);
      const setFeed = m.call(
        adapter,
        "setFeed",
        [feed, market.heartbeatSeconds, market.secondaryFeed, market.secondaryHeartbeatSeconds, market.maxDeviationBps],
        { id: `setFeed_${market.symbol}` },
      );
      const after: After = [setFeed, previous];
      const listed = m.call(vault, "listMarket", [{ feed, ...market.risk }], {
        id: `listMarket_${market.symbol}`,
        after,
      });
      previous = listed;
      const marketId =
        market.latency || market.hours
          ? m.readEventArgument(listed, "MarketListed", "marketId", { id: `marketId_${market.symbol}` })
          : undefined;
      const hours = market.hours;
      if (hours && marketId !== undefined)
        setHours.push(() => {
          // The schedule is the adapter's (per feed), the closing margin the vault's (per market); both validated by
          // the parameter file's parser against the contracts' bounds before anything is sent.
          const { sessions, closures, ...windows } = marketHoursParams(hours);
          const schedule = { sessions: [...sessions], closures: [...closures], ...windows };
          m.call(adapter, "setMarketHours", [feed, schedule], {
            id: `setMarketHours_${market.symbol}`,
            after: [previous],
          });
          m.call(vault, "setClosingMargin", [marketId, hours.closingMaintenanceMarginRatio], {
            id: `setClosingMargin_${market.symbol}`,
          });
        });
      if (market.latency && marketId !== undefined) {
        if (!periphery) throw new Error(`market ${market.symbol} has a latency defence but no Periphery was given`);
        m.useModule(periphery);
        m.call(vault, "setLatencyParams", [marketId, market.latency], {
          id: `setLatencyParams_${market.symbol}`,
          after: [periphery],
        });
      }
    }
    // Hours go on after the last listing (`previous` by then): listMarket reads the market's price, and one whose
    // hours were set while its underlying is closed (a live deploy on a weekend) would refuse it with MarketClosed.
    for (const set of setHours) set();
    return {};
  });
}
