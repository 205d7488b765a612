// Parapet as a dependency of someone else's project: `npm pack` (its prepack builds dist/), the tarball's contents,
// then a fresh project that installs the tarball with `npm install --omit=dev` and uses the SDK, the test helpers and
// the installed `parapet` command (compiled JavaScript: no tsx, no src/) against an anvil with Parapet deployed.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { writeDeploymentFile } from "../../src/deploymentFile.js";
import type { AnvilNode } from "../../src/testing/anvil.js";
import { deployParapetOnAnvil, startAnvil } from "./helpers/anvil.js";

const root = process.cwd();
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const npmEnv = {
  ...process.env,
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
};

function npm(args: string[], cwd: string): string {
  return execFileSync("npm", args, { cwd, env: npmEnv, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Runs a command in the consumer project; returns its exit code and output. */
function inConsumer(cwd: string, command: string, args: string[]) {
  const run = spawnSync(command, args, { cwd, env: npmEnv, encoding: "utf8", timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The consumer's node_modules/.bin/parapet: what `npx parapet` runs there (npx itself costs ≈ 1.5 s a call). */
const parapetBin = (consumer: string) => join(consumer, "node_modules", ".bin", "parapet");

describe("package: npm pack → install in a fresh project → SDK, parapet/testing and the parapet command", function () {
  this.timeout(240_000);
  const work = mkdtempSync(join(tmpdir(), "parapet-pack-"));
  const consumer = join(work, "consumer");
  let tarball = "";
  let files: string[] = [];
  let anvil: AnvilNode | undefined;

  before(() => {
    const [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", work], root)) as {
      filename: string;
      files: { path: string }[];
    }[];
    if (!packed) throw new Error("npm pack printed no result");
    tarball = join(work, packed.filename);
    files = packed.files.map((f) => f.path);
    execFileSync("mkdir", ["-p", consumer]);
    writeFileSync(
      join(consumer, "package.json"),
      JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }),
    );
    npm(["install", "--prefer-offline", "--omit=dev", tarball, `viem@${pkg.dependencies.viem}`], consumer);
  });

  after(() => {
    anvil?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("ships the compiled SDK and CLI, the production contracts, LICENSE and README; no sources, no test contracts", () => {
    for (const f of [
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
      "data/SOURCES.md",
    ]) {
      expect(files, f).to.include(f);
    }
    expect(files.filter((f) => f.startsWith("contracts/test/"))).to.deep.equal([]);
    expect(files.filter((f) => f.startsWith("src/") || (f.endsWith(".ts") && !f.endsWith(".d.ts")))).to.deep.equal([]);
    expect(files.filter((f) => f.includes("tsbuildinfo"))).to.deep.equal([]);
    // prepack rebuilds dist/ from scratch: every shipped module has its source (none left by an older layout).
    const stale = files.filter(
      (f) => /^dist\/.*\.js$/.test(f) && !existsSync(join(root, f.replace(/^dist\//, "src/").replace(/\.js$/, ".ts"))),
    );
    expect(stale).to.deep.equal([]);
    expect(readFileSync(join(consumer, "node_modules", "parapet", "LICENSE"), "utf8")).to.match(/^MIT License/);
  });

  it("resolves every Solidity import of the shipped contracts in the consumer's node_modules", () => {
    const imports = new Set<string>();
    for (const f of files.filter((p) => p.endsWith(".sol"))) {
      const source = readFileSync(join(consumer, "node_modules", "parapet", f), "utf8");
      for (const m of source.matchAll(/^import\s+(?:[^"']*from\s+)?["'](@[^"']+)["']/gm)) imports.add(m[1] as string);
    }
    expect(imports.size).to.be.greaterThan(0);
    for (const path of imports) expect(existsSync(join(consumer, "node_modules", path)), path).to.equal(true);
  });

  it("imports parapet, parapet/node and parapet/testing; startAnvil without the anvil package is a typed error", () => {
    writeFileSync(
      join(consumer, "imports.mjs"),
      `import * as sdk from "parapet";
import * as node from "parapet/node";
import * as testing from "parapet/testing";
let missing;
try { await testing.startAnvil(); } catch (e) { missing = { name: e.name, code: e.code, packageName: e.packageName, message: e.message, isParapetError: e instanceof sdk.ParapetError }; }
let wrongCall;
try { await sdk.checkOracles({ publicClient: {}, deployment: {} }); } catch (e) { wrongCall = { name: e.name, code: e.code, message: e.message }; }
console.log(JSON.stringify({ wrongCall, sdk: typeof sdk.createParapetClient, fill: String(sdk.fillPrice(3000n * sdk.WAD, 0n, 2n * sdk.WAD, 1000000n * sdk.WAD)), node: typeof node.loadDeploymentFile, testing: typeof testing.setMarketPrice, missing }));
`,
    );
    const run = inConsumer(consumer, process.execPath, ["imports.mjs"]);
    expect(run.stderr).to.equal("");
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(out).to.deep.include({ sdk: "function", node: "function", testing: "function" });
    expect(out.fill).to.equal("3000003000000000000000");
    expect(out.missing).to.deep.include({
      name: "ParapetMissingPeerError",
      code: "MISSING_PEER_DEPENDENCY",
      packageName: "@foundry-rs/anvil",
      isParapetError: true,
    });
    expect((out.missing as { message: string }).message).to.include("npm install --save-dev @foundry-rs/anvil");
    // checkOracles(parapet), the top-level function given a client as if it were parapet.checkOracles(): typed.
    expect(out.wrongCall).to.deep.include({ name: "OracleCheckError", code: "MISSING_PARAMETERS" });
    expect((out.wrongCall as { message: string }).message).to.include("parapet.checkOracles()");
  });

  it("a strict TypeScript consumer type-checks against the shipped declarations (skipLibCheck: false)", () => {
    // What a user writes with the README's quick start, checked by the TypeScript this repository uses (the
    // consumer's own @types/node, as any Node project has; no other dev dependency).
    npm(["install", "--prefer-offline", "--save-dev", `@types/node@${pkg.devDependencies["@types/node"]}`], consumer);
    writeFileSync(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          exactOptionalPropertyTypes: true,
          skipLibCheck: false,
          noEmit: true,
          types: ["node"],
        },
        files: ["consumer.ts"],
      }),
    );
    writeFileSync(
      join(consumer, "consumer.ts"),
      `import { createParapetClient, type Deployment, fillPrice, type Market, ParapetError, parseDeployment, WAD } from "parapet";
import { loadDeploymentFile } from "parapet/node";
import { setMarketPrice, startAnvil } from "parapet/testing";
import { createPublicClient, createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";

export async function main(file: string, json: unknown): Promise<bigint> {
  const deployment: Deployment = await loadDeploymentFile(file);
  const again: Deployment = parseDeployment(json);
  const publicClient = createPublicClient({ transport: http() });
  const walletClient = createWalletClient({ account: privateKeyToAccount(\`0x\${"11".repeat(32)}\`), transport: http() });
  const parapet = await createParapetClient({ publicClient, walletClient, deployment });
  const owner = walletClient.account.address;
  const markets: Market[] = await parapet.getMarkets();
  const { account } = await parapet.getSnapshot({ owner, accountIndex: 0n });
  const { feeds } = await parapet.checkOracles();
  await parapet.writeTrade({ owner, marketId: 0n, sizeDelta: "-0.5", slippageBps: 50 });
  try {
    await parapet.writeDeposit({ owner, amount: "1000" });
  } catch (e) {
    if (e instanceof ParapetError) console.log(e.code);
  }
  void [again, account.collateralUsd, feeds.length, setMarketPrice, startAnvil];
  return fillPrice(markets[0]?.priceWad ?? WAD, 0n, WAD, 1_000_000n * WAD);
}
`,
    );
    const tsc = inConsumer(consumer, process.execPath, [
      join(root, "node_modules", "typescript", "bin", "tsc"),
      "-p",
      ".",
    ]);
    expect(tsc.stdout + tsc.stderr).to.equal("");
    expect(tsc.code).to.equal(0);
  });

  it("npx parapet --help runs the compiled CLI (no tsx installed); deploy says it needs a clone", () => {
    expect(existsSync(join(consumer, "node_modules", "tsx"))).to.equal(false);
    const help = inConsumer(consumer, "npx", ["--no-install", "parapet", "--help"]);
    expect(help.stderr).to.equal("");
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^Usage: parapet <command>/);
    const version = inConsumer(consumer, parapetBin(consumer), ["--version"]);
    expect(version.stdout.trim()).to.equal(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
    const deploy = inConsumer(consumer, parapetBin(consumer), ["deploy", "--network", "localhost"]);
    expect(deploy.code).to.equal(1);
    expect(deploy.stderr).to.include("does not ship").and.include("Fix: deploy from a clone");
  });

  it("with @foundry-rs/anvil installed: startAnvil from parapet/testing, and parapet status against a deployment", async () => {
    npm(
      ["install", "--prefer-offline", "--save-dev", `@foundry-rs/anvil@${pkg.devDependencies["@foundry-rs/anvil"]}`],
      consumer,
    );
    writeFileSync(
      join(consumer, "anvil.mjs"),
      `import { startAnvil } from "parapet/testing";
import { createPublicClient, http } from "viem";
const node = await startAnvil();
try { console.log(JSON.stringify({ chainId: await createPublicClient({ transport: http(node.url) }).getChainId() })); } finally { node.stop(); }
`,
    );
    const started = inConsumer(consumer, process.execPath, ["anvil.mjs"]);
    expect(started.stderr).to.equal("");
    expect(JSON.parse(started.stdout)).to.deep.equal({ chainId: 31337 });

    anvil = await startAnvil();
    const { deployment } = await deployParapetOnAnvil(anvil.url);
    const file = join(work, "localhost.json");
    await writeDeploymentFile(file, deployment);
    const status = inConsumer(consumer, parapetBin(consumer), [
      "status",
      "--rpc",
      anvil.url,
      "--deployment",
      file,
      "--json",
    ]);
    expect(status.stderr).to.equal("");
    expect(status.code).to.equal(0);
    const json = JSON.parse(status.stdout) as { chainId: number; markets: { symbol: string; priceUsd: string }[] };
    expect(json.chainId).to.equal(31337);
    const eth = json.markets.find((m) => m.symbol === "ETH");
    expect(eth?.priceUsd, "ETH price from the mock feed").to.be.a("string");
    expect(Number(eth?.priceUsd)).to.be.greaterThan(0);

    // The guide's example (docs/using-parapet.md, step 3), exactly as written there: anvil, deployParapet, a hedged
    // short, a price move, parapet status.
    const guide = readFileSync(join(root, "docs", "using-parapet.md"), "utf8");
    const example = /<!-- example: hedge-example\.mjs[^>]*-->\n```js\n([\s\S]*?)```/.exec(guide)?.[1];
    expect(example, "docs/using-parapet.md has its example block").to.be.a("string");
    writeFileSync(join(consumer, "hedge-example.mjs"), example as string);
    const ran = inConsumer(consumer, process.execPath, ["hedge-example.mjs"]);
    expect(ran.stderr).to.equal("");
    expect(ran.code).to.equal(0);
    const result = JSON.parse(ran.stdout) as Record<string, string>;
    expect(result.spotGainUsd).to.equal("600");
    // The short loses what the spot gains, less its fill's skew premium, fee and funding: a few dollars at most.
    expect(Number(result.hedgePnlUsd)).to.be.within(-610, -590);
    expect(Math.abs(Number(result.netUsd))).to.be.lessThan(10);
    expect(result.status).to.include("ETH").and.include("3,300");

    // A deployment file whose vault has no code on this chain (a local chain restarted since): a typed error.
    const stale = join(work, "stale.json");
    await writeDeploymentFile(stale, { ...deployment, perpVault: "0x000000000000000000000000000000000000dEaD" });
    const gone = inConsumer(consumer, parapetBin(consumer), ["status", "--rpc", anvil.url, "--deployment", stale]);
    expect(gone.code).to.equal(1);
    expect(gone.stderr).to.include("has no code on chain 31337").and.include("Fix: deploy again to this chain");
    // An error names the option as the user typed it.
    const typed = inConsumer(consumer, parapetBin(consumer), [
      "plan",
      "--rpc",
      anvil.url,
      "--deployment",
      file,
      "--exposure",
      "ETH=1",
      "--first-account-index",
      "1.5",
    ]);
    expect(typed.code).to.equal(2);
    expect(typed.stderr).to.include("--first-account-index 1.5 is not an account index");
  });
});
