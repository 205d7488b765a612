// Browser-safe: the Node file helper `readDataFile` lives in `./node.js` and is imported from there.
export { DataLoadError, type DataLoadErrorCode, type DataLoadErrorParameters } from "./errors.js";
export {
  checkFundingSchedule,
  type FundingRow,
  type FundingSchedule,
  inferIntervalMs,
  type LoadFundingCsvOptions,
  type LoadFundingCsvReturnType,
  loadFundingCsv,
  OFF_SCHEDULE_WARNING_SHARE,
  SHIPPED_FUNDING_OFFSETS,
} from "./funding.js";
export {
  type CryptoBar,
  type DailyBar,
  type LoadCryptoOhlcvOptions,
  type LoadOhlcReturnType,
  loadCryptoOhlcv,
  loadTradfiOhlc,
} from "./ohlc.js";
export { DROP_REASONS, type DroppedRow, type DropReason, type LoadReport } from "./report.js";
