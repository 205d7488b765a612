import { DataLoadError } from "./errors.js";

/** A data line of a CSV file: 1-based line number, raw text and fields. */
export type CsvLine = { line: number; text: string; fields: string[] };

/** Splits simple CSV text (no quoted commas in these formats) into a header index and data lines. */
export function splitCsv(
  text: string,
  format: string,
  required: readonly string[],
): { column: (name: string) => number; width: number; lines: CsvLine[] } {
  const raw = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const headerIndex = raw.findIndex((l) => l.trim() !== "");
  if (headerIndex < 0) {
    throw new DataLoadError({
      code: "EMPTY_FILE",
      summary: `The ${format} file is empty.`,
      fix: `Pass the text of a CSV file whose first line is the header ${required.join(",")}.`,
    });
  }
  const header = (raw[headerIndex] ?? "").split(",").map((h) => h.trim().toLowerCase());
  const missing = required.filter((r) => !header.includes(r.toLowerCase()));
  if (missing.length > 0) {
    throw new DataLoadError({
      code: "WRONG_HEADER",
      summary: `The ${format} header "${raw[headerIndex]}" lacks ${missing.join(", ")}.`,
      fix: `Use a file with the columns ${required.join(",")} (any order, extra columns allowed), or the loader for its format.`,
    });
  }
  const lines: CsvLine[] = [];
  for (let i = headerIndex + 1; i < raw.length; i++) {
    const t = raw[i] ?? "";
    if (t.trim() === "") continue;
    lines.push({ line: i + 1, text: t, fields: t.split(",").map((f) => f.trim()) });
  }
  return { column: (name) => header.indexOf(name.toLowerCase()), width: header.length, lines };
}

/** Parses a finite decimal number, or returns undefined. */
export function parseNumber(s: string | undefined): number | undefined {
  if (s === undefined || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** Parses the `YYYY-MM-DD` prefix of a date or date-time field to the UTC midnight in ms, or undefined. */
export function parseDateUtcMs(s: string | undefined): number | undefined {
  const m = s === undefined ? null : /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (m === null) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  return back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d ? ms : undefined;
}

/** `YYYY-MM-DD` of a UTC timestamp. */
export function isoDate(timestampMs: number): string {
  return new Date(timestampMs).toISOString().slice(0, 10);
}
