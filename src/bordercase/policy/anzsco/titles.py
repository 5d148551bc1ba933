"""The maintained table of current ICT job titles (``ict-titles.yaml``): loaded and checked strictly.

A title coded from this table decides whether a worker's role is one the class was meant for, so an entry
without a source, or pointing at a code ANZSCO 2013 does not have, would decide it on nobody's authority: the
table is refused whole, naming the line to fix, rather than loaded in part.

An entry gives one ``occupation``, or, for a title that could be an ICT occupation or another (Head of
Engineering), the ``occupations`` it could be: the coder offers them all and an assessor chooses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# The table's path: policy versions hash the file at this path, so keep the name.
TABLE = Path(__file__).parent / "ict-titles.yaml"
_OCCUPATION = 6  # an occupation's code has six digits; four is a unit group, which is not an occupation
_QUALIFIER = re.compile(r"\([^()]*\)")


class TitleTableError(ValueError):
    """The table cannot be used; the message names the file, the line and what to change."""


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str


@dataclass(frozen=True)
class TitleEntry:
    title: str
    also: tuple[str, ...]
    occupations: tuple[str, ...]  # one, or every occupation a title in more than one sense could be
    sources: tuple[Source, ...]
    reasoning: str
    line: int

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.title, *self.also)

    @property
    def occupation(self) -> str | None:
        """The one occupation the title codes to; None when an assessor chooses among ``occupations``."""
        return self.occupations[0] if len(self.occupations) == 1 else None


def qualified(spelling: str) -> bool:
    """Whether a spelling carries a qualifier in brackets, as "Infrastructure Engineer (Software)" does.

    The qualifier is what makes the title mean this occupation: without it the title means something else as
    well, so a qualified spelling codes only when typed as written, never as a close match to a title typed
    without its qualifier.
    """
    return _QUALIFIER.search(spelling) is not None


@dataclass(frozen=True)
class TitleTable:
    sources: Mapping[str, Source]
    entries: tuple[TitleEntry, ...]


def _lines(text: str) -> dict[str, list[int]]:
    """The line of each item under ``sources`` and ``titles``, in order, so a refusal can point at it."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    lines: dict[str, list[int]] = {}
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if isinstance(value, yaml.MappingNode):
                lines[str(key.value)] = [v.start_mark.line + 1 for _, v in value.value]
            elif isinstance(value, yaml.SequenceNode):
                lines[str(key.value)] = [v.start_mark.line + 1 for v in value.value]
    return lines


def _text(entry: Mapping[str, Any], name: str, where: str, *, required: bool = True) -> str:
    value = entry.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise TitleTableError(f"{where}: {name} is missing or not text; give it as a line of text.")
    return " ".join(value.split())


def _folded(title: str) -> str:
    return " ".join(title.casefold().split())


def title_table(path: Path = TABLE, *, known: Callable[[str], bool],
                fold: Callable[[str], str] = _folded) -> TitleTable:
    """The table at ``path``, every entry's occupation checked with ``known``; else ``TitleTableError``.

    Two spellings that ``fold`` makes the same (the coder's own comparison) are one title listed twice.
    """
    text = path.read_text(encoding="utf-8")
    try:
        document = yaml.safe_load(text)
        lines = _lines(text)
    except yaml.YAMLError as exc:
        raise TitleTableError(f"{path.name}: not YAML: {exc}") from exc
    if not isinstance(document, dict) or set(document) != {"sources", "titles"}:
        raise TitleTableError(f"{path.name}: must have exactly two parts, sources and titles.")
    raw_sources, raw_titles = document["sources"], document["titles"]
    if not isinstance(raw_sources, dict) or not isinstance(raw_titles, list) or not raw_titles:
        raise TitleTableError(f"{path.name}: sources must map ids to a title and url, and titles must list entries.")
    sources: dict[str, Source] = {}
    for (source_id, source), line in zip(raw_sources.items(), lines["sources"], strict=True):
        where = f"{path.name}, line {line} (source {source_id})"
        if not isinstance(source, dict):
            raise TitleTableError(f"{where}: a source must have a title and a url.")
        _no_others(source, {"title", "url"}, where)
        url = _text(source, "url", where)
        if not url.startswith(("https://", "http://")):
            raise TitleTableError(f"{where}: url {url!r} is not a web address.")
        sources[str(source_id)] = Source(str(source_id), _text(source, "title", where), url)
    entries: list[TitleEntry] = []
    seen: dict[str, int] = {}
    for raw, line in zip(raw_titles, lines["titles"], strict=True):
        if not isinstance(raw, dict):
            raise TitleTableError(f"{path.name}, line {line}: each entry under titles must have title, occupation "
                                  "(or occupations), sources and reasoning.")
        entry = _entry(raw, line, path.name, sources, known)
        for spelling in entry.spellings:
            key = fold(spelling)
            if key in seen:
                raise TitleTableError(f"{path.name}, line {entry.line}: {spelling!r} is already listed at line "
                                      f"{seen[key]}; a title codes to one occupation of the table.")
            seen[key] = entry.line
        entries.append(entry)
    return TitleTable(sources, tuple(entries))


