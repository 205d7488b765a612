import { createRequire } from "node:module";
import hardhatIgnitionViem from "@nomicfoundation/hardhat-ignition-viem";
import hardhatKeystore from "@nomicfoundation/hardhat-keystore";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import { configVariable, defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

// solc comes from the npm package (no compiler download here); its version must equal SOLC_VERSION.
const SOLC_VERSION = "0.8.30";

/** solc from the npm package, via-IR, cancun, optimised for `runs`. */
function solc(runs: number) {
  return {
    version: SOLC_VERSION,
    path: require.resolve("solc/soljson.js"),
    settings: { evmVersion: "cancun", optimizer: { enabled: true, runs }, viaIR: true },
  };
}
const RUNTIME_RUNS = 10_000;

// Solidity tests start at timestamp 1 by default, which makes every staleness check underflow.
const TEST_START_TIMESTAMP = 1_750_000_000n;

// `vm.getCode("PerpVault.sol:PerpVault")` reads the artifact (test/solidity/vault/VaultFixture.sol deployVault).
const TEST_FS_PERMISSIONS = { readDirectory: ["./artifacts"] };

export default defineConfig({
  plugins: [hardhatViem, hardhatMocha, hardhatNetworkHelpers, hardhatIgnitionViem, hardhatKeystore],
  solidity: {
    // via-IR with 200 runs: ~12 % less gas per trade than the legacy pipeline at 10,000 runs, and PerpVault stays
    // under the 24,576-byte limit (legacy at 10,000 runs was 24.3 KB). Tests compile the same way, so they
    // exercise the bytecode that is deployed.
    compilers: [solc(200)],
    // Contracts far below the size limit are optimised for runtime gas instead (docs/benchmarks.md).
    overrides: {
      "contracts/LiquidationModule.sol": solc(RUNTIME_RUNS),
      "contracts/oracle/OracleAdapter.sol": solc(RUNTIME_RUNS),
    },
    npmFilesToBuild: ["@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol"],
  },
  paths: {
    tests: { solidity: "test/solidity", mocha: "test/ts" },
  },
  test: {
    mocha: { timeout: 120_000 },
    solidity: {
      profiles: {
        // Fast enough for every `npm test`.
        default: {
          blockTimestamp: TEST_START_TIMESTAMP,
          fsPermissions: TEST_FS_PERMISSIONS,
          // Scenario set-ups (1,000 accounts) need more than a block; the batches they measure stay under 30M.
          gasLimit: 2_000_000_000n,
          blockGasLimit: 2_000_000_000n,
          fuzz: { runs: 256, failurePersistDir: "cache/fuzz-failures" },
          invariant: { runs: 32, depth: 50, failurePersistDir: "cache/invariant-failures" },
        },
        // The deep profile `.ci/run` selects with HARDHAT_TEST_PROFILE=ci.
        ci: {
          blockTimestamp: TEST_START_TIMESTAMP,
          fsPermissions: TEST_FS_PERMISSIONS,
          // Scenario set-ups (1,000 accounts) need more than a block; the batches they measure stay under 30M.
          gasLimit: 2_000_000_000n,
          blockGasLimit: 2_000_000_000n,
          fuzz: {
            runs: 10_000,
            failurePersistDir: "cache/fuzz-failures",
            // .ci/run draws a fresh seed per run and prints it, so a failure can be replayed exactly.
            ...(process.env.PARAPET_FUZZ_SEED ? { seed: process.env.PARAPET_FUZZ_SEED } : {}),
          },
          // 1,000 × 100 (issue #15): with the LP requests, operators, insurance and a keeper pass before and after every
          // price step it is CI's longest Solidity test. The deeper campaign is the `deep` profile below.
          invariant: { runs: 1_000, depth: 100, failurePersistDir: "cache/invariant-failures" },
        },
        // The deeper invariant campaign issue #15 asks for (2,000 runs × depth 200), outside CI: run it by hand with
        // `HARDHAT_TEST_PROFILE=deep` (docs/invariants.md, "Running the deep campaign"); PARAPET_FUZZ_SEED replays a
        // seed, PARAPET_INVARIANT_RUNS / PARAPET_INVARIANT_DEPTH shorten it for a quick look.
        deep: {
          blockTimestamp: TEST_START_TIMESTAMP,
          fsPermissions: TEST_FS_PERMISSIONS,
          gasLimit: 2_000_000_000n,
          blockGasLimit: 2_000_000_000n,
          fuzz: {
            runs: 10_000,
            failurePersistDir: "cache/fuzz-failures",
            ...(process.env.PARAPET_FUZZ_SEED ? { seed: process.env.PARAPET_FUZZ_SEED } : {}),
          },
          invariant: {
            runs: Number(process.env.PARAPET_INVARIANT_RUNS ?? 2_000),
            depth: Number(process.env.PARAPET_INVARIANT_DEPTH ?? 200),
            failurePersistDir: "cache/invariant-failures-deep",
          },
        },
      },
    },
  },
  // A Hardhat fork of a local node (anvil, `npm run node`) executes calls at the fork block itself, which needs the
  // chain's hardfork history; anvil's default is prague from genesis.
  chainDescriptors: {
    31337: { name: "Local node (anvil, Hardhat)", chainType: "l1", hardforkHistory: { prague: { blockNumber: 0 } } },
  },
  networks: {
    hardhat: { type: "edr-simulated", chainType: "l1" },
    // `npm run node` (Hardhat's chain on 127.0.0.1:8545) or any node you start there; its unlocked dev accounts sign.
    // Tests point it at their own anvil with `network.create({ network: "localhost", override: { url } })`.
    // `PARAPET_RPC_URL=http://127.0.0.1:9545 npm run deploy -- --network localhost`: any local node on any port (the
    // same variable the CLI reads, so `parapet status` then reads that node too).
    localhost: { type: "http", chainType: "l1", url: process.env.PARAPET_RPC_URL ?? "http://127.0.0.1:8545" },
    // Live networks: the RPC URL and the deployer key come from the environment or the Hardhat keystore
    // (`npx hardhat keystore set ARBITRUM_SEPOLIA_RPC_URL`), never from the repository. See docs/deployment.md.
    arbitrumSepolia: {
      type: "http",
      chainType: "generic",
      chainId: 421614,
      url: configVariable("ARBITRUM_SEPOLIA_RPC_URL"),
      accounts: [configVariable("PARAPET_DEPLOYER_KEY")],
    },
    arbitrumOne: {
      type: "http",
      chainType: "generic",
      chainId: 42161,
      url: configVariable("ARBITRUM_ONE_RPC_URL"),
      accounts: [configVariable("PARAPET_DEPLOYER_KEY")],
    },
  },
});
