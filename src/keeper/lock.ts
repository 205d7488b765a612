// One keeper per (chain, vault, signer): two would race for the same liquidations and rebalances and pay gas twice.
// An exclusive lock file (created with O_EXCL) under the OS temp dir holds the owner's pid; a lock whose process is
// gone is stale and taken over. Node-only (fs), so it is not exported from the browser-safe SDK entry point.
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address } from "viem";
import { ParapetKeeperLockError } from "../errors.js";

export type KeeperLockKey = { chainId: number; perpVault: Address; signer: Address };

export type KeeperLock = {
  path: string;
  /** Removes the lock file (idempotent; only if it still holds this process's pid). */
  release: () => void;
};

/** The lock file's path for `key`, under `directory` (default: the OS temp dir). */
export function keeperLockPath(key: KeeperLockKey, directory = tmpdir()): string {
  return join(
    directory,
    `parapet-keeper-${key.chainId}-${key.perpVault.toLowerCase()}-${key.signer.toLowerCase()}.lock`,
  );
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

function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the keeper lock for `key` or throws ParapetKeeperLockError naming the running keeper's pid. A lock left by a
 * dead process (crash, SIGKILL) is removed and taken.
 */
export function acquireKeeperLock(key: KeeperLockKey, options: { directory?: string | undefined } = {}): KeeperLock {
  const path = keeperLockPath(key, options.directory);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx" });
      let released = false;
      return {
        path,
        release: () => {
          if (released) return;
          released = true;
          if (readPid(path) === process.pid) unlinkSync(path);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = readPid(path);
      if (pid !== undefined && alive(pid)) throw new ParapetKeeperLockError(path, pid);
      // Stale (dead owner or unreadable content): remove and try once more; a racing keeper that wins gets it.
      try {
        unlinkSync(path);
      } catch {
        // already removed by the racer
      }
    }
  }
  const pid = readPid(path) ?? 0;
  throw new ParapetKeeperLockError(path, pid);
}
