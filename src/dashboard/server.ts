// The dashboard's web server (Hono on Node): the page, the state as JSON, the alerts, the charts' history and a
// Server-Sent Events stream with one message per refresh. It polls the block number and refreshes on each new block;
// when the RPC fails it keeps the last good numbers, marks them stale and says since when. Read-only by construction:
// the reader has no wallet and no route takes a key. Loopback by default, and then only loopback Host headers are
// answered (a web page elsewhere cannot reach it through DNS rebinding).
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { Address } from "viem";
import { getAddress, isAddress } from "viem";
import { ParapetError } from "../parapetError.js";
import { dashboardPage } from "./page.js";
import type { DashboardReader } from "./reader.js";
import type { DashboardAlert, DashboardHistoryPoint, DashboardSeverity, DashboardState } from "./types.js";

export const DEFAULT_DASHBOARD_PORT = 8787;
export const DEFAULT_DASHBOARD_HOST = "127.0.0.1";
export const DEFAULT_DASHBOARD_POLL_MS = 1_000;
/** Points of chart history kept (one per block). */
const MAX_HISTORY = 5_000;

export type StartDashboardParameters = {
  reader: DashboardReader;
  host?: string | undefined;
  /** 0: any free port. */
  port?: number | undefined;
  pollMs?: number | undefined;
};

export type DashboardTiming = {
  blockNumber: string;
  /** Reads (snapshot, multicall, logs) in ms. */
  readMs: number;
  /** From the refresh's first read to the state written to every SSE client, in ms. */
  pushedMs: number;
};

export type DashboardServer = {
  url: string;
  state: () => DashboardState;
  /** Timings of the refreshes so far (oldest first, the last 100). */
  timings: () => readonly DashboardTiming[];
  /** Waits for the next refresh (success or failure) to be pushed. */
  nextPush: () => Promise<DashboardState>;
  close: () => Promise<void>;
};

/** The dashboard could not start: which setting, and how to fix it. */
export class DashboardError extends ParapetError<"DASHBOARD_LISTEN_FAILED"> {
  override readonly name = "DashboardError";
}

export const isLoopbackHost = (host: string) =>
  host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);

const SEVERITY_RANK: Record<DashboardSeverity, number> = { critical: 0, warning: 1, info: 2 };

type QueryValues = {
  accounts?: string[];
  markets?: string[];
  severity?: DashboardSeverity;
  pretty?: boolean;
};

class QueryError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

/** The query parameters a route takes, validated: anything else is a QueryError naming the parameter. */
function parseQuery(
  url: URL,
  allowed: readonly ("account" | "market" | "severity" | "format")[],
  reader: DashboardReader,
  symbols: readonly string[],
): QueryValues {
  const out: QueryValues = {};
  for (const key of new Set(url.searchParams.keys())) {
    if (!(allowed as readonly string[]).includes(key)) {
      throw new QueryError(
        key,
        `unknown query parameter "${key}"`,
        allowed.length ? `use ${allowed.join(", ")}` : "this route takes no parameters",
      );
    }
  }
  const watched = new Set(reader.accounts.map((a) => `${a.owner}:${a.accountIndex}`));
  for (const v of url.searchParams.getAll("account")) {
    const m = /^(0x[0-9a-fA-F]{40}):(\d{1,29})$/.exec(v);
    if (!m || !isAddress(m[1] as string, { strict: false })) {
      throw new QueryError("account", `account=${v} is not OWNER:INDEX`, "pass e.g. account=0xf39F…2266:0");
    }
    const key = `${getAddress(m[1] as Address)}:${BigInt(m[2] as string)}`;
    if (!watched.has(key)) {
      throw new QueryError("account", `account=${v} is not watched by this dashboard`, "pass one of its accounts");
    }
    out.accounts = [...(out.accounts ?? []), key];
  }
  for (const v of url.searchParams.getAll("market")) {
    const symbol = symbols.find((s) => s.toUpperCase() === v.toUpperCase());
    if (symbol === undefined) {
      throw new QueryError(
        "market",
        `market=${v} is not a market of the deployment`,
        `use one of ${symbols.join(", ")}`,
      );
    }
    out.markets = [...(out.markets ?? []), symbol];
  }
  const severity = url.searchParams.getAll("severity");
  if (severity.length > 1) throw new QueryError("severity", "severity is given twice", "pass it once");
  if (severity[0] !== undefined) {
    if (!(severity[0] in SEVERITY_RANK)) {
      throw new QueryError(
        "severity",
        `severity=${severity[0]} is not critical, warning or info`,
        "pass e.g. severity=warning",
      );
    }
    out.severity = severity[0] as DashboardSeverity;
  }
  const format = url.searchParams.getAll("format");
  if (format.length > 1 || (format[0] !== undefined && format[0] !== "json" && format[0] !== "pretty")) {
    throw new QueryError(
      "format",
      `format=${format.join(",")} is not json or pretty`,
      "pass format=json or format=pretty",
    );
  }
  out.pretty = format[0] === "pretty";
  return out;
}

