"""Questions a scheme asks, and the checking of answers against them.

Every problem is reported as an ``AnswerError`` naming the field, the rule it breaks and what to
do instead, and all of them are reported at once so a person can fix a form in one go.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

import pycountry

from bordercase.policy import bounds

QUESTION_TYPES = ("text", "number", "money", "date", "yes_no", "choice", "multi_choice", "anzsco", "person", "people")


class AnswerError(NamedTuple):
    field: str
    rule: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": self.message}


class InvalidAnswers(ValueError):
    def __init__(self, errors: list[AnswerError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Question:
    name: str
    type: str
    label: str
    hint: str = ""
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()  # (value, label)
    options_from: str = ""  # a parameter whose current list gives the options
    allow_other: bool = False
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    integer: bool = False
    max_length: int = 500
    item: str = "person"  # what one entry of a `people` list is called, in messages and form legends

    def lowest(self) -> Decimal:
        """The smallest figure a number or money answer may be: the question's own, or the outer bound."""
        if self.minimum is not None:
            return self.minimum
        return Decimal(0) if self.type == "money" else -bounds.NUMBER_MAXIMUM

    def highest(self) -> Decimal:
        """The largest figure a number or money answer may be: the question's own, or the outer bound."""
        return self.maximum if self.maximum is not None else bounds.default_maximum(self.type)


