// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @dev The views of Uniswap v3's published contracts this lens reads (v3-core and v3-periphery are solc 0.7: only
/// their ABIs are restated here).
interface IUniswapV3PositionManagerViews {
    function factory() external view returns (address);
    function balanceOf(address owner) external view returns (uint256);
    function ownerOf(uint256 tokenId) external view returns (address);
    function tokenOfOwnerByIndex(address owner, uint256 index) external view returns (uint256);
    function positions(
        uint256 tokenId
    )
        external
        view
        returns (
            uint96 nonce,
            address operator,
            address token0,
            address token1,
            uint24 fee,
            int24 tickLower,
            int24 tickUpper,
            uint128 liquidity,
            uint256 feeGrowthInside0LastX128,
            uint256 feeGrowthInside1LastX128,
            uint128 tokensOwed0,
            uint128 tokensOwed1
        );
}

interface IUniswapV3FactoryViews {
    function getPool(address tokenA, address tokenB, uint24 fee) external view returns (address);
}

interface IUniswapV3PoolViews {
    function slot0() external view returns (uint160 sqrtPriceX96, int24 tick, uint16, uint16, uint16, uint8, bool);
    function feeGrowthGlobal0X128() external view returns (uint256);
    function feeGrowthGlobal1X128() external view returns (uint256);
    function ticks(
        int24 tick
    )
        external
        view
        returns (
            uint128,
            int128,
            uint256 feeGrowthOutside0X128,
            uint256 feeGrowthOutside1X128,
            int56,
            uint160,
            uint32,
            bool
        );
}

