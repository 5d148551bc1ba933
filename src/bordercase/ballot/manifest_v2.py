"""A v2 round's manifest, published with its results, and checking the round from its files alone, offline.

The manifest carries the declaration as published, every holder's secret, and the beacon round's signature. From
those and the two files anyone can check, without trusting bordercase or reaching the network: that the
declaration is the one whose digest was drawn from, that each secret is the one its holder committed to, that the
beacon is the network's own for the declared round and was published only after the declaration, that the
entries are the declared ones, that the seed is what the protocol makes of them, and that the draw gives the
results. Places and caps come from the declaration.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, BinaryIO

import rfc8785

from bordercase.ballot.beacon import NETWORKS, BeaconError
from bordercase.ballot.declaration import Declaration, seed_of, utc_text
from bordercase.ballot.draw import ALGORITHM, draw_file
from bordercase.ballot.fields import Fields, parsed_json
from bordercase.ballot.files import BallotFileError
from bordercase.ballot.keys import Progress
from bordercase.ballot.manifest import compare_results, digest_mismatch, sha256_hex

_FIELDS = ("algorithm", "declaration", "declaration_sha256", "secrets", "beacon", "seed", "results_sha256",
           "drawn_at")
_BEACON_FIELDS = ("network", "chain_hash", "round", "signature", "randomness")


@dataclass(frozen=True)
class DrawnBeacon:
    network: str
    chain_hash: str
    round: int
    signature: str  # hexadecimal, as the network published it
    randomness: str  # SHA-256 of the signature, hexadecimal


@dataclass(frozen=True)
class ManifestV2:
    declaration: Declaration
    declaration_sha256: str
    secrets: tuple[str, ...]
    beacon: DrawnBeacon
    seed: str
    results_sha256: str
    drawn_at: str
    algorithm: str = ALGORITHM

    def as_json(self) -> dict[str, Any]:
        return {"algorithm": self.algorithm, "declaration": self.declaration.as_json(),
                "declaration_sha256": self.declaration_sha256, "secrets": list(self.secrets),
                "beacon": {"network": self.beacon.network, "chain_hash": self.beacon.chain_hash,
                           "round": self.beacon.round, "signature": self.beacon.signature,
                           "randomness": self.beacon.randomness},
                "seed": self.seed, "results_sha256": self.results_sha256, "drawn_at": self.drawn_at}

    def to_json(self) -> bytes:
        """Canonical, as the declaration is: one manifest, one spelling, one digest."""
        return rfc8785.dumps(self.as_json())

    @classmethod
    def from_json(cls, data: bytes) -> ManifestV2:
        """The manifest in these bytes, every field checked for its kind: BallotFileError names a wrong one."""
        return cls.from_parsed(parsed_json(data))

    @classmethod
    def from_parsed(cls, raw: object) -> ManifestV2:
        fields = Fields(raw, "The manifest", _FIELDS)
        beacon = Fields(fields.object("beacon"), "The manifest's beacon", _BEACON_FIELDS)
        # The signature is read as text here: whether it is one is the beacon check's to say, with its own message.
        return cls(algorithm=fields.text("algorithm"), declaration=Declaration.from_json(fields.object("declaration")),
                   declaration_sha256=fields.hex("declaration_sha256"), secrets=fields.hex_list("secrets"),
                   beacon=DrawnBeacon(network=beacon.text("network"), chain_hash=beacon.text("chain_hash"),
                                      round=int(beacon.count("round") or 0), signature=beacon.text("signature"),
                                      randomness=beacon.text("randomness")),
                   seed=fields.hex("seed"), results_sha256=fields.hex("results_sha256"),
                   drawn_at=fields.text("drawn_at"))


def draw_v2(declaration: Declaration, secrets: list[bytes], signature: str, entries: bytes, drawn_at: str,
            progress: Progress | None = None) -> tuple[ManifestV2, bytes]:
    """Draw a declared round: its manifest and its results file. Raises BeaconError for a signature that is not
    the declared round's, and ValueError for a secret that is not its holder's."""
    if [hashlib.sha256(s).hexdigest() for s in secrets] != list(declaration.commitments):
        raise ValueError("Every holder's secret is needed, each matching its commitment, in the declared order.")
    network = NETWORKS[declaration.beacon.network]
    randomness = network.randomness(declaration.beacon.round, signature)
    digest = declaration.digest()
    seed = seed_of(digest, secrets, randomness)
    results = b"".join(draw_file(entries, declaration.caps, seed, progress))
    beacon = DrawnBeacon(network=network.name, chain_hash=network.chain_hash, round=declaration.beacon.round,
                         signature=signature, randomness=randomness.hex())
    manifest = ManifestV2(declaration=declaration, declaration_sha256=digest.hex(),
                          secrets=tuple(s.hex() for s in secrets), beacon=beacon, seed=seed.hex(),
                          results_sha256=sha256_hex(results), drawn_at=drawn_at)
    return manifest, results


def beacon_check(declaration: Declaration, beacon: DrawnBeacon) -> tuple[list[str], bytes | None]:
    """What is wrong with the beacon the round drew with, and its randomness when nothing is."""
    declared = declaration.beacon
    network = NETWORKS.get(declared.network)
    if network is None:
        return [f"The declaration names beacon network {declared.network!r}; this verifier checks "
                f"{', '.join(NETWORKS)}."], None
    problems = []
    if declared.chain_hash != network.chain_hash or beacon.chain_hash != network.chain_hash:
        problems.append(f"The beacon's chain hash is not {network.name}'s {network.chain_hash}: the declaration "
                        f"says {declared.chain_hash}, the manifest's beacon {beacon.chain_hash}.")
    if (beacon.network, beacon.round) != (declared.network, declared.round):
        problems.append(f"The manifest's beacon is {beacon.network} round {beacon.round}; the declaration named "
                        f"{declared.network} round {declared.round}.")
    if network.round_unix(declared.round) <= declaration.published.timestamp():
        problems.append(f"Beacon round {declared.round} was due at {utc_text(network.round_time(declared.round))}, "
                        f"before the declaration was published at {declaration.published_at}: its randomness could "
                        "have been known when the round was declared.")
    try:
        randomness = network.randomness(beacon.round, beacon.signature)
    except BeaconError as exc:
        return [*problems, str(exc)], None
    if beacon.randomness != randomness.hex():
        problems.append(f"The manifest's beacon randomness is not SHA-256 of its signature ({randomness.hex()}).")
    return problems, (randomness if not problems else None)


def verify_v2(manifest: ManifestV2, entries: bytes, results: bytes | BinaryIO, progress: Progress | None = None,
              workers: int = 1) -> list[str]:
    """Every way the round fails to check, each saying which check failed and why; empty when all hold."""
    declaration = manifest.declaration
    problems = []
    if manifest.algorithm != ALGORITHM:
        problems.append(f"The manifest names algorithm {manifest.algorithm!r}; this verifier runs {ALGORITHM}.")
    digest = declaration.digest()
    if digest.hex() != manifest.declaration_sha256:
        problems.append(f"The declaration is not the one published: its RFC 8785 digest is {digest.hex()}, the "
                        f"manifest's declaration_sha256 is {manifest.declaration_sha256}.")
    secrets = [bytes.fromhex(s) for s in manifest.secrets]  # hexadecimal of 32 bytes each, as read
    if len(secrets) != len(declaration.commitments):
        problems.append(f"The manifest gives {len(secrets)} secrets for the declaration's "
                        f"{len(declaration.commitments)} commitments: every holder's secret is needed.")
    for n, (secret, committed) in enumerate(zip(secrets, declaration.commitments, strict=False), start=1):
        if hashlib.sha256(secret).hexdigest() != committed:
            problems.append(f"Secret {n} does not match commitment {n} of the declaration: its SHA-256 is "
                            f"{hashlib.sha256(secret).hexdigest()}, the commitment is {committed}.")
    beacon_problems, randomness = beacon_check(declaration, manifest.beacon)
    problems.extend(beacon_problems)
    problems += digest_mismatch("entries", entries, declaration.entries_sha256, given_by="declaration")
    problems += digest_mismatch("results", results, manifest.results_sha256)
    if randomness is None:
        return problems
    seed = seed_of(digest, secrets, randomness)
    if seed.hex() != manifest.seed:
        problems.append("The seed is not SHA-256(declaration digest ‖ secrets ‖ beacon randomness): that gives "
                        f"{seed.hex()}, the manifest says {manifest.seed}.")
    try:
        problems.extend(compare_results(draw_file(entries, declaration.caps, seed, progress, workers), results))
    except BallotFileError as exc:
        problems.append(str(exc))
    return problems
