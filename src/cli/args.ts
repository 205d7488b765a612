// Argument parsing every command shares: `parseArgs` with usage errors that name the option, numbers, ASSET=VALUE
// pairs, account indexes and subcommands. No viem here: `parapet backtest` parses with these and loads no chain code.
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { EXIT_CODES, usage } from "./errors.js";
import type { CliIo } from "./io.js";

/** `parseArgs` with the command's options; an unknown option or a missing value is a usage error naming it. */
export function parseCommandArgs<const O extends ParseArgsOptionsConfig>(
  command: string,
  argv: readonly string[],
  options: O,
) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const bad = /'([^']+)'/.exec(message)?.[1] ?? argv.join(" ");
    throw usage(bad, `${message.split(". ")[0]}.`, `See parapet ${command} --help for the options.`);
  }
}

/** A decimal option (no exponent, no separators) passing `check`, `fallback` when absent, or a usage error naming it. */
export function numberOption(
  name: string,
  value: string | undefined,
  fallback: number,
  check: (x: number) => boolean,
  what: string,
): number {
  if (value === undefined) return fallback;
  const x = /^[+-]?(\d+\.?\d*|\.\d+)$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(x) || !check(x))
    throw usage(`--${name} ${value}`, `--${name} ${value} is not ${what}.`, `Pass e.g. --${name} ${fallback}.`);
  return x;
}

/** Parses `text` as a finite number (`_` separators, exponents allowed) passing `check`; else a usage error naming `argument` (as typed). */
export function parseFiniteNumber(
  argument: string,
  text: string,
  check: (x: number) => boolean,
  what: string,
  example: string,
): number {
  const clean = text.replaceAll("_", "");
  const x = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(clean) ? Number(clean) : Number.NaN;
  if (!Number.isFinite(x) || !check(x)) {
    throw usage(argument, `${argument}: "${text}" is not ${what}.`, `Write it as ${example}.`);
  }
  return x;
}

/** An asset name as the options take it (e.g. ETH, WBTC, BRK.B). */
export const ASSET = /^[A-Za-z][A-Za-z0-9_.]*$/;

/** `ASSET=VALUE` of `option` → [ASSET upper-cased, VALUE]; else a usage error naming the argument. */
export function splitPair(option: string, value: string, valueName: string, example: string): [string, string] {
  const i = value.indexOf("=");
  const asset = i < 0 ? "" : value.slice(0, i).trim();
  const rest = i < 0 ? "" : value.slice(i + 1).trim();
  if (!ASSET.test(asset) || rest === "") {
    throw usage(
      `${option} ${value}`,
      `${option} ${value} is not ASSET=${valueName}.`,
      `Write it as ${option} ${example}.`,
    );
  }
  return [asset.toUpperCase(), rest];
}

/** The price tolerance per step of hedge and rebalance when --slippage-bps is not given. */
export const DEFAULT_SLIPPAGE_BPS = 50;

/** --slippage-bps (hedge, rebalance, keeper, orders): a whole number of basis points 0..10000; undefined when absent. */
export function slippageBpsOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return numberOption(
    "slippage-bps",
    value,
    DEFAULT_SLIPPAGE_BPS,
    (x) => Number.isInteger(x) && x >= 0 && x <= 10_000,
    "a whole number of basis points (0..10000)",
  );
}

export function accountIndexOption(value: string, option = "--account-index"): bigint {
  if (!/^\d+$/.test(value) || BigInt(value) >= 2n ** 96n) {
    throw usage(`${option} ${value}`, `${option} ${value} is not an account index.`, "Pass 0, 1, 2, …");
  }
  return BigInt(value);
}

/**
 * The subcommand of `parapet <parent> <sub> …` and the arguments after it. No subcommand prints the help on stderr
 * (exit 2), `-h`/`--help`/`help` on stdout (exit 0): both return the exit code. An unknown one is a usage error
 * (`what`: how it names a subcommand, e.g. "an lp subcommand").
 */
export function splitSubcommand<const S extends string>(
  parent: string,
  what: string,
  argv: readonly string[],
  subcommands: readonly S[],
  help: string,
  io: CliIo,
): { sub: S; rest: readonly string[] } | number {
  const [sub, ...rest] = argv;
  if (sub === undefined) {
    io.stderr(help);
    return EXIT_CODES.usage;
  }
  if (sub === "-h" || sub === "--help" || sub === "help") {
    io.stdout(help);
    return EXIT_CODES.ok;
  }
  if (!(subcommands as readonly string[]).includes(sub)) {
    throw usage(sub, `"${sub}" is not ${what}.`, `Use one of ${subcommands.join(", ")} (parapet ${parent} --help).`);
  }
  return { sub: sub as S, rest };
}
