// The contracts' structs as TypeScript types, derived from the generated `as const` ABIs (src/abis) instead of
// copied by hand: a field renamed or retyped in Solidity changes these types at the next `npm run abis`.
import type { Abi, ContractFunctionArgs, ContractFunctionName, ContractFunctionReturnType } from "viem";
import type {
  delayedOrdersAbi,
  hedgeRouterAbi,
  liquidityVaultAbi,
  perpVaultAbi,
  triggerOrdersAbi,
} from "../abis/index.js";

type WriteArgs<
  abi extends Abi,
  name extends ContractFunctionName<abi, "nonpayable" | "payable">,
> = ContractFunctionArgs<abi, "nonpayable" | "payable", name>;
type ViewResult<abi extends Abi, name extends ContractFunctionName<abi, "view" | "pure">> = ContractFunctionReturnType<
  abi,
  "view" | "pure",
  name
>;

/** IPerpVaultTypes.MarketParams (`marketParams`, `listMarket`, `setMarketParams`): ratios and sizes WAD, USD WAD. */
export type MarketParamsStruct = ViewResult<typeof perpVaultAbi, "marketParams">;
/** IPerpVaultTypes.LatencyParams (`latencyParams`, `setLatencyParams`): the market's latency defence. */
export type LatencyParamsStruct = ViewResult<typeof perpVaultAbi, "latencyParams">;
/** IPerpVaultTypes.TradeParams (`trade`). */
export type TradeParamsStruct = WriteArgs<typeof perpVaultAbi, "trade">[0];
/** IPerpVaultTypes.AccountRef (`liquidateBatch`, `deleveragePair`). */
export type AccountRefStruct = WriteArgs<typeof perpVaultAbi, "deleveragePair">[0];
/** ILiquidityVault.FlowParams (`flowParams`, `setFlowParams`). */
export type FlowParamsStruct = ViewResult<typeof liquidityVaultAbi, "flowParams">;
/** IHedgeRouter.Step (`rebalance`). */
export type HedgeRouterStepStruct = WriteArgs<typeof hedgeRouterAbi, "rebalance">[1][number];
/** ITriggerOrders.Order (`order`, `orderStatus`). */
export type TriggerOrderStruct = ViewResult<typeof triggerOrdersAbi, "order">;
/** ITriggerOrders.OrderParams (`placeTrigger`, `updateTrigger`). */
export type TriggerOrderParamsStruct = WriteArgs<typeof triggerOrdersAbi, "placeTrigger">[2];
/** IDelayedOrders.DelayedOrder (`order`, `orderStatus`). */
export type DelayedOrderStruct = ViewResult<typeof delayedOrdersAbi, "order">;
/** IDelayedOrders.CommitParams (`commitOrder`). */
export type CommitParamsStruct = WriteArgs<typeof delayedOrdersAbi, "commitOrder">[2];
