"""A scheme's questions as one GOV.UK form, built from the question definitions (never a template per scheme).

Each question becomes a ``Block``: the Django fields it needs (a date is day, month and year; a person is a
fieldset; ``people`` is a fixed number of person rows, since a form without JavaScript cannot add rows) and
the template that draws it. Posted values become answers in the shape the policy checks, and the policy's own
check (``partial``: a required question left empty can be saved and answered later) puts each problem on the
question it names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import pycountry
from django import forms

from bordercase.policy.answers import InvalidAnswers, Question
from bordercase.policy.anzsco import anzsco
from bordercase.policy.scheme import Scheme as Policy

PEOPLE_ROWS = 6
_COUNTRIES = [("", "Choose a country"),
              *sorted(((c.alpha_3, c.name) for c in pycountry.countries), key=lambda c: c[1])]
_PERSON_PARTS = ("given_names", "family_name", "day", "month", "year", "nationality")


class _Unreadable(Exception):
    """A value that cannot become an answer at all (such as 31 February); the message is for the person."""


@dataclass
class Block:
    """One question on the page: its kind decides the template; ``names`` are its form fields, first one first."""

    question: Question
    kind: str
    names: list[str]
    label: str
    rows: list[tuple[str, list[str]]] = field(default_factory=list)  # for people: (legend, field names)
    errors: list[str] = field(default_factory=list)
    fields: list[forms.BoundField] = field(default_factory=list)  # what the template draws, first one first
    people: list[tuple[str, list[forms.BoundField]]] = field(default_factory=list)

    @property
    def first(self) -> str:
        return self.names[0]


def _label(q: Question) -> str:
    return q.label if q.required else f"{q.label} (optional)"


def _text(**kwargs: Any) -> forms.CharField:
    return forms.CharField(required=False, strip=True, **kwargs)


class QuestionsForm(forms.Form):
    def __init__(self, policy: Policy, answers: dict[str, Any], data: Any = None, as_at: dt.date | None = None
                 ) -> None:
        super().__init__(data=data)
        self.policy, self.as_at = policy, as_at
        self.blocks: list[Block] = []
        for q in policy.questions.values():
            if q.name == "lodged_on":
                continue  # set by bordercase at lodging: the rules in force that day apply
            self.blocks.append(self._add(q, answers.get(q.name)))
        for block in self.blocks:
            block.fields = [self[n] for n in block.names]
            block.people = [(legend, [self[n] for n in names]) for legend, names in block.rows]
        self._answers: dict[str, Any] | None = None

    # --- building ---------------------------------------------------------------------------------------------

    def _add(self, q: Question, saved: Any) -> Block:
        name, label = q.name, _label(q)
        if q.type in {"text", "anzsco"}:
            long = q.type == "text" and q.max_length > 200
            self.fields[name] = _text(max_length=None, label=label, help_text=q.hint,
                                      widget=forms.Textarea if long else forms.TextInput)
            self.initial[name] = saved
            return Block(q, "textarea" if long else "input", [name], label)
        if q.type in {"number", "money"}:
            self.fields[name] = _text(label=label, help_text=q.hint)
            self.initial[name] = "" if saved is None else str(saved)
            return Block(q, "money" if q.type == "money" else "number", [name], label)
        if q.type == "date":
            names = self._date_fields(name, saved)
            return Block(q, "date", names, label)
        if q.type in {"yes_no", "choice"}:
            choices = [("yes", "Yes"), ("no", "No")] if q.type == "yes_no" else list(q.options)
            self.fields[name] = forms.ChoiceField(required=False, label=label, help_text=q.hint, choices=choices)
            self.initial[name] = {True: "yes", False: "no"}.get(saved, saved) if q.type == "yes_no" else saved
            return Block(q, "radios", [name], label)
        if q.type == "multi_choice":
            options = self.policy.options(q, self.as_at)
            known = {v for v, _ in options}
            chosen = list(saved or [])
            self.fields[name] = forms.MultipleChoiceField(required=False, label=label, help_text=q.hint,
                                                          choices=options)
            self.initial[name] = [v for v in chosen if v in known]
            names = [name]
            if q.allow_other:
                self.fields[f"{name}-other"] = _text(label="Any others, one on each line")
                self.initial[f"{name}-other"] = "\n".join(v for v in chosen if v not in known)
                names.append(f"{name}-other")
            return Block(q, "checkboxes", names, label)
        if q.type == "person":
            return Block(q, "person", self._person_fields(name, saved or {}), label)
        if q.type == "people":
            people = list(saved or [])
            rows = [(f"Child {i}" if "child" in name else f"Person {i}",
                     self._person_fields(f"{name}-{i}", people[i - 1] if i <= len(people) else {}))
                    for i in range(1, PEOPLE_ROWS + 1)]
            return Block(q, "people", [n for _, row in rows for n in row], label, rows=rows)
        raise ValueError(f"Question {name} has a type the form cannot draw: {q.type}")

    def _date_fields(self, prefix: str, saved: Any) -> list[str]:
        day = _as_date(saved)
        names = [f"{prefix}-day", f"{prefix}-month", f"{prefix}-year"]
        for part_name, label, value in zip(names, ("Day", "Month", "Year"),
                                           (day.day, day.month, day.year) if day else ("", "", ""), strict=True):
            self.fields[part_name] = _text(label=label, max_length=4)
            self.initial[part_name] = value
        return names

    def _person_fields(self, prefix: str, saved: dict[str, Any]) -> list[str]:
        self.fields[f"{prefix}-given_names"] = _text(label="Given names", max_length=200)
        self.fields[f"{prefix}-family_name"] = _text(label="Family name", max_length=200)
        self.initial[f"{prefix}-given_names"] = saved.get("given_names", "")
        self.initial[f"{prefix}-family_name"] = saved.get("family_name", "")
        dates = self._date_fields(prefix, saved.get("date_of_birth"))
        self.fields[f"{prefix}-nationality"] = forms.ChoiceField(required=False, label="Nationality",
                                                                 choices=_COUNTRIES)
        self.initial[f"{prefix}-nationality"] = saved.get("nationality", "")
        return [f"{prefix}-given_names", f"{prefix}-family_name", *dates, f"{prefix}-nationality"]

    # --- reading ----------------------------------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        answers: dict[str, Any] = {}
        for block in self.blocks:
            try:
                answers[block.question.name] = self._read(block, data)
            except _Unreadable as exc:
                self._block_error(block, str(exc))
        if self.errors:
            return data
        given = {k: v for k, v in answers.items() if v is not None}
        try:
            self.policy.check(given, partial=True)
        except InvalidAnswers as exc:
            for error in exc.errors:
                named = error.field.split(" or ")
                block = next((b for b in self.blocks if b.question.name == named[0]), None)
                if block is None:
                    self.add_error(None, error.message)
                    continue
                labels = " or ".join(self.policy.questions[n].label for n in named if n in self.policy.questions)
                self._block_error(block, _sentence(labels, error.message))
        self._answers = answers
        return data

    def answers(self) -> dict[str, Any]:
        """Every question's answer; None where it was left empty (so saving it removes an earlier answer)."""
        if self._answers is None or self.errors:
            raise ValueError("answers() is for a valid form: call is_valid() first.")
        return self._answers

    def _block_error(self, block: Block, message: str) -> None:
        block.errors.append(message)
        self.add_error(block.first, message)

    def _read(self, block: Block, data: dict[str, Any]) -> Any:
        q, name = block.question, block.question.name
        if block.kind in {"input", "textarea"}:
            return data.get(name) or None
        if block.kind in {"money", "number"}:
            return _number(data.get(name) or "", q)
        if block.kind == "date":
            value = _date(data, name, q.label)
            return value.isoformat() if value else None
        if block.kind == "radios":
            value = data.get(name) or None
            return {"yes": True, "no": False}.get(value, value) if q.type == "yes_no" else value  # type: ignore[arg-type]
        if block.kind == "checkboxes":
            other = (data.get(f"{name}-other") or "").splitlines()
            return [*data.get(name, []), *(line.strip() for line in other if line.strip())]
        if block.kind == "person":
            return _person(data, name, q.label)
        people = [_person(data, names[0].removesuffix("-given_names"), legend) for legend, names in block.rows]
        chosen = [p for p in people if p is not None]
        return chosen or None


