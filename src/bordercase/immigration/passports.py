"""Passports' machine-readable zone (ICAO Doc 9303): check digits, and the second line of a passport's MRZ.

Pure. A person types their passport number and expiry from the photo page, where a slip is easy; the MRZ's check
digits catch it. The second line of a passport's MRZ (TD3, 44 characters) holds the number, nationality, date of
birth and expiry, each with a check digit, and a composite check digit over them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_WEIGHTS = (7, 3, 1)
_LINE = re.compile(r"^[A-Z0-9<]{44}$")


class MrzError(ValueError):
    """The MRZ line is not one a passport could carry; the message says which part and what to do."""


def _value(char: str) -> int:
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    if char == "<":
        return 0
    raise MrzError(f"{char!r} cannot appear in a machine-readable zone: it holds only A-Z, 0-9 and <.")


def check_digit(field: str) -> str:
    """The ICAO 9303 check digit of a field: each character's value weighted 7, 3, 1 in turn, modulo 10."""
    return str(sum(_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(field)) % 10)


@dataclass(frozen=True)
class PassportLine:
    """What the second MRZ line of a passport says."""

    number: str
    nationality: str
    date_of_birth: dt.date
    expiry: dt.date


def _date(text: str, what: str, *, expiry: bool) -> dt.date:
    # Two-digit years: an expiry is in this century; a birth date is in the last hundred years.
    try:
        year, month, day = int(text[:2]), int(text[2:4]), int(text[4:6])
        this_year = dt.date.today().year % 100
        century = 2000 if expiry or year <= this_year else 1900
        return dt.date(century + year, month, day)
    except ValueError as exc:
        raise MrzError(f"The {what} in the MRZ, {text!r}, is not a date (YYMMDD): check the line.") from exc


def parse_passport_line(line: str) -> PassportLine:
    """The second MRZ line of a passport, with every check digit checked; ``MrzError`` names the part that fails."""
    line = line.strip().upper().replace(" ", "")
    if not _LINE.match(line):
        raise MrzError("The second line of the machine-readable zone is 44 characters of A-Z, 0-9 and <: copy "
                       "it from the bottom of the photo page, with every <.")
    number, nationality, born, expiry = line[0:9], line[10:13], line[13:19], line[21:27]
    for field, digit, what in ((number, line[9], "passport number"), (born, line[19], "date of birth"),
                               (expiry, line[27], "expiry date")):
        if check_digit(field) != digit:
            raise MrzError(f"The {what}'s check digit in the MRZ does not match: a character is mistyped. Check "
                           "the line against the passport.")
    personal, personal_digit = line[28:42], line[42]
    # An empty personal number may carry < or 0 as its check digit.
    if not (set(personal) == {"<"} and personal_digit in "<0") and check_digit(personal) != personal_digit:
        raise MrzError("The personal number's check digit in the MRZ does not match: a character is mistyped. "
                       "Check the line against the passport.")
    composite = line[0:10] + line[13:20] + line[21:43]
    if check_digit(composite) != line[43]:
        raise MrzError("The MRZ line's final check digit does not match: a character is mistyped. Check the line "
                       "against the passport.")
    return PassportLine(number.rstrip("<"), nationality.rstrip("<"), _date(born, "date of birth", expiry=False),
                        _date(expiry, "expiry date", expiry=True))


def passport_line(number: str, nationality: str, born: dt.date, expiry: dt.date, *, sex: str = "M",
                  personal: str = "") -> str:
    """The second MRZ line a passport with these details carries, check digits and all: the inverse of the parser.

    The demo fills in its workers' passports with it, so what they give agrees as a real passport's would.
    """
    padded, country, personal_field = number.ljust(9, "<"), nationality.ljust(3, "<"), personal.ljust(14, "<")
    birth, ends = f"{born:%y%m%d}", f"{expiry:%y%m%d}"
    line = (padded + check_digit(padded) + country + birth + check_digit(birth) + sex + ends + check_digit(ends)
            + personal_field + (check_digit(personal_field) if personal else "<"))
    return line + check_digit(line[0:10] + line[13:20] + line[21:43])
