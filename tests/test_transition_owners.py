"""No transition is made by name outside its owning action: every call that moves a request by a transition's name,
anywhere in src/ (the demo included), is inside the one function the lifecycle names as that transition's owner;
and the tests' helpers (every conftest.py and *_support.py, and walking.py), which build the requests tests start
from, never call the primitives at all, but walk requests through the owning actions.

A transition made from elsewhere would skip what its owner does with it: the invitation's link and letters, the
visa's decision record, the round's draw, the findings and second assessor of a decline."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from bordercase.cases.lifecycle import OWNERS, TRANSITIONS

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
TESTS = ROOT / "tests"
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


def source_files() -> list[Path]:
    """Every module of bordercase but its migrations: the demo (bordercase.demo) among them."""
    return [p for p in sorted((SRC / "bordercase").rglob("*.py")) if "migrations" not in p.parts]


def all_calls() -> list[tuple[str, str | None, str]]:
    found = []
    for path in source_files():
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


def test_the_scan_covers_the_demo() -> None:
    demo = sorted((SRC / "bordercase" / "demo").rglob("*.py"))
    assert demo and set(demo) <= set(source_files())


# --- the tests' helpers ------------------------------------------------------------------------------------------


def helper_files() -> list[Path]:
    """The modules that set up what tests start from: every conftest.py and *_support.py under tests/, and walk's."""
    return sorted({*TESTS.rglob("conftest.py"), *TESTS.rglob("*_support.py"), TESTS / "walking.py"})


def primitive_uses(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """Each call of a mover by its name, and each import of one (under any alias): (what, the line)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if called in MOVERS:
                yield f"calls {called}", node.lineno
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in MOVERS:
                    yield f"imports {alias.name}", node.lineno


def test_the_helpers_scanned_include_walk_and_the_support_modules() -> None:
    names = {p.relative_to(TESTS).as_posix() for p in helper_files()}
    assert {"conftest.py", "walking.py", "allocation_support.py", "immigration_support.py",
            "travel_support.py"} <= names


@pytest.mark.parametrize("path", helper_files(), ids=lambda p: p.relative_to(TESTS).as_posix())
def test_no_helper_of_the_tests_makes_a_transition_by_name(path: Path) -> None:
    found = [f"{path.relative_to(ROOT)}:{line} {what}"
             for what, line in primitive_uses(ast.parse(path.read_text(encoding="utf-8")))]
    assert found == [], "a helper moves a request through its owning action (tests.walking.walk), not the primitive"


def test_the_helper_check_catches_the_primitive_called_or_imported() -> None:
    stray = ast.parse("from bordercase.cases.services.transitions import request_transition as move\n"
                      "def allocated(request, by):\n"
                      "    return transitions.request_transition(request=request, name='allocate', by=by)\n"
                      "def moved(request, by, name):\n"
                      "    return request_move(request=request, name=name, by=by)\n")
    assert [what for what, _ in primitive_uses(stray)] == [
        "imports request_transition", "calls request_transition", "calls request_move"]


def test_the_check_catches_a_transition_made_elsewhere() -> None:
    stray = ast.parse("def approve(request, by):\n    request_transition(request=request, name='invite', by=by)\n")
    [(owner, name, _)] = list(calls_by_name(stray, "bordercase.web.views"))
    assert (owner, name) == ("bordercase.web.views.approve", "invite")
    assert OWNERS[name] != owner
