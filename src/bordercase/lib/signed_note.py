"""Signed notes (C2SP signed-note) with Ed25519, and the transparency log checkpoints (C2SP tlog-checkpoint) they
carry: the formats Go's checksum database and Certificate Transparency's tiled logs use, so that tools made for
those can keep and check bordercase's checkpoints too.

A note is UTF-8 text ending in a line break, a blank line, then one line for each signature:
``— <key name> <base64(key id ‖ signature)>``. The signature covers the text, its last line break included. A key
is known by its name and id, the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), and is shared as
``<name>+<hex id>+<base64(0x01 ‖ public key)>``. A checkpoint's text is the log's origin, the tree's size in
decimal and its root hash in base64, a line each.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

_ED25519 = b"\x01"
_DASH = "\u2014 "
_PRIVATE = "PRIVATE+KEY+"


class NoteError(ValueError):
    """A note, key or checkpoint that is malformed or whose signature does not check; the message says which."""


def _name_check(name: str) -> str:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"A key's name is not empty and has no spaces or '+': {name!r} is not one.")
    return name


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + _ED25519 + public).digest()[:4]


def _public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Signer:
    name: str
    key: Ed25519PrivateKey

    @classmethod
    def from_text(cls, text: str) -> Signer:
        """A signer from its private key as Go's note package writes it: ``PRIVATE+KEY+<name>+<hex id>+<base64>``."""
        parts = text.strip().removeprefix(_PRIVATE).split("+", 2)  # base64 may hold a '+' too
        if not text.strip().startswith(_PRIVATE) or len(parts) != 3:
            raise NoteError("A signing key reads PRIVATE+KEY+<name>+<hex id>+<base64 key>.")
        name, _, encoded = parts
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise NoteError("The signing key's last part is not base64.") from exc
        if len(raw) != 33 or raw[:1] != _ED25519:
            raise NoteError("The signing key is not an Ed25519 key (0x01 and 32 bytes).")
        signer = cls(_name_check(name), Ed25519PrivateKey.from_private_bytes(raw[1:]))
        if text.strip() != signer.text():
            raise NoteError("The signing key's id is not the one its name and key give.")
        return signer

    @classmethod
    def generate(cls, name: str) -> Signer:
        return cls(_name_check(name), Ed25519PrivateKey.generate())

    @property
    def public(self) -> bytes:
        return _public_bytes(self.key.public_key())

    def text(self) -> str:
        seed = self.key.private_bytes_raw()
        return f"{_PRIVATE}{self.name}+{key_id(self.name, self.public).hex()}+" \
               f"{base64.b64encode(_ED25519 + seed).decode()}"

    def verifier_key(self) -> str:
        """The key as others keep it to check notes: ``<name>+<hex id>+<base64(0x01 ‖ public key)>``."""
        return f"{self.name}+{key_id(self.name, self.public).hex()}+{base64.b64encode(_ED25519 + self.public).decode()}"

    def sign(self, text: str) -> str:
        """The note: the text, a blank line and this key's signature line."""
        if not text.endswith("\n") or "\n\n" in text:
            raise NoteError("A note's text ends in a line break and has no blank line.")
        signature = self.key.sign(text.encode())
        blob = base64.b64encode(key_id(self.name, self.public) + signature).decode()
        return f"{text}\n{_DASH}{self.name} {blob}\n"


@dataclass(frozen=True)
class Verifier:
    name: str
    id: bytes
    key: Ed25519PublicKey

    @classmethod
    def from_text(cls, text: str) -> Verifier:
        parts = text.strip().split("+", 2)  # base64 may hold a '+' too
        if len(parts) != 3:
            raise NoteError("A verifier key reads <name>+<hex id>+<base64 key>.")
        name, hex_id, encoded = parts
        try:
            identity, raw = bytes.fromhex(hex_id), base64.b64decode(encoded, validate=True)
        except (ValueError, binascii.Error) as exc:
            raise NoteError("A verifier key's id is 8 hexadecimal digits and its key base64.") from exc
        if len(identity) != 4 or len(raw) != 33 or raw[:1] != _ED25519:
            raise NoteError("A verifier key holds an Ed25519 key: a 4-byte id, then 0x01 and 32 bytes.")
        if key_id(_name_check(name), raw[1:]) != identity:
            raise NoteError("The verifier key's id is not the one its name and key give.")
        return cls(name, identity, Ed25519PublicKey.from_public_bytes(raw[1:]))

    def open(self, note: str) -> str:
        """The note's text, if it carries this key's good signature; else NoteError saying what is wrong."""
        text, blank, signatures = note.rpartition("\n\n")
        if not blank or not note.endswith("\n"):
            raise NoteError("A signed note is its text, a blank line and its signature lines.")
        text += "\n"
        for line in signatures.removesuffix("\n").split("\n"):
            name, _, blob = line.removeprefix(_DASH).partition(" ")
            if not line.startswith(_DASH) or not blob:
                raise NoteError(f"{line!r} is not a signature line: '— <key name> <base64 signature>'.")
            try:
                raw = base64.b64decode(blob, validate=True)
            except binascii.Error as exc:
                raise NoteError(f"The signature of {name!r} is not base64.") from exc
            if name != self.name or raw[:4] != self.id:
                continue  # another key's: not ours to judge
            try:
                self.key.verify(raw[4:], text.encode())
            except InvalidSignature as exc:
                raise NoteError(f"The signature of {name} does not match the note: it was changed, or signed by "
                                "another key.") from exc
            return text
        raise NoteError(f"The note has no signature by {self.name} (key id {self.id.hex()}).")


@dataclass(frozen=True)
class Checkpoint:
    """A log's size and root hash at one moment, as its origin states them."""

    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or not lines[1].isdigit() or not lines[1].isascii() or lines[1] != str(int(lines[1])):
            raise NoteError("A checkpoint reads: its origin, the tree's size in decimal, its root hash in base64.")
        try:
            root = base64.b64decode(lines[2], validate=True)
        except binascii.Error as exc:
            raise NoteError("A checkpoint's root hash is base64.") from exc
        if len(root) != 32:
            raise NoteError("A checkpoint's root hash is 32 bytes.")
        return cls(lines[0], int(lines[1]), root)
