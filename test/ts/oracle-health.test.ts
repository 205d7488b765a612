import { readFileSync } from "node:fs";
import { expect } from "chai";
import { network } from "hardhat";
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  custom,
  type EIP1193Provider,
  type PublicClient,
  zeroAddress,
} from "viem";
import { oracleAdapterAbi } from "../../src/abis/index.js";
import {
  type CheckAdapterFeedsReturnType,
  checkAdapterFeeds,
  checkOracles,
  OracleCheckError,
  type OracleHealth,
  oracleActions,
  oracleHealthReaderBytecode,
} from "../../src/oracle/index.js";
import { type FeedStateVector, type OracleVector, oracleVectors } from "../vectors/oracle/vectors.js";

const MOCK_V3 = "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol:MockV3Aggregator";

type Connection = Awaited<ReturnType<typeof setUp>>;

async function setUp() {
  const { viem, networkHelpers, provider } = await network.create();
  const [deployer] = await viem.getWalletClients();
  if (!deployer) throw new Error("the in-process chain has no accounts");
  const publicClient = await viem.getPublicClient();
  return { viem, networkHelpers, provider, publicClient, owner: deployer.account.address };
}

function kindOf(state: FeedStateVector) {
  if (state.kind) return state.kind;
  return state.bounds || state.roundId !== undefined || state.answeredInRound !== undefined ? "proxy" : "mock";
}

/** Deploys a feed for `state`; returns its address and a function that writes the round once `now` is known. */
async function deployFeed(c: Connection, state: FeedStateVector) {
  const kind = kindOf(state);
  if (kind === "reverting" || kind === "gasBurning") {
    const feed = await c.viem.deployContract(kind === "reverting" ? "RevertingFeed" : "GasBurningFeed");
    return { address: feed.address as Address, setRound: async (_now: bigint) => {} };
  }
  if (kind === "malformedShort" || kind === "malformedWideRoundId") {
    const feed = await c.viem.deployContract("MalformedFeed");
    const setMode = feed.write.setMode;
    if (!setMode) throw new Error("MalformedFeed has no setMode");
    await setMode([kind === "malformedShort" ? 2 : 3]);
    return { address: feed.address as Address, setRound: async (_now: bigint) => {} };
  }
  const updatedAt = (now: bigint) => (state.updatedAgo === "zero" ? 0n : now - BigInt(state.updatedAgo));
  if (kind === "mock") {
    const feed = await c.viem.deployContract(MOCK_V3, [state.decimals, state.answer]);
    return {
      address: feed.address,
      setRound: async (now: bigint) => {
        await feed.write.updateRoundData([state.roundId ?? 1n, state.answer, updatedAt(now), updatedAt(now)]);
      },
    };
  }
  const aggregator = state.bounds
    ? (await c.viem.deployContract("BoundedAggregator", [state.bounds.min, state.bounds.max])).address
    : zeroAddress;
  const feed = await c.viem.deployContract("ConfigurableFeedProxy", [aggregator, state.decimals, state.answer]);
  return {
    address: feed.address as Address,
    setRound: async (now: bigint) => {
      const roundId = state.roundId ?? 1n;
      const setRoundData = feed.write.setRoundData;
      if (!setRoundData) throw new Error("ConfigurableFeedProxy has no setRoundData");
      await setRoundData([roundId, state.answer, updatedAt(now), updatedAt(now), state.answeredInRound ?? roundId]);
    },
  };
}

