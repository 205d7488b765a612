#!/usr/bin/env node
// The `parapet` command. Installed from the npm package it runs the compiled CLI (dist/cli/main.js, plain
// JavaScript, nothing compiled at run time). In a clone of the repository, where src/ exists, it runs the TypeScript
// sources through tsx (a dev dependency via Hardhat) so an edit needs no rebuild; PARAPET_CLI=dist makes a clone run
// the compiled CLI too (after `npm run build:sdk`).
import { existsSync } from "node:fs";

const sources = new URL("../src/cli/main.ts", import.meta.url);
let cli;
if (process.env.PARAPET_CLI !== "dist" && existsSync(sources)) {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import(sources.href);
} else {
  cli = await import("../dist/cli/main.js");
}
process.exitCode = await cli.main(process.argv.slice(2), cli.processIo());
