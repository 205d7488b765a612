// Typed SDK errors: every error says what went wrong (cause) and what to do (fix), so a caller can branch on
// `code` and a human can read `message`.
import {
  type Abi,
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  formatUnits,
  type Hex,
  HttpRequestError,
  TimeoutError,
  WebSocketRequestError,
} from "viem";
/** A custom-error entry of an ABI. */
export type AbiError = Extract<Abi[number], { type: "error" }>;

import {
  adminModuleAbi,
  delayedOrdersAbi,
  hedgeRouterAbi,
  liquidationModuleAbi,
  liquidationUpkeepAbi,
  liquidityVaultAbi,
  oracleAdapterAbi,
  perpVaultAbi,
  snapshotReaderAbi,
  triggerOrdersAbi,
} from "./abis/index.js";

/** Every error code the SDK throws. */
export type ParapetErrorCode =
  | "WRONG_CHAIN"
  | "MISSING_ADDRESS"
  | "INVALID_DEPLOYMENT"
  | "DEPLOYMENT_NOT_FOUND"
  | "DEPLOY_PARAMETER_MISSING"
  | "INVALID_DEPLOY_PARAMETERS"
  | "STALE_IGNITION_JOURNAL"
  | "DEPLOYMENT_CONFLICT"
  | "UNKNOWN_MARKET"
  | "INVALID_INPUT"
  | "CONTRACT_REVERT"
  | "GAS_ESTIMATION_FAILED"
  | "FEE_CAP_EXCEEDED"
  | "NO_WALLET"
  | "ROUTER_NOT_OPERATOR"
  | "ORDERS_NOT_OPERATOR"
  | "SENDER_NOT_AUTHORIZED"
  | "ALLOWANCE_TOO_LOW"
  | "IMMEDIATE_OPEN_DISABLED"
  | "NOT_A_MOCK_FEED"
  | "BALANCE_SLOT_NOT_FOUND"
  | "LOCAL_DEPLOY_FAILED"
  | "RPC_UNAVAILABLE"
  | "KEEPER_ALREADY_RUNNING"
  | "KEEPER_GAVE_UP"
  | "READ_TOO_LARGE"
  | "READ_FAILED"
  | "MISSING_PEER_DEPENDENCY"
  | "DEPLOYMENT_NOT_ON_CHAIN"
  | "DEPLOY_SCRIPT_NOT_SHIPPED";

import { ParapetError } from "./parapetError.js";

export {
  type AnyParapetErrorCode,
  ParapetError,
  type ParapetErrorParameters,
  ParapetInputError,
} from "./parapetError.js";

/** The deployment does not match the client: wrong chain, missing or invalid address, unknown market. */
export class ParapetDeploymentError extends ParapetError<ParapetErrorCode> {
  override name = "ParapetDeploymentError";
}

/**
 * An optional peer dependency that a helper or command needs is not installed in the caller's project (Parapet
 * declares it in `peerDependencies`, marked optional, so that an SDK-only user does not install it).
 */
export class ParapetMissingPeerError extends ParapetError<ParapetErrorCode> {
  override name = "ParapetMissingPeerError";
  /** The npm package to install, e.g. "@foundry-rs/anvil". */
  readonly packageName: string;
  constructor(packageName: string, neededBy: string, cause?: unknown) {
    super({
      code: "MISSING_PEER_DEPENDENCY",
      summary: `${neededBy} needs the npm package ${packageName}, which is not installed in this project.`,
      fix: `run \`npm install --save-dev ${packageName}\` in your project (it is an optional peer dependency of parapet).`,
      cause,
    });
    this.packageName = packageName;
  }
}

/** The write needs a wallet client and the Parapet client has none. */
export class ParapetNoWalletError extends ParapetError<ParapetErrorCode> {
  override name = "ParapetNoWalletError";
  constructor() {
    super({
      code: "NO_WALLET",
      summary: "This action sends a transaction but no wallet client (with an account) was given.",
      fix: "Pass `walletClient` (with `account`) to createParapetClient, or use the matching build* action.",
    });
  }
}

