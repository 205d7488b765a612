// LP flow requests (the LP side of the latency defence, docs/risks.md "LP flows at a known price"): a deposit or a
// redemption is requested now and settles at the pool mark of a block at least `minDelaySeconds` later, by anyone
// (a keeper earns the request's keeper fee; the requester may settle its own). Reads follow actions/read.ts (ids
// from the `RequestCreated` events, then deployless multicalls of `requestStatus` at one block); writes follow
// actions/write.ts (`build*` returns an unsigned transaction, `write*` checks the allowance first, then simulate →
// estimate → send → decoded events). Typed through the generated `as const` ABI.
import { type Address, erc20Abi, formatUnits } from "viem";
import { liquidityVaultAbi } from "../abis/index.js";
import type { ParapetContext } from "../client.js";
import { ParapetNoWalletError, ParapetSetupError, toParapetContractError } from "../errors.js";
import { assertBigintAmount, parseDecimal } from "../units.js";
import { built } from "./encode.js";
import { type LogRangeParameters, scanLogRange } from "./logs.js";
import { type BlockParameters, deploylessMulticall, multicallInChunks, unwrapCallResult } from "./read.js";
import type { FlowParamsStruct } from "./structs.js";
import {
  type BuiltTransaction,
  sendParapetTransaction,
  type TokenAmount,
  type WriteOptions,
  type WriteReturnType,
} from "./write.js";

// ---- parameters ----------------------------------------------------------------------------------------------------

/**
 * ILiquidityVault.FlowParams as the contract takes and returns it (`setFlowParams`, `flowParams`; viem reads uint32
 * and uint16 as numbers), derived from the ABI: `minDelaySeconds` (0: the defence is off, immediate ERC-4626 flows,
 * still with the fees), `settlementTimeoutSeconds`, `entryFeeBps` (on a deposit's assets, kept by the pool),
 * `exitFeeBps` (on what a redemption is worth at settlement, kept by the pool), `keeperFeeTokens` (paid by each
 * request to whoever settles it, token units).
 */
export type LpFlowParams = FlowParamsStruct;

/**
 * The constant bounds of {@link LpFlowParams} (LiquidityVault's MIN_/MAX_ constants), checked by the deployment
 * parameters before anything is sent.
 */
export const LP_FLOW_BOUNDS = {
  minDelaySeconds: 60,
  maxDelaySeconds: 86_400,
  /** The timeout leaves at least this after the delay. */
  minSettlementWindowSeconds: 60,
  maxSettlementTimeoutSeconds: 7 * 86_400,
  maxFeeBps: 500,
  maxKeeperFeeWholeTokens: 1_000,
} as const;

/**
 * What every deployment turns on unless its parameter file says otherwise (docs/risks.md explains the numbers):
 * requests settle 10 minutes later (the owner may cancel in the first 5), time out after an hour; the entry fee is a
 * 0.5 % feed's deviation threshold (what a round can move a fully utilised pool by), the exit fee that threshold at the
 * 80 % utilisation cap a redemption must keep; 1 token of keeper fee pays a settlement at 10 markets on an L2.
 */
export const DEFAULT_LP_FLOWS = {
  minDelaySeconds: 600,
  settlementTimeoutSeconds: 3_600,
  entryFeeBps: 50,
  exitFeeBps: 40,
  /** Whole tokens (a decimal string), converted with the collateral's decimals. */
  keeperFee: "1",
} as const;

/** {@link DEFAULT_LP_FLOWS} for a collateral with `decimals`. */
export function defaultLpFlowParams(decimals: number): LpFlowParams {
  const { keeperFee, ...rest } = DEFAULT_LP_FLOWS;
  return { ...rest, keeperFeeTokens: parseDecimal(keeperFee, decimals, { argument: "keeperFee" }) };
}

export type GetLpFlowParamsParameters = BlockParameters;
export type GetLpFlowParamsReturnType = LpFlowParams & {
  /** `minDelaySeconds ≠ 0`: deposits and redemptions go through requests; ERC-4626's max* are 0. */
  enabled: boolean;
};

/** The LP vault's flow parameters now (one eth_call). */
export async function getLpFlowParams(
  client: ParapetContext,
  parameters: GetLpFlowParamsParameters = {},
): Promise<GetLpFlowParamsReturnType> {
  try {
    const p = await client.publicClient.readContract({
      address: client.deployment.liquidityVault,
      abi: liquidityVaultAbi,
      functionName: "flowParams",
      ...(parameters.blockNumber !== undefined ? { blockNumber: parameters.blockNumber } : {}),
    });
    return { ...p, enabled: p.minDelaySeconds !== 0 };
  } catch (error) {
    throw toParapetContractError(error, { functionName: "flowParams", step: "read" }) ?? error;
  }
}

