// Parapet SDK entry point.
export * from "./abis/index.js";
export * from "./actions/oracle.js";
export * from "./actions/read.js";
export * from "./actions/write.js";
export * from "./client.js";
export * from "./deployment.js";
export * from "./errors.js";
export * from "./ethers.js";
export * from "./hedge/execute.js";
export * from "./math/index.js";
export * from "./oracle/index.js";
export * from "./parapetClient.js";
export * from "./units.js";
