// `npm run node`: a local development chain on http://127.0.0.1:8545 (Hardhat's EDR chain, in this process) with
// Parapet deployed from ignition/parameters/local.json, test USDC for the first five accounts and a seeded LP vault;
// writes deployments/localhost.json and runs until Ctrl-C. PARAPET_NODE_PORT overrides the port.
import { ParapetError } from "../src/errors.js";
import { formatDevNodeReport, startDevNode } from "./deployment/devNode.js";

const port = process.env.PARAPET_NODE_PORT === undefined ? 8545 : Number(process.env.PARAPET_NODE_PORT);
try {
  const node = await startDevNode({ port });
  console.log(formatDevNodeReport(node));
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  console.log("\nStopping the local chain.");
  await node.close();
} catch (error) {
  if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    console.error(
      `npm run node failed: port ${port} is in use (another node?).\nFix: stop it, or set PARAPET_NODE_PORT.`,
    );
    process.exitCode = 1;
  } else if (error instanceof ParapetError) {
    console.error(`npm run node failed (${error.code}): ${error.summary}\nFix: ${error.fix}`);
    process.exitCode = 1;
  } else throw error;
}