// ---- reads ---------------------------------------------------------------------------------------------------------

/** ILiquidityVault.RequestStatus of a live request. */
export type LpRequestStatus = "pending" | "locked" | "settleable" | "expired";
const STATUS: Record<number, LpRequestStatus | undefined> = {
  1: "pending",
  2: "locked",
  3: "settleable",
  4: "expired",
};

/** A live LP request and its state now. */
export type LpRequest = {
  requestId: bigint;
  kind: "deposit" | "redeem";
  /** Whose escrow it is (the depositor, or the owner of the shares): refunds go there; it may cancel while pending. */
  owner: Address;
  /** Gets the shares (deposit) or the assets (redemption). */
  receiver: Address;
  /** Token units (a deposit's assets) or shares (a redemption). */
  amount: bigint;
  /** Paid to the settler (token units): on top of a deposit's assets, out of a redemption's. */
  keeperFeeTokens: bigint;
  /** The entry (deposit) or exit (redemption) fee, fixed at the request (basis points). */
  feeBps: number;
  /** Timestamps (s): the owner may cancel before `cancelBefore`; anyone may settle from `settleAfter` until `expiresAt`; from `expiresAt` anyone may cancel (full refund). */
  cancelBefore: bigint;
  settleAfter: bigint;
  expiresAt: bigint;
  /** pending: the owner may cancel; locked: nobody acts until settleAfter; settleable: anyone settles; expired: anyone cancels. */
  status: LpRequestStatus;
};

export type DiscoverLpRequestIdsParameters = LogRangeParameters & {
  /** Only requests of this owner (the indexed `owner` topic). */
  owner?: Address | undefined;
};

export type DiscoverLpRequestIdsReturnType = {
  /** Ids of every request made in the range (live or not), ascending. */
  requestIds: bigint[];
  /** The last block scanned: resume from `toBlock + 1n`. */
  toBlock: bigint;
};

/** Ids of the LP requests made in a block range (`RequestCreated`, paged), optionally of one owner. */
export async function discoverLpRequestIds(
  client: ParapetContext,
  parameters: DiscoverLpRequestIdsParameters = {},
): Promise<DiscoverLpRequestIdsReturnType> {
  const { logs, toBlock } = await scanLogRange(client, parameters, (window) =>
    client.publicClient.getContractEvents({
      address: client.deployment.liquidityVault,
      abi: liquidityVaultAbi,
      eventName: "RequestCreated",
      args: parameters.owner !== undefined ? { owner: parameters.owner } : {},
      ...window,
      strict: true,
    }),
  );
  const ids = new Set(logs.map((log) => log.args.requestId));
  return { requestIds: [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), toBlock };
}

export type ReadLpRequestsParameters = BlockParameters & { requestIds: readonly bigint[] };
export type ReadLpRequestsReturnType = {
  /** The live requests among `requestIds`, in order. */
  requests: LpRequest[];
  /** Ids with no request any more (settled, cancelled, or never made): ids are never reused. */
  gone: bigint[];
};

/** The requests `requestIds` as they are now (multicalls sized from the deployless limits, at one block). */
export async function readLpRequests(
  client: ParapetContext,
  parameters: ReadLpRequestsParameters,
): Promise<ReadLpRequestsReturnType> {
  const address = client.deployment.liquidityVault;
  const ids = parameters.requestIds;
  const { results } = await multicallInChunks(
    client,
    ids.map((requestId) => ({
      address,
      abi: liquidityVaultAbi,
      functionName: "requestStatus",
      args: [requestId],
    })),
    { ...parameters, what: "liquidityVault requestStatus", gasPerCall: 30_000 },
  );
  const requests: LpRequest[] = [];
  const gone: bigint[] = [];
  results.forEach((r, j) => {
    const requestId = ids[j] as bigint;
    const [raw, statusCode] = unwrapCallResult<
      readonly [
        {
          owner: Address;
          settleAfter: number;
          expiresAt: number;
          isDeposit: boolean;
          receiver: Address;
          keeperFeeTokens: bigint;
          amount: bigint;
          cancelBefore: number;
          feeBps: number;
        },
        number,
      ]
    >(r, "requestStatus");
    const status = STATUS[Number(statusCode)];
    if (status === undefined) {
      gone.push(requestId);
      return;
    }
    requests.push({
      requestId,
      kind: raw.isDeposit ? "deposit" : "redeem",
      owner: raw.owner,
      receiver: raw.receiver,
      amount: raw.amount,
      keeperFeeTokens: raw.keeperFeeTokens,
      feeBps: Number(raw.feeBps),
      cancelBefore: BigInt(raw.cancelBefore),
      settleAfter: BigInt(raw.settleAfter),
      expiresAt: BigInt(raw.expiresAt),
      status,
    });
  });
  return { requests, gone };
}

