// The dashboard tests' chain: anvil with Parapet deployed on ten markets and twenty accounts of one owner, one
// position each (accounts 0–9 long in markets 0–9 at 5×, accounts 10–19 short in the same markets).
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  custom,
  erc20Abi,
  http,
  maxUint256,
  parseUnits,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { ParapetContext } from "../../../src/index.js";
import {
  type AnvilNode,
  type BulkPosition,
  deployParapet,
  LOCAL_MARKETS,
  type LocalMarket,
  openPositionsInBulk,
  startAnvil,
} from "../../../src/testing/index.js";
import { ANVIL_KEYS } from "./anvil.js";

/** The five local markets and five more: ten. */
export const TEN_MARKETS: readonly LocalMarket[] = [
  ...LOCAL_MARKETS,
  { symbol: "SOL", price: "150" },
  { symbol: "LINK", price: "15" },
  { symbol: "GBPUSD", price: "1.27" },
  { symbol: "NDX", price: "18000" },
  { symbol: "XAG", price: "28" },
];

/** Notional of each position (USD) and its leverage. */
const NOTIONAL_USD = 3_000;
const LEVERAGE = 5;

export async function dashboardChain() {
  const anvil: AnvilNode = await startAnvil();
  const account = privateKeyToAccount(ANVIL_KEYS[0]);
  const owner = account.address;
  const publicClient = createPublicClient({ transport: http(anvil.url, { retryCount: 0 }) });
  const walletClient = createWalletClient({ account, transport: http(anvil.url, { retryCount: 0 }) });
  const testClient = createTestClient({ mode: "anvil", transport: http(anvil.url, { retryCount: 0 }) });
  const { deployment, feeds } = await deployParapet(
    { publicClient, walletClient },
    { markets: TEN_MARKETS, fund: [owner], fundAmount: "1000000", lpDefence: false },
  );
  const hash = await walletClient.writeContract({
    address: deployment.collateralToken,
    abi: erc20Abi,
    functionName: "approve",
    args: [deployment.perpVault, maxUint256],
    chain: null,
  });
  await publicClient.waitForTransactionReceipt({ hash });
  const client = { publicClient, walletClient, deployment, testClient } as ParapetContext & {
    testClient: typeof testClient;
  };
  const positions: BulkPosition[] = Array.from({ length: 20 }, (_, i) => {
    const market = TEN_MARKETS[i % 10] as LocalMarket;
    const size = parseUnits((NOTIONAL_USD / Number(market.price)).toFixed(6), 18);
    return {
      accountIndex: BigInt(i),
      marketId: BigInt(i % 10),
      collateral: parseUnits(String(NOTIONAL_USD / LEVERAGE), 6),
      sizeDelta: i < 10 ? size : -size,
    };
  });
  await openPositionsInBulk(client, { positions });
  const accounts = positions.map((p) => ({ owner, accountIndex: p.accountIndex }));
  return { anvil, client, deployment, feeds, owner, accounts };
}

export type DashboardChain = Awaited<ReturnType<typeof dashboardChain>>;

/** A client over `url` whose transport counts eth_call and eth_getLogs (and can be switched to a dead endpoint). */
export function countingContext(chain: DashboardChain, deadUrl?: string) {
  const counts = { ethCalls: 0, getLogs: 0 };
  const live = createPublicClient({ transport: http(chain.anvil.url, { retryCount: 0 }) });
  const dead = deadUrl ? createPublicClient({ transport: http(deadUrl, { retryCount: 0, timeout: 2_000 }) }) : live;
  const link = { down: false };
  const publicClient = createPublicClient({
    transport: custom(
      {
        request: (args: { method: string; params?: unknown }) => {
          if (args.method === "eth_call") counts.ethCalls++;
          if (args.method === "eth_getLogs") counts.getLogs++;
          return (link.down ? dead : live).request(args as never);
        },
      },
      { retryCount: 0 },
    ),
  });
  const client: ParapetContext = { publicClient: publicClient as never, deployment: chain.deployment };
  return { client, counts, link };
}
