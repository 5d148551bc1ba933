"""What-if values typed by a person (``median_multiple=1.5``, ``places=300@2022-03-01``), read into the kind of the
parameter they replace: a Decimal for money and multiples, a whole number for counts, days and hours, true or false
for a flag, a list of names, a table of the same. A value that does not fit is refused with the parameter named and
what it must be, so the command line and the page say the same thing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from bordercase.policy.parameters import BadOverride, Dated, Parameter, ParameterNotInForce, open_table
from bordercase.policy.scheme import Scheme

MONEY_UNITS = frozenset({"nzd_per_year", "nzd_per_hour"})
WHOLE_UNITS = frozenset({"hours", "hours_per_week", "months", "days", "count"})
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_KEY = re.compile(r"[A-Za-z0-9_-]{1,40}")
_TRUE, _FALSE = frozenset({"true", "yes", "y", "on"}), frozenset({"false", "no", "n", "off"})


@dataclass(frozen=True)
class Refusals(ValueError):
    """Every override refused, each with the field (the parameter or its part) it was for."""

    refused: tuple[BadOverride, ...]

    def __str__(self) -> str:
        return " ".join(str(r) for r in self.refused)

    def by_field(self) -> dict[str, str]:
        return {r.field: str(r) for r in self.refused}


def change_read(scheme: Scheme, text: str) -> tuple[str, Any]:
    """``NAME=VALUE`` or ``NAME=VALUE@YYYY-MM-DD``, its value typed as the parameter's own (``Dated`` with a date)."""
    name, equals, value = text.partition("=")
    name = name.strip()
    if not equals or not name:
        raise BadOverride(f"{text!r} is not NAME=VALUE: write it like salary_thresholds.2613=110000, or "
                          "median_multiple=1.5@2022-03-01 for a value that applies from a date.", name or text)
    return name, value_read(scheme, name, value)


def changes_read(scheme: Scheme, texts: Iterable[str]) -> dict[str, Any]:
    """Every ``NAME=VALUE[@DATE]`` read, or ``Refusals`` naming every one that does not fit."""
    changes, refused = {}, []
    for text in texts:
        try:
            name, value = change_read(scheme, text)
        except BadOverride as exc:
            refused.append(exc)
        else:
            changes[name] = value
    if refused:
        raise Refusals(tuple(refused))
    return changes


def value_read(scheme: Scheme, dotted: str, text: str, applies_from: dt.date | None = None) -> Any:
    """The value ``text`` gives the parameter (or part) ``dotted``, in its own kind; a ``Dated`` one when the text
    ends ``@YYYY-MM-DD`` or ``applies_from`` is given."""
    text = text.strip()
    before, at, day = text.rpartition("@")
    if at:
        applies_from = _day(dotted, day.strip())
        text = before.strip()
    name, *path = dotted.split(".")
    parameter = scheme.parameters.get(name)
    if parameter is None:
        raise BadOverride(f"{scheme.id} has no parameter {name!r}: its parameters are {', '.join(scheme.parameters)}.",
                          dotted)
    current = _current(parameter, applies_from)
    for depth, part in enumerate(path):
        if not isinstance(current, Mapping):
            raise BadOverride(f"{'.'.join([name, *path[:depth]])} has no part {part!r}: it is {_kind(current)}.",
                              dotted)
        if part not in current:
            if depth == len(path) - 1 and open_table(dict(current)):
                current = _new_entry(parameter, current, path)
                break
            raise BadOverride(f"{'.'.join([name, *path[:depth]])} has no part {part!r}: its parts are "
                              f"{', '.join(map(str, current)) or 'none'}.", dotted)
        current = current[part]
    value = _typed(dotted, parameter, path, current, text)
    _meaningful(scheme, dotted, path, value)
    return value if applies_from is None else Dated(value, applies_from)


# The answers a weight by salary band can read: a figure, which the bands' lower bounds are compared with.
_FIGURES = frozenset({"money", "number"})