export type GetLpRequestsParameters = Omit<DiscoverLpRequestIdsParameters, "toBlock"> & BlockParameters;
export type GetLpRequestsReturnType = LpRequest[];

/**
 * The live LP requests (of `owner`, or everyone's): ids from the `RequestCreated` events up to `blockNumber` (default
 * latest), then their `requestStatus` at that block.
 */
export async function getLpRequests(
  client: ParapetContext,
  parameters: GetLpRequestsParameters = {},
): Promise<GetLpRequestsReturnType> {
  const blockNumber = parameters.blockNumber ?? (await client.publicClient.getBlockNumber({ cacheTime: 0 }));
  const { requestIds } = await discoverLpRequestIds(client, { ...parameters, toBlock: blockNumber });
  return (await readLpRequests(client, { requestIds, blockNumber })).requests;
}

export type GetLpRequestParameters = BlockParameters & { requestId: bigint };
/** One request's state now, or undefined when it is gone (settled, cancelled or never made). */
export async function getLpRequest(
  client: ParapetContext,
  parameters: GetLpRequestParameters,
): Promise<LpRequest | undefined> {
  const { requests } = await readLpRequests(client, { ...parameters, requestIds: [parameters.requestId] });
  return requests[0];
}

// ---- builders ------------------------------------------------------------------------------------------------------

function tokens(client: ParapetContext, value: TokenAmount, argument: string): bigint {
  return typeof value === "string"
    ? parseDecimal(value, client.deployment.collateralDecimals, { argument, allowZero: false })
    : assertBigintAmount(value, { argument, allowZero: false });
}

function requestIdOf(value: bigint): bigint {
  return assertBigintAmount(value, { argument: "requestId", allowZero: false });
}

export type BuildLpRequestDepositParameters = {
  /** Token units or a decimal string; the keeper fee is pulled on top of it. */
  amount: TokenAmount;
  receiver: Address;
};
/** `requestDeposit(assets, receiver)`: escrows the assets and the vault's keeper fee from the sender. */
export function buildLpRequestDeposit(
  client: ParapetContext,
  parameters: BuildLpRequestDepositParameters,
): BuiltTransaction {
  const assets = tokens(client, parameters.amount, "amount");
  return built(client.deployment.liquidityVault, liquidityVaultAbi, "requestDeposit", [assets, parameters.receiver]);
}

export type BuildLpRequestRedeemParameters = {
  /** Shares (the LP token's smallest units: 10^(collateral decimals + 6) per whole share). */
  shares: bigint;
  receiver: Address;
  /** Whose shares: the sender, or an owner that gave the sender a share allowance. */
  owner: Address;
};
/** `requestRedeem(shares, receiver, owner)`: escrows the shares; the keeper fee is taken from the assets at settlement. */
export function buildLpRequestRedeem(
  client: ParapetContext,
  parameters: BuildLpRequestRedeemParameters,
): BuiltTransaction {
  const shares = assertBigintAmount(parameters.shares, { argument: "shares", allowZero: false });
  return built(client.deployment.liquidityVault, liquidityVaultAbi, "requestRedeem", [
    shares,
    parameters.receiver,
    parameters.owner,
  ]);
}

export type BuildLpRequestIdParameters = { requestId: bigint };

/** `settleRequest(id)`: anyone, while the request is settleable; pays its keeper fee to the sender. */
export function buildLpSettle(client: ParapetContext, parameters: BuildLpRequestIdParameters): BuiltTransaction {
  return built(client.deployment.liquidityVault, liquidityVaultAbi, "settleRequest", [
    requestIdOf(parameters.requestId),
  ]);
}

/** `cancelRequest(id)`: the owner while pending, anyone once expired (full refund to the owner); nobody otherwise. */
export function buildLpCancel(client: ParapetContext, parameters: BuildLpRequestIdParameters): BuiltTransaction {
  return built(client.deployment.liquidityVault, liquidityVaultAbi, "cancelRequest", [
    requestIdOf(parameters.requestId),
  ]);
}

// ---- write* --------------------------------------------------------------------------------------------------------

