// The keeper's scan: the health of every account at one block, from the deployless AccountScanner lens
// (contracts/lens/AccountScanner.sol), which reads each market's price and funding once for a whole chunk. Chunks are
// sized from the EVM's limits on deployless calls (src/actions/deployless.ts): 383 accounts per call, so 10,000
// accounts are 27 calls at one block (plus one request for the block number).
import { encodeDeployData, type Hex } from "viem";
import { accountScannerAbi, accountScannerBytecode } from "../abis/index.js";
import {
  DEFAULT_READ_LIMITS,
  deploylessCall,
  highInt128,
  itemsPerRead,
  lowUint128,
  packAccount,
  type ReadCost,
  type ReadLimits,
  readInChunks,
  words,
} from "../actions/deployless.js";
import type { ParapetContext } from "../client.js";
import { ParapetInputError } from "../errors.js";
import type { AccountRef } from "./accounts.js";

/** One account at the scanned block (USD WAD, funding accrued to that block). */
export type AccountHealth = {
  account: AccountRef;
  /** False when a market of the account has no valid oracle price: it cannot be liquidated now (nor valued). */
  priced: boolean;
  /** Equity, maintenance margin and notional; 0n when not priced. */
  equityUsd: bigint;
  maintenanceMarginUsd: bigint;
  notionalUsd: bigint;
  /** Markets the account holds (bit i = market i). */
  marketBitmap: bigint;
  /** Priced, with positions, equity below maintenance margin: what `isLiquidatable` says. */
  liquidatable: boolean;
};

export type ScanAccountsParameters = {
  accounts: readonly AccountRef[];
  /** Accounts per eth_call (default: the most the limits allow, 383). */
  accountsPerCall?: number | undefined;
  blockNumber?: bigint | undefined;
  limits?: ReadLimits | undefined;
};

export type ScanAccountsReturnType = {
  /** Every account, in input order. */
  health: AccountHealth[];
  /** The liquidatable accounts, largest shortfall (maintenance margin − equity) first: bad debt leads. */
  candidates: AccountHealth[];
  /** Accounts whose market has no valid price (the oracle, not the read, failed). */
  unpriced: AccountRef[];
  blockNumber: bigint | undefined;
  /** eth_call requests the scan sent. */
  requests: number;
};

const WORD = 32;
/** Gas per account at most once its markets are cached (three views and the margin math per position: ≈ 8k). */
const SCAN_GAS_PER_ACCOUNT = 12_000;
/** Gas per market the first time a chunk meets it (params, guarded price, current funding: ≈ 40k). */
const SCAN_GAS_PER_MARKET = 60_000;

/** What one scan chunk costs (contracts/lens/AccountScanner.sol: one word in, two words out per account). */
export function accountScanCost(marketCount: number): ReadCost {
  return {
    // creation code + (vault, offset, length) + one word per account
    initcodeBytes: { fixed: (accountScannerBytecode.length - 2) / 2 + 3 * WORD, perItem: WORD },
    // header word + two words per account
    returnedBytes: { fixed: WORD, perItem: 2 * WORD },
    gas: { fixed: 100_000 + SCAN_GAS_PER_MARKET * marketCount, perItem: SCAN_GAS_PER_ACCOUNT },
  };
}

/** Decodes one AccountScanner result; `accounts` are the chunk's inputs. */
export function decodeAccountScan(data: Hex, accounts: readonly AccountRef[]): AccountHealth[] {
  const w = words(data);
  const n = Number(w[0] ?? 0n);
  const health: AccountHealth[] = [];
  for (let i = 0; i < Math.min(n, accounts.length); i++) {
    const margin = w[1 + 2 * i] ?? 0n;
    const rest = w[2 + 2 * i] ?? 0n;
    const account = accounts[i] as AccountRef;
    const priced = rest >> 248n === 0n;
    const equityUsd = highInt128(margin);
    const maintenanceMarginUsd = lowUint128(margin);
    const marketBitmap = lowUint128(rest);
    health.push({
      account,
      priced,
      equityUsd,
      maintenanceMarginUsd,
      notionalUsd: (rest >> 128n) & ((1n << 120n) - 1n),
      marketBitmap,
      liquidatable: priced && marketBitmap !== 0n && equityUsd < maintenanceMarginUsd,
    });
  }
  return health;
}

/**
 * The health of every account in `accounts` at one block (the first chunk's), in deployless calls sized from the
 * EVM's limits. Accounts whose market has an invalid price come back `priced: false` (and in `unpriced`); a chunk
 * the node cannot answer is a ParapetReadError, never an unpriced account.
 */
export async function scanAccounts(
  client: ParapetContext,
  parameters: ScanAccountsParameters,
): Promise<ScanAccountsReturnType> {
  const limits = parameters.limits ?? DEFAULT_READ_LIMITS;
  const fit = itemsPerRead(accountScanCost(client.deployment.markets.length), limits, "account scan");
  const perCall = parameters.accountsPerCall ?? fit;
  if (!Number.isSafeInteger(perCall) || perCall <= 0) {
    throw new ParapetInputError("accountsPerCall", `is ${perCall}.`, "Pass a positive integer.");
  }
  const read = await readInChunks({
    items: parameters.accounts,
    perRead: Math.min(perCall, fit),
    blockNumber: parameters.blockNumber,
    what: "account scan",
    read: async (chunk, blockNumber) => {
      const data = encodeDeployData({
        abi: accountScannerAbi,
        bytecode: accountScannerBytecode,
        args: [client.deployment.perpVault, chunk.map((a) => packAccount(a.owner, a.accountIndex))],
      });
      const returned = await deploylessCall(client, { data, blockNumber, what: "account scan", items: chunk.length });
      return decodeAccountScan(returned, chunk);
    },
    latestBlock: () => client.publicClient.getBlockNumber({ cacheTime: 0 }),
  });
  const health = read.results;
  const candidates = health
    .filter((h) => h.liquidatable)
    .sort((a, b) => {
      const sa = a.maintenanceMarginUsd - a.equityUsd;
      const sb = b.maintenanceMarginUsd - b.equityUsd;
      return sa === sb ? 0 : sa > sb ? -1 : 1;
    });
  return {
    health,
    candidates,
    unpriced: health.filter((h) => !h.priced).map((h) => h.account),
    blockNumber: read.blockNumber,
    requests: read.requests,
  };
}
