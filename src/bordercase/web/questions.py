"""A scheme's questions as one GOV.UK form, built from the question definitions (never a template per scheme).

Each question becomes a ``Block``: the Django fields it needs and the template kind that draws it. A date is
three inputs (day, month, year); a person is given names, family name, date of birth and a nationality select;
``people`` is a fixed number of person rows (``PEOPLE_ROWS``, or the question's ``maximum`` if lower), since a
page without JavaScript cannot add rows: rows left empty are ignored, so "none" is every row empty.

Posted values become answers in the shape ``Scheme.check`` accepts, and the policy's own check (``partial``:
a required question left empty can be saved and answered later) decides what is wrong. Each problem is put on
the question it names, on the input to fix first (so the error summary's link lands there), and worded with
the question's label rather than the policy's internal names.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import pycountry
from django import forms
from django.core.exceptions import ValidationError

from bordercase.policy import bounds
from bordercase.policy.answers import AnswerError, InvalidAnswers, Question
from bordercase.policy.anzsco import anzsco
from bordercase.policy.scheme import Scheme as Policy
from bordercase.web.dates import PARTS, DateUnreadable, date_typed
from bordercase.web.forms import COUNTRIES

PEOPLE_ROWS = 6
SKIPPED = frozenset({"lodged_on"})  # set by bordercase at lodging: the rules in force that day apply
_KNOWN_COUNTRIES = frozenset(code for code, _ in COUNTRIES)
_PERSON_PARTS = ("given_names", "family_name", "day", "month", "year", "nationality")


class _Unreadable(Exception):
    """A value that cannot become an answer (such as 31 February), with the inputs to mark and the row it is in."""

    def __init__(self, message: str, parts: list[str] | None = None, row: int | None = None) -> None:
        super().__init__(message)
        self.message, self.parts, self.row = message, parts or [], row


class _AnyChoices(forms.MultipleChoiceField):
    """Checkboxes whose values the policy checks, so that one posted value it refuses gets the policy's words."""

    def validate(self, value: Any) -> None:
        return None


@dataclass
class Row:
    """One person of a ``people`` question: its legend ("Child 2"), bound fields and its own errors."""

    legend: str
    fields: list[forms.BoundField]
    errors: list[str] = field(default_factory=list)


@dataclass
class Block:
    """One question on the page. ``kind`` picks the template branch; ``names`` are its fields, first one first."""

    question: Question
    kind: str  # input, textarea, number, money, date, radios, checkboxes, person, people
    names: list[str]
    label: str
    choices: list[tuple[str, str]] = field(default_factory=list)  # radios, checkboxes; countries for persons
    rows: list[tuple[str, list[str]]] = field(default_factory=list)  # people: (legend, field names)
    errors: list[str] = field(default_factory=list)  # shown under the question's label or legend
    bad: set[str] = field(default_factory=set)  # names of the fields whose inputs are marked in error
    fields: list[forms.BoundField] = field(default_factory=list)
    people: list[Row] = field(default_factory=list)

    @property
    def first(self) -> str:
        return self.names[0]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or any(row.errors for row in self.people))

    @property
    def limit(self) -> str:
        """The most characters a long text answer may have, as the character count's hint shows it."""
        return f"{self.question.max_length:,}"

    @property
    def inputmode(self) -> str:
        # GOV.UK: "numeric" for whole numbers; "decimal" where a decimal point is allowed (cents), so phones show it.
        return "numeric" if self.question.integer else "decimal"


def _label(q: Question) -> str:
    return q.label if q.required else f"{q.label} (optional)"


def _text(**kwargs: Any) -> forms.CharField:
    # Limits and formats are the policy's to check, so that every message is in its terms, never Django's.
    return forms.CharField(required=False, strip=True, **kwargs)


