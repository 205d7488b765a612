// The collateral of local chains: a freely mintable USDC-like TestToken (contracts/test/TestToken.sol). Live networks
// use the real stablecoin instead (its address is a parameter of Core). Parameter: `TestCollateral.decimals`.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

export type TestCollateralConfig = { name: string; symbol: string; decimals: number };

export const DEFAULT_TEST_COLLATERAL: TestCollateralConfig = { name: "USD Coin", symbol: "USDC", decimals: 6 };

export function testCollateralModule(config: TestCollateralConfig = DEFAULT_TEST_COLLATERAL) {
  return buildModule("TestCollateral", (m) => {
    // A parameter (not only the factory argument) so a test can deploy the default module with 18 decimals.
    const decimals = m.getParameter("decimals", config.decimals);
    const token = m.contract("TestToken", [config.name, config.symbol, decimals]);
    return { token };
  });
}

export default testCollateralModule();
