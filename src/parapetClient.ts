// createParapetClient: validates the chain once, then binds every free action to the context.
import * as lp from "./actions/lp.js";
import { checkMarketOracles } from "./actions/oracle.js";
import * as orders from "./actions/orders.js";
import * as read from "./actions/read.js";
import * as write from "./actions/write.js";
import { type CreateParapetClientParameters, createParapetContext, type ParapetContext } from "./client.js";
import { executeHedge, resolveHedgeSteps } from "./hedge/execute.js";
import { rebalanceHedge } from "./hedge/rebalancer.js";

type Bound<F> = F extends (client: ParapetContext, ...args: infer A) => infer R ? (...args: A) => R : never;
type Actions = typeof actions;
const actions = {
  getMarkets: read.getMarkets,
  getAccount: read.getAccount,
  getLiquidityVault: read.getLiquidityVault,
  getSnapshot: read.getSnapshot,
  checkOracles: checkMarketOracles,
  getTriggerOrders: orders.getTriggerOrders,
  getDelayedOrders: orders.getDelayedOrders,
  getLatencyParams: orders.getLatencyParams,
  getOrderSetup: orders.getOrderSetup,
  getLpFlowParams: lp.getLpFlowParams,
  getLpRequests: lp.getLpRequests,
  getLpRequest: lp.getLpRequest,
  buildApprove: write.buildApprove,
  buildDeposit: write.buildDeposit,
  buildWithdraw: write.buildWithdraw,
  buildTrade: write.buildTrade,
  buildSetOperator: write.buildSetOperator,
  buildLiquidate: write.buildLiquidate,
  buildLiquidateBatch: write.buildLiquidateBatch,
  buildDeleverage: write.buildDeleverage,
  buildDeleveragePair: write.buildDeleveragePair,
  buildSetOperatorSlippage: write.buildSetOperatorSlippage,
  buildReleaseInsuranceExcess: write.buildReleaseInsuranceExcess,
  buildAccrueFunding: write.buildAccrueFunding,
  buildLpDeposit: write.buildLpDeposit,
  buildLpWithdraw: write.buildLpWithdraw,
  buildLpRedeem: write.buildLpRedeem,
  buildLpRequestDeposit: lp.buildLpRequestDeposit,
  buildLpRequestRedeem: lp.buildLpRequestRedeem,
  buildLpSettle: lp.buildLpSettle,
  buildLpCancel: lp.buildLpCancel,
  buildPlaceTrigger: orders.buildPlaceTrigger,
  buildUpdateTrigger: orders.buildUpdateTrigger,
  buildCancelTrigger: orders.buildCancelTrigger,
  buildExecuteTrigger: orders.buildExecuteTrigger,
  buildCommitOrder: orders.buildCommitOrder,
  buildSettleOrder: orders.buildSettleOrder,
  buildCancelDelayedOrder: orders.buildCancelDelayedOrder,
  sendParapetTransaction: write.sendParapetTransaction,
  writeApprove: write.writeApprove,
  writeDeposit: write.writeDeposit,
  writeWithdraw: write.writeWithdraw,
  writeTrade: write.writeTrade,
  writeSetOperator: write.writeSetOperator,
  writeLiquidate: write.writeLiquidate,
  writeLiquidateBatch: write.writeLiquidateBatch,
  writeDeleverage: write.writeDeleverage,
  writeDeleveragePair: write.writeDeleveragePair,
  writeSetOperatorSlippage: write.writeSetOperatorSlippage,
  writeReleaseInsuranceExcess: write.writeReleaseInsuranceExcess,
  writeAccrueFunding: write.writeAccrueFunding,
  writeLpDeposit: write.writeLpDeposit,
  writeLpWithdraw: write.writeLpWithdraw,
  writeLpRedeem: write.writeLpRedeem,
  writeLpRequestDeposit: lp.writeLpRequestDeposit,
  writeLpRequestRedeem: lp.writeLpRequestRedeem,
  writeLpSettle: lp.writeLpSettle,
  writeLpCancel: lp.writeLpCancel,
  writePlaceTrigger: orders.writePlaceTrigger,
  writeUpdateTrigger: orders.writeUpdateTrigger,
  writeCancelTrigger: orders.writeCancelTrigger,
  writeExecuteTrigger: orders.writeExecuteTrigger,
  writeCommitOrder: orders.writeCommitOrder,
  writeSettleOrder: orders.writeSettleOrder,
  writeCancelDelayedOrder: orders.writeCancelDelayedOrder,
  resolveHedgeSteps,
  executeHedge,
  rebalanceHedge,
};

export type ParapetClient = ParapetContext & { [K in keyof Actions]: Bound<Actions[K]> };

/**
 * A context with every action bound. Async because it checks the clients' chain id against the deployment
 * (ParapetDeploymentError WRONG_CHAIN otherwise).
 */
export async function createParapetClient(parameters: CreateParapetClientParameters): Promise<ParapetClient> {
  const context = await createParapetContext(parameters);
  const bound: Record<string, unknown> = { ...context };
  for (const [name, fn] of Object.entries(actions)) {
    bound[name] = (...args: unknown[]) => (fn as (c: ParapetContext, ...a: unknown[]) => unknown)(context, ...args);
  }
  return bound as ParapetClient;
}
