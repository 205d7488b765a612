// `parapet/testing`: helpers for your own local-chain and fork tests (see the README's "Your own fork test").
export * from "./anvil.js";
export * from "./bulk.js";
export * from "./chain.js";
export * from "./deploy.js";
export * from "./lp.js";
export * from "./uniswap.js";
