// The exposure options of plan, hedge, rebalance and keeper (--exposure, --lp, --hedge-with, --price, the hedge
// policy's account, leverage and stop-loss options) and their conversion to the engine's exposures.
import type { Address } from "viem";
import type { ParapetContext } from "../client.js";
import { constantProductLp } from "../hedge/lp.js";
import type { Exposure, HedgePolicy } from "../hedge/types.js";
import { accountIndexOption, numberOption, parseFiniteNumber, splitPair } from "./args.js";
import { addressOption } from "./connect.js";
import { usage } from "./errors.js";

export const EXPOSURE_OPTIONS = {
  exposure: { type: "string", multiple: true },
  lp: { type: "string", multiple: true },
  "hedge-with": { type: "string", multiple: true },
  price: { type: "string", multiple: true },
  "from-wallet": { type: "string" },
  "position-manager": { type: "string" },
  "uniswap-position": { type: "string", multiple: true },
  "wallet-token": { type: "string", multiple: true },
  "first-account-index": { type: "string" },
  "max-leverage": { type: "string" },
  "stop-loss-distance": { type: "string" },
  "stop-keeper-fee": { type: "string" },
  "stop-expiry-days": { type: "string" },
} as const;

export const EXPOSURE_HELP = `Exposures (at least one):
  --exposure ASSET=AMOUNT      hold AMOUNT units of ASSET (negative: short), e.g. --exposure ETH=10  (repeatable)
  --lp ASSET=USD_VALUE         a constant-product ASSET/USD pool position worth USD_VALUE now  (repeatable)
  --hedge-with ASSET=MARKET    hedge ASSET in MARKET's perp, e.g. --hedge-with WBTC=BTC  (repeatable)
  --price ASSET=USD            price of an exposed asset that has no market of its own  (repeatable)
  --from-wallet ADDRESS        hedge what ADDRESS holds on chain: its native balance, each --wallet-token, and its
                               Uniswap v3 positions (with --position-manager; all of them, or the --uniswap-position
                               IDs), read at one block (parapet exposures shows them)
  --uniswap-position ID        hedge this Uniswap v3 position, by its delta (repeatable; needs --position-manager;
                               the owner is --from-wallet, else the position's holder)
  --position-manager ADDRESS   Uniswap v3 NonfungiblePositionManager (0xC36442b4a4522E871399CD717aBDD847Ab11FE88 on
                               mainnet and most L2s)
  --wallet-token ADDRESS       an ERC-20 of --from-wallet to hedge (repeatable)
  --first-account-index N      first account used for hedges (default 1; one isolated account per hedge)
  --max-leverage X             max leverage of a hedge account (default 3)
  --stop-loss-distance F       attach a reduce-only stop-loss to each hedge leg, F (0..1) against it, e.g. 0.2: a
                               short's stop 20 % above the price (placed by hedge/rebalance; docs/orders.md)
  --stop-keeper-fee USDC       keeper fee escrowed per stop (default 0: keepers skip stops that do not pay the gas)
  --stop-expiry-days D         life of each stop (default 30; refreshed by the next hedge or rebalance)`;

/** Exposures read from chain at run time ({@link resolveExposures}). */
export type OnChainExposureArgs = {
  owner: Address | undefined;
  positionManager: Address | undefined;
  tokenIds: bigint[];
  tokens: Address[];
};

export type ExposureArgs = {
  exposures: { asset: string; amount: number }[];
  onChain?: OnChainExposureArgs | undefined;
  lps: { asset: string; valueUsd: number }[];
  hedgePolicy: Partial<HedgePolicy>;
  pricesUsd: Record<string, number>;
};

type ExposureValues = {
  exposure?: string[] | undefined;
  lp?: string[] | undefined;
  "hedge-with"?: string[] | undefined;
  price?: string[] | undefined;
  "from-wallet"?: string | undefined;
  "position-manager"?: string | undefined;
  "uniswap-position"?: string[] | undefined;
  "wallet-token"?: string[] | undefined;
  "first-account-index"?: string | undefined;
  "max-leverage"?: string | undefined;
  "stop-loss-distance"?: string | undefined;
  "stop-keeper-fee"?: string | undefined;
  "stop-expiry-days"?: string | undefined;
};

