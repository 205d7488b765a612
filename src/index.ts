// Parapet SDK entry point.
export * from "./abis/index.js";
export {
  DEFAULT_READ_LIMITS,
  itemsPerRead,
  MAX_INITCODE_BYTES,
  MAX_RETURNED_BYTES,
  MAX_TRANSACTION_GAS,
  type ReadCost,
  type ReadLimits,
} from "./actions/deployless.js";
export * from "./actions/hours.js";
export * from "./actions/lp.js";
export * from "./actions/oracle.js";
export * from "./actions/orders.js";
export * from "./actions/read.js";
export type * from "./actions/structs.js";
export * from "./actions/write.js";
export * from "./backtest/index.js";
export * from "./client.js";
export * from "./data/index.js";
export * from "./deployment.js";
export * from "./errors.js";
export * from "./ethers.js";
export * from "./funding/index.js";
export * from "./hedge/index.js";
export * from "./hours/index.js";
export * from "./keeper/index.js";
export * from "./math/index.js";
export * from "./oracle/index.js";
export * from "./parapetClient.js";
export * from "./risk/index.js";
export * from "./uniswap/index.js";
export * from "./units.js";
