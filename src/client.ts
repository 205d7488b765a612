// The Parapet client: a deployment plus injected viem clients. Actions are free functions `(client, params)`;
// createParapetClient binds them so `parapet.getSnapshot(params)` works too.
import type { Account, Chain, PublicClient, Transport, WalletClient } from "viem";
import { assertChain, type Deployment } from "./deployment.js";

/** What every action needs: where the contracts are and how to reach the chain. */
export type ParapetContext = {
  publicClient: PublicClient<Transport, Chain | undefined>;
  walletClient?: WalletClient<Transport, Chain | undefined, Account | undefined> | undefined;
  deployment: Deployment;
};

export type CreateParapetClientParameters = ParapetContext;

/**
 * Validates that the public (and wallet) client are on the deployment's chain, then returns the context with every
 * action bound. Throws ParapetDeploymentError (WRONG_CHAIN) otherwise.
 */
export async function createParapetContext(parameters: CreateParapetClientParameters): Promise<ParapetContext> {
  const { publicClient, walletClient, deployment } = parameters;
  assertChain(deployment, await publicClient.getChainId());
  if (walletClient) assertChain(deployment, await walletClient.getChainId());
  return { publicClient, walletClient, deployment };
}
