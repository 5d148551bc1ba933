"""A v2 round's declaration: everything the draw depends on, fixed and published before anything about it is known.

The declaration binds the scheme and round, the places and caps, the entries (by digest), each holder's commitment
to a secret, and the beacon round to come. It is written in RFC 8785's canonical JSON, so one declaration has one
spelling and one digest, and the seed is drawn from that digest: change any field and the seed changes with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any

import rfc8785

from bordercase.ballot.draw import Caps
from bordercase.ballot.fields import Fields
from bordercase.ballot.files import BallotFileError

PROTOCOL = "bordercase-ballot-v2"
_FIELDS = ("protocol", "scheme", "round", "places", "category_caps", "employer_cap", "entries_sha256",
           "commitments", "beacon", "published_at")
_BEACON_FIELDS = ("network", "chain_hash", "round")
_PUBLISHED_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


@dataclass(frozen=True)
class BeaconRound:
    """The drand round whose randomness the draw will mix in: one published after the declaration."""

    network: str
    chain_hash: str
    round: int


@dataclass(frozen=True)
class Declaration:
    scheme: str
    round: int
    places: int
    category_caps: dict[str, int]
    employer_cap: int | None
    entries_sha256: str
    commitments: tuple[str, ...]  # SHA-256 of each holder's secret, in the order the secrets are mixed in
    beacon: BeaconRound
    published_at: str  # YYYY-MM-DDTHH:MM:SSZ

    @property
    def caps(self) -> Caps:
        return Caps(self.places, dict(self.category_caps), self.employer_cap)

    @property
    def published(self) -> dt.datetime:
        return dt.datetime.strptime(self.published_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)

    def as_json(self) -> dict[str, Any]:
        return {"protocol": PROTOCOL, "scheme": self.scheme, "round": self.round, "places": self.places,
                "category_caps": dict(self.category_caps), "employer_cap": self.employer_cap,
                "entries_sha256": self.entries_sha256, "commitments": list(self.commitments),
                "beacon": {"network": self.beacon.network, "chain_hash": self.beacon.chain_hash,
                           "round": self.beacon.round},
                "published_at": self.published_at}

    def canonical(self) -> bytes:
        """The declaration's one spelling, RFC 8785's: what is published and what its digest is of."""
        return rfc8785.dumps(self.as_json())

    def digest(self) -> bytes:
        return hashlib.sha256(self.canonical()).digest()

    @classmethod
    def from_json(cls, raw: object) -> Declaration:
        """The declaration in this parsed JSON, each field checked for its kind; BallotFileError names a wrong one."""
        fields = Fields(raw, "The declaration", _FIELDS)
        if fields.object("protocol") != PROTOCOL:
            raise BallotFileError(f"The declaration's protocol must be {PROTOCOL!r}, the protocol this verifier "
                                  "checks.")
        beacon = Fields(fields.object("beacon"), "The declaration's beacon", _BEACON_FIELDS)
        published_at = fields.text("published_at")
        if not _PUBLISHED_AT.fullmatch(published_at) or not _a_time(published_at):
            raise BallotFileError("The declaration's published_at must be a UTC time written YYYY-MM-DDTHH:MM:SSZ.")
        return cls(scheme=fields.text("scheme"), round=int(fields.count("round") or 0),
                   places=int(fields.count("places") or 0), category_caps=fields.counts("category_caps"),
                   employer_cap=fields.count("employer_cap", optional=True),
                   entries_sha256=fields.hex("entries_sha256"), commitments=fields.hex_list("commitments"),
                   beacon=BeaconRound(network=beacon.text("network"), chain_hash=beacon.hex("chain_hash"),
                                      round=int(beacon.count("round") or 0)),
                   published_at=published_at)


def utc_text(moment: dt.datetime) -> str:
    """A moment as the declaration writes times: UTC to the second, YYYY-MM-DDTHH:MM:SSZ."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _a_time(text: str) -> bool:
    try:
        dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return True


def seed_of(declaration_digest: bytes, secrets: list[bytes], randomness: bytes) -> bytes:
    """SHA-256(declaration digest ‖ secret₁ ‖ … ‖ secretₙ ‖ beacon randomness), every value its 32 raw bytes."""
    return hashlib.sha256(declaration_digest + b"".join(secrets) + randomness).digest()