/** The network's fee (base fee · 2 + tip) is above the caller's `maxFeePerGas` cap. */
export class ParapetFeeCapError extends ParapetError<ParapetErrorCode> {
  override name = "ParapetFeeCapError";
  readonly requiredMaxFeePerGas: bigint;
  readonly maxFeePerGasCap: bigint;
  constructor(requiredMaxFeePerGas: bigint, maxFeePerGasCap: bigint) {
    super({
      code: "FEE_CAP_EXCEEDED",
      summary: `The network needs maxFeePerGas ${formatUnits(requiredMaxFeePerGas, 9)} gwei, above your cap of ${formatUnits(maxFeePerGasCap, 9)} gwei.`,
      fix: "Wait for lower fees or raise `maxFeePerGas`.",
    });
    this.requiredMaxFeePerGas = requiredMaxFeePerGas;
    this.maxFeePerGasCap = maxFeePerGasCap;
  }
}

/**
 * A pre-check found a setup step missing, so nothing was sent; `fix` names the call to make. Thrown by the hedge
 * executor (ROUTER_NOT_OPERATOR: the router is not the owner's operator; ALLOWANCE_TOO_LOW: the allowance does not
 * cover the steps' max deposits), the order actions (ORDERS_NOT_OPERATOR: TriggerOrders or DelayedOrders is not the
 * owner's operator, so it could never execute the order; ALLOWANCE_TOO_LOW: below the keeper fee it escrows) and the
 * LP requests (ALLOWANCE_TOO_LOW: token allowance below a deposit and its keeper fee, or share allowance below a
 * redemption); SENDER_NOT_AUTHORIZED: the sender is neither the owner nor an operator.
 */
export class ParapetSetupError extends ParapetError<ParapetSetupErrorCode> {
  override name = "ParapetSetupError";
  constructor(code: ParapetSetupErrorCode, summary: string, fix: string) {
    super({ code, summary, fix });
  }
}

/** The setup steps a {@link ParapetSetupError} can name. */
export type ParapetSetupErrorCode =
  | "ROUTER_NOT_OPERATOR"
  | "ORDERS_NOT_OPERATOR"
  | "SENDER_NOT_AUTHORIZED"
  | "ALLOWANCE_TOO_LOW";

/** @deprecated Use {@link ParapetSetupError} (the hedge, order and LP setup errors are one class). */
export const ParapetHedgeSetupError = ParapetSetupError;
/** @deprecated Use {@link ParapetSetupError}. */
export type ParapetHedgeSetupError = ParapetSetupError;
/** @deprecated Use {@link ParapetSetupError} (the hedge, order and LP setup errors are one class). */
export const ParapetOrderSetupError = ParapetSetupError;
/** @deprecated Use {@link ParapetSetupError}. */
export type ParapetOrderSetupError = ParapetSetupError;
/** @deprecated Use {@link ParapetSetupError} (the hedge, order and LP setup errors are one class). */
export const ParapetLpSetupError = ParapetSetupError;
/** @deprecated Use {@link ParapetSetupError}. */
export type ParapetLpSetupError = ParapetSetupError;

/** A trade the latency defence refuses: in these markets only a delayed order may open or increase. */
export type ImmediateOpenLeg = {
  accountIndex: bigint;
  marketId: bigint;
  /** The increase that was refused (units, WAD, signed). */
  sizeDeltaWad: bigint;
};

/**
 * The market's latency defence is on (docs/orders.md): an immediate trade there may only reduce, so opening or
 * increasing must be committed with `writeCommitOrder` and settles at the first oracle round after the market's
 * delay. Thrown by `writeTrade` and by the hedge executor before anything is sent; `legs` are the refused increases.
 */
export class ParapetLatencyDefenceError extends ParapetError<ParapetErrorCode> {
  override name = "ParapetLatencyDefenceError";
  readonly legs: readonly ImmediateOpenLeg[];
  constructor(legs: readonly ImmediateOpenLeg[], summary: string, fix: string, cause?: unknown) {
    super({ code: "IMMEDIATE_OPEN_DISABLED", summary, fix, cause });
    this.legs = legs;
  }
}

