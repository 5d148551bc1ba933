"""The log's Merkle tree against the published test vectors of RFC 6962/9162's hashing, and its proofs.

The vectors are those of the Certificate Transparency reference implementation, kept in
github.com/transparency-dev/merkle (testonly/constants.go, rfc6962/rfc6962_test.go, testonly/reference_test.go,
proof/verify_test.go): eight leaves, the tree's root at each size, and inclusion and consistency paths.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bordercase.lib.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

ENTRIES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                      "606162636465666768696a6b6c6d6e6f")]
ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]
H = {name: bytes.fromhex(h) for name, h in {
    "0": "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "1": "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "01": "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "23": "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "4": "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "45": "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "67": "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "0-3": "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4-7": "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
}.items()}
LEAVES = [leaf_hash(entry) for entry in ENTRIES]


def test_the_hashing_is_rfc_6962s() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" == root([]).hex()
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert leaf_hash(b"L123456").hex() == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    assert node_hash(b"N123", b"N456").hex() == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"


@pytest.mark.parametrize("size", range(1, 9))
def test_the_root_at_every_size_is_the_published_one(size: int) -> None:
    assert root(LEAVES[:size]) == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "path"), [
    (0, 1, []), (0, 2, ["1"]), (1, 2, ["0"]), (2, 3, ["01"]), (1, 5, ["0", "23", "4"]),
    (0, 8, ["1", "23", "4-7"]), (5, 8, ["4", "67", "0-3"]),
])
def test_inclusion_paths_are_the_published_ones_and_check(index: int, size: int, path: list[str]) -> None:
    proof = inclusion_proof(LEAVES[:size], index)
    assert proof == [H[name] for name in path]
    assert verify_inclusion(index, size, LEAVES[index], proof, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "path"), [
    (1, 1, []), (1, 8, ["1", "23", "4-7"]), (6, 8, ["45", "67", "0-3"]), (2, 5, ["23", "4"]),
])
def test_consistency_paths_are_the_published_ones_and_check(old: int, new: int, path: list[str]) -> None:
    proof = consistency_proof(LEAVES[:new], old)
    assert proof == [H[name] for name in path]
    assert verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], proof)


def test_a_changed_proof_a_wrong_place_or_a_wrong_root_fails() -> None:
    proof = inclusion_proof(LEAVES, 5)
    assert verify_inclusion(5, 8, LEAVES[5], proof, ROOTS[7])
    flipped = [bytes([proof[0][0] ^ 8]) + proof[0][1:], *proof[1:]]
    some = hashlib.sha256(b"some other hash").digest()
    for index, size, leaf, path, top in [
        (4, 8, LEAVES[5], proof, ROOTS[7]), (6, 8, LEAVES[5], proof, ROOTS[7]), (5, 16, LEAVES[5], proof, ROOTS[7]),
        (5, 4, LEAVES[5], proof, ROOTS[7]), (5, 8, leaf_hash(b"WrongLeaf"), proof, ROOTS[7]),
        (5, 8, LEAVES[5], proof, EMPTY_ROOT), (5, 8, LEAVES[5], [*proof, ROOTS[7]], ROOTS[7]),
        (5, 8, LEAVES[5], [ROOTS[7], *proof], ROOTS[7]), (5, 8, LEAVES[5], proof[:-1], ROOTS[7]),
        (5, 8, LEAVES[5], flipped, ROOTS[7]), (5, 8, LEAVES[5], [proof[0], some, *proof[1:]], ROOTS[7]),
        (5, 8, LEAVES[5], [*proof, b""], ROOTS[7]), (8, 8, LEAVES[5], proof, ROOTS[7]),
    ]:
        assert not verify_inclusion(index, size, leaf, path, top), (index, size)
    grown = consistency_proof(LEAVES, 6)
    assert verify_consistency(6, 8, ROOTS[5], ROOTS[7], grown)
    assert not verify_consistency(6, 8, ROOTS[4], ROOTS[7], grown)  # another old tree
    assert not verify_consistency(6, 8, ROOTS[5], ROOTS[6], grown)  # another new tree
    assert not verify_consistency(5, 8, ROOTS[5], ROOTS[7], grown)
    assert not verify_consistency(6, 8, ROOTS[5], ROOTS[7], grown[:-1])
    assert not verify_consistency(6, 8, ROOTS[5], ROOTS[7], [])
    assert not verify_consistency(8, 6, ROOTS[7], ROOTS[5], grown)


def test_asking_for_an_entry_or_size_the_log_does_not_have_is_refused() -> None:
    with pytest.raises(ValueError, match="no entry 8 in a log of 8"):
        inclusion_proof(LEAVES, 8)
    with pytest.raises(ValueError, match="no earlier size 9"):
        consistency_proof(LEAVES, 9)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70), st.data())
def test_every_entry_is_proved_in_every_later_tree_and_every_tree_extends_every_earlier_one(
    entries: list[bytes], data: st.DataObject
) -> None:
    leaves = [leaf_hash(entry) for entry in entries]
    new = data.draw(st.integers(1, len(leaves)))
    old = data.draw(st.integers(1, new))
    index = data.draw(st.integers(0, new - 1))
    assert verify_inclusion(index, new, leaves[index], inclusion_proof(leaves[:new], index), root(leaves[:new]))
    assert verify_consistency(old, new, root(leaves[:old]), root(leaves[:new]), consistency_proof(leaves[:new], old))
    if old < new:  # a history rewritten before the old size is caught
        changed = [leaf_hash(b"changed"), *leaves[1:new]]
        assert not verify_consistency(old, new, root(leaves[:old]), root(changed), consistency_proof(changed, old))
