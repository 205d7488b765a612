import { ParapetInputError } from "../parapetError.js";

export type MarketScheduleErrorParameters = {
  /** The field refused, as a path into the schedule (e.g. `sessions[2].closeMinute`). */
  field: string;
  value: unknown;
  /** Why the value is refused. */
  cause: string;
  /** What to pass instead. */
  fix: string;
};

/**
 * A market schedule the contract would refuse (`validateSchedule`): the field, its value, the bound it breaks and the
 * fix. The bounds are the contract's, so a schedule that passes here is one the owner's setter accepts.
 */
export class MarketScheduleError extends ParapetInputError {
  override name = "MarketScheduleError";
  readonly field: string;
  readonly value: unknown;
  constructor(p: MarketScheduleErrorParameters) {
    super(p.field, `${String(p.value)}: ${p.cause}.`, `${p.fix}.`);
    this.field = p.field;
    this.value = p.value;
  }
}
