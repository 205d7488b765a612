import { ParapetInputError } from "../parapetError.js";

export type HedgeInputErrorParameters = { field: string; value: unknown; fix: string };

/** An input of the hedge engine is out of its domain (a negative price, an empty series, a ratio bound upside down). */
export class HedgeInputError extends ParapetInputError {
  override name = "HedgeInputError";
  readonly value: unknown;
  constructor(p: HedgeInputErrorParameters) {
    super(p.field, `${String(p.value)}.`, `${p.fix}.`);
    this.value = p.value;
  }
}
