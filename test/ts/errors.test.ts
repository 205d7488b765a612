import { expect } from "chai";
import { describe, it } from "mocha";
import { CliUsageError } from "../../src/cli/errors.js";
import * as parapet from "../../src/index.js";
import * as parapetNode from "../../src/node.js";
import { ParapetError } from "../../src/parapetError.js";
import * as parapetTesting from "../../src/testing/index.js";

/** The exported classes of a module that are errors (their prototype chain reaches Error). */
function errorClasses(module: Record<string, unknown>): [string, new (...args: never[]) => Error][] {
  return Object.entries(module).filter(
    (entry): entry is [string, new (...args: never[]) => Error] =>
      typeof entry[1] === "function" && (entry[1] as { prototype?: unknown }).prototype instanceof Error,
  );
}

describe("error classes: one ParapetError root", () => {
  for (const [entry, module] of [
    ["parapet", parapet],
    ["parapet/node", parapetNode],
    ["parapet/testing", parapetTesting],
  ] as const) {
    it(`every error class exported by ${entry} extends ParapetError`, () => {
      const classes = errorClasses(module);
      if (entry === "parapet") expect(classes.length).to.be.greaterThan(10);
      const strays = classes.filter(([, cls]) => cls !== ParapetError && !(cls.prototype instanceof ParapetError));
      expect(strays.map(([name]) => name)).to.deep.equal([]);
    });
  }

  it("the parapet entry exports the same ParapetError that every layer extends", () => {
    expect(parapet.ParapetError).to.equal(ParapetError);
  });

  it("each layer's error keeps its name, code, summary, fix and cause under the one root", () => {
    const cause = new Error("disk");
    const errors: ParapetError[] = [
      new parapet.DataLoadError({ code: "READ_FAILED", summary: "Cannot read x.csv.", fix: "Check the path.", cause }),
      new parapet.BacktestInputError({
        code: "NO_OVERLAP",
        summary: "No common day.",
        fix: "Pick series that overlap.",
      }),
      new parapet.ParapetMathError({ code: "NOT_A_BIGINT", summary: "a is 1.5.", fix: "Pass a bigint." }),
      new parapet.OracleCheckError({ code: "INVALID_ADDRESS", summary: "Bad feed.", fix: "Pass an address." }),
      new CliUsageError({ argument: "--x", summary: "Unknown option --x.", fix: "See parapet --help." }),
      new parapet.ParapetSetupError("ALLOWANCE_TOO_LOW", "Allowance 0.", "Approve first."),
    ];
    for (const error of errors) {
      expect(error).to.be.instanceOf(ParapetError).and.instanceOf(Error);
      expect(error.name).to.equal(error.constructor.name);
      expect(error.message).to.equal(`${error.summary} Fix: ${error.fix}`);
    }
    expect(errors[0]?.cause).to.equal(cause);
    expect(errors[0]?.code).to.equal("READ_FAILED");
    expect(errors[4]?.code).to.equal("CLI_USAGE");
  });

  it("the hedge, order and LP setup errors are one class (the old names are deprecated aliases)", () => {
    expect(parapet.ParapetHedgeSetupError).to.equal(parapet.ParapetSetupError);
    expect(parapet.ParapetOrderSetupError).to.equal(parapet.ParapetSetupError);
    expect(parapet.ParapetLpSetupError).to.equal(parapet.ParapetSetupError);
  });
});
