"""Public identifiers that catch their own typos: NZBNs and request references.

Pure functions, no Django, so the CLI, forms, the API and tests share one definition.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date

from stdnum import ean, luhn
from stdnum.exceptions import ValidationError as StdnumError

# Crockford's base 32: no I, L, O or U, so a reference read aloud or handwritten is not
# mistaken for another; those letters are folded to what the reader most likely meant.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_PREFIX = "BX"
_REFERENCE_BODY_LENGTH = 7  # plus one check character: 32**7, about 34 billion references
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
ENTRY_ID_LENGTH = 20  # 100 random bits: nobody can guess another's, nor pick one to suit a ballot's seed


class InvalidIdentifier(ValueError):
    """Raised with a message a person can act on."""


def nzbn_validate(value: str) -> str:
    """Return the NZBN as 13 digits, or raise InvalidIdentifier saying what is wrong.

    An NZBN is a GS1 Global Location Number: 13 digits, the last a GS1 check digit.
    """
    digits = "".join(value.split())
    if not digits.isdigit() or len(digits) != 13:
        raise InvalidIdentifier(
            "An NZBN is 13 digits (it usually starts 94). "
            "Check the number on the NZBN register and enter all 13 digits."
        )
    try:
        ean.validate(digits)
    except StdnumError as exc:
        raise InvalidIdentifier(
            f"NZBN {digits} has a wrong check digit, so it has probably been mistyped. "
            "Check it against the NZBN register and enter it again."
        ) from exc
    return digits


def nzbn_with_check_digit(first_twelve: str) -> str:
    """Complete twelve digits into a valid NZBN (for demo and test data)."""
    return first_twelve + ean.calc_check_digit(first_twelve)


def reference_new() -> str:
    """A fresh random reference such as BX-7K3Q-9D2M; the last character is the check."""
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(_REFERENCE_BODY_LENGTH))
    return _reference_format(body + luhn.calc_check_digit(body, alphabet=REFERENCE_ALPHABET))


def entry_id_new() -> str:
    """A fresh ballot entry id: random, public, and telling nothing about the request or the person."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(ENTRY_ID_LENGTH))


def reference_normalise(value: str) -> str:
    """Return the canonical form of a typed reference, or raise InvalidIdentifier.

    Case, spaces and hyphens do not matter, and O, I and L are read as 0, 1 and 1.
    """
    compact = "".join(ch for ch in value.upper() if ch not in " -\t").translate(_CONFUSABLE)
    full_length = len(REFERENCE_PREFIX) + _REFERENCE_BODY_LENGTH + 1
    if len(compact) == full_length and compact.startswith(REFERENCE_PREFIX):
        compact = compact[len(REFERENCE_PREFIX):]
    if len(compact) != _REFERENCE_BODY_LENGTH + 1 or any(ch not in REFERENCE_ALPHABET for ch in compact):
        raise InvalidIdentifier(
            f"{value!r} is not a request reference: a reference looks like BX-7K3Q-9D2M. "
            "Copy it from the confirmation page or email."
        )
    try:
        luhn.validate(compact, alphabet=REFERENCE_ALPHABET)
    except StdnumError as exc:
        raise InvalidIdentifier(
            f"{value!r} is not a valid reference: its last character does not match, so it has "
            "probably been mistyped. Copy it from the confirmation page or email."
        ) from exc
    return _reference_format(compact)


def _reference_format(compact: str) -> str:
    return f"{REFERENCE_PREFIX}-{compact[:4]}-{compact[4:]}"


def worker_identity(*, passport_number: str, nationality: str, date_of_birth: date, key: bytes) -> str:
    """One keyed hash per person, whoever nominates them: of passport number, nationality and date of birth.

    Keyed (HMAC-SHA256 under the index key, ``lib.sealed.index_key``), because the three are guessable: a plain hash
    of them could be recomputed by trying passport numbers, which would make the hash the passport number again.
    Spaces and letter case in the passport number are not part of who someone is, so they are folded.
    """
    canonical = "|".join((
        "".join(passport_number.split()).upper(), nationality.strip().upper(), date_of_birth.isoformat(),
    ))
    # The purpose is part of what is hashed, so the same key could key another index without the two ever agreeing.
    return hmac.new(key, f"bordercase.worker-identity|{canonical}".encode(), hashlib.sha256).hexdigest()
