// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// solhint-disable-next-line max-line-length
import {AutomationCompatibleInterface} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IPerpVault, IPerpVaultTypes} from "../interfaces/IPerpVault.sol";
import {AccountHealth} from "../lens/AccountHealth.sol";

/// @title LiquidationUpkeep
/// @notice The keeper's liquidation job as a Chainlink Automation-compatible upkeep, so operators can run it on a
/// decentralised keeper network instead of (or besides) one keeper process. Accounts to watch are registered by
/// anyone (watching costs the watcher gas and harms nobody); `checkUpkeep` scans a page of them off-chain (each market
/// read once, {AccountHealth}) and returns the liquidatable ones; `performUpkeep` re-validates on chain and liquidates
/// them in one `liquidateBatch`.
/// @dev Sized for Automation's limits (docs/keeper.md): `checkUpkeep` stops before its gas runs out (the network's
/// check gas limit is 10,000,000 on most chains, ≈ 1,000 one-position accounts), and reports at most `maxBatch`
/// accounts, as 4-byte watch-list indexes, so `performData` stays within the network's 1,000–2,000 bytes and the
/// batch within its perform gas limit (5,000,000: ≈ 35,000 gas per account, so ≤ 140). Keeper rewards are paid by the
/// vault to this contract; the owner sweeps them (e.g. to fund LINK). An account whose market has an invalid oracle
/// price is never reported (the vault would revert anyway).
contract LiquidationUpkeep is AutomationCompatibleInterface, Ownable2Step {
    using SafeERC20 for IERC20;

    /// @notice What `checkUpkeep` keeps back when it stops scanning: the encoding of `performData` and the return.
    uint256 public constant CHECK_GAS_RESERVE = 150_000;
    /// @notice The largest `maxBatch`: 250 indexes are 1,000 bytes of `performData`, the smallest network limit.
    uint256 public constant MAX_BATCH_LIMIT = 250;

    /// @notice performUpkeep found none of the reported accounts liquidatable any more.
    error NoDueWork();
    /// @notice checkData must be `abi.encode(uint256 start, uint256 count)` with count > 0.
    error BadCheckData();
    /// @notice performData must be a whole number of 4-byte watch-list indexes, each below `watchedCount()`.
    error BadPerformData(uint256 length);
    error MaxBatchOutOfBounds(uint256 maxBatch, uint256 maxAllowed);

    event Watched(address indexed owner, uint96 indexed accountIndex);
    event UpkeepPerformed(uint256 reported, uint256 liquidated);
    event MaxBatchSet(uint256 maxBatch);

    IPerpVault public immutable vault;
    /// @notice Most accounts one `performUpkeep` liquidates (set it from the network's perform gas limit).
    uint256 public maxBatch;
    IPerpVaultTypes.AccountRef[] internal _watched;
    mapping(bytes32 => bool) public isWatched;

    constructor(IPerpVault vault_, address owner_) Ownable(owner_) {
        vault = vault_;
        maxBatch = 100;
    }

    /// @notice Adds accounts to the watch list (duplicates are skipped).
    function watch(IPerpVaultTypes.AccountRef[] calldata accounts) external {
        for (uint256 i = 0; i < accounts.length; ++i) {
            bytes32 key = keccak256(abi.encode(accounts[i].owner, accounts[i].accountIndex));
            if (isWatched[key]) continue;
            isWatched[key] = true;
            _watched.push(accounts[i]);
            emit Watched(accounts[i].owner, accounts[i].accountIndex);
        }
    }

    /// @notice Sets the most accounts per `performUpkeep` (1 … MAX_BATCH_LIMIT). Owner only.
    function setMaxBatch(uint256 maxBatch_) external onlyOwner {
        if (maxBatch_ == 0 || maxBatch_ > MAX_BATCH_LIMIT) revert MaxBatchOutOfBounds(maxBatch_, MAX_BATCH_LIMIT);
        maxBatch = maxBatch_;
        emit MaxBatchSet(maxBatch_);
    }

    function watchedCount() external view returns (uint256) {
        return _watched.length;
    }

    function watchedAt(uint256 i) external view returns (IPerpVaultTypes.AccountRef memory) {
        return _watched[i];
    }

    /// @inheritdoc AutomationCompatibleInterface
    /// @dev checkData = abi.encode(start, count): one registration per page of the watch list. Scans from `start`
    /// until the page ends, `maxBatch` accounts are due, or the gas left falls to `CHECK_GAS_RESERVE` (the rest of
    /// the page is then scanned once the due ones are liquidated). performData: the due accounts' watch-list
    /// indexes, 4 bytes each.
    function checkUpkeep(
        bytes calldata checkData
    ) external view override returns (bool upkeepNeeded, bytes memory performData) {
        if (checkData.length != 64) revert BadCheckData();
        (uint256 start, uint256 count) = abi.decode(checkData, (uint256, uint256));
        if (count == 0) revert BadCheckData();
        uint256 end = start + count;
        if (end > _watched.length) end = _watched.length;
        uint256 limit = maxBatch;
        // 28 spare bytes: each index is written with a 32-byte mstore (the rest of that word is still zero).
        performData = new bytes(4 * limit + 28);
        uint256 n;
        AccountHealth.Context memory ctx = AccountHealth.newContext(vault);
        for (uint256 i = start; i < end && n < limit && gasleft() > CHECK_GAS_RESERVE; ++i) {
            IPerpVaultTypes.AccountRef memory a = _watched[i];
            AccountHealth.Health memory h = AccountHealth.read(ctx, a.owner, a.accountIndex);
            // Unpriced accounts are skipped: the vault would revert on their price.
            if (h.priced && h.marketBitmap != 0 && h.equityUsd < int256(h.maintenanceMarginUsd)) {
                bytes4 index = bytes4(uint32(i));
                assembly ("memory-safe") {
                    mstore(add(add(performData, 32), mul(n, 4)), index)
                }
                ++n;
            }
        }
        assembly ("memory-safe") {
            mstore(performData, mul(n, 4))
        }
        return (n > 0, performData);
    }

    /// @inheritdoc AutomationCompatibleInterface
    /// @dev Anyone may call it (the work is only ever a due liquidation); reverts when nothing is due any more.
    function performUpkeep(bytes calldata performData) external override {
        uint256 length = performData.length;
        if (length == 0 || length % 4 != 0 || length / 4 > MAX_BATCH_LIMIT) revert BadPerformData(length);
        IPerpVaultTypes.AccountRef[] memory accounts = new IPerpVaultTypes.AccountRef[](length / 4);
        uint256 watched = _watched.length;
        for (uint256 i; i < accounts.length; ++i) {
            uint256 index = uint32(bytes4(performData[4 * i:4 * i + 4]));
            if (index >= watched) revert BadPerformData(length);
            accounts[i] = _watched[index];
        }
        uint256 liquidated = vault.liquidateBatch(accounts);
        if (liquidated == 0) revert NoDueWork();
        emit UpkeepPerformed(accounts.length, liquidated);
    }

    /// @notice Sends the keeper rewards collected here.
    function sweep(IERC20 token, address to, uint256 amount) external onlyOwner {
        token.safeTransfer(to, amount);
    }
}
