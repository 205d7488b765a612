// `parapet hedge`: plans the hedge (as plan) and opens it in one HedgeRouter transaction, with the setup it needs
// (--approve) and the stop-losses of --stop-loss-distance.
import type { Address } from "viem";
import { writeApprove, writeSetOperator } from "../../actions/write.js";
import { executeHedge, hedgeStepsFromPlan, resolveHedgeSteps } from "../../hedge/execute.js";
import { formatAmount } from "../../units.js";
import { DEFAULT_SLIPPAGE_BPS, parseCommandArgs, slippageBpsOption } from "../args.js";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, connectionSettings, fmtWad, runCommand } from "../connect.js";
import { EXIT_CODES } from "../errors.js";
import { EXPOSURE_HELP, EXPOSURE_OPTIONS, type ExposureArgs, parseExposureArgs } from "../exposures.js";
import { type CliIo, envOf } from "../io.js";
import { formatTable, toJson } from "../output.js";
import { planFromChain, planTable } from "./plan.js";

export const help = `Usage: parapet hedge [options]

Plans the hedge (as parapet plan) and opens it for the signer in ONE HedgeRouter transaction: each hedge account is
traded to its target size and topped up to its collateral. Steps already at target are skipped; when all are, nothing
is sent. Needs the signer ($PARAPET_PRIVATE_KEY) to have made the router its operator on the vault and approved it
for the collateral: pass --approve to send those two transactions first.

${EXPOSURE_HELP}
Execution:
  --slippage-bps N             price tolerance per step in basis points (default 50)
  --approve                    first make the router an operator and approve it for the steps' max deposits (and,
                               with --stop-loss-distance, TriggerOrders for the stops' keeper fees)
  --dry-run                    print the plan, the steps and the missing setup; send nothing
${CONNECTION_HELP}

JSON: { status: "sent" | "noop" | "dry-run", hash, gasUsed, steps: [{ accountIndex, marketId, sizeDelta, deposited,
  sizeAfter, collateralAfter }], stops: [{ accountIndex, marketId, action, orderId, hash }], setup: { routerIsOperator,
  allowance, maxDeposits }, plan }

Exit codes: 0 ok (sent, or nothing to do); 1 runtime (setup missing without --approve: the message names the call;
a leg that would open in a market whose latency defence is on: IMMEDIATE_OPEN_DISABLED, commit it with parapet
orders commit; a revert; RPC down; wrong chain); 2 usage (also: no $PARAPET_PRIVATE_KEY).
`;

