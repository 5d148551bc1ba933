"""Check your answers for a request to travel: each task's answers as summary-list rows with a Change link."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pycountry
from django.urls import reverse

from bordercase.immigration.models import FamilyMember, TravelRequest
from bordercase.immigration.services.travel_checks import family_of
from bordercase.immigration.services.travel_terms import TravelTerms
from bordercase.web.travel_forms import payer_label


@dataclass(frozen=True)
class Row:
    key: str
    value: str  # empty: not answered
    change: str  # the page to change it on


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    change: str = ""  # for a section that is one card (a family member): its own Change link
    remove: str = ""

    @property
    def card(self) -> bool:
        return bool(self.change)


def country(code: str) -> str:
    found = pycountry.countries.get(alpha_3=code) if code else None
    return found.name if found else code


def _day(value: dt.date | None) -> str:
    return f"{value:%-d %B %Y}" if value else ""


def _member(reference: str, m: FamilyMember) -> Section:
    change = reverse("web:travel-family-member", kwargs={"reference": reference, "member_id": m.pk})
    who = "your partner" if m.relationship == FamilyMember.Relationship.PARTNER else "dependent child"
    return Section(f"{m.given_names} {m.family_name}, {who}", [
        Row("Date of birth", _day(m.date_of_birth), change),
        Row("Nationality", country(m.nationality), change),
        Row("Passport number", m.passport_number, change),
        Row("Passport issued by", country(m.passport_country), change),
        Row("Passport expires", _day(m.passport_expiry), change),
        Row("Machine-readable zone", m.passport_mrz, change),
    ], change=change, remove=reverse("web:travel-family-remove", kwargs={"reference": reference, "member_id": m.pk}))


def summary_sections(travel: TravelRequest, terms: TravelTerms) -> list[Section]:
    """Each task's answers in the task list's order, with a card for each person travelling with the worker."""
    reference = travel.request.reference

    def page(name: str) -> str:
        return reverse(name, kwargs={"reference": reference})

    personal, passport, journey = page("web:travel-personal"), page("web:travel-passport"), page("web:travel-journey")
    agreement = travel.employment_agreement
    family, members = page("web:travel-family"), family_of(travel)
    isolation = (f"{_day(travel.isolation_from)} to {_day(travel.isolation_to)}"
                 if travel.isolation_from and travel.isolation_to else "")
    return [
        Section("Your personal details", [
            Row("Name", f"{travel.given_names} {travel.family_name}".strip(), personal),
            Row("Date of birth", _day(travel.date_of_birth), personal),
            Row("Nationality", country(travel.nationality), personal),
            Row("Phone number", travel.phone, personal),
        ]),
        Section("Your passport", [
            Row("Passport number", travel.passport_number, passport),
            Row("Issued by", country(travel.passport_country), passport),
            Row("Expires", _day(travel.passport_expiry), passport),
            Row("Machine-readable zone", travel.passport_mrz, passport),
        ]),
        Section("Your signed employment agreement", [
            Row("File", agreement.original_name if agreement else
                ("" if terms.needs_employment_agreement else "None (optional)"), page("web:travel-agreement")),
        ]),
        Section("Travelling with you", [
            Row("People", ", ".join(f"{m.given_names} {m.family_name}" for m in members)
                or ("No one" if travel.no_family else ""), family),
        ]),
        *(_member(reference, m) for m in members),
        Section("Travel date and managed isolation", [
            Row("Travel date", _day(travel.travel_date), journey),
            Row("Voucher reference", travel.isolation_voucher, journey),
            Row(f"Managed isolation ({terms.isolation_days} days)", isolation, journey),
            Row("Paid for by", payer_label(travel.isolation_paid_by), journey),
        ]),
        Section("Declarations", [
            Row("Declarations", "Made" if travel.declared_at else "", page("web:travel-declarations")),
        ]),
    ]
