#!/usr/bin/env node
// Runs the TypeScript CLI (src/cli/main.ts) through tsx's ESM loader, on plain Node 20.6+ or 22.
import { register } from "tsx/esm/api";

register();
const { main, processIo } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2), processIo());
