"""bordercase-ballot-v2: a declaration fixed before the beacon, every holder's secret, a drand beacon checked offline,
and a verifier that names each thing wrong with a round, whatever its files hold."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from bordercase.ballot import Caps, Entry, Status, draw, entries_csv, results_csv, sha256_hex
from bordercase.ballot.beacon import QUICKNET, BeaconError
from bordercase.ballot.declaration import PROTOCOL, BeaconRound, Declaration, seed_of
from bordercase.ballot.files import BallotFileError
from bordercase.ballot.manifest_v2 import ManifestV2, draw_v2, verify_v2
from bordercase.ballot.odds import odds, self_tests

# Real quicknet rounds and the chain's public information, from the League of Entropy (tests/data/drand).
DRAND = json.loads((Path(__file__).parent / "data" / "drand" / "quicknet.json").read_text())
EARLY, LATER = DRAND["rounds"][0], DRAND["rounds"][1]  # rounds 1000 (2023-08-23) and 657413 (2023-09-15)
HOLDERS = [bytes(range(32)), bytes(range(32, 64))]  # the administrator's secret and one observer's
POOL = [Entry(f"E{i:04d}", 1 + i % 3, f"w{i % 70}", f"c{i % 2}", f"org{i % 7}") for i in range(90)]


def declared(**changes: Any) -> Declaration:
    entries = entries_csv(POOL)
    declaration = Declaration(
        scheme="tech-class-2022", round=2, places=20, category_caps={"c1": 8}, employer_cap=4,
        entries_sha256=sha256_hex(entries), commitments=tuple(hashlib.sha256(s).hexdigest() for s in HOLDERS),
        beacon=BeaconRound("drand-quicknet", QUICKNET.chain_hash, LATER["round"]), published_at="2023-09-15T10:00:00Z")
    return dataclasses.replace(declaration, **changes)


# --- the declaration and the seed ------------------------------------------------------------------------------------


def test_the_declaration_is_rfc_8785_json_with_every_field_and_one_spelling() -> None:
    declaration = declared()
    text = declaration.canonical()
    assert text == rfc8785.dumps(json.loads(text))  # canonical: parsing and writing again changes nothing
    assert list(json.loads(text)) == sorted(json.loads(text))  # keys in order, no spaces
    assert b" " not in text.replace(b"tech-class-2022", b"")
    assert json.loads(text) == {
        "protocol": PROTOCOL, "scheme": "tech-class-2022", "round": 2, "places": 20, "category_caps": {"c1": 8},
        "employer_cap": 4, "entries_sha256": sha256_hex(entries_csv(POOL)),
        "commitments": [hashlib.sha256(s).hexdigest() for s in HOLDERS],
        "beacon": {"network": "drand-quicknet", "chain_hash": QUICKNET.chain_hash, "round": 657413},
        "published_at": "2023-09-15T10:00:00Z"}
    assert Declaration.from_json(json.loads(text)) == declaration


@pytest.mark.parametrize("change", [
    {"places": 21}, {"category_caps": {"c1": 9}}, {"employer_cap": None}, {"round": 3}, {"scheme": "other"},
    {"published_at": "2023-09-15T10:00:01Z"}, {"commitments": ("00" * 32, "11" * 32)},
    {"beacon": BeaconRound("drand-quicknet", QUICKNET.chain_hash, 657414)}, {"entries_sha256": "ab" * 32},
])
def test_every_field_of_the_declaration_moves_its_digest_and_so_the_seed(change: dict[str, Any]) -> None:
    randomness = bytes.fromhex(LATER["randomness"])
    assert declared(**change).digest() != declared().digest()
    assert seed_of(declared(**change).digest(), HOLDERS, randomness) != seed_of(declared().digest(), HOLDERS,
                                                                                randomness)


def test_the_worked_example_of_docs_ballot_md() -> None:
    # docs/ballot.md walks through this round: the digest, the seed and the first ranks are given there.
    declaration = declared()
    manifest, results = draw_v2(declaration, HOLDERS, LATER["signature"], entries_csv(POOL), "2023-09-15T11:00:10Z")
    randomness = hashlib.sha256(bytes.fromhex(LATER["signature"])).digest()
    assert randomness.hex() == LATER["randomness"]
    seed = hashlib.sha256(declaration.digest() + HOLDERS[0] + HOLDERS[1] + randomness).digest()
    assert manifest.seed == seed.hex()
    assert results == results_csv(draw(POOL, Caps(20, {"c1": 8}, 4), seed))
    documented = (Path(__file__).parents[1] / "docs" / "ballot.md").read_text()
    for value in (declaration.digest().hex(), seed.hex(), *results.decode().splitlines()[1:4]):
        assert value in documented, value


# --- the beacon ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("published", DRAND["rounds"])
def test_a_real_quicknet_round_checks_and_gives_its_randomness(published: dict[str, Any]) -> None:
    assert QUICKNET.chain_hash == DRAND["chain"]["chain_hash"]
    assert QUICKNET.public_key == DRAND["chain"]["public_key"]
    assert QUICKNET.randomness(published["round"], published["signature"]).hex() == published["randomness"]


def test_the_rounds_time_is_genesis_plus_a_period_a_round() -> None:
    assert QUICKNET.round_time(1).timestamp() == DRAND["chain"]["genesis_time"]
    assert QUICKNET.round_time(LATER["round"]).isoformat() == "2023-09-15T11:00:03+00:00"
    moment = QUICKNET.round_time(LATER["round"])
    assert QUICKNET.round_at(moment) == LATER["round"] + 1  # the first round due after it


@pytest.mark.parametrize(("round_number", "signature", "words"), [
    (LATER["round"], EARLY["signature"], "is not drand-quicknet's for round 657413"),
    (EARLY["round"] + 1, EARLY["signature"], "is not drand-quicknet's for round 1001"),
    (EARLY["round"], EARLY["signature"][:-2], "48 bytes in lower-case hexadecimal"),
    (EARLY["round"], EARLY["signature"].upper(), "48 bytes in lower-case hexadecimal"),
    (EARLY["round"], "zz" * 48, "48 bytes in lower-case hexadecimal"),
    (EARLY["round"], "", "48 bytes in lower-case hexadecimal"),
    (EARLY["round"], "00" * 48, "does not check against the network's public key"),
    (0, EARLY["signature"], "rounds are numbered from 1"),
    (2**64, EARLY["signature"], "rounds are numbered from 1"),
])
def test_a_signature_that_is_not_the_rounds_is_refused_saying_why(round_number: int, signature: str,
                                                                   words: str) -> None:
    with pytest.raises(BeaconError, match=words):
        QUICKNET.randomness(round_number, signature)


# --- verifying a drawn round from its files -----------------------------------------------------------------------


def drawn_round(tmp_path: Path, declaration: Declaration | None = None,
                signature: str = LATER["signature"]) -> tuple[Path, Path, Path]:
    entries = entries_csv(POOL)
    manifest, results = draw_v2(declaration or declared(), HOLDERS, signature, entries, "2023-09-15T11:00:10Z")
    paths = tmp_path / "manifest.json", tmp_path / "entries.csv", tmp_path / "results.csv"
    for path, data in zip(paths, (manifest.to_json(), entries, results), strict=True):
        path.write_bytes(data)
    return paths


def ballot(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from bordercase.cli import main; main()", "ballot", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def problems_of(paths: tuple[Path, Path, Path]) -> list[str]:
    manifest, entries, results = (p.read_bytes() for p in paths)
    return verify_v2(ManifestV2.from_json(manifest), entries, results)


def test_verify_accepts_a_v2_round_with_nothing_but_its_files(tmp_path: Path) -> None:
    done = ballot("verify", *drawn_round(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK: round 2 of tech-class-2022 (bordercase-ballot-v2)")
    assert "each of the 2 secrets matches its commitment" in done.stdout


def _edit(path: Path, change: Any) -> None:
    manifest = json.loads(path.read_bytes())
    change(manifest)
    path.write_bytes(rfc8785.dumps(manifest))


@pytest.mark.parametrize(("change", "words"), [
    (lambda m: m["declaration"].update(places=600), "The declaration is not the one published"),
    (lambda m: m["declaration"].update(employer_cap=None), "The declaration is not the one published"),
    (lambda m: m["secrets"].__setitem__(1, "ee" * 32),
     "Secret 2 does not match commitment 2 of the declaration"),
    (lambda m: m["secrets"].pop(), "gives 1 secrets for the declaration's 2 commitments"),
    (lambda m: m["beacon"].update(signature=EARLY["signature"]),
     "The beacon signature is not drand-quicknet's for round 657413"),
    (lambda m: m["beacon"].update(round=1000, signature=EARLY["signature"]),
     "The manifest's beacon is drand-quicknet round 1000; the declaration named drand-quicknet round 657413"),
    (lambda m: m["beacon"].update(randomness="00" * 32), "The manifest's beacon randomness is not SHA-256"),
    (lambda m: m.update(seed="00" * 32), "The seed is not SHA-256(declaration digest ‖ secrets ‖ beacon randomness)"),
])
def test_verify_rejects_each_change_to_the_manifest_and_says_which(tmp_path: Path, change: Any, words: str) -> None:
    paths = drawn_round(tmp_path)
    _edit(paths[0], change)
    done = ballot("verify", *paths)
    assert done.returncode == 1 and done.stdout == ""
    assert words in done.stderr, done.stderr


def test_a_beacon_round_due_before_the_declaration_was_published_is_refused(tmp_path: Path) -> None:
    # Round 1000 was public on 2023-08-23: a declaration published after it could have been made to suit it.
    late = declared(beacon=BeaconRound("drand-quicknet", QUICKNET.chain_hash, EARLY["round"]))
    problems = problems_of(drawn_round(tmp_path, late, EARLY["signature"]))
    assert problems == ["Beacon round 1000 was due at 2023-08-23T15:59:24Z, before the declaration was published "
                        "at 2023-09-15T10:00:00Z: its randomness could have been known when the round was declared."]


def test_a_changed_entries_file_or_result_is_refused_naming_it(tmp_path: Path) -> None:
    paths = drawn_round(tmp_path)
    original = paths[1].read_bytes()
    paths[1].write_bytes(original.replace(b"E0007,2,", b"E0007,3,", 1))
    assert "The entries file is not the one declared" in problems_of(paths)[0]
    paths[1].write_bytes(original)
    rows = paths[2].read_bytes().split(b"\n")
    rows[1], rows[2] = rows[2].replace(b"2,", b"1,", 1), rows[1].replace(b"1,", b"2,", 1)
    paths[2].write_bytes(b"\n".join(rows))
    found = problems_of(paths)
    assert found[0].startswith("The results file is not the one published")
    assert "The results differ from a re-run of the draw at rank 1" in found[1]


def test_drawing_needs_every_holders_secret_and_the_declared_rounds_signature() -> None:
    with pytest.raises(ValueError, match="Every holder's secret is needed"):
        draw_v2(declared(), HOLDERS[:1], LATER["signature"], entries_csv(POOL), "2023-09-15T11:00:10Z")
    with pytest.raises(BeaconError, match="not drand-quicknet's for round 657413"):
        draw_v2(declared(), HOLDERS, EARLY["signature"], entries_csv(POOL), "2023-09-15T11:00:10Z")


# --- whatever the manifest holds -----------------------------------------------------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                  max_size=3), max_leaves=6)
PATHS = [("algorithm",), ("declaration",), ("declaration_sha256",), ("secrets",), ("beacon",), ("seed",),
         ("results_sha256",), ("drawn_at",), ("beacon", "round"), ("beacon", "signature"), ("beacon", "chain_hash"),
         ("declaration", "places"), ("declaration", "category_caps"), ("declaration", "employer_cap"),
         ("declaration", "commitments"), ("declaration", "beacon"), ("declaration", "published_at"),
         ("declaration", "round"), ("declaration", "protocol"), ("declaration", "beacon", "round")]


@settings(max_examples=150, deadline=None)
@given(where=st.sampled_from(PATHS), value=JSON)
def test_any_value_in_any_field_is_refused_with_a_message_or_checked(where: tuple[str, ...], value: Any) -> None:
    entries = entries_csv(POOL)
    manifest, results = draw_v2(declared(), HOLDERS, LATER["signature"], entries, "2023-09-15T11:00:10Z")
    raw = manifest.as_json()
    holder = raw
    for name in where[:-1]:
        holder = holder[name]
    holder[where[-1]] = value
    try:
        read = ManifestV2.from_json(json.dumps(raw).encode())
    except BallotFileError as exc:
        assert str(exc).startswith("The ")
        return
    problems = verify_v2(read, entries, results)
    assert all(isinstance(p, str) and p for p in problems)


# --- the chances before the draw, and the self-tests after ------------------------------------------------------


def test_without_caps_or_weights_the_chances_are_exact_places_over_workers() -> None:
    pool = [Entry(f"E{i:02d}", 1, f"w{i}", "c1" if i < 4 else "c2", "org1") for i in range(9)]
    pool.append(Entry("E09", 1, "w0", "c2", "org2"))  # worker w0 entered twice: nine workers in ten entries
    found = odds(pool, Caps(3), seed=b"declaration")
    assert found.exact and found.draws == 0 and found.margin == 0
    assert found.chance["E05"] == pytest.approx(3 / 9)
    assert found.chance["E00"] == found.chance["E09"] == pytest.approx(3 / 9 / 2)
    assert sum(found.chance.values()) == pytest.approx(3)
    assert found.per_employer == pytest.approx({"org1": 3 - 3 / 18, "org2": 3 / 18})
    assert odds(pool, Caps(20), seed=b"x").chance["E05"] == 1.0


def test_the_simulated_chances_are_those_of_the_draw_itself() -> None:
    # Weights and caps: the estimate must agree with the real HMAC draw run over many seeds.
    pool = [Entry(f"E{i}", 1 + i % 3, f"w{i % 6}", "c1" if i % 2 else "c2", f"org{i % 3}") for i in range(8)]
    caps = Caps(3, {"c1": 1}, 2)
    estimate = odds(pool, caps, seed=b"declaration", draws=4000)
    assert not estimate.exact and estimate.draws == 4000 and 0 < estimate.margin < 0.02
    drawn = Counter(r.entry_id for seed in seeds(1500) for r in draw(pool, caps, seed)
                    if r.status == Status.SELECTED)
    for entry in pool:
        # Both estimates have sampling error: within the sum of their 95% margins, and a little more.
        assert drawn[entry.entry_id] / 1500 == pytest.approx(estimate.chance[entry.entry_id], abs=0.045)
    assert sum(estimate.per_category.values()) == pytest.approx(3)
    assert estimate.per_category["c1"] <= 1
    assert odds(pool, caps, seed=b"declaration", draws=4000) == estimate  # the same seed, the same estimate


def test_a_fair_draw_passes_its_self_tests_and_a_steered_one_is_flagged() -> None:
    pool = [Entry(f"E{i:03d}", 1 + i % 2, f"w{i}", f"c{i % 3}", f"org{i % 10}") for i in range(300)]
    caps = Caps(60)
    chance = odds(pool, caps, seed=b"d", draws=2000).chance
    weeks = {e.entry_id: f"2022-W{10 + int(e.entry_id[1:]) // 100}" for e in pool}
    fair = {r.entry_id for r in draw(pool, caps, bytes(32)) if r.status == Status.SELECTED}
    tests = self_tests(pool, fair, chance, weeks)
    assert [t.name for t in tests] == ["lodgement week", "category", "employer size", "weight"]
    assert not any(t.failed for t in tests), [(t.name, t.p_value) for t in tests]
    early = {e.entry_id for e in pool[:60]}  # every place to the first week's entries
    steered = {t.name: t for t in self_tests(pool, early, chance, weeks)}
    assert steered["lodgement week"].failed and steered["lodgement week"].p_value < 1e-6
    assert steered["employer size"].p_value is None  # every employer has 30 entries: one group, nothing to compare


def seeds(count: int) -> list[bytes]:
    return [hashlib.sha256(f"seed {i}".encode()).digest() for i in range(count)]
