// Test helpers for local chains and forks (Hardhat in-process or node, anvil, a Hardhat fork of either or of a real
// chain): set a feed's price, move time and accrue funding, fund an account, impersonate. They use viem's test
// actions (`createTestClient({ mode: "hardhat" | "anvil" })` or hardhat-viem's `viem.getTestClient()`), so they
// work against any of those nodes. Never for real networks: the test RPC methods do not exist there.
import {
  type Account,
  type Address,
  type Chain,
  createWalletClient,
  custom,
  encodeAbiParameters,
  erc20Abi,
  type Hash,
  keccak256,
  numberToHex,
  type PublicClient,
  pad,
  type TestClient,
  type Transport,
  type WalletClient,
} from "viem";
import { mockV3AggregatorAbi, mockV3AggregatorBytecode } from "../abis/index.js";
import { buildAccrueFunding, sendParapetTransaction } from "../actions/write.js";
import type { ParapetContext } from "../client.js";
import { getDeploymentMarket } from "../deployment.js";
import { ParapetError, ParapetInputError } from "../errors.js";
import { type DecimalString, parseDecimal } from "../units.js";

/** A viem test client of any mode (hardhat, anvil, ganache). */
export type AnyTestClient = TestClient<"hardhat" | "anvil" | "ganache", Transport, Chain | undefined>;
type AnyWalletClient = WalletClient<Transport, Chain | undefined, Account | undefined>;
type AnyPublicClient = PublicClient<Transport, Chain | undefined>;

/** Clients the chain helpers need: reads, test RPC methods and (for transactions) a funded sender. */
export type TestChainClients = {
  publicClient: AnyPublicClient;
  testClient: AnyTestClient;
  walletClient?: AnyWalletClient | undefined;
};

/**
 * A test helper failed: the chain is not a local/fork node, a feed is not a mock, a token's balance slot is unknown,
 * a local deployment step reverted.
 */
export class ParapetTestingError extends ParapetError {
  override name = "ParapetTestingError";
  constructor(
    code: "NOT_A_MOCK_FEED" | "BALANCE_SLOT_NOT_FOUND" | "LOCAL_DEPLOY_FAILED" | "MISSING_PEER_DEPENDENCY",
    summary: string,
    fix: string,
    cause?: unknown,
  ) {
    super({ code, summary, fix, cause });
  }
}

function sender(clients: { walletClient?: AnyWalletClient | undefined }): AnyWalletClient & { account: Account } {
  const wallet = clients.walletClient;
  if (!wallet?.account) {
    throw new ParapetInputError(
      "walletClient",
      "is missing or has no account.",
      "Pass a walletClient with an account (any funded test account, or one from impersonate()).",
    );
  }
  return wallet as AnyWalletClient & { account: Account };
}

async function send(
  clients: TestChainClients,
  request: Parameters<AnyWalletClient["writeContract"]>[0] extends infer R
    ? Omit<R & object, "account" | "chain">
    : never,
): Promise<Hash> {
  const wallet = sender(clients);
  // Padded: anvil can estimate in a block with the last block's timestamp, where a mock feed's `latestTimestamp`
  // store is a no-op; mined one second later it costs 2,900 gas more than estimated (out of gas, now and then).
  const gas = await clients.publicClient.estimateContractGas({
    ...(request as object),
    account: wallet.account,
  } as never);
  const hash = await wallet.writeContract({
    ...(request as object),
    account: wallet.account,
    chain: wallet.chain ?? null,
    gas: gas + gas / 4n,
  } as never);
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  return hash;
}

export type SetFeedPriceParameters = {
  /** A MockV3Aggregator (local deployments), or a real feed turned into one by {@link mockChainlinkFeed}. */
  feed: Address;
  /** Human price, e.g. "3150.25"; scaled by the feed's own decimals. */
  price: DecimalString;
};

