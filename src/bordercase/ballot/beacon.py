"""The public randomness a v2 round mixes in: a round of the League of Entropy's drand quicknet, checked offline.

Every quicknet round is a BLS signature by the network's threshold key on the round number, so anyone holding the
network's public key can check that a signature is that round's and nobody else's; its randomness is the SHA-256
of the signature. Nobody, the network's members included, can know a round's signature before the round's time.
The checking itself is drand-verify's (BLS12-381, scheme bls-unchained-g1-rfc9380).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import drand_verify

from bordercase.ballot.fields import hex_bytes

SIGNATURE_BYTES = 48  # a compressed point on G1


class BeaconError(ValueError):
    """A beacon round's signature that is not the network's for that round, with what is wrong."""


@dataclass(frozen=True)
class Network:
    """A drand chain as the network publishes it at /<chain_hash>/info."""

    name: str
    chain_hash: str
    public_key: str  # hexadecimal, on G2
    scheme: str
    genesis_time: int  # Unix seconds
    period_seconds: int

    def round_unix(self, round_number: int) -> int:
        """When the network publishes the round, in Unix seconds: genesis + (round - 1) * period."""
        return self.genesis_time + (round_number - 1) * self.period_seconds

    def round_time(self, round_number: int) -> dt.datetime:
        """When the network publishes the round. Raises OverflowError for a round due after the year 9999."""
        try:
            return dt.datetime.fromtimestamp(self.round_unix(round_number), tz=dt.UTC)
        except (ValueError, OSError) as exc:
            raise OverflowError(f"Round {round_number} is not due before the year 10000.") from exc

    def round_at(self, moment: dt.datetime) -> int:
        """The first round published after ``moment``."""
        return max(1, int((moment.timestamp() - self.genesis_time) // self.period_seconds) + 2)

    def round_url(self, round_number: int) -> str:
        """Where the network's HTTP API gives the round's signature."""
        return f"https://api.drand.sh/{self.chain_hash}/public/{round_number}"

    def randomness(self, round_number: int, signature: str) -> bytes:
        """The round's randomness, SHA-256 of its signature, once the signature checks against the network's key.

        Raises BeaconError saying why it does not: not hexadecimal, not a point of the curve, or another round's
        or another network's signature.
        """
        # Checked here first: drand-verify aborts with a panic, not an error, on a signature that is not hexadecimal.
        signed = hex_bytes(signature, SIGNATURE_BYTES)
        if signed is None:
            raise BeaconError(f"The beacon signature must be {SIGNATURE_BYTES} bytes in lower-case hexadecimal "
                              f"({2 * SIGNATURE_BYTES} characters 0-9 and a-f), as the network publishes it.")
        if not 1 <= round_number < 2**64:
            raise BeaconError(f"Beacon round {round_number} does not exist: rounds are numbered from 1.")
        try:
            drand_verify.verify_quicknet(round_number, signature, self.public_key)
        except ValueError as exc:
            raise BeaconError(f"The beacon signature is not {self.name}'s for round {round_number}: it does not "
                              f"check against the network's public key ({exc}).") from None
        return hashlib.sha256(signed).digest()


# Published by the network at https://api.drand.sh/52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971/info
QUICKNET = Network(
    name="drand-quicknet",
    chain_hash="52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    public_key=("83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec"
                "758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a"),
    scheme="bls-unchained-g1-rfc9380",
    genesis_time=1692803367,
    period_seconds=3,
)
NETWORKS = {QUICKNET.name: QUICKNET}
