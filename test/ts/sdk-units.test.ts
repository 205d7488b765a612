import { expect } from "chai";
import { encodeErrorResult } from "viem";
import { perpVaultAbi } from "../../src/abis/index.js";
import {
  acceptablePrice,
  assertChain,
  decodeParapetRevert,
  fromTokenUnits,
  fromWad,
  ParapetContractError,
  type ParapetDeploymentError,
  ParapetInputError,
  parseDeployment,
  tokenUnitsToWad,
  toTokenUnits,
  toWad,
  wadToTokenUnitsDown,
} from "../../src/index.js";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

const A = "0x00000000000000000000000000000000000000a1";
const validDeployment = {
  chainId: 31337,
  blockNumber: "12",
  perpVault: A,
  liquidityVault: A,
  oracleAdapter: A,
  collateralToken: A,
  collateralDecimals: 6,
  markets: [{ marketId: 0, symbol: "ETH", feed: A }],
};

describe("SDK units, deployment and error decoding", () => {
  it("converts decimal strings, token units and WAD exactly", () => {
    expect(toWad("1.5")).to.equal(15n * 10n ** 17n);
    expect(toWad("-0.5", { allowNegative: true })).to.equal(-(5n * 10n ** 17n));
    expect(fromWad(123456789n * 10n ** 6n)).to.equal("0.000123456789");
    expect(fromWad(-(15n * 10n ** 17n))).to.equal("-1.5");
    expect(toTokenUnits("100.25", 6)).to.equal(100_250_000n);
    expect(fromTokenUnits(100_250_000n, 6)).to.equal("100.25");
    expect(tokenUnitsToWad(1n, 6)).to.equal(10n ** 12n);
    expect(wadToTokenUnitsDown(10n ** 12n - 1n, 6)).to.equal(0n);
    expect(wadToTokenUnitsDown(-1n, 6)).to.equal(-1n);
  });

  it("refuses floats, NaN, negatives, zero where not allowed, too many decimals and bad decimals", () => {
    for (const bad of [0.1, Number.NaN]) {
      const e = thrown(() => toWad(bad as unknown as string));
      expect(e).to.be.instanceOf(ParapetInputError);
      expect((e as ParapetInputError).fix).to.match(/decimal string/);
    }
    expect((thrown(() => toWad("-1")) as ParapetInputError).message).to.match(/negative/);
    expect((thrown(() => toWad("0", { allowZero: false })) as ParapetInputError).message).to.match(/zero/);
    expect((thrown(() => toTokenUnits("1.1234567", 6)) as ParapetInputError).message).to.match(/at most 6/);
    expect(thrown(() => toTokenUnits("1e5", 6))).to.be.instanceOf(ParapetInputError);
    expect((thrown(() => toTokenUnits("1", 6.5)) as ParapetInputError).argument).to.equal("decimals");
    expect((thrown(() => tokenUnitsToWad(1n, 19)) as ParapetInputError).argument).to.equal("decimals");
  });

  it("acceptablePrice: longs round up above, shorts round down below", () => {
    expect(acceptablePrice({ priceWad: 3000n * 10n ** 18n, sizeDelta: 1n, slippageBps: 50 })).to.equal(
      3015n * 10n ** 18n,
    );
    expect(acceptablePrice({ priceWad: 3000n * 10n ** 18n, sizeDelta: -1n, slippageBps: 50n })).to.equal(
      2985n * 10n ** 18n,
    );
    expect(acceptablePrice({ priceWad: 10001n, sizeDelta: 1n, slippageBps: 1 })).to.equal(10003n); // 10002.0001 ↑
    expect(acceptablePrice({ priceWad: 10001n, sizeDelta: -1n, slippageBps: 1 })).to.equal(9999n); // 9999.9999 ↓
    expect(thrown(() => acceptablePrice({ priceWad: 1n, sizeDelta: 0n, slippageBps: 1 }))).to.be.instanceOf(
      ParapetInputError,
    );
    expect(thrown(() => acceptablePrice({ priceWad: 1n, sizeDelta: 1n, slippageBps: 0.5 }))).to.be.instanceOf(
      ParapetInputError,
    );
    expect(thrown(() => acceptablePrice({ priceWad: 1n, sizeDelta: 1n, slippageBps: 10_001 }))).to.be.instanceOf(
      ParapetInputError,
    );
  });

  it("parseDeployment validates and normalises; assertChain names both chains", () => {
    const d = parseDeployment(validDeployment);
    expect(d.blockNumber).to.equal(12n);
    expect(d.markets[0]?.marketId).to.equal(0n);
    expect(d.perpVault).to.equal("0x00000000000000000000000000000000000000A1");
    const missing = thrown(() => parseDeployment({ ...validDeployment, perpVault: undefined }));
    expect((missing as ParapetDeploymentError).code).to.equal("MISSING_ADDRESS");
    const badAddr = thrown(() => parseDeployment({ ...validDeployment, oracleAdapter: "0x1234" }));
    expect((badAddr as ParapetDeploymentError).code).to.equal("INVALID_DEPLOYMENT");
    expect((badAddr as ParapetDeploymentError).message).to.contain("oracleAdapter");
    const badType = thrown(() => parseDeployment({ ...validDeployment, chainId: "mainnet" }));
    expect((badType as ParapetDeploymentError).code).to.equal("INVALID_DEPLOYMENT");
    const badMarkets = thrown(() => parseDeployment({ ...validDeployment, markets: {} }));
    expect((badMarkets as ParapetDeploymentError).message).to.contain("markets");
    const dup = thrown(() =>
      parseDeployment({ ...validDeployment, markets: [validDeployment.markets[0], validDeployment.markets[0]] }),
    );
    expect((dup as ParapetDeploymentError).message).to.contain("twice");
    const wrong = thrown(() => assertChain(d, 1));
    expect((wrong as ParapetDeploymentError).code).to.equal("WRONG_CHAIN");
    expect((wrong as ParapetDeploymentError).message).to.match(/chain 1 .*chain 31337/);
  });

  it("decodes raw revert data of vault and adapter errors into human units", () => {
    const data = encodeErrorResult({
      abi: perpVaultAbi,
      errorName: "UtilizationTooHigh",
      args: [1500n * 10n ** 18n, 1000n * 10n ** 18n],
    });
    const decoded = decodeParapetRevert(data);
    expect(decoded?.errorName).to.equal("UtilizationTooHigh");
    const error = new ParapetContractError({
      ...(decoded ?? { errorName: undefined, args: {} }),
      functionName: "trade",
    });
    expect(error.humanArgs).to.deep.equal({ reservedUsd: "1500 USD", maxReservedUsd: "1000 USD" });
    expect(error.fix).to.match(/LP pool/);
    expect(error.message).to.contain("trade reverted with UtilizationTooHigh(reservedUsd=1500 USD");
    expect(decodeParapetRevert("0xdeadbeef")).to.equal(undefined);
  });
});
