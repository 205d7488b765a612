// The npm package (issue #16): `npm pack` (its prepack builds dist/) into a temporary directory, the tarball's size,
// a check that it holds what a consumer needs and nothing it must not ship, and the start-up of the installed
// `parapet --help` (median of 5 runs of `node <package>/bin/parapet.mjs --help` from the unpacked tarball, whose
// node_modules is this repository's, so nothing is fetched; src/ is not in the tarball, so it runs dist/cli).
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
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
