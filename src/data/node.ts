// Node-only helper, kept apart so the loaders stay usable in browsers.
import { readFile } from "node:fs/promises";
import { DataLoadError } from "./errors.js";

/** Reads a data file as UTF-8 text for the loaders; throws a `DataLoadError` (READ_FAILED) with the path. */
export async function readDataFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (cause) {
    throw new DataLoadError({
      code: "READ_FAILED",
      summary: `Could not read ${path}.`,
      fix: "Check the path (relative paths resolve from the current directory) and the file's permissions.",
      cause,
    });
  }
}