export type WriteLpRequestDepositParameters = BuildLpRequestDepositParameters & WriteOptions;
export type WriteLpRequestRedeemParameters = BuildLpRequestRedeemParameters & WriteOptions;
export type WriteLpSettleParameters = BuildLpRequestIdParameters & WriteOptions;
export type WriteLpCancelParameters = BuildLpRequestIdParameters & WriteOptions;

/** A request's transaction and the id the LP vault gave it. */
export type WriteLpRequestReturnType = WriteReturnType & { requestId: bigint };

function createdId(write: WriteReturnType): bigint {
  for (const e of write.events) {
    if (e.eventName === "RequestCreated") return (e.args as { requestId: bigint }).requestId;
  }
  throw new Error(`the receipt of ${write.hash} has no RequestCreated event`);
}

function senderOf(client: ParapetContext): Address {
  const account = client.walletClient?.account;
  if (!account) throw new ParapetNoWalletError();
  return account.address;
}

/**
 * Requests an LP deposit: checks that the sender's allowance to the LP vault covers `amount` + the keeper fee
 * (ParapetSetupError ALLOWANCE_TOO_LOW naming the approval), then `buildLpRequestDeposit` → send. Returns the id;
 * it settles `minDelaySeconds` later (`writeLpSettle`, by anyone).
 */
export async function writeLpRequestDeposit(
  client: ParapetContext,
  parameters: WriteLpRequestDepositParameters,
): Promise<WriteLpRequestReturnType> {
  const tx = buildLpRequestDeposit(client, parameters);
  const sender = senderOf(client);
  const assets = tokens(client, parameters.amount, "amount");
  const { liquidityVault, collateralToken, collateralDecimals } = client.deployment;
  const calls = [
    { address: liquidityVault, abi: liquidityVaultAbi, functionName: "flowParams" },
    { address: collateralToken, abi: erc20Abi, functionName: "allowance", args: [sender, liquidityVault] },
  ] as const;
  const results = await deploylessMulticall(client, calls);
  const params = unwrapCallResult<LpFlowParams>(results[0], "flowParams");
  const allowance = unwrapCallResult<bigint>(results[1], "allowance");
  const needed = assets + params.keeperFeeTokens;
  if (allowance < needed) {
    const human = (x: bigint) => formatUnits(x, collateralDecimals);
    throw new ParapetSetupError(
      "ALLOWANCE_TOO_LOW",
      `The sender's allowance to the LP vault is ${human(allowance)}, below the deposit ${human(assets)} + keeper fee ${human(params.keeperFeeTokens)} it escrows.`,
      `Approve the LP vault first: writeApprove({ amount: ${needed}n, spender: "liquidityVault" }) (or parapet lp deposit … --approve).`,
    );
  }
  const write = await sendParapetTransaction(client, tx, parameters);
  return { ...write, requestId: createdId(write) };
}

/**
 * Requests an LP redemption: when the sender is not `owner`, checks its share allowance first (ParapetSetupError
 * ALLOWANCE_TOO_LOW), then `buildLpRequestRedeem` → send. Returns the id.
 */
export async function writeLpRequestRedeem(
  client: ParapetContext,
  parameters: WriteLpRequestRedeemParameters,
): Promise<WriteLpRequestReturnType> {
  const tx = buildLpRequestRedeem(client, parameters);
  const sender = senderOf(client);
  if (sender.toLowerCase() !== parameters.owner.toLowerCase()) {
    const allowance = await client.publicClient.readContract({
      address: client.deployment.liquidityVault,
      abi: liquidityVaultAbi,
      functionName: "allowance",
      args: [parameters.owner, sender],
    });
    if (allowance < parameters.shares) {
      throw new ParapetSetupError(
        "ALLOWANCE_TOO_LOW",
        `The sender ${sender} may move ${allowance} of ${parameters.owner}'s shares, below the ${parameters.shares} requested.`,
        `Send from ${parameters.owner}, or have it approve the sender on the LP vault (ERC-20 approve of the shares).`,
      );
    }
  }
  const write = await sendParapetTransaction(client, tx, parameters);
  return { ...write, requestId: createdId(write) };
}

export const writeLpSettle = (c: ParapetContext, p: WriteLpSettleParameters): Promise<WriteReturnType> =>
  sendParapetTransaction(c, buildLpSettle(c, p), p);
export const writeLpCancel = (c: ParapetContext, p: WriteLpCancelParameters): Promise<WriteReturnType> =>
  sendParapetTransaction(c, buildLpCancel(c, p), p);