async function runHedge(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs("hedge", argv, {
    ...CONNECTION_OPTIONS,
    ...EXPOSURE_OPTIONS,
    "slippage-bps": { type: "string" },
    approve: { type: "boolean" },
    "dry-run": { type: "boolean" },
  });
  if (values.help) {
    io.stdout(help);
    return EXIT_CODES.ok;
  }
  const settings = connectionSettings(values, envOf(io));
  const args = parseExposureArgs(values, true) as ExposureArgs;
  const slippageBps = slippageBpsOption(values["slippage-bps"]) ?? DEFAULT_SLIPPAGE_BPS;
  const { client, signer } = await connect(settings, envOf(io), "required", "hedge");
  const owner = signer as Address;
  /** Token amounts as the user reads them: whole tokens to the token's last decimal, with thousands separators. */
  const tokens = (amount: bigint) => formatAmount(amount, client.deployment.collateralDecimals);
  const plan = await planFromChain(client, args);
  if (plan.targets.length === 0) {
    io.stderr("parapet hedge: the plan has no target (see the warnings of parapet plan); nothing to send.\n");
    return EXIT_CODES.runtime;
  }
  const steps = hedgeStepsFromPlan(plan, { slippageBps, tokenDecimals: client.deployment.collateralDecimals });
  const resolved = await resolveHedgeSteps(client, { owner, steps });
  const maxDeposits = resolved.pending.reduce((sum, s) => sum + s.maxDeposit, 0n);
  const setup = { routerIsOperator: resolved.routerIsOperator, allowance: resolved.allowance, maxDeposits };
  const say = (text: string) => {
    if (!settings.json) io.stdout(`${text}\n`);
  };
  say(planTable(plan));
  const stopFees = steps.reduce((sum, s) => sum + (s.stopLoss?.keeperFee ?? 0n), 0n);
  const hasStops = steps.some((s) => s.stopLoss !== undefined);
  if (values["dry-run"] || (resolved.pending.length === 0 && !hasStops)) {
    const status = resolved.pending.length === 0 ? "noop" : "dry-run";
    if (settings.json) io.stdout(`${toJson({ status, steps: resolved.pending, setup, plan })}\n`);
    else {
      say(
        status === "noop"
          ? "\nEvery hedge is at its target: nothing to send."
          : `\nDry run: ${resolved.pending.length} step(s) would be sent.`,
      );
      if (!setup.routerIsOperator) say("Setup: the router is not your operator yet (--approve sends setOperator).");
      if (setup.allowance < maxDeposits)
        say(
          `Setup: allowance ${tokens(setup.allowance)} < max deposits ${tokens(maxDeposits)} tokens (--approve sends approve).`,
        );
    }
    return EXIT_CODES.ok;
  }
  if (values.approve) {
    if (!resolved.routerIsOperator) {
      const w = await writeSetOperator(client, { operator: resolved.router, allowed: true });
      say(`setOperator(router ${resolved.router}, true): ${w.hash} (gas ${w.receipt.gasUsed})`);
    }
    if (resolved.allowance < maxDeposits) {
      const w = await writeApprove(client, { amount: maxDeposits, spender: "hedgeRouter" });
      say(`approve(router, ${tokens(maxDeposits)} tokens): ${w.hash} (gas ${w.receipt.gasUsed})`);
    }
    if (hasStops && resolved.triggerOrdersIsOperator !== true) {
      const operator = client.deployment.triggerOrders as Address;
      const w = await writeSetOperator(client, { operator, allowed: true });
      say(`setOperator(triggerOrders ${operator}, true): ${w.hash} (gas ${w.receipt.gasUsed})`);
    }
    if (hasStops && (resolved.triggerOrdersAllowance ?? 0n) < stopFees) {
      const w = await writeApprove(client, { amount: stopFees, spender: "triggerOrders" });
      say(`approve(triggerOrders, ${tokens(stopFees)} tokens): ${w.hash} (gas ${w.receipt.gasUsed})`);
    }
  }
  try {
    const result = await executeHedge(client, { owner, steps });
    const stopLines = result.stops.map(
      (s) =>
        `Stop-loss of account ${s.accountIndex} (market ${s.marketId}): ${s.action} #${s.orderId}${s.hash ? ` (${s.hash})` : ""}`,
    );
    if (result.status === "noop") {
      if (settings.json) io.stdout(`${toJson({ status: "noop", steps: [], stops: result.stops, setup, plan })}\n`);
      else {
        say("Every hedge is at its target: nothing sent.");
        for (const line of stopLines) say(line);
      }
      return EXIT_CODES.ok;
    }
    if (settings.json) {
      io.stdout(
        `${toJson({ status: "sent", hash: result.hash, gasUsed: result.receipt.gasUsed, steps: result.steps, stops: result.stops, setup, plan })}\n`,
      );
    } else {
      say(`\nSent ${result.hash} (gas ${result.receipt.gasUsed}, block ${result.receipt.blockNumber}):`);
      say(
        formatTable([
          ["account", "market", "size delta", "deposited (tokens)", "size after", "collateral after USD"],
          ...result.steps.map((s) => [
            String(s.accountIndex),
            String(s.marketId),
            fmtWad(s.sizeDelta, 4),
            tokens(s.deposited),
            fmtWad(s.sizeAfter, 4),
            fmtWad(s.collateralAfter),
          ]),
        ]),
      );
      for (const line of stopLines) say(line);
    }
    return EXIT_CODES.ok;
  } catch (error) {
    if (
      error instanceof Error &&
      "code" in error &&
      ["ROUTER_NOT_OPERATOR", "ORDERS_NOT_OPERATOR", "ALLOWANCE_TOO_LOW"].includes(String(error.code))
    ) {
      io.stderr(`parapet hedge: ${error.message} Or rerun with --approve.\n`);
      return EXIT_CODES.runtime;
    }
    throw error;
  }
}

export function run(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand("hedge", io, () => runHedge(argv, io));
}
