#!/usr/bin/env node
// `npm test`: every test, the Solidity and the mocha runner side by side after one build, then the total line that
// `hardhat test` prints ("N passing (A solidity, B mocha)"). Side by side because each runner is one busy core for
// most of its run (the invariant campaign is the Solidity tail, the mocha suite is one process), so on two cores the
// whole run takes about as long as the longer of the two. With arguments (`npm test -- test/ts/x.test.ts`, a
// runner name, options) it is `hardhat test ARGS` unchanged.
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(root, "package.json"));
const hardhatCli = path.join(path.dirname(require.resolve("hardhat/package.json")), "dist", "src", "cli.js");
const args = process.argv.slice(2);

if (args.length > 0) {
  const r = spawnSync(process.execPath, [hardhatCli, "test", ...args], { cwd: root, stdio: "inherit" });
  process.exit(r.status ?? 1);
}

// One build of the contracts and the Solidity tests: the two runners below must not compile into the same
// artifacts at once.
const build = spawnSync(process.execPath, [hardhatCli, "build", "--quiet"], { cwd: root, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

/** Runs `hardhat test RUNNER --no-compile`; its output is streamed (`live`) or kept and printed when it ends. */
function runner(name, live) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [hardhatCli, "test", name, "--no-compile"], {
      cwd: root,
      env:
        process.env.FORCE_COLOR === undefined && process.stdout.isTTY
          ? { ...process.env, FORCE_COLOR: "1" }
          : process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const chunks = [];
    const keep = (chunk) => {
      chunks.push(chunk);
      if (live) process.stdout.write(chunk);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("close", (code, signal) =>
      resolve({ name, code: code ?? (signal ? 1 : 0), output: Buffer.concat(chunks).toString() }),
    );
  });
}

/** The last "N passing" / "N failing" of a runner's output (colour codes stripped). */
function count(output, word) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const matches = [...plain.matchAll(new RegExp(`^\\s*(\\d+) ${word}\\b`, "gm"))];
  return matches.length === 0 ? 0 : Number(matches[matches.length - 1][1]);
}

console.log("Running the Solidity and the mocha tests side by side (the Solidity output follows when it ends).\n");
const [solidity, mocha] = await Promise.all([runner("solidity", false), runner("mocha", true)]);
process.stdout.write(`\n${solidity.output}`);

const results = [solidity, mocha];
const total = (word) => {
  const parts = results.map((r) => [r.name, count(r.output, word)]).filter(([, n]) => n > 0);
  const n = parts.reduce((s, [, k]) => s + k, 0);
  return { n, detail: parts.map(([name, k]) => `${k} ${name}`).join(", ") };
};
const passing = total("passing");
const failing = total("failing");
console.log(`\n${passing.n} passing (${passing.detail})`);
if (failing.n > 0) console.log(`${failing.n} failing (${failing.detail})`);
// A runner that failed without a failing test (a crash, a compile error) still fails the run.
const crashed = results.filter((r) => r.code !== 0 && count(r.output, "failing") === 0);
if (crashed.length > 0)
  console.log(`${crashed.map((r) => r.name).join(", ")}: exited ${crashed.map((r) => r.code).join(", ")}`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
