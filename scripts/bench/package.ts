// The npm package (issue #16): `npm pack` (its prepack builds dist/) into a temporary directory, the tarball's size,
// a check that it holds what a consumer needs and nothing it must not ship, the start-up of the installed
// `parapet --help` (median of 5 runs of `node <package>/bin/parapet.mjs --help` from the unpacked tarball, whose
// node_modules is this repository's, so nothing is fetched; src/ is not in the tarball, so it runs dist/cli), and a
// four-year backtest of three exposures through that installed CLI (median of 3 runs), each run's JSON checked.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Measure } from "./report.js";

/** Files a consumer needs from the tarball. */
export const PACKAGE_REQUIRED_FILES = [
  "LICENSE",
  "README.md",
  "package.json",
  "bin/parapet.mjs",
  "dist/index.js",
  "dist/index.d.ts",
  "dist/node.js",
  "dist/testing/index.js",
  "dist/cli/main.js",
  "contracts/PerpVault.sol",
  "contracts/interfaces/IPerpVault.sol",
] as const;

/** Paths the tarball must not hold: test contracts, TypeScript sources, the incremental build's state. */
export function isForbiddenPackageFile(path: string): boolean {
  return (
    path.startsWith("contracts/test/") ||
    path.startsWith("src/") ||
    (path.endsWith(".ts") && !path.endsWith(".d.ts")) ||
    path.includes("tsbuildinfo")
  );
}

/**
 * `parapet backtest` as a user runs it: 100 ETH, a BTC/USDC LP worth 1,000,000 and 1000 QQQ hedged through SPY,
 * 2020-01-01..2023-12-31 (1461 days, every policy), on the package's own data/ files.
 */
export const CLI_BACKTEST_ARGS = [
  "backtest",
  "--exposure",
  "ETH=100",
  "--lp",
  "BTC=1000000",
  "--exposure",
  "QQQ=1000",
  "--hedge-with",
  "QQQ=SPY",
  "--from",
  "2020-01-01",
  "--to",
  "2023-12-31",
  "--json",
] as const;
export const CLI_BACKTEST_EXPOSURES = 3;
export const CLI_BACKTEST_DAYS = 1461;
export const CLI_BACKTEST_POLICIES = 5;

const DAY_MS = 86_400_000;

/** What one `parapet backtest --json` run gave: its exit code and, from its JSON, the exposures, days and policies. */
export function checkBacktestRun(run: { status: number | null; stdout: string }): {
  ok: boolean;
  exposures: number;
  days: number;
  policies: number;
} {
  let out: { settings?: { from?: string; to?: string; exposures?: unknown[] }; policies?: object } = {};
  try {
    out = JSON.parse(run.stdout);
  } catch {
    // not JSON: every count stays 0
  }
  const from = Date.parse(out.settings?.from ?? "");
  const to = Date.parse(out.settings?.to ?? "");
  // The backtest's calendar has every UTC day from its first to its last.
  const days = Number.isFinite(from) && Number.isFinite(to) ? Math.round((to - from) / DAY_MS) + 1 : 0;
  const exposures = out.settings?.exposures?.length ?? 0;
  const policies = Object.keys(out.policies ?? {}).length;
  const ok =
    run.status === 0 &&
    exposures === CLI_BACKTEST_EXPOSURES &&
    days === CLI_BACKTEST_DAYS &&
    policies === CLI_BACKTEST_POLICIES;
  return { ok, exposures, days, policies };
}

/** The installed CLI's backtest: one warm-up run, then the median wall time of 3; every run must pass the check. */
export function measureCliBacktest(bin: string, cwd: string, env: NodeJS.ProcessEnv): Measure[] {
  const run = () =>
    spawnSync(process.execPath, [bin, ...CLI_BACKTEST_ARGS], { cwd, encoding: "utf8", env, maxBuffer: 64 << 20 });
  const first = checkBacktestRun(run());
  let good = first.ok ? 1 : 0;
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const result = run();
    times.push(performance.now() - t0);
    if (checkBacktestRun(result).ok) good++;
  }
  times.sort((a, b) => a - b);
  return [
    { key: "cliBacktestExposures", value: first.exposures, check: { op: "==", value: CLI_BACKTEST_EXPOSURES } },
    { key: "cliBacktestDays", value: first.days, check: { op: "==", value: CLI_BACKTEST_DAYS } },
    { key: "cliBacktestGoodRuns", value: good, check: { op: "==", value: 4 } },
    { key: "cliBacktestMs", value: Math.round(times[1] ?? 0), target: { op: "<=", value: 2500 } },
  ];
}

export async function measurePackage(log: (message: string) => void): Promise<Measure[]> {
  const work = mkdtempSync(join(tmpdir(), "parapet-bench-pack-"));
  try {
    const [packed] = JSON.parse(
      execFileSync("npm", ["pack", "--json", "--pack-destination", work], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }),
    ) as { filename: string; size: number; files: { path: string }[] }[];
    if (!packed) throw new Error("npm pack printed no result");
    const files = new Set(packed.files.map((f) => f.path));
    const missing = PACKAGE_REQUIRED_FILES.filter((f) => !files.has(f));
    const forbidden = [...files].filter(isForbiddenPackageFile);
    if (missing.length + forbidden.length > 0)
      log(`package: missing ${missing.join(", ")}; forbidden ${forbidden.join(", ")}`);

    execFileSync("tar", ["-xzf", join(work, packed.filename), "-C", work]);
    const unpacked = join(work, "package");
    symlinkSync(join(process.cwd(), "node_modules"), join(unpacked, "node_modules"), "dir");
    const bin = join(unpacked, "bin", "parapet.mjs");
    const env = { ...process.env, PARAPET_CLI: undefined };
    const run = () => spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8", env });
    const first = run(); // warm-up, and the check that it runs
    const helpOk = first.status === 0 && first.stdout.startsWith("Usage: parapet") ? 1 : 0;
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      run();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return [
      { key: "packageTarballBytes", value: packed.size },
      { key: "packageFiles", value: files.size },
      { key: "packageMissingFiles", value: missing.length, check: { op: "==", value: 0 } },
      { key: "packageForbiddenFiles", value: forbidden.length, check: { op: "==", value: 0 } },
      { key: "cliHelpRuns", value: helpOk, check: { op: "==", value: 1 } },
      { key: "cliHelpMs", value: Math.round(times[2] ?? 0), target: { op: "<=", value: 1000 } },
      ...measureCliBacktest(bin, unpacked, env),
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
