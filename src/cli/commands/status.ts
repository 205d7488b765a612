// `parapet status`: the markets (price, oracle health, funding, open interest, skew, trading hours) and an owner's
// accounts, read at one block.
import { checkMarketOracles } from "../../actions/oracle.js";
import { type AccountState, getAccount, getMarkets, type Market } from "../../actions/read.js";
import type { OracleHealth } from "../../oracle/index.js";
import { accountIndexOption, parseCommandArgs } from "../args.js";
import {
  addressOption,
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connect,
  connectionSettings,
  fmtWad,
  runCommand,
  wadDecimal,
} from "../connect.js";
import { EXIT_CODES } from "../errors.js";
import { type CliIo, envOf } from "../io.js";
import { fmt, formatTable, toJson } from "../output.js";

export const help = `Usage: parapet status [options]

Markets (price, oracle health, funding rate per day, open interest long/short, skew, trading hours: always open, or
open / closing / reopened with the next close, or closed with the reopen, in UTC) and the accounts of an owner
(collateral, equity, maintenance margin, margin ratio, positions with their liquidation prices).

Options:
  --owner ADDRESS              whose accounts to show (default: the signer of $PARAPET_PRIVATE_KEY, if set)
  --account-index N            account to show (repeatable; default 0..5, empty ones left out)
${CONNECTION_HELP}

JSON: { chainId, blockNumber, markets: [{ marketId, symbol, priceUsd, oracle: { verdict, message, reasons },
  fundingRatePerDay, longOpenInterestUnits, shortOpenInterestUnits, skewUnits, openingPaused, hours: { status: open |
  closing | reopening | closed, lastOpen, nextClose, nextOpen } (unix seconds) or null (never closes) }], owner,
  accounts: [{ accountIndex, collateralUsd, equityUsd, maintenanceMarginUsd, marginRatio, positions: [{ marketId,
  symbol, sizeUnits, entryPriceUsd, liquidationPriceUsd }] }] }  (amounts: exact decimal strings; null = unknown)

Exit codes: 0 ok; 1 runtime (RPC down, wrong chain, invalid deployment file); 2 usage (unknown option, missing
deployment file).
`;

const DEFAULT_ACCOUNT_INDEXES = [0n, 1n, 2n, 3n, 4n, 5n];

function marketRow(m: Market, h: OracleHealth | undefined) {
  return {
    marketId: m.marketId,
    symbol: m.symbol,
    priceUsd: wadDecimal(m.priceWad),
    oracle: {
      verdict: h?.verdict ?? (m.oracleError ? "fail" : "ok"),
      message: h?.message ?? m.oracleError?.summary ?? "",
      reasons: h?.reasons.map((r) => r.code) ?? [],
    },
    fundingRatePerDay: wadDecimal(m.fundingRatePerDayWad ?? m.storedFundingRatePerDayWad),
    longOpenInterestUnits: wadDecimal(m.longSizeWad),
    shortOpenInterestUnits: wadDecimal(m.shortSizeWad),
    skewUnits: wadDecimal(m.skewWad),
    openingPaused: m.openingPaused,
    // Unix seconds as decimal strings (null: the market never closes).
    hours: m.hours
      ? {
          status: m.hours.status,
          lastOpen: m.hours.lastOpen ?? null,
          nextClose: m.hours.nextClose ?? null,
          nextOpen: m.hours.nextOpen ?? null,
        }
      : null,
  };
}

