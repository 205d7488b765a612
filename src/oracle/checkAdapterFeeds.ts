import type { Address, BlockNumber, BlockTag, Client, Hex } from "viem";
import { BaseError, decodeAbiParameters, decodeErrorResult, encodeDeployData, getAddress, isAddress } from "viem";
import { call, getBlock } from "viem/actions";
import { oracleHealthReaderBytecode } from "../abis/oracleHealthReader.js";
import { itemsPerRead } from "../actions/deployless.js";
import { OracleCheckError } from "./errors.js";
import {
  defaultOracleWarnThresholds,
  evaluateFeed,
  evaluateSequencer,
  type OracleHealth,
  type OracleWarnThresholds,
  type RawFeedRead,
  type RawSequencerRead,
  type SequencerHealth,
} from "./evaluate.js";

/** A feed to check: its address, or the address with a label (symbol) and the market it prices. */
export type OracleFeedInput = Address | { feed: Address; label?: string | undefined; marketId?: bigint | undefined };

export type CheckAdapterFeedsParameters = {
  oracleAdapter: Address;
  feeds: readonly OracleFeedInput[];
  /** Warning thresholds; missing fields take {@link defaultOracleWarnThresholds}. */
  thresholds?: Partial<OracleWarnThresholds> | undefined;
  /** Block to read at (default: the client's latest). */
  blockNumber?: bigint | undefined;
  blockTag?: BlockTag | undefined;
};

export type CheckAdapterFeedsReturnType = {
  blockNumber: bigint;
  /** `block.timestamp` as the adapter sees it in the same call. */
  blockTimestamp: bigint;
  /** The adapter's sequencer feed; undefined when none is set (L1). */
  sequencer: SequencerHealth | undefined;
  /** One entry per input feed, in input order. */
  feeds: OracleHealth[];
};

export type CheckAdapterFeedsErrorType = OracleCheckError;

const readerAbi = [
  { type: "constructor", stateMutability: "nonpayable", inputs: [{ type: "address" }, { type: "address[]" }] },
  { type: "error", name: "NotAContract", inputs: [{ name: "account", type: "address" }] },
] as const;

const rawRound = {
  type: "tuple",
  components: [
    { name: "success", type: "bool" },
    { name: "size", type: "uint256" },
    { name: "words", type: "uint256[5]" },
  ],
} as const;
const rawWord = {
  type: "tuple",
  components: [
    { name: "success", type: "bool" },
    { name: "size", type: "uint256" },
    { name: "word", type: "uint256" },
  ],
} as const;

/** Layout of `OracleHealthReader.Report` (contracts/lens/OracleHealthReader.sol). */
const reportParameters = [
  {
    type: "tuple",
    components: [
      { name: "blockNumber", type: "uint256" },
      { name: "blockTimestamp", type: "uint256" },
      { name: "sequencerFeed", type: "address" },
      { name: "sequencerGracePeriod", type: "uint32" },
      { name: "sequencerRound", ...rawRound },
      {
        name: "feeds",
        type: "tuple[]",
        components: [
          { name: "feed", type: "address" },
          {
            name: "config",
            type: "tuple",
            components: [
              { name: "heartbeat", type: "uint32" },
              { name: "secondaryHeartbeat", type: "uint32" },
              { name: "maxDeviationBps", type: "uint16" },
              { name: "hasBounds", type: "bool" },
              { name: "secondaryFeed", type: "address" },
            ],
          },
          {
            name: "bounds",
            type: "tuple",
            components: [
              { name: "minAnswer", type: "int128" },
              { name: "maxAnswer", type: "int128" },
            ],
          },
          { name: "round", ...rawRound },
          { name: "decimals", ...rawWord },
          { name: "secondaryRound", ...rawRound },
          { name: "secondaryDecimals", ...rawWord },
          {
            name: "market",
            type: "tuple",
            components: [
              { name: "scheduled", type: "bool" },
              { name: "open", type: "bool" },
              { name: "flags", type: "uint256" },
              { name: "lastOpen", type: "uint256" },
              { name: "nextClose", type: "uint256" },
              { name: "nextOpen", type: "uint256" },
            ],
          },
        ],
      },
    ],
  },
] as const;

function normalizeFeed(input: OracleFeedInput, index: number) {
  const entry = typeof input === "string" ? { feed: input } : input;
  if (typeof entry.feed !== "string" || !isAddress(entry.feed, { strict: false })) {
    throw new OracleCheckError({
      code: "INVALID_ADDRESS",
      summary: `feeds[${index}] is not an address: ${String(entry.feed)}.`,
      fix: "Pass the Chainlink feed (proxy) address the adapter was configured with, as a 0x-prefixed 20-byte hex string.",
      argument: String(entry.feed),
    });
  }
  return { feed: getAddress(entry.feed), label: entry.label, marketId: entry.marketId };
}

