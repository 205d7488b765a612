// `parapet lp` against a real anvil node with Parapet deployed and the LP defence on: usage errors (exit 2), the
// allowance check and --approve, a deposit requested, listed, cancelled while pending, requested again, settled too
// early (exit 1, decoded) and then by a keeper, a redemption of everything, and an expired request any key cancels.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { createTestClient, http, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { main } from "../../src/cli/main.js";
import { writeDeploymentFile } from "../../src/deploymentFile.js";
import { ANVIL_KEYS, type AnvilParapet, deployParapetOnAnvil, startAnvil } from "./helpers/anvil.js";

async function run(argv: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

const [, LP_KEY, KEEPER_KEY, STRANGER_KEY] = ANVIL_KEYS;
const lp = privateKeyToAccount(LP_KEY).address;
const asLp = { PARAPET_PRIVATE_KEY: LP_KEY };
const asKeeper = { PARAPET_PRIVATE_KEY: KEEPER_KEY };
const asStranger = { PARAPET_PRIVATE_KEY: STRANGER_KEY };

describe("parapet lp on chain (anvil)", function () {
  this.timeout(60_000);
  let anvil: Awaited<ReturnType<typeof startAnvil>>;
  let env: AnvilParapet;
  let dir = "";
  let conn: string[] = [];
  let later: (seconds: number) => Promise<void>;

  before(async () => {
    anvil = await startAnvil();
    env = await deployParapetOnAnvil(anvil.url, { lpDefence: true });
    dir = mkdtempSync(join(tmpdir(), "parapet-lp-"));
    const file = join(dir, "anvil.json");
    await writeDeploymentFile(file, env.deployment);
    conn = ["--rpc", anvil.url, "--deployment", file];
    await env.send(env.deployment.collateralToken, "TestToken", "mint", [lp, parseUnits("100000", 6)]);
    const testClient = createTestClient({ mode: "anvil", transport: http(anvil.url) });
    later = async (seconds) => {
      await testClient.increaseTime({ seconds });
      await testClient.mine({ blocks: 1 });
    };
  });

  after(() => {
    anvil?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("--help, an unknown subcommand or option, a missing --request or key, --shares with --all: exit 0 / 2", async () => {
    const help = await run(["lp", "--help"]);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^Usage: parapet lp <deposit\|redeem\|settle\|cancel\|list>/);
    expect(help.stdout).to.match(/Exit codes/);
    expect((await run(["help", "lp"])).stdout).to.equal(help.stdout);
    expect((await run(["--help"])).stdout).to.contain("lp           request LP deposits");
    expect((await run(["keeper", "--help"])).stdout).to.contain("--no-lp-requests");
    const sub = await run(["lp", "frobnicate"]);
    expect(sub.code).to.equal(2);
    expect(sub.stderr).to.contain('"frobnicate" is not an lp subcommand');
    const foreign = await run(["lp", "list", ...conn, "--amount", "1"]);
    expect(foreign.code).to.equal(2);
    expect(foreign.stderr).to.contain("does not take --amount");
    const noId = await run(["lp", "settle", ...conn], asKeeper);
    expect(noId.code).to.equal(2);
    expect(noId.stderr).to.contain("--request is required");
    const noKey = await run(["lp", "deposit", ...conn, "--amount", "1"]);
    expect(noKey.code).to.equal(2);
    expect(noKey.stderr).to.contain("PARAPET_PRIVATE_KEY");
    const both = await run(["lp", "redeem", ...conn, "--shares", "1", "--all"], asLp);
    expect(both.code).to.equal(2);
    expect(both.stderr).to.contain("exactly one of --shares SHARES and --all");
    const badAmount = await run(["lp", "deposit", ...conn, "--amount", "ten"], asLp);
    expect(badAmount.code).to.equal(2);
    expect(badAmount.stderr).to.contain("--amount ten is not a token amount");
  });

  it("deposit → list → cancel while pending; deposit → settle too early (exit 1) → a keeper settles; redeem --all; an expired request anyone cancels", async () => {
    // No allowance yet: the SDK's pre-check names the approval, exit 1.
    const unapproved = await run(["lp", "deposit", ...conn, "--amount", "10000"], asLp);
    expect(unapproved.code).to.equal(1);
    expect(unapproved.stderr).to.contain("allowance to the LP vault").and.to.contain("--approve");

    const first = await run(["lp", "deposit", ...conn, "--amount", "10000", "--approve", "--json"], asLp);
    expect(first.code, first.stderr).to.equal(0);
    const requested = JSON.parse(first.stdout) as { requestId: string; setup: string[]; settleAfter: string };
    expect(requested.setup).to.have.length(1);
    const listed = await run(["lp", "list", ...conn, "--owner", lp, "--json"]);
    const list = JSON.parse(listed.stdout) as {
      flowParams: { enabled: boolean; minDelaySeconds: number };
      requests: { requestId: string; kind: string; status: string; amount: string; keeperFeeTokens: string }[];
    };
    expect(list.flowParams.enabled).to.equal(true);
    expect(list.requests.map((r) => [r.requestId, r.kind, r.status, r.amount, r.keeperFeeTokens])).to.deep.equal([
      [requested.requestId, "deposit", "pending", "10000000000", "1000000"],
    ]);
    const table = await run(["lp", "list", ...conn], asLp);
    expect(table.stdout).to.contain("requests settle 600 s after").and.to.contain("pending");
    const cancelled = await run(["lp", "cancel", ...conn, "--request", requested.requestId], asLp);
    expect(cancelled.code, cancelled.stderr).to.equal(0);
    expect(cancelled.stdout).to.contain(`Cancelled LP request #${requested.requestId}: 10001 refunded`);

    const again = await run(["lp", "deposit", ...conn, "--amount", "10000", "--approve", "--json"], asLp);
    const { requestId } = JSON.parse(again.stdout) as { requestId: string };
    const early = await run(["lp", "settle", ...conn, "--request", requestId], asKeeper);
    expect(early.code).to.equal(1);
    expect(early.stderr).to.contain("RequestNotSettleable");
    await later(600);
    const settled = await run(["lp", "settle", ...conn, "--request", requestId], asKeeper);
    expect(settled.code, settled.stderr).to.equal(0);
    expect(settled.stdout).to.match(/Settled LP request #\d+: 10000 deposited \(entry fee 50\) for \d+ shares/);
    expect(JSON.parse((await run(["lp", "list", ...conn, "--all", "--json"])).stdout).requests).to.deep.equal([]);

    const redeem = await run(["lp", "redeem", ...conn, "--all", "--json"], asLp);
    expect(redeem.code, redeem.stderr).to.equal(0);
    const redemption = JSON.parse(redeem.stdout) as { requestId: string };
    // Cancelling someone else's pending request: refused on chain, decoded, exit 1.
    const foreignCancel = await run(["lp", "cancel", ...conn, "--request", redemption.requestId], asStranger);
    expect(foreignCancel.code).to.equal(1);
    expect(foreignCancel.stderr).to.contain("RequestNotCancellable");
    await later(3_600); // past the timeout: expired, anyone may cancel (the shares go back to the LP)
    const expired = await run(["lp", "cancel", ...conn, "--request", redemption.requestId, "--json"], asStranger);
    expect(expired.code, expired.stderr).to.equal(0);
    expect(JSON.parse(expired.stdout)).to.include({ status: "sent", action: "cancel" });

    const redeemAgain = await run(["lp", "redeem", ...conn, "--all", "--json"], asLp);
    const { requestId: rid } = JSON.parse(redeemAgain.stdout) as { requestId: string };
    await later(600);
    const paid = await run(["lp", "settle", ...conn, "--request", rid], asLp);
    expect(paid.code, paid.stderr).to.equal(0);
    expect(paid.stdout).to.match(/shares for 99\d\d\.\d+ \(exit fee 39\.\d+\)/);
  });
});
