"""The organisations bordercase knows by name, and the schemes of the design brief.

Loaded by a migration; ``seed`` takes the model classes so the migration can pass its
historical models and tests that empty the database can load the same rows again.
"""

from __future__ import annotations

from typing import Any

BODIES = [
    ("nztech", "assessing_body", "NZTech"),
    ("itpnz", "assessing_body", "IT Professionals NZ"),
    ("inz", "immigration", "Immigration New Zealand"),
    ("mbie", "ministry", "Ministry of Business, Innovation and Employment"),
]

# code, title, kind, places, uses_recommendation, assessing body codes
SCHEMES = [
    ("tech-specialists-2022", "Specialist tech workers class exception", "class_exception", 600, True,
     ["nztech", "itpnz"],
     "600 places for senior technology workers in four ANZSCO unit groups, assessed by NZTech or IT Professionals "
     "NZ and recommended to Immigration NZ; a ballot if over-subscribed."),
    ("other-essential-worker-2020", "Other essential worker", "essential_worker", None, False, ["inz"],
     "Short-term roles needing unique skills or significant, time-critical work; long-term roles that also pay "
     "twice the median wage or are essential to a government-funded science programme or approved event."),
    ("eoi-family-2020", "Family", "eoi_category", None, False, ["inz"], "Partners and children of New Zealanders."),
    ("eoi-humanitarian-2020", "Humanitarian", "eoi_category", None, False, ["inz"], "Humanitarian reasons."),
    ("eoi-essential-health-worker-2020", "Essential health worker", "eoi_category", None, False, ["inz"],
     "Health and disability workers."),
    ("eoi-essential-non-health-worker-2020", "Essential non-health worker", "eoi_category", None, False, ["inz"],
     "Other essential workers lodging for themselves."),
    ("eoi-australian-2020", "Australian citizen or resident", "eoi_category", None, False, ["inz"],
     "Australian citizens and permanent residents who live in New Zealand."),
    ("eoi-tongan-samoan-2020", "Tongan or Samoan citizen", "eoi_category", None, False, ["inz"],
     "Tongan and Samoan citizens travelling for essential reasons."),
]


def seed(Organisation: Any, Scheme: Any) -> None:
    bodies = {}
    for code, kind, name in BODIES:
        bodies[code], _ = Organisation.objects.get_or_create(code=code, defaults={"kind": kind, "name": name})
    for code, title, kind, places, recommends, assessors, summary in SCHEMES:
        scheme, _ = Scheme.objects.get_or_create(
            code=code,
            defaults={"title": title, "kind": kind, "places": places, "uses_recommendation": recommends,
                      "summary": summary},
        )
        scheme.assessing_bodies.set([bodies[a] for a in assessors])
