import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { network } from "hardhat";
import { type Abi, decodeErrorResult, decodeFunctionResult, encodeFunctionData, type Hex } from "viem";
import * as m from "../../src/math/index.js";

// The same random vectors through the Solidity libraries (contracts/test/MathHarness.sol, on the in-process chain)
// and through src/math/, requiring exact equality of every result and of every revert reason.
// Replay a run with PARAPET_PARITY_SEED=<seed printed below>; PARAPET_PARITY_VECTORS sets the vectors per function.

const VECTORS = Number(process.env.PARAPET_PARITY_VECTORS ?? 1000);
/** Vectors per eth_call: 1,000 cost ~6.5M gas for the heaviest function (block gas limit 60M). */
const BATCH = 1000;

const W = 10n ** 18n;
const DAY = 86_400n;
const MAX_U = (1n << 256n) - 1n;
const MAX_I = (1n << 255n) - 1n;
const MIN_I = -(1n << 255n);

// ---------------------------------------------------------------- seeded PRNG (splitmix64)

function parseSeed(text: string | undefined): bigint {
  if (text === undefined || text === "") return BigInt(`0x${randomBytes(8).toString("hex")}`);
  return BigInt.asUintN(64, BigInt(text));
}

class Rng {
  private state: bigint;

  constructor(seed: bigint) {
    this.state = BigInt.asUintN(64, seed);
  }

  next64(): bigint {
    this.state = BigInt.asUintN(64, this.state + 0x9e3779b97f4a7c15n);
    let z = this.state;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  }

  /** Uniform on [0, 2^bits). */
  bits(bits: number): bigint {
    let x = 0n;
    for (let got = 0; got < bits; got += 64) x = (x << 64n) | this.next64();
    return BigInt.asUintN(bits, x);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return Number(this.next64() >> 11n) / 2 ** 53 < p;
  }

  /** Uniform integer on [lo, hi]. */
  range(lo: bigint, hi: bigint): bigint {
    if (hi <= lo) return lo;
    return lo + (this.bits(320) % (hi - lo + 1n));
  }

  pick<T>(values: readonly T[]): T {
    const value = values[Number(this.range(0n, BigInt(values.length - 1)))];
    if (value === undefined) throw new Error("pick from an empty list");
    return value;
  }

  /** Log-uniform on [lo, hi] (lo ≥ 1): every magnitude equally likely. */
  log(lo: bigint, hi: bigint): bigint {
    const loBits = lo.toString(2).length;
    const hiBits = hi.toString(2).length;
    const bits = Number(this.range(BigInt(loBits), BigInt(hiBits)));
    const x = this.range(bits <= 1 ? 0n : 1n << BigInt(bits - 1), (1n << BigInt(bits)) - 1n);
    return x < lo ? lo : x > hi ? hi : x;
  }

  signed(x: bigint): bigint {
    return this.chance(0.5) ? x : -x;
  }

  /** Any uint256, with a random magnitude (a right shift of 0..255 bits). */
  anyUint(): bigint {
    return this.bits(256) >> this.range(0n, 255n);
  }

  /** Any int256, with a random magnitude (an arithmetic right shift of 0..255 bits). */
  anyInt(): bigint {
    return BigInt.asIntN(256, this.bits(256)) >> this.range(0n, 255n);
  }
}

const UINT_EDGES = [0n, 1n, 2n, 10n ** 6n, W, 10n ** 28n, 10n ** 30n, 10n ** 36n, 1n << 128n, MAX_I, 1n << 255n, MAX_U];
const INT_EDGES = [0n, 1n, -1n, 2n, -2n, W, -W, 10n ** 28n, -(10n ** 28n), 10n ** 36n, -(10n ** 36n), MAX_I, MIN_I];

/** Any uint256: mostly a value drawn at a random magnitude, sometimes an edge value. */
function wildUint(r: Rng): bigint {
  return r.chance(0.4) ? r.pick(UINT_EDGES) : r.anyUint();
}

function wildInt(r: Rng): bigint {
  return r.chance(0.4) ? r.pick(INT_EDGES) : r.anyInt();
}

// Realistic draws, within the bounds the vault enforces (and the Solidity fuzz tests' wider ones).
const price = (r: Rng) => (r.chance(0.1) ? r.pick([10n ** 6n, 10n ** 30n, 2000n * W]) : r.log(10n ** 6n, 10n ** 30n));
const size = (r: Rng) =>
  r.chance(0.05) ? 0n : r.signed(r.chance(0.1) ? r.pick([1n, 10n ** 28n]) : r.log(1n, 10n ** 28n));
