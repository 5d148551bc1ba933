"""The shape of a ``policy.yaml`` and of a shared parameter file, and reading them with line numbers.

A file that breaks the shape fails with the file, the line and what is wrong, so whoever edits a
policy sees their mistake where they made it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bordercase.policy.answers import QUESTION_TYPES

Name = str


class PolicyFileError(ValueError):
    """A policy file that cannot be used. The message starts with ``file:line:``."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path, self.line = path, line
        super().__init__(f"{path}:{line or 1}: {message}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceFile(_Strict):
    id: Name
    title: str
    url: str = ""
    note: str = ""


class ValueFile(_Strict):
    effective_from: dt.date = Field(alias="from")
    value: Any
    reference: str = Field(min_length=3)
    note: str = ""


class ParameterFile(_Strict):
    description: str
    unit: Literal["nzd_per_year", "nzd_per_hour", "hours", "hours_per_week", "months", "days", "count", "flag",
                  "names", "choice", "table"]
    values: list[ValueFile] = Field(min_length=1)

    @model_validator(mode="after")
    def _in_date_order(self) -> ParameterFile:
        starts = [v.effective_from for v in self.values]
        if starts != sorted(set(starts)):
            raise ValueError("values must be in date order, each with its own 'from' date")
        return self


class QuestionFile(_Strict):
    name: Name = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: str
    label: str
    hint: str = ""
    required: bool = False
    options: list[dict[str, str]] = []
    options_from: Name = ""
    allow_other: bool = False
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    max_length: int = 500
    item: str = Field("", pattern=r"^([a-z][a-z ]*)?$")

    @model_validator(mode="after")
    def _known_type(self) -> QuestionFile:
        if self.type not in QUESTION_TYPES:
            raise ValueError(f"type {self.type!r} is not one of {', '.join(QUESTION_TYPES)}")
        if self.type == "choice" and not self.options:
            raise ValueError("a choice question needs options")
        if self.item and self.type != "people":
            raise ValueError("only a people question has 'item' (what one of its people is called, such as child)")
        if self.type == "people" and self.maximum is not None and (self.maximum < 1 or self.maximum % 1):
            raise ValueError("a people question's maximum is the most people allowed: a whole number, 1 or more")
        return self


class DocumentFile(_Strict):
    id: Name
    label: str
    required: bool = True
    hint: str = ""


class ManagedIsolationFile(_Strict):
    days: int = Field(gt=0)
    paid_by: list[str] = Field(min_length=1)


class StepsFile(_Strict):
    assessed_by: list[Name] = Field(min_length=1)
    allocation: bool = False
    recommendation: bool = False
    invitation_to_apply: bool = True
    request_to_travel: bool = True
    managed_isolation: ManagedIsolationFile | None = None


class CriterionFile(_Strict):
    id: Name
    clause: str = Field(min_length=3)
    mandatory: bool = True
    mandatory_parameter: Name = ""


class AnswerRuleFile(_Strict):
    exactly_one_of: list[Name] = []
    at_most_one_of: list[Name] = []


class PolicyFile(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    kind: Literal["class_exception", "essential_worker", "eoi_category"]
    summary: str
    sources: list[SourceFile] = Field(min_length=1)
    parameters: dict[Name, ParameterFile] = {}
    shared_parameters: list[Name] = []
    questions: list[QuestionFile] = Field(min_length=1)
    answer_rules: list[AnswerRuleFile] = []
    documents: list[DocumentFile] = []
    steps: StepsFile
    criteria: list[CriterionFile] = Field(min_length=1)


def read_yaml(path: Path) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The file's data, and the line (1-based) of every key and list item by its path."""
    try:
        text = path.read_text(encoding="utf-8")
        # One parse gives both the nodes (for their lines) and the data; libyaml's parser where it is built in is
        # several times quicker than PyYAML's own, and every process reads every scheme's file at start.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise PolicyFileError(path, mark.line + 1 if mark else None, f"not valid YAML: {exc.problem}") from exc
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def _walk(node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            _walk(value, child, lines)
            lines[child] = key.start_mark.line + 1  # the key's line, not its value's: where an editor looks
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


def line_of(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def parse(path: Path, model: type[BaseModel]) -> tuple[Any, dict[tuple[Any, ...], int]]:
    data, lines = read_yaml(path)
    try:
        return model.model_validate(data), lines
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        where = ".".join(str(p) for p in loc) or "the file"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise PolicyFileError(path, line_of(lines, loc), f"{where}: {first['msg']}{more}") from exc
