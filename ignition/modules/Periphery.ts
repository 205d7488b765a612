// Periphery: the HedgeRouter (one-transaction rebalances for the hedge executor; owners make it an operator with
// `setOperator(router, true)`) and the LiquidationUpkeep (Chainlink Automation-compatible liquidation job; register it
// at automation.chain.link). The upkeep is owned by the deployer, who sweeps its keeper rewards.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { coreModule } from "./Core.js";

export function peripheryModule(core: ReturnType<typeof coreModule>) {
  return buildModule("Periphery", (m) => {
    const { vault } = m.useModule(core);
    const hedgeRouter = m.contract("HedgeRouter", [vault]);
    const liquidationUpkeep = m.contract("LiquidationUpkeep", [vault, m.getAccount(0)]);
    return { hedgeRouter, liquidationUpkeep };
  });
}