/** Posts a new answer to a mock feed (a new round, timestamped with the next block). */
export async function setFeedPrice(clients: TestChainClients, parameters: SetFeedPriceParameters): Promise<Hash> {
  let decimals: number;
  try {
    decimals = await clients.publicClient.readContract({
      address: parameters.feed,
      abi: mockV3AggregatorAbi,
      functionName: "decimals",
    });
  } catch (cause) {
    throw new ParapetTestingError(
      "NOT_A_MOCK_FEED",
      `${parameters.feed} does not answer decimals(): it is not a Chainlink feed (${String(cause).split("\n")[0]}).`,
      "Pass the feed address from the deployment's markets.",
    );
  }
  const answer = parseDecimal(parameters.price, decimals, { argument: "price", allowZero: false });
  try {
    await clients.publicClient.simulateContract({
      address: parameters.feed,
      abi: mockV3AggregatorAbi,
      functionName: "updateAnswer",
      args: [answer],
      account: sender(clients).account,
    });
  } catch (cause) {
    if (cause instanceof ParapetError) throw cause;
    throw new ParapetTestingError(
      "NOT_A_MOCK_FEED",
      `${parameters.feed} is a real Chainlink feed, not a mock: it has no updateAnswer.`,
      "On a fork of a real chain, call mockChainlinkFeed(clients, { feed }) once first: it swaps the feed's code for a mock that keeps its decimals and round.",
    );
  }
  return send(clients, {
    address: parameters.feed,
    abi: mockV3AggregatorAbi,
    functionName: "updateAnswer",
    args: [answer],
  });
}

/** {@link setFeedPrice} for a market of the deployment, by id. */
export async function setMarketPrice(
  client: ParapetContext & { testClient: AnyTestClient },
  parameters: { marketId: bigint; price: DecimalString },
): Promise<Hash> {
  const market = getDeploymentMarket(client.deployment, parameters.marketId);
  return setFeedPrice(client, { feed: market.feed, price: parameters.price });
}

/**
 * Replaces a real Chainlink feed's code (on a fork) with MockV3Aggregator's, keeping its decimals, latest answer
 * and round id, so {@link setFeedPrice} can move it. Contracts that read the feed (our OracleAdapter) see an ordinary
 * feed whose next round is the test's.
 */
export async function mockChainlinkFeed(clients: TestChainClients, parameters: { feed: Address }): Promise<void> {
  const { publicClient, testClient } = clients;
  const { feed } = parameters;
  const [decimals, [roundId, answer]] = await Promise.all([
    publicClient.readContract({ address: feed, abi: mockV3AggregatorAbi, functionName: "decimals" }),
    publicClient.readContract({ address: feed, abi: mockV3AggregatorAbi, functionName: "latestRoundData" }),
  ]);
  // Deploy a mock to get its runtime code (creation code is all the SDK ships), then put that code at the feed.
  const wallet = sender(clients);
  const hash = await wallet.deployContract({
    abi: mockV3AggregatorAbi,
    bytecode: mockV3AggregatorBytecode,
    args: [decimals, answer],
    account: wallet.account,
    chain: wallet.chain ?? null,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress) throw new Error("the mock feed was not deployed");
  const code = await publicClient.getCode({ address: receipt.contractAddress });
  if (!code) throw new Error("the mock feed has no code");
  await testClient.setCode({ address: feed, bytecode: code });
  // MockV3Aggregator's layout: slot 0 decimals (uint8); 1 latestAnswer, 2 latestTimestamp, 3 latestRound are
  // written by updateRoundData below (the feed's old storage there belonged to the proxy and means nothing now).
  await testClient.setStorageAt({ address: feed, index: 0, value: pad(numberToHex(decimals)) });
  const block = await publicClient.getBlock();
  await send(clients, {
    address: feed,
    abi: mockV3AggregatorAbi,
    functionName: "updateRoundData",
    args: [roundId + 1n, answer, block.timestamp, block.timestamp],
  });
}

export type AdvanceTimeParameters = {
  seconds: number | bigint;
  /**
   * Re-post each market's latest mock answer after the jump (default true), as a live feed's heartbeat would;
   * otherwise feeds older than their heartbeat make every priced call revert (which is what a staleness test wants).
   */
  refreshFeeds?: boolean | undefined;
  /** Accrue funding in every market of the deployment after the jump (default true). */
  accrue?: boolean | undefined;
};

/** Moves the chain's clock by `seconds`, mines a block, keeps the mock feeds fresh and accrues funding everywhere. */
export async function advanceTime(
  client: ParapetContext & { testClient: AnyTestClient },
  parameters: AdvanceTimeParameters,
): Promise<void> {
  const seconds = Number(parameters.seconds);
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new ParapetInputError("seconds", `is ${String(parameters.seconds)}.`, "Pass a non-negative whole number.");
  }
  await client.testClient.increaseTime({ seconds });
  await client.testClient.mine({ blocks: 1 });
  if (parameters.refreshFeeds !== false) {
    for (const market of client.deployment.markets) {
      const latest = await client.publicClient.readContract({
        address: market.feed,
        abi: mockV3AggregatorAbi,
        functionName: "latestAnswer",
      });
      await send(client, {
        address: market.feed,
        abi: mockV3AggregatorAbi,
        functionName: "updateAnswer",
        args: [latest],
      });
    }
  }
  if (parameters.accrue !== false) {
    for (const market of client.deployment.markets) {
      await sendParapetTransaction(client, buildAccrueFunding(client, { marketId: market.marketId }));
    }
  }
}