const skewScale = (r: Rng) => (r.chance(0.1) ? r.pick([W, 10n ** 28n, 10n ** 36n]) : r.log(W, 10n ** 28n));
const ratio = (r: Rng, max: bigint) => (r.chance(0.1) ? r.pick([0n, max]) : r.range(0n, max));
const elapsed = (r: Rng) =>
  r.chance(0.2) ? r.pick([0n, 1n, DAY, 365n * DAY]) : r.chance(0.5) ? r.range(0n, 3600n) : r.range(0n, 365n * DAY);
const index = (r: Rng) => {
  const x = r.chance(0.1) ? 0n : r.signed(r.log(1n, 10n ** 30n));
  return r.chance(0.2) ? (x / m.PRICE_TICK) * m.PRICE_TICK : x; // some exact ticks
};

/** A skew in ±2·scale (around the clamp), or anything up to two full sides (1e36 per side in the fuzz tests). */
const skewFor = (r: Rng, scale: bigint) =>
  r.chance(0.1)
    ? r.pick([0n, scale, -scale])
    : r.signed(r.chance(0.7) ? r.range(0n, 2n * scale) : r.log(1n, 2n * 10n ** 36n));

// ---------------------------------------------------------------- the cases

type Case = {
  /** Harness function name. */
  fn: string;
  draw: (r: Rng, wild: boolean) => unknown[];
  /** Hand-picked vectors run before the random ones (from test/solidity/libraries/*.t.sol). */
  fixed?: unknown[][];
  /** The TypeScript port, results in the harness's output order. */
  ts: (args: unknown[]) => unknown;
};

const b = (x: unknown): bigint => {
  if (typeof x !== "bigint") throw new Error(`expected a bigint argument, got ${typeof x}`);
  return x;
};

