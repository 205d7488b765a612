import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { ParapetKeeperLockError } from "../../src/index.js";
import {
  acquireKeeperLock,
  type KeeperLockKey,
  keeperLockPath,
  processStartIdentity,
  readKeeperLock,
} from "../../src/keeper/lock.js";

const KEY: KeeperLockKey = {
  chainId: 31337,
  perpVault: "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707",
  signer: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
};

/** A real process that stays alive until killed. */
async function liveChild(): Promise<ChildProcess & { pid: number }> {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  await new Promise((resolve, reject) => child.once("spawn", resolve).once("error", reject));
  if (child.pid === undefined) throw new Error("no child pid");
  return child as ChildProcess & { pid: number };
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  if (child.pid === undefined) throw new Error("no child pid");
  return child.pid;
}

function lockError(fn: () => unknown): ParapetKeeperLockError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(ParapetKeeperLockError);
    return error as ParapetKeeperLockError;
  }
  throw new Error("expected ParapetKeeperLockError");
}

// The keeper lock against real processes: our own pid from an earlier start (a restarted container keeper is pid 1
// again), a live other process, a dead one, and a reused pid.
describe("keeper lock: pid plus process start time", () => {
  let directory: string;
  let path: string;
  const write = (content: unknown) =>
    writeFileSync(path, typeof content === "string" ? content : `${JSON.stringify(content)}\n`);

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "parapet-lock-"));
    path = keeperLockPath(KEY, directory);
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it("records our pid and start time, and is released by its holder only", () => {
    const lock = acquireKeeperLock(KEY, { directory });
    expect(lock.path).to.equal(path);
    const holder = readKeeperLock(path);
    expect(holder?.pid).to.equal(process.pid);
    if (process.platform === "linux") expect(holder?.startedAt).to.match(/^linux:\d+:\d+$/);
    expect(holder?.startedAt).to.equal(processStartIdentity(process.pid));
    lock.release();
    lock.release(); // idempotent
    expect(existsSync(path)).to.equal(false);
  });

  it("a restart with the same pid takes over its own old lock (an older start time, or an old pid-only file)", () => {
    for (const old of [{ pid: process.pid, startedAt: "linux:1:1" }, `${process.pid}\n`]) {
      write(old);
      const lock = acquireKeeperLock(KEY, { directory });
      expect(readKeeperLock(path)).to.deep.equal({ pid: process.pid, startedAt: processStartIdentity(process.pid) });
      lock.release();
      expect(existsSync(path)).to.equal(false);
    }
  });

  it("a second keeper in the same process is refused, and told nothing about signalling its own pid", () => {
    const lock = acquireKeeperLock(KEY, { directory });
    try {
      const error = lockError(() => acquireKeeperLock(KEY, { directory }));
      expect(error.pid).to.equal(process.pid);
      expect(error.message).to.contain(`already running (pid ${process.pid}, lock ${path})`);
      expect(error.message).to.not.match(/kill/);
      expect(error.fix).to.contain(`rm ${path}`);
    } finally {
      lock.release();
    }
    acquireKeeperLock(KEY, { directory }).release();
  });

  it("a live other process holds it: refused, naming the lock file and that pid; the file is left alone", async () => {
    const child = await liveChild();
    try {
      for (const held of [{ pid: child.pid, startedAt: processStartIdentity(child.pid) }, `${child.pid}\n`]) {
        write(held);
        const before = readFileSync(path, "utf8");
        const error = lockError(() => acquireKeeperLock(KEY, { directory }));
        expect(error.code).to.equal("KEEPER_ALREADY_RUNNING");
        expect(error.pid).to.equal(child.pid);
        expect(error.lockPath).to.equal(path);
        expect(error.fix).to.contain(`kill -INT ${child.pid}`);
        expect(error.fix).to.contain(`rm ${path}`);
        expect(readFileSync(path, "utf8")).to.equal(before);
      }
      // The same pid with another start time is another process that reused the pid: the lock is stale.
      if (process.platform === "linux") {
        write({ pid: child.pid, startedAt: "linux:1:1" });
        acquireKeeperLock(KEY, { directory }).release();
        expect(existsSync(path)).to.equal(false);
      }
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("a dead pid's lock is stale and taken over", async () => {
    const pid = await deadPid();
    write({ pid, startedAt: "linux:1:1" });
    const lock = acquireKeeperLock(KEY, { directory });
    expect(readKeeperLock(path)?.pid).to.equal(process.pid);
    lock.release();
  });

  it("a lock held by pid 1 (a container's init) is never answered with a signal to pid 1", function () {
    const init = processStartIdentity(1);
    if (process.pid === 1 || init === undefined) this.skip(); // we are pid 1, or pid 1 is hidden from us
    write({ pid: 1, startedAt: init });
    const error = lockError(() => acquireKeeperLock(KEY, { directory }));
    expect(error.pid).to.equal(1);
    expect(error.message).to.not.match(/kill/);
    expect(error.fix).to.contain(`rm ${path}`);
  });
});
