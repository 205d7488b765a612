// fromEthers: adapts an ethers v6 provider (and signer) to viem clients so every Parapet action works unchanged.
// Reads go through `provider.send` (a viem custom transport). Writes: a JSON-RPC signer (a node-managed account)
// gets `eth_sendTransaction` forwarded as is; any other signer (a Wallet with a key, a hardware signer) signs and
// sends through `signer.sendTransaction`, so the key never leaves ethers.
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  custom,
  type EIP1193RequestFn,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";

/** The part of an ethers v6 provider the adapter uses (structural: ethers is not a dependency of the SDK). */
export type EthersProviderLike = { send(method: string, params: unknown[]): Promise<unknown> };
/** The part of an ethers v6 signer the adapter uses. */
export type EthersSignerLike = {
  getAddress(): Promise<string>;
  sendTransaction(tx: {
    to?: string;
    data?: string;
    value?: bigint;
    gasLimit?: bigint;
    maxFeePerGas?: bigint;
    maxPriorityFeePerGas?: bigint;
    nonce?: number;
    type?: number;
  }): Promise<{ hash: string }>;
};

export type FromEthersReturnType = {
  publicClient: PublicClient<Transport, Chain | undefined>;
  walletClient: WalletClient<Transport, Chain | undefined, Account> | undefined;
};

/**
 * True for ethers' JsonRpcSigner (the node holds the key and signs on eth_sendTransaction). Detected by its
 * `sendUncheckedTransaction` method rather than the class name, which minifiers rename.
 */
function isJsonRpcSigner(signer: EthersSignerLike): boolean {
  return typeof (signer as { sendUncheckedTransaction?: unknown }).sendUncheckedTransaction === "function";
}

function hexToBigint(value: unknown): bigint | undefined {
  return typeof value === "string" ? BigInt(value) : undefined;
}

export async function fromEthers(
  provider: EthersProviderLike,
  signer?: EthersSignerLike,
): Promise<FromEthersReturnType> {
  const request = (async ({ method, params }: { method: string; params?: unknown }) =>
    provider.send(method, (params as unknown[] | undefined) ?? [])) as EIP1193RequestFn;
  const publicClient = createPublicClient({ transport: custom({ request }) });
  if (!signer) return { publicClient, walletClient: undefined };
  const address = (await signer.getAddress()) as Address;
  const viaSigner = !isJsonRpcSigner(signer);
  const walletRequest = (async ({ method, params }: { method: string; params?: unknown }) => {
    if (viaSigner && method === "eth_sendTransaction") {
      const [tx] = params as [Record<string, unknown>];
      // The nonce comes straight from the node: ethers caches provider reads for a moment, which on an automining
      // node hands back-to-back transactions the same nonce.
      const nonce = Number(BigInt((await provider.send("eth_getTransactionCount", [address, "pending"])) as string));
      const sent = await signer.sendTransaction({
        nonce,
        ...(typeof tx.to === "string" ? { to: tx.to } : {}),
        ...(typeof tx.data === "string" ? { data: tx.data } : {}),
        ...(hexToBigint(tx.value) !== undefined ? { value: hexToBigint(tx.value) as bigint } : {}),
        ...(hexToBigint(tx.gas) !== undefined ? { gasLimit: hexToBigint(tx.gas) as bigint } : {}),
        ...(hexToBigint(tx.maxFeePerGas) !== undefined ? { maxFeePerGas: hexToBigint(tx.maxFeePerGas) as bigint } : {}),
        ...(hexToBigint(tx.maxPriorityFeePerGas) !== undefined
          ? { maxPriorityFeePerGas: hexToBigint(tx.maxPriorityFeePerGas) as bigint }
          : {}),
      });
      return sent.hash;
    }
    return provider.send(method, (params as unknown[] | undefined) ?? []);
  }) as EIP1193RequestFn;
  const walletClient = createWalletClient({ account: address, transport: custom({ request: walletRequest }) });
  return { publicClient, walletClient };
}
