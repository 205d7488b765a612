#!/usr/bin/env node
// `npm run bench [-- --json]`: Hardhat 3 rejects unknown arguments after `hardhat run <script>`, so this wrapper
// turns `--json` into BENCH_JSON=1, compiles with its output sent to stderr, then runs scripts/bench.ts without
// recompiling, so that in JSON mode the only stdout is the script's one JSON line.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const USAGE = "usage: npm run bench [-- --json]";
const args = process.argv.slice(2);
let json = false;
for (const arg of args) {
  if (arg === "--json") json = true;
  else if (arg === "--help" || arg === "-h") {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  } else {
    process.stderr.write(`unknown argument: ${arg}\n${USAGE}\n`);
    process.exit(2);
  }
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(path.join(root, "package.json"));
const hardhatCli = path.join(path.dirname(require.resolve("hardhat/package.json")), "dist", "src", "cli.js");
const env = { ...process.env, ...(json ? { BENCH_JSON: "1" } : {}) };

function hardhat(hardhatArgs, stdout) {
  const result = spawnSync(process.execPath, [hardhatCli, ...hardhatArgs], {
    cwd: root,
    env,
    stdio: ["ignore", stdout, "inherit"],
  });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

hardhat(["build", "--quiet", "--no-tests"], 2); // compiler chatter never reaches stdout
hardhat(["run", "--no-compile", "scripts/bench.ts"], "inherit");
