// The core: oracle adapter, perp vault and LP vault, wired together (vault.setLiquidityVault), the LP vault's flow
// parameters (setFlowParams: the LP defence on unless the plan turns it off), plus the L2 sequencer uptime feed when
// the network has one. The collateral is either a token future (TestCollateral, local chains) or
// the address of the real stablecoin (live networks). The deployer (account 0) owns everything; hand ownership over
// afterwards (both owners are two-step).
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { Address } from "viem";
import type { LpFlowParams } from "../../src/actions/lp.js";
import type { testCollateralModule } from "./TestCollateral.js";

export type CoreConfig = {
  collateral: ReturnType<typeof testCollateralModule> | Address;
  sequencer?: { feed: Address; gracePeriodSeconds: number } | undefined;
  /** LiquidityVault.setFlowParams (a new LP vault starts with the defence off; this turns it on). */
  lpFlows: LpFlowParams;
};

export function coreModule({ collateral, sequencer, lpFlows }: CoreConfig) {
  return buildModule("Core", (m) => {
    const owner = m.getAccount(0);
    const token = typeof collateral === "string" ? collateral : m.useModule(collateral).token;
    const adapter = m.contract("OracleAdapter", [owner]);
    if (sequencer) m.call(adapter, "setSequencer", [sequencer.feed, sequencer.gracePeriodSeconds]);
    // The vault's delegatecall modules, built for the same token and adapter (the vault checks).
    const liquidationModule = m.contract("LiquidationModule", [token, adapter]);
    const adminModule = m.contract("AdminModule", [token, adapter]);
    const vault = m.contract("PerpVault", [token, adapter, owner, liquidationModule, adminModule]);
    const liquidityVault = m.contract("LiquidityVault", [token, vault, "Parapet LP", "pLP"]);
    m.call(vault, "setLiquidityVault", [liquidityVault]);
    m.call(liquidityVault, "setFlowParams", [lpFlows]);
    return { adapter, vault, liquidityVault };
  });
}