def _no_others(entry: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(str(k) for k in set(entry) - allowed)
    if unknown:
        raise TitleTableError(f"{where}: {', '.join(unknown)} is not part of an entry; use only "
                              f"{', '.join(sorted(allowed))}.")


def _entry(raw: Mapping[str, Any], line: int, name: str, sources: Mapping[str, Source],
           known: Callable[[str], bool]) -> TitleEntry:
    where = f"{name}, line {line}"
    _no_others(raw, {"title", "also", "occupation", "occupations", "sources", "reasoning"}, where)
    title = _text(raw, "title", where)
    where = f"{name}, line {line} ({title})"
    codes = tuple(_code(c, where, known) for c in _occupations(raw, where))
    also = raw.get("also", [])
    if not isinstance(also, list) or not all(isinstance(a, str) and a.strip() for a in also):
        raise TitleTableError(f"{where}: also must be a list of other spellings of the title.")
    cited = raw.get("sources")
    if not isinstance(cited, list) or not cited:
        raise TitleTableError(f"{where}: sources is missing; cite at least one of {', '.join(sources)}.")
    unknown = [str(c) for c in cited if str(c) not in sources]
    if unknown:
        raise TitleTableError(f"{where}: source {', '.join(unknown)} is not listed under sources; add it there "
                              f"or cite one of {', '.join(sources)}.")
    return TitleEntry(title, tuple(" ".join(a.split()) for a in also), codes,
                      tuple(sources[str(c)] for c in cited), _text(raw, "reasoning", where), line)


def _occupations(raw: Mapping[str, Any], where: str) -> list[Any]:
    """The entry's occupation as a list of one, or its several occupations."""
    if "occupation" in raw and "occupations" in raw:
        raise TitleTableError(f"{where}: give occupation (one code) or occupations (the codes an assessor chooses "
                              "among), not both.")
    if "occupations" not in raw:
        return [raw.get("occupation")]
    several = raw["occupations"]
    if not isinstance(several, list) or len(several) < 2:  # one code is an occupation, not a choice
        raise TitleTableError(f"{where}: occupations must list two or more codes an assessor chooses among, such "
                              "as [\"133211\", \"135112\"]; for one code use occupation.")
    if len({str(c) for c in several}) != len(several):
        raise TitleTableError(f"{where}: occupations lists a code twice; list each once.")
    return several


def _code(occupation: Any, where: str, known: Callable[[str], bool]) -> str:
    code = str(occupation) if isinstance(occupation, str | int) and not isinstance(occupation, bool) else ""
    if not (code.isascii() and code.isdigit() and len(code) == _OCCUPATION):
        raise TitleTableError(f"{where}: occupation {occupation!r} is not a 6-digit ANZSCO occupation code; "
                              "quote it, such as \"261313\".")
    if not known(code):
        raise TitleTableError(f"{where}: occupation {code} is not in ANZSCO 2013 (version 1.2); use an "
                              "occupation of policy/anzsco/anzsco-2013.csv.")
    return code
