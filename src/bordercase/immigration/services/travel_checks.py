"""Where a request to travel stands: its tasks, what is missing, and every rule it breaks, each problem tied to
the task and field that fix it. Read-only; the saving and lodging in ``travel`` use these checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bordercase.immigration.models import FamilyMember, TravelRequest
from bordercase.immigration.passports import MrzError, parse_passport_line
from bordercase.immigration.services.travel_terms import TravelTerms
from bordercase.immigration.travel_rules import Journey, Traveller, journey_problems, traveller_problems

# ICAO 9303 writes Germany as D<< in the machine-readable zone; everywhere else it is the ISO 3166 code.
_MRZ_NATIONALITY = {"D": "DEU"}

PERSONAL_FIELDS = {"given_names": "given names", "family_name": "family name", "date_of_birth": "date of birth",
                   "nationality": "nationality", "phone": "phone number"}
PASSPORT_FIELDS = {"passport_number": "passport number", "passport_country": "passport's issuing country",
                   "passport_expiry": "passport's expiry date", "passport_mrz": "passport's machine-readable zone"}
JOURNEY_FIELDS = {"travel_date": "travel date", "isolation_voucher": "managed-isolation voucher reference",
                  "isolation_from": "date your managed isolation starts",
                  "isolation_to": "date your managed isolation ends", "isolation_paid_by": "who pays for isolation"}


@dataclass(frozen=True)
class Problem:
    """Something that stops the request to travel being lodged, and where it is put right."""

    task: str  # personal, passport, agreement, family, journey, declarations
    field: str
    message: str
    member: int | None = None  # the family member whose page fixes it


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    status: str  # completed, not_started, incomplete, optional, cannot_start


def mrz_problems(mrz: str, *, number: str, nationality: str, date_of_birth: dt.date | None,
                 expiry: dt.date | None) -> dict[str, str]:
    """The MRZ line's check digits, then every entered field it must agree with, each keyed by that field."""
    try:
        line = parse_passport_line(mrz)
    except MrzError as exc:
        return {"passport_mrz": str(exc)}
    problems: dict[str, str] = {}
    if number and line.number != number:
        problems["passport_number"] = (f"The passport number {number} does not match the machine-readable zone, "
                                       f"which says {line.number}: check both against the photo page.")
    mrz_nationality = _MRZ_NATIONALITY.get(line.nationality, line.nationality)
    if nationality and mrz_nationality != nationality:
        problems["nationality"] = (f"The nationality {nationality} does not match the machine-readable zone, which "
                                   f"says {line.nationality}: check both against the photo page.")
    if date_of_birth and line.date_of_birth != date_of_birth:
        problems["date_of_birth"] = (f"The date of birth {date_of_birth:%-d %B %Y} does not match the "
                                     f"machine-readable zone, which says {line.date_of_birth:%-d %B %Y}: check both "
                                     "against the photo page.")
    if expiry and line.expiry != expiry:
        problems["passport_expiry"] = (f"The expiry date {expiry:%-d %B %Y} does not match the machine-readable "
                                       f"zone, which says {line.expiry:%-d %B %Y}: check both against the photo page.")
    return problems


def family_of(travel: TravelRequest) -> list[FamilyMember]:
    """The people travelling with the worker: the partner first, then the children in the order added."""
    return sorted(travel.family.all(), key=lambda m: (m.relationship != FamilyMember.Relationship.PARTNER, m.pk))


def personal_done(travel: TravelRequest) -> bool:
    return all(getattr(travel, f) for f in PERSONAL_FIELDS)


def passport_done(travel: TravelRequest) -> bool:
    return all(getattr(travel, f) for f in PASSPORT_FIELDS)


def family_done(travel: TravelRequest) -> bool:
    return travel.no_family or travel.family.exists()


def journey_done(travel: TravelRequest) -> bool:
    return all(getattr(travel, f) for f in JOURNEY_FIELDS)


def worker_traveller(travel: TravelRequest) -> Traveller | None:
    if travel.date_of_birth is None or travel.passport_expiry is None:
        return None
    name = f"{travel.given_names} {travel.family_name}".strip() or "Your"
    return Traveller("worker", name, "worker", travel.date_of_birth, travel.passport_expiry)


