// `parapet/node`: the SDK's Node-only helpers (files). The main entry stays browser-safe.
export {
  type FileLoadSummary,
  type FundingFileSpec,
  fundingFileOffset,
  type LoadHistoryFilesParameters,
  type LoadHistoryFilesReturnType,
  loadHistoryFiles,
} from "./backtest/node.js";
export { readDataFile } from "./data/node.js";
export { loadDeploymentFile, serializeDeployment, writeDeploymentFile } from "./deploymentFile.js";
