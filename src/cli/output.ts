// Text and JSON output every command shares: the JSON encoder, padded tables, numbers for a table. No viem here
// (`parapet backtest` uses them); the WAD formatters of the on-chain commands are in connect.ts.

/**
 * JSON of a command's result: bigints (chain amounts, exact) as decimal strings; the models' floats to 15 significant
 * digits, the precision a double carries (2755.2700000000004 → 2755.27: the noise of float arithmetic, not data).
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    typeof v === "bigint" ? v.toString() : typeof v === "number" && Number.isFinite(v) ? Number(v.toPrecision(15)) : v,
  );
}

/** Right-aligned from the second column on when the cell is a number (starts with a digit, a dot or a sign). */
const numbersRight = (cell: string, column: number) => column > 0 && /^[-+]?[\d.]/.test(cell);

/** Columns padded to their widest cell; `alignRight` says which cells are right-aligned (default: numbers). */
export function formatTable(
  rows: readonly (readonly string[])[],
  alignRight: (cell: string, column: number) => boolean = numbersRight,
): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (alignRight(cell, i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** A number for a table: `digits` decimals with thousands separators, "-" when unknown. */
export function fmt(value: number | undefined, digits = 2): string {
  if (value === undefined || !Number.isFinite(value)) return "-";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
