import { expect } from "chai";
import { describe, it } from "mocha";
// @ts-expect-error: a plain ESM script without type declarations
import { stale } from "../../scripts/gen-abis.mjs";

describe("generated ABIs (src/abis)", () => {
  it("match the compiled artifacts: run `npm run abis` after changing a contract", () => {
    expect(stale() as string[]).to.deep.equal([]);
  });
});
