// `parapet lp`: request LP deposits and redemptions (the LP side of the latency defence: they settle at the pool mark
// at least the vault's delay later), settle and cancel requests, list the live ones. A thin shell over
// src/actions/lp.ts: parse → connect → the SDK action (its pre-checks and typed errors) → a line or `--json`.
import { type Address, erc20Abi, formatUnits } from "viem";
import { liquidityVaultAbi } from "../../abis/index.js";
import {
  getLpFlowParams,
  getLpRequest,
  getLpRequests,
  type LpFlowParams,
  type LpRequest,
  writeLpCancel,
  writeLpRequestDeposit,
  writeLpRequestRedeem,
  writeLpSettle,
} from "../../actions/lp.js";
import { writeApprove } from "../../actions/write.js";
import type { ParapetContext } from "../../client.js";
import { ParapetInputError } from "../../errors.js";
import { parseDecimal } from "../../units.js";
import { parseCommandArgs, splitSubcommand } from "../args.js";
import {
  addressOption,
  allowOnly,
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connect,
  connectionSettings,
  runCommand,
} from "../connect.js";
import { EXIT_CODES, usage } from "../errors.js";
import { type CliIo, envOf } from "../io.js";
import { formatTable, toJson } from "../output.js";

export const help = `Usage: parapet lp <deposit|redeem|settle|cancel|list> [options]

The LP vault is every trader's counterparty. With its defence on (every deployment's default), a deposit or a
redemption is a request: it settles at the pool's mark at least the vault's delay later (10 minutes by default), by
anyone (a keeper earns the request's keeper fee; you may settle your own), with an entry or exit fee that stays in the
pool. You may cancel only in the first half of the delay; an unsettled request expires after the timeout and anyone
may then cancel it, refunding it in full. Why: docs/risks.md ("LP flows at a known price").

  deposit   request a deposit: --amount USDC [--receiver ADDRESS] [--approve]
              the keeper fee is escrowed on top of the amount; --approve first approves the LP vault when needed
  redeem    request a redemption of your shares: --shares SHARES | --all [--receiver ADDRESS]
              the exit fee and the keeper fee come out of what the shares are worth at settlement
  settle    --request ID     settle a settleable request (anyone; earns its keeper fee)
  cancel    --request ID     your request while pending; anyone's once expired (the whole escrow back to its owner)
  list      live requests of an owner (default: the signer; --owner ADDRESS; --all: everyone's), and the vault's
            flow parameters

${CONNECTION_HELP}

Sending needs $PARAPET_PRIVATE_KEY (list does not: pass --owner or --all).

JSON: list → { blockNumber, owner, flowParams: { minDelaySeconds, settlementTimeoutSeconds, entryFeeBps, exitFeeBps,
  keeperFeeTokens, enabled }, requests: [{ requestId, kind, owner, receiver, amount, keeperFeeTokens, feeBps,
  cancelBefore, settleAfter, expiresAt, status }] }; the others → { status: "sent", action, requestId, hash, gasUsed,
  setup: [the approve hash sent with --approve] } (deposit and redeem add settleAfter, cancelBefore, expiresAt)

Exit codes: 0 ok; 1 runtime (a revert with its cause and fix, e.g. RequestNotSettleable, RequestNotCancellable,
PoolValueNotPositive; an allowance too low without --approve; RPC down; wrong chain); 2 usage (unknown subcommand or
option, a bad amount, address or id, no $PARAPET_PRIVATE_KEY).

Examples:
  parapet lp deposit --amount 10000 --approve
  parapet lp list --json
  parapet lp settle --request 3
  parapet lp redeem --all
`;

const SUBCOMMANDS = ["deposit", "redeem", "settle", "cancel", "list"] as const;

