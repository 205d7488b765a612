// One keeper per (chain, vault, signer): two would race for the same liquidations and rebalances and pay gas twice.
// An exclusive lock file (created with O_EXCL) under the OS temp dir records its holder: the pid AND an identity of
// that process's start, because a pid alone is reused (a restarted container's keeper is pid 1 again, and finds
// its own old lock). A lock is another keeper's only while that very process lives; otherwise it is stale and taken
// over. Node-only (fs), so it is not exported from the browser-safe SDK entry point.
import { execFileSync } from "node:child_process";
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address } from "viem";
import { ParapetKeeperLockError } from "../errors.js";

export type KeeperLockKey = { chainId: number; perpVault: Address; signer: Address };

/** What a lock file records: the holder's pid and, where the OS tells, when that process started. */
export type KeeperLockHolder = { pid: number; startedAt?: string | undefined };

export type KeeperLock = {
  path: string;
  /** Removes the lock file (idempotent; only if it still records this process). */
  release: () => void;
};

/** Lock files this process holds now: a second keeper in the same process is refused, not given the lock. */
const heldHere = new Set<string>();

/** The lock file's path for `key`, under `directory` (default: the OS temp dir). */
export function keeperLockPath(key: KeeperLockKey, directory = tmpdir()): string {
  return join(
    directory,
    `parapet-keeper-${key.chainId}-${key.perpVault.toLowerCase()}-${key.signer.toLowerCase()}.lock`,
  );
}

let bootTime: string | undefined;

/**
 * An identity of the start of process `pid` (equal for the same process, different for a later process that got
 * the same pid), or undefined when the OS does not tell or the process is gone. Linux: the boot time (`btime` of
 * /proc/stat) and field 22 of /proc/<pid>/stat (the start in clock ticks after boot): unique across reboots without
 * knowing the clock-tick rate. Elsewhere: `ps -o lstart=` (macOS, the BSDs), to the second.
 */
export function processStartIdentity(pid: number): string | undefined {
  if (process.platform === "linux") {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count fields after the last ")".
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const startTicks = fields[22 - 3];
      bootTime ??= /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1];
      if (startTicks && /^\d+$/.test(startTicks)) return `linux:${bootTime ?? "?"}:${startTicks}`;
    } catch {
      return undefined; // no such process (or /proc hidden from us)
    }
    return undefined;
  }
  try {
    const started = execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 2_000,
    }).trim();
    return started === "" ? undefined : `ps:${started}`;
  } catch {
    return undefined; // no ps (Windows) or no such process
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The holder a lock file records: JSON `{ pid, startedAt }`, or a bare pid (older keepers); undefined if garbled. */
export function readKeeperLock(path: string): KeeperLockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
  const valid = (pid: unknown): pid is number => typeof pid === "number" && Number.isSafeInteger(pid) && pid > 0;
  if (/^\d+$/.test(text)) {
    const pid = Number.parseInt(text, 10);
    return valid(pid) ? { pid } : undefined;
  }
  try {
    const parsed = JSON.parse(text) as { pid?: unknown; startedAt?: unknown };
    if (!valid(parsed.pid)) return undefined;
    return { pid: parsed.pid, startedAt: typeof parsed.startedAt === "string" ? parsed.startedAt : undefined };
  } catch {
    return undefined;
  }
}

/**
 * Whether `holder` is a keeper running now. Our own pid is another keeper only when this very process holds the
 * lock (an earlier process with our pid is gone: we are its successor). Another pid is live while that process
 * exists and, when both start identities are known, is the same process that wrote the lock.
 */
function holdsLock(path: string, holder: KeeperLockHolder): boolean {
  if (holder.pid === process.pid) return heldHere.has(path);
  if (!alive(holder.pid)) return false;
  if (holder.startedAt === undefined) return true; // an older lock: the pid is all we know, so trust it
  const now = processStartIdentity(holder.pid);
  return now === undefined || now === holder.startedAt;
}

/**
 * Takes the keeper lock for `key` or throws ParapetKeeperLockError naming the lock file and the running keeper's
 * pid. A stale lock (its process is gone, or its pid now belongs to another process, or to us) is removed and taken.
 */
export function acquireKeeperLock(key: KeeperLockKey, options: { directory?: string | undefined } = {}): KeeperLock {
  const path = keeperLockPath(key, options.directory);
  const self: KeeperLockHolder = { pid: process.pid, startedAt: processStartIdentity(process.pid) };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${JSON.stringify(self)}\n`, { flag: "wx" });
      heldHere.add(path);
      let released = false;
      return {
        path,
        release: () => {
          if (released) return;
          released = true;
          heldHere.delete(path);
          const holder = readKeeperLock(path);
          if (holder?.pid !== self.pid || holder.startedAt !== self.startedAt) return;
          try {
            unlinkSync(path);
          } catch {
            // already removed
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = readKeeperLock(path);
      if (holder !== undefined && holdsLock(path, holder)) {
        throw new ParapetKeeperLockError(path, holder.pid, { sameProcess: holder.pid === process.pid });
      }
      // Stale (dead or replaced holder, or unreadable content): remove and try once more; a racing keeper that wins
      // gets it.
      try {
        unlinkSync(path);
      } catch {
        // already removed by the racer
      }
    }
  }
  const holder = readKeeperLock(path);
  throw new ParapetKeeperLockError(path, holder?.pid ?? 0, { sameProcess: holder?.pid === process.pid });
}
