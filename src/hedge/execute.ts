// The hedge executor: turns a HedgePlan into router steps (targets, in WAD / token units) and applies every step in
// ONE transaction through the HedgeRouter (contracts/periphery/HedgeRouter.sol). Steps are targets, not deltas: the
// router trades `target − size` and deposits only the shortfall under a collateral floor, so a second run, or a second
// keeper racing with the same plan, does nothing. The SDK additionally reads the accounts first (one multicall) and
// sends nothing when every step is already at target.
//
// Two additions of issue #7 (docs/orders.md):
// - Stop-losses: a step may carry a reduce-only stop (from the plan's `stopLoss` policy). After the rebalance the
//   executor makes sure each leg has exactly one matching stop in TriggerOrders: it places a missing one, updates one
//   whose size or trigger changed (or that expires soon), keeps one that matches, and cancels the stop of a leg that
//   was closed (its fee returns to the account). The setup for it (TriggerOrders an operator, the allowance for the
//   new stops' keeper fees) is checked before anything is sent.
// - The latency defence: in a market where it is on, the vault refuses an immediate trade that opens or increases,
//   and the HedgeRouter trades immediately. The executor reads each market's latencyParams in its one multicall and,
//   when a pending step would increase in a defended market, throws ParapetLatencyDefenceError (nothing sent) listing
//   those legs: open them with writeCommitOrder (settled at the next oracle round), then run the executor again for
//   the collateral and the stops. Reductions in a defended market go through (they pay the immediate fee).
import { type Address, erc20Abi, type Hex, type Log, maxUint256, parseEventLogs, type TransactionReceipt } from "viem";
import { hedgeRouterAbi, perpVaultAbi } from "../abis/index.js";
import { built } from "../actions/encode.js";
import {
  getTriggerOrders,
  type LatencyParams,
  latencyParamsCall,
  ORDER_TICK_WAD,
  orderContractAddress,
  type TriggerOrder,
  toLatencyParams,
  triggerSizeOnTick,
  writeCancelTrigger,
  writePlaceTrigger,
  writeUpdateTrigger,
} from "../actions/orders.js";
import { deploylessMulticall, unwrapCallResult } from "../actions/read.js";
import type { HedgeRouterStepStruct } from "../actions/structs.js";
import {
  type BuiltTransaction,
  sendParapetTransaction,
  type WriteOptions,
  type WriteReturnType,
} from "../actions/write.js";
import type { ParapetContext } from "../client.js";
import { getDeploymentMarket, requireAddress } from "../deployment.js";
import {
  type ImmediateOpenLeg,
  ParapetInputError,
  ParapetLatencyDefenceError,
  ParapetNoWalletError,
  ParapetSetupError,
} from "../errors.js";
import { acceptablePrice as acceptablePriceOf, assertBigintAmount } from "../units.js";
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
  /** A reduce-only stop-loss for the whole leg, kept in TriggerOrders by `executeHedge`. */
  stopLoss?: HedgeStepStopLoss | undefined;
};

/** A step's stop-loss (from the plan's `stopLoss`), in WAD / token units. */
export type HedgeStepStopLoss = {
  triggerPriceWad: bigint;
  /** Due at ≥ trigger (a short's stop) or ≤ trigger (a long's). */
  triggerAbove: boolean;
  /** Keeper fee escrowed per stop (token units, a multiple of 1e-6 tokens). */
  keeperFee: bigint;
  expirySeconds: bigint;
  /** Worst fill past the trigger (bps); undefined: any fill. */
  slippageBps?: number | undefined;
};

/** A step exactly as `HedgeRouter.rebalance` takes it (the ABI's `Step` struct, derived from the ABI). */
export type RouterStep = HedgeRouterStepStruct;

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
    const stop = target.stopLoss;
    // The fee unit of TriggerOrders is 1e-6 tokens: round the fee up to it (6 decimals at most).
    const feeDecimals = Math.min(tokenDecimals, 6);
    return {
      accountIndex: target.accountIndex,
      marketId: target.marketId,
      targetSizeWad,
      minCollateralUsd,
      maxDeposit: options.maxDepositPerStep ?? defaultCap,
      maxBuyPriceWad,
      minSellPriceWad,
      ...(stop
        ? {
            stopLoss: {
              // To 1e-8 USD (Chainlink's precision, TriggerOrders' tick), nearest: the float product price × (1 ± d)
              // carries noise far below it (3000 × 1.1 = 3300.0000000000005).
              triggerPriceWad:
                numberToFixedPoint(
                  Number(stop.triggerPriceUsd.toFixed(8)),
                  8,
                  "zero",
                  `${where}.stopLoss.triggerPriceUsd`,
                ) * ORDER_TICK_WAD,
              triggerAbove: stop.triggerAbove,
              keeperFee:
                numberToFixedPoint(stop.keeperFeeUsd, feeDecimals, "up", `${where}.stopLoss.keeperFeeUsd`) *
                10n ** BigInt(tokenDecimals - feeDecimals),
              expirySeconds: BigInt(stop.expirySeconds),
              slippageBps: stop.slippageBps,
            },
          }
        : {}),
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
  return requireAddress(client.deployment, "hedgeRouter");
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
  return built(router, hedgeRouterAbi, "rebalance", [parameters.owner, steps, deadline]);
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
  /** Each step's market latency defence, in step order. */
  latency: LatencyParams[];
  /** Pending trades that open or increase in a market whose latency defence is on: the vault would refuse them. */
  defendedIncreases: ImmediateOpenLeg[];
  /** When a step has a stop-loss: whether TriggerOrders is the owner's operator, and the sender's allowance to it. */
  triggerOrdersIsOperator?: boolean | undefined;
  triggerOrdersAllowance?: bigint | undefined;
};

