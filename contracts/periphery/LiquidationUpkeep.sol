// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// solhint-disable-next-line max-line-length
import {AutomationCompatibleInterface} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IPerpVault, IPerpVaultTypes} from "../interfaces/IPerpVault.sol";

/// @title LiquidationUpkeep
/// @notice The keeper's liquidation job as a Chainlink Automation-compatible upkeep, so operators can run it on a
/// decentralised keeper network instead of (or besides) one keeper process. Accounts to watch are registered by
/// anyone (watching costs the watcher gas and harms nobody); `checkUpkeep` pages over them off-chain and returns the
/// liquidatable ones; `performUpkeep` re-validates on chain and liquidates them in one `liquidateBatch`.
/// @dev Keeper rewards are paid by the vault to this contract; the owner sweeps them (e.g. to fund LINK).
/// An account whose market has an invalid oracle price is never reported (the vault would revert anyway).
contract LiquidationUpkeep is AutomationCompatibleInterface, Ownable2Step {
    using SafeERC20 for IERC20;

    /// @notice performUpkeep found none of the reported accounts liquidatable any more.
    error NoDueWork();
    /// @notice checkData must be `abi.encode(uint256 start, uint256 count)` with count > 0.
    error BadCheckData();

    event Watched(address indexed owner, uint96 indexed accountIndex);
    event UpkeepPerformed(uint256 reported, uint256 liquidated);

    IPerpVault public immutable vault;
    IPerpVaultTypes.AccountRef[] internal _watched;
    mapping(bytes32 => bool) public isWatched;

    constructor(IPerpVault vault_, address owner_) Ownable(owner_) {
        vault = vault_;
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

    function watchedCount() external view returns (uint256) {
        return _watched.length;
    }

    function watchedAt(uint256 i) external view returns (IPerpVaultTypes.AccountRef memory) {
        return _watched[i];
    }

    /// @inheritdoc AutomationCompatibleInterface
    /// @dev checkData = abi.encode(start, count): one upkeep per page keeps each check within the network's gas cap.
    function checkUpkeep(
        bytes calldata checkData
    ) external view override returns (bool upkeepNeeded, bytes memory performData) {
        if (checkData.length != 64) revert BadCheckData();
        (uint256 start, uint256 count) = abi.decode(checkData, (uint256, uint256));
        if (count == 0) revert BadCheckData();
        uint256 end = start + count;
        if (end > _watched.length) end = _watched.length;
        IPerpVaultTypes.AccountRef[] memory due = new IPerpVaultTypes.AccountRef[](end > start ? end - start : 0);
        uint256 n;
        for (uint256 i = start; i < end; ++i) {
            IPerpVaultTypes.AccountRef memory a = _watched[i];
            // An invalid oracle price reverts: skip the account, never report it.
            try vault.isLiquidatable(a.owner, a.accountIndex) returns (bool yes) {
                if (yes) due[n++] = a;
            } catch {}
        }
        assembly ("memory-safe") {
            mstore(due, n)
        }
        return (n > 0, abi.encode(due));
    }

    /// @inheritdoc AutomationCompatibleInterface
    /// @dev Anyone may call it (the work is only ever a due liquidation); reverts when nothing is due any more.
    function performUpkeep(bytes calldata performData) external override {
        IPerpVaultTypes.AccountRef[] memory accounts = abi.decode(performData, (IPerpVaultTypes.AccountRef[]));
        uint256 liquidated = vault.liquidateBatch(accounts);
        if (liquidated == 0) revert NoDueWork();
        emit UpkeepPerformed(accounts.length, liquidated);
    }

    /// @notice Sends the keeper rewards collected here.
    function sweep(IERC20 token, address to, uint256 amount) external onlyOwner {
        token.safeTransfer(to, amount);
    }
}