/** Builds the vector's state; "now" (the latest block's timestamp, which eth_call sees) is returned. */
async function build(c: Connection, v: OracleVector) {
  const now = BigInt(await c.networkHelpers.time.latest()) + 1_000n;
  const adapter = await c.viem.deployContract("OracleAdapter", [c.owner]);
  const primary = await deployFeed(c, v.primary);
  const secondary = v.secondary ? await deployFeed(c, v.secondary) : undefined;
  if (!v.unconfigured) {
    await adapter.write.setFeed([
      primary.address,
      v.heartbeat,
      secondary?.address ?? zeroAddress,
      v.secondary?.heartbeat ?? 0,
      v.secondary?.maxDeviationBps ?? 0,
    ]);
  }
  if (v.sequencer?.kind === "reverting") {
    const seq = await c.viem.deployContract("RevertingFeed");
    await adapter.write.setSequencer([seq.address as Address, v.sequencer.gracePeriod]);
  } else if (v.sequencer) {
    const seq = await c.viem.deployContract("ConfigurableFeedProxy", [zeroAddress, 0, 0n]);
    const startedAt = v.sequencer.startedAgo === "zero" ? 0n : now - BigInt(v.sequencer.startedAgo);
    const setRoundData = seq.write.setRoundData;
    if (!setRoundData) throw new Error("ConfigurableFeedProxy has no setRoundData");
    await setRoundData([1n, v.sequencer.status, startedAt, startedAt, 1n]);
    await adapter.write.setSequencer([seq.address, v.sequencer.gracePeriod]);
  }
  await primary.setRound(now);
  await secondary?.setRound(now);
  await c.networkHelpers.time.setNextBlockTimestamp(now);
  await c.networkHelpers.mine();
  return { adapter: adapter.address as Address, feed: primary.address };
}

/** What `priceWad(feed)` does at the latest block: the price, or the name of the custom error (or Panic). */
async function contractOutcome(
  client: PublicClient,
  adapter: Address,
  feed: Address,
): Promise<
  | { priceWad: bigint; error: null; errorAddress: undefined }
  | { priceWad: undefined; error: string; errorAddress: unknown }
> {
  try {
    const priceWad = await client.readContract({
      address: adapter,
      abi: oracleAdapterAbi,
      functionName: "priceWad",
      args: [feed],
    });
    return { priceWad, error: null, errorAddress: undefined };
  } catch (error) {
    const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    if (reverted instanceof ContractFunctionRevertedError) {
      const name = reverted.data?.errorName ?? "unknown";
      // The first argument of every feed error is the feed (or sequencer feed) that failed.
      const named = ["SequencerGracePeriodNotOver", "Panic"].includes(name) ? undefined : reverted.data?.args?.[0];
      return { priceWad: undefined, error: name, errorAddress: named };
    }
    throw error;
  }
}

/** The contract and the SDK agree: fail exactly on a revert, the same error first, the same price otherwise. */
function expectAgreement(name: string, outcome: Awaited<ReturnType<typeof contractOutcome>>, health: OracleHealth) {
  const where = `${name}: ${health.message}`;
  if (outcome.error !== null) {
    expect(health.verdict, where).to.equal("fail");
    expect(health.contractError?.name, where).to.equal(outcome.error);
    expect(health.contractError?.address, `${where} (named feed)`).to.equal(outcome.errorAddress);
    expect(health.reasons[0]?.severity, where).to.equal("fail");
    expect(health.priceWad, where).to.equal(undefined);
  } else {
    expect(health.verdict, where).to.not.equal("fail");
    expect(health.contractError, where).to.equal(undefined);
    expect(health.priceWad, where).to.equal(outcome.priceWad);
  }
}