def _meaningful(scheme: Scheme, dotted: str, path: list[str], value: Any) -> None:
    """Refuse a value of the right kind that means nothing to the scheme: an ``answer`` naming no question of it (or,
    beside salary bands, no figure), or a band keyed other than by its lower bound in whole dollars. The ballot would
    otherwise read a missing answer as none at all, and every entry would count alike, silently."""
    if isinstance(value, Mapping):
        for key, part in value.items():
            _meaningful(scheme, dotted, [*path, str(key)], part)
        if "answer" in value and "bands" in value:
            _figure_answer(scheme, dotted, str(value["answer"]))
        return
    if len(path) >= 2 and path[-2] == "bands" and not (path[-1].isascii() and path[-1].isdigit()):
        raise BadOverride(f"{dotted}: a band is named by its lower bound in whole New Zealand dollars a year, such "
                          f"as 150000, not {path[-1]!r}.", dotted)
    if path and path[-1] == "answer":
        if not isinstance(value, str) or value not in scheme.questions:
            raise BadOverride(f"{dotted}: {value!r} is not a question of {scheme.id}, so no request has that answer: "
                              f"name one of its questions, such as {', '.join(scheme.questions)}.", dotted)
        if len(path) == 1:  # the answer of a table that may have bands
            parameter = scheme.parameters[dotted.split(".")[0]]
            if "bands" in (_current(parameter, None) or {}):
                _figure_answer(scheme, dotted, value)


def _figure_answer(scheme: Scheme, dotted: str, name: str) -> None:
    question = scheme.questions.get(name)
    if question is not None and question.type not in _FIGURES:
        figures = [q.name for q in scheme.questions.values() if q.type in _FIGURES]
        raise BadOverride(f"{dotted}: the bands compare an answer in dollars, and {name!r} is not a figure: name "
                          f"{' or '.join(figures) or 'a money question'}.", dotted)


def value_text(value: Any) -> str:
    """A parameter's value written as ``value_read`` reads it back: what a form shows to be changed."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {value_text(v) if not isinstance(v, Mapping) else '{' + value_text(v) + '}'}"
                         for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value))
    return str(value)


def rule_of(parameter: Parameter, path: list[str] | None = None) -> str:
    """What a value of the parameter (or part) must be, in a person's words."""
    current = _current(parameter, None)
    for part in path or []:
        current = current.get(part) if isinstance(current, Mapping) else None
    return _rule(parameter, path or [], current)


def _current(parameter: Parameter, as_at: dt.date | None) -> Any:
    if as_at is not None:
        try:
            return parameter.at(as_at).value
        except ParameterNotInForce:
            return parameter.values[0].value
    return parameter.values[-1].value


def _day(dotted: str, text: str) -> dt.date:
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return dt.date.fromisoformat("-".join(p.zfill(2) for p in text.split("-")))
    except ValueError:
        raise BadOverride(f"{dotted}: the date after @ must be a real date written YYYY-MM-DD, such as "
                          f"2022-03-01, not {text!r}.", dotted) from None


def _keyed_by_data(table: Mapping[str, Any]) -> bool:
    """A table whose keys are data (caps by category, thresholds by unit group, weights by salary band), not named
    parts (``answer``, ``bands``)."""
    return not table or all(str(k).isdigit() for k in table)


def _new_entry(parameter: Parameter, table: Mapping[str, Any], path: list[str]) -> Any:
    """A stand-in of the kind a new key of this table holds: that of its other entries, else by the unit."""
    if not _KEY.fullmatch(path[-1]):
        raise BadOverride(f"{parameter.name}: a new part is named by letters, digits, - or _ (such as 2613), not "
                          f"{path[-1]!r}.", ".".join([parameter.name, *path]))
    for sibling in table.values():
        return sibling
    return Decimal(0) if parameter.unit in MONEY_UNITS else 0


def _is_multiple(parameter: Parameter) -> bool:
    # A multiple (of the median wage) is a count in the policy's units but a fraction is meaningful: 1.5 times.
    return parameter.name.endswith("_multiple")


def _rule(parameter: Parameter, path: list[str], current: Any) -> str:
    if isinstance(current, bool) or (parameter.unit == "flag" and not path):
        return "true or false"
    if isinstance(current, Decimal) or (parameter.unit in MONEY_UNITS and not isinstance(current, Mapping)):
        return "a number of New Zealand dollars, 0 or more, such as 110000 or 27.50"
    if _is_multiple(parameter):
        return "a number more than 0, such as 1.5"
    if isinstance(current, int):
        if "bands" in path[:-1]:
            return "a whole number of tickets, 1 or more, such as 2"
        return "a whole number, 0 or more, such as 300"
    if isinstance(current, list | tuple) or parameter.unit == "names":
        return "a list of names, separated by ; (or a YAML list such as [NZTech, AI Forum])"
    if isinstance(current, Mapping):
        return "a table of values, such as 2613: 100, 2621: 50"
    return "text"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | Decimal | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    return "a table of values"


def _refuse(dotted: str, current: Any, text: str, rule: str) -> BadOverride:
    # "is a number, so it cannot be set to": the words the command has always used, kept for whoever reads them.
    return BadOverride(f"{dotted} is {_kind(current)}, so it cannot be set to {text!r}: give {rule}.", dotted)