def _sentence(label: str, message: str) -> str:
    """GOV.UK error wording: the question's label, then what is wrong and what to do."""
    if message.startswith(("must", "is ", "has ", "give ")):
        return f"{label} {message}"
    return f"{label}: {message}"


def _number(text: str, q: Question) -> Any:
    cleaned = text.replace(",", "").replace("NZ$", "").replace("$", "").strip()
    if not cleaned:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise _Unreadable(f"{q.label} must be a number, like 120000") from None
    if not number.is_finite():
        raise _Unreadable(f"{q.label} must be a number, like 120000")
    # Whole numbers are stored as JSON numbers; cents keep their exact digits as text.
    return int(number) if number == number.to_integral_value() else cleaned


def _date(data: dict[str, Any], prefix: str, label: str) -> dt.date | None:
    parts = [str(data.get(f"{prefix}-{p}") or "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        return None
    missing = [name for name, part in zip(("a day", "a month", "a year"), parts, strict=True) if not part]
    if missing:
        raise _Unreadable(f"{label} must include {' and '.join(missing)}")
    try:
        day, month, year = (int(p) for p in parts)
        value = dt.date(year, month, day)
    except ValueError:
        raise _Unreadable(f"{label} must be a real date, like 12 4 1988") from None
    if year < 1900:
        raise _Unreadable(f"{label} must have a four-digit year after 1900, like 1988")
    return value


def _as_date(saved: Any) -> dt.date | None:
    if isinstance(saved, dt.date):
        return saved
    try:
        return dt.date.fromisoformat(saved) if isinstance(saved, str) else None
    except ValueError:
        return None


def _person(data: dict[str, Any], prefix: str, label: str) -> dict[str, Any] | None:
    if not any(str(data.get(f"{prefix}-{p}") or "").strip() for p in _PERSON_PARTS):
        return None
    person: dict[str, Any] = {}
    for part in ("given_names", "family_name", "nationality"):
        if data.get(f"{prefix}-{part}"):
            person[part] = data[f"{prefix}-{part}"]
    born = _date(data, prefix, f"{label}: date of birth")
    if born is not None:
        person["date_of_birth"] = born.isoformat()
    missing = [text for key, text in (("given_names", "given names"), ("family_name", "family name"),
                                      ("date_of_birth", "date of birth"), ("nationality", "nationality"))
               if key not in person]
    if missing:
        raise _Unreadable(f"{label}: enter the {' and '.join(missing)}, or leave every box for this person empty")
    return person


# --- showing answers ------------------------------------------------------------------------------------------


def _money(value: Any) -> str:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"NZ${number:,.2f}".removesuffix(".00")


def _show_person(person: dict[str, Any]) -> str:
    born = _as_date(person.get("date_of_birth"))
    country = pycountry.countries.get(alpha_3=str(person.get("nationality", "")).upper())
    parts = [f"{person.get('given_names', '')} {person.get('family_name', '')}".strip()]
    if born:
        parts.append(f"born {born.day} {born:%B %Y}")
    if country:
        parts.append(country.name)
    return ", ".join(parts)


def display(q: Question, value: Any) -> str:
    """An answer as a person reads it on check your answers."""
    if q.type == "money":
        return _money(value)
    if q.type == "date":
        day = _as_date(value)
        return f"{day.day} {day:%B %Y}" if day else str(value)
    if q.type == "yes_no":
        return "Yes" if value else "No"
    if q.type == "choice":
        return dict(q.options).get(value, str(value))
    if q.type == "multi_choice":
        return "\n".join(value) if value else "None"
    if q.type == "anzsco":
        return anzsco().describe(str(value)) if anzsco().known(str(value)) else str(value)
    if q.type == "person":
        return _show_person(value)
    if q.type == "people":
        return "\n".join(_show_person(p) for p in value) if value else "None"
    return str(value)


def answer_rows(policy: Policy, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Check-your-answers rows: each question's label and answer, and whether a required one is missing."""
    rows = []
    for q in policy.questions.values():
        if q.name == "lodged_on":
            continue
        value = answers.get(q.name)
        if value is None:
            rows.append({"name": q.name, "label": q.label, "value": "Not given", "missing": q.required})
        else:
            rows.append({"name": q.name, "label": q.label, "value": display(q, value), "missing": False})
    return rows