/** The exposure options as planner inputs (usage errors name the argument); `required`: at least one exposure. */
export function parseExposureArgs(values: ExposureValues, required: boolean): ExposureArgs | undefined {
  const exposures = (values.exposure ?? []).map((v) => {
    const [asset, amount] = splitPair("--exposure", v, "AMOUNT", "ETH=10");
    return {
      asset,
      amount: parseFiniteNumber(`--exposure ${v}`, amount, (x) => x !== 0, "a non-zero amount", "--exposure ETH=10"),
    };
  });
  const lps = (values.lp ?? []).map((v) => {
    const [asset, usd] = splitPair("--lp", v, "USD_VALUE", "ETH=100000");
    return {
      asset,
      valueUsd: parseFiniteNumber(`--lp ${v}`, usd, (x) => x > 0, "a positive USD value", "--lp ETH=100000"),
    };
  });
  const hedgeWith: Record<string, string> = {};
  for (const v of values["hedge-with"] ?? []) {
    const [asset, market] = splitPair("--hedge-with", v, "MARKET", "WBTC=BTC");
    hedgeWith[asset] = market.toUpperCase();
  }
  const pricesUsd: Record<string, number> = {};
  for (const v of values.price ?? []) {
    const [asset, usd] = splitPair("--price", v, "USD", "QQQ=480");
    pricesUsd[asset] = parseFiniteNumber(`--price ${v}`, usd, (x) => x > 0, "a positive USD price", "--price QQQ=480");
  }
  const onChain = parseOnChainArgs(values);
  if (exposures.length === 0 && lps.length === 0 && onChain === undefined) {
    if (!required) return undefined;
    throw usage(
      "(none)",
      "No exposure to hedge.",
      "Pass at least one --exposure ASSET=AMOUNT, --lp ASSET=USD_VALUE, --from-wallet ADDRESS or --uniswap-position ID.",
    );
  }
  const hedgePolicy: Partial<HedgePolicy> = { hedgeWith };
  if (values["first-account-index"] !== undefined) {
    hedgePolicy.firstAccountIndex = accountIndexOption(values["first-account-index"], "--first-account-index");
  }
  if (values["max-leverage"] !== undefined) {
    hedgePolicy.maxLeverage = numberOption(
      "max-leverage",
      values["max-leverage"],
      3,
      (x) => x > 0 && x <= 100,
      "a leverage in (0, 100]",
    );
  }
  if (values["stop-loss-distance"] !== undefined) {
    hedgePolicy.stopLoss = {
      distanceRatio: numberOption(
        "stop-loss-distance",
        values["stop-loss-distance"],
        0.2,
        (x) => x > 0 && x < 1,
        "a fraction in (0, 1)",
      ),
      keeperFeeUsd: numberOption(
        "stop-keeper-fee",
        values["stop-keeper-fee"],
        0,
        (x) => x >= 0 && x < 1e9,
        "a token amount ≥ 0",
      ),
      expirySeconds: Math.round(
        numberOption(
          "stop-expiry-days",
          values["stop-expiry-days"],
          30,
          (x) => x > 0 && x <= 3650,
          "days in (0, 3650]",
        ) * 86_400,
      ),
    };
  } else if (values["stop-keeper-fee"] !== undefined || values["stop-expiry-days"] !== undefined) {
    throw usage(
      values["stop-keeper-fee"] !== undefined ? "--stop-keeper-fee" : "--stop-expiry-days",
      "The stop options need --stop-loss-distance.",
      "Pass --stop-loss-distance F (e.g. 0.2) to attach stops.",
    );
  }
  return { exposures, onChain, lps, hedgePolicy, pricesUsd };
}

/**
 * --position-manager and --uniswap-position (repeatable) as addresses and ids; an id needs the manager. Shared by
 * `parapet exposures` and the planning commands' --from-wallet / --uniswap-position.
 */
