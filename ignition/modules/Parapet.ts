// Parapet on a live network: the real stablecoin as collateral, real Chainlink feeds, the L2 sequencer uptime feed
// (when the network has one), then the same Core, Markets and Periphery as locally. Built from a validated
// ignition/parameters/<network>.json by scripts/deploy.ts (`npm run deploy -- --network NAME`); it has no default
// export because there is no network-independent plan for real addresses.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { Address } from "viem";
import { defaultLpFlowParams } from "../../src/actions/lp.js";
import type { DeployPlan } from "../plan.js";
import { coreModule } from "./Core.js";
import { marketsModule } from "./Markets.js";
import { peripheryModule } from "./Periphery.js";

/** A live plan: an existing collateral token and real feed addresses. */
export type LivePlan = DeployPlan & { collateral: { kind: "address"; address: Address } };

export function parapetModule(plan: LivePlan) {
  for (const market of plan.markets) {
    if (market.feed.kind !== "address") throw new Error(`live market ${market.symbol} needs a feed address`);
  }
  const core = coreModule({
    collateral: plan.collateral.address,
    sequencer: plan.sequencer,
    lpFlows: plan.lpFlows ?? defaultLpFlowParams(plan.collateral.decimals),
  });
  const periphery = peripheryModule(core);
  const markets = marketsModule(plan.markets, core, undefined, periphery);
  return buildModule("Parapet", (m) => {
    const { adapter, vault, liquidityVault } = m.useModule(core);
    m.useModule(markets);
    const { hedgeRouter, liquidationUpkeep, triggerOrders, delayedOrders } = m.useModule(periphery);
    return { adapter, vault, liquidityVault, hedgeRouter, liquidationUpkeep, triggerOrders, delayedOrders };
  });
}
