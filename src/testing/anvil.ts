// Starts a real anvil node (from the @foundry-rs/anvil npm package) on a free loopback port, for tests and scripts
// that need a second EVM node: deploy there, then fork it with a Hardhat network. Node-only.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { createPublicClient, http } from "viem";
import { ParapetInputError, ParapetMissingPeerError } from "../errors.js";

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
  /**
   * The anvil executable (default: node_modules/.bin/anvil from the current directory, else the bin of the
   * @foundry-rs/anvil package as resolved from the current directory's project).
   */
  binary?: string | undefined;
  /** How long to wait for the RPC to answer (default 15 s). */
  startTimeoutMs?: number | undefined;
};

/** The anvil wrapper of the @foundry-rs/anvil npm package (an optional peer dependency), or undefined. */
function findAnvil(): string | undefined {
  const dotBin = join(process.cwd(), "node_modules", ".bin", "anvil");
  if (existsSync(dotBin)) return dotBin;
  try {
    const require = createRequire(join(process.cwd(), "package.json"));
    const bin = join(dirname(require.resolve("@foundry-rs/anvil/package.json")), "bin.mjs");
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

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
  const binary = parameters.binary ?? findAnvil();
  if (binary === undefined) throw new ParapetMissingPeerError("@foundry-rs/anvil", "startAnvil()");
  if (!existsSync(binary)) {
    throw new ParapetInputError(
      "binary",
      `the anvil executable ${binary} does not exist.`,
      "pass the path of an anvil binary, or leave `binary` out to use the @foundry-rs/anvil package.",
    );
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
