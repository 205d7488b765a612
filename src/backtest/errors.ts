import { ParapetInputError } from "../errors.js";

export type BacktestInputErrorParameters = { field: string; value: unknown; fix: string };

/** A backtest input is unusable: no overlap between series, an unknown date or asset, a missing market. */
export class BacktestInputError extends ParapetInputError {
  override name = "BacktestInputError";
  readonly value: unknown;
  constructor(p: BacktestInputErrorParameters) {
    super(p.field, `${String(p.value)}.`, `${p.fix}.`);
    this.value = p.value;
  }
}
