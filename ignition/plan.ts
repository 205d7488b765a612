// What an Ignition module factory builds from: the validated content of a parameter file
// (ignition/parameters/<network>.json, validated by scripts/deployment/networkConfig.ts). The types live here, with
// the modules, so that the modules never import from scripts/.
import type { Address } from "viem";
import type { LpFlowParams } from "../src/actions/lp.js";
import type { LatencyParamsStruct, MarketParamsStruct } from "../src/actions/structs.js";
import type { MarketSchedule } from "../src/hours/index.js";

/** IPerpVault.MarketParams without the feed (WAD values, as listMarket takes them), derived from the ABI. */
export type MarketRiskParams = Omit<MarketParamsStruct, "feed">;

/**
 * IPerpVault.LatencyParams as setLatencyParams takes them (derived from the ABI): the market's latency defence
 * (docs/orders.md, docs/risks.md): `minSettlementDelay` (s after a commitment before an oracle round may settle it;
 * ≥ 1: on), `settlementTimeout` (s after which it can only be cancelled), `immediateFeeRatio` (WAD surcharge of an
 * immediate reduction). Only in a plan when the file turns it on.
 */
export type MarketLatencyParams = LatencyParamsStruct;

/** One market of a plan: a mock feed seeded with `mockAnswer` (local) or a real feed address (live). */
export type PlannedMarket = {
  symbol: string;
  feed: { kind: "mock"; answer: bigint } | { kind: "address"; address: Address };
  heartbeatSeconds: number;
  secondaryFeed: Address;
  secondaryHeartbeatSeconds: number;
  maxDeviationBps: number;
  risk: MarketRiskParams;
  /** The latency defence (off when absent): only DelayedOrders may open, immediate reductions pay a surcharge. */
  latency?: MarketLatencyParams | undefined;
  /**
   * Trading hours and closing margin (OracleAdapter.setMarketHours, PerpVault.setClosingMargin), validated against
   * the contracts' bounds; absent: the market never closes (crypto).
   */
  hours?: MarketSchedule | undefined;
};

/** What a module factory needs: the validated content of a parameter file. */
export type DeployPlan = {
  /** The chain the file is for; the deploy refuses any other. */
  chainId: number;
  collateral:
    | { kind: "test"; name: string; symbol: string; decimals: number }
    | { kind: "address"; address: Address; decimals: number };
  /** L2 sequencer uptime feed (absent on L1s and local chains). */
  sequencer?: { feed: Address; gracePeriodSeconds: number } | undefined;
  markets: readonly PlannedMarket[];
  /**
   * The LP vault's flow parameters (LiquidityVault.setFlowParams, sent by the Core module). Absent: the defaults
   * (`DEFAULT_LP_FLOWS`, the defence on); a file turns it off with `"minDelaySeconds": 0`.
   */
  lpFlows?: LpFlowParams | undefined;
};