/** Whether moving from `from` to `to` adds exposure (the vault's "increases": a larger |size| or a flip). */
function increases(from: bigint, to: bigint): boolean {
  if (to === 0n) return false;
  if (from === 0n || from > 0n !== to > 0n) return true;
  return (to < 0n ? -to : to) > (from < 0n ? -from : from);
}

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
  const stops = steps.some((s) => s.stopLoss !== undefined);
  const triggerOrders = stops ? orderContractAddress(client, "triggerOrders") : undefined;
  const token = client.deployment.collateralToken;
  const contracts = [
    { address: vault, abi: perpVaultAbi, functionName: "isOperator", args: [owner, router] },
    { address: vault, abi: perpVaultAbi, functionName: "isOperator", args: [owner, sender] },
    { address: token, abi: erc20Abi, functionName: "allowance", args: [sender, router] },
    ...steps.flatMap((s) => [
      { address: vault, abi: perpVaultAbi, functionName: "position", args: [owner, s.accountIndex, s.marketId] },
      { address: vault, abi: perpVaultAbi, functionName: "collateralOf", args: [owner, s.accountIndex] },
      latencyParamsCall(client, s.marketId),
    ]),
    ...(triggerOrders
      ? [
          { address: vault, abi: perpVaultAbi, functionName: "isOperator", args: [owner, triggerOrders] },
          { address: token, abi: erc20Abi, functionName: "allowance", args: [sender, triggerOrders] },
        ]
      : []),
  ];
  const results = (await deploylessMulticall(client, contracts, { blockNumber: parameters.blockNumber })).map(
    (r, i) => {
      const { functionName } = contracts[i] as { functionName: string };
      // A vault deployed before the latency defence has no latencyParams: no defence.
      if (functionName === "latencyParams" && r.status === "failure") {
        return { minSettlementDelay: 0, settlementTimeout: 0, immediateFeeRatio: 0n };
      }
      return unwrapCallResult<unknown>(r, functionName);
    },
  );
  const [routerIsOperator, senderIsOperator, allowance] = results as [boolean, boolean, bigint];
  const latency: LatencyParams[] = [];
  const states = steps.map((step, i): HedgeStepState => {
    const position = results[3 + 3 * i] as { size: bigint };
    const collateralUsd = results[4 + 3 * i] as bigint;
    latency.push(toLatencyParams(step.marketId, results[5 + 3 * i]));
    const atTarget = position.size === step.targetSizeWad && collateralUsd >= step.minCollateralUsd;
    return { step, currentSizeWad: position.size, collateralUsd, atTarget };
  });
  const busy = new Set(states.filter((s) => !s.atTarget).map((s) => s.step.accountIndex));
  const pendingStates = states.filter((s) => busy.has(s.step.accountIndex));
  const defendedIncreases = pendingStates
    .filter((s) => latency[states.indexOf(s)]?.enabled && increases(s.currentSizeWad, s.step.targetSizeWad))
    .map((s) => ({
      accountIndex: s.step.accountIndex,
      marketId: s.step.marketId,
      sizeDeltaWad: s.step.targetSizeWad - s.currentSizeWad,
    }));
  const tail = 3 + 3 * steps.length;
  return {
    router,
    sender,
    states,
    pending: pendingStates.map((s) => toRouterStep(s.step, s.currentSizeWad)),
    routerIsOperator,
    senderIsOperator,
    allowance,
    latency,
    defendedIncreases,
    ...(triggerOrders
      ? {
          triggerOrdersIsOperator: results[tail] as boolean,
          triggerOrdersAllowance: results[tail + 1] as bigint,
        }
      : {}),
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

/** What the executor did about a leg's stop-loss (TriggerOrders). */
export type HedgeStopResult = {
  accountIndex: bigint;
  marketId: bigint;
  /** placed: a new stop; updated: size, trigger or expiry refreshed; kept: already right; cancelled: the leg is flat. */
  action: "placed" | "updated" | "kept" | "cancelled";
  orderId: bigint;
  hash?: Hex | undefined;
};

export type ExecuteHedgeReturnType =
  | { status: "noop"; states: HedgeStepState[]; stops: HedgeStopResult[] }
  | {
      status: "sent";
      hash: Hex;
      receipt: TransactionReceipt;
      /** Steps sent (router form) and what each did. */
      sent: RouterStep[];
      steps: HedgeStepResult[];
      states: HedgeStepState[];
      /** The legs' stop-losses, after the rebalance (steps without `stopLoss` have none here). */
      stops: HedgeStopResult[];
      write: WriteReturnType;
    };

/** A stop as TriggerOrders stores it: the trigger on the 1e-8 tick, rounded so it never fires earlier. */
function storedTrigger(triggerPriceWad: bigint, triggerAbove: boolean): bigint {
  const down = (triggerPriceWad / ORDER_TICK_WAD) * ORDER_TICK_WAD;
  return triggerAbove && down !== triggerPriceWad ? down + ORDER_TICK_WAD : down;
}

type StopPlan = {
  step: HedgeStep;
  stop: HedgeStepStopLoss;
  existing: TriggerOrder | undefined;
  action: HedgeStopResult["action"];
  sizeDeltaWad: bigint;
};

/** What each leg's stop needs (from the owner's live orders): place, update, keep or cancel. */
async function planStops(
  client: ParapetContext,
  owner: Address,
  steps: readonly HedgeStep[],
  nowSeconds: bigint,
): Promise<StopPlan[]> {
  const withStops = steps.filter((s) => s.stopLoss !== undefined);
  if (withStops.length === 0) return [];
  const live = await getTriggerOrders(client, { owner });
  const plans: StopPlan[] = [];
  for (const step of withStops) {
    const stop = step.stopLoss as HedgeStepStopLoss;
    const existing = live.find(
      (o) => o.accountIndex === step.accountIndex && o.marketId === step.marketId && o.reduceOnly && o.kind === "stop",
    );
    if (step.targetSizeWad === 0n) {
      if (existing) plans.push({ step, stop, existing, action: "cancelled", sizeDeltaWad: 0n });
      continue;
    }
    const sizeDeltaWad = triggerSizeOnTick(-step.targetSizeWad, true);
    const matches =
      existing !== undefined &&
      existing.sizeDeltaWad === sizeDeltaWad &&
      existing.triggerAbove === stop.triggerAbove &&
      existing.triggerPriceWad === storedTrigger(stop.triggerPriceWad, stop.triggerAbove) &&
      existing.expiry >= nowSeconds + stop.expirySeconds / 2n;
    plans.push({
      step,
      stop,
      existing,
      action: existing === undefined ? "placed" : matches ? "kept" : "updated",
      sizeDeltaWad,
    });
  }
  return plans;
}

/** Sends the stop plans, one transaction each (placeTrigger / updateTrigger / cancelTrigger). */
async function applyStops(
  client: ParapetContext,
  owner: Address,
  plans: readonly StopPlan[],
  options: WriteOptions,
): Promise<HedgeStopResult[]> {
  const results: HedgeStopResult[] = [];
  for (const { step, stop, existing, action, sizeDeltaWad } of plans) {
    const where = { accountIndex: step.accountIndex, marketId: step.marketId };
    if (action === "kept" && existing) {
      results.push({ ...where, action, orderId: existing.orderId });
      continue;
    }
    if (action === "cancelled" && existing) {
      const w = await writeCancelTrigger(client, { ...options, orderId: existing.orderId });
      results.push({ ...where, action, orderId: existing.orderId, hash: w.hash });
      continue;
    }
    const order = {
      marketId: step.marketId,
      sizeDelta: sizeDeltaWad,
      triggerPriceWad: stop.triggerPriceWad,
      triggerAbove: stop.triggerAbove,
      acceptablePrice:
        stop.slippageBps === undefined
          ? sizeDeltaWad > 0n
            ? maxUint256
            : 0n
          : acceptablePriceOf({
              priceWad: stop.triggerPriceWad,
              sizeDelta: sizeDeltaWad,
              slippageBps: stop.slippageBps,
            }),
      expirySeconds: stop.expirySeconds,
      reduceOnly: true,
    };
    if (action === "updated" && existing) {
      const w = await writeUpdateTrigger(client, { ...options, ...order, orderId: existing.orderId });
      results.push({ ...where, action, orderId: existing.orderId, hash: w.hash });
    } else {
      const w = await writePlaceTrigger(client, {
        ...options,
        ...order,
        owner,
        accountIndex: step.accountIndex,
        keeperFee: stop.keeperFee,
      });
      results.push({ ...where, action: "placed", orderId: w.orderId, hash: w.hash });
    }
  }
  return results;
}

/**
 * Applies `steps` for `owner` in one transaction through the HedgeRouter: reads the accounts (one multicall), returns
 * `{ status: "noop" }` without sending when all are at target, checks the setup (router operator, sender authorised,
 * allowance for the max deposits: typed ParapetSetupError naming the fix), then simulates, checks the fee cap
 * and sends via `sendParapetTransaction`. A revert (at simulation, estimation or on-chain) is thrown as the decoded
 * ParapetContractError; nothing is sent when the simulation fails.
 *
 * Latency defence: a pending step that opens or increases in a market whose defence is on throws
 * ParapetLatencyDefenceError before anything is sent (its `legs` are the increases to commit with writeCommitOrder).
 * Stop-losses: steps with `stopLoss` get one reduce-only stop each after the rebalance (placed, updated, kept, or
 * cancelled for a closed leg: `stops` in the result), one TriggerOrders transaction per change; TriggerOrders must be
 * the owner's operator and the allowance must cover the new stops' fees (ParapetSetupError, checked first).
 */
export async function executeHedge(
  client: ParapetContext,
  parameters: ExecuteHedgeParameters,
): Promise<ExecuteHedgeReturnType> {
  const { owner } = parameters;
  const resolved = await resolveHedgeSteps(client, { owner, steps: parameters.steps });
  if (resolved.defendedIncreases.length > 0) {
    const legs = resolved.defendedIncreases;
    throw new ParapetLatencyDefenceError(
      legs,
      `The latency defence is on in market(s) ${[...new Set(legs.map((l) => l.marketId))].join(", ")}: the vault refuses an immediate trade that opens or increases there, and the HedgeRouter trades immediately. Nothing was sent.`,
      `Open those legs with delayed orders (writeCommitOrder per leg: ${legs.map((l) => `account ${l.accountIndex} market ${l.marketId} sizeDelta ${l.sizeDeltaWad}`).join("; ")}), let them settle at the next oracle round, then run the executor again for the collateral and the stops.`,
    );
  }
  const block = await client.publicClient.getBlock({ blockTag: "latest" });
  const stopPlans = await planStops(client, owner, parameters.steps, block.timestamp);
  if (stopPlans.some((p) => p.action !== "kept")) {
    if (resolved.triggerOrdersIsOperator !== true) {
      const address = orderContractAddress(client, "triggerOrders");
      throw new ParapetSetupError(
        "ORDERS_NOT_OPERATOR",
        `The hedge's stop-losses need TriggerOrders (${address}) as an operator of ${owner}. Nothing was sent.`,
        `As the owner, call setOperator(${address}, true) on the vault once (writeSetOperator({ operator: "${address}", allowed: true })), or plan without stopLoss.`,
      );
    }
    const fees = stopPlans.filter((p) => p.action === "placed").reduce((sum, p) => sum + p.stop.keeperFee, 0n);
    if ((resolved.triggerOrdersAllowance ?? 0n) < fees) {
      throw new ParapetSetupError(
        "ALLOWANCE_TOO_LOW",
        `The sender's allowance to TriggerOrders is ${resolved.triggerOrdersAllowance ?? 0n} token units, below the new stops' keeper fees (${fees}). Nothing was sent.`,
        `Approve TriggerOrders for at least ${fees} token units: writeApprove({ amount: ${fees}n, spender: "triggerOrders" }).`,
      );
    }
  }
  if (resolved.pending.length === 0) {
    const stops = await applyStops(client, owner, stopPlans, parameters);
    return { status: "noop", states: resolved.states, stops };
  }
  if (!resolved.routerIsOperator) {
    throw new ParapetSetupError(
      "ROUTER_NOT_OPERATOR",
      `The hedge router ${resolved.router} is not an operator of ${owner}.`,
      `As the owner, call setOperator(router, true) on the vault once (writeSetOperator({ operator: "${resolved.router}", allowed: true })).`,
    );
  }
  if (resolved.sender.toLowerCase() !== owner.toLowerCase() && !resolved.senderIsOperator) {
    throw new ParapetSetupError(
      "SENDER_NOT_AUTHORIZED",
      `The sender ${resolved.sender} is neither ${owner} nor one of its operators.`,
      `Send from the owner, or have the owner call setOperator(${resolved.sender}, true) on the vault.`,
    );
  }
  const maxDeposits = resolved.pending.reduce((sum, s) => sum + s.maxDeposit, 0n);
  if (resolved.allowance < maxDeposits) {
    throw new ParapetSetupError(
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
  const stops = await applyStops(client, owner, stopPlans, parameters);
  return {
    status: "sent",
    hash: write.hash,
    receipt: write.receipt,
    sent: resolved.pending,
    steps,
    states: resolved.states,
    stops,
    write,
  };
}