function revertData(error: unknown): Hex | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const found = error.walk((e) => typeof (e as { data?: unknown }).data === "string");
  const data = (found as { data?: unknown } | null)?.data;
  return typeof data === "string" && data.startsWith("0x") ? (data as Hex) : undefined;
}

type Report = ReturnType<typeof decodeAbiParameters<typeof reportParameters>>[0];

/** ABI size of `Report` without feeds (head, sequencer round, array length) and of one feed's static tuple. */
const REPORT_FIXED_BYTES = 14 * 32;
const REPORT_BYTES_PER_FEED = 34 * 32;

function adapterCallFailed(adapter: Address, error: unknown): OracleCheckError {
  return new OracleCheckError({
    code: "ADAPTER_CALL_FAILED",
    summary: `reading the oracle adapter ${adapter} failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
    fix: "Check that the address is an OracleAdapter (feedConfig, feedBounds, sequencerFeed) and that the RPC answers eth_call.",
    argument: adapter,
    cause: error,
  });
}

/** One deployless `OracleHealthReader` call for `feeds` at `block`. */
async function readReport(
  client: Client,
  adapter: Address,
  feeds: readonly { feed: Address }[],
  block: { blockNumber: BlockNumber } | { blockTag: BlockTag },
): Promise<Report> {
  const data = encodeDeployData({
    abi: readerAbi,
    bytecode: oracleHealthReaderBytecode,
    args: [adapter, feeds.map((f) => f.feed)],
  });
  let returned: Hex | undefined;
  try {
    ({ data: returned } = await call(client, { data, ...block }));
  } catch (error) {
    const revert = revertData(error);
    if (revert !== undefined && revert !== "0x") {
      try {
        const decoded = decodeErrorResult({ abi: readerAbi, data: revert });
        if (decoded.errorName === "NotAContract") {
          throw new OracleCheckError({
            code: "ADAPTER_NOT_A_CONTRACT",
            summary: `oracleAdapter ${adapter} has no code at this block.`,
            fix: "Check the address and the chain (client.chain) the adapter is deployed on, and the block read.",
            argument: adapter,
            cause: error,
          });
        }
      } catch (decodeError) {
        if (decodeError instanceof OracleCheckError) throw decodeError;
      }
    }
    throw adapterCallFailed(adapter, error);
  }
  if (returned === undefined) {
    throw new OracleCheckError({
      code: "ADAPTER_CALL_FAILED",
      summary: "the deployless oracle read returned no data.",
      fix: "Use an RPC that supports eth_call without a `to` address (contract-creation calls).",
      argument: adapter,
    });
  }
  return decodeAbiParameters(reportParameters, returned)[0];
}

/**
 * Checks Chainlink feeds the way `OracleAdapter.priceWad` does, off-chain, in one `eth_call` per 22 feeds, all at one block (a deployless
 * read: the creation code of `OracleHealthReader` runs in the call and returns every raw read, including the
 * secondary feed and the sequencer feed the adapter names). No Multicall3 is needed on the chain.
 *
 * Each feed gets `fail` exactly when `priceWad(feed)` would revert at that block (the first reason names the check
 * and `contractError` the custom error), `warn` for conditions the contract does not see yet (heartbeat almost due,
 * answer near a bound, deviation rising), `ok` otherwise.
 */
export async function checkAdapterFeeds(
  client: Client,
  parameters: CheckAdapterFeedsParameters,
): Promise<CheckAdapterFeedsReturnType> {
  if (typeof parameters !== "object" || parameters === null) {
    // The common slip: the low-level check given a Parapet client, as if it were `parapet.checkOracles()`.
    const isParapet = typeof client === "object" && client !== null && "deployment" in client;
    throw new OracleCheckError({
      code: "MISSING_PARAMETERS",
      summary: `checkAdapterFeeds(client, { oracleAdapter, feeds }) was called without its parameters${isParapet ? " and with a Parapet client" : ""}.`,
      fix: isParapet
        ? "Call parapet.checkOracles() (or checkMarketOracles(parapet)) to check the deployment's feeds; checkAdapterFeeds(publicClient, { oracleAdapter, feeds }) is the low-level check of any adapter."
        : "Pass { oracleAdapter, feeds } as the second argument.",
    });
  }
  const { oracleAdapter, blockNumber, blockTag } = parameters;
  if (typeof oracleAdapter !== "string" || !isAddress(oracleAdapter, { strict: false })) {
    throw new OracleCheckError({
      code: "INVALID_ADDRESS",
      summary: `oracleAdapter is not an address: ${String(oracleAdapter)}.`,
      fix: "Pass the deployed OracleAdapter address as a 0x-prefixed 20-byte hex string.",
      argument: String(oracleAdapter),
    });
  }
  const adapter = getAddress(oracleAdapter);
  const feeds = parameters.feeds.map(normalizeFeed);
  const thresholds: OracleWarnThresholds = { ...defaultOracleWarnThresholds };
  for (const [key, value] of Object.entries(parameters.thresholds ?? {}) as [keyof OracleWarnThresholds, unknown][]) {
    if (value === undefined) continue;
    if (typeof value !== "bigint" || value < 0n) {
      throw new OracleCheckError({
        code: "INVALID_THRESHOLD",
        summary: `thresholds.${key} must be a non-negative bigint (bps), got ${String(value)}.`,
        fix: "Pass basis points as a bigint, e.g. 8000n for 80 %.",
        argument: String(value),
      });
    }
    thresholds[key] = value;
  }

  // One deployless call returns 448 + 1,088 bytes per feed: 22 feeds fit its 24,576-byte limit. More feeds are read in
  // calls of at most that many, all at one block (fetched first), so the verdicts still compare like with like.
  const perRead = itemsPerRead(
    {
      initcodeBytes: { fixed: (oracleHealthReaderBytecode.length - 2) / 2 + 96, perItem: 32 },
      returnedBytes: { fixed: REPORT_FIXED_BYTES, perItem: REPORT_BYTES_PER_FEED },
      gas: { fixed: 100_000, perItem: 300_000 },
    },
    undefined,
    "oracle check",
  );
  let at: { blockNumber: BlockNumber } | { blockTag: BlockTag } =
    blockNumber !== undefined ? { blockNumber } : { blockTag: blockTag ?? "latest" };
  if (feeds.length > perRead && blockNumber === undefined) {
    const pinned = await getBlock(client, { blockTag: blockTag ?? "latest" }).catch((error: unknown) => {
      throw adapterCallFailed(adapter, error);
    });
    if (pinned.number === null) throw adapterCallFailed(adapter, new Error(`block "${blockTag}" has no number yet`));
    at = { blockNumber: pinned.number };
  }
  const chunks: (typeof feeds)[] = [];
  for (let i = 0; i < feeds.length; i += perRead) chunks.push(feeds.slice(i, i + perRead));
  if (chunks.length === 0) chunks.push([]);
  const reports = await Promise.all(chunks.map((chunk) => readReport(client, adapter, chunk, at)));
  const report = { ...(reports[0] as Report), feeds: reports.flatMap((r) => r.feeds) };
  const block = { blockNumber: report.blockNumber, blockTimestamp: report.blockTimestamp };
  const sequencer: RawSequencerRead = {
    sequencerFeed: report.sequencerFeed,
    sequencerGracePeriod: report.sequencerGracePeriod,
    sequencerRound: report.sequencerRound,
  };
  const results = report.feeds.map((raw: RawFeedRead, i) =>
    evaluateFeed(raw, sequencer, block, thresholds, { label: feeds[i]?.label, marketId: feeds[i]?.marketId }),
  );
  const sequencerHealth = evaluateSequencer(sequencer, block.blockTimestamp).health;
  return { ...block, sequencer: sequencerHealth, feeds: results };
}

/** The oracle actions bound to a client, viem-style: `publicClient.extend(oracleActions).checkAdapterFeeds({...})`. */
export function oracleActions(client: Client) {
  const check = (parameters: CheckAdapterFeedsParameters) => checkAdapterFeeds(client, parameters);
  return {
    checkAdapterFeeds: check,
    /** @deprecated Use `checkAdapterFeeds` (`parapet.checkOracles()` is the deployment-level check). */
    checkOracles: check,
  };
}

// The low-level check was called `checkOracles`, the name of the Parapet client's deployment-level method: kept so
// that existing code compiles.
/** @deprecated Use {@link checkAdapterFeeds}; `parapet.checkOracles()` / `checkMarketOracles` check a deployment. */
export const checkOracles = checkAdapterFeeds;
/** @deprecated Use {@link CheckAdapterFeedsParameters}. */
export type CheckOraclesParameters = CheckAdapterFeedsParameters;
/** @deprecated Use {@link CheckAdapterFeedsReturnType} (or `CheckMarketOraclesReturnType`). */
export type CheckOraclesReturnType = CheckAdapterFeedsReturnType;
/** @deprecated Use {@link CheckAdapterFeedsErrorType}. */
export type CheckOraclesErrorType = CheckAdapterFeedsErrorType;