const CASES: Case[] = [
  // ---- SignedWad
  ...(["mulDivDown", "mulDivUp"] as const).map(
    (fn): Case => ({
      fn,
      draw: (r, wild) =>
        wild
          ? [wildInt(r), wildInt(r), r.chance(0.1) ? 0n : wildUint(r)]
          : [r.signed(r.log(1n, 10n ** 40n)), r.signed(r.log(1n, 10n ** 40n)), r.log(1n, 10n ** 40n)],
      ts: ([a, x, d]) => (fn === "mulDivDown" ? m.mulDivDown(b(a), b(x), b(d)) : m.mulDivUp(b(a), b(x), b(d))),
    }),
  ),
  ...(["wMulDown", "wMulUp"] as const).map(
    (fn): Case => ({
      fn,
      draw: (r, wild) =>
        wild ? [wildInt(r), wildInt(r)] : [r.signed(r.log(1n, 10n ** 40n)), r.signed(r.log(1n, 10n ** 40n))],
      ts: ([a, x]) => (fn === "wMulDown" ? m.wMulDown(b(a), b(x)) : m.wMulUp(b(a), b(x))),
    }),
  ),
  // ---- FundingMath
  {
    fn: "proportionalSkew",
    draw: (r, wild) => {
      if (wild) return [wildInt(r), r.chance(0.1) ? 0n : wildUint(r)];
      const scale = skewScale(r);
      return [skewFor(r, scale), scale];
    },
    ts: ([skew, scale]) => m.proportionalSkew(b(skew), b(scale)),
  },
  {
    fn: "accrue",
    draw: (r, wild) => {
      if (wild) return [wildInt(r), wildInt(r), wildUint(r), wildUint(r), wildUint(r), wildUint(r), wildUint(r)];
      const maxRate = ratio(r, W / 10n);
      const rate0 = r.chance(0.2) ? r.signed(maxRate) : r.range(-maxRate, maxRate);
      const scale = skewScale(r);
      return [rate0, skewFor(r, scale), scale, ratio(r, W), maxRate, elapsed(r), price(r)];
    },
    fixed: [
      [0n, 500_000n * W, 1_000_000n * W, W / 10n, W / 10n, DAY, 2000n * W], // half skew, 1 day: rate 0.05, index 50
      [(2n * W) / 100n, 10n ** 24n, 10n ** 24n, W / 10n, W / 20n, DAY, 2000n * W], // cap hit mid-interval: index 91
      [-(2n * W) / 100n, -(10n ** 24n), 10n ** 24n, W / 10n, W / 20n, DAY, 2000n * W], // its mirror
      [0n, W, W, (7n * W) / 100n, W / 100n, DAY, W], // cap hit at a fractional second
      [-W / 10n, 10n ** 36n, W, W, W / 10n, 365n * DAY, 10n ** 30n], // cap to cap, a year, extreme bounds
      [W / 10n, -(10n ** 36n), W, W, W / 10n, 365n * DAY, 10n ** 30n], // its mirror
      [W / 20n, -1000n * W, 1000n * W, W / 10n, W / 20n, 12n * 3600n, 2000n * W], // leaves the cap
      [(3n * W) / 100n, 10n ** 36n, W, W, W / 10n, 0n, 10n ** 30n], // zero elapsed
      [W / 100n, 0n, W, 0n, W / 10n, 1n, 10n ** 6n], // tiny price truncates to 0
      [-W / 100n, 0n, W, 0n, W / 10n, 1n, 10n ** 6n],
      [W / 100n, 1n, 10n ** 36n, W, W / 10n, 365n * DAY, W], // skew below resolution
    ],
    ts: ([rate0, skew, scale, velocity, maxRate, dt, p]) => {
      const { rate1, indexDelta } = m.accrue(b(rate0), b(skew), b(scale), b(velocity), b(maxRate), b(dt), b(p));
      return [rate1, indexDelta];
    },
  },
  {
    fn: "rateIntegral",
    draw: (r, wild) => {
      if (wild) return [wildInt(r), wildInt(r), wildInt(r), wildInt(r)];
      const cap = ratio(r, W / 10n);
      const rate0 = r.chance(0.2) ? r.signed(cap) : r.range(-cap, cap);
      const slope = r.chance(0.1) ? 0n : r.signed(r.chance(0.5) ? r.range(0n, W) : r.log(1n, W));
      return [rate0, slope, cap, elapsed(r)];
    },
    fixed: [
      [(2n * W) / 100n, W / 10n, W / 20n, DAY], // cap hit after 0.3 day: 3931.2e18 rate-seconds
      [-W / 10n, W, W / 10n, DAY], // −cap to +cap: 6912e18
      [W / 10n, -W, W / 10n, 365n * DAY],
      [0n, 0n, 0n, 365n * DAY],
    ],
    ts: ([rate0, slope, cap, dt]) => {
      const { rate1, integral } = m.rateIntegral(b(rate0), b(slope), b(cap), b(dt));
      return [rate1, integral];
    },
  },
  {
    fn: "fundingOwedUp",
    draw: (r, wild) => (wild ? [wildInt(r), wildInt(r), wildInt(r)] : [size(r), index(r), index(r)]),
    ts: ([s, entry, now]) => m.fundingOwedUp(b(s), b(entry), b(now)),
  },
  // ---- PricingMath
  {
    fn: "fillPrice",
    draw: (r, wild) => {
      if (wild) return [wildUint(r), wildInt(r), wildInt(r), r.chance(0.1) ? 0n : wildUint(r)];
      const scale = skewScale(r);
      return [price(r), skewFor(r, scale), size(r), scale];
    },
    ts: ([p, skew, delta, scale]) => m.fillPrice(b(p), b(skew), b(delta), b(scale)),
  },
  {
    fn: "tradeFeeUp",
    draw: (r, wild) => {
      if (wild) return [wildInt(r), wildInt(r), wildUint(r), wildUint(r), wildUint(r)];
      const feeMax = r.chance(0.8) ? W / 100n : W;
      return [skewFor(r, skewScale(r)), size(r), price(r), ratio(r, feeMax), ratio(r, feeMax)];
    },
    ts: ([skew, delta, p, taker, maker]) => m.tradeFeeUp(b(skew), b(delta), b(p), b(taker), b(maker)),
  },
  // ---- MarginMath
  {
    fn: "pnlDown",
    draw: (r, wild) => (wild ? [wildInt(r), wildUint(r), wildUint(r)] : [size(r), price(r), price(r)]),
    ts: ([s, entry, p]) => m.pnlDown(b(s), b(entry), b(p)),
  },
  {
    fn: "notionalUp",
    draw: (r, wild) => (wild ? [wildInt(r), wildUint(r)] : [size(r), price(r)]),
    ts: ([s, p]) => m.notionalUp(b(s), b(p)),
  },
  {
    fn: "initialMarginUp",
    draw: (r, wild) => (wild ? [wildInt(r), wildUint(r), wildUint(r)] : [size(r), price(r), ratio(r, W)]),
    ts: ([s, p, imr]) => m.initialMarginUp(b(s), b(p), b(imr)),
  },
  {
    fn: "maintenanceMarginUp",
    draw: (r, wild) =>
      wild
        ? [wildInt(r), wildUint(r), wildUint(r), wildUint(r)]
        : [size(r), price(r), ratio(r, W), ratio(r, 1000n * W)],
    ts: ([s, p, mmr, fee]) => m.maintenanceMarginUp(b(s), b(p), b(mmr), b(fee)),
  },
  {
    fn: "blendedEntryPrice",
    draw: (r, wild) => {
      if (wild) return [wildInt(r), wildUint(r), wildInt(r), wildUint(r)];
      const s0 = size(r);
      const long = s0 === 0n ? r.chance(0.5) : s0 > 0n;
      const delta = r.log(1n, 10n ** 28n);
      return [s0, s0 === 0n && r.chance(0.5) ? 0n : price(r), long ? delta : -delta, price(r)];
    },
    ts: ([s0, e0, delta, fill]) => m.blendedEntryPrice(b(s0), b(e0), b(delta), b(fill)),
  },
  // ---- PerpVault helpers
  {
    fn: "roundEntryPrice",
    draw: (r, wild) => (wild ? [wildInt(r), wildUint(r)] : [size(r), price(r)]),
    ts: ([s, entry]) => m.roundEntryPrice(b(s), b(entry)),
  },
  {
    fn: "storePosition",
    draw: (r, wild) => (wild ? [wildInt(r), wildUint(r), wildInt(r)] : [size(r), price(r), index(r)]),
    ts: ([s, entry, idx]) => {
      const p = m.packPosition(b(s), b(entry), b(idx));
      return [[p.size, p.entryPriceTicks, p.fundingIndexEntryTicks], p.fundingIndexEntryWad];
    },
  },
  {
    fn: "unpack",
    draw: (r) => [
      {
        size: BigInt.asIntN(96, r.chance(0.5) ? r.bits(96) : BigInt(size(r))),
        entryPriceTicks: r.chance(0.5) ? r.bits(80) : price(r) / m.PRICE_TICK,
        fundingIndexEntryTicks: BigInt.asIntN(80, r.bits(80)) >> r.range(0n, 79n),
      },
    ],
    ts: ([p]) => {
      const u = m.unpackPosition(p as m.PackedPosition);
      return [u.size, u.entryPriceWad, u.fundingIndexEntryWad];
    },
  },
  {
    fn: "basisContribution",
    draw: (r, wild) => (wild ? [wildInt(r), wildUint(r), wildInt(r)] : [size(r), price(r), index(r)]),
    ts: ([s, entry, idx]) => m.basisContribution(b(s), b(entry), b(idx)),
  },
  {
    fn: "positionMargins",
    draw: (r, wild) => {
      if (wild)
        return [wildInt(r), wildUint(r), wildInt(r), wildUint(r), wildInt(r), wildUint(r), wildUint(r), wildUint(r)];
      const imr = r.range(W / 100n, W);
      const mmr = r.range(W / 1000n, imr - 1n);
      return [size(r), price(r), index(r), price(r), index(r), imr, mmr, ratio(r, 1000n * W)];
    },
    ts: ([s, entry, idxEntry, p, idx, imr, mmr, fee]) => {
      const out = m.positionMargins({
        size: b(s),
        entryPriceWad: b(entry),
        fundingIndexEntryWad: b(idxEntry),
        priceWad: b(p),
        fundingIndexWad: b(idx),
        initialMarginRatio: b(imr),
        maintenanceMarginRatio: b(mmr),
        liquidationFeeUsd: b(fee),
      });
      return [out.value, out.initialMargin, out.maintenanceMargin];
    },
  },
  {
    fn: "tradersNet",
    draw: (r, wild) => {
      if (wild) return [wildInt(r), wildUint(r), wildInt(r), wildInt(r)];
      const skew = skewFor(r, skewScale(r));
      return [skew, price(r), index(r), r.signed(r.log(1n, 10n ** 40n))];
    },
    ts: ([skew, p, idx, basis]) => m.tradersNetUsd(b(skew), b(p), b(idx), b(basis)),
  },
];

