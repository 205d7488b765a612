// The exposure options of plan, hedge, rebalance and keeper (--exposure, --lp, --hedge-with, --price, the hedge
// policy's account, leverage and stop-loss options) and their conversion to the engine's exposures.
import { constantProductLp } from "../hedge/lp.js";
import type { Exposure, HedgePolicy } from "../hedge/types.js";
import { accountIndexOption, numberOption, parseFiniteNumber, splitPair } from "./args.js";
import { usage } from "./errors.js";

export const EXPOSURE_OPTIONS = {
  exposure: { type: "string", multiple: true },
  lp: { type: "string", multiple: true },
  "hedge-with": { type: "string", multiple: true },
  price: { type: "string", multiple: true },
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
  --first-account-index N      first account used for hedges (default 1; one isolated account per hedge)
  --max-leverage X             max leverage of a hedge account (default 3)
  --stop-loss-distance F       attach a reduce-only stop-loss to each hedge leg, F (0..1) against it, e.g. 0.2: a
                               short's stop 20 % above the price (placed by hedge/rebalance; docs/orders.md)
  --stop-keeper-fee USDC       keeper fee escrowed per stop (default 0: keepers skip stops that do not pay the gas)
  --stop-expiry-days D         life of each stop (default 30; refreshed by the next hedge or rebalance)`;

export type ExposureArgs = {
  exposures: { asset: string; amount: number }[];
  lps: { asset: string; valueUsd: number }[];
  hedgePolicy: Partial<HedgePolicy>;
  pricesUsd: Record<string, number>;
};

type ExposureValues = {
  exposure?: string[] | undefined;
  lp?: string[] | undefined;
  "hedge-with"?: string[] | undefined;
  price?: string[] | undefined;
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
  if (exposures.length === 0 && lps.length === 0) {
    if (!required) return undefined;
    throw usage(
      "(none)",
      "No exposure to hedge.",
      "Pass at least one --exposure ASSET=AMOUNT or --lp ASSET=USD_VALUE.",
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
  return { exposures, lps, hedgePolicy, pricesUsd };
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
