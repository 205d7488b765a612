// The keeper's actions from the logs of a refresh, as the page lists them: the vault's Liquidated, Deleveraged (ADL),
// BadDebt and FundingAccrued, the order contracts' executions, settlements and cancellations, each with a message in
// human units; and the orders placed in the range (the reader watches the ones of its accounts).
import { type Address, type Log, parseEventLogs } from "viem";
import { delayedOrdersAbi, perpVaultAbi, triggerOrdersAbi } from "../abis/index.js";
import type { Deployment } from "../deployment.js";
import { wadToNumber } from "../units.js";
import type { DashboardAction } from "./types.js";

export type PlacedOrder = { orderId: bigint; account: string };

export type KeeperLogsReturnType = {
  /** In chain order. */
  actions: DashboardAction[];
  placed: { trigger: PlacedOrder[]; delayed: PlacedOrder[] };
};

/** Decodes the logs of the vault and the order contracts (any others are ignored). */
export function keeperLogs(deployment: Deployment, logs: readonly Log[]): KeeperLogsReturnType {
  const symbolOf = (marketId: bigint) =>
    deployment.markets.find((m) => m.marketId === marketId)?.symbol ?? `#${marketId}`;
  const placed: KeeperLogsReturnType["placed"] = { trigger: [], delayed: [] };
  const usd = (wad: bigint) =>
    new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(wadToNumber(wad));
  const found: DashboardAction[] = [];
  const push = (log: Log, event: string, account: string | null, symbol: string | null, message: string) => {
    found.push({
      blockNumber: (log.blockNumber ?? 0n).toString(),
      logIndex: log.logIndex ?? 0,
      transactionHash: log.transactionHash ?? "",
      event,
      account,
      symbol,
      message,
    });
  };
  const vault = deployment.perpVault.toLowerCase();
  for (const log of parseEventLogs({
    abi: perpVaultAbi,
    logs: logs.filter((l) => l.address.toLowerCase() === vault),
  })) {
    const a = log.args as Record<string, unknown>;
    const who = a.owner !== undefined ? `${a.owner as string}:${a.accountIndex as bigint}` : null;
    if (log.eventName === "Liquidated") {
      const result = a.result as { closedFraction: bigint; penaltyUsd: bigint; badDebtUsd: bigint };
      push(
        log,
        "Liquidated",
        who,
        null,
        `liquidated ${(wadToNumber(result.closedFraction) * 100).toFixed(1)} % by ${String(a.keeper).slice(0, 10)}…; penalty ${usd(result.penaltyUsd)}, bad debt ${usd(result.badDebtUsd)}, collateral after ${usd(a.collateralAfter as bigint)}`,
      );
    } else if (log.eventName === "Deleveraged") {
      const symbol = symbolOf(a.marketId as bigint);
      push(
        log,
        "Deleveraged",
        who,
        symbol,
        `auto-deleveraged ${wadToNumber(a.size as bigint)} ${symbol} at ${usd(a.priceWad as bigint)}; realised ${usd(a.realizedPnlUsd as bigint)}`,
      );
    } else if (log.eventName === "BadDebt") {
      push(
        log,
        "BadDebt",
        who,
        null,
        `bad debt ${usd(a.deficitUsd as bigint)}: ${usd(a.paidByInsuranceUsd as bigint)} from insurance, ${usd(a.paidByPoolUsd as bigint)} from the pool`,
      );
    } else if (log.eventName === "FundingAccrued") {
      const symbol = symbolOf(a.marketId as bigint);
      push(
        log,
        "FundingAccrued",
        null,
        symbol,
        `${symbol} funding accrued: ${(wadToNumber(a.fundingRatePerDay as bigint) * 100).toFixed(4)} %/day at ${usd(a.priceWad as bigint)}`,
      );
    }
  }
  const orders = (address: Address | undefined) =>
    logs.filter((l) => l.address.toLowerCase() === address?.toLowerCase());
  for (const log of parseEventLogs({ abi: triggerOrdersAbi, logs: orders(deployment.triggerOrders) })) {
    const a = log.args as Record<string, unknown>;
    const id = a.orderId as bigint;
    if (log.eventName === "TriggerPlaced") {
      placed.trigger.push({ orderId: id, account: `${a.owner as string}:${a.accountIndex as bigint}` });
    } else if (log.eventName === "TriggerExecuted") {
      push(
        log,
        "TriggerExecuted",
        null,
        null,
        `trigger order #${id} executed: ${wadToNumber(a.sizeDelta as bigint)} units at ${usd(a.fillPrice as bigint)} (oracle ${usd(a.priceWad as bigint)})`,
      );
    } else if (log.eventName === "TriggerCancelled") {
      push(log, "TriggerCancelled", null, null, `trigger order #${id} cancelled by ${String(a.by).slice(0, 10)}…`);
    }
  }
  for (const log of parseEventLogs({ abi: delayedOrdersAbi, logs: orders(deployment.delayedOrders) })) {
    const a = log.args as Record<string, unknown>;
    const id = a.orderId as bigint;
    if (log.eventName === "OrderCommitted") {
      placed.delayed.push({ orderId: id, account: `${a.owner as string}:${a.accountIndex as bigint}` });
    } else if (log.eventName === "OrderSettled") {
      push(
        log,
        "OrderSettled",
        null,
        null,
        `delayed order #${id} settled: ${wadToNumber(a.sizeDelta as bigint)} units at ${usd(a.fillPrice as bigint)}`,
      );
    } else if (log.eventName === "OrderCancelled") {
      push(log, "OrderCancelled", null, null, `delayed order #${id} cancelled${a.missed ? " (missed)" : ""}`);
    }
  }
  return { actions: found, placed };
}
