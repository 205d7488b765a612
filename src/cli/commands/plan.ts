// `parapet plan`: the hedge of your exposures planned against the chain's markets; sends nothing. `planFromChain` and
// `planTable` are also hedge's.
import { getMarketSchedules } from "../../actions/hours.js";
import { checkMarketOracles } from "../../actions/oracle.js";
import { getMarkets } from "../../actions/read.js";
import type { ParapetContext } from "../../client.js";
import { hedgeMarketsFromChain } from "../../hedge/fromChain.js";
import { planHedge } from "../../hedge/plan.js";
import type { HedgePlan, HedgeTarget, HedgeTargetRange } from "../../hedge/types.js";
import { parseCommandArgs } from "../args.js";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, connectionSettings, runCommand } from "../connect.js";
import { EXIT_CODES, usage } from "../errors.js";
import {
  EXPOSURE_HELP,
  EXPOSURE_OPTIONS,
  type ExposureArgs,
  parseExposureArgs,
  resolveExposures,
} from "../exposures.js";
import { type CliIo, envOf } from "../io.js";
import { fmt, formatTable, toJson } from "../output.js";

/** Markets from the chain (with oracle health) → planHedge. The same planner the backtester replays. */
export async function planFromChain(client: ParapetContext, args: ExposureArgs): Promise<HedgePlan> {
  const [markets, health, schedules] = await Promise.all([
    getMarkets(client),
    checkMarketOracles(client),
    getMarketSchedules(client),
  ]);
  const hedgeMarkets = hedgeMarketsFromChain(markets, health.feeds, schedules);
  const priceOf = (asset: string) => hedgeMarkets.find((m) => m.asset === asset)?.priceUsd;
  for (const e of args.exposures) {
    const market = args.hedgePolicy.hedgeWith?.[e.asset] ?? e.asset;
    if (!hedgeMarkets.some((m) => m.asset === market)) {
      throw usage(
        `--exposure ${e.asset}=${e.amount}`,
        `The deployment has no ${market} market.`,
        `Use one of ${hedgeMarkets.map((m) => m.asset).join(", ")}, or --hedge-with ${e.asset}=MARKET.`,
      );
    }
  }
  // Positions read from chain are valued at their pool's price (what they hold); hedges at the oracle's.
  const { exposures, poolPricesUsd } = await resolveExposures(client, args, priceOf);
  return planHedge(exposures, { markets: hedgeMarkets, pricesUsd: args.pricesUsd, poolPricesUsd }, args.hedgePolicy);
}

export function planTable(plan: HedgePlan): string {
  const lines = [
    formatTable([
      [
        "exposure",
        "market",
        "account",
        "size",
        "notional USD",
        "collateral USD",
        "leverage",
        "liq. price",
        "carry USD/yr",
      ],
      ...plan.targets.map((t) => [
        `${t.exposureAsset} ${fmt(t.exposureUnits, 4)}`,
        t.marketAsset,
        String(t.accountIndex),
        fmt(t.sizeUnits, 4),
        fmt(t.notionalUsd),
        fmt(t.collateralUsd),
        fmt(t.leverage),
        t.liquidationPriceUsd === 0 ? "none" : fmt(t.liquidationPriceUsd),
        fmt(t.expectedCarryPerYearUsd),
      ]),
    ]),
    "",
    `Capital: ${fmt(plan.totalCapitalUsd)} USD (collateral + reserve ${fmt(plan.reserveUsd)} USD), notional ${fmt(plan.totalNotionalUsd)} USD`,
  ];
  for (const t of plan.targets) {
    if (t.stopLoss) {
      lines.push(
        `Stop-loss of account ${t.accountIndex} (${t.marketAsset}): closes the leg when the price is ${t.stopLoss.triggerAbove ? "≥" : "≤"} ${fmt(t.stopLoss.triggerPriceUsd)} USD (keeper fee ${fmt(t.stopLoss.keeperFeeUsd)})`,
      );
    }
  }
  for (const t of plan.targets) lines.push(...concentratedLines(t));
  const warnings = [
    ...plan.warnings,
    ...plan.targets.flatMap((t) => t.warnings),
    ...plan.unhedged.map((u) => u.warning),
  ];
  // A target's warnings are also in the plan's list: print each once.
  const unique = [...new Set(warnings.map((w) => `  ${w.code}: ${w.message}`))];
  if (unique.length > 0) lines.push("Warnings:", ...unique);
  return lines.join("\n");
}

/** The price a range was measured at (the pool's when pool-priced): distanceToLower = (P − lower) / P. */
const rangePriceUsd = (r: HedgeTargetRange) => r.lowerPriceUsd / (1 - r.distanceToLower);