def _shown(value: Any) -> str:
    """A bad answer quoted back, cut short: the person needs to recognise it, not to read a megabyte of it."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}…"


class _Bad(Exception):
    def __init__(self, rule: str, message: str) -> None:
        self.rule, self.message = rule, message


def _text(q: Question, value: Any, known: Callable[[str], bool] | None) -> str:
    if not isinstance(value, str):
        raise _Bad("type", "must be text: put the answer in quotes")
    text: str = value.strip()
    if not text:
        raise _Bad("required", f"is empty: enter {q.label.lower()}")
    if len(text) > q.max_length:
        raise _Bad("max_length", f"is {len(text):,} characters long: shorten it to {q.max_length:,} or fewer")
    return text


def _number(q: Question, value: Any, known: Callable[[str], bool] | None) -> Decimal | int:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise _Bad("type", "must be a number, such as 120000")
    text = str(value).replace(",", "").strip()
    # Checked on the text, before any arithmetic, so a figure of hundreds of digits costs nothing and is not echoed.
    if len(text) > bounds.NUMBER_TEXT_MAX_LENGTH:
        raise _Bad("maximum", f"has {len(text):,} characters, more than any real figure: check it")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _Bad("type", f"{_shown(value)} is not a number: give digits only, such as 120000") from None
    if not number.is_finite():
        raise _Bad("type", f"{_shown(value)} is not a number: give digits only, such as 120000")
    minimum, maximum = q.lowest(), q.highest()
    if number < minimum:
        rule = "not_negative" if minimum == 0 else "minimum"
        raise _Bad(rule, f"is {number}, below the lowest allowed, {minimum}: check the figure")
    if number > maximum:
        raise _Bad("maximum", f"is {number}, above the highest allowed, {maximum}: check the figure")
    if q.integer:
        if number != number.to_integral_value():
            raise _Bad("whole_number", f"is {number}: give a whole number")
        return int(number)
    if q.type == "money" and number.as_tuple().exponent < -2:  # type: ignore[operator]
        raise _Bad("cents", f"is {number}: give dollars and at most two digits of cents")
    return number


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_read(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
        raise _Bad("date_format", f"{_shown(value)} is not a date written as YYYY-MM-DD, such as 2022-02-18")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise _Bad("real_date", f"{value} is not a date that exists: check the day and the month") from None


def _date(q: Question, value: Any, known: Callable[[str], bool] | None) -> dt.date:
    day = _date_read(value)
    problem = bounds.date_problem(day)
    if problem:
        raise _Bad(*problem)
    return day


def _yes_no(q: Question, value: Any, known: Callable[[str], bool] | None) -> bool:
    if not isinstance(value, bool):
        raise _Bad("type", "must be true or false")
    return value


def _choice(q: Question, value: Any, known: Callable[[str], bool] | None) -> str:
    allowed = [v for v, _ in q.options]
    if value not in allowed:
        raise _Bad("choice", f"{_shown(value)} is not one of the choices: use one of {', '.join(allowed)}")
    return str(value)


def _multi_choice(q: Question, value: Any, known: Callable[[str], bool] | None) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Bad("type", 'must be a list of names, such as ["Summer of Tech"], or [] for none')
    chosen = tuple(dict.fromkeys(v.strip() for v in value if v.strip()))
    if not q.allow_other:
        allowed = {v for v, _ in q.options}
        unknown = [v for v in chosen if v not in allowed]
        if unknown:
            raise _Bad("choice", f"{', '.join(map(_shown, unknown))} is not one of the choices: use "
                                 f"{', '.join(sorted(allowed))}")
    return chosen


_OCCUPATION_CODE = re.compile(r"\d{4}(\d{2})?")


def _anzsco(q: Question, value: Any, known: Callable[[str], bool] | None) -> str:
    code = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else None
    if code is None or not _OCCUPATION_CODE.fullmatch(code):
        raise _Bad("anzsco_format",
                   f"{_shown(value)} is not an ANZSCO code: give a 6-digit occupation or 4-digit unit group")
    if known is not None and not known(code):
        raise _Bad("anzsco_known", f"{code} is not in ANZSCO 2013 (version 1.2): check the code, or give job_title")
    return code


PERSON_FIELDS = ("given_names", "family_name", "date_of_birth", "nationality")


def _person(q: Question, value: Any, known: Callable[[str], bool] | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Bad("type", f"must be a person: an object with {', '.join(PERSON_FIELDS)}")
    # Spaces alone are no more a name than an empty string is.
    missing = [f for f in PERSON_FIELDS if not value.get(f) or (isinstance(value[f], str) and not value[f].strip())]
    if missing:
        raise _Bad("person_fields", f"is missing {', '.join(missing)}: give every one of {', '.join(PERSON_FIELDS)}")
    unknown = sorted(set(value) - set(PERSON_FIELDS))
    if unknown:
        raise _Bad("person_fields",
                   f"has {', '.join(map(_shown, unknown))}, which a person does not have here: remove it")
    names = {}
    for part in ("given_names", "family_name"):
        try:
            names[part] = _text(q, value[part], None)
        except _Bad as bad:
            raise _Bad(bad.rule, f"has a {part} that {bad.message}") from None
    try:
        born = _date_read(value["date_of_birth"])
    except _Bad as bad:
        raise _Bad(bad.rule, f"has an unusable date_of_birth: {bad.message}") from None
    problem = bounds.date_of_birth_problem(born, dt.date.today())
    if problem:
        raise _Bad(problem[0], f"has a date_of_birth that {problem[1]}: check the year")
    nationality = str(value["nationality"]).strip().upper()
    if pycountry.countries.get(alpha_3=nationality) is None:
        raise _Bad("nationality", f"has nationality {_shown(value['nationality'])}, which is not a country code: use "
                                  "ISO 3166 alpha-3, such as NZL or GBR")
    return {**names, "date_of_birth": born, "nationality": nationality}


def _people(q: Question, value: Any, known: Callable[[str], bool] | None) -> tuple[dict[str, Any], ...]:
    if not isinstance(value, list):
        raise _Bad("type", "must be a list of people, each with " + ", ".join(PERSON_FIELDS) + ", or [] for none")
    if q.maximum is not None and len(value) > q.maximum:
        raise _Bad("maximum", f"has {len(value)} entries: the most allowed is {q.maximum.normalize():f}")
    people = []
    for number, person in enumerate(value, start=1):
        try:
            people.append(_person(q, person, known))
        except _Bad as bad:
            # The position lets a form (or a person reading the API's answer) find the entry to fix.
            raise _Bad(bad.rule, f"{q.item} {number} {bad.message}") from None
    return tuple(people)


CHECKS: dict[str, Callable[[Question, Any, Callable[[str], bool] | None], Any]] = {
    "text": _text, "number": _number, "money": _number, "date": _date, "yes_no": _yes_no, "choice": _choice,
    "multi_choice": _multi_choice, "anzsco": _anzsco, "person": _person, "people": _people,
}


@dataclass(frozen=True)
class AnswerRule:
    """A rule across answers: ``exactly_one_of`` or ``at_most_one_of`` a group of questions."""

    kind: str
    names: tuple[str, ...]


def check_answers(
    scheme_id: str, questions: Mapping[str, Question], rules: tuple[AnswerRule, ...], answers: Any,
    anzsco_known: Callable[[str], bool] | None = None, *, partial: bool = False,
) -> dict[str, Any]:
    """Typed answers, or ``InvalidAnswers`` listing every problem.

    ``partial`` checks only the answers given, for a draft that is still being filled in.
    """
    if not isinstance(answers, dict):
        raise InvalidAnswers([AnswerError("answers", "type", "must be an object of answer names and values")])
    errors: list[AnswerError] = []
    typed: dict[str, Any] = {}
    for name, value in answers.items():
        question = questions.get(name)
        if question is None:
            # A name no question has is named back cut short, so a megabyte of key is not sent back whole.
            shown = name if len(name) <= 100 else f"{name[:97]}…"
            errors.append(AnswerError(shown, "unknown", f"is not a question of {scheme_id}: the questions are "
                                                        f"{', '.join(questions)}"))
            continue
        if value is None:
            continue
        try:
            typed[name] = CHECKS[question.type](question, value, anzsco_known)
        except _Bad as bad:
            errors.append(AnswerError(name, bad.rule, bad.message))
    for name, question in questions.items():
        if question.required and not partial and answers.get(name) is None:
            errors.append(AnswerError(name, "required", f"is missing: answer '{question.label}'"))
    for rule in rules:
        given = [n for n in rule.names if answers.get(n) is not None]
        if rule.kind == "exactly_one_of" and (len(given) > 1 or (not given and not partial)):
            message = "give one of these, not both" if given else "is missing: give one of these"
            errors.append(AnswerError(" or ".join(rule.names), rule.kind, message))
        elif rule.kind == "at_most_one_of" and len(given) > 1:
            errors.append(AnswerError(" or ".join(rule.names), rule.kind, "give one of these, not both"))
    if errors:
        raise InvalidAnswers(errors)
    return typed