describe("oracle health (checkAdapterFeeds) against OracleAdapter.priceWad", () => {
  let c: Connection;
  before(async () => {
    c = await setUp();
  });

  describe("shared vectors (test/vectors/oracle)", () => {
    for (const v of oracleVectors) {
      it(v.name, async () => {
        const { adapter, feed } = await build(c, v);
        const outcome = await contractOutcome(c.publicClient, adapter, feed);
        expect(outcome.error, `${v.name}: contract`).to.equal(v.expect.contractError);
        const result = await checkAdapterFeeds(c.publicClient, { oracleAdapter: adapter, feeds: [feed] });
        const health = result.feeds[0];
        if (!health) throw new Error("no result");
        expect(health.verdict, health.message).to.equal(v.expect.verdict);
        expect(
          health.reasons.map((r) => r.code),
          health.message,
        ).to.deep.equal(v.expect.reasons);
        expectAgreement(v.name, outcome, health);
      });
    }
  });

  it("reports age, heartbeat, bounds distance, sequencer grace and deviation", async () => {
    const { adapter, feed } = await build(c, {
      name: "details",
      heartbeat: 3600,
      primary: {
        answer: 2_040n * 10n ** 8n,
        decimals: 8,
        updatedAgo: 100,
        bounds: { min: 10n ** 8n, max: 4_080n * 10n ** 8n },
      },
      secondary: { answer: 2_000n * 10n ** 18n, decimals: 18, updatedAgo: 7, heartbeat: 600, maxDeviationBps: 500 },
      sequencer: { status: 0n, startedAgo: 100, gracePeriod: 3600 },
      expect: { contractError: "SequencerGracePeriodNotOver", verdict: "fail", reasons: ["GRACE_PERIOD"] },
    });
    const { feeds, sequencer, blockTimestamp } = await checkAdapterFeeds(c.publicClient, {
      oracleAdapter: adapter,
      feeds: [{ feed, label: "ETH/USD", marketId: 3n }],
    });
    const h = feeds[0];
    if (!h) throw new Error("no result");
    expect(h.label).to.equal("ETH/USD");
    expect(h.marketId).to.equal(3n);
    expect(h.primary.ageSeconds).to.equal(100);
    expect(h.primary.heartbeatSeconds).to.equal(3600);
    expect(h.primary.stale).to.equal(false);
    expect(h.primary.decimals).to.equal(8);
    expect(h.primary.priceWad).to.equal(2_040n * 10n ** 18n);
    expect(h.secondary?.ageSeconds).to.equal(7);
    expect(h.bounds?.distanceToMinBps).to.equal(((2_040n - 1n) * 10_000n) / 2_040n);
    expect(h.bounds?.distanceToMaxBps).to.equal(10_000n);
    expect(h.deviation).to.deep.equal({ deviationBps: 200n, maxDeviationBps: 500n });
    expect(sequencer?.up).to.equal(true);
    expect(sequencer?.gracePeriodRemainingSeconds).to.equal(3600 - 100 + 1);
    expect(h.sequencer).to.deep.equal(sequencer);
    expect(h.contractError?.name).to.equal("SequencerGracePeriodNotOver");
    expect(h.message).to.contain("SequencerGracePeriodNotOver");
    expect(blockTimestamp).to.equal(BigInt(await c.networkHelpers.time.latest()));
  });

  it("reads at a pinned block number", async () => {
    const { adapter, feed } = await build(c, {
      name: "pinned",
      heartbeat: 60,
      primary: { answer: 2_000n * 10n ** 8n, decimals: 8, updatedAgo: 0 },
      expect: { contractError: null, verdict: "ok", reasons: [] },
    });
    const before = await c.publicClient.getBlockNumber();
    await c.networkHelpers.time.increase(120);
    const now = await checkAdapterFeeds(c.publicClient, { oracleAdapter: adapter, feeds: [feed] });
    const then = await checkAdapterFeeds(c.publicClient, {
      oracleAdapter: adapter,
      feeds: [feed],
      blockNumber: before,
    });
    expect(now.feeds[0]?.reasons.map((r) => r.code)).to.deep.equal(["STALE"]);
    expect(then.blockNumber).to.equal(before);
    expect(then.feeds[0]?.verdict).to.equal("ok");
  });

  it("applies custom warning thresholds", async () => {
    const { adapter, feed } = await build(c, {
      name: "thresholds",
      heartbeat: 3600,
      primary: { answer: 2_000n * 10n ** 8n, decimals: 8, updatedAgo: 1800 },
      expect: { contractError: null, verdict: "ok", reasons: [] },
    });
    const loose = await checkAdapterFeeds(c.publicClient, { oracleAdapter: adapter, feeds: [feed] });
    expect(loose.feeds[0]?.verdict).to.equal("ok");
    const strict = await checkAdapterFeeds(c.publicClient, {
      oracleAdapter: adapter,
      feeds: [feed],
      thresholds: { heartbeatWarnBps: 4_000n },
    });
    expect(strict.feeds[0]?.reasons.map((r) => r.code)).to.deep.equal(["HEARTBEAT_DUE_SOON"]);
  });

  it("reads every feed, secondary and sequencer in ONE RPC request (counting transport)", async () => {
    const feeds: Address[] = [];
    let adapter: Address = zeroAddress;
    for (const v of oracleVectors.filter((x) => x.secondary && x.expect.contractError === null).slice(0, 1)) {
      ({ adapter } = await build(c, { ...v, sequencer: { status: 0n, startedAgo: 7200, gracePeriod: 3600 } }));
    }
    const adapterContract = await c.viem.getContractAt("OracleAdapter", adapter);
    for (let i = 0; i < 4; i++) {
      const feed = await c.viem.deployContract(MOCK_V3, [8, BigInt(1_000 + i) * 10n ** 8n]);
      await adapterContract.write.setFeed([feed.address, 3600, zeroAddress, 0, 0]);
      feeds.push(feed.address);
    }
    const requests: string[] = [];
    const provider = c.provider as unknown as EIP1193Provider;
    const counting = createPublicClient({
      transport: custom({
        request: async (args: { method: string; params?: unknown }) => {
          requests.push(args.method);
          return provider.request(args as Parameters<EIP1193Provider["request"]>[0]);
        },
      }),
    });
    const result: CheckAdapterFeedsReturnType = await checkAdapterFeeds(counting, { oracleAdapter: adapter, feeds });
    expect(requests).to.deep.equal(["eth_call"]);
    expect(result.feeds.map((f) => f.verdict)).to.deep.equal(["ok", "ok", "ok", "ok"]);
    expect(result.sequencer?.up).to.equal(true);
    const extended = await counting.extend(oracleActions).checkAdapterFeeds({ oracleAdapter: adapter, feeds });
    expect(extended.feeds.map((f) => f.priceWad)).to.deep.equal(result.feeds.map((f) => f.priceWad));
    expect(requests).to.deep.equal(["eth_call", "eth_call"]);
    // The old names stay as deprecated aliases of the same function.
    expect(checkOracles).to.equal(checkAdapterFeeds);
    const legacy = await counting.extend(oracleActions).checkOracles({ oracleAdapter: adapter, feeds });
    expect(legacy.feeds.map((f) => f.verdict)).to.deep.equal(result.feeds.map((f) => f.verdict));
  });

  it("checks 64 feeds (above the 22 one deployless call returns) in 3 calls at one block, each verdict the contract's", async () => {
    const adapterContract = await c.viem.deployContract("OracleAdapter", [c.owner]);
    const feeds: Address[] = [];
    // Every fourth feed is stale: a verdict per feed, in input order, across the chunk boundaries.
    const now = BigInt(await c.networkHelpers.time.latest());
    for (let i = 0; i < 64; i++) {
      const feed = await c.viem.deployContract(MOCK_V3, [8, BigInt(1_000 + i) * 10n ** 8n]);
      if (i % 4 === 3)
        await feed.write.updateRoundData([2n, BigInt(1_000 + i) * 10n ** 8n, now - 7_200n, now - 7_200n]);
      await adapterContract.write.setFeed([feed.address, 3600, zeroAddress, 0, 0]);
      feeds.push(feed.address);
    }
    const requests: string[] = [];
    const provider = c.provider as unknown as EIP1193Provider;
    const counting = createPublicClient({
      transport: custom({
        request: async (args: { method: string; params?: unknown }) => {
          requests.push(args.method);
          return provider.request(args as Parameters<EIP1193Provider["request"]>[0]);
        },
      }),
    });
    const result = await checkAdapterFeeds(counting, { oracleAdapter: adapterContract.address, feeds });
    expect(requests).to.deep.equal(["eth_getBlockByNumber", "eth_call", "eth_call", "eth_call"]);
    expect(result.feeds).to.have.length(64);
    expect(result.feeds.map((f) => f.feed.toLowerCase())).to.deep.equal(feeds.map((f) => f.toLowerCase()));
    for (const [i, f] of result.feeds.entries()) {
      expect(f.verdict, `feed ${i}`).to.equal(i % 4 === 3 ? "fail" : "ok");
      if (f.verdict === "ok") expect(f.priceWad).to.equal(BigInt(1_000 + i) * 10n ** 18n);
      const contract = await adapterContract.read
        .priceWad([feeds[i] as Address], { blockNumber: result.blockNumber })
        .then(() => "ok")
        .catch(() => "fail");
      expect(contract, `feed ${i}: priceWad`).to.equal(f.verdict);
    }
    // A pinned block needs no block request: three calls (22 + 22 + 20 feeds).
    requests.length = 0;
    const pinned = await checkAdapterFeeds(counting, {
      oracleAdapter: adapterContract.address,
      feeds,
      blockNumber: result.blockNumber,
    });
    expect(requests).to.deep.equal(["eth_call", "eth_call", "eth_call"]);
    expect(pinned.feeds.map((f) => f.verdict)).to.deep.equal(result.feeds.map((f) => f.verdict));
  });

  it("a market closed by its hours is 'closed' (not stale), names its reopen, then waits for the reopen round", async () => {
    const adapterContract = await c.viem.deployContract("OracleAdapter", [c.owner]);
    const feed = await c.viem.deployContract(MOCK_V3, [8, 2_300n * 10n ** 8n]);
    await adapterContract.write.setFeed([feed.address, 3600, zeroAddress, 0, 0]);
    // FX-like hours: Sunday 22:00 → Friday 21:00 UTC, a 2 h closing window, a 5 min reopen delay.
    await adapterContract.write.setMarketHours([
      feed.address,
      {
        sessions: [{ openMinute: 22 * 60, closeMinute: 5 * 1440 + 21 * 60 }],
        closures: [],
        closingWindowSeconds: 7200,
        reopenDelaySeconds: 300,
      },
    ]);
    const now = BigInt(await c.networkHelpers.time.latest());
    const week = now - ((now + 345_600n) % 604_800n) + 604_800n; // next Sunday 00:00 UTC
    const read = async () =>
      (await checkAdapterFeeds(c.publicClient, { oracleAdapter: adapterContract.address, feeds: [feed.address] }))
        .feeds[0] as OracleHealth;
    const contractSays = async () =>
      adapterContract.read
        .priceWad([feed.address])
        .then(() => "ok")
        .catch((e: unknown) =>
          e instanceof BaseError
            ? (e.walk((x) => x instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null)?.data
                ?.errorName
            : "?",
        );

    await c.networkHelpers.time.increaseTo(week + 5n * 86_400n + 20n * 3600n); // Friday 20:00: closing window
    await feed.write.updateAnswer([2_300n * 10n ** 8n]);
    let h = await read();
    expect(h.verdict).to.equal("ok");
    expect(h.market?.status).to.equal("closing");
    expect(h.market?.nextClose).to.equal(week + 5n * 86_400n + 21n * 3600n);

    await c.networkHelpers.time.increaseTo(week + 6n * 86_400n + 12n * 3600n); // Saturday: closed, far past heartbeat
    h = await read();
    expect(h.verdict).to.equal("closed");
    expect(h.contractError?.name).to.equal("MarketClosed");
    expect(h.reasons[0]?.code).to.equal("MARKET_CLOSED");
    expect(h.market).to.deep.equal({
      status: "closed",
      lastOpen: undefined,
      nextClose: undefined,
      nextOpen: week + 7n * 86_400n + 22n * 3600n,
    });
    expect(await contractSays()).to.equal("MarketClosed");

    await c.networkHelpers.time.increaseTo(week + 7n * 86_400n + 22n * 3600n + 10n); // reopened, no round yet
    h = await read();
    expect(h.verdict).to.equal("closed");
    expect(h.contractError?.name).to.equal("ReopenRoundPending");
    expect(await contractSays()).to.equal("ReopenRoundPending");

    await feed.write.updateAnswer([2_250n * 10n ** 8n]); // the reopen round
    h = await read();
    expect(h.verdict).to.equal("ok");
    expect(h.market?.status).to.equal("reopening");
    expect(h.priceWad).to.equal(2_250n * 10n ** 18n);
    expect(await contractSays()).to.equal("ok");
  });

  it("agrees with the contract on a few hundred random states (seeded)", async () => {
    const seed = Number(process.env.ORACLE_PROPERTY_SEED ?? Date.now() % 2 ** 31);
    const runs = Number(process.env.ORACLE_PROPERTY_RUNS ?? 300);
    console.log(`      oracle property seed ${seed} (ORACLE_PROPERTY_SEED=${seed} to replay), ${runs} runs`);
    const rand = mulberry32(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const counts: Record<string, number> = {};
    for (let i = 0; i < runs; i++) {
      const v = randomVector(rand, pick, i);
      const { adapter, feed } = await build(c, v);
      const outcome = await contractOutcome(c.publicClient, adapter, feed);
      const result = await checkAdapterFeeds(c.publicClient, { oracleAdapter: adapter, feeds: [feed] });
      const health = result.feeds[0];
      if (!health) throw new Error("no result");
      expectAgreement(
        `seed ${seed} run ${i} ${JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}` : x))}`,
        outcome,
        health,
      );
      const key = outcome.error ?? health.verdict;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    console.log(`      outcomes: ${JSON.stringify(counts)}`);
  });

  describe("typed errors", () => {
    it("rejects an adapter that is not an address", async () => {
      const error = await checkAdapterFeeds(c.publicClient, { oracleAdapter: "0x1234" as Address, feeds: [] }).catch(
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(OracleCheckError);
      expect((error as OracleCheckError).code).to.equal("INVALID_ADDRESS");
      expect((error as OracleCheckError).fix).to.contain("OracleAdapter");
    });

    it("rejects a feed that is not an address", async () => {
      const error = await checkAdapterFeeds(c.publicClient, {
        oracleAdapter: zeroAddress,
        feeds: ["ETH/USD" as Address],
      }).catch((e: unknown) => e);
      expect((error as OracleCheckError).code).to.equal("INVALID_ADDRESS");
      expect((error as OracleCheckError).argument).to.equal("ETH/USD");
    });

    it("rejects an adapter without code, with the cause", async () => {
      const error = await checkAdapterFeeds(c.publicClient, {
        oracleAdapter: "0x000000000000000000000000000000000000dEaD",
        feeds: [],
      }).catch((e: unknown) => e);
      expect((error as OracleCheckError).code).to.equal("ADAPTER_NOT_A_CONTRACT");
      expect((error as OracleCheckError).cause).to.be.instanceOf(BaseError);
    });

    it("rejects a contract that is not an OracleAdapter", async () => {
      const notAdapter = await c.viem.deployContract(MOCK_V3, [8, 1n]);
      const error = await checkAdapterFeeds(c.publicClient, { oracleAdapter: notAdapter.address, feeds: [] }).catch(
        (e: unknown) => e,
      );
      expect((error as OracleCheckError).code).to.equal("ADAPTER_CALL_FAILED");
    });

    it("rejects a negative threshold", async () => {
      const error = await checkAdapterFeeds(c.publicClient, {
        oracleAdapter: zeroAddress,
        feeds: [],
        thresholds: { nearBoundBps: -1n },
      }).catch((e: unknown) => e);
      expect((error as OracleCheckError).code).to.equal("INVALID_THRESHOLD");
    });
  });

  it("embeds the current OracleHealthReader creation code", () => {
    const artifact = JSON.parse(
      readFileSync("artifacts/contracts/lens/OracleHealthReader.sol/OracleHealthReader.json", "utf8"),
    ) as { bytecode: string };
    expect(oracleHealthReaderBytecode).to.equal(artifact.bytecode);
  });
});

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A random state biased to the boundaries of every check. */
function randomVector(rand: () => number, pick: <T>(xs: readonly T[]) => T, i: number): OracleVector {
  const heartbeat = pick([60, 3600, 86_400]);
  const randomFeed = (hb: number, withBounds: boolean, base: bigint | undefined): FeedStateVector => {
    const decimals = pick([6, 8, 8, 18, 20, 24]);
    const unit = 10n ** BigInt(decimals);
    const min = unit;
    const max = 100_000n * unit;
    const price = base ?? BigInt(Math.floor(1 + rand() * 99_000)) * unit;
    // Mostly healthy fields (so that later checks are reached), otherwise a boundary of a check.
    const answer = rand() < 0.75 ? price : pick([0n, -1n, -price, min, min + 1n, max, max - 1n, 1n]);
    const updatedAgo =
      rand() < 0.75
        ? pick([0, 1, hb - 1, hb, Math.floor(rand() * hb)])
        : pick([hb + 1, -1, "zero", Math.floor(rand() * hb * 1.5)] as const);
    const round =
      rand() < 0.85
        ? undefined
        : pick([
            { roundId: 5n, answeredInRound: 4n },
            { roundId: 5n, answeredInRound: 5n },
          ]);
    const kind = rand() < 0.05 ? "reverting" : pick(["mock", "proxy"] as const);
    return {
      kind,
      answer,
      decimals,
      updatedAgo,
      ...(round ?? {}),
      ...(withBounds ? { bounds: { min, max } } : {}),
    };
  };
  const primary = randomFeed(heartbeat, rand() < 0.5, undefined);
  if (primary.kind === "mock" && (primary.bounds || primary.roundId !== undefined)) primary.kind = "proxy";
  let secondary: OracleVector["secondary"];
  if (rand() < 0.4) {
    const maxDeviationBps = pick([10, 100, 5_000]);
    const hb = pick([60, 600, 3600]);
    const s = randomFeed(hb, false, undefined);
    if (s.kind === "mock" && s.roundId !== undefined) s.kind = "proxy";
    // Often a secondary near the primary price, at the deviation boundary.
    if (rand() < 0.6 && primary.answer > 0n) {
      const primaryWad = (primary.answer * 10n ** 18n) / 10n ** BigInt(primary.decimals);
      const factor = 10_000n + BigInt(pick([-1, 0, 1])) * BigInt(maxDeviationBps);
      s.answer =
        ((primaryWad * factor) / 10_000n / 10n ** (18n - BigInt(Math.min(s.decimals, 18)))) *
          10n ** BigInt(Math.max(s.decimals - 18, 0)) +
        BigInt(pick([-1, 0, 1]));
    }
    secondary = { ...s, heartbeat: hb, maxDeviationBps };
  }
  const sequencer =
    rand() < 0.3
      ? {
          status: pick([0n, 0n, 0n, 1n]),
          startedAgo: pick([0, 59, 60, 61, 3600, 3600, "zero"] as const),
          gracePeriod: pick([0, 60]),
        }
      : undefined;
  return {
    name: `random ${i}`,
    heartbeat,
    primary,
    ...(secondary ? { secondary } : {}),
    ...(sequencer ? { sequencer } : {}),
    ...(rand() < 0.05 ? { unconfigured: true } : {}),
    expect: { contractError: null, verdict: "ok", reasons: [] },
  };
}
