// The per-network deployment parameters (ignition/parameters/<network>.json): read, validated and turned into the
// plan the Ignition module factories build from. Everything a deployment needs that differs between networks lives
// in that file; nothing is sent before it validates.
import { readFile } from "node:fs/promises";
import { type Address, getAddress, isAddress, parseUnits, zeroAddress } from "viem";
import type { DeployPlan, MarketLatencyParams, MarketRiskParams, PlannedMarket } from "../../ignition/plan.js";
import { DEFAULT_LP_FLOWS, LP_FLOW_BOUNDS, type LpFlowParams } from "../../src/actions/lp.js";
import { ParapetDeploymentError } from "../../src/errors.js";
import {
  defaultMarketSchedule,
  type MarketSchedule,
  MarketScheduleError,
  validateSchedule,
} from "../../src/hours/index.js";

const WAD = 10n ** 18n;
/** The OracleAdapter's accepted heartbeat range (OracleAdapter.MIN_HEARTBEAT / MAX_HEARTBEAT). */
const MIN_HEARTBEAT_SECONDS = 60;
const MAX_HEARTBEAT_SECONDS = 7 * 86_400;
/** OracleAdapter.MIN_DEVIATION_BPS / MAX_DEVIATION_BPS / MAX_GRACE_PERIOD. */
const MIN_DEVIATION_BPS = 10;
const MAX_DEVIATION_BPS = 5_000;
const MAX_GRACE_PERIOD_SECONDS = 86_400;
/** AdminModule's LatencyParams bounds: MAX_SETTLEMENT_DELAY, MIN_/MAX_SETTLEMENT_TIMEOUT, MAX_IMMEDIATE_FEE_RATIO. */
const MAX_SETTLEMENT_DELAY_SECONDS = 3_600;
const MIN_SETTLEMENT_TIMEOUT_SECONDS = 60;
const MAX_SETTLEMENT_TIMEOUT_SECONDS = 86_400;
const MAX_IMMEDIATE_FEE_RATIO_WAD = 5n * 10n ** 16n;
/** Decimals of the local mock feeds (Chainlink USD feeds use 8). */
export const MOCK_FEED_DECIMALS = 8;

/** Where an operator finds a real address a parameter file leaves empty. */
const WHERE_FEEDS = "https://data.chain.link (pick the network, then the feed; copy its proxy address)";
const WHERE_SEQUENCER = "https://docs.chain.link/data-feeds/l2-sequencer-feeds (the network's uptime feed proxy)";
const WHERE_STABLECOIN = "the issuer's list, e.g. https://developers.circle.com/stablecoins/usdc-contract-addresses";

/**
 * A market's risk parameters in human units (decimal strings; ratios as fractions, e.g. "0.1" = 10 %). Sizes are
 * given in USD and converted to units of the asset at `referencePriceUsd` when the market is listed.
 */
export type RiskConfig = {
  initialMarginRatio: string;
  maintenanceMarginRatio: string;
  takerFeeRatio: string;
  makerFeeRatio: string;
  maxFundingRatePerDay: string;
  maxFundingVelocityPerDay: string;
  /** Skew (USD at the reference price) at which the price premium is 100 %. */
  skewScaleUsd: string;
  /** Open-interest cap per side (USD at the reference price). */
  maxOpenInterestUsd: string;
  minPositionMarginUsd: string;
  liquidationFeeUsd: string;
  /** Share of the hedged open interest min(long, short)·price the pool reserves (docs/risks.md, "Gross exposure"). */
  grossReserveRatio: string;
};

// The plan's types live with the Ignition modules that build from it (ignition/plan.ts); re-exported for scripts.
export type { DeployPlan, MarketLatencyParams, MarketRiskParams, PlannedMarket } from "../../ignition/plan.js";

function bad(file: string, summary: string, fix: string): never {
  throw new ParapetDeploymentError({ code: "INVALID_DEPLOY_PARAMETERS", summary: `${file}: ${summary}`, fix });
}

