// Periphery: the HedgeRouter (one-transaction rebalances for the hedge executor; owners make it an operator with
// `setOperator(router, true)`), the LiquidationUpkeep (Chainlink Automation-compatible liquidation job; register it
// at automation.chain.link), TriggerOrders (stop-loss / take-profit) and DelayedOrders (the latency defence's order
// path, registered once on the vault with `setDelayedOrders`). Owners make the order contracts operators and approve
// them for keeper fees before placing orders (docs/orders.md). The upkeep is owned by the deployer, who sweeps its
// keeper rewards.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { coreModule } from "./Core.js";

export function peripheryModule(core: ReturnType<typeof coreModule>) {
  return buildModule("Periphery", (m) => {
    const { vault } = m.useModule(core);
    const hedgeRouter = m.contract("HedgeRouter", [vault]);
    const liquidationUpkeep = m.contract("LiquidationUpkeep", [vault, m.getAccount(0)]);
    const triggerOrders = m.contract("TriggerOrders", [vault]);
    const delayedOrders = m.contract("DelayedOrders", [vault]);
    // Set once (the vault refuses a second one). A market's latency defence (Markets module) runs after this module.
    m.call(vault, "setDelayedOrders", [delayedOrders]);
    return { hedgeRouter, liquidationUpkeep, triggerOrders, delayedOrders };
  });
}
