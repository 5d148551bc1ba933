"""The organisations bordercase knows by name, and a row for each scheme in the policy package.

Loaded by a migration; ``seed`` takes the model classes so the migration can pass its
historical models and tests that empty the database can load the same rows again.
"""

from __future__ import annotations

import datetime
from typing import Any

from bordercase.policy.loader import schemes

BODIES = [
    ("nztech", "assessing_body", "NZTech"),
    ("itpnz", "assessing_body", "IT Professionals NZ"),
    ("inz", "immigration", "Immigration New Zealand"),
    ("mbie", "ministry", "Ministry of Business, Innovation and Employment"),
]



def seed(Organisation: Any, Scheme: Any) -> None:
    """The assessing bodies, and one row per scheme in the policy package, updated to match its policy."""
    bodies = {}
    for code, kind, name in BODIES:
        bodies[code], _ = Organisation.objects.get_or_create(code=code, defaults={"kind": kind, "name": name})
    today = datetime.date.today()
    for policy in schemes().values():
        places = policy.value("places", today) if "places" in policy.parameters else None
        scheme, _ = Scheme.objects.update_or_create(
            code=policy.id,
            defaults={"title": policy.title, "kind": policy.kind, "places": places, "summary": policy.summary,
                      "uses_recommendation": policy.steps.recommendation},
        )
        scheme.assessing_bodies.set([bodies[a] for a in policy.steps.assessed_by])