export function parseUniswapPositionArgs(values: {
  "position-manager"?: string | undefined;
  "uniswap-position"?: string[] | undefined;
}): { positionManager: Address | undefined; tokenIds: bigint[] } {
  const positionManager =
    values["position-manager"] === undefined
      ? undefined
      : addressOption("position-manager", values["position-manager"]);
  const tokenIds = (values["uniswap-position"] ?? []).map((v) => {
    if (!/^\d+$/.test(v))
      throw usage(
        `--uniswap-position ${v}`,
        `--uniswap-position ${v} is not a position id.`,
        "Pass the NFT's token id, e.g. --uniswap-position 123.",
      );
    return BigInt(v);
  });
  if (tokenIds.length > 0 && positionManager === undefined)
    throw usage(
      "--uniswap-position",
      "--uniswap-position needs --position-manager ADDRESS.",
      "Pass the chain's NonfungiblePositionManager.",
    );
  return { positionManager, tokenIds };
}

function parseOnChainArgs(values: ExposureValues): OnChainExposureArgs | undefined {
  const owner = values["from-wallet"] === undefined ? undefined : addressOption("from-wallet", values["from-wallet"]);
  const { positionManager, tokenIds } = parseUniswapPositionArgs(values);
  const tokens = (values["wallet-token"] ?? []).map((t) => addressOption("wallet-token", t));
  if (owner === undefined && tokenIds.length === 0) {
    if (positionManager !== undefined || tokens.length > 0)
      throw usage(
        positionManager !== undefined ? "--position-manager" : "--wallet-token",
        "--position-manager and --wallet-token read a wallet: they need --from-wallet ADDRESS (or --uniswap-position ID).",
        "Pass --from-wallet 0x… (whose holdings to hedge).",
      );
    return undefined;
  }
  return { owner, positionManager, tokenIds, tokens };
}

/**
 * The exposures of `args` with the on-chain ones read now ({@link toExposures} plus `readExposures` for --from-wallet
 * / --uniswap-position, in one request), and the pools' prices of their assets (the basis against the oracle).
 */
export async function resolveExposures(
  client: Pick<ParapetContext, "publicClient">,
  args: ExposureArgs,
  priceOf: (asset: string) => number | undefined,
): Promise<{ exposures: Exposure[]; poolPricesUsd: Record<string, number> }> {
  const byHand = toExposures(args, priceOf);
  const on = args.onChain;
  if (on === undefined) return { exposures: byHand, poolPricesUsd: {} };
  const { readExposures } = await import("../uniswap/read.js");
  let owner = on.owner;
  if (owner === undefined) {
    // Positions by id alone: their holder is the owner (one position manager read).
    const { nonfungiblePositionManagerAbi } = await import("../uniswap/abis.js");
    owner = await client.publicClient.readContract({
      address: on.positionManager as Address,
      abi: nonfungiblePositionManagerAbi,
      functionName: "ownerOf",
      args: [on.tokenIds[0] as bigint],
    });
  }
  const read = await readExposures(client, {
    owner,
    sources: {
      native: on.owner !== undefined,
      tokens: on.tokens,
      ...(on.positionManager !== undefined
        ? { uniswapV3: { positionManager: on.positionManager, tokenIds: on.tokenIds, owned: on.tokenIds.length === 0 } }
        : {}),
    },
  });
  return { exposures: [...byHand, ...read.exposures], poolPricesUsd: read.poolPricesUsd };
}

/** Exposures as the engine takes them: LPs sized at the chain's (or --price's) price of their asset. */
export function toExposures(args: ExposureArgs, priceOf: (asset: string) => number | undefined): Exposure[] {
  return [
    ...args.exposures.map((e): Exposure => ({ kind: "asset", asset: e.asset, amount: e.amount })),
    ...args.lps.map((lp) => {
      const price = args.pricesUsd[lp.asset] ?? priceOf(lp.asset);
      if (price === undefined || !(price > 0)) {
        throw usage(
          `--lp ${lp.asset}=${lp.valueUsd}`,
          `${lp.asset} has no market with a valid price.`,
          `Pass --price ${lp.asset}=USD.`,
        );
      }
      return constantProductLp(lp.asset, lp.valueUsd, price);
    }),
  ];
}
