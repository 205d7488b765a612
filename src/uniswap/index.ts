export * from "./abis.js";
export * from "./math.js";
export * from "./read.js";
