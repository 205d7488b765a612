// The rebalance policy options of rebalance and keeper (--trigger, --band, --every-hours, --margin-call-ratio,
// --gas-cap-gwei, --slippage-bps) as the rebalancer's policy.
import type { RebalancePolicy, RebalanceTrigger } from "../hedge/types.js";
import { DEFAULT_SLIPPAGE_BPS, numberOption, slippageBpsOption } from "./args.js";
import { usage } from "./errors.js";

export const REBALANCE_OPTIONS = {
  trigger: { type: "string" },
  band: { type: "string" },
  "every-hours": { type: "string" },
  "margin-call-ratio": { type: "string" },
  "gas-cap-gwei": { type: "string" },
  "slippage-bps": { type: "string" },
} as const;

export const REBALANCE_POLICY_HELP = `Rebalance policy:
  --trigger NAME               band (default), static (margin calls only) or periodic
  --band FRACTION              band trigger: act when off target by more than this fraction (default 0.1)
  --every-hours H              periodic trigger: act after H hours (default 24; counted from the keeper's last
                               rebalance, so a one-shot \`rebalance\` never fires it)
  --margin-call-ratio X        act when equity / maintenance margin < X (default 2)
  --gas-cap-gwei N             never send above N gwei, except for margin calls
  --slippage-bps N             price tolerance per step in basis points (default 50)`;

type RebalanceValues = {
  trigger?: string | undefined;
  band?: string | undefined;
  "every-hours"?: string | undefined;
  "margin-call-ratio"?: string | undefined;
  "gas-cap-gwei"?: string | undefined;
  "slippage-bps"?: string | undefined;
};

export function parseRebalancePolicy(values: RebalanceValues): {
  rebalancePolicy: Partial<RebalancePolicy> & { trigger: RebalanceTrigger };
  slippageBps: number;
} {
  const kind = values.trigger ?? "band";
  let trigger: RebalanceTrigger;
  if (kind === "band")
    trigger = { kind, band: numberOption("band", values.band, 0.1, (x) => x > 0 && x < 10, "a fraction > 0") };
  else if (kind === "static") trigger = { kind };
  else if (kind === "periodic") {
    const hours = numberOption("every-hours", values["every-hours"], 24, (x) => x > 0, "a number of hours > 0");
    trigger = { kind, intervalMs: hours * 3_600_000 };
  } else throw usage(`--trigger ${kind}`, `--trigger ${kind} is not a trigger.`, "Use band, static or periodic.");
  const rebalancePolicy: Partial<RebalancePolicy> & { trigger: RebalanceTrigger } = { trigger };
  if (values["margin-call-ratio"] !== undefined) {
    rebalancePolicy.marginCallRatio = numberOption(
      "margin-call-ratio",
      values["margin-call-ratio"],
      2,
      (x) => x > 1,
      "a ratio > 1",
    );
  }
  if (values["gas-cap-gwei"] !== undefined) {
    rebalancePolicy.gasCapGwei = numberOption(
      "gas-cap-gwei",
      values["gas-cap-gwei"],
      50,
      (x) => x > 0,
      "a gas price in gwei > 0",
    );
  }
  const slippageBps = slippageBpsOption(values["slippage-bps"]) ?? DEFAULT_SLIPPAGE_BPS;
  return { rebalancePolicy, slippageBps };
}