def member_traveller(member: FamilyMember) -> Traveller:
    return Traveller(f"family.{member.pk}", f"{member.given_names} {member.family_name}".strip(),
                     member.relationship, member.date_of_birth, member.passport_expiry)


def _rule_problem(key: str, message: str) -> Problem:
    """A problem from ``travel_rules``, keyed ``worker.<field>``, ``family.<id>.<field>`` or a journey field."""
    parts = key.split(".")
    if parts[0] == "worker":
        return Problem("passport" if parts[1].startswith("passport") else "personal", parts[1], message)
    if parts[0] == "family":
        return Problem("family", parts[2], message, member=int(parts[1]))
    return Problem("journey", key, message)


def _missing(travel: TravelRequest, terms: TravelTerms) -> list[Problem]:
    missing = [Problem("personal", f, f"Enter your {label} in your personal details.")
               for f, label in PERSONAL_FIELDS.items() if not getattr(travel, f)]
    missing += [Problem("passport", f, f"Enter your {label}.") for f, label in PASSPORT_FIELDS.items()
                if not getattr(travel, f)]
    if terms.needs_employment_agreement and travel.employment_agreement_id is None:
        missing.append(Problem("agreement", "file", "Upload your signed employment agreement: this scheme "
                                                    "requires it with the request to travel."))
    if not family_done(travel):
        missing.append(Problem("family", "family", "Add your partner and dependent children who travel with you, "
                                                   "or say that no one does."))
    missing += [Problem("journey", f, f"Enter the {label}.") for f, label in JOURNEY_FIELDS.items()
                if not getattr(travel, f)]
    return missing


def lodging_problems(travel: TravelRequest, terms: TravelTerms, today: dt.date) -> list[Problem]:
    """Everything that stops lodging now: missing answers, then the rules the answers break, then declarations."""
    problems = _missing(travel, terms)
    if travel.passport_mrz:
        for key, message in mrz_problems(travel.passport_mrz, number=travel.passport_number,
                                         nationality=travel.nationality, date_of_birth=travel.date_of_birth,
                                         expiry=travel.passport_expiry).items():
            task = "personal" if key in PERSONAL_FIELDS else "passport"
            problems.append(Problem(task, key, message))
    members = family_of(travel)
    if travel.travel_date is not None:
        if journey_done(travel):
            journey = Journey(travel.travel_date, travel.isolation_from, travel.isolation_to)
            problems += [_rule_problem(k, m) for k, m in
                         journey_problems(journey, isolation_days=terms.isolation_days, today=today).items()]
        worker = worker_traveller(travel)
        travellers = ([worker] if worker else []) + [member_traveller(m) for m in members]
        problems += [_rule_problem(k, m) for k, m in traveller_problems(
            travellers, travel.travel_date, child_max_age=terms.child_max_age,
            child_age_source=terms.child_age_source).items()]
    if travel.declared_at is None:
        problems.append(Problem("declarations", "declarations", "Make the declarations."))
    return problems


def travel_tasks(travel: TravelRequest, terms: TravelTerms) -> list[Task]:
    """The task list, in the order a worker fills it in."""
    personal = personal_done(travel)
    answered = {f for f in PERSONAL_FIELDS if getattr(travel, f)}

    def status(done: bool, started: bool) -> str:
        return "completed" if done else "incomplete" if started else "not_started"

    agreement = ("completed" if travel.employment_agreement_id else
                 "not_started" if terms.needs_employment_agreement else "optional")
    passport = (status(passport_done(travel), any(getattr(travel, f) for f in PASSPORT_FIELDS)) if personal
                else "cannot_start")
    tasks = [
        Task("personal", "Your personal details", status(personal, bool(answered))),
        Task("passport", "Your passport", passport),
        Task("agreement", "Your signed employment agreement", agreement),
        Task("family", "Partner and dependent children", "completed" if family_done(travel) else "not_started"),
        Task("journey", "Travel date and managed isolation",
             status(journey_done(travel), any(getattr(travel, f) for f in JOURNEY_FIELDS))),
    ]
    ready = all(t.status in {"completed", "optional"} for t in tasks)
    declared = travel.declared_at is not None
    tasks.append(Task("declarations", "Declarations",
                      "completed" if declared else "not_started" if ready else "cannot_start"))
    tasks.append(Task("check", "Check your answers and lodge", "not_started" if ready and declared else
                      "cannot_start"))
    return tasks
