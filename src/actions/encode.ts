// Calldata through the generated `as const` ABIs, for every builder (internal: not re-exported by the package).
import {
  type Abi,
  type Address,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type EncodeFunctionDataParameters,
  encodeFunctionData,
  type Hex,
} from "viem";

/** An unsigned transaction request. */
export type BuiltTransaction = { to: Address; data: Hex; value: bigint; functionName: string };

/**
 * Encodes a call through the generated `as const` ABI: `functionName` must be a write function of `abi` and `args`
 * its exact argument types, so a wrong argument is a compile error here, not a revert later.
 */
export function built<const abi extends Abi, functionName extends ContractFunctionName<abi, "nonpayable" | "payable">>(
  to: Address,
  abi: abi,
  functionName: functionName,
  args: ContractFunctionArgs<abi, "nonpayable" | "payable", functionName>,
): BuiltTransaction {
  return {
    to,
    data: encodeFunctionData({ abi, functionName, args } as EncodeFunctionDataParameters),
    value: 0n,
    functionName,
  };
}
