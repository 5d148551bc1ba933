"""The lifecycle as documentation, drawn from the transition table itself (pure).

docs/architecture.md embeds what these return between cog markers; tests/test_docs.py fails when the page and the
table disagree, so the picture of the lifecycle cannot drift from the code that enforces it.
"""

from __future__ import annotations

from bordercase.cases.lifecycle import OWNERS, PARTY_LABELS, TRANSITIONS, Route, State

_ORDER = {state: n for n, state in enumerate(State)}


def _condition(route: Route) -> str:
    parts = [f"with {step}" for step in sorted(route.needs)] + [f"without {step}" for step in sorted(route.without)]
    return ", ".join(parts)


def diagram() -> str:
    """A Mermaid state diagram: every route of every transition, named, with the scheme steps it depends on."""
    lines = ["stateDiagram-v2", f"    [*] --> {State.DRAFT.value}"]
    for transition in TRANSITIONS.values():
        for route in transition.routes:
            condition = _condition(route)
            label = transition.name + (f" ({condition})" if condition else "")
            for source in sorted(route.sources, key=_ORDER.__getitem__):
                lines.append(f"    {source.value} --> {transition.target.value}: {label}")
    return "\n".join(lines)


def table() -> str:
    """A Markdown table: each transition, where it goes from and to, who may make it and the action that does."""
    rows = ["| transition | from | to | who may make it | made only by |", "| --- | --- | --- | --- | --- |"]
    for transition in TRANSITIONS.values():
        sources = []
        for route in transition.routes:
            states = ", ".join(s.value for s in sorted(route.sources, key=_ORDER.__getitem__))
            condition = _condition(route)
            sources.append(f"{states} ({condition})" if condition else states)
        who = ", ".join(PARTY_LABELS[p] for p in sorted(transition.parties, key=list(PARTY_LABELS).index))
        reason = " (a reason is required)" if transition.reason_required else ""
        owner = OWNERS[transition.name].removeprefix("bordercase.")
        rows.append(f"| `{transition.name}` | {'; '.join(sources)} | {transition.target.value} | {who}{reason} "
                    f"| `{owner}` |")
    return "\n".join(rows)
