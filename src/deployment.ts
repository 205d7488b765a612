// A deployment: where Parapet lives on one chain. Validated once at the edge so actions can trust it.
import { type Address, getAddress, isAddress } from "viem";
import { ParapetDeploymentError } from "./errors.js";

export type DeploymentMarket = {
  marketId: bigint;
  symbol: string;
  /** Chainlink feed pricing the market (as configured in the oracle adapter). */
  feed: Address;
};

export type Deployment = {
  chainId: number;
  /** Block at which the contracts were deployed (event scans start here). */
  blockNumber: bigint;
  perpVault: Address;
  liquidityVault: Address;
  oracleAdapter: Address;
  collateralToken: Address;
  /**
   * The hedge router (periphery: one-transaction rebalances for the hedge executor). Optional: deployments made
   * before it existed still parse; `executeHedge` asks for it.
   */
  hedgeRouter?: Address | undefined;
  /**
   * The Chainlink Automation liquidation upkeep (periphery). Optional: deployments made before it existed still
   * parse.
   */
  liquidationUpkeep?: Address | undefined;
  /**
   * TriggerOrders (periphery: stop-loss / take-profit orders executed by keepers). Optional: deployments made before
   * it existed still parse; the order actions ask for it.
   */
  triggerOrders?: Address | undefined;
  /**
   * DelayedOrders (periphery: commit now, settle at the first oracle round after a delay; the only way to open in a
   * market whose latency defence is on). Optional like `triggerOrders`.
   */
  delayedOrders?: Address | undefined;
  /** The collateral token's decimals() (6 for USDC). */
  collateralDecimals: number;
  markets: readonly DeploymentMarket[];
};

/** The contracts a deployment holds an address of. */
export type DeploymentContract =
  | "perpVault"
  | "liquidityVault"
  | "oracleAdapter"
  | "collateralToken"
  | "hedgeRouter"
  | "liquidationUpkeep"
  | "triggerOrders"
  | "delayedOrders";

/** The Solidity source of each periphery contract an older deployment may lack. */
const PERIPHERY_SOURCES: Partial<Record<DeploymentContract, string>> = {
  hedgeRouter: "contracts/periphery/HedgeRouter.sol",
  liquidationUpkeep: "contracts/periphery/LiquidationUpkeep.sol",
  triggerOrders: "contracts/periphery/TriggerOrders.sol",
  delayedOrders: "contracts/periphery/DelayedOrders.sol",
};

/**
 * The deployment's address of `contract`, or a ParapetDeploymentError MISSING_ADDRESS naming how to deploy it (the
 * periphery contracts are optional in a deployment: the actions that need one ask for it here).
 */
export function requireAddress(deployment: Deployment, contract: DeploymentContract): Address {
  const address = deployment[contract];
  if (address) return address;
  const source = PERIPHERY_SOURCES[contract];
  throw new ParapetDeploymentError({
    code: "MISSING_ADDRESS",
    summary: `The deployment has no ${contract}.`,
    fix: `${source ? `Deploy ${source} (\`npm run deploy\` and ParapetLocal do) and add` : "Add"} "${contract}": "0x…" to the deployment.`,
  });
}

function invalid(summary: string, fix = "Regenerate the deployment file from the deployment output."): never {
  throw new ParapetDeploymentError({ code: "INVALID_DEPLOYMENT", summary, fix });
}

function address(value: unknown, field: string): Address {
  if (value === undefined || value === null || value === "") {
    throw new ParapetDeploymentError({
      code: "MISSING_ADDRESS",
      summary: `The deployment has no address for ${field}.`,
      fix: `Add "${field}": "0x…" (the deployed contract's address) to the deployment.`,
    });
  }
  if (typeof value !== "string" || !isAddress(value, { strict: false })) {
    invalid(
      `The deployment's ${field} is not an address: ${JSON.stringify(value)}.`,
      `Set ${field} to a 0x-prefixed 20-byte hex address.`,
    );
  }
  return getAddress(value);
}

function integer(value: unknown, field: string): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^\d+$/.test(value)) return BigInt(value);
  return invalid(`The deployment's ${field} is not a non-negative integer: ${JSON.stringify(String(value))}.`);
}