/** One line per concentrated range, then the gamma band and the pool basis of a target, in words and units. */
function concentratedLines(t: HedgeTarget): string[] {
  const of = `${t.exposureAsset} (account ${t.accountIndex})`;
  const lines: string[] = [];
  for (const r of t.ranges ?? []) {
    const status = r.status === "in" ? "in range" : `${r.status} the range`;
    const lower =
      r.distanceToLower >= 0
        ? `${fmt(r.distanceToLower * 100)} % above the lower edge`
        : `${fmt(-r.distanceToLower * 100)} % below the lower edge`;
    const upper =
      r.distanceToUpper > 0
        ? `${fmt(r.distanceToUpper * 100)} % below the upper edge`
        : `${fmt(-r.distanceToUpper * 100)} % above the upper edge`;
    lines.push(
      `Range ${r.label !== undefined ? `"${r.label}" ` : ""}${fmt(r.lowerPriceUsd)}–${fmt(r.upperPriceUsd)} USD of ${of}: ${status} at ${fmt(rangePriceUsd(r))} USD${t.basis !== undefined ? " (pool)" : ""}, ${lower}, ${upper} (of the price)`,
    );
  }
  const g = t.gammaBand;
  if (g !== undefined) {
    const every = Number.isFinite(g.expectedDaysToBand) ? `about every ${fmt(g.expectedDaysToBand, 1)} d` : "never";
    lines.push(
      `Gamma band of ${of}: rebalance once the hedge is off target by ${fmt(g.bandUnits, 4)} ${t.marketAsset} (${fmt(g.bandFraction * 100)} % of it, ${fmt(g.breakEvenDriftUsd)} USD: where the risk removed pays for the fees and ${fmt(g.gasUsd)} USD gas); at ${fmt(g.dailyVolatility * 100)} %/day volatility the hedge drifts ≈ ${fmt(g.expectedDriftUnits, 4)} ${t.marketAsset} per ${fmt(g.horizonDays, 0)} d, so expect to rebalance ${every}`,
    );
  }
  const b = t.basis;
  if (b !== undefined) {
    lines.push(
      `Basis of ${of}: pool ${fmt(b.poolPriceUsd)} USD vs oracle ${fmt(b.oraclePriceUsd)} USD = ${b.basisBps > 0 ? "+" : ""}${fmt(b.basisBps, 1)} bps (${b.basisUsd > 0 ? "+" : ""}${fmt(b.basisUsd)} USD per ${t.exposureAsset}); the position is worth ${fmt(Math.abs(b.exposureBasisUsd))} USD ${b.exposureBasisUsd >= 0 ? "more" : "less"} at the pool's price than at the oracle's, which the book ${b.exposureBasisUsd >= 0 ? "loses" : "gains"} if they converge`,
    );
  }
  return lines;
}

export const help = `Usage: parapet plan [options]

Plans the hedge of your exposures against the deployment's markets (prices, fees, margins, funding and oracle health
read from the chain): one target per hedge with its size, collateral, leverage, liquidation price and carry. Sends
nothing.

${EXPOSURE_HELP}
${CONNECTION_HELP}

Below the table: each hedge's stop-loss, each concentrated position's range (in, below or above it, and the distance
to each edge), the gamma band (how far the hedge may drift before a rebalance pays) and the pool/oracle basis.

JSON: the HedgePlan: { targets: [{ exposureAsset, marketAsset, marketId, accountIndex, sizeUnits, notionalUsd,
  collateralUsd, leverage, liquidationPriceUsd, expectedCarryPerYearUsd, ranges, gammaBand, basis, warnings,
  explanation, … }], reserveUsd, totalCapitalUsd, totalNotionalUsd, unhedged, warnings, policy }

Exit codes: 0 ok; 1 runtime; 2 usage (no exposure, bad ASSET=VALUE, a market the deployment lacks).

Example:
  parapet plan --exposure ETH=10 --lp BTC=250000 --deployment deployments/localhost.json
`;

async function runPlan(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs("plan", argv, { ...CONNECTION_OPTIONS, ...EXPOSURE_OPTIONS });
  if (values.help) {
    io.stdout(help);
    return EXIT_CODES.ok;
  }
  const settings = connectionSettings(values, envOf(io));
  const args = parseExposureArgs(values, true) as ExposureArgs;
  const { client } = await connect(settings, envOf(io), "none", "plan");
  const plan = await planFromChain(client, args);
  io.stdout(settings.json ? `${toJson(plan)}\n` : `${planTable(plan)}\n`);
  return EXIT_CODES.ok;
}

export function run(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand("plan", io, () => runPlan(argv, io));
}