/** The RPC endpoint did not answer (refused, timed out, or failed) after the transport's bounded retries. */
export class ParapetRpcError extends ParapetError<ParapetErrorCode> {
  override name = "ParapetRpcError";
  /** The endpoint that failed. */
  readonly url: string;
  constructor(url: string, cause: unknown) {
    super({
      code: "RPC_UNAVAILABLE",
      summary: `The RPC at ${url} did not answer: ${rpcFailure(cause)}`,
      fix: "Check that the node is running and reachable at that URL (--rpc URL or PARAPET_RPC_URL), then retry.",
      cause,
    });
    this.url = url;
  }
}

function rpcFailure(cause: unknown): string {
  if (cause instanceof BaseError && cause.details && cause.details !== cause.shortMessage) {
    return `${cause.shortMessage} (${cause.details})`;
  }
  return shortMessage(cause);
}

/**
 * The transport failure inside `error` (HTTP refused or failed, timeout, websocket) as a ParapetRpcError naming the
 * URL; undefined for anything else (a JSON-RPC error answer or a revert is an answer, not an outage).
 */
export function toParapetRpcError(error: unknown): ParapetRpcError | undefined {
  if (error instanceof ParapetRpcError) return error;
  if (!(error instanceof BaseError)) return undefined;
  const found = error.walk(
    (e) => e instanceof HttpRequestError || e instanceof TimeoutError || e instanceof WebSocketRequestError,
  ) as HttpRequestError | TimeoutError | WebSocketRequestError | null;
  return found ? new ParapetRpcError(found.url, found) : undefined;
}

/**
 * A batched read could not be made: READ_TOO_LARGE (one item does not fit a deployless eth_call, or the node refused
 * the size), READ_FAILED (a chunk kept failing). It names the read and the items, and never stands for the data
 * (an account is never "unpriced" because its chunk failed).
 */
export class ParapetReadError extends ParapetError<ParapetErrorCode> {
  override name = "ParapetReadError";
  /** What was read ("account scan", "liquidation simulation", …). */
  readonly what: string;
  /** Items in the failed chunk. */
  readonly items: number;
  constructor(parameters: {
    code: "READ_TOO_LARGE" | "READ_FAILED";
    what: string;
    items: number;
    summary: string;
    fix: string;
    cause?: unknown;
  }) {
    super(parameters);
    this.what = parameters.what;
    this.items = parameters.items;
  }
}

/** Another keeper already runs for the same chain, vault and signer: two would race for the same actions. */
export class ParapetKeeperLockError extends ParapetError<ParapetErrorCode> {
  override name = "ParapetKeeperLockError";
  /** The lock file and the process id recorded in it (0: unreadable). */
  readonly lockPath: string;
  readonly pid: number;
  /** `sameProcess`: the lock is held by another keeper inside this very process. */
  constructor(lockPath: string, pid: number, options: { sameProcess?: boolean | undefined } = {}) {
    // Never suggest a signal to pid 1 (a container's init, or the keeper itself in its container) or to ourselves:
    // the first would stop the container, the second this process.
    const stop = options.sameProcess
      ? "Another keeper in this same process holds the lock: stop that one first (abort its signal)"
      : pid > 1
        ? `If that keeper is running, stop it first (Ctrl-C in its terminal, or kill -INT ${pid})`
        : "If that keeper is running, stop it first (Ctrl-C in its terminal, or stop its container or service)";
    super({
      code: "KEEPER_ALREADY_RUNNING",
      summary: `A keeper for this chain, vault and signer is already running (pid ${pid > 0 ? pid : "unknown"}, lock ${lockPath}).`,
      fix: `${stop}; if no keeper is running, the lock is stale: delete the file (rm ${lockPath}) and start again.`,
    });
    this.lockPath = lockPath;
    this.pid = pid;
  }
}

