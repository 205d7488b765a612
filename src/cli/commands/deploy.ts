// `parapet deploy`: runs the repository's deployment script with Hardhat (`npm run deploy -- --network NAME`) and
// returns its exit code.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ParapetError } from "../../errors.js";
import { parseCommandArgs } from "../args.js";
import { runCommand } from "../connect.js";
import { EXIT_CODES, usage } from "../errors.js";
import type { CliIo } from "../io.js";

// The repository (or installed package) root: this file is src/cli/commands/deploy.ts or dist/cli/commands/deploy.js.
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const DEPLOY_SCRIPT = "scripts/deploy.ts";

export const help = `Usage: parapet deploy --network NAME

Deploys Parapet with Hardhat: runs \`npm run deploy -- --network NAME\` (builds the contracts, then
${DEPLOY_SCRIPT}) from the repository root; its output passes through and its exit code is returned. The script
writes deployments/NAME.json, the file the other commands read with --deployment.

Options:
  --network NAME               Hardhat network (required), e.g. localhost
  --rpc URL                    the node of --network localhost (default $PARAPET_RPC_URL, else http://127.0.0.1:8545)
  -h, --help                   show this help

Exit codes: the deployment script's (0 ok); 1 when it cannot be started; 2 usage (no --network, unknown option).
`;

async function runDeploy(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs("deploy", argv, {
    network: { type: "string" },
    rpc: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(help);
    return EXIT_CODES.ok;
  }
  const network = values.network;
  if (network === undefined || !/^[A-Za-z0-9_-]+$/.test(network)) {
    throw usage(
      "--network",
      network === undefined ? "--network is required." : `--network ${network} is not a network name.`,
      "Pass e.g. --network localhost.",
    );
  }
  if (!existsSync(`${REPO_ROOT}${DEPLOY_SCRIPT}`)) {
    // The installed npm package ships the contracts, the SDK and the compiled CLI, not the Hardhat project
    // (config, Ignition modules, deploy script) that deploys them.
    throw new ParapetError({
      code: "DEPLOY_SCRIPT_NOT_SHIPPED",
      summary: `parapet deploy runs the repository's Hardhat Ignition script (${DEPLOY_SCRIPT}), which the installed package (${REPO_ROOT}) does not ship.`,
      fix: "deploy from a clone of the Parapet repository (`npm ci`, then `npm run deploy -- --network NAME`) and pass the deployments/NAME.json it writes to the other commands with --deployment.",
    });
  }
  return new Promise<number>((resolveCode) => {
    // The package.json script, so `parapet deploy` and `npm run deploy` are one thing; npm puts node_modules/.bin
    // first on PATH, so Hardhat runs on the repo's Node 22 (the `node` devDependency) whatever Node runs this CLI.
    const child = spawn("npm", ["run", "--silent", "deploy", "--", "--network", network], {
      cwd: REPO_ROOT,
      stdio: "inherit",
      // hardhat.config.ts reads the localhost node's URL from PARAPET_RPC_URL.
      env: values.rpc === undefined ? process.env : { ...process.env, PARAPET_RPC_URL: values.rpc },
    });
    child.once("error", (error) => {
      io.stderr(`parapet deploy: could not start npm: ${error.message}. Fix: run it where npm is on PATH.\n`);
      resolveCode(EXIT_CODES.runtime);
    });
    child.once("exit", (code, signal) => resolveCode(code ?? (signal ? EXIT_CODES.runtime : EXIT_CODES.ok)));
  });
}

export function run(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand("deploy", io, () => runDeploy(argv, io));
}
