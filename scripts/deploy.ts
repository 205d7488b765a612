// `npm run deploy -- --network NAME`: deploys Parapet to NAME from ignition/parameters/<NAME>.json (local.json for
// hardhat/localhost; override with PARAPET_PARAMETERS=path) and writes deployments/<NAME>.json. Idempotent through
// Ignition's journal. Bad input (missing or wrong parameter, wrong chain, stale journal) → a message naming the cause
// and the fix, exit code 1, nothing sent.
import { network } from "hardhat";
import { ParapetError } from "../src/errors.js";
import { deployNetwork, formatDeployReport, parametersFileFor } from "./deployment/deploy.js";

const connection = await network.create();
const { networkName } = connection;
const parametersFile = process.env.PARAPET_PARAMETERS ?? parametersFileFor(networkName);
try {
  console.log(`Deploying Parapet to ${networkName} with ${parametersFile} …`);
  // Ignition's progress UI redraws a terminal; piped to a file or a CI log it would print every batch: only on a TTY.
  const displayUi = process.stdout.isTTY === true;
  const result = await deployNetwork(connection, { networkName, parametersFile, displayUi });
  console.log(formatDeployReport(result, networkName));
} catch (error) {
  if (!(error instanceof ParapetError)) throw error;
  console.error(`Deploy failed (${error.code}): ${error.summary}\nFix: ${error.fix}`);
  process.exitCode = 1;
} finally {
  await connection.close();
}