function missing(file: string, field: string, where: string): never {
  throw new ParapetDeploymentError({
    code: "DEPLOY_PARAMETER_MISSING",
    summary: `${file}: ${field} is empty (the address is not known to this repository). Nothing was sent.`,
    fix: `Set ${field} to the verified address from ${where}, or remove the entry it belongs to.`,
  });
}

function object(file: string, value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    bad(file, `${field} must be an object.`, `See docs/deployment.md for the shape of ${field}.`);
  }
  return value as Record<string, unknown>;
}

function integerIn(file: string, value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    bad(file, `${field} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}.`, `Fix ${field}.`);
  }
  return value;
}

function decimal(file: string, value: unknown, field: string, decimals: number): bigint {
  if (typeof value !== "string" || !/^\d+(\.\d+)?$/.test(value)) {
    bad(file, `${field} must be a decimal string such as "0.05", got ${JSON.stringify(value)}.`, `Fix ${field}.`);
  }
  const fraction = value.split(".")[1] ?? "";
  if (fraction.length > decimals) {
    bad(file, `${field} ${value} has more than ${decimals} decimals.`, `Round ${field} to ${decimals} decimals.`);
  }
  return parseUnits(value, decimals);
}

/** An address field: empty → DEPLOY_PARAMETER_MISSING naming where to look it up; malformed → invalid. */
function liveAddress(file: string, value: unknown, field: string, where: string): Address {
  if (value === undefined || value === null || value === "") missing(file, field, where);
  if (typeof value !== "string" || !isAddress(value, { strict: false })) {
    bad(file, `${field} is not an address: ${JSON.stringify(value)}.`, `Set ${field} to a 0x-prefixed address.`);
  }
  return getAddress(value);
}

function riskParams(file: string, risk: Record<string, unknown>, field: string, referencePriceWad: bigint) {
  const wad = (key: keyof RiskConfig) => decimal(file, risk[key], `${field}.${key}`, 18);
  // Sizes in units of the asset = USD / price (both WAD), as listMarket takes them.
  const unitsAtReference = (usd: bigint) => (usd * WAD) / referencePriceWad;
  const maxOpenInterest = unitsAtReference(wad("maxOpenInterestUsd"));
  const params: MarketRiskParams = {
    initialMarginRatio: wad("initialMarginRatio"),
    maintenanceMarginRatio: wad("maintenanceMarginRatio"),
    takerFeeRatio: wad("takerFeeRatio"),
    makerFeeRatio: wad("makerFeeRatio"),
    maxFundingRatePerDay: wad("maxFundingRatePerDay"),
    skewScale: unitsAtReference(wad("skewScaleUsd")),
    maxFundingVelocityPerDay: wad("maxFundingVelocityPerDay"),
    maxLongSize: maxOpenInterest,
    maxShortSize: maxOpenInterest,
    minPositionMarginUsd: wad("minPositionMarginUsd"),
    liquidationFeeUsd: wad("liquidationFeeUsd"),
    grossReserveRatio: wad("grossReserveRatio"),
  };
  if (params.maintenanceMarginRatio >= params.initialMarginRatio) {
    bad(file, `${field}: maintenanceMarginRatio must be below initialMarginRatio.`, "Fix the margin ratios.");
  }
  // The vault stores ratios in whole parts per million and USD amounts in whole micro-USD (ParamNotOnTick).
  const TICK = 10n ** 12n;
  for (const key of [
    "initialMarginRatio",
    "maintenanceMarginRatio",
    "takerFeeRatio",
    "makerFeeRatio",
    "maxFundingRatePerDay",
    "maxFundingVelocityPerDay",
    "grossReserveRatio",
    "minPositionMarginUsd",
    "liquidationFeeUsd",
  ] as const) {
    if (params[key] % TICK !== 0n) {
      const unit = key.endsWith("Usd") ? "micro-USD (6 decimals)" : "parts per million (6 decimals of the fraction)";
      bad(
        file,
        `${field}.${key} has more precision than the vault stores: whole ${unit}.`,
        `Round ${field}.${key} to 6 decimals.`,
      );
    }
  }
  return params;
}

/**
 * A market's `latency` entry: `{ minSettlementDelay, settlementTimeout, immediateFeeRatio }` within the vault's
 * bounds (AdminModule.setLatencyParams), checked here so nothing is sent when one is off.
 */