/// @title UniswapV3PositionsReader
/// @notice Never deployed: the SDK sends its creation code in one `eth_call` (a deployless read) and the constructor
/// returns, instead of runtime code, everything needed to value an owner's wallet and Uniswap v3 positions at one
/// block: native and ERC-20 balances, and per position the position manager's record, the pool's price, fee growth
/// and the two ticks' fee growth outside (uncollected fees are computed from them exactly as the pool would). The
/// maths is the SDK's (src/uniswap/math.ts, bigint, Uniswap's rounding); this contract only reads.
/// @dev Output, packed words (not ABI): word 0 `positions << 128 | tokens`, word 1 how many position NFTs the owner
/// holds, word 2 the owner's native balance, word 3 the block number; then {WORDS_PER_TOKEN} per ERC-20 (balance,
/// `decimals << 8 | status`, symbol as bytes32), then {WORDS_PER_POSITION} per position (see {_position}). The
/// 24,576-byte limit on returned code bounds a call at 40 positions: owned positions are read from `ownedFrom`, at
/// most `ownedMax`, and the SDK reads the rest in further calls at the same block (src/uniswap/read.ts sizes them
/// from these constants).
contract UniswapV3PositionsReader {
    uint256 internal constant HEADER_WORDS = 4;
    uint256 internal constant WORDS_PER_TOKEN = 3;
    uint256 internal constant WORDS_PER_POSITION = 19;
    /// @dev Status bits: the token's `decimals()` failed; the position id does not exist (burned or never minted).
    uint256 internal constant STATUS_NO_DECIMALS = 1;
    uint256 internal constant STATUS_NO_POSITION = 1;

    /// @param tokenIds Positions to read by id; then the owner's own position NFTs from index `ownedFrom`, at most
    /// `ownedMax` of them (0: none).
    constructor(
        IUniswapV3PositionManagerViews positionManager,
        address owner,
        uint256[] memory tokenIds,
        uint256 ownedFrom,
        uint256 ownedMax,
        address[] memory tokens
    ) {
        uint256 ownedTotal = address(positionManager) != address(0) ? positionManager.balanceOf(owner) : 0;
        uint256 owned = ownedTotal > ownedFrom ? ownedTotal - ownedFrom : 0;
        if (owned > ownedMax) owned = ownedMax;
        uint256 n = tokenIds.length + owned;
        uint256[] memory out = new uint256[](HEADER_WORDS + tokens.length * WORDS_PER_TOKEN + n * WORDS_PER_POSITION);
        out[0] = (n << 128) | tokens.length;
        out[1] = ownedTotal;
        out[2] = owner.balance;
        out[3] = block.number;
        uint256 w = HEADER_WORDS;
        for (uint256 i; i < tokens.length; ++i) {
            (uint256 decimals, bool ok) = _decimals(tokens[i]);
            out[w] = _balanceOf(tokens[i], owner);
            out[w + 1] = (decimals << 8) | (ok ? 0 : STATUS_NO_DECIMALS);
            out[w + 2] = uint256(_symbol(tokens[i]));
            w += WORDS_PER_TOKEN;
        }
        IUniswapV3FactoryViews factory =
            n == 0 ? IUniswapV3FactoryViews(address(0)) : IUniswapV3FactoryViews(positionManager.factory());
        for (uint256 i; i < n; ++i) {
            uint256 tokenId =
                i < tokenIds.length
                    ? tokenIds[i]
                    : positionManager.tokenOfOwnerByIndex(owner, ownedFrom + i - tokenIds.length);
            _position(positionManager, factory, tokenId, out, w);
            w += WORDS_PER_POSITION;
        }
        assembly ("memory-safe") {
            return(add(out, 32), mul(mload(out), 32))
        }
    }

    /// @dev Words: 0 tokenId, 1 `status << 160 | ownerOf`, 2 `fee << 160 | token0`, 3 `uint24(tickUpper) << 184 |
    /// uint24(tickLower) << 160 | token1`, 4 liquidity, 5–6 feeGrowthInside{0,1}LastX128, 7 `tokensOwed0 << 128 |
    /// tokensOwed1`, 8 `uint24(tick) << 160 | pool`, 9 sqrtPriceX96, 10–11 feeGrowthGlobal{0,1}X128, 12–13 the lower
    /// tick's feeGrowthOutside{0,1}X128, 14–15 the upper tick's, 16 `decimals1 << 8 | decimals0`, 17–18 the symbols.
    function _position(
        IUniswapV3PositionManagerViews pm,
        IUniswapV3FactoryViews factory,
        uint256 tokenId,
        uint256[] memory out,
        uint256 w
    ) private view {
        out[w] = tokenId;
        try pm.positions(tokenId) returns (
            uint96,
            address,
            address token0,
            address token1,
            uint24 fee,
            int24 tickLower,
            int24 tickUpper,
            uint128 liquidity,
            uint256 feeGrowthInside0LastX128,
            uint256 feeGrowthInside1LastX128,
            uint128 tokensOwed0,
            uint128 tokensOwed1
        ) {
            out[w + 1] = uint160(pm.ownerOf(tokenId));
            out[w + 2] = (uint256(fee) << 160) | uint160(token0);
            out[w + 3] = (uint256(uint24(tickUpper)) << 184) | (uint256(uint24(tickLower)) << 160) | uint160(token1);
            out[w + 4] = liquidity;
            out[w + 5] = feeGrowthInside0LastX128;
            out[w + 6] = feeGrowthInside1LastX128;
            out[w + 7] = (uint256(tokensOwed0) << 128) | tokensOwed1;
            IUniswapV3PoolViews pool = IUniswapV3PoolViews(factory.getPool(token0, token1, fee));
            (uint160 sqrtPriceX96, int24 tick, , , , , ) = pool.slot0();
            out[w + 8] = (uint256(uint24(tick)) << 160) | uint160(address(pool));
            out[w + 9] = sqrtPriceX96;
            out[w + 10] = pool.feeGrowthGlobal0X128();
            out[w + 11] = pool.feeGrowthGlobal1X128();
            (, , out[w + 12], out[w + 13], , , , ) = pool.ticks(tickLower);
            (, , out[w + 14], out[w + 15], , , , ) = pool.ticks(tickUpper);
            (uint256 d0, ) = _decimals(token0);
            (uint256 d1, ) = _decimals(token1);
            out[w + 16] = (d1 << 8) | d0;
            out[w + 17] = uint256(_symbol(token0));
            out[w + 18] = uint256(_symbol(token1));
        } catch {
            out[w + 1] = STATUS_NO_POSITION << 160;
        }
    }

    function _balanceOf(address token, address owner) private view returns (uint256) {
        (bool ok, bytes memory data) = token.staticcall(abi.encodeWithSignature("balanceOf(address)", owner));
        return ok && data.length >= 32 ? abi.decode(data, (uint256)) : 0;
    }

    function _decimals(address token) private view returns (uint256, bool) {
        (bool ok, bytes memory data) = token.staticcall(abi.encodeWithSignature("decimals()"));
        if (!ok || data.length < 32) return (0, false);
        uint256 d = abi.decode(data, (uint256));
        return d > 255 ? (0, false) : (d, true);
    }

    /// @dev The symbol's first 32 bytes, whether the token returns a string or (like MKR) a bytes32; 0 if neither.
    function _symbol(address token) private view returns (bytes32 s) {
        (bool ok, bytes memory data) = token.staticcall(abi.encodeWithSignature("symbol()"));
        if (!ok) return 0;
        if (data.length == 32) return abi.decode(data, (bytes32));
        if (data.length < 64) return 0;
        uint256 length;
        assembly ("memory-safe") {
            length := mload(add(data, 64))
            s := mload(add(data, 96))
        }
        if (length < 32) s &= ~bytes32(type(uint256).max >> (8 * length));
        if (length == 0 || data.length < 96) s = 0;
    }
}
