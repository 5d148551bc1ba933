from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bordercase.lib.identifiers import (
    REFERENCE_ALPHABET,
    InvalidIdentifier,
    nzbn_validate,
    nzbn_with_check_digit,
    reference_new,
    reference_normalise,
)


def test_a_real_nzbn_is_accepted() -> None:
    # The check digit of 942904100001 under GS1 mod 10 is 4.
    assert nzbn_validate("9429041000014") == "9429041000014"
    assert nzbn_validate(" 9429 0410 00014 ") == "9429041000014"


@pytest.mark.parametrize("wrong_last", "012356789")
def test_a_wrong_nzbn_check_digit_is_caught(wrong_last: str) -> None:
    with pytest.raises(InvalidIdentifier, match="wrong check digit"):
        nzbn_validate("942904100001" + wrong_last)


@pytest.mark.parametrize("value", ["942904100001", "94290410000141", "94290410000A4", ""])
def test_an_nzbn_that_is_not_13_digits_is_refused(value: str) -> None:
    with pytest.raises(InvalidIdentifier, match="13 digits"):
        nzbn_validate(value)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(0, 11), st.integers(1, 9))
def test_any_single_digit_error_in_an_nzbn_is_caught(first: str, position: int, shift: int) -> None:
    nzbn = nzbn_with_check_digit(first)
    mistyped = nzbn[:position] + str((int(nzbn[position]) + shift) % 10) + nzbn[position + 1 :]
    with pytest.raises(InvalidIdentifier):
        nzbn_validate(mistyped)


def test_a_new_reference_has_the_published_shape_and_validates() -> None:
    reference = reference_new()
    assert len(reference) == 12 and reference[:3] == "BX-" and reference[7] == "-"
    assert all(ch in REFERENCE_ALPHABET for ch in reference[3:].replace("-", ""))
    assert reference_normalise(reference) == reference


def test_a_typed_reference_is_read_generously() -> None:
    reference = reference_new()
    typed = reference.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert reference_normalise(typed) == reference
    assert reference_normalise(reference[3:].replace("-", "")) == reference


@given(st.integers(0, 7), st.integers(1, 31))
def test_any_single_character_error_in_a_reference_is_caught(position: int, shift: int) -> None:
    reference = reference_new()
    body = reference[3:].replace("-", "")
    wrong = REFERENCE_ALPHABET[(REFERENCE_ALPHABET.index(body[position]) + shift) % 32]
    mistyped = body[:position] + wrong + body[position + 1 :]
    with pytest.raises(InvalidIdentifier, match="mistyped"):
        reference_normalise(mistyped)


@pytest.mark.parametrize("value", ["BX-7K3Q", "BX-7K3Q-9D2M-X", "BX-UUUU-UUUU", "hello"])
def test_something_that_is_not_a_reference_is_refused(value: str) -> None:
    with pytest.raises(InvalidIdentifier, match="looks like BX-"):
        reference_normalise(value)