function latencyParams(file: string, value: unknown, field: string): MarketLatencyParams {
  const l = object(file, value, field);
  const minSettlementDelay = integerIn(
    file,
    l.minSettlementDelay,
    `${field}.minSettlementDelay`,
    1,
    MAX_SETTLEMENT_DELAY_SECONDS,
  );
  const settlementTimeout = integerIn(
    file,
    l.settlementTimeout,
    `${field}.settlementTimeout`,
    minSettlementDelay + MIN_SETTLEMENT_TIMEOUT_SECONDS,
    MAX_SETTLEMENT_TIMEOUT_SECONDS,
  );
  const immediateFeeRatio = decimal(file, l.immediateFeeRatio, `${field}.immediateFeeRatio`, 18);
  if (immediateFeeRatio > MAX_IMMEDIATE_FEE_RATIO_WAD) {
    bad(
      file,
      `${field}.immediateFeeRatio ${String(l.immediateFeeRatio)} is above the vault's maximum 0.05.`,
      `Set ${field}.immediateFeeRatio to at most "0.05" (about the feed's deviation threshold, e.g. "0.005").`,
    );
  }
  const known = new Set(["minSettlementDelay", "settlementTimeout", "immediateFeeRatio"]);
  const unknown = Object.keys(l).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    bad(
      file,
      `${field} has unknown field(s) ${unknown.join(", ")}.`,
      "Use minSettlementDelay, settlementTimeout and immediateFeeRatio (docs/deployment.md); remove `latency` to leave the defence off.",
    );
  }
  return { minSettlementDelay, settlementTimeout, immediateFeeRatio };
}

/**
 * The `lpFlows` entry: `{ minDelaySeconds, settlementTimeoutSeconds, entryFeeBps, exitFeeBps, keeperFee }` (the fee
 * in whole tokens, a decimal string), each field defaulting to DEFAULT_LP_FLOWS, within the LP vault's bounds
 * (LiquidityVault.setFlowParams), checked here so nothing is sent when one is off.
 */
function lpFlowParams(file: string, value: unknown, decimals: number): LpFlowParams {
  const l = value === undefined ? {} : object(file, value, "lpFlows");
  const known = new Set(["minDelaySeconds", "settlementTimeoutSeconds", "entryFeeBps", "exitFeeBps", "keeperFee"]);
  const unknown = Object.keys(l).filter((k) => !known.has(k) && !k.startsWith("$"));
  if (unknown.length > 0) {
    bad(
      file,
      `lpFlows has unknown field(s) ${unknown.join(", ")}.`,
      "Use minDelaySeconds, settlementTimeoutSeconds, entryFeeBps, exitFeeBps and keeperFee (docs/deployment.md).",
    );
  }
  const b = LP_FLOW_BOUNDS;
  const minDelaySeconds = integerIn(
    file,
    l.minDelaySeconds ?? DEFAULT_LP_FLOWS.minDelaySeconds,
    "lpFlows.minDelaySeconds",
    0,
    b.maxDelaySeconds,
  );
  if (minDelaySeconds !== 0 && minDelaySeconds < b.minDelaySeconds) {
    bad(
      file,
      `lpFlows.minDelaySeconds must be 0 (the defence off) or in [${b.minDelaySeconds}, ${b.maxDelaySeconds}], got ${minDelaySeconds}.`,
      "Fix lpFlows.minDelaySeconds.",
    );
  }
  const settlementTimeoutSeconds = integerIn(
    file,
    l.settlementTimeoutSeconds ?? DEFAULT_LP_FLOWS.settlementTimeoutSeconds,
    "lpFlows.settlementTimeoutSeconds",
    minDelaySeconds + b.minSettlementWindowSeconds,
    b.maxSettlementTimeoutSeconds,
  );
  const entryFeeBps = integerIn(
    file,
    l.entryFeeBps ?? DEFAULT_LP_FLOWS.entryFeeBps,
    "lpFlows.entryFeeBps",
    0,
    b.maxFeeBps,
  );
  const exitFeeBps = integerIn(file, l.exitFeeBps ?? DEFAULT_LP_FLOWS.exitFeeBps, "lpFlows.exitFeeBps", 0, b.maxFeeBps);
  const keeperFeeTokens = decimal(file, l.keeperFee ?? DEFAULT_LP_FLOWS.keeperFee, "lpFlows.keeperFee", decimals);
  const maxKeeperFeeTokens = BigInt(b.maxKeeperFeeWholeTokens) * 10n ** BigInt(decimals);
  if (keeperFeeTokens > maxKeeperFeeTokens) {
    bad(
      file,
      `lpFlows.keeperFee ${String(l.keeperFee)} is above the LP vault's maximum of ${b.maxKeeperFeeWholeTokens} tokens.`,
      "Set lpFlows.keeperFee to what a settlement's gas costs at your market count (docs/risks.md).",
    );
  }
  return { minDelaySeconds, settlementTimeoutSeconds, entryFeeBps, exitFeeBps, keeperFeeTokens };
}