/** The keeper gave up: `maxRetries` ticks failed in a row. The message carries the last failure. */
export class ParapetKeeperError extends ParapetError<ParapetErrorCode> {
  override name = "ParapetKeeperError";
  readonly attempts: number;
  constructor(attempts: number, cause: unknown) {
    const last = cause instanceof ParapetError ? cause.summary : cause instanceof Error ? cause.message : String(cause);
    super({
      code: "KEEPER_GAVE_UP",
      summary: `The keeper stopped after ${attempts} failed ticks in a row; the last failure: ${last.split("\n")[0]}`,
      fix:
        cause instanceof ParapetError
          ? cause.fix
          : "Check the RPC and the node, then restart the keeper (it resumes from the deployment block).",
      cause,
    });
    this.attempts = attempts;
  }
}

/** Gas estimation failed without a decodable revert (the replayed eth_call did not revert with a known error). */
export class ParapetGasEstimationError extends ParapetError<ParapetErrorCode> {
  override name = "ParapetGasEstimationError";
  constructor(functionName: string, cause: unknown) {
    super({
      code: "GAS_ESTIMATION_FAILED",
      summary: `Gas estimation of ${functionName} failed: ${shortMessage(cause)}.`,
      fix: "Check the sender's token balance, allowance and native balance for gas; retry against a healthy RPC.",
      cause,
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Contract reverts

function errorsOf(abi: Abi): AbiError[] {
  return abi.filter((item): item is AbiError => item.type === "error");
}

/**
 * Every custom error the vault, its liquidation and admin modules, the oracle adapter, the LP vault, the hedge router,
 * the liquidation upkeep, the order contracts (TriggerOrders, DelayedOrders) and the snapshot lens can revert with.
 */
export const parapetErrorsAbi: readonly AbiError[] = (() => {
  const seen = new Set<string>();
  const out: AbiError[] = [];
  for (const abi of [
    perpVaultAbi,
    liquidationModuleAbi,
    oracleAdapterAbi,
    liquidityVaultAbi,
    hedgeRouterAbi,
    liquidationUpkeepAbi,
    adminModuleAbi,
    triggerOrdersAbi,
    delayedOrdersAbi,
    snapshotReaderAbi,
  ] as Abi[]) {
    for (const e of errorsOf(abi)) {
      const sig = `${e.name}(${e.inputs.map((i) => i.type).join(",")})`;
      if (seen.has(sig)) continue;
      seen.add(sig);
      out.push(e);
    }
  }
  return out;
})();

/** Unit of a custom-error argument, by argument name (docs/units.md): how to print it for a human. */
type ArgUnit = "usdWad" | "priceWad" | "sizeWad" | "timestamp" | "bps" | "seconds" | "raw";

const ARG_UNITS: Record<string, ArgUnit> = {
  fillPrice: "priceWad",
  acceptablePrice: "priceWad",
  priceWad: "priceWad",
  secondaryPriceWad: "priceWad",
  equity: "usdWad",
  requiredMargin: "usdWad",
  maintenanceMargin: "usdWad",
  collateral: "usdWad",
  poolBalance: "usdWad",
  reservedUsd: "usdWad",
  maxReservedUsd: "usdWad",
  minCollateralUsd: "usdWad",
  targetSize: "sizeWad",
  sizeDelta: "sizeWad",
  poolValueUsd: "usdWad",
  valueUsd: "usdWad",
  marginUsd: "usdWad",
  minMarginUsd: "usdWad",
  size: "sizeWad",
  skew: "sizeWad",
  newSize: "sizeWad",
  maxSize: "sizeWad",
  deadline: "timestamp",
  blockTimestamp: "timestamp",
  updatedAt: "timestamp",
  upSince: "timestamp",
  heartbeat: "seconds",
  triggerPriceWad: "priceWad",
  positionSize: "sizeWad",
  expiry: "timestamp",
  settleAfter: "timestamp",
  expiresAt: "timestamp",
  latestRoundUpdatedAt: "timestamp",
  gracePeriod: "seconds",
  deviationBps: "bps",
  maxDeviationBps: "bps",
  reopensAt: "timestamp",
  openedAt: "timestamp",
  tradableAt: "timestamp",
};

/** Fix sentence per custom error name; errors without an entry get a generic sentence. */
const FIXES: Record<string, string> = {
  SlippageExceeded:
    "The fill moved past your acceptable price: re-quote and widen `slippageBps` or `acceptablePrice`, or trade a smaller size.",
  InsufficientMargin: "Deposit more collateral or trade a smaller size (equity must cover the initial margin).",
  WouldBeLiquidatable:
    "Deposit more collateral or reduce the position first: the action would leave equity below maintenance margin.",
  UtilizationTooHigh:
    "The LP pool cannot back more skew now: trade smaller, trade the other side, or wait for LP deposits.",
  StalePrice:
    "The oracle feed is older than its heartbeat: wait for a fresh Chainlink round (or ask the keeper to update it).",
  MarketPaused:
    "Opening is paused in this market: only reducing or closing is possible until the guardian unpauses it.",
  MarketClosed:
    "The market is closed (its underlying trades in set hours: see the adapter's marketHours): nothing on this market trades, liquidates or marks until `reopensAt`; flat accounts still withdraw.",
  ReopenRoundPending:
    "The market reopened but its feed has not published since: wait for the first Chainlink round after `openedAt`.",
  MarketReopening:
    "The market just reopened: until `tradableAt` only reductions and liquidations go through, so keepers clear gapped accounts first; retry after it.",
  SessionCountOutOfBounds: "Give 1 to 8 weekly sessions (minutes from Sunday 00:00 UTC).",
  InvalidSession:
    "Sessions are [openMinute, closeMinute) in minutes from Sunday 00:00 UTC (≤ 10,080), sorted, with a gap before each: merge adjacent ones.",
  AlwaysOpenSchedule: "A market open the whole week needs no hours: call clearMarketHours instead.",
  ClosureCountOutOfBounds: "Give at most 3 closures (the next holidays and early closes); replace past ones.",
  InvalidClosure: "A closure is [start, end) in unix seconds, non-empty and at most 14 days long.",
  HoursWindowOutOfBounds: "Keep closingWindowSeconds ≤ 1 day and reopenDelaySeconds ≤ 1 hour.",
  DeadlineExpired: "The transaction was mined after its deadline: resend with a later `deadline`.",
  NotLiquidatable: "The account is healthy (equity ≥ maintenance margin): nothing to liquidate.",
  InsufficientCollateral: "Withdraw at most the account's collateral.",
  InsufficientLiquidity: "The pool's realised balance is too small: withdraw less or wait.",
  MarketNotListed: "Use a market id listed in the deployment (see getMarkets).",
  ZeroSize: "Pass a non-zero `sizeDelta`.",
  ZeroAmount: "Pass a non-zero amount.",
  Unauthorized: "Send from the account owner, or have the owner call setOperator for this sender.",
  OpenInterestCapExceeded: "The market's open-interest cap is reached on this side: trade smaller.",
  PositionTooSmall: "Trade a larger size: the position's margin is below the market minimum.",
  NoPosition: "The account has no position in this market.",
  DeleverageNotAllowed: "Auto-deleveraging is only allowed while pool utilisation is above 100 %.",
  NotDeleveragable: "Only a profitable position on the skewed side can be deleveraged.",
  SizeOutOfRange: "Keep |size| ≤ 1e10 units.",
  FutureRound: "The feed reports a timestamp in the future: wait, or check the feed.",
  NonPositiveAnswer: "The feed reports a price ≤ 0: trading is blocked until it recovers.",
  PriceAtBound: "The feed's answer is at its min/max bound (circuit breaker): wait for the feed to recover.",
  FeedNotConfigured: "The market's feed is not configured in the oracle adapter: the admin must call setFeed.",
  SequencerDown: "The L2 sequencer is down: wait until it is back and its grace period is over.",
  SequencerGracePeriodNotOver: "The L2 sequencer just restarted: wait for the grace period to end.",
  PriceDeviationTooHigh: "The primary and secondary feeds disagree: wait for them to converge.",
  ERC20InsufficientAllowance: "Approve the spender first (buildApprove / writeApprove) for at least the amount.",
  ERC20InsufficientBalance:
    "Get more of the token, or send less. On a development chain (npm run node, anvil, a fork) `parapet faucet` gives test collateral.",
  ERC4626ExceededMaxWithdraw:
    "Withdraw at most maxWithdraw (the pool keeps assets backing open interest). A max of 0 with the LP defence on: request it instead (writeLpRequestRedeem; it settles after the vault's minDelaySeconds).",
  ERC4626ExceededMaxRedeem:
    "Redeem at most maxRedeem (the pool keeps assets backing open interest). A max of 0 with the LP defence on: request it instead (writeLpRequestRedeem; it settles after the vault's minDelaySeconds).",
  ERC4626ExceededMaxDeposit:
    "The LP vault takes no immediate deposit now: with the LP defence on, request it (writeLpRequestDeposit, parapet lp deposit; it settles after the vault's minDelaySeconds); a pool worth ≤ 0 takes none at all.",
  ERC4626ExceededMaxMint:
    "The LP vault mints no shares immediately now: request a deposit instead (writeLpRequestDeposit, parapet lp deposit).",
  PoolValueNotPositive:
    "The LP pool is worth ≤ 0 (traders' unrealised profit exceeds what it holds): no deposit can settle until prices, funding or fees bring it back above 0. A waiting request stays settleable and is refunded in full once it expires (anyone may cancel it then).",
  RequestNotFound:
    "The LP request does not exist any more: it was settled or cancelled (parapet lp list shows the live ones).",
  RequestNotSettleable:
    "The LP request cannot settle now (status: 1 pending, 2 locked, 4 expired): wait until settleAfter; an expired request can only be cancelled (anyone may, full refund).",
  RequestNotCancellable:
    "Only the request's owner may cancel it, and only while pending (the first half of the delay); once locked or settleable nobody may (its price is about to be or is public); anyone may once it is expired.",
  RedeemBelowKeeperFee:
    "The shares redeem for less than the request's keeper fee after the exit fee (or for nothing: a pool worth ≤ 0). Wait for the pool to recover; the request is refunded in full once it expires.",
  RedeemExceedsWithdrawable:
    "The pool cannot pay this redemption now (realised balance or the utilisation reserve): it stays settleable; settle it later, or let it expire (full refund) and request less.",
  NotVaultOwner: "Only the PerpVault's owner may set the LP flow parameters.",
  ParamOutOfBounds: "Pass a value within [min, max] (the error names the field and its bounds).",
  ParamNotOnTick:
    "Round the parameter to the vault's tick (the error names it): ratios to whole parts per million, USD amounts to whole micro-USD (6 decimals each).",
  OperatorSlippageExceeded:
    "The owner bounds this operator's fills (setOperatorSlippage): trade less at once (smaller size, less skew premium), or have the owner raise the bound.",
  ModuleMismatch:
    "Deploy LiquidationModule and AdminModule with the same collateral token and oracle adapter as the vault, first (ignition/modules/Core.ts does).",
  AmountTooLarge: "Pass a smaller amount (the error names the maximum).",
  TransferAmountMismatch:
    "The token moved a different amount than asked (a fee-on-transfer token): such collateral is not supported.",
  ZeroAddress: "Pass a non-zero address (e.g. the receiver).",
  ReentrancyGuardReentrantCall: "Do not call the vault re-entrantly.",
  NotAuthorized:
    "Send from the account owner, or have the owner call setOperator(sender, true) on the vault (a rebalance or an order action).",
  RouterNotOperator: "As the owner, call setOperator(router, true) on the vault once, then retry.",
  DepositCapExceeded: "Raise the step's `maxDeposit` (token units) or lower its collateral floor.",
  NoSteps: "Pass at least one step.",
  ImmediateOpenDisabled:
    "The market's latency defence is on: open or increase with a delayed order (writeCommitOrder; it settles at the first oracle round after the delay), or only reduce here (an immediate reduction pays the market's immediateFeeRatio).",
  NotOperatorOfOwner:
    "As the owner, call setOperator(<order contract>, true) on the vault once (writeSetOperator), then place the order.",
  OrderNotFound: "The order does not exist any more: it was executed, settled or cancelled (list live orders first).",
  NothingToReduce:
    "The reduce-only order has no position on the other side to reduce (flat, flipped or liquidated): it is void; cancel it (anyone may) to return its keeper fee to the account.",
  ValueTooLarge: "Use a smaller value: the order contract stores it in a narrower field (see the error's max).",
  OrderExpired: "The order is past its expiry: cancel it (anyone may; the keeper fee returns to the account).",
  ExpiryInPast: "Pass an expiry in the future (or expirySeconds from now).",
  NotDue: "The oracle price has not crossed the trigger yet: wait (orderStatus reports `due`).",
  OrderStillLive:
    "Only the owner or an operator may cancel a live order; anyone may once it is expired or void (nothing to reduce).",
  NotOnTick:
    "Round the value to the contract's tick: sizes to 1e-8 units (8 decimals), keeper fees to whole 1e-6 tokens.",
  SettlementNotReady:
    "No oracle round has been published since the order's settleAfter: wait for the next round, then settle.",
  SettlementMissed:
    "A later round was published (or the timeout passed) before anyone settled: the order can only be cancelled (anyone may; the keeper fee returns to the account). Commit again.",
  CannotCancelSettleable:
    "The order's settlement round is out: it can only be settled now (anyone may, writeSettleOrder), not cancelled.",
  OrderStillPending: "Only the owner or an operator may cancel a pending delayed order; anyone may once it is missed.",
  DelayedOrdersAlreadySet: "The vault's DelayedOrders contract is set once; it cannot be replaced.",
  NotDelegated: "Call the vault, not its AdminModule directly (the module runs only by delegatecall).",
  SafeCastOverflowedIntDowncast:
    "A value does not fit the contract's field (e.g. |sizeDelta| ≥ 2^95 for a delayed order).",
  SafeCastOverflowedUintDowncast: "A value does not fit the contract's field (e.g. a keeper fee ≥ 2^128 token units).",
};

function formatArg(name: string, value: unknown): string {
  const unit = ARG_UNITS[name];
  if (typeof value !== "bigint" || unit === undefined) return String(value);
  switch (unit) {
    case "usdWad":
      return `${formatUnits(value, 18)} USD`;
    case "priceWad":
      return `${formatUnits(value, 18)} USD/unit`;
    case "sizeWad":
      return `${formatUnits(value, 18)} units`;
    case "timestamp":
      return `${value} (${new Date(Number(value) * 1000).toISOString()})`;
    case "seconds":
      return `${value} s`;
    case "bps":
      return `${value} bps`;
    default:
      return String(value);
  }
}

/** A contract call reverted with a custom error of the vault, the oracle adapter or the LP vault. */
export class ParapetContractError extends ParapetError<ParapetErrorCode> {
  override name = "ParapetContractError";
  /** The Solidity error name, e.g. `SlippageExceeded`; undefined when the revert data was unknown. */
  readonly errorName: string | undefined;
  /** Decoded arguments by name (raw bigints). */
  readonly args: Readonly<Record<string, unknown>>;
  /** The same arguments in human units where the unit is known (WAD → decimal string with unit). */
  readonly humanArgs: Readonly<Record<string, string>>;
  /** The action that failed (e.g. `trade`) and at which step (`simulate`, `estimateGas`, `receipt`). */
  readonly functionName: string | undefined;
  readonly step: string | undefined;

  constructor(parameters: {
    errorName: string | undefined;
    args: Record<string, unknown>;
    functionName?: string | undefined;
    step?: string | undefined;
    cause?: unknown;
    reason?: string | undefined;
  }) {
    const { errorName, args, functionName, step, cause, reason } = parameters;
    const humanArgs: Record<string, string> = {};
    for (const [k, v] of Object.entries(args)) humanArgs[k] = formatArg(k, v);
    const argText = Object.entries(humanArgs)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    const where = functionName ? `${functionName}${step ? ` (${step})` : ""}` : "The call";
    const what = errorName ? `${errorName}(${argText})` : (reason ?? "an unknown error");
    super({
      code: "CONTRACT_REVERT",
      summary: `${where} reverted with ${what}.`,
      fix: (errorName && FIXES[errorName]) ?? "See the error's NatSpec in contracts/interfaces for its meaning.",
      cause,
    });
    this.errorName = errorName;
    this.args = args;
    this.humanArgs = humanArgs;
    this.functionName = functionName;
    this.step = step;
  }
}

function shortMessage(error: unknown): string {
  if (error instanceof BaseError) return error.shortMessage;
  if (error instanceof Error) return error.message.split("\n")[0] ?? error.message;
  return String(error);
}

/** Named arguments of a decoded error (positional when the ABI leaves names out). */
function namedArgs(abiError: AbiError | undefined, args: readonly unknown[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  (args ?? []).forEach((value, i) => {
    out[abiError?.inputs[i]?.name || String(i)] = value;
  });
  return out;
}

/** Decodes raw revert data against {@link parapetErrorsAbi}; undefined when the selector is unknown. */
export function decodeParapetRevert(data: Hex): { errorName: string; args: Record<string, unknown> } | undefined {
  try {
    const decoded = decodeErrorResult({ abi: parapetErrorsAbi as Abi, data });
    const abiError = parapetErrorsAbi.find(
      (e) => e.name === decoded.errorName && e.inputs.length === (decoded.args?.length ?? 0),
    );
    return { errorName: decoded.errorName, args: namedArgs(abiError, decoded.args as readonly unknown[] | undefined) };
  } catch {
    return undefined;
  }
}

/** Finds revert data in a viem error chain. */
function revertDataOf(error: unknown): Hex | undefined {
  if (!(error instanceof BaseError)) return undefined;
  let found: Hex | undefined;
  error.walk((e) => {
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && data.startsWith("0x") && data.length >= 10) {
      found = data as Hex;
      return true;
    }
    if (data && typeof data === "object" && "data" in data && typeof data.data === "string") {
      found = data.data as Hex;
      return true;
    }
    if (e instanceof ContractFunctionRevertedError && e.raw) {
      found = e.raw;
      return true;
    }
    return false;
  });
  return found;
}

/**
 * Turns any error from a viem call into a {@link ParapetContractError} when it carries a Parapet custom error;
 * returns undefined otherwise (the caller decides what else it is).
 */
export function toParapetContractError(
  error: unknown,
  context: { functionName?: string; step?: string } = {},
): ParapetContractError | undefined {
  if (error instanceof ParapetContractError) return error;
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as
      | ContractFunctionRevertedError
      | undefined;
    if (reverted?.data?.errorName && reverted.data.errorName !== "Error" && reverted.data.errorName !== "Panic") {
      const abiError = parapetErrorsAbi.find((e) => e.name === reverted.data?.errorName);
      return new ParapetContractError({
        errorName: reverted.data.errorName,
        args: namedArgs(abiError, reverted.data.args as readonly unknown[] | undefined),
        ...context,
        cause: error,
      });
    }
  }
  const data = revertDataOf(error);
  if (data) {
    const decoded = decodeParapetRevert(data);
    if (decoded) return new ParapetContractError({ ...decoded, ...context, cause: error });
  }
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as
      | ContractFunctionRevertedError
      | undefined;
    if (reverted) {
      return new ParapetContractError({
        errorName: undefined,
        args: {},
        ...context,
        reason: reverted.reason ?? reverted.shortMessage,
        cause: error,
      });
    }
  }
  return undefined;
}
