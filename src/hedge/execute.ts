// The hedge executor: turns a HedgePlan into router steps (targets, in WAD / token units) and applies every step in
// ONE transaction through the HedgeRouter (contracts/periphery/HedgeRouter.sol). Steps are targets, not deltas: the
// router trades `target − size` and deposits only the shortfall under a collateral floor, so a second run, or a second
// keeper racing with the same plan, does nothing. The SDK additionally reads the accounts first (one multicall) and
// sends nothing when every step is already at target.
import { type Address, encodeFunctionData, type Hex, type Log, parseEventLogs, type TransactionReceipt } from "viem";
import { hedgeRouterAbi, perpVaultAbi, testTokenAbi } from "../abis/index.js";
import { deploylessMulticall, unwrapCallResult } from "../actions/read.js";
import {
  type BuiltTransaction,
  sendParapetTransaction,
  type WriteOptions,
  type WriteReturnType,
} from "../actions/write.js";
import type { ParapetContext } from "../client.js";
import { getDeploymentMarket } from "../deployment.js";
import { ParapetDeploymentError, ParapetHedgeSetupError, ParapetInputError, ParapetNoWalletError } from "../errors.js";
import { assertBigintAmount } from "../units.js";
import type { HedgePlan } from "./types.js";

const BPS = 10_000n;
const UINT96_LIMIT = 2n ** 96n;

// ---- steps -----------------------------------------------------------------------------------------------------

/**
 * One hedge target as the executor takes it. The trade's direction (buy or sell) is only known once the current size
 * is read, so a step carries a price bound for each side; `executeHedge` / `resolveHedgeSteps` pick the one that
 * applies.
 */
export type HedgeStep = {
  accountIndex: bigint;
  marketId: bigint;
  /** Position size wanted (units, WAD, signed: long > 0; 0 closes). */
  targetSizeWad: bigint;
  /** Collateral floor (USD WAD): the router tops the account up to at least this, before and after the trade. */
  minCollateralUsd: bigint;
  /** Cap (token units) on what this step may pull from the sender, both top-ups together. */
  maxDeposit: bigint;
  /** Worst fill price (USD WAD) when reaching the target is a buy (rounded up). */
  maxBuyPriceWad: bigint;
  /** Worst fill price (USD WAD) when reaching the target is a sell (rounded down). */
  minSellPriceWad: bigint;
};

/** A step exactly as `HedgeRouter.rebalance` takes it (the ABI's `Step` struct). */
export type RouterStep = {
  accountIndex: bigint;
  marketId: bigint;
  targetSize: bigint;
  acceptablePrice: bigint;
  minCollateralUsd: bigint;
  maxDeposit: bigint;
};

export type HedgeStepsFromPlanOptions = {
  /** Price tolerance around each target's `priceUsd`, in basis points (integer, 0..10000), e.g. 50 = 0.5 %. */
  slippageBps: bigint | number;
  /** The collateral token's decimals (the deployment's `collateralDecimals`). */
  tokenDecimals: number;
  /**
   * Cap on what one step may pull (token units). Default: the floor in tokens plus |target|·price·(slippage + 1 %),
   * i.e. the collateral plus what a fill at the price bound and the fees can take on top.
   */
  maxDepositPerStep?: bigint | undefined;
};