const HOURS_FIELDS = [
  "preset",
  "sessions",
  "closures",
  "closingWindowSeconds",
  "reopenDelaySeconds",
  "closingMarginRatio",
];

/**
 * A market's `hours` entry: `"default"` (the shipped schedule and closing margin of its symbol, src/hours/defaults.ts),
 * `"alwaysOpen"`, or an object starting from `preset` (a shipped symbol, default the market's own) with any of
 * `sessions` ([{ openMinute, closeMinute }], minutes from Sunday 00:00 UTC), `closures` ([{ start, end }], unix
 * seconds), `closingWindowSeconds`, `reopenDelaySeconds` and `closingMarginRatio` (a decimal string, "0.16") replaced.
 * Checked with the contracts' bounds (`validateSchedule`, closing margin ≥ the market's maintenance ratio), so a bad
 * value is named here and nothing is sent.
 */
function marketHours(
  file: string,
  value: unknown,
  field: string,
  symbol: string,
  maintenanceMarginRatio: bigint,
): MarketSchedule | undefined {
  if (value === "alwaysOpen") return undefined;
  const entry = value === "default" ? {} : object(file, value, field);
  const unknown = Object.keys(entry).filter((k) => !HOURS_FIELDS.includes(k) && !k.startsWith("$"));
  if (unknown.length > 0) {
    bad(
      file,
      `${field} has unknown field(s) ${unknown.join(", ")}.`,
      `Use ${HOURS_FIELDS.join(", ")} (docs/deployment.md).`,
    );
  }
  const presetName = entry.preset ?? symbol;
  const preset = typeof presetName === "string" ? defaultMarketSchedule(presetName) : undefined;
  if (preset === undefined && (entry.sessions === undefined || entry.closingMarginRatio === undefined)) {
    bad(
      file,
      `${field}: ${JSON.stringify(presetName)} has no shipped schedule (SPX, XAU and EURUSD have).`,
      `Set ${field}.preset to SPX, XAU or EURUSD, or give sessions and closingMarginRatio; use "alwaysOpen" for a market that never closes.`,
    );
  }
  const array = (key: string) => {
    const v = entry[key];
    if (!Array.isArray(v))
      bad(file, `${field}.${key} must be an array.`, `See docs/deployment.md for ${field}.${key}.`);
    return v as unknown[];
  };
  const seconds = (key: string, fallback: bigint | undefined) =>
    entry[key] === undefined
      ? (fallback as bigint)
      : BigInt(integerIn(file, entry[key], `${field}.${key}`, 0, Number.MAX_SAFE_INTEGER));
  const schedule: MarketSchedule = {
    sessions:
      entry.sessions === undefined
        ? (preset as MarketSchedule).sessions
        : array("sessions").map((s, i) => {
            const o = object(file, s, `${field}.sessions[${i}]`);
            return { openMinute: o.openMinute as number, closeMinute: o.closeMinute as number };
          }),
    closures:
      entry.closures === undefined
        ? (preset?.closures ?? [])
        : array("closures").map((c, i) => {
            const o = object(file, c, `${field}.closures[${i}]`);
            const at = (k: "start" | "end") =>
              BigInt(integerIn(file, o[k], `${field}.closures[${i}].${k}`, 0, Number.MAX_SAFE_INTEGER));
            return { start: at("start"), end: at("end") };
          }),
    closingWindowSeconds: seconds("closingWindowSeconds", preset?.closingWindowSeconds ?? 3_600n),
    reopenDelaySeconds: seconds("reopenDelaySeconds", preset?.reopenDelaySeconds ?? 300n),
    closingMaintenanceMarginRatio:
      entry.closingMarginRatio === undefined
        ? (preset as MarketSchedule).closingMaintenanceMarginRatio
        : decimal(file, entry.closingMarginRatio, `${field}.closingMarginRatio`, 18),
  };
  try {
    validateSchedule(schedule, { maintenanceMarginRatio });
  } catch (error) {
    if (!(error instanceof MarketScheduleError)) throw error;
    const name = error.field === "closingMaintenanceMarginRatio" ? "closingMarginRatio" : error.field;
    throw new ParapetDeploymentError({
      code: "INVALID_DEPLOY_PARAMETERS",
      summary: `${file}: ${field}.${name} is refused (${error.summary})`,
      fix: `${error.fix} Nothing was sent.`,
      cause: error,
    });
  }
  return schedule;
}