class QuestionsForm(forms.Form):
    """``QuestionsForm(policy, answers, data=None, as_at=None)``: the scheme's questions, filled from ``answers``.

    ``blocks`` are the questions in the scheme's order (``lodged_on`` left out). After ``is_valid()``,
    ``answers()`` gives the answers given, ready to store and to pass to ``policy.check``.

    The answers are checked as a draft's are (a required question may still be empty) unless ``complete``, when
    they are checked in full, as lodging would check them.
    """

    complete: bool = False

    def __init__(self, policy: Policy, answers: dict[str, Any], data: Any = None, as_at: dt.date | None = None
                 ) -> None:
        super().__init__(data=data)
        self.policy, self.as_at = policy, as_at
        self.blocks: list[Block] = [self._add(q, answers.get(q.name)) for q in policy.questions.values()
                                    if q.name not in SKIPPED]
        self._owner = {name: block for block in self.blocks for name in block.names}
        self._by_question = {block.question.name: block for block in self.blocks}
        for block in self.blocks:
            block.fields = [self[n] for n in block.names]
            block.people = [Row(legend, [self[n] for n in names]) for legend, names in block.rows]
        self._answers: dict[str, Any] | None = None

    # --- building ---------------------------------------------------------------------------------------------

    def _add(self, q: Question, saved: Any) -> Block:
        name, label = q.name, _label(q)
        if q.type in {"text", "anzsco"}:
            long = q.type == "text" and q.max_length > 200
            self.fields[name] = _text(label=label, help_text=q.hint, widget=forms.Textarea if long else None)
            self.initial[name] = saved if isinstance(saved, str) else None
            return Block(q, "textarea" if long else "input", [name], label)
        if q.type in {"number", "money"}:
            self.fields[name] = _text(label=label, help_text=q.hint)
            self.initial[name] = None if saved is None else str(saved)
            return Block(q, q.type, [name], label)
        if q.type == "date":
            return Block(q, "date", self._date_fields(name, saved), label)
        if q.type == "yes_no":
            self.fields[name] = _text(label=label, help_text=q.hint)
            self.initial[name] = {True: "yes", False: "no"}.get(saved) if isinstance(saved, bool) else None
            return Block(q, "radios", [name], label, choices=[("yes", "Yes"), ("no", "No")])
        if q.type == "choice":
            self.fields[name] = _text(label=label, help_text=q.hint)
            self.initial[name] = saved
            return Block(q, "radios", [name], label, choices=list(q.options))
        if q.type == "multi_choice":
            return self._checkboxes(q, label, saved)
        if q.type == "person":
            return Block(q, "person", self._person_fields(name, saved), label, choices=COUNTRIES)
        if q.type == "people":
            people = [p for p in saved if isinstance(p, dict)] if isinstance(saved, list) else []
            limit = PEOPLE_ROWS if q.maximum is None else min(PEOPLE_ROWS, int(q.maximum))
            rows = [(f"{q.item.capitalize()} {i}",
                     self._person_fields(f"{name}-{i}", people[i - 1] if i <= len(people) else None))
                    for i in range(1, max(limit, len(people)) + 1)]
            return Block(q, "people", [n for _, row in rows for n in row], label, choices=COUNTRIES, rows=rows)
        raise ValueError(f"Question {name} has a type the form cannot draw: {q.type}")

    def _checkboxes(self, q: Question, label: str, saved: Any) -> Block:
        options = self.policy.options(q, self.as_at)
        known = {v for v, _ in options}
        chosen = [v for v in saved if isinstance(v, str)] if isinstance(saved, list) else []
        self.fields[q.name] = _AnyChoices(required=False, label=label, help_text=q.hint, choices=options)
        self.initial[q.name] = [v for v in chosen if v in known]
        names = [q.name]
        if q.allow_other:
            self.fields[f"{q.name}-other"] = _text(label="Any others, one on each line", widget=forms.Textarea)
            self.initial[f"{q.name}-other"] = "\n".join(v for v in chosen if v not in known)
            names.append(f"{q.name}-other")
        return Block(q, "checkboxes", names, label, choices=options)

    def _date_fields(self, prefix: str, saved: Any) -> list[str]:
        day = _as_date(saved)
        names = [f"{prefix}-day", f"{prefix}-month", f"{prefix}-year"]
        for part_name, label, value in zip(names, ("Day", "Month", "Year"),
                                           (day.day, day.month, day.year) if day else (None,) * 3, strict=True):
            self.fields[part_name] = _text(label=label)
            self.initial[part_name] = value
        return names

    def _person_fields(self, prefix: str, saved: Any) -> list[str]:
        person = saved if isinstance(saved, dict) else {}
        self.fields[f"{prefix}-given_names"] = _text(label="Given names")
        self.fields[f"{prefix}-family_name"] = _text(label="Family name")
        self.initial[f"{prefix}-given_names"] = person.get("given_names")
        self.initial[f"{prefix}-family_name"] = person.get("family_name")
        dates = self._date_fields(prefix, person.get("date_of_birth"))
        self.fields[f"{prefix}-nationality"] = _text(label="Nationality")
        self.initial[f"{prefix}-nationality"] = str(person.get("nationality") or "").upper() or None
        return [f"{prefix}-given_names", f"{prefix}-family_name", *dates, f"{prefix}-nationality"]

    # --- reading ----------------------------------------------------------------------------------------------

    def add_error(self, field: str | None, error: Any) -> None:
        """As Django's, but an error on a question (or any of its inputs) is also shown with that question."""
        block = self._by_question.get(field) if field not in self.fields else self._owner.get(field)
        if block is None or isinstance(error, dict):
            super().add_error(field, error)
            return
        target = field if field is not None and field in self.fields else block.first
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        super().add_error(target, error)
        block.errors.extend(messages)
        block.bad.add(target)

    def _problem(self, block: Block, message: str, parts: list[str] | None = None, row: int | None = None) -> None:
        marked = parts or _default_marks(block)
        super().add_error(marked[0] if marked else block.first, message)
        block.bad.update(marked)
        if row is None:
            block.errors.append(message)
        else:
            block.people[row].errors.append(message)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        answers: dict[str, Any] = {}
        for block in self.blocks:
            if block.has_errors:
                continue  # Django already refused one of its inputs
            try:
                value = self._read(block, data)
            except _Unreadable as exc:
                self._problem(block, exc.message, exc.parts, exc.row)
                continue
            if value is not None:
                answers[block.question.name] = value
        # A question already refused (unreadable, or by Django) has its message: the policy's "answer it" would be
        # a second about the same box.
        refused = {block.question.name for block in self.blocks if block.has_errors}
        try:
            self.policy.check(answers, partial=not self.complete)
        except InvalidAnswers as exc:
            for error in exc.errors:
                if not refused.intersection(error.field.split(" or ")):
                    self._policy_problem(error, answers)
        if not self.errors:
            self._answers = answers
        return data

    def answers(self) -> dict[str, Any]:
        """The answers given, JSON-ready; a question left empty is left out (to a draft: remove its answer)."""
        if self._answers is None or self.errors:
            raise ValueError("answers() is for a valid form: call is_valid() first.")
        return dict(self._answers)

    def _policy_problem(self, error: AnswerError, answers: dict[str, Any]) -> None:
        named = error.field.split(" or ")
        block = self._by_question.get(named[0])
        if block is None:  # a question this page does not show, so nobody here can fix it
            super().add_error(None, error.message)
            return
        if len(named) > 1:
            labels = [_lower_first(self.policy.questions[n].label) for n in named if n in self.policy.questions]
            verb = "Enter" if error.rule == "exactly_one_of" and not any(n in answers for n in named) else "Give"
            message = (f"{verb} the {labels[0]} or the {labels[1]}" if verb == "Enter"
                       else f"Give either the {' or the '.join(labels)}, not both")
            self._problem(block, message)
            return
        self._problem(block, _plain(block.question, error, answers.get(block.question.name), self._either(named[0])))

    def _either(self, name: str) -> str:
        """The label of the question one may give instead of ``name``, if an answer rule pairs them."""
        for rule in self.policy.answer_rules:
            if name in rule.names:
                others = [n for n in rule.names if n != name and n in self.policy.questions]
                if others:
                    return _lower_first(self.policy.questions[others[0]].label)
        return ""

    def _read(self, block: Block, data: dict[str, Any]) -> Any:
        q, name = block.question, block.question.name
        if block.kind in {"input", "textarea"}:
            return data.get(name) or None
        if block.kind in {"money", "number"}:
            return _number(data.get(name) or "", q)
        if block.kind == "date":
            value = _date(data, name, _Sayer(q.label))
            return value.isoformat() if value else None
        if block.kind == "radios":
            value = data.get(name) or None
            if q.type != "yes_no" or value is None:
                return value
            if value not in {"yes", "no"}:
                raise _Unreadable(_Sayer(q.label).say("must be yes or no", "Select yes or no"))
            return value == "yes"
        if block.kind == "checkboxes":
            other = (data.get(f"{name}-other") or "").splitlines()
            chosen = [*data.get(name, []), *(line.strip() for line in other if line.strip())]
            return chosen or None
        if block.kind == "person":
            return self._person(data, name, q, q.label)
        people, unreadable = [], []
        for index, (legend, names) in enumerate(block.rows):
            try:
                person = self._person(data, names[0].removesuffix("-given_names"), q, legend)
            except _Unreadable as exc:
                exc.row = index
                unreadable.append(exc)
                continue
            if person is not None:
                people.append(person)
        # Every child's problem at once, not only the first child's.
        for exc in unreadable[1:]:
            self._problem(block, exc.message, exc.parts, exc.row)
        if unreadable:
            raise unreadable[0]
        return people or None

    def _person(self, data: dict[str, Any], prefix: str, q: Question, who: str) -> dict[str, Any] | None:
        """One person's answer from its inputs; None when every input is empty."""
        if not any(str(data.get(f"{prefix}-{p}") or "").strip() for p in _PERSON_PARTS):
            return None
        person: dict[str, Any] = {p: data[f"{prefix}-{p}"] for p in ("given_names", "family_name", "nationality")
                                  if data.get(f"{prefix}-{p}")}
        born = _date(data, prefix, _Sayer(f"{who}: date of birth", statement=True))
        if born is not None:
            person["date_of_birth"] = born.isoformat()
        missing = [(key, text) for key, text in (("given_names", "given names"), ("family_name", "family name"),
                                                 ("date_of_birth", "date of birth"), ("nationality", "nationality"))
                   if key not in person]
        if missing:
            parts = [f"{prefix}-{'day' if key == 'date_of_birth' else key}" for key, _ in missing]
            texts = [text for _, text in missing]
            listed = " and ".join([", ".join(texts[:-1]), texts[-1]] if len(texts) > 1 else texts)
            raise _Unreadable(f"{who}: enter the {listed}, or leave every box for this person empty", parts)
        person["nationality"] = person["nationality"].upper()
        if person["nationality"] not in _KNOWN_COUNTRIES:
            raise _Unreadable(f"{who}: choose a nationality from the list", [f"{prefix}-nationality"])
        # The policy decides what else a person must be (born in the past, names not too long), in its words.
        as_people = {q.name: [person] if q.type == "people" else person}
        try:
            self.policy.check(as_people, partial=True)
        except InvalidAnswers as exc:
            raise _person_problem(exc.errors[0], who, prefix, q) from None
        return person


