// Turns a ParapetLocal Ignition result into the Deployment the SDK loads (validated by parseDeployment).
import type { Address } from "viem";
import { type Deployment, parseDeployment } from "../../src/index.js";
import { MARKETS } from "../bench/markets.js";

export function deploymentFromIgnition(
  result: Record<string, { address: Address }>,
  chainId: number,
  blockNumber: bigint,
  collateralDecimals: number,
): Deployment {
  const get = (key: string): Address => {
    const c = result[key];
    if (!c) throw new Error(`the Ignition result has no ${key}`);
    return c.address;
  };
  return parseDeployment({
    chainId,
    blockNumber,
    perpVault: get("vault"),
    liquidityVault: get("liquidityVault"),
    oracleAdapter: get("adapter"),
    collateralToken: get("token"),
    // Optional: older Ignition results have no router, upkeep or order contracts.
    hedgeRouter: result.hedgeRouter?.address,
    liquidationUpkeep: result.liquidationUpkeep?.address,
    triggerOrders: result.triggerOrders?.address,
    delayedOrders: result.delayedOrders?.address,
    collateralDecimals,
    // ParapetLocal lists MARKETS in order, so market i is MARKETS[i].
    markets: MARKETS.map((m, i) => ({ marketId: BigInt(i), symbol: m.symbol, feed: get(`feed${m.symbol}`) })),
  });
}