/**
 * Validates a parsed parameter file and returns the plan the modules build from. Throws
 * {@link ParapetDeploymentError}: `DEPLOY_PARAMETER_MISSING` for an empty address (naming the field and where to
 * find the real one), `INVALID_DEPLOY_PARAMETERS` for anything else. Pure: reads no chain, sends nothing.
 */
export function parseNetworkConfig(json: unknown, file = "parameters"): DeployPlan {
  const root = object(file, json, "the file");
  const chainId = integerIn(file, root.chainId, "chainId", 1, Number.MAX_SAFE_INTEGER);

  const c = object(file, root.collateral, "collateral");
  const collateralDecimals = integerIn(file, c.decimals, "collateral.decimals", 0, 18);
  let collateral: DeployPlan["collateral"];
  if (c.testToken !== undefined) {
    const t = object(file, c.testToken, "collateral.testToken");
    if (typeof t.name !== "string" || typeof t.symbol !== "string") {
      bad(file, "collateral.testToken needs a name and a symbol.", 'E.g. { "name": "USD Coin", "symbol": "USDC" }.');
    }
    collateral = { kind: "test", name: t.name, symbol: t.symbol, decimals: collateralDecimals };
  } else {
    collateral = {
      kind: "address",
      address: liveAddress(file, c.token, "collateral.token", WHERE_STABLECOIN),
      decimals: collateralDecimals,
    };
  }

  let sequencer: DeployPlan["sequencer"];
  if (root.sequencerUptimeFeed !== undefined) {
    const s = object(file, root.sequencerUptimeFeed, "sequencerUptimeFeed");
    sequencer = {
      feed: liveAddress(file, s.address, "sequencerUptimeFeed.address", WHERE_SEQUENCER),
      gracePeriodSeconds: integerIn(
        file,
        s.gracePeriodSeconds,
        "sequencerUptimeFeed.gracePeriodSeconds",
        0,
        MAX_GRACE_PERIOD_SECONDS,
      ),
    };
  }

  const riskDefaults = object(file, root.riskDefaults, "riskDefaults");
  if (!Array.isArray(root.markets) || root.markets.length === 0) {
    bad(file, "markets must be a non-empty array.", "List at least one market.");
  }
  const symbols = new Set<string>();
  const markets = root.markets.map((value: unknown, i: number): PlannedMarket => {
    const m = object(file, value, `markets[${i}]`);
    if (typeof m.symbol !== "string" || !/^[A-Za-z][A-Za-z0-9]*$/.test(m.symbol)) {
      bad(file, `markets[${i}].symbol must be letters and digits.`, 'E.g. "ETH" (it names Ignition futures).');
    }
    const symbol = m.symbol;
    if (symbols.has(symbol)) bad(file, `market ${symbol} is listed twice.`, "Remove the duplicate.");
    symbols.add(symbol);
    const field = `markets[${i}] (${symbol})`;
    let feed: PlannedMarket["feed"];
    let referencePriceWad: bigint;
    if (m.mockPrice !== undefined) {
      // Local: the mock feed answers mockPrice (8 decimals) and sizes are set at that price.
      const answer = decimal(file, m.mockPrice, `${field}.mockPrice`, MOCK_FEED_DECIMALS);
      if (answer === 0n) bad(file, `${field}.mockPrice must be positive.`, "Set a positive price.");
      feed = { kind: "mock", answer };
      referencePriceWad = answer * 10n ** BigInt(18 - MOCK_FEED_DECIMALS);
    } else {
      feed = { kind: "address", address: liveAddress(file, m.feed, `${field}.feed`, WHERE_FEEDS) };
      referencePriceWad = decimal(file, m.referencePriceUsd, `${field}.referencePriceUsd`, 18);
      if (referencePriceWad === 0n) bad(file, `${field}.referencePriceUsd must be positive.`, "Set it.");
    }
    const heartbeatSeconds = integerIn(
      file,
      m.heartbeatSeconds,
      `${field}.heartbeatSeconds`,
      MIN_HEARTBEAT_SECONDS,
      MAX_HEARTBEAT_SECONDS,
    );
    let secondaryFeed: Address = zeroAddress;
    let secondaryHeartbeatSeconds = 0;
    let maxDeviationBps = 0;
    if (m.secondaryFeed !== undefined && m.secondaryFeed !== "") {
      secondaryFeed = liveAddress(file, m.secondaryFeed, `${field}.secondaryFeed`, WHERE_FEEDS);
      secondaryHeartbeatSeconds = integerIn(
        file,
        m.secondaryHeartbeatSeconds,
        `${field}.secondaryHeartbeatSeconds`,
        MIN_HEARTBEAT_SECONDS,
        MAX_HEARTBEAT_SECONDS,
      );
      maxDeviationBps = integerIn(
        file,
        m.maxDeviationBps,
        `${field}.maxDeviationBps`,
        MIN_DEVIATION_BPS,
        MAX_DEVIATION_BPS,
      );
    }
    const overrides = m.risk === undefined ? {} : object(file, m.risk, `${field}.risk`);
    const latency = m.latency === undefined ? undefined : latencyParams(file, m.latency, `${field}.latency`);
    const risk = riskParams(file, { ...riskDefaults, ...overrides }, `${field}.risk`, referencePriceWad);
    // A live market whose underlying closes must say so: one left always open would trade on Friday's price.
    if (m.hours === undefined && feed.kind === "address" && defaultMarketSchedule(symbol) !== undefined) {
      bad(
        file,
        `${field}.hours is missing: ${symbol}'s underlying closes (nights, weekends, holidays).`,
        `Set ${field}.hours to "default" (the shipped schedule and closing margin), an object (docs/deployment.md), or "alwaysOpen".`,
      );
    }
    const hours =
      m.hours === undefined
        ? undefined
        : marketHours(file, m.hours, `${field}.hours`, symbol, risk.maintenanceMarginRatio);
    return {
      symbol,
      feed,
      heartbeatSeconds,
      secondaryFeed,
      secondaryHeartbeatSeconds,
      maxDeviationBps,
      risk,
      ...(latency ? { latency } : {}),
      ...(hours ? { hours } : {}),
    };
  });
  const lpFlows = lpFlowParams(file, root.lpFlows, collateralDecimals);
  return { chainId, collateral, ...(sequencer ? { sequencer } : {}), markets, lpFlows };
}

/** Reads and validates a parameter file (see {@link parseNetworkConfig}); a missing file or bad JSON is typed too. */
export async function loadNetworkConfig(path: string): Promise<DeployPlan> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new ParapetDeploymentError({
      code: "INVALID_DEPLOY_PARAMETERS",
      summary: `Cannot read the parameter file ${path}.`,
      fix: "Pass an existing file (ignition/parameters/<network>.json; see docs/deployment.md).",
      cause,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    bad(path, `not valid JSON (${(cause as Error).message}).`, "Fix the JSON syntax.");
  }
  return parseNetworkConfig(json, path);
}
