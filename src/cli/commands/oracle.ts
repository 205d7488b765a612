// `parapet oracle`: the oracle health of every market (the vault adapter's checks plus early warnings); exit 3 when a
// feed fails.
import { checkMarketOracles } from "../../actions/oracle.js";
import { parseCommandArgs } from "../args.js";
import {
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connect,
  connectionSettings,
  fmtWad,
  runCommand,
  wadDecimal,
} from "../connect.js";
import { EXIT_CODES, usage } from "../errors.js";
import { type CliIo, envOf } from "../io.js";
import { formatTable, toJson } from "../output.js";

export const help = `Usage: parapet oracle [options]

Oracle health of every market: the vault adapter's own checks (a "fail" is exactly where a trade would revert:
stale, non-positive, out of bounds, sequencer down, …) plus early warnings (close to stale, close to a bound).

Options:
  --market ID                  check only this market id (repeatable)
${CONNECTION_HELP}

JSON: { blockNumber, blockTimestamp, feeds: [{ marketId, symbol, feed, verdict, priceUsd, ageSeconds,
  heartbeatSeconds, reasons: [{ code, severity, message }], market, message }] }
  verdict "closed": the market's hours close it (or its reopen round is pending); market: { status: open | closing |
  reopening | closed, lastOpen, nextClose, nextOpen } (unix seconds) or null for an always-open market.

Exit codes: 0 every feed ok, warn or closed; 3 at least one feed fails (trading it reverts); 1 runtime (RPC down, wrong
chain, invalid deployment file); 2 usage.
`;

async function runOracle(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs("oracle", argv, {
    ...CONNECTION_OPTIONS,
    market: { type: "string", multiple: true },
  });
  if (values.help) {
    io.stdout(help);
    return EXIT_CODES.ok;
  }
  const settings = connectionSettings(values, envOf(io));
  const marketIds = values.market?.map((v) => {
    if (!/^\d+$/.test(v)) throw usage(`--market ${v}`, `--market ${v} is not a market id.`, "Pass e.g. --market 0.");
    return BigInt(v);
  });
  const { client } = await connect(settings, envOf(io), "none", "oracle");
  const health = await checkMarketOracles(client, { marketIds });
  const feeds = health.feeds.map((h) => ({
    marketId: h.marketId,
    symbol: h.label,
    feed: h.feed,
    verdict: h.verdict,
    priceUsd: wadDecimal(h.priceWad),
    ageSeconds: h.primary.ageSeconds ?? null,
    heartbeatSeconds: h.primary.heartbeatSeconds,
    reasons: h.reasons.map((r) => ({ code: r.code, severity: r.severity, message: r.message })),
    // Market hours: a closed market is "closed" (not failing), with when it reopens.
    market: h.market ?? null,
    message: h.message,
  }));
  const failing = feeds.filter((f) => f.verdict === "fail");
  if (settings.json) {
    io.stdout(`${toJson({ blockNumber: health.blockNumber, blockTimestamp: health.blockTimestamp, feeds })}\n`);
  } else {
    io.stdout(
      `${formatTable([
        ["id", "market", "verdict", "price USD", "age s", "heartbeat s", "message"],
        ...health.feeds.map((h) => [
          String(h.marketId),
          h.label ?? h.feed,
          h.verdict,
          fmtWad(h.priceWad, 4),
          h.primary.ageSeconds === undefined ? "-" : String(h.primary.ageSeconds),
          String(h.primary.heartbeatSeconds),
          h.message,
        ]),
      ])}\n`,
    );
  }
  if (failing.length > 0) {
    io.stderr(
      `parapet oracle: ${failing.length} feed(s) fail the adapter's checks: ${failing.map((f) => f.symbol).join(", ")}.\n`,
    );
    return EXIT_CODES.unhealthy;
  }
  return EXIT_CODES.ok;
}

export function run(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand("oracle", io, () => runOracle(argv, io));
}
