// Starts a real anvil node (from the @foundry-rs/anvil npm package) on a free loopback port, for tests and scripts
// that need a second EVM node: deploy there, then fork it with a Hardhat network. Node-only.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createPublicClient, http } from "viem";

export type AnvilNode = {
  url: string;
  port: number;
  /** Kills the node (its whole process group); safe to call twice. */
  stop: () => void;
};

export type StartAnvilParameters = {
  /** Fork this RPC (e.g. process.env.FORK_URL) instead of starting an empty chain. */
  forkUrl?: string | undefined;
  forkBlockNumber?: bigint | undefined;
  chainId?: number | undefined;
  /** The anvil executable (default: node_modules/.bin/anvil from the current directory). */
  binary?: string | undefined;
  /** How long to wait for the RPC to answer (default 15 s). */
  startTimeoutMs?: number | undefined;
};

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port")),
      );
    });
  });
}

/**
 * Starts anvil on a free loopback port and waits until it answers. Always pair with `stop()` in a `finally`/`after`:
 * the node runs in its own process group (node_modules/.bin/anvil is a Node wrapper around the binary; killing only
 * the wrapper would leave the node running), and the group is also killed when this process exits.
 */
export async function startAnvil(parameters: StartAnvilParameters = {}): Promise<AnvilNode> {
  const binary = parameters.binary ?? join(process.cwd(), "node_modules", ".bin", "anvil");
  if (!existsSync(binary)) {
    throw new Error(`anvil was not found at ${binary}. Fix: run \`npm ci\` (it installs @foundry-rs/anvil).`);
  }
  const port = await freePort();
  const args = ["--port", String(port), "--host", "127.0.0.1", "--silent"];
  if (parameters.forkUrl) args.push("--fork-url", parameters.forkUrl);
  if (parameters.forkBlockNumber !== undefined) args.push("--fork-block-number", String(parameters.forkBlockNumber));
  if (parameters.chainId !== undefined) args.push("--chain-id", String(parameters.chainId));
  const child: ChildProcess = spawn(binary, args, { stdio: "ignore", detached: true });
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    process.off("exit", stop);
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  };
  process.on("exit", stop);
  const url = `http://127.0.0.1:${port}`;
  const probe = createPublicClient({ transport: http(url, { retryCount: 0, timeout: 1_000 }) });
  const deadline = Date.now() + (parameters.startTimeoutMs ?? 15_000);
  for (;;) {
    try {
      await probe.getChainId();
      return { url, port, stop };
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) {
        stop();
        throw new Error(`anvil did not start on ${url}: ${String(error).split("\n")[0]}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
