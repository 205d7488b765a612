export * from "./accounts.js";
export * from "./liquidations.js";
export * from "./loop.js";
export * from "./orders.js";
export * from "./upkeep.js";
