export * from "./accounts.js";
export * from "./liquidations.js";
export * from "./upkeep.js";
