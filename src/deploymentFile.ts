// Node-only: reading and writing a deployment file (deployments/<network>.json). Kept apart from deployment.ts so
// the SDK's main entry stays usable in browsers.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type Deployment, parseDeployment } from "./deployment.js";
import { ParapetDeploymentError } from "./errors.js";

const HOW_TO_DEPLOY = "Deploy first: `npm run deploy -- --network <name>` (or `npm run node` for a local chain).";

/**
 * Reads and validates a deployment file. Throws {@link ParapetDeploymentError}: `DEPLOYMENT_NOT_FOUND` when the file
 * does not exist, `INVALID_DEPLOYMENT` when it is not JSON, and parseDeployment's codes (naming the file) when a
 * field is wrong.
 */
export async function loadDeploymentFile(path: string): Promise<Deployment> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    const notFound = (cause as NodeJS.ErrnoException).code === "ENOENT";
    throw new ParapetDeploymentError({
      code: notFound ? "DEPLOYMENT_NOT_FOUND" : "INVALID_DEPLOYMENT",
      summary: notFound ? `No deployment file at ${path}.` : `Cannot read the deployment file ${path}.`,
      fix: notFound ? HOW_TO_DEPLOY : "Check the file's permissions.",
      cause,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ParapetDeploymentError({
      code: "INVALID_DEPLOYMENT",
      summary: `The deployment file ${path} is not valid JSON (${(cause as Error).message}).`,
      fix: `Regenerate it: ${HOW_TO_DEPLOY}`,
      cause,
    });
  }
  try {
    return parseDeployment(json);
  } catch (error) {
    if (!(error instanceof ParapetDeploymentError)) throw error;
    throw new ParapetDeploymentError({
      code: error.code,
      summary: `${path}: ${error.summary}`,
      fix: error.fix,
      cause: error,
    });
  }
}

/** The JSON form of a deployment: bigints as decimal strings, optional addresses omitted when absent. */
export function serializeDeployment(deployment: Deployment): string {
  return `${JSON.stringify(
    deployment,
    (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value),
    2,
  )}\n`;
}

/** Writes a deployment file atomically (temp file + rename), creating its directory. */
export async function writeDeploymentFile(path: string, deployment: Deployment): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, serializeDeployment(deployment), "utf8");
  await rename(temp, path);
}