# --- messages ---------------------------------------------------------------------------------------------------


class _Sayer:
    """GOV.UK error wording from a label: "Annual salary must be a number" for a statement label, and
    "How many months is the role for? Enter a number" for a question label, which cannot take "must"."""

    def __init__(self, label: str, *, statement: bool = False) -> None:
        self.label, self.question = label, label.rstrip().endswith("?") and not statement

    def say(self, must: str, instruction: str) -> str:
        return f"{self.label} {instruction}" if self.question else f"{self.label} {must}"


def _lower_first(label: str) -> str:
    """ "Job title" becomes "job title" for the middle of a sentence; "ANZSCO code" keeps its capitals."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def _figure(number: Decimal | None) -> str:
    return f"{(number or Decimal(0)).normalize():,f}"


def _plain(q: Question, error: AnswerError, value: Any, either: str) -> str:
    """The policy's finding about one answer, in the question's words and saying what to do."""
    say = _Sayer(q.label).say
    rule = error.rule
    if rule == "max_length":
        length = len(value.strip()) if isinstance(value, str) else 0
        return say(f"must be {q.max_length:,} characters or fewer: it is {length:,}",
                   f"Enter {q.max_length:,} characters or fewer: you entered {length:,}")
    if rule in {"minimum", "not_negative"}:
        lowest = _figure(q.lowest())
        return say(f"must be {lowest} or more", f"Enter {lowest} or more")
    if rule == "maximum" and q.type == "people":
        return f"{q.label}: give at most {_figure(q.maximum)}"
    if rule == "maximum":
        highest = _figure(q.highest())
        return say(f"must be {highest} or less", f"Enter {highest} or less")
    if rule == "whole_number":
        return say("must be a whole number, like 6", "Enter a whole number, like 6")
    if rule == "cents":
        return say("must have no more than 2 digits after the decimal point, like 120000.50",
                   "Enter no more than 2 digits after the decimal point, like 120000.50")
    if rule == "date_range":
        first, last = bounds.EARLIEST_DATE.year, bounds.LATEST_DATE.year
        return say(f"must have a year from {first} to {last}", f"Enter a year from {first} to {last}")
    if rule == "anzsco_format":
        return say("must be a 6-digit occupation code or a 4-digit unit group, like 261313 or 2613",
                   "Enter a 6-digit occupation code or a 4-digit unit group, like 261313 or 2613")
    if rule == "anzsco_known":
        instead = f", or leave it empty and enter the {either}" if either else ""
        return say(f"must be in ANZSCO 2013 (version 1.2): check the code{instead}",
                   f"Enter a code in ANZSCO 2013 (version 1.2): check the code{instead}")
    if rule == "choice":
        return say("must be one of the options given", "Select one of the options given")
    if rule == "required":
        return say("must be answered", "Answer this question")
    # A rule this page cannot break (the inputs rule it out): the policy's own words are the best there are.
    return f"{q.label} {error.message}" if q.label.endswith("?") else f"{q.label}: {error.message}"


def _person_problem(error: AnswerError, who: str, prefix: str, q: Question) -> _Unreadable:
    if error.rule in bounds.DATE_OF_BIRTH_RULES:
        return _Unreadable(f"{who}: date of birth {bounds.DATE_OF_BIRTH_RULES[error.rule]}",
                           [f"{prefix}-{p}" for p in ("day", "month", "year")])
    if error.rule == "max_length":
        part = "given_names" if "given_names" in error.message else "family_name"
        return _Unreadable(f"{who}: {part.replace('_', ' ')} must be {q.max_length:,} characters or fewer",
                           [f"{prefix}-{part}"])
    return _Unreadable(f"{who}: {error.message}", [f"{prefix}-given_names"])


def _default_marks(block: Block) -> list[str]:
    """The inputs to mark when a problem is about the whole answer: none for radios and checkboxes (GOV.UK)."""
    if block.kind in {"radios", "checkboxes", "person", "people"}:
        return []
    return list(block.names)


# --- converting posted text -------------------------------------------------------------------------------------

_MONEY_NOISE = re.compile(r"(?i)nz\$|\$|,|\s")
_PLAIN_NUMBER = re.compile(r"-?(\d+|\d*\.\d+)")


def _number(text: str, q: Question) -> Any:
    cleaned = _MONEY_NOISE.sub("", text)
    if not cleaned:
        return None
    if not _PLAIN_NUMBER.fullmatch(cleaned):  # also refuses 1e5, which Decimal would read but a person did not mean
        example = "120000" if q.type == "money" else "12"
        raise _Unreadable(_Sayer(q.label).say(f"must be a number, like {example}", f"Enter a number, like {example}"))
    number = Decimal(cleaned)
    # Whole numbers are stored as JSON numbers; cents keep their exact digits as text, for the policy to check.
    return int(number) if number == number.to_integral_value() else cleaned


def _date(data: dict[str, Any], prefix: str, say: _Sayer) -> dt.date | None:
    names = {part: f"{prefix}-{part}" for part in PARTS}
    try:
        return date_typed(*(str(data.get(names[part]) or "") for part in PARTS))
    except DateUnreadable as exc:
        raise _Unreadable(say.say(f"must {exc.must}", exc.enter), [names[part] for part in exc.parts]) from None


def _as_date(saved: Any) -> dt.date | None:
    if isinstance(saved, dt.date):
        return saved
    try:
        return dt.date.fromisoformat(saved) if isinstance(saved, str) else None
    except ValueError:
        return None


# --- showing answers ------------------------------------------------------------------------------------------


def _money(value: Any) -> str:
    try:
        number = Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    return f"NZ${number:,.2f}".removesuffix(".00")


def _number_shown(value: Any) -> str:
    try:
        number = Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return str(value)
    return f"{number.normalize():,f}" if number.is_finite() else str(value)


def _show_date(value: Any) -> str:
    day = _as_date(value)
    return f"{day.day} {day:%B %Y}" if day else str(value)


def _show_person(person: Any) -> str:
    if not isinstance(person, dict):
        return str(person)
    country = pycountry.countries.get(alpha_3=str(person.get("nationality", "")).upper())
    parts = [f"{person.get('given_names', '')} {person.get('family_name', '')}".strip()]
    if person.get("date_of_birth"):
        parts.append(f"born {_show_date(person['date_of_birth'])}")
    if country:
        parts.append(country.name)
    return ", ".join(p for p in parts if p)


def display(q: Question, value: Any) -> str:
    """An answer as a person reads it on check your answers; several lines are joined with newlines."""
    if q.type == "money":
        return _money(value)
    if q.type == "number":
        return _number_shown(value)
    if q.type == "date":
        return _show_date(value)
    if q.type == "yes_no":
        return {True: "Yes", False: "No"}.get(value, str(value))
    if q.type == "choice":
        return dict(q.options).get(value, str(value))
    if q.type == "multi_choice":
        return "\n".join(str(v) for v in value) if isinstance(value, list) and value else "None"
    if q.type == "anzsco":
        return anzsco().describe(str(value)) if anzsco().known(str(value)) else str(value)
    if q.type == "person":
        return _show_person(value)
    if q.type == "people":
        if not isinstance(value, list):
            return str(value)  # an answer from before the question was a list: shown as it is, never hidden
        return "\n".join(_show_person(p) for p in value) if value else "None"
    return str(value)


def answer_rows(policy: Policy, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Check-your-answers rows in the scheme's order: ``name``, ``label``, ``value`` (text to show, lines
    separated by newlines) and ``missing`` (a required question with no answer)."""
    rows = []
    for q in policy.questions.values():
        if q.name in SKIPPED:
            continue
        value = answers.get(q.name)
        if value is None:
            rows.append({"name": q.name, "label": q.label, "value": "Not given", "missing": q.required})
        else:
            rows.append({"name": q.name, "label": q.label, "value": display(q, value), "missing": False})
    return rows
