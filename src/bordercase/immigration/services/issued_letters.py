"""Letters anyone can check: every PDF letter bordercase sends carries a verification code and a QR code of its public
page (``web:letter-check``), which shows what the letter decided and its SHA-256, and says whether a PDF uploaded
there is the letter as it was sent.

``letter_issue`` is the one way a letter is made: the code first, then the PDF laid out with it, then the record
of the PDF's digest (``IssuedLetter``), in the caller's transaction; the transparency log makes the record a leaf
in that same transaction (``transparency.letters``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import replace

from django.urls import reverse
from django.utils import timezone

from bordercase.cases.models import Request
from bordercase.immigration import letters
from bordercase.immigration.models import IssuedLetter
from bordercase.lib.email import absolute_url

# Digits and capitals without the look-alikes: no 0 or O, no 1, I or L, no U (read as V). 30 symbols, 12 of them
# drawn at random: 58.9 bits, beyond guessing at any rate the page answers.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
GROUP = 4
# A letter is some tens of kilobytes; a file much larger cannot be one, and is refused before it is hashed.
LETTER_MAX_BYTES = 2 * 1024 * 1024

Kind = IssuedLetter.Kind
ForWhom = IssuedLetter.ForWhom


def code_new() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def code_shown(code: str) -> str:
    """The code grouped for reading and typing, as the letter prints it: K7Q2-M9XD-4HTR."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")


def code_read(typed: str) -> str | None:
    """The code in what someone typed or scanned (any case, with or without hyphens or spaces); None if it cannot
    be one."""
    if len(typed) > 4 * CODE_LENGTH:  # read nothing long, whatever it holds
        return None
    code = _SEPARATORS.sub("", typed).upper()
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def letter_by_code(typed: str) -> IssuedLetter | None:
    code = code_read(typed)
    if code is None:
        return None
    return IssuedLetter.objects.select_related("request").filter(code=code).first()


def letter_check_url(code: str) -> str:
    return absolute_url(reverse("web:letter-check", kwargs={"code": code_shown(code)}))


def letter_issue(*, request: Request, kind: str, for_whom: str, decided: str,
                 letter: letters.Letter) -> tuple[IssuedLetter, bytes]:
    """Lay ``letter`` out with a new verification code and its QR code, and record the PDF's SHA-256: the record
    and the PDF to send, which must be sent as it is. Call it inside the transaction that decides what the letter
    says, so the letter, its leaf in the log and the decision commit or roll back together.
    """
    # Two letters drawing the same code among 2^58.9 is too unlikely to look for first; the unique column refuses
    # it all the same.
    code = code_new()
    content = letters.render(replace(letter, check=letters.Check(code=code_shown(code),
                                                                 url=letter_check_url(code))))
    issued = IssuedLetter.objects.create(code=code, kind=kind, for_whom=for_whom, request=request, decided=decided,
                                         sha256=hashlib.sha256(content).hexdigest(), issued_at=timezone.now())
    return issued, content


def letter_matches(letter: IssuedLetter, chunks: Iterable[bytes]) -> bool:
    """Whether the file read in ``chunks`` is the letter exactly as it was sent."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return hmac.compare_digest(digest.hexdigest(), letter.sha256)