/** Number → decimal string without exponent, from the shortest round-trip representation (`String(x)`). */
function plainDecimal(value: number, argument: string): string {
  if (!Number.isFinite(value)) {
    throw new ParapetInputError(argument, `${String(value)} is not a finite number.`, "Fix the hedge plan's inputs.");
  }
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (!match) throw new ParapetInputError(argument, `cannot read ${String(value)}.`, "Fix the hedge plan's inputs.");
  const [, sign = "", whole = "0", fraction = "", exponent = "0"] = match;
  const digits = `${whole}${fraction}`;
  const point = whole.length + Number(exponent); // position of the decimal point in `digits`
  let text: string;
  if (point <= 0) text = `0.${"0".repeat(-point)}${digits}`;
  else if (point >= digits.length) text = `${digits}${"0".repeat(point - digits.length)}`;
  else text = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${sign}${text}`;
}

/**
 * Converts a planner `number` to a bigint with `decimals` decimals WITHOUT float arithmetic: the number's shortest
 * round-trip decimal (what `String(x)` prints: 0.1 → "0.1", not 0.1000000000000000055…) is parsed exactly, then cut
 * to `decimals` with the given rounding ("down" = toward −∞, "up" = toward +∞, "zero" = toward 0).
 */
export function numberToFixedPoint(
  value: number,
  decimals: number,
  rounding: "down" | "up" | "zero",
  argument = "value",
): bigint {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36) {
    throw new ParapetInputError("decimals", `expected an integer in [0, 36], got ${decimals}.`, "Pass e.g. 18.");
  }
  const text = plainDecimal(value, argument);
  const negative = text.startsWith("-");
  const [whole = "0", fraction = ""] = text.replace(/^-/, "").split(".");
  const kept =
    BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.slice(0, decimals).padEnd(decimals, "0") || "0");
  const cut = /[1-9]/.test(fraction.slice(decimals)); // anything below the last kept decimal?
  let magnitude = kept;
  if (cut && ((rounding === "up" && !negative) || (rounding === "down" && negative))) magnitude += 1n;
  return negative ? -magnitude : magnitude;
}

function bps(value: bigint | number, argument: string): bigint {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new ParapetInputError(argument, `${value} is not an integer number of basis points.`, "Pass e.g. 50.");
  }
  const b = BigInt(value);
  if (b < 0n || b > BPS) throw new ParapetInputError(argument, `${b} is outside [0, 10000].`, "Pass e.g. 50.");
  return b;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/**
 * Router steps from a hedge plan: one per target, sizes from `sizeUnits` (WAD, rounded toward zero), the collateral
 * floor from `collateralUsd` (USD WAD, rounded up: the floor is a minimum), price bounds `priceUsd · (1 ± slippage)`
 * (buy bound rounded up, sell bound rounded down). Numbers are converted through their decimal text, never by
 * multiplying a float. Throws ParapetInputError when a target has no `marketId` (an asset without an on-chain market).
 */
export function hedgeStepsFromPlan(plan: HedgePlan, options: HedgeStepsFromPlanOptions): HedgeStep[] {
  const slippage = bps(options.slippageBps, "slippageBps");
  const { tokenDecimals } = options;
  if (!Number.isInteger(tokenDecimals) || tokenDecimals < 0 || tokenDecimals > 18) {
    throw new ParapetInputError("tokenDecimals", `${tokenDecimals} is not in [0, 18].`, "Pass collateralDecimals.");
  }
  if (options.maxDepositPerStep !== undefined)
    assertBigintAmount(options.maxDepositPerStep, { argument: "maxDepositPerStep" });
  const tokenToWad = 10n ** BigInt(18 - tokenDecimals);
  return plan.targets.map((target, i): HedgeStep => {
    const where = `plan.targets[${i}]`;
    if (target.marketId === undefined) {
      throw new ParapetInputError(
        `${where}.marketId`,
        `the ${target.marketAsset} hedge has no on-chain market id.`,
        "Plan with markets from the deployment (hedgeMarketFromSnapshot sets marketId) or drop that target.",
      );
    }
    const targetSizeWad = numberToFixedPoint(target.sizeUnits, 18, "zero", `${where}.sizeUnits`);
    const minCollateralUsd = numberToFixedPoint(target.collateralUsd, 18, "up", `${where}.collateralUsd`);
    if (minCollateralUsd < 0n) {
      throw new ParapetInputError(`${where}.collateralUsd`, "is negative.", "A collateral floor is ≥ 0.");
    }
    const priceWad = numberToFixedPoint(target.priceUsd, 18, "zero", `${where}.priceUsd`);
    if (priceWad <= 0n) throw new ParapetInputError(`${where}.priceUsd`, "is not positive.", "Fix the plan's price.");
    const maxBuyPriceWad = ceilDiv(priceWad * (BPS + slippage), BPS);
    const minSellPriceWad = (priceWad * (BPS - slippage)) / BPS;
    const absSize = targetSizeWad < 0n ? -targetSizeWad : targetSizeWad;
    const allowanceWad = ceilDiv(absSize * maxBuyPriceWad, 10n ** 18n) * (slippage + 100n);
    const defaultCap = ceilDiv(minCollateralUsd, tokenToWad) + ceilDiv(allowanceWad, BPS * tokenToWad);
    return {
      accountIndex: target.accountIndex,
      marketId: target.marketId,
      targetSizeWad,
      minCollateralUsd,
      maxDeposit: options.maxDepositPerStep ?? defaultCap,
      maxBuyPriceWad,
      minSellPriceWad,
    };
  });
}

/** The router step for `step` given the current size: the buy bound for a buy, the sell bound otherwise. */
export function toRouterStep(step: HedgeStep, currentSizeWad: bigint): RouterStep {
  return {
    accountIndex: step.accountIndex,
    marketId: step.marketId,
    targetSize: step.targetSizeWad,
    acceptablePrice: step.targetSizeWad > currentSizeWad ? step.maxBuyPriceWad : step.minSellPriceWad,
    minCollateralUsd: step.minCollateralUsd,
    maxDeposit: step.maxDeposit,
  };
}

// ---- build -----------------------------------------------------------------------------------------------------

function routerAddress(client: ParapetContext): Address {
  const router = client.deployment.hedgeRouter;
  if (!router) {
    throw new ParapetDeploymentError({
      code: "MISSING_ADDRESS",
      summary: "The deployment has no hedgeRouter.",
      fix: 'Deploy contracts/periphery/HedgeRouter.sol (ParapetLocal does) and add "hedgeRouter": "0x…" to the deployment.',
    });
  }
  return router;
}

function checkStep(client: ParapetContext, step: RouterStep, i: number): void {
  const arg = (field: string) => `steps[${i}].${field}`;
  assertBigintAmount(step.accountIndex, { argument: arg("accountIndex") });
  if (step.accountIndex >= UINT96_LIMIT) {
    throw new ParapetInputError(arg("accountIndex"), `${step.accountIndex} does not fit uint96.`, "Use < 2^96.");
  }
  getDeploymentMarket(client.deployment, step.marketId);
  assertBigintAmount(step.targetSize, { argument: arg("targetSize"), allowNegative: true });
  assertBigintAmount(step.acceptablePrice, { argument: arg("acceptablePrice") });
  assertBigintAmount(step.minCollateralUsd, { argument: arg("minCollateralUsd") });
  assertBigintAmount(step.maxDeposit, { argument: arg("maxDeposit") });
}

export type BuildHedgeRebalanceParameters = {
  /** Owner of every account the steps name. */
  owner: Address;
  /** Router steps (see `toRouterStep` / `resolveHedgeSteps`), executed in order. */
  steps: readonly RouterStep[];
  /** Last timestamp (s) the rebalance may execute at; default: latest block timestamp + `deadlineSeconds` (600). */
  deadline?: bigint | undefined;
  deadlineSeconds?: bigint | undefined;
};

/** `HedgeRouter.rebalance(owner, steps, deadline)` as an unsigned transaction. Reads only the latest block (deadline). */
export async function buildHedgeRebalance(
  client: ParapetContext,
  parameters: BuildHedgeRebalanceParameters,
): Promise<BuiltTransaction> {
  const router = routerAddress(client);
  if (parameters.steps.length === 0) {
    throw new ParapetInputError(
      "steps",
      "is empty.",
      "Pass at least one step (executeHedge sends nothing when at target).",
    );
  }
  parameters.steps.forEach((s, i) => {
    checkStep(client, s, i);
  });
  let deadline = parameters.deadline;
  if (deadline === undefined) {
    const block = await client.publicClient.getBlock({ blockTag: "latest" });
    deadline = block.timestamp + (parameters.deadlineSeconds ?? 600n);
  }
  const steps = parameters.steps.map((s) => ({
    accountIndex: s.accountIndex,
    marketId: s.marketId,
    targetSize: s.targetSize,
    acceptablePrice: s.acceptablePrice,
    minCollateralUsd: s.minCollateralUsd,
    maxDeposit: s.maxDeposit,
  }));
  return {
    to: router,
    data: encodeFunctionData({
      abi: hedgeRouterAbi,
      functionName: "rebalance",
      args: [parameters.owner, steps, deadline],
    }),
    value: 0n,
    functionName: "rebalance",
  };
}

// ---- resolve (one multicall) -----------------------------------------------------------------------------------

export type HedgeStepState = {
  step: HedgeStep;
  currentSizeWad: bigint;
  collateralUsd: bigint;
  /** Size and collateral floor both met: the router would do nothing for this step. */
  atTarget: boolean;
};

export type ResolveHedgeStepsParameters = {
  owner: Address;
  steps: readonly HedgeStep[];
  /** Who will send (default: the wallet client's account): its operator status and allowance are read. */
  sender?: Address | undefined;
  blockNumber?: bigint | undefined;
};

export type ResolveHedgeStepsReturnType = {
  router: Address;
  sender: Address;
  /** Per input step, in order, at one block. */
  states: HedgeStepState[];
  /** The steps to send (router form): every step off target, and every step sharing an account with one. */
  pending: RouterStep[];
  routerIsOperator: boolean;
  senderIsOperator: boolean;
  allowance: bigint;
};

/**
 * Reads, in ONE multicall at one block, the size and collateral of every step's account, whether the router and the
 * sender are operators of `owner`, and the sender's allowance to the router; then keeps the steps that still have
 * work (a step sharing an account with a pending step is kept too: the other step's fee moves that account's
 * collateral) and picks each step's price bound from the direction of its trade.
 */
export async function resolveHedgeSteps(
  client: ParapetContext,
  parameters: ResolveHedgeStepsParameters,
): Promise<ResolveHedgeStepsReturnType> {
  const router = routerAddress(client);
  const sender = parameters.sender ?? client.walletClient?.account?.address;
  if (!sender) throw new ParapetNoWalletError();
  const { owner, steps } = parameters;
  const vault = client.deployment.perpVault;
  steps.forEach((s, i) => {
    checkStep(client, toRouterStep(s, 0n), i);
    assertBigintAmount(s.maxBuyPriceWad, { argument: `steps[${i}].maxBuyPriceWad` });
  });
  const contracts = [
    { address: vault, abi: perpVaultAbi, functionName: "isOperator", args: [owner, router] },
    { address: vault, abi: perpVaultAbi, functionName: "isOperator", args: [owner, sender] },
    {
      address: client.deployment.collateralToken,
      abi: testTokenAbi,
      functionName: "allowance",
      args: [sender, router],
    },
    ...steps.flatMap((s) => [
      { address: vault, abi: perpVaultAbi, functionName: "position", args: [owner, s.accountIndex, s.marketId] },
      { address: vault, abi: perpVaultAbi, functionName: "collateralOf", args: [owner, s.accountIndex] },
    ]),
  ];
  const results = (await deploylessMulticall(client, contracts, { blockNumber: parameters.blockNumber })).map((r, i) =>
    unwrapCallResult<unknown>(r, (contracts[i] as { functionName: string }).functionName),
  );
  const [routerIsOperator, senderIsOperator, allowance] = results as [boolean, boolean, bigint];
  const states = steps.map((step, i): HedgeStepState => {
    const position = results[3 + 2 * i] as { size: bigint };
    const collateralUsd = results[4 + 2 * i] as bigint;
    const atTarget = position.size === step.targetSizeWad && collateralUsd >= step.minCollateralUsd;
    return { step, currentSizeWad: position.size, collateralUsd, atTarget };
  });
  const busy = new Set(states.filter((s) => !s.atTarget).map((s) => s.step.accountIndex));
  const pending = states
    .filter((s) => busy.has(s.step.accountIndex))
    .map((s) => toRouterStep(s.step, s.currentSizeWad));
  return {
    router,
    sender,
    states,
    pending,
    routerIsOperator,
    senderIsOperator,
    allowance,
  };
}

// ---- execute ---------------------------------------------------------------------------------------------------

/** What one step did, from the router's `StepExecuted` event. */
export type HedgeStepResult = {
  accountIndex: bigint;
  marketId: bigint;
  /** Trade sent (units, WAD); 0 when the size was at target. */
  sizeDelta: bigint;
  /** Tokens (token units) pulled from the sender and deposited. */
  deposited: bigint;
  sizeAfter: bigint;
  collateralAfter: bigint;
};

export type ExecuteHedgeParameters = WriteOptions & {
  owner: Address;
  steps: readonly HedgeStep[];
  deadline?: bigint | undefined;
  deadlineSeconds?: bigint | undefined;
};

export type ExecuteHedgeReturnType =
  | { status: "noop"; states: HedgeStepState[] }
  | {
      status: "sent";
      hash: Hex;
      receipt: TransactionReceipt;
      /** Steps sent (router form) and what each did. */
      sent: RouterStep[];
      steps: HedgeStepResult[];
      states: HedgeStepState[];
      write: WriteReturnType;
    };

/**
 * Applies `steps` for `owner` in one transaction through the HedgeRouter: reads the accounts (one multicall), returns
 * `{ status: "noop" }` without sending when all are at target, checks the setup (router operator, sender authorised,
 * allowance for the max deposits: typed ParapetHedgeSetupError naming the fix), then simulates, checks the fee cap
 * and sends via `sendParapetTransaction`. A revert (at simulation, estimation or on-chain) is thrown as the decoded
 * ParapetContractError; nothing is sent when the simulation fails.
 */
export async function executeHedge(
  client: ParapetContext,
  parameters: ExecuteHedgeParameters,
): Promise<ExecuteHedgeReturnType> {
  const { owner } = parameters;
  const resolved = await resolveHedgeSteps(client, { owner, steps: parameters.steps });
  if (resolved.pending.length === 0) return { status: "noop", states: resolved.states };
  if (!resolved.routerIsOperator) {
    throw new ParapetHedgeSetupError(
      "ROUTER_NOT_OPERATOR",
      `The hedge router ${resolved.router} is not an operator of ${owner}.`,
      `As the owner, call setOperator(router, true) on the vault once (writeSetOperator({ operator: "${resolved.router}", allowed: true })).`,
    );
  }
  if (resolved.sender.toLowerCase() !== owner.toLowerCase() && !resolved.senderIsOperator) {
    throw new ParapetHedgeSetupError(
      "SENDER_NOT_AUTHORIZED",
      `The sender ${resolved.sender} is neither ${owner} nor one of its operators.`,
      `Send from the owner, or have the owner call setOperator(${resolved.sender}, true) on the vault.`,
    );
  }
  const maxDeposits = resolved.pending.reduce((sum, s) => sum + s.maxDeposit, 0n);
  if (resolved.allowance < maxDeposits) {
    throw new ParapetHedgeSetupError(
      "ALLOWANCE_TOO_LOW",
      `The sender's allowance to the hedge router is ${resolved.allowance} token units, below the steps' max deposits (${maxDeposits}).`,
      `Approve the router for at least ${maxDeposits} token units: writeApprove / token.approve(${resolved.router}, amount).`,
    );
  }
  const tx = await buildHedgeRebalance(client, {
    owner,
    steps: resolved.pending,
    deadline: parameters.deadline,
    deadlineSeconds: parameters.deadlineSeconds,
  });
  const write = await sendParapetTransaction(client, tx, parameters);
  const steps = parseEventLogs({
    abi: hedgeRouterAbi,
    eventName: "StepExecuted",
    logs: write.receipt.logs as Log[],
  }).map(
    (e): HedgeStepResult => ({
      accountIndex: e.args.accountIndex,
      marketId: e.args.marketId,
      sizeDelta: e.args.sizeDelta,
      deposited: e.args.deposited,
      sizeAfter: e.args.sizeAfter,
      collateralAfter: e.args.collateralAfter,
    }),
  );
  return {
    status: "sent",
    hash: write.hash,
    receipt: write.receipt,
    sent: resolved.pending,
    steps,
    states: resolved.states,
    write,
  };
}
