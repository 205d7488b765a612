// A keeper killed mid-transaction (issue #14): `parapet keeper` sends its liquidation batches back to back, is
// SIGKILLed while they are still pending, and is restarted — once by a new process, once as the same PID (a
// container's PID 1 finds its own old lock). It resumes, sends nothing while its earlier transactions are pending,
// never liquidates an account twice, and clears the rest once they are mined.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  http,
  maxUint256,
  parseEventLogs,
  parseUnits,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { writeDeploymentFile } from "../../src/deploymentFile.js";
import { createParapetClient, perpVaultAbi, scanAccounts } from "../../src/index.js";
import { keeperLockPath } from "../../src/keeper/lock.js";
import { mixedLeverageBook, openPositionsInBulk } from "../../src/testing/index.js";
import { ANVIL_KEYS, deployParapetOnAnvil, MOCK_V3_AGGREGATOR, startAnvil } from "./helpers/anvil.js";

const [, TRADER_KEY, KEEPER_KEY] = ANVIL_KEYS;
const ACCOUNTS = 400;

type Run = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

/** Starts the CLI keeper (`sh -c "<prelude>; exec node bin/parapet.mjs keeper …"`); resolves when it exits. */
function startKeeper(args: string[], prelude = "") {
  const command = `${prelude}exec "${process.execPath}" bin/parapet.mjs keeper ${args.map((a) => `'${a}'`).join(" ")}`;
  const child = spawn("sh", ["-c", command], {
    env: { ...process.env, PARAPET_PRIVATE_KEY: KEEPER_KEY },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const run: Run = { code: null, signal: null, stdout: "", stderr: "" };
  child.stdout.on("data", (d) => {
    run.stdout += String(d);
  });
  child.stderr.on("data", (d) => {
    run.stderr += String(d);
  });
  const exited = new Promise<Run>((resolve) =>
    child.once("exit", (code, signal) => {
      run.code = code;
      run.signal = signal;
      resolve(run);
    }),
  );
  return { child, run, exited };
}

describe("keeper killed mid-transaction (issue #14)", function () {
  this.timeout(300_000);

  it("SIGKILL with batches pending, restart (new process, then the same PID): nothing twice, the rest cleared", async () => {
    const anvil = await startAnvil();
    const dir = mkdtempSync(join(tmpdir(), "parapet-kill-"));
    try {
      const env = await deployParapetOnAnvil(anvil.url);
      const { deployment } = env;
      const file = join(dir, "anvil.json");
      await writeDeploymentFile(file, deployment);
      const publicClient = createPublicClient({ transport: http(anvil.url) });
      const rpc = (method: string, params: unknown[] = []) =>
        publicClient.request({ method: method as never, params: params as never });
      const traderWallet = createWalletClient({ account: privateKeyToAccount(TRADER_KEY), transport: http(anvil.url) });
      const owner = traderWallet.account.address;
      const keeper = privateKeyToAccount(KEEPER_KEY).address;
      await env.send(deployment.collateralToken, "TestToken", "mint", [owner, parseUnits("5000000", 6)]);
      await env.send(
        deployment.collateralToken,
        "TestToken",
        "approve",
        [deployment.perpVault, maxUint256],
        TRADER_KEY,
      );
      const trader = await createParapetClient({ publicClient, walletClient: traderWallet, deployment });
      await openPositionsInBulk(trader, {
        positions: mixedLeverageBook({ count: ACCOUNTS, marketId: 0n, priceUsd: 3000, collateralDecimals: 6 }),
      });
      await env.send(env.feeds[0] as Address, MOCK_V3_AGGREGATOR, "updateAnswer", [parseUnits("1500", 8)]);
      const accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({ owner, accountIndex: BigInt(i) }));
      const reader = await createParapetClient({ publicClient, deployment });
      const due = (await scanAccounts(reader, { accounts })).candidates.length;
      expect(due > 100).to.equal(true);
      const conn = ["--rpc", anvil.url, "--deployment", file, "--json", "--interval", "1"];
      const nonces = async () => ({
        mined: await publicClient.getTransactionCount({ address: keeper, blockTag: "latest" }),
        pending: await publicClient.getTransactionCount({ address: keeper, blockTag: "pending" }),
      });

      // 1. Blocks stop; the keeper sends 3 batches of 50 back to back and waits for them: killed while they pend.
      await rpc("evm_setAutomine", [false]);
      const first = startKeeper([...conn, "--max-batch", "50", "--max-transactions", "3"]);
      const deadline = Date.now() + 60_000;
      while ((await nonces()).pending - (await nonces()).mined < 3) {
        if (Date.now() > deadline) throw new Error(`no batch pending: ${first.run.stdout} ${first.run.stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      first.child.kill("SIGKILL");
      const killed = await first.exited;
      expect(killed.signal).to.equal("SIGKILL");
      const pendingAtKill = await nonces();
      expect(pendingAtKill.pending - pendingAtKill.mined).to.equal(3);

      // 2. A new process while those are still pending: it takes the dead keeper's lock and sends nothing.
      const second = await startKeeper([...conn, "--once"]).exited;
      expect(second.code, second.stderr).to.equal(0);
      expect(second.stdout).to.match(/"reason":"PENDING_TX/);
      expect(await nonces()).to.deep.equal(pendingAtKill);

      // 3. The pending batches are mined; restarted as the SAME PID whose old lock is still there (a container's
      // PID 1): it is not "another keeper", and it clears the rest.
      await rpc("evm_mine");
      await rpc("evm_setAutomine", [true]);
      const lockPath = keeperLockPath({ chainId: deployment.chainId, perpVault: deployment.perpVault, signer: keeper });
      const samePid = `printf '{"pid":%s,"startedAt":"linux:0:0"}\\n' $$ > '${lockPath}'; `;
      const third = await startKeeper([...conn, "--once"], samePid).exited;
      expect(third.code, third.stderr).to.equal(0);
      expect(third.stderr).to.not.match(/already running/);
      expect((await scanAccounts(reader, { accounts })).candidates).to.deep.equal([]);

      // Every liquidated account was liquidated exactly once, by this keeper, in 3 + the rest's transactions.
      const logs = await publicClient.getLogs({ address: deployment.perpVault, fromBlock: 0n });
      const liquidations = parseEventLogs({ abi: perpVaultAbi, eventName: "Liquidated", logs });
      const keys = liquidations.map((l) => `${l.args.owner.toLowerCase()}:${l.args.accountIndex}`);
      expect(new Set(keys).size).to.equal(keys.length);
      expect(keys).to.have.length(due);
      expect(liquidations.every((l) => l.args.keeper.toLowerCase() === keeper.toLowerCase())).to.equal(true);
    } finally {
      await anvil.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
