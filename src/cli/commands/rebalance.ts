// `parapet rebalance`: one rebalancing pass for the owner's hedge (at most one HedgeRouter transaction); --dry-run
// prints the decision and its numbers.
import type { Address } from "viem";
import { getMarkets } from "../../actions/read.js";
import { hedgeMarketsFromChain } from "../../hedge/fromChain.js";
import { type RebalanceHedgeReturnType, rebalanceHedge } from "../../hedge/rebalancer.js";
import { parseCommandArgs } from "../args.js";
import {
  addressOption,
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connect,
  connectionSettings,
  runCommand,
} from "../connect.js";
import { EXIT_CODES } from "../errors.js";
import {
  EXPOSURE_HELP,
  EXPOSURE_OPTIONS,
  type ExposureArgs,
  parseExposureArgs,
  resolveExposures,
} from "../exposures.js";
import { type CliIo, envOf } from "../io.js";
import { fmt, formatTable, toJson } from "../output.js";
import { parseRebalancePolicy, REBALANCE_OPTIONS, REBALANCE_POLICY_HELP } from "../rebalancePolicy.js";

export const help = `Usage: parapet rebalance [options]

One rebalancing pass for the owner's hedge: reads the markets and the hedge accounts, plans the targets, asks the
rule whether each hedge is worth touching (reasons: DELTA_BAND, MARGIN, TIME, PRICE_MOVE; vetoes: ORACLE, GAS_CAP,
SIMULATION) and sends the acting ones in at most ONE HedgeRouter transaction. With --dry-run it prints the decision
and its numbers and sends nothing.

${EXPOSURE_HELP}
${REBALANCE_POLICY_HELP}
  --dry-run                    decide and print, send nothing (no key needed with --owner)
  --owner ADDRESS              whose hedge (default: the signer); sending needs the signer to be the owner or its operator
${CONNECTION_HELP}

JSON: { status: "sent" | "noop" | "dry-run" | "vetoed", hash, gasUsed, decisions: [{ marketAsset, accountIndex, act,
  sizeUnits, targetSizeUnits, sizeDeltaUnits, collateralDeltaUsd, reasons, vetoes, numbers }] }

Exit codes: 0 ok (sent, nothing to do, dry run, or vetoed: see the vetoes); 1 runtime; 2 usage.
`;

function decisionsJson(result: RebalanceHedgeReturnType) {
  return result.decisions.map((d) => ({
    marketAsset: d.target.marketAsset,
    marketId: d.target.marketId,
    accountIndex: d.target.accountIndex,
    act: d.decision.act,
    sizeUnits: d.sizeUnits,
    targetSizeUnits: d.target.sizeUnits,
    sizeDeltaUnits: d.decision.sizeDeltaUnits,
    collateralDeltaUsd: d.decision.collateralDeltaUsd,
    reasons: d.decision.reasons,
    vetoes: d.decision.vetoes,
    numbers: d.decision.numbers,
  }));
}

async function runRebalance(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs("rebalance", argv, {
    ...CONNECTION_OPTIONS,
    ...EXPOSURE_OPTIONS,
    ...REBALANCE_OPTIONS,
    "dry-run": { type: "boolean" },
    owner: { type: "string" },
  });
  if (values.help) {
    io.stdout(help);
    return EXIT_CODES.ok;
  }
  const settings = connectionSettings(values, envOf(io));
  const args = parseExposureArgs(values, true) as ExposureArgs;
  const { rebalancePolicy, slippageBps } = parseRebalancePolicy(values);
  const dryRun = values["dry-run"] === true;
  const ownerOption = values.owner === undefined ? undefined : addressOption("owner", values.owner);
  const { client, signer } = await connect(
    settings,
    envOf(io),
    dryRun && ownerOption ? "optional" : "required",
    "rebalance",
  );
  const owner = (ownerOption ?? signer) as Address;
  const markets = await getMarkets(client);
  const priceOf = (asset: string) => {
    const m = hedgeMarketsFromChain(markets).find((x) => x.asset === asset);
    return m && m.priceUsd > 0 ? m.priceUsd : undefined;
  };
  const result = await rebalanceHedge(client, {
    owner,
    ...(await resolveExposures(client, args, priceOf)),
    pricesUsd: args.pricesUsd,
    hedgePolicy: args.hedgePolicy,
    rebalancePolicy,
    slippageBps,
    dryRun,
  });
  const sent = result.execution?.status === "sent" ? result.execution : undefined;
  if (settings.json) {
    io.stdout(
      `${toJson({ status: result.status, hash: sent?.hash ?? null, gasUsed: sent?.receipt.gasUsed ?? null, decisions: decisionsJson(result), simulationError: result.simulationError?.message ?? null })}\n`,
    );
    return EXIT_CODES.ok;
  }
  const lines = [
    formatTable([
      ["hedge", "account", "act", "size", "target", "trade", "collateral Δ USD", "drift %", "margin ratio", "cost USD"],
      ...result.decisions.map((d) => [
        `${d.target.exposureAsset}→${d.target.marketAsset}`,
        String(d.target.accountIndex),
        d.decision.act ? "yes" : "no",
        fmt(d.sizeUnits, 4),
        fmt(d.target.sizeUnits, 4),
        fmt(d.decision.sizeDeltaUnits, 4),
        fmt(d.decision.collateralDeltaUsd),
        fmt(d.decision.numbers.driftFraction * 100),
        fmt(d.decision.numbers.marginRatio),
        fmt(d.decision.numbers.costUsd),
      ]),
    ]),
    "",
    ...result.decisions.flatMap((d) => [
      ...d.decision.reasons.map(
        (r) => `  ${d.target.marketAsset}#${d.target.accountIndex} reason ${r.code}: ${r.message}`,
      ),
      ...d.decision.vetoes.map(
        (v) => `  ${d.target.marketAsset}#${d.target.accountIndex} veto ${v.code}: ${v.message}`,
      ),
    ]),
  ];
  const outcome = {
    sent: sent
      ? `Sent ${sent.hash} (gas ${sent.receipt.gasUsed}).`
      : "Nothing to send: the steps were already at target.",
    noop: "No hedge needs action: nothing sent.",
    "dry-run": "Dry run: nothing sent.",
    vetoed: `Vetoed: the transaction would revert (${result.simulationError?.summary ?? "simulation failed"}); nothing sent.`,
  }[result.status];
  lines.push(outcome);
  io.stdout(`${lines.join("\n")}\n`);
  return EXIT_CODES.ok;
}

export function run(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand("rebalance", io, () => runRebalance(argv, io));
}