/**
 * Gives `to` exactly `amount` (token units) of an ERC-20 by writing its balance slot (found by probing the first
 * `maxSlot` mapping slots of a Solidity-laid-out token, e.g. TestToken, USDC's FiatToken proxy). Total supply is not
 * changed. Native currency: use `testClient.setBalance`.
 */
export async function dealToken(
  clients: TestChainClients,
  parameters: { token: Address; to: Address; amount: bigint; maxSlot?: number | undefined },
): Promise<void> {
  const { publicClient, testClient } = clients;
  const { token, to, amount } = parameters;
  const value = pad(numberToHex(amount));
  for (let slot = 0; slot <= (parameters.maxSlot ?? 100); slot++) {
    const index = keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [to, BigInt(slot)]));
    const before = (await publicClient.getStorageAt({ address: token, slot: index })) ?? pad("0x0");
    await testClient.setStorageAt({ address: token, index, value });
    const balance = await publicClient.readContract({
      address: token,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [to],
    });
    if (balance === amount) return;
    await testClient.setStorageAt({ address: token, index, value: before });
  }
  throw new ParapetTestingError(
    "BALANCE_SLOT_NOT_FOUND",
    `No balance mapping of ${token} was found in its first ${parameters.maxSlot ?? 100} storage slots.`,
    "Raise maxSlot, or transfer from a holder with impersonate() instead.",
  );
}

/**
 * Lets tests send transactions as `address` without its key (a whale, a multisig, the vault owner on a fork): gives
 * it `nativeBalance` wei (default 10 ETH) for gas and returns a wallet client for it plus `stop()`.
 */
export async function impersonate(
  clients: TestChainClients,
  parameters: { address: Address; nativeBalance?: bigint | undefined },
): Promise<{ walletClient: AnyWalletClient & { account: Account }; stop: () => Promise<void> }> {
  const { testClient, publicClient } = clients;
  await testClient.impersonateAccount({ address: parameters.address });
  await testClient.setBalance({ address: parameters.address, value: parameters.nativeBalance ?? 10n ** 19n });
  const walletClient = createWalletClient({
    account: parameters.address,
    chain: publicClient.chain,
    transport: custom({ request: (args) => publicClient.request(args as never) }),
  });
  return {
    walletClient: walletClient as AnyWalletClient & { account: Account },
    stop: () => testClient.stopImpersonatingAccount({ address: parameters.address }),
  };
}
