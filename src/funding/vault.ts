// The vault's own funding history, from its events, as `FundingPoint`s: the carry analytics of `carry.ts` then run
// on it exactly as on imported exchange history.
import { perpVaultAbi } from "../abis/index.js";
import { type LogRangeParameters, scanLogRange } from "../actions/logs.js";
import type { ParapetContext } from "../client.js";
import type { FundingPoint } from "./carry.js";

const WAD = 10n ** 18n;

export type VaultFundingAccrual = {
  blockNumber: bigint;
  logIndex: number;
  timestampMs: number;
  /** Rate after the accrual (WAD per day, positive: longs pay) and the cumulative index (USD WAD per unit). */
  fundingRatePerDayWad: bigint;
  fundingIndexWad: bigint;
  /** Oracle price of the accrual (`FundingAccrued`), or the fill price of the trade that accrued (`Traded`). */
  priceWad: bigint;
  source: "FundingAccrued" | "Traded";
};

export type GetVaultFundingHistoryParameters = LogRangeParameters & { marketId: bigint };
export type GetVaultFundingHistoryReturnType = {
  accruals: VaultFundingAccrual[];
  /**
   * One point per accrual after the first: `ratePerInterval` = Δindex / price, the fraction of notional a long paid
   * over the interval, stamped at the accrual's block time. A position of `size` paid exactly size · Δindex; with a
   * notional of size · price, `realisedCarry` reproduces it up to the price's drift inside the interval.
   */
  points: FundingPoint[];
};

/**
 * Reads `FundingAccrued` and `Traded` of a market (both carry the index: funding history = their union), in chain
 * order, with block timestamps. Two RPC log queries per `blockRange` window plus one block read per distinct block.
 */
export async function getVaultFundingHistory(
  client: ParapetContext,
  parameters: GetVaultFundingHistoryParameters,
): Promise<GetVaultFundingHistoryReturnType> {
  const { marketId } = parameters;
  type Raw = Omit<VaultFundingAccrual, "timestampMs">;
  const address = client.deployment.perpVault;
  const { logs } = await scanLogRange(client, parameters, async (window): Promise<Raw[]> => {
    const [accrued, traded] = await Promise.all([
      client.publicClient.getContractEvents({
        address,
        abi: perpVaultAbi,
        eventName: "FundingAccrued",
        args: { marketId },
        ...window,
      }),
      client.publicClient.getContractEvents({
        address,
        abi: perpVaultAbi,
        eventName: "Traded",
        args: { marketId },
        ...window,
      }),
    ]);
    return [
      ...accrued.map((l) => ({
        blockNumber: l.blockNumber,
        logIndex: l.logIndex,
        fundingRatePerDayWad: l.args.fundingRatePerDay as bigint,
        fundingIndexWad: l.args.fundingIndex as bigint,
        priceWad: l.args.priceWad as bigint,
        source: "FundingAccrued" as const,
      })),
      ...traded.map((l) => ({
        blockNumber: l.blockNumber,
        logIndex: l.logIndex,
        fundingRatePerDayWad: l.args.fundingRatePerDay as bigint,
        fundingIndexWad: l.args.fundingIndex as bigint,
        priceWad: (l.args.result as { fillPrice: bigint }).fillPrice,
        source: "Traded" as const,
      })),
    ];
  });
  const raw = logs.sort((a, b) =>
    a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
  );
  const blocks = [...new Set(raw.map((r) => r.blockNumber))];
  const times = new Map<bigint, number>();
  await Promise.all(
    blocks.map(async (b) => {
      const block = await client.publicClient.getBlock({ blockNumber: b });
      times.set(b, Number(block.timestamp) * 1000);
    }),
  );
  const accruals = raw.map((r) => ({ ...r, timestampMs: times.get(r.blockNumber) as number }));
  const points: FundingPoint[] = [];
  for (let i = 1; i < accruals.length; i++) {
    const prev = accruals[i - 1] as VaultFundingAccrual;
    const cur = accruals[i] as VaultFundingAccrual;
    if (cur.priceWad === 0n) continue;
    // Δindex / price in WAD, then to a number: the fraction of notional paid by a long over the interval.
    const rateWad = ((cur.fundingIndexWad - prev.fundingIndexWad) * WAD) / cur.priceWad;
    points.push({ timestampMs: cur.timestampMs, ratePerInterval: Number(rateWad) / 1e18 });
  }
  return { accruals, points };
}
