// Parapet SDK entry point.
export * from "./math/index.js";
export * from "./oracle/index.js";