const LP_OPTIONS = {
  ...CONNECTION_OPTIONS,
  amount: { type: "string" },
  shares: { type: "string" },
  all: { type: "boolean" },
  receiver: { type: "string" },
  owner: { type: "string" },
  approve: { type: "boolean" },
  request: { type: "string" },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof LP_OPTIONS>>["values"];

function requestIdOption(text: string | undefined): bigint {
  if (text === undefined || !/^\d+$/.test(text) || BigInt(text) === 0n) {
    throw usage(
      `--request ${text ?? ""}`.trim(),
      text === undefined ? "--request is required." : `--request ${text} is not a request id.`,
      "Pass e.g. --request 3 (parapet lp list shows the ids).",
    );
  }
  return BigInt(text);
}

function decimalOption(option: string, text: string, decimals: number, what: string): bigint {
  try {
    return parseDecimal(text.replaceAll(",", ""), decimals, { argument: option, allowZero: false });
  } catch (error) {
    const fix = error instanceof ParapetInputError ? error.fix : `Pass ${what}.`;
    throw usage(`--${option} ${text}`, `--${option} ${text} is not ${what}.`, fix);
  }
}

const iso = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString();

function paramsText(p: LpFlowParams & { enabled: boolean }, decimals: number): string {
  const fees = `entry fee ${p.entryFeeBps} bps, exit fee ${p.exitFeeBps} bps, keeper fee ${formatUnits(p.keeperFeeTokens, decimals)}`;
  return p.enabled
    ? `LP flows: requests settle ${p.minDelaySeconds} s after they are made (cancel in the first ${p.minDelaySeconds / 2} s), expire after ${p.settlementTimeoutSeconds} s; ${fees}.`
    : `LP flows: the defence is off (immediate ERC-4626 flows; requests settle at once); ${fees}.`;
}

function listTable(client: ParapetContext, requests: readonly LpRequest[], shareDecimals: number): string {
  if (requests.length === 0) return "LP requests: none live.";
  const decimals = client.deployment.collateralDecimals;
  return [
    "LP requests:",
    formatTable([
      ["id", "kind", "owner", "amount", "keeper fee", "fee bps", "cancel until", "settles from", "expires", "status"],
      ...requests.map((r) => [
        String(r.requestId),
        r.kind,
        `${r.owner.slice(0, 10)}…`,
        r.kind === "deposit"
          ? `${formatUnits(r.amount, decimals)} USDC`
          : `${formatUnits(r.amount, shareDecimals)} shares`,
        formatUnits(r.keeperFeeTokens, decimals),
        String(r.feeBps),
        iso(r.cancelBefore),
        iso(r.settleAfter),
        iso(r.expiresAt),
        r.status,
      ]),
    ]),
  ].join("\n");
}

async function shareDecimalsOf(client: ParapetContext): Promise<number> {
  return client.publicClient.readContract({
    address: client.deployment.liquidityVault,
    abi: liquidityVaultAbi,
    functionName: "decimals",
  });
}

async function runList(values: Values, io: CliIo): Promise<number> {
  allowOnly("lp", "list", values, ["owner", "all"]);
  const settings = connectionSettings(values, envOf(io));
  const ownerOption = values.owner === undefined ? undefined : addressOption("owner", values.owner);
  if (values.all && ownerOption) throw usage("--all", "--all lists every owner's requests: drop --owner.", "Pick one.");
  const { client, signer } = await connect(settings, envOf(io), "optional", "lp list");
  const owner = values.all ? undefined : (ownerOption ?? signer);
  if (!owner && !values.all) {
    throw usage("--owner", "Whose requests? No --owner and no $PARAPET_PRIVATE_KEY.", "Pass --owner ADDRESS or --all.");
  }
  const blockNumber = await client.publicClient.getBlockNumber({ cacheTime: 0 });
  const [flowParams, requests, shareDecimals] = await Promise.all([
    getLpFlowParams(client, { blockNumber }),
    getLpRequests(client, { owner, blockNumber }),
    shareDecimalsOf(client),
  ]);
  if (settings.json) {
    io.stdout(`${toJson({ blockNumber, owner: owner ?? null, flowParams, requests })}\n`);
  } else {
    const decimals = client.deployment.collateralDecimals;
    io.stdout(`${paramsText(flowParams, decimals)}\n${listTable(client, requests, shareDecimals)}\n`);
  }
  return EXIT_CODES.ok;
}

async function runDeposit(values: Values, io: CliIo): Promise<number> {
  allowOnly("lp", "deposit", values, ["amount", "receiver", "approve"]);
  const settings = connectionSettings(values, envOf(io));
  if (values.amount === undefined) throw usage("--amount", "--amount is required.", "Pass e.g. --amount 10000.");
  const receiverOption = values.receiver === undefined ? undefined : addressOption("receiver", values.receiver);
  const { client, signer } = await connect(settings, envOf(io), "required", "lp deposit");
  const me = signer as Address;
  const decimals = client.deployment.collateralDecimals;
  const amount = decimalOption("amount", values.amount, decimals, "a token amount such as 10000");
  const say = (text: string) => {
    if (!settings.json) io.stdout(`${text}\n`);
  };
  const setup: string[] = [];
  if (values.approve) {
    const { keeperFeeTokens } = await getLpFlowParams(client);
    const allowance = await client.publicClient.readContract({
      address: client.deployment.collateralToken,
      abi: erc20Abi,
      functionName: "allowance",
      args: [me, client.deployment.liquidityVault],
    });
    if (allowance < amount + keeperFeeTokens) {
      const w = await writeApprove(client, { amount: amount + keeperFeeTokens, spender: "liquidityVault" });
      say(`approve(liquidityVault, ${amount + keeperFeeTokens}): ${w.hash} (gas ${w.receipt.gasUsed})`);
      setup.push(w.hash);
    }
  }
  const written = await writeLpRequestDeposit(client, { amount, receiver: receiverOption ?? me }).catch((error) => {
    if (error instanceof Error && "code" in error && error.code === "ALLOWANCE_TOO_LOW") {
      throw new Error(`${error.message} Or rerun with --approve.`);
    }
    throw error;
  });
  return report(io, settings.json, "deposit", written, setup, (r) =>
    say(
      `Requested deposit #${written.requestId} of ${formatUnits(amount, decimals)} (keeper fee ${formatUnits(r.keeperFeeTokens, decimals)} escrowed on top): it settles from ${iso(r.settleAfter)} at the pool's mark then (a keeper, or parapet lp settle --request ${written.requestId}); you may cancel until ${iso(r.cancelBefore)}; it expires at ${iso(r.expiresAt)}. Tx ${written.hash} (gas ${written.receipt.gasUsed}).`,
    ),
  );
}

async function runRedeem(values: Values, io: CliIo): Promise<number> {
  allowOnly("lp", "redeem", values, ["shares", "all", "receiver"]);
  const settings = connectionSettings(values, envOf(io));
  if ((values.shares === undefined) === (values.all !== true)) {
    throw usage("--shares", "Pass exactly one of --shares SHARES and --all.", "E.g. parapet lp redeem --all.");
  }
  const receiverOption = values.receiver === undefined ? undefined : addressOption("receiver", values.receiver);
  const { client, signer } = await connect(settings, envOf(io), "required", "lp redeem");
  const me = signer as Address;
  const shareDecimals = await shareDecimalsOf(client);
  let shares: bigint;
  if (values.all) {
    shares = await client.publicClient.readContract({
      address: client.deployment.liquidityVault,
      abi: liquidityVaultAbi,
      functionName: "balanceOf",
      args: [me],
    });
    if (shares === 0n) throw usage("--all", `${me} holds no LP shares.`, "Deposit first (parapet lp deposit).");
  } else {
    shares = decimalOption("shares", values.shares as string, shareDecimals, "a number of shares such as 1000.5");
  }
  const written = await writeLpRequestRedeem(client, { shares, receiver: receiverOption ?? me, owner: me });
  const say = (text: string) => {
    if (!settings.json) io.stdout(`${text}\n`);
  };
  return report(io, settings.json, "redeem", written, [], (r) =>
    say(
      `Requested redemption #${written.requestId} of ${formatUnits(shares, shareDecimals)} shares: it settles from ${iso(r.settleAfter)} at the pool's mark then, minus the exit fee (${r.feeBps} bps) and the keeper fee (${formatUnits(r.keeperFeeTokens, client.deployment.collateralDecimals)}); you may cancel until ${iso(r.cancelBefore)}; it expires at ${iso(r.expiresAt)}. Tx ${written.hash} (gas ${written.receipt.gasUsed}).`,
    ),
  );
}

/** A new request's line or JSON, with the timestamps the vault gave it (from its RequestCreated event). */
function report(
  io: CliIo,
  json: boolean,
  action: "deposit" | "redeem",
  written: Awaited<ReturnType<typeof writeLpRequestDeposit>>,
  setup: string[],
  line: (r: {
    settleAfter: bigint;
    cancelBefore: bigint;
    expiresAt: bigint;
    keeperFeeTokens: bigint;
    feeBps: number;
  }) => void,
): number {
  const created = written.events.find((e) => e.eventName === "RequestCreated");
  if (created?.eventName !== "RequestCreated") throw new Error(`the receipt of ${written.hash} has no RequestCreated`);
  const r = created.args.request;
  const times = {
    settleAfter: BigInt(r.settleAfter),
    cancelBefore: BigInt(r.cancelBefore),
    expiresAt: BigInt(r.expiresAt),
  };
  if (json) {
    io.stdout(
      `${toJson({ status: "sent", action, requestId: written.requestId, hash: written.hash, gasUsed: written.receipt.gasUsed, ...times, setup })}\n`,
    );
  } else {
    line({ ...times, keeperFeeTokens: r.keeperFeeTokens, feeBps: Number(r.feeBps) });
  }
  return EXIT_CODES.ok;
}

async function runById(sub: "settle" | "cancel", values: Values, io: CliIo): Promise<number> {
  allowOnly("lp", sub, values, ["request"]);
  const settings = connectionSettings(values, envOf(io));
  const requestId = requestIdOption(values.request);
  const { client } = await connect(settings, envOf(io), "required", `lp ${sub}`);
  // Its kind, to print a cancel's refund in tokens or shares (the event does not say which).
  const request = sub === "cancel" ? await getLpRequest(client, { requestId }) : undefined;
  const write =
    sub === "settle" ? await writeLpSettle(client, { requestId }) : await writeLpCancel(client, { requestId });
  if (settings.json) {
    io.stdout(
      `${toJson({ status: "sent", action: sub, requestId, hash: write.hash, gasUsed: write.receipt.gasUsed })}\n`,
    );
    return EXIT_CODES.ok;
  }
  const decimals = client.deployment.collateralDecimals;
  const fmt = (tokens: bigint) => formatUnits(tokens, decimals);
  const shareDecimals = await shareDecimalsOf(client);
  const shares = (amount: bigint) => formatUnits(amount, shareDecimals);
  let what = sub === "settle" ? `Settled LP request #${requestId}` : `Cancelled LP request #${requestId}`;
  for (const e of write.events) {
    if (e.eventName === "DepositSettled") {
      what += `: ${fmt(e.args.assets)} deposited (entry fee ${fmt(e.args.feeTokens)}) for ${shares(e.args.shares)} shares; keeper fee ${fmt(e.args.keeperFeeTokens)} to the settler`;
    } else if (e.eventName === "RedeemSettled") {
      what += `: ${shares(e.args.shares)} shares for ${fmt(e.args.assets)} (exit fee ${fmt(e.args.feeTokens)}); keeper fee ${fmt(e.args.keeperFeeTokens)} to the settler`;
    } else if (e.eventName === "RequestCancelled") {
      const refunded = request?.kind === "redeem" ? `${shares(e.args.refunded)} shares` : fmt(e.args.refunded);
      what += `: ${refunded} refunded to the owner${e.args.expired ? " (expired)" : ""}`;
    }
  }
  io.stdout(`${what}. Tx ${write.hash} (gas ${write.receipt.gasUsed}).\n`);
  return EXIT_CODES.ok;
}

async function runLp(argv: readonly string[], io: CliIo): Promise<number> {
  const split = splitSubcommand("lp", "an lp subcommand", argv, SUBCOMMANDS, help, io);
  if (typeof split === "number") return split;
  const { sub, rest } = split;
  const { values } = parseCommandArgs(`lp ${sub}`, rest, LP_OPTIONS);
  if (values.help) {
    io.stdout(help);
    return EXIT_CODES.ok;
  }
  switch (sub) {
    case "list":
      return runList(values, io);
    case "deposit":
      return runDeposit(values, io);
    case "redeem":
      return runRedeem(values, io);
    default:
      return runById(sub as "settle" | "cancel", values, io);
  }
}

export function run(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand("lp", io, () => runLp(argv, io));
}
