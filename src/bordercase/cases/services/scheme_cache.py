"""Schemes with their assessing bodies and intake windows, read once per process and again only after a change.

Every lodging needs them and they change a few times a year (lib.held). Whether a window is open is still worked
out at each call from the windows' times.
"""

from __future__ import annotations

from bordercase.cases.models import Scheme
from bordercase.lib.held import Held

held_schemes: Held[Scheme] = Held("schemes")
schemes_changed = held_schemes.changed  # for writes that send no signal (QuerySet.update)


def scheme_for_intake(code: str) -> Scheme | None:
    """The scheme, its assessing bodies and its intake windows (prefetched), or None for no such scheme.

    Shared by the calls this process serves: read it, never change it.
    """
    return held_schemes.get(code, lambda: Scheme.objects.filter(code=code)
                        .prefetch_related("assessing_bodies", "windows").first())