# No place count, weight, threshold or multiple a scheme could mean is larger; beyond it a value overflows the
# ballot's arithmetic or the policy version's, or takes minutes to read.
LARGEST = Decimal(10) ** 12


def _typed(dotted: str, parameter: Parameter, path: list[str], current: Any, text: str) -> Any:
    rule = _rule(parameter, path, current)
    if isinstance(current, Mapping) and open_table(dict(current)) and text.casefold() in {"", "none", "{}"}:
        return {}  # no caps at all: what the policy itself says with an empty table
    if text == "":
        raise BadOverride(f"{dotted} has no value: give {rule}.", dotted)
    if isinstance(current, bool) or (parameter.unit == "flag" and not path):
        folded = text.casefold()
        if folded in _TRUE | _FALSE:
            return folded in _TRUE
        raise _refuse(dotted, current, text, rule)
    if isinstance(current, Mapping):
        return _table(dotted, parameter, path, current, text)
    if isinstance(current, list | tuple):
        return _names(dotted, current, text, rule)
    if isinstance(current, Decimal | float) or _is_multiple(parameter) or isinstance(current, int):
        number = _number(text)
        if number is None or not number.is_finite():
            raise _refuse(dotted, current, text, rule)
        # Before any arithmetic, which 1e1000000 would overflow or take a minute over (copy_abs rounds nothing).
        if number.copy_abs() > LARGEST:
            raise _refuse(dotted, current, text, f"{rule}, no more than {LARGEST:,}")
        if isinstance(current, Decimal | float) or parameter.unit in MONEY_UNITS:
            if number < 0:
                raise _refuse(dotted, current, text, rule)
            return number
        if _is_multiple(parameter):
            if number <= 0:
                raise _refuse(dotted, current, text, rule)
            return number
        least = 1 if "bands" in path[:-1] else 0
        if number != number.to_integral_value() or number < least:
            raise _refuse(dotted, current, text, rule)
        return int(number)
    if isinstance(current, str):
        if text.startswith(("{", "[")):
            raise _refuse(dotted, current, text, "text, such as " + (current or "ballot"))
        return text
    raise _refuse(dotted, current, text, rule)


def _number(text: str) -> Decimal | None:
    try:
        # People write money as they read it: NZ$110,000 is 110000.
        return Decimal(text.replace(",", "").replace("NZ$", "").replace("$", "").replace("_", ""))
    except InvalidOperation:
        return None


def _names(dotted: str, current: Any, text: str, rule: str) -> tuple[str, ...]:
    if text.startswith("["):
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError:
            loaded = None
        if not isinstance(loaded, list) or not all(isinstance(n, str | int) for n in loaded):
            raise _refuse(dotted, current, text, rule)
        names = [str(n).strip() for n in loaded]
    else:
        names = [n.strip() for n in re.split(r"[;\n]", text)]
    names = [n for n in names if n]
    if not names:
        raise _refuse(dotted, current, text, rule)
    return tuple(names)


def _table(dotted: str, parameter: Parameter, path: list[str], current: Mapping[str, Any], text: str) -> Any:
    """A table given whole: ``2613: 100, 2621: 50`` (or YAML's ``{2613: 100}``)."""
    body = text if text.startswith("{") else "{" + text + "}"
    try:
        loaded = yaml.safe_load(body)
    except yaml.YAMLError:
        loaded = None
    if not isinstance(loaded, dict):
        raise _refuse(dotted, current, text, _rule(parameter, path, current))
    by_data = _keyed_by_data(current)
    # Caps and bands given whole are the whole set; thresholds keep the unit groups not given, since leaving one out
    # would take a role off the list rather than change a number.
    table: dict[str, Any] = {} if by_data and open_table(dict(current)) else dict(current)
    for key, given in loaded.items():
        part = str(key)
        if part in current:
            like = current[part]
        elif by_data and open_table(dict(current)):
            like = _new_entry(parameter, current, [*path, part])
        else:
            raise BadOverride(f"{dotted} has no part {part!r}: its parts are {', '.join(map(str, current))}.",
                              f"{dotted}")
        if isinstance(like, str) and isinstance(given, Mapping | list):
            # Read as text, [x] would become "x": a name given as a list is a mistake to say, not to guess at.
            written = yaml.safe_dump(given, default_flow_style=True, width=10**6).strip()
            raise _refuse(f"{dotted}.{part}", like, written, "text, such as " + (like or "ballot"))
        given_text = value_text(given) if isinstance(given, Mapping | list) else \
            ("true" if given is True else "false" if given is False else str(given))
        table[part] = _typed(f"{dotted}.{part}", parameter, [*path, part], like, given_text)
    return table
