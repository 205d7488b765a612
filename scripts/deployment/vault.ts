// PerpVault with its two delegatecall modules, deployed in order (the vault's constructor checks that they were
// built for the same collateral token and oracle adapter), for scripts and tests that deploy the contracts one by
// one instead of through Ignition (ignition/modules/Core.ts does the same steps).
import type { Address } from "viem";

type DeployContract = <T extends string>(name: T, args: readonly unknown[]) => Promise<{ address: Address }>;

/** Deploys LiquidationModule, AdminModule, then PerpVault; returns the vault's address and the modules'. */
export async function deployPerpVault(
  viem: { deployContract: unknown },
  parameters: { token: Address; adapter: Address; owner: Address },
): Promise<{ vault: Address; liquidationModule: Address; adminModule: Address }> {
  const deploy = viem.deployContract as DeployContract;
  const { token, adapter, owner } = parameters;
  const liquidationModule = (await deploy("LiquidationModule", [token, adapter])).address;
  const adminModule = (await deploy("AdminModule", [token, adapter])).address;
  const vault = (await deploy("PerpVault", [token, adapter, owner, liquidationModule, adminModule])).address;
  return { vault, liquidationModule, adminModule };
}
