// The parts of Uniswap v3’s published ABIs (@uniswap/v3-core 1.0.1, @uniswap/v3-periphery 1.4.4) the SDK and
// parapet/testing call, restated `as const` so every call is typed; test/ts/uniswap-exposures.test.ts checks each
// item equals the published artifact’s.
export const uniswapV3FactoryAbi = [
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        name: "token0",
        type: "address",
      },
      {
        indexed: true,
        name: "token1",
        type: "address",
      },
      {
        indexed: true,
        name: "fee",
        type: "uint24",
      },
      {
        indexed: false,
        name: "tickSpacing",
        type: "int24",
      },
      {
        indexed: false,
        name: "pool",
        type: "address",
      },
    ],
    name: "PoolCreated",
    type: "event",
  },
  {
    inputs: [
      {
        name: "tokenA",
        type: "address",
      },
      {
        name: "tokenB",
        type: "address",
      },
      {
        name: "fee",
        type: "uint24",
      },
    ],
    name: "createPool",
    outputs: [
      {
        name: "pool",
        type: "address",
      },
    ],
    stateMutability: "nonpayable",
    type: "function",
  },
  {
    inputs: [
      {
        name: "",
        type: "address",
      },
      {
        name: "",
        type: "address",
      },
      {
        name: "",
        type: "uint24",
      },
    ],
    name: "getPool",
    outputs: [
      {
        name: "",
        type: "address",
      },
    ],
    stateMutability: "view",
    type: "function",
  },
] as const;

export const uniswapV3PoolAbi = [
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        name: "sender",
        type: "address",
      },
      {
        indexed: true,
        name: "recipient",
        type: "address",
      },
      {
        indexed: false,
        name: "amount0",
        type: "int256",
      },
      {
        indexed: false,
        name: "amount1",
        type: "int256",
      },
      {
        indexed: false,
        name: "sqrtPriceX96",
        type: "uint160",
      },
      {
        indexed: false,
        name: "liquidity",
        type: "uint128",
      },
      {
        indexed: false,
        name: "tick",
        type: "int24",
      },
    ],
    name: "Swap",
    type: "event",
  },
  {
    inputs: [],
    name: "fee",
    outputs: [
      {
        name: "",
        type: "uint24",
      },
    ],
    stateMutability: "view",
    type: "function",
  },
  {
    inputs: [],
    name: "feeGrowthGlobal0X128",
    outputs: [
      {
        name: "",
        type: "uint256",
      },
    ],
    stateMutability: "view",
    type: "function",
  },
  {
    inputs: [],
    name: "feeGrowthGlobal1X128",
    outputs: [
      {
        name: "",
        type: "uint256",
      },
    ],
    stateMutability: "view",
    type: "function",
  },
  {
    inputs: [
      {
        name: "observationCardinalityNext",
        type: "uint16",
      },
    ],
    name: "increaseObservationCardinalityNext",
    outputs: [],
    stateMutability: "nonpayable",
    type: "function",
  },
  {
    inputs: [
      {
        name: "sqrtPriceX96",
        type: "uint160",
      },
    ],
    name: "initialize",
    outputs: [],
    stateMutability: "nonpayable",
    type: "function",
  },
  {
    inputs: [],
    name: "liquidity",
    outputs: [
      {
        name: "",
        type: "uint128",
      },
    ],
    stateMutability: "view",
    type: "function",
  },
  {
    inputs: [],
    name: "slot0",
    outputs: [
      {
        name: "sqrtPriceX96",
        type: "uint160",
      },
      {
        name: "tick",
        type: "int24",
      },
      {
        name: "observationIndex",
        type: "uint16",
      },
      {
        name: "observationCardinality",
        type: "uint16",
      },
      {
        name: "observationCardinalityNext",
        type: "uint16",
      },
      {
        name: "feeProtocol",
        type: "uint8",
      },
      {
        name: "unlocked",
        type: "bool",
      },
    ],
    stateMutability: "view",
    type: "function",
  },
  {
    inputs: [],
    name: "tickSpacing",
    outputs: [
      {
        name: "",
        type: "int24",
      },
    ],
    stateMutability: "view",
    type: "function",
  },
  {
    inputs: [
      {
        name: "",
        type: "int24",
      },
    ],
    name: "ticks",
    outputs: [
      {
        name: "liquidityGross",
        type: "uint128",
      },
      {
        name: "liquidityNet",
        type: "int128",
      },
      {
        name: "feeGrowthOutside0X128",
        type: "uint256",
      },
      {
        name: "feeGrowthOutside1X128",
        type: "uint256",
      },
      {
        name: "tickCumulativeOutside",
        type: "int56",
      },
      {
        name: "secondsPerLiquidityOutsideX128",
        type: "uint160",
      },
      {
        name: "secondsOutside",
        type: "uint32",
      },
      {
        name: "initialized",
        type: "bool",
      },
    ],
    stateMutability: "view",
    type: "function",
  },
  {
    inputs: [],
    name: "token0",
    outputs: [
      {
        name: "",
        type: "address",
      },
    ],
    stateMutability: "view",
    type: "function",
  },
  {
    inputs: [],
    name: "token1",
    outputs: [
      {
        name: "",
        type: "address",
      },
    ],
    stateMutability: "view",
    type: "function",
  },
] as const;