function filterState(state: DashboardState, q: QueryValues): DashboardState {
  const accounts = q.accounts ? new Set(q.accounts) : undefined;
  const markets = q.markets ? new Set(q.markets) : undefined;
  return {
    ...state,
    markets: markets ? state.markets.filter((m) => markets.has(m.symbol)) : state.markets,
    accounts: accounts ? state.accounts.filter((a) => accounts.has(a.key)) : state.accounts,
    alerts: filterAlerts(state.alerts, q),
  };
}

function filterAlerts(alerts: readonly DashboardAlert[], q: QueryValues): DashboardAlert[] {
  return alerts.filter(
    (a) =>
      (q.severity === undefined || SEVERITY_RANK[a.severity] <= SEVERITY_RANK[q.severity]) &&
      (q.accounts === undefined || (a.account !== undefined && q.accounts.includes(a.account))) &&
      (q.markets === undefined || (a.market !== undefined && q.markets.includes(a.market))),
  );
}

const errorMessage = (error: unknown) =>
  (error instanceof ParapetError
    ? error.summary
    : error instanceof Error
      ? ((error as { shortMessage?: string }).shortMessage ?? error.message)
      : String(error)
  ).split("\n")[0] ?? "unknown error";

/** Starts polling and serving; resolves once the server listens (the first refresh runs in the background). */
export async function startDashboardServer(parameters: StartDashboardParameters): Promise<DashboardServer> {
  const { reader } = parameters;
  const host = parameters.host ?? DEFAULT_DASHBOARD_HOST;
  const pollMs = parameters.pollMs ?? DEFAULT_DASHBOARD_POLL_MS;

  let state: DashboardState | undefined;
  let stateJson = "";
  let lastGood: DashboardState | undefined;
  const history: DashboardHistoryPoint[] = [];
  const timings: DashboardTiming[] = [];
  const listeners = new Set<(json: string) => void>();
  const closers = new Set<() => void>();
  let waiters: ((s: DashboardState) => void)[] = [];
  let page: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastBlock: bigint | undefined;

  const publish = (next: DashboardState) => {
    state = next;
    stateJson = JSON.stringify(next);
    for (const l of listeners) l(stateJson);
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve(next);
  };

  const fail = (error: unknown) => {
    const message = errorMessage(error);
    if (state?.error && state.error.message === message) return; // already said: one message per change
    const since = state?.error?.since ?? Date.now();
    const base: DashboardState = lastGood ?? {
      chainId: 0,
      status: "starting",
      blockNumber: null,
      blockTimestamp: null,
      readAt: null,
      error: null,
      rpc: null,
      thresholds: {
        marginCallRatio: reader.thresholds.marginCallRatio,
        fundingSpikeShareOfCap: reader.thresholds.fundingSpikeShareOfCap,
      },
      markets: [],
      sequencer: null,
      accounts: [],
      orders: { trigger: [], delayed: [] },
      keeperActions: [],
      liquidity: null,
      hedge: null,
      alerts: [],
    };
    const rpcAlert: DashboardAlert = {
      id: "RPC_UNREACHABLE",
      severity: "critical",
      code: "RPC_UNREACHABLE",
      message: `RPC unreachable since ${new Date(since).toISOString()}: ${message}`,
    };
    publish({
      ...base,
      status: lastGood ? "stale" : "starting",
      error: {
        message,
        since,
        lastGoodBlock: lastGood?.blockNumber ?? null,
        lastGoodAt: lastGood?.blockTimestamp ?? null,
      },
      alerts: [rpcAlert, ...base.alerts],
    });
  };

  const tick = async () => {
    try {
      const block = await reader.latestBlock();
      if (block !== lastBlock || state?.error) {
        const startedAt = performance.now();
        const { state: next, history: point } = await reader.refresh();
        const readMs = performance.now() - startedAt;
        lastBlock = BigInt(next.blockNumber as string);
        lastGood = next;
        if (history.at(-1)?.t !== point.t) history.push(point);
        else history[history.length - 1] = point;
        if (history.length > MAX_HISTORY) history.shift();
        publish(next);
        timings.push({ blockNumber: next.blockNumber as string, readMs, pushedMs: performance.now() - startedAt });
        if (timings.length > 100) timings.shift();
      }
    } catch (error) {
      fail(error);
    } finally {
      if (!stopped) timer = setTimeout(tick, pollMs);
    }
  };

  const app = new Hono();
  const json = (c: Context, body: unknown, pretty = false, status: 200 | 400 | 403 | 503 = 200) =>
    c.body(pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body), status, {
      "content-type": "application/json; charset=utf-8",
    });
  const current = () => state ?? lastGood;
  const marketSymbols = () => (current()?.markets ?? []).map((m) => m.symbol);
  const query = (c: Context, allowed: Parameters<typeof parseQuery>[1]) =>
    parseQuery(new URL(c.req.url), allowed, reader, marketSymbols());

  app.use("*", async (c, next) => {
    if (isLoopbackHost(host)) {
      const requestHost = (c.req.header("host") ?? "").replace(/:\d+$/, "");
      if (!isLoopbackHost(requestHost)) {
        return json(c, { error: `Host ${requestHost} is not this loopback server`, parameter: "Host" }, false, 403);
      }
    }
    await next();
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "no-referrer");
    c.header("cache-control", "no-store");
  });
  app.onError((error, c) => {
    if (error instanceof QueryError) {
      return json(c, { error: error.message, parameter: error.parameter, fix: error.fix }, false, 400);
    }
    return json(c, { error: errorMessage(error) }, false, 503);
  });
  app.get("/", (c) => {
    query(c, []);
    page ??= dashboardPage();
    c.header(
      "content-security-policy",
      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'",
    );
    return c.html(page);
  });
  app.get("/api/state", (c) => {
    const q = query(c, ["account", "market", "severity", "format"]);
    const s = current();
    if (!s) return json(c, { error: "no state yet: the first refresh has not finished" }, q.pretty, 503);
    return json(c, filterState(s, q), q.pretty);
  });
  app.get("/api/alerts", (c) => {
    const q = query(c, ["account", "market", "severity", "format"]);
    const s = current();
    return json(
      c,
      {
        status: s?.status ?? "starting",
        blockNumber: s?.blockNumber ?? null,
        alerts: filterAlerts(s?.alerts ?? [], q),
      },
      q.pretty,
    );
  });
  app.get("/api/history", (c) => {
    const q = query(c, ["format"]);
    return json(c, history, q.pretty);
  });
  app.get("/events", (c) => {
    query(c, []);
    return streamSSE(c, async (stream) => {
      let id = 0;
      const send = (data: string) => stream.writeSSE({ event: "state", data, id: String(++id) });
      if (stateJson) await send(stateJson);
      const listener = (data: string) => void send(data);
      listeners.add(listener);
      await new Promise<void>((resolve) => {
        const done = () => {
          listeners.delete(listener);
          closers.delete(done);
          resolve();
        };
        closers.add(done);
        stream.onAbort(done);
      });
    });
  });
  app.notFound((c) => json(c, { error: `no route ${c.req.path}`, parameter: "path" }, false, 400));

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: parameters.port ?? DEFAULT_DASHBOARD_PORT }, () =>
      resolve(s),
    );
    s.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new DashboardError({
          code: "DASHBOARD_LISTEN_FAILED",
          summary: `The dashboard could not listen on ${host}:${parameters.port ?? DEFAULT_DASHBOARD_PORT}: ${error.code ?? error.message}.`,
          fix:
            error.code === "EADDRINUSE"
              ? "Pass another --port (or stop what listens there)."
              : "Check --host (an address of this machine) and --port.",
          cause: error,
        }),
      ),
    );
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  void tick();
  return {
    url: `http://${urlHost}:${address.port}/`,
    state: () => current() as DashboardState,
    timings: () => timings,
    nextPush: () => new Promise((resolve) => waiters.push(resolve)),
    close: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      for (const close of [...closers]) close();
      await new Promise<void>((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      });
    },
  };
}
