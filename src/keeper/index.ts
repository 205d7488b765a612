export * from "./accounts.js";
export * from "./liquidations.js";