export const nonfungiblePositionManagerAbi = [
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        name: "tokenId",
        type: "uint256",
      },
      {
        indexed: false,
        name: "recipient",
        type: "address",
      },
      {
        indexed: false,
        name: "amount0",
        type: "uint256",
      },
      {
        indexed: false,
        name: "amount1",
        type: "uint256",
      },
    ],
    name: "Collect",
    type: "event",
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        name: "tokenId",
        type: "uint256",
      },
      {
        indexed: false,
        name: "liquidity",
        type: "uint128",
      },
      {
        indexed: false,
        name: "amount0",
        type: "uint256",
      },
      {
        indexed: false,
        name: "amount1",
        type: "uint256",
      },
    ],
    name: "DecreaseLiquidity",
    type: "event",
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        name: "tokenId",
        type: "uint256",
      },
      {
        indexed: false,
        name: "liquidity",
        type: "uint128",
      },
      {
        indexed: false,
        name: "amount0",
        type: "uint256",
      },
      {
        indexed: false,
        name: "amount1",
        type: "uint256",
      },
    ],
    name: "IncreaseLiquidity",
    type: "event",
  },
  {
    anonymous: false,
    inputs: [
      {
        indexed: true,
        name: "from",
        type: "address",
      },
      {
        indexed: true,
        name: "to",
        type: "address",
      },
      {
        indexed: true,
        name: "tokenId",
        type: "uint256",
      },
    ],
    name: "Transfer",
    type: "event",
  },
  {
    inputs: [
      {
        name: "owner",
        type: "address",
      },
    ],
    name: "balanceOf",
    outputs: [
      {
        name: "",
        type: "uint256",
      },
    ],
    stateMutability: "view",
    type: "function",
  },
  {
    inputs: [
      {
        components: [
          {
            name: "tokenId",
            type: "uint256",
          },
          {
            name: "recipient",
            type: "address",
          },
          {
            name: "amount0Max",
            type: "uint128",
          },
          {
            name: "amount1Max",
            type: "uint128",
          },
        ],
        name: "params",
        type: "tuple",
      },
    ],
    name: "collect",
    outputs: [
      {
        name: "amount0",
        type: "uint256",
      },
      {
        name: "amount1",
        type: "uint256",
      },
    ],
    stateMutability: "payable",
    type: "function",
  },
  {
    inputs: [
      {
        components: [
          {
            name: "tokenId",
            type: "uint256",
          },
          {
            name: "liquidity",
            type: "uint128",
          },
          {
            name: "amount0Min",
            type: "uint256",
          },
          {
            name: "amount1Min",
            type: "uint256",
          },
          {
            name: "deadline",
            type: "uint256",
          },
        ],
        name: "params",
        type: "tuple",
      },
    ],
    name: "decreaseLiquidity",
    outputs: [
      {
        name: "amount0",
        type: "uint256",
      },
      {
        name: "amount1",
        type: "uint256",
      },
    ],
    stateMutability: "payable",
    type: "function",
  },
  {
    inputs: [],
    name: "factory",
    outputs: [
      {
        name: "",
        type: "address",
      },
    ],
    stateMutability: "view",
    type: "function",
  },
  {
    inputs: [
      {
        components: [
          {
            name: "tokenId",
            type: "uint256",
          },
          {
            name: "amount0Desired",
            type: "uint256",
          },
          {
            name: "amount1Desired",
            type: "uint256",
          },
          {
            name: "amount0Min",
            type: "uint256",
          },
          {
            name: "amount1Min",
            type: "uint256",
          },
          {
            name: "deadline",
            type: "uint256",
          },
        ],
        name: "params",
        type: "tuple",
      },
    ],
    name: "increaseLiquidity",
    outputs: [
      {
        name: "liquidity",
        type: "uint128",
      },
      {
        name: "amount0",
        type: "uint256",
      },
      {
        name: "amount1",
        type: "uint256",
      },
    ],
    stateMutability: "payable",
    type: "function",
  },
  {
    inputs: [
      {
        components: [
          {
            name: "token0",
            type: "address",
          },
          {
            name: "token1",
            type: "address",
          },
          {
            name: "fee",
            type: "uint24",
          },
          {
            name: "tickLower",
            type: "int24",
          },
          {
            name: "tickUpper",
            type: "int24",
          },
          {
            name: "amount0Desired",
            type: "uint256",
          },
          {
            name: "amount1Desired",
            type: "uint256",
          },
          {
            name: "amount0Min",
            type: "uint256",
          },
          {
            name: "amount1Min",
            type: "uint256",
          },
          {
            name: "recipient",
            type: "address",
          },
          {
            name: "deadline",
            type: "uint256",
          },
        ],
        name: "params",
        type: "tuple",
      },
    ],
    name: "mint",
    outputs: [
      {
        name: "tokenId",
        type: "uint256",
      },
      {
        name: "liquidity",
        type: "uint128",
      },
      {
        name: "amount0",
        type: "uint256",
      },
      {
        name: "amount1",
        type: "uint256",
      },
    ],
    stateMutability: "payable",
    type: "function",
  },
  {
    inputs: [
      {
        name: "data",
        type: "bytes[]",
      },
    ],
    name: "multicall",
    outputs: [
      {
        name: "results",
        type: "bytes[]",
      },
    ],
    stateMutability: "payable",
    type: "function",
  },
  {
    inputs: [
      {
        name: "tokenId",
        type: "uint256",
      },
    ],
    name: "ownerOf",
    outputs: [
      {
        name: "",
        type: "address",
      },
    ],
    stateMutability: "view",
    type: "function",
  },
  {
    inputs: [
      {
        name: "tokenId",
        type: "uint256",
      },
    ],
    name: "positions",
    outputs: [
      {
        name: "nonce",
        type: "uint96",
      },
      {
        name: "operator",
        type: "address",
      },
      {
        name: "token0",
        type: "address",
      },
      {
        name: "token1",
        type: "address",
      },
      {
        name: "fee",
        type: "uint24",
      },
      {
        name: "tickLower",
        type: "int24",
      },
      {
        name: "tickUpper",
        type: "int24",
      },
      {
        name: "liquidity",
        type: "uint128",
      },
      {
        name: "feeGrowthInside0LastX128",
        type: "uint256",
      },
      {
        name: "feeGrowthInside1LastX128",
        type: "uint256",
      },
      {
        name: "tokensOwed0",
        type: "uint128",
      },
      {
        name: "tokensOwed1",
        type: "uint128",
      },
    ],
    stateMutability: "view",
    type: "function",
  },
  {
    inputs: [
      {
        name: "owner",
        type: "address",
      },
      {
        name: "index",
        type: "uint256",
      },
    ],
    name: "tokenOfOwnerByIndex",
    outputs: [
      {
        name: "",
        type: "uint256",
      },
    ],
    stateMutability: "view",
    type: "function",
  },
  {
    inputs: [
      {
        name: "from",
        type: "address",
      },
      {
        name: "to",
        type: "address",
      },
      {
        name: "tokenId",
        type: "uint256",
      },
    ],
    name: "transferFrom",
    outputs: [],
    stateMutability: "nonpayable",
    type: "function",
  },
] as const;

export const swapRouterAbi = [
  {
    inputs: [
      {
        components: [
          {
            name: "tokenIn",
            type: "address",
          },
          {
            name: "tokenOut",
            type: "address",
          },
          {
            name: "fee",
            type: "uint24",
          },
          {
            name: "recipient",
            type: "address",
          },
          {
            name: "deadline",
            type: "uint256",
          },
          {
            name: "amountIn",
            type: "uint256",
          },
          {
            name: "amountOutMinimum",
            type: "uint256",
          },
          {
            name: "sqrtPriceLimitX96",
            type: "uint160",
          },
        ],
        name: "params",
        type: "tuple",
      },
    ],
    name: "exactInputSingle",
    outputs: [
      {
        name: "amountOut",
        type: "uint256",
      },
    ],
    stateMutability: "payable",
    type: "function",
  },
] as const;