// ---------------------------------------------------------------- comparison

/** Results as a flat list of bigints, from either side (viem decodes structs as objects, tuples as arrays). */
function flatten(x: unknown): unknown[] {
  if (Array.isArray(x)) return x.flatMap(flatten);
  if (x !== null && typeof x === "object") return Object.values(x).flatMap(flatten);
  return [x];
}

/** The revert as the TS port names it in `ParapetMathError.solidityError`. */
function revertReason(abi: Abi, data: Hex): string {
  if (data === "0x") return "empty revert";
  const decoded = decodeErrorResult({ abi, data });
  const args: readonly unknown[] = decoded.args ?? [];
  if (decoded.errorName === "Panic") return `Panic(0x${BigInt(String(args[0])).toString(16)})`;
  return `${decoded.errorName}(${args.map(String).join(", ")})`;
}

type Outcome = { ok: true; value: unknown[] } | { ok: false; reason: string };

function runTs(c: Case, args: unknown[]): Outcome {
  try {
    return { ok: true, value: flatten(c.ts(args)) };
  } catch (error) {
    if (error instanceof m.ParapetMathError && error.solidityError !== undefined) {
      return { ok: false, reason: error.solidityError };
    }
    return { ok: false, reason: `unexpected ${String(error)}` };
  }
}

