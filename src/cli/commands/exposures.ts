// `parapet exposures`: what an owner holds on chain (native and ERC-20 balances, Uniswap v3 positions with their
// range, exact amounts, uncollected fees, delta and gamma), read at one block in one request. Needs only an RPC: no
// Parapet deployment.
import { createPublicClient, http } from "viem";
import { toParapetRpcError } from "../../errors.js";
import { readExposures } from "../../uniswap/read.js";
import { parseCommandArgs } from "../args.js";
import { addressOption, CONNECTION_OPTIONS, connectionSettings, runCommand } from "../connect.js";
import { EXIT_CODES, usage } from "../errors.js";
import { parseUniswapPositionArgs } from "../exposures.js";
import { type CliIo, envOf } from "../io.js";
import { fmt, formatTable, toJson } from "../output.js";

export const help = `Usage: parapet exposures --owner ADDRESS [options]

What ADDRESS holds, per asset and per Uniswap v3 position, at one block (one eth_call for up to 40 positions): the
native balance, the ERC-20 balances asked for, and every Uniswap v3 position NFT it holds (or the ids given) with its
range, whether the pool's price is in it, the amounts a full withdrawal would pay (exact, as the pool rounds), the
uncollected fees, the delta and gamma of its asset. Positions against a USD stablecoin become the planner's
concentrated exposures (docs/uniswap.md).

Options:
  --owner ADDRESS              whose holdings to read (required)
  --position-manager ADDRESS   Uniswap v3 NonfungiblePositionManager (mainnet and most L2s:
                               0xC36442b4a4522E871399CD717aBDD847Ab11FE88)
  --uniswap-position ID        read this position (repeatable); without it every position NFT of the owner is read
  --token ADDRESS              an ERC-20 whose balance to read (repeatable)
  --asset TOKEN=ASSET          read a token (address or symbol) as ASSET, e.g. --asset WETH=ETH (the default for
                               WETH, WBTC, cbBTC; USDC, USDT, DAI, … are USD)  (repeatable)
  --no-native                  leave the native balance out
  --rpc URL                    JSON-RPC endpoint (default: $PARAPET_RPC_URL, else http://127.0.0.1:8545)
  --rpc-timeout SECONDS        per-request timeout (default 10)
  --rpc-retries N              retries per request (default 2)
  --json                       print data as JSON on stdout
  -h, --help                   show this help

JSON: { blockNumber, requests, byAsset: [{ asset, units, delta, gamma }], balances: [{ address, symbol, asset,
  amount (base units), units }], positions: [{ tokenId, pool, token0, token1, fee, tickLower, tickUpper, inRange,
  price, lowerPrice, upperPrice (token1 per token0), amount0, amount1, fees0, fees1 (base units), gamma0Raw,
  exposure }] }

Exit codes: 0 ok; 1 runtime (RPC down, a position id that does not exist); 2 usage (bad address or id).
`;

async function runExposures(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs("exposures", argv, {
    ...CONNECTION_OPTIONS,
    owner: { type: "string" },
    "position-manager": { type: "string" },
    "uniswap-position": { type: "string", multiple: true },
    token: { type: "string", multiple: true },
    asset: { type: "string", multiple: true },
    "no-native": { type: "boolean" },
  });
  if (values.help) {
    io.stdout(help);
    return EXIT_CODES.ok;
  }
  if (values.owner === undefined)
    throw usage("--owner", "parapet exposures needs --owner ADDRESS.", "Pass --owner 0x… (the wallet to read).");
  const owner = addressOption("owner", values.owner);
  const { positionManager, tokenIds } = parseUniswapPositionArgs(values);
  const assets: Record<string, string> = {};
  for (const v of values.asset ?? []) {
    const [token, asset] = v.split("=");
    if (!token || !asset)
      throw usage(`--asset ${v}`, `--asset ${v} is not TOKEN=ASSET.`, "Pass e.g. --asset WETH=ETH or --asset 0x…=ETH.");
    assets[token.startsWith("0x") ? addressOption("asset", token) : token] = asset.toUpperCase();
  }
  const tokens = (values.token ?? []).map((t) => addressOption("token", t));
  const settings = connectionSettings(values, envOf(io));
  const publicClient = createPublicClient({
    transport: http(settings.rpcUrl, { timeout: settings.timeoutMs, retryCount: settings.retryCount, retryDelay: 200 }),
  });
  let read: Awaited<ReturnType<typeof readExposures>>;
  try {
    read = await readExposures(
      { publicClient },
      {
        owner,
        assets,
        sources: {
          native: values["no-native"] !== true,
          tokens,
          ...(positionManager !== undefined
            ? { uniswapV3: { positionManager, tokenIds, owned: tokenIds.length === 0 } }
            : {}),
        },
      },
    );
  } catch (error) {
    throw toParapetRpcError(error) ?? error;
  }
  if (settings.json) {
    io.stdout(`${toJson(read)}\n`);
    return EXIT_CODES.ok;
  }
  const lines = [
    `Holdings of ${owner} at block ${read.blockNumber} (${read.requests} request${read.requests === 1 ? "" : "s"})`,
    "",
    formatTable([
      ["asset", "units held", "delta", "gamma (units per USD)"],
      ...read.byAsset.map((a) => [
        a.asset,
        fmt(a.units, 6),
        fmt(a.delta, 6),
        a.gamma === 0 ? "0" : a.gamma.toExponential(3),
      ]),
    ]),
  ];
  if (read.positions.length > 0) {
    lines.push(
      "",
      "Uniswap v3 positions:",
      formatTable([
        ["id", "pair", "fee", "range (token1 per token0)", "price", "state", "amounts", "uncollected fees"],
        ...read.positions.map((p) => {
          const u0 = (x: bigint) => fmt(Number(x) / 10 ** p.token0.decimals, 6);
          const u1 = (x: bigint) => fmt(Number(x) / 10 ** p.token1.decimals, 6);
          return [
            String(p.tokenId),
            `${p.token0.symbol}/${p.token1.symbol}`,
            `${p.fee / 10_000} %`,
            `${fmt(p.lowerPrice, 6)} – ${fmt(p.upperPrice, 6)}`,
            fmt(p.price, 6),
            p.inRange
              ? "in range"
              : p.tick < p.tickLower
                ? `below: all ${p.token0.symbol}`
                : `above: all ${p.token1.symbol}`,
            `${u0(p.amount0)} ${p.token0.symbol} + ${u1(p.amount1)} ${p.token1.symbol}`,
            `${u0(p.fees0)} ${p.token0.symbol} + ${u1(p.fees1)} ${p.token1.symbol}`,
          ];
        }),
      ]),
    );
  } else if (positionManager === undefined) {
    lines.push("", "Uniswap v3: pass --position-manager ADDRESS to read positions.");
  }
  io.stdout(`${lines.join("\n")}\n`);
  return EXIT_CODES.ok;
}

export function run(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand("exposures", io, () => runExposures(argv, io));
}
