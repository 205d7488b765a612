export { oracleHealthReaderBytecode } from "../abis/oracleHealthReader.js";
export {
  type CheckAdapterFeedsErrorType,
  type CheckAdapterFeedsParameters,
  type CheckAdapterFeedsReturnType,
  type CheckOraclesErrorType,
  type CheckOraclesParameters,
  type CheckOraclesReturnType,
  checkAdapterFeeds,
  checkOracles,
  type OracleFeedInput,
  oracleActions,
} from "./checkAdapterFeeds.js";
export { OracleCheckError, type OracleCheckErrorCode, type OracleCheckErrorParameters } from "./errors.js";
export {
  defaultOracleWarnThresholds,
  evaluateFeed,
  evaluateSequencer,
  type FeedReading,
  type OracleBoundsHealth,
  type OracleContractError,
  type OracleFailCode,
  type OracleHealth,
  type OracleReason,
  type OracleReasonCode,
  type OracleWarnCode,
  type OracleWarnThresholds,
  type RawFeedRead,
  type RawRoundCall,
  type RawSequencerRead,
  type RawWordCall,
  type SequencerHealth,
} from "./evaluate.js";