/** A UTC minute, e.g. "2026-12-04 21:00 UTC". */
const utcMinute = (seconds: bigint) =>
  `${new Date(Number(seconds) * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** The hours column: when a market closes or reopens. */
function formatHours(h: Market["hours"]): string {
  if (h === undefined) return "always open";
  if (h.status === "closed") return h.nextOpen === undefined ? "closed" : `closed, reopens ${utcMinute(h.nextOpen)}`;
  const close = h.nextClose === undefined ? "" : `, closes ${utcMinute(h.nextClose)}`;
  if (h.status === "closing") return `closing margin in force${close}`;
  if (h.status === "reopening") return `reopened (reductions only yet)${close}`;
  return `open${close}`;
}

/** equity / maintenance margin (the rule's margin ratio); undefined without a margin requirement or a price. */
function marginRatio(a: AccountState): number | undefined {
  if (a.equityUsd === undefined || a.maintenanceMarginUsd === undefined || a.maintenanceMarginUsd === 0n)
    return undefined;
  return Number((a.equityUsd * 10_000n) / a.maintenanceMarginUsd) / 10_000;
}

function accountRow(a: AccountState) {
  return {
    accountIndex: a.accountIndex,
    collateralUsd: wadDecimal(a.collateralUsd),
    equityUsd: wadDecimal(a.equityUsd),
    maintenanceMarginUsd: wadDecimal(a.maintenanceMarginUsd),
    marginRatio: marginRatio(a) ?? null,
    oracleError: a.oracleError?.summary ?? null,
    positions: a.positions.map((p) => ({
      marketId: p.marketId,
      symbol: p.symbol,
      sizeUnits: wadDecimal(p.sizeWad),
      entryPriceUsd: wadDecimal(p.entryPriceWad),
      liquidationPriceUsd: wadDecimal(p.liquidationPriceWad),
    })),
  };
}

async function runStatus(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs("status", argv, {
    ...CONNECTION_OPTIONS,
    owner: { type: "string" },
    "account-index": { type: "string", multiple: true },
  });
  if (values.help) {
    io.stdout(help);
    return EXIT_CODES.ok;
  }
  const settings = connectionSettings(values, envOf(io));
  const ownerOption = values.owner === undefined ? undefined : addressOption("owner", values.owner);
  const indexes = values["account-index"]?.map((v) => accountIndexOption(v));
  const { client, signer } = await connect(settings, envOf(io), "optional", "status");
  const owner = ownerOption ?? signer;
  const blockNumber = await client.publicClient.getBlockNumber({ cacheTime: 0 });
  const [markets, health] = await Promise.all([
    getMarkets(client, { blockNumber }),
    checkMarketOracles(client, { blockNumber }),
  ]);
  let accounts: AccountState[] = [];
  if (owner) {
    const all = await Promise.all(
      (indexes ?? DEFAULT_ACCOUNT_INDEXES).map((accountIndex) =>
        getAccount(client, { owner, accountIndex, blockNumber }),
      ),
    );
    // Explicit indexes are always shown; the default range only where there is something.
    accounts = indexes ? all : all.filter((a) => a.collateralUsd > 0n || a.positions.length > 0);
  }
  const rows = markets.map((m) =>
    marketRow(
      m,
      health.feeds.find((h) => h.marketId === m.marketId),
    ),
  );
  if (settings.json) {
    io.stdout(
      `${toJson({ chainId: client.deployment.chainId, blockNumber, markets: rows, owner: owner ?? null, accounts: accounts.map(accountRow) })}\n`,
    );
    return EXIT_CODES.ok;
  }
  const lines = [
    `Chain ${client.deployment.chainId}, block ${blockNumber}, vault ${client.deployment.perpVault}`,
    "",
    formatTable([
      ["id", "market", "price USD", "oracle", "funding %/day", "OI long", "OI short", "skew", "hours"],
      ...markets.map((m, i) => {
        const r = rows[i] as (typeof rows)[number];
        return [
          String(m.marketId),
          m.symbol,
          fmtWad(m.priceWad, 4),
          r.oracle.verdict + (r.oracle.reasons.length > 0 ? ` (${r.oracle.reasons.join(", ")})` : ""),
          fmt(Number(r.fundingRatePerDay ?? Number.NaN) * 100, 4),
          fmtWad(m.longSizeWad, 4),
          fmtWad(m.shortSizeWad, 4),
          fmtWad(m.skewWad, 4),
          formatHours(m.hours),
        ];
      }),
    ]),
  ];
  if (!owner) {
    lines.push("", "Accounts: pass --owner ADDRESS (or set PARAPET_PRIVATE_KEY) to see them.");
  } else if (accounts.length === 0) {
    lines.push(
      "",
      `Accounts of ${owner}: none with collateral in accounts ${(indexes ?? DEFAULT_ACCOUNT_INDEXES).join(", ")}.`,
    );
  } else {
    lines.push(
      "",
      `Accounts of ${owner}:`,
      formatTable([
        [
          "account",
          "collateral USD",
          "equity USD",
          "maint. margin USD",
          "margin ratio",
          "positions (size @ entry, liq. price)",
        ],
        ...accounts.map((a) => [
          String(a.accountIndex),
          fmtWad(a.collateralUsd),
          fmtWad(a.equityUsd),
          fmtWad(a.maintenanceMarginUsd),
          fmt(marginRatio(a)),
          a.positions
            .map(
              (p) =>
                `${p.symbol} ${fmtWad(p.sizeWad, 4)} @ ${fmtWad(p.entryPriceWad)}, liq ${p.liquidationPriceWad === 0n ? "none" : fmtWad(p.liquidationPriceWad)}`,
            )
            .join("; ") || "-",
        ]),
      ]),
    );
  }
  io.stdout(`${lines.join("\n")}\n`);
  return EXIT_CODES.ok;
}

export function run(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand("status", io, () => runStatus(argv, io));
}
