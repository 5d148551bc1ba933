"""Finding, reading and checking the scheme folders, and the content hash that versions each one."""

from __future__ import annotations

import functools
import hashlib
import importlib
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any, cast

from bordercase.policy.answers import Question
from bordercase.policy.anzsco import HERE as ANZSCO_DATA
from bordercase.policy.anzsco import titles
from bordercase.policy.files import ParameterFile, PolicyFile, PolicyFileError, line_of, parse
from bordercase.policy.parameters import Parameter, Value
from bordercase.policy.scheme import Criterion, Scheme

PACKAGE = Path(__file__).parent
SCHEMES = PACKAGE / "schemes"
SHARED = PACKAGE / "parameters"
MONEY_UNITS = {"nzd_per_year", "nzd_per_hour"}


class UnknownScheme(LookupError):
    pass


def _decimals(value: Any) -> Any:
    """Money as Decimal, so thresholds compare exactly: twice NZ$25.50 an hour over 2,080 hours is NZ$106,080."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {str(k): _decimals(v) for k, v in value.items()}
    return value


def _parameter(name: str, spec: ParameterFile) -> Parameter:
    convert = _decimals if spec.unit in MONEY_UNITS else _keys_as_text
    values = tuple(Value(v.effective_from, convert(v.value), v.reference, v.note) for v in spec.values)
    return Parameter(name, spec.description, spec.unit, values)


def _keys_as_text(value: Any) -> Any:
    """Table keys as text (YAML reads 2613 as a number); lists as tuples, so a value cannot be changed in place."""
    if isinstance(value, dict):
        return {str(k): _keys_as_text(v) for k, v in value.items()}
    return tuple(value) if isinstance(value, list) else value


def shared_parameter(name: str) -> tuple[Parameter, bytes]:
    path = SHARED / f"{name}.yaml"
    if not path.is_file():
        raise LookupError(name)
    spec, _ = parse(path, ParameterFile)
    return _parameter(name, spec), path.read_bytes()


def version_of(folder: Path, shared: list[bytes]) -> str:
    """A content hash of the scheme folder's rules (not its test cases) and the shared parameters it uses."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and relative.parts[0] not in {"tests", "__pycache__"} and path.suffix in {".yaml", ".py"}:
            digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    for content in shared:
        digest.update(content + b"\0")
    return digest.hexdigest()[:16]


# The type of question whose answer is an occupation: coded from ANZSCO 2013 and, for a job title, from the ABS
# alternative titles and bordercase's table of current ICT titles.
OCCUPATION_QUESTION = "anzsco"


def occupation_data() -> list[bytes]:
    """The files the job-title coder reads, whose every change can change what a scheme asking for an occupation
    finds: part of such a scheme's version. The table's path is the title table's own (``titles.TABLE``)."""
    return [(ANZSCO_DATA / "anzsco-2013.csv").read_bytes(), (ANZSCO_DATA / "alternative-titles.csv").read_bytes(),
            titles.TABLE.read_bytes()]


def load_folder(folder: Path, module: ModuleType | None = None) -> Scheme:
    path = folder / "policy.yaml"
    parsed, lines = parse(path, PolicyFile)
    spec = cast(PolicyFile, parsed)

    def fail(loc: tuple[Any, ...], message: str) -> PolicyFileError:
        return PolicyFileError(path, line_of(lines, loc), message)

    parameters = {name: _parameter(name, p) for name, p in spec.parameters.items()}
    shared_bytes = []
    for index, name in enumerate(spec.shared_parameters):
        try:
            parameters[name], content = shared_parameter(name)
        except LookupError:
            raise fail(("shared_parameters", index), f"there is no shared parameter {name!r} in {SHARED}") from None
        shared_bytes.append(content)

    questions: dict[str, Question] = {}
    for index, q in enumerate(spec.questions):
        if q.name in questions:
            raise fail(("questions", index), f"question {q.name!r} is asked twice")
        if q.options_from and q.options_from not in parameters:
            raise fail(("questions", index, "options_from"), f"there is no parameter {q.options_from!r}")
        questions[q.name] = Question(
            q.name, q.type, q.label, q.hint, q.required, tuple((o["value"], o.get("label", o["value"]))
                                                                for o in q.options),
            q.options_from, q.allow_other, None if q.minimum is None else Decimal(str(q.minimum)),
            None if q.maximum is None else Decimal(str(q.maximum)), q.integer, q.max_length,
            q.item or "person",
        )
    for index, rule in enumerate(spec.answer_rules):
        for name in [*rule.exactly_one_of, *rule.at_most_one_of]:
            if name not in questions:
                raise fail(("answer_rules", index), f"{name!r} is not one of the questions")

    if spec.steps.allocation:
        for needed in ("places", "allocation_method"):
            if needed not in parameters:
                raise fail(("steps", "allocation"), f"a scheme with allocation needs a {needed!r} parameter")

    module = module or importlib.import_module(f"bordercase.policy.schemes.{folder.name}.criteria")
    functions = {name: f for name, f in vars(module).items() if callable(f) and hasattr(f, "reads")}
    criteria = []
    for index, c in enumerate(spec.criteria):
        function = functions.pop(c.id, None)
        if function is None:
            raise fail(("criteria", index), f"criterion {c.id!r} has no @criterion function in criteria.py")
        for name in [*function.reads, c.mandatory_parameter]:
            if name and name not in parameters:
                raise fail(("criteria", index), f"criterion {c.id!r} reads {name!r}, which is not a parameter")
        criteria.append(Criterion(c.id, c.clause, function, function.reads, c.mandatory,
                                  c.mandatory_parameter))
    if functions:
        raise fail(("criteria",), f"criteria.py has {', '.join(functions)}, not listed under criteria")
    if any(q.type == OCCUPATION_QUESTION for q in questions.values()):
        # A new title in the table can turn a role the rules left to an assessor into one they find in short
        # supply: the same answers, another finding, so another version of the rules.
        shared_bytes.extend(occupation_data())
    return Scheme.build(spec, parameters, questions, tuple(criteria), version_of(folder, shared_bytes),
                        folder.name)


@functools.cache
def schemes() -> dict[str, Scheme]:
    """Every scheme in the package, by id."""
    found = {}
    for folder in sorted(SCHEMES.iterdir()):
        if (folder / "policy.yaml").is_file():
            scheme = load_folder(folder)
            found[scheme.id] = scheme
    return found


def scheme(scheme_id: str) -> Scheme:
    try:
        return schemes()[scheme_id]
    except KeyError:
        raise UnknownScheme(
            f"There is no scheme {scheme_id!r}: the schemes are {', '.join(schemes())}."
        ) from None
