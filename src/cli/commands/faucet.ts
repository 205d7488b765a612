// `parapet faucet`: collateral for a development chain, so that `hedge --approve` and `lp deposit` work right after a
// deploy. A deployment whose collateral is the TestToken (local.json: `npm run node`, `npm run deploy -- --network
// localhost`) mints it; any other token (real USDC on a fork of a live chain) gets its balance written with the
// node's test RPC (`dealToken` of parapet/testing). A live chain refuses both: nothing is sent.
import { type Address, createTestClient, erc20Abi, http } from "viem";
import { testTokenAbi } from "../../abis/index.js";
import type { ParapetContext } from "../../client.js";
import { ParapetInputError } from "../../errors.js";
import { dealToken, ParapetTestingError } from "../../testing/chain.js";
import { formatAmount, parseDecimal } from "../../units.js";
import { parseCommandArgs } from "../args.js";
import {
  addressOption,
  CONNECTION_HELP,
  CONNECTION_OPTIONS,
  connect,
  connectionSettings,
  runCommand,
} from "../connect.js";
import { EXIT_CODES, usage } from "../errors.js";
import { type CliIo, envOf } from "../io.js";
import { toJson } from "../output.js";

export const help = `Usage: parapet faucet [--to ADDRESS] [--amount TOKENS] [options]

Gives test collateral on a development chain: mints the deployment's TestToken (a local deployment), or on a fork
of a live chain writes the real token's balance with the node's test RPC (anvil or a Hardhat node). Refused on a
live chain (nothing is sent).

Options:
  --to ADDRESS                 who receives it (default: the signer of $PARAPET_PRIVATE_KEY)
  --amount TOKENS              whole tokens, a decimal string (default 100000); on a fork the balance becomes the
                               current one plus this
${CONNECTION_HELP}

JSON: { status: "sent", method: "mint" | "dealToken", to, amount, balance, hash } (amounts in tokens, exact decimal
  strings; hash null for dealToken, which writes state without a transaction)

Exit codes: 0 ok; 1 runtime (not a development chain, RPC down); 2 usage (bad --to or --amount, no
signer and no --to).
`;

const DEFAULT_AMOUNT = "100000";

async function runFaucet(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs("faucet", argv, {
    ...CONNECTION_OPTIONS,
    to: { type: "string" },
    amount: { type: "string" },
  });
  if (values.help) {
    io.stdout(help);
    return EXIT_CODES.ok;
  }
  const settings = connectionSettings(values, envOf(io));
  const toOption = values.to === undefined ? undefined : addressOption("to", values.to);
  const amountText = values.amount ?? DEFAULT_AMOUNT;
  const { client, signer } = await connect(settings, envOf(io), toOption ? "optional" : "required", "faucet");
  const to = (toOption ?? signer) as Address;
  const decimals = client.deployment.collateralDecimals;
  let amount: bigint;
  try {
    amount = parseDecimal(amountText, decimals, { argument: "amount", allowZero: false });
  } catch (cause) {
    throw usage(
      "--amount",
      `--amount ${amountText} is not an amount of tokens (${cause instanceof Error ? cause.message : String(cause)}).`,
      `Give whole tokens as a decimal string with at most ${decimals} decimals, e.g. --amount ${DEFAULT_AMOUNT}.`,
    );
  }
  const result = await giveCollateral(client, settings.rpcUrl, to, amount, signer);
  const balance = await client.publicClient.readContract({
    address: client.deployment.collateralToken,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: [to],
  });
  const out = {
    status: "sent",
    method: result.method,
    to,
    amount: formatAmount(amount, decimals).replaceAll(",", ""),
    balance: formatAmount(balance, decimals).replaceAll(",", ""),
    hash: result.hash ?? null,
  };
  if (settings.json) io.stdout(`${toJson(out)}\n`);
  else {
    io.stdout(
      `${result.method === "mint" ? "Minted" : "Dealt (test RPC)"} ${formatAmount(amount, decimals)} tokens to ${to}` +
        `${result.hash ? ` (${result.hash})` : ""}; balance ${formatAmount(balance, decimals)}.\n`,
    );
  }
  return EXIT_CODES.ok;
}

/** Mint when the collateral is the TestToken; else write the balance on a node with test RPC; else refuse. */
async function giveCollateral(
  client: ParapetContext,
  rpcUrl: string,
  to: Address,
  amount: bigint,
  signer: Address | undefined,
): Promise<{ method: "mint" | "dealToken"; hash?: `0x${string}` }> {
  const token = client.deployment.collateralToken;
  if (client.walletClient && signer) {
    const minted = await client.publicClient
      .simulateContract({
        address: token,
        abi: testTokenAbi,
        functionName: "mint",
        args: [to, amount],
        account: signer,
      })
      .catch(() => undefined);
    if (minted) {
      // The connection has no viem chain object: the node's chain id was checked against the deployment instead.
      const hash = await client.walletClient.writeContract({ ...minted.request, chain: null } as never);
      const receipt = await client.publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`mint ${hash} reverted`);
      return { method: "mint", hash };
    }
  }
  const version = String(await client.publicClient.request({ method: "web3_clientVersion" }).catch(() => ""));
  const mode = /anvil/i.test(version) ? "anvil" : /hardhat|edr/i.test(version) ? "hardhat" : undefined;
  if (mode === undefined) {
    throw new ParapetInputError(
      "faucet",
      `${token} cannot be minted here (it is not the TestToken of a local deployment) and the node (${version || "unknown"}) has no test RPC: this is not a development chain.`,
      "On a live chain get the collateral as usual; for tests run anvil or a Hardhat node (a fork of the chain works).",
    );
  }
  const testClient = createTestClient({ mode, transport: http(rpcUrl) });
  const current = await client.publicClient.readContract({
    address: token,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: [to],
  });
  try {
    await dealToken({ publicClient: client.publicClient, testClient }, { token, to, amount: current + amount });
  } catch (cause) {
    if (cause instanceof ParapetTestingError) throw cause;
    throw new ParapetInputError(
      "faucet",
      `The node refused to write ${token}'s balance (${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)}).`,
      "Use anvil or a Hardhat node (their test RPC writes storage).",
    );
  }
  return { method: "dealToken" };
}

export function run(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand("faucet", io, () => runFaucet(argv, io));
}
