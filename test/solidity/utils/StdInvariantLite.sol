// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The part of forge-std's `StdInvariant` that Parapet's invariant suites need (forge-std is not installable
/// here). Before an invariant campaign, the fuzzer (Foundry's, and EDR's port of it that Hardhat runs) calls these
/// public getters on the test contract when they exist; the ABI (names, return types, `FuzzSelector` layout) must be
/// exactly forge-std's: `targetContracts() returns (address[])`, `targetSelectors() returns (FuzzSelector[])`,
/// `targetSenders()`, `excludeContracts()`, `excludeSenders()`, `excludeSelectors()`.
/// @dev Without any target, the fuzzer calls every contract deployed in `setUp` (the vault, the feeds, the token...)
/// with random senders; a suite restricts it to its handler with `targetContract` and, to keep the handler's views
/// and helpers out of the campaign, `targetSelector`.
abstract contract StdInvariantLite {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    address[] private _targetedContracts;
    address[] private _targetedSenders;
    address[] private _excludedContracts;
    address[] private _excludedSenders;
    FuzzSelector[] private _targetedSelectors;
    FuzzSelector[] private _excludedSelectors;

    function targetContract(address target) internal {
        _targetedContracts.push(target);
    }

    function targetSender(address sender) internal {
        _targetedSenders.push(sender);
    }

    function targetSelector(FuzzSelector memory selector) internal {
        _targetedSelectors.push(selector);
    }

    function excludeContract(address target) internal {
        _excludedContracts.push(target);
    }

    function excludeSender(address sender) internal {
        _excludedSenders.push(sender);
    }

    function excludeSelector(FuzzSelector memory selector) internal {
        _excludedSelectors.push(selector);
    }

    function targetContracts() public view returns (address[] memory) {
        return _targetedContracts;
    }

    function targetSenders() public view returns (address[] memory) {
        return _targetedSenders;
    }

    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetedSelectors;
    }

    function excludeContracts() public view returns (address[] memory) {
        return _excludedContracts;
    }

    function excludeSenders() public view returns (address[] memory) {
        return _excludedSenders;
    }

    function excludeSelectors() public view returns (FuzzSelector[] memory) {
        return _excludedSelectors;
    }
}