/**
 * Validates an untrusted deployment (a parsed JSON file: bigints may be numbers or decimal strings) and returns a
 * {@link Deployment}. Throws {@link ParapetDeploymentError} naming the bad field.
 */
export function parseDeployment(json: unknown): Deployment {
  if (typeof json !== "object" || json === null) invalid("The deployment is not an object.");
  const d = json as Record<string, unknown>;
  const chainId = integer(d.chainId, "chainId");
  if (chainId <= 0n || chainId > BigInt(Number.MAX_SAFE_INTEGER))
    invalid(`The deployment's chainId ${chainId} is invalid.`);
  const collateralDecimals = integer(d.collateralDecimals, "collateralDecimals");
  if (collateralDecimals > 18n) invalid(`collateralDecimals ${collateralDecimals} > 18 is unsupported by the vault.`);
  if (!Array.isArray(d.markets)) invalid("The deployment's markets is not an array.");
  const seen = new Set<bigint>();
  const markets = d.markets.map((m: unknown, i: number): DeploymentMarket => {
    if (typeof m !== "object" || m === null) invalid(`markets[${i}] is not an object.`);
    const market = m as Record<string, unknown>;
    const marketId = integer(market.marketId, `markets[${i}].marketId`);
    if (seen.has(marketId)) invalid(`markets[${i}].marketId ${marketId} is listed twice.`);
    seen.add(marketId);
    if (typeof market.symbol !== "string" || market.symbol === "") invalid(`markets[${i}].symbol is not a string.`);
    return { marketId, symbol: market.symbol, feed: address(market.feed, `markets[${i}].feed`) };
  });
  return {
    chainId: Number(chainId),
    blockNumber: integer(d.blockNumber ?? 0, "blockNumber"),
    perpVault: address(d.perpVault, "perpVault"),
    liquidityVault: address(d.liquidityVault, "liquidityVault"),
    oracleAdapter: address(d.oracleAdapter, "oracleAdapter"),
    collateralToken: address(d.collateralToken, "collateralToken"),
    ...(d.hedgeRouter === undefined || d.hedgeRouter === null
      ? {}
      : { hedgeRouter: address(d.hedgeRouter, "hedgeRouter") }),
    ...(d.liquidationUpkeep === undefined || d.liquidationUpkeep === null
      ? {}
      : { liquidationUpkeep: address(d.liquidationUpkeep, "liquidationUpkeep") }),
    ...(d.triggerOrders === undefined || d.triggerOrders === null
      ? {}
      : { triggerOrders: address(d.triggerOrders, "triggerOrders") }),
    ...(d.delayedOrders === undefined || d.delayedOrders === null
      ? {}
      : { delayedOrders: address(d.delayedOrders, "delayedOrders") }),
    collateralDecimals: Number(collateralDecimals),
    markets,
  };
}

/** Throws when the client is on another chain than the deployment (e.g. a wallet switched networks). */
export function assertChain(deployment: Deployment, chainId: number): void {
  if (deployment.chainId !== chainId) {
    throw new ParapetDeploymentError({
      code: "WRONG_CHAIN",
      summary: `The client is on chain ${chainId} but the deployment is for chain ${deployment.chainId}.`,
      fix: `Connect the client to chain ${deployment.chainId} or load the deployment of chain ${chainId}.`,
    });
  }
}

/** The market of `marketId`, or a typed error listing the known ones. */
export function getDeploymentMarket(deployment: Deployment, marketId: bigint): DeploymentMarket {
  const market = deployment.markets.find((m) => m.marketId === marketId);
  if (!market) {
    throw new ParapetDeploymentError({
      code: "UNKNOWN_MARKET",
      summary: `Market ${String(marketId)} is not in the deployment.`,
      fix: `Use one of: ${deployment.markets.map((m) => `${m.marketId} (${m.symbol})`).join(", ") || "none listed"}.`,
    });
  }
  return market;
}

/** The markets `marketIds` (typed UNKNOWN_MARKET error for an id not in the deployment), or all of them. */
export function getDeploymentMarkets(
  deployment: Deployment,
  marketIds?: readonly bigint[] | undefined,
): DeploymentMarket[] {
  return marketIds ? marketIds.map((id) => getDeploymentMarket(deployment, id)) : [...deployment.markets];
}
