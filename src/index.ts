// Parapet SDK entry point.
export * from "./math/index.js";
