"""No transition is made by name outside its owning action: every call that moves a request by a transition's name,
anywhere in src/ (the demo included), is inside the one function the lifecycle names as that transition's owner.

A transition made from elsewhere would skip what its owner does with it: the invitation's link and letters, the
visa's decision record, the round's draw, the findings and second assessor of a decline."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from bordercase.cases.lifecycle import OWNERS, TRANSITIONS

SRC = Path(__file__).resolve().parent.parent / "src"
MOVERS = {"request_transition", "request_move"}
# The primitives themselves pass on the name they were given.
PRIMITIVES = {"bordercase.cases.services.transitions.request_transition"}


def _module(path: Path) -> str:
    return ".".join(path.relative_to(SRC).with_suffix("").parts)


def calls_by_name(tree: ast.Module, module: str) -> Iterator[tuple[str, str | None, int]]:
    """Each call of a mover: (the enclosing function's dotted name, the transition's name if written, the line)."""
    def visit(node: ast.AST, owner: str) -> Iterator[tuple[str, str | None, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from visit(child, f"{module}.{child.name}" if owner == module else owner)
                continue
            if isinstance(child, ast.Call):
                func = child.func
                called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if called in MOVERS:
                    named = next((k.value for k in child.keywords if k.arg == "name"), None)
                    written = named.value if isinstance(named, ast.Constant) else None
                    yield owner, written, child.lineno
            yield from visit(child, owner)

    yield from visit(tree, module)


def all_calls() -> list[tuple[str, str | None, str]]:
    found = []
    for path in sorted((SRC / "bordercase").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = _module(path)
        for owner, name, line in calls_by_name(ast.parse(path.read_text(encoding="utf-8")), module):
            found.append((owner, name, f"{path.relative_to(SRC)}:{line}"))
    return found


def test_every_transition_has_one_owning_action() -> None:
    assert set(OWNERS) == set(TRANSITIONS)


def test_the_scan_finds_the_owners_themselves() -> None:
    owners = {owner for owner, _, _ in all_calls()}
    assert "bordercase.cases.services.lodging.request_lodge" in owners
    assert "bordercase.immigration.services.visas._decide" in owners


def test_only_the_primitive_passes_on_a_name_it_was_given() -> None:
    passing_on = {owner for owner, name, _ in all_calls() if name is None and owner not in OWNERS.values()}
    assert passing_on == PRIMITIVES


@pytest.mark.parametrize(("owner", "name", "where"), [c for c in all_calls() if c[0] not in PRIMITIVES],
                         ids=lambda v: str(v))
def test_a_transition_is_made_only_by_its_owner(owner: str, name: str | None, where: str) -> None:
    if name is None:
        # A name worked out at run time is allowed only in an action that owns every transition it chooses from.
        assert list(OWNERS.values()).count(owner) > 1, f"{where}: {owner} names a transition it does not own"
        return
    assert OWNERS[name] == owner, f"{where}: {owner} makes {name!r}, which only {OWNERS[name]} may make"


def test_the_check_catches_a_transition_made_elsewhere() -> None:
    stray = ast.parse("def approve(request, by):\n    request_transition(request=request, name='invite', by=by)\n")
    [(owner, name, _)] = list(calls_by_name(stray, "bordercase.web.views"))
    assert (owner, name) == ("bordercase.web.views.approve", "invite")
    assert OWNERS[name] != owner
