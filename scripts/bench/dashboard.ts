// The live dashboard (issue #18) on anvil with Parapet on 10 markets and 20 accounts (one position each, the dashboard
// tests' chain). Five blocks, each a price move; per block, measured at the transport: `dashboardRpcPerRefresh`, the
// eth_call + eth_getLogs requests of one refresh (target 1–2; the server's poll of the head is not counted; a price
// round logs on the feed only, so the head's bloom spares the eth_getLogs),
// `dashboardStateReadsPerRefresh`, the eth_calls alone (the snapshot lens and one sized multicall), and
// `dashboardRefreshMs`, from the refresh's first read to the state written to the SSE clients (median). Checks: every
// account and market is in the pushed state, at the block just mined.
import { createDashboardReader } from "../../src/dashboard/reader.js";
import { startDashboardServer } from "../../src/dashboard/server.js";
import { setMarketPrice } from "../../src/testing/index.js";
import { countingContext, dashboardChain } from "../../test/ts/helpers/dashboard.js";
import type { Measure } from "./report.js";

const BLOCKS = 5;

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function measureDashboard(log: (line: string) => void = () => {}): Promise<Measure[]> {
  const chain = await dashboardChain();
  const { client, counts } = countingContext(chain);
  const reader = createDashboardReader(client, { accounts: chain.accounts });
  const server = await startDashboardServer({ reader, port: 0, pollMs: 25 });
  try {
    await server.nextPush(); // the first refresh also discovers orders and the adapter's configuration
    const requests: number[] = [];
    const stateReads: number[] = [];
    const refreshMs: number[] = [];
    let accountsShown = Number.POSITIVE_INFINITY;
    let marketsShown = Number.POSITIVE_INFINITY;
    let atMinedBlock = 0;
    for (let i = 0; i < BLOCKS; i++) {
      const before = { ...counts };
      const next = server.nextPush();
      await setMarketPrice(chain.client, { marketId: 1n, price: String(61_000 + 50 * (i + 1)) });
      const mined = await chain.client.publicClient.getBlockNumber({ cacheTime: 0 });
      let state = await next;
      // A poll can land between two of the helper's blocks: wait for the refresh of the block just mined.
      while (BigInt(state.blockNumber ?? "0") < mined) state = await server.nextPush();
      if (BigInt(state.blockNumber ?? "0") === mined) atMinedBlock++;
      requests.push(counts.ethCalls + counts.getLogs - before.ethCalls - before.getLogs);
      stateReads.push(counts.ethCalls - before.ethCalls);
      refreshMs.push(server.timings().at(-1)?.pushedMs ?? Number.NaN);
      accountsShown = Math.min(accountsShown, state.accounts.length);
      marketsShown = Math.min(marketsShown, state.markets.length);
    }
    log(
      `[dashboard] ${chain.accounts.length} accounts × 10 markets: ${median(stateReads)} eth_call + ${median(requests) - median(stateReads)} eth_getLogs per refresh, ${median(refreshMs).toFixed(1)} ms to push`,
    );
    return [
      { key: "dashboardRpcPerRefresh", value: median(requests), target: { op: "<=", value: 2 } },
      { key: "dashboardStateReadsPerRefresh", value: median(stateReads), target: { op: "<=", value: 2 } },
      { key: "dashboardRefreshMs", value: Math.round(median(refreshMs) * 10) / 10 },
      { key: "dashboardAccountsShown", value: accountsShown, check: { op: "==", value: chain.accounts.length } },
      { key: "dashboardMarketsShown", value: marketsShown, check: { op: "==", value: 10 } },
      { key: "dashboardRefreshesAtMinedBlock", value: atMinedBlock, check: { op: "==", value: BLOCKS } },
    ];
  } finally {
    await server.close();
    await chain.anvil.stop();
  }
}