const show = (o: Outcome) => (o.ok ? `[${o.value.join(", ")}]` : `revert ${o.reason}`);

describe("math parity: src/math/ equals the Solidity libraries", () => {
  const seedText = process.env.PARAPET_PARITY_SEED;
  const seed = parseSeed(seedText);

  it(`runs ${VECTORS} random vectors per function through both, with exact equality`, async () => {
    const started = performance.now();
    console.log(
      `    math parity seed: 0x${seed.toString(16)} (replay: PARAPET_PARITY_SEED=0x${seed.toString(16)} ` +
        "npx hardhat test mocha test/ts/math-parity.test.ts)",
    );
    const { viem } = await network.create();
    const harness = await viem.deployContract("MathHarness");
    const abi = harness.abi as Abi;

    const mismatches: string[] = [];
    let total = 0;
    let reverts = 0;
    const perFunction: string[] = [];
    for (const [caseIndex, c] of CASES.entries()) {
      // One stream per function, so that adding a case does not change the vectors of the others.
      const r = new Rng(seed ^ (BigInt(caseIndex + 1) * 0x2545f4914f6cdd1dn));
      const vectors = [...(c.fixed ?? []), ...Array.from({ length: VECTORS }, () => c.draw(r, r.chance(0.3)))];
      let caseReverts = 0;
      for (let start = 0; start < vectors.length; start += BATCH) {
        const chunk = vectors.slice(start, start + BATCH);
        const calls = chunk.map((args) => encodeFunctionData({ abi, functionName: c.fn, args }));
        const [ok, results] = await harness.read.tryBatch([calls]);
        for (const [i, args] of chunk.entries()) {
          const data = results[i] as Hex;
          const sol: Outcome = ok[i]
            ? { ok: true, value: flatten(decodeFunctionResult({ abi, functionName: c.fn, data })) }
            : { ok: false, reason: revertReason(abi, data) };
          const ts = runTs(c, args);
          total += 1;
          if (!sol.ok) caseReverts += 1;
          const sameRevert = !sol.ok && !ts.ok && sol.reason === ts.reason;
          if (sameRevert) reverts += 1;
          const equal = sol.ok && ts.ok ? JSON.stringify(sol.value, big) === JSON.stringify(ts.value, big) : false;
          if (!(equal || sameRevert)) {
            mismatches.push(
              `${c.fn}(${args.map((a) => JSON.stringify(a, big)).join(", ")}): sol ${show(sol)}, ts ${show(ts)}`,
            );
          }
        }
      }
      perFunction.push(`${c.fn} ${vectors.length - caseReverts}/${caseReverts}`);
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`    per function (returned/reverted): ${perFunction.join(", ")}`);
    console.log(
      `    math parity: ${total} vectors over ${CASES.length} functions, ${mismatches.length} mismatches ` +
        `(${reverts} matching reverts), seed 0x${seed.toString(16)}, ${seconds} s`,
    );
    expect(mismatches.slice(0, 20), `${mismatches.length} mismatches, seed 0x${seed.toString(16)}`).to.deep.equal([]);
  });

  // liquidationPrice has no Solidity counterpart: check it against the contract's own margin arithmetic instead.
  // Safe side of the result: equity ≥ maintenance margin as PerpVault._positionMargins computes it; a few wei beyond
  // (⌊2·W²/|s·W − |s|·m|⌋ + 2 wei of price, the documented bound): liquidatable.
  it(`liquidationPrice: safe at the result, liquidatable just beyond it, on ${VECTORS} positions`, async () => {
    const { viem } = await network.create();
    const harness = await viem.deployContract("MathHarness");
    const abi = harness.abi as Abi;
    const r = new Rng(seed ^ 0x6c69717569646174n);
    type Probe = { args: unknown[]; collateral: bigint; liquidatable: boolean; what: string };
    const probes: Probe[] = [];
    for (let i = 0; i < VECTORS; i++) {
      const s = r.signed(r.chance(0.1) ? r.log(1n, 10n ** 28n) : r.log(10n ** 12n, 10n ** 28n));
      const entry = price(r);
      const imr = r.range(W / 100n, W);
      const mmr = r.range(W / 1000n, imr - 1n);
      const fee = ratio(r, 1000n * W);
      const entryIndex = index(r);
      const nowIndex = entryIndex + r.signed(r.range(0n, entry / 10n));
      const notional = ((s < 0n ? -s : s) * entry) / W;
      // From deep under water to over-collateralised, with some negative collateral.
      const collateral = (notional * r.range(0n, (3n * W) / 2n)) / W - (r.chance(0.1) ? r.log(1n, notional + 1n) : 0n);
      const fundingOwedUsd = m.fundingOwedUp(s, entryIndex, nowIndex);
      const liq = m.liquidationPrice({
        collateral,
        size: s,
        entryPriceWad: entry,
        fundingOwedUsd,
        maintenanceMarginRatio: mmr,
        liquidationFeeUsd: fee,
      });
      const slope = s * W - (s < 0n ? -s : s) * mmr;
      const beyond = (2n * W * W) / (slope < 0n ? -slope : slope) + 2n;
      const probe = (p: bigint, liquidatable: boolean, what: string) => {
        if (p <= 0n) return;
        probes.push({ args: [s, entry, entryIndex, p, nowIndex, imr, mmr, fee], collateral, liquidatable, what });
      };
      const label = `size ${s}, entry ${entry}, collateral ${collateral}, owed ${fundingOwedUsd}, mmr ${mmr}, fee ${fee}`;
      if (s > 0n && liq !== null) {
        probe(liq === 0n ? 1n : liq, false, `long safe at ${liq} (${label})`);
        probe(liq + r.log(1n, entry), false, `long safe above ${liq} (${label})`);
        if (liq > 0n) probe(liq - beyond, true, `long liquidatable at ${liq} - ${beyond} (${label})`);
      } else if (s < 0n && liq !== null) {
        probe(liq, false, `short safe at ${liq} (${label})`);
        probe(r.range(1n, liq), false, `short safe below ${liq} (${label})`);
        probe(liq + beyond, true, `short liquidatable at ${liq} + ${beyond} (${label})`);
      } else {
        // null: no positive price is safe by the bound, as if the result were 0.
        expect(s < 0n, `null only for a short (${label})`).to.equal(true);
        probe(beyond, true, `short liquidatable at ${beyond} (${label})`);
        probe(beyond + entry, true, `short liquidatable at ${beyond} + entry (${label})`);
      }
    }
    const failures: string[] = [];
    for (let start = 0; start < probes.length; start += BATCH) {
      const chunk = probes.slice(start, start + BATCH);
      const calls = chunk.map((p) => encodeFunctionData({ abi, functionName: "positionMargins", args: p.args }));
      const [ok, results] = await harness.read.tryBatch([calls]);
      for (const [i, p] of chunk.entries()) {
        const data = results[i] as Hex;
        if (!ok[i]) {
          failures.push(`${p.what}: positionMargins reverted with ${revertReason(abi, data)}`);
          continue;
        }
        const [value, , maintenance] = decodeFunctionResult({ abi, functionName: "positionMargins", data }) as [
          bigint,
          bigint,
          bigint,
        ];
        const liquidatable = p.collateral + value < maintenance;
        if (liquidatable !== p.liquidatable)
          failures.push(`${p.what}: equity ${p.collateral + value}, mm ${maintenance}`);
      }
    }
    console.log(
      `    liquidationPrice: ${probes.length} probes against PerpVault's margin arithmetic, ${failures.length} failures`,
    );
    expect(failures.slice(0, 10), `${failures.length} failures, seed 0x${seed.toString(16)}`).to.deep.equal([]);
  });
});

function big(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
