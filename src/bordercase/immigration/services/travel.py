"""The worker's request to travel: every change to it, and lodging it. Pages and the API call these; the rules
live here and in ``travel_rules`` and ``travel_checks``, never in a view.

Only the nominated worker changes it, and only while the request is invited to apply. Each change locks the
request's row and checks its state again, so nothing is saved after the request to travel is lodged. Any change
clears the declarations, so the worker declares what they lodge.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from bordercase.accounts.models import User
from bordercase.cases import access
from bordercase.cases.lifecycle import Party, State
from bordercase.cases.models import Document, Request
from bordercase.cases.models.people import validate_nationality, validate_passport_number
from bordercase.cases.services.documents import WORKERS_EVIDENCE, document_add
from bordercase.cases.services.transitions import request_transition
from bordercase.immigration.models import FamilyMember, TravelRequest
from bordercase.immigration.services import travel_checks
from bordercase.immigration.services.travel_terms import TravelTerms, terms_of
from bordercase.immigration.travel_rules import Journey, Traveller, age_on, journey_problems, traveller_problems
from bordercase.lib.errors import InvalidInput, NotEditable, Refused
from bordercase.policy.bounds import date_of_birth_problem

_PHONE = re.compile(r"^\+?[0-9 ()\-]{7,25}$")
_VOUCHER = re.compile(r"^[A-Z0-9][A-Z0-9\-]{3,39}$")


def today() -> dt.date:
    """Today in New Zealand, where Immigration NZ decides and the scheme's parameters are dated."""
    return timezone.localdate()


def terms_for(travel: TravelRequest) -> TravelTerms:
    return terms_of(travel.request.scheme, today())


def _check_may_change(request: Request, by: User) -> None:
    if Party.NOMINEE not in access.parties(by, request):
        raise Refused(f"Only the worker nominated in request {request.reference} can make its request to travel.")
    if request.status != State.INVITED:
        raise NotEditable(f"Request {request.reference} is {request.state.label.lower()}, so its request to travel "
                          "cannot change now.")


def travel_request_open(*, request: Request, by: User) -> TravelRequest:
    """The nominee's request to travel for this request, started now if it has not been."""
    # Read again: who the nominee's account is may have changed since the caller loaded the request.
    request = Request.objects.select_related("scheme", "nominee").get(pk=request.pk)
    _check_may_change(request, by)
    travel, _ = TravelRequest.objects.select_related("request__scheme", "request__nominee").get_or_create(
        request=request, defaults={"worker": by})
    return travel


def _locked(travel: TravelRequest, by: User) -> TravelRequest:
    """Inside a transaction: the request to travel as it is now, its request's row held until the transaction ends
    (a lodging holds it too), and still the worker's to change."""
    current = (Request.objects.select_for_update(of=("self",)).select_related("scheme", "nominee")
               .get(pk=travel.request_id))
    _check_may_change(current, by)
    locked = TravelRequest.objects.get(pk=travel.pk)
    locked.request = current
    return locked


@contextmanager
def _changing(travel: TravelRequest, by: User) -> Iterator[TravelRequest]:
    """A change to the request to travel, saved when the block ends without error and not at all otherwise."""
    with transaction.atomic():
        locked = _locked(travel, by)
        yield locked
        locked.declared_at = None
        locked.save()


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise InvalidInput(errors)


def _text(value: str) -> str:
    return " ".join(value.split())


def _identity_problems(*, given_names: str, family_name: str, date_of_birth: dt.date | None, nationality: str,
                       who: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not given_names:
        errors["given_names"] = f"Enter {who} given names, as on the passport."
    if not family_name:
        errors["family_name"] = f"Enter {who} family name, as on the passport."
    if date_of_birth is None:
        errors["date_of_birth"] = f"Enter {who} date of birth."
    elif born := date_of_birth_problem(date_of_birth, today()):
        errors["date_of_birth"] = f"{who.capitalize()} date of birth {born[1]}: check the year."
    errors.update(_country_problem("nationality", nationality, f"Select {who} nationality, as on the passport."))
    return errors


def _country_problem(field: str, code: str, missing: str) -> dict[str, str]:
    if not code:
        return {field: missing}
    try:
        validate_nationality(code)
    except ValidationError as exc:
        return {field: " ".join(exc.messages)}
    return {}


def _passport_problems(*, number: str, country: str, expiry: dt.date | None, mrz: str, who: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not number:
        errors["passport_number"] = f"Enter {who} passport number."
    else:
        try:
            validate_passport_number(number)
        except ValidationError as exc:
            errors["passport_number"] = " ".join(exc.messages)
    errors.update(_country_problem("passport_country", country, f"Select the country that issued {who} passport."))
    if expiry is None:
        errors["passport_expiry"] = f"Enter {who} passport's expiry date."
    if not mrz:
        errors["passport_mrz"] = ("Enter the second line of the machine-readable zone: the bottom line of the "
                                  "photo page.")
    return errors


def _expiry_problem(traveller: Traveller, travel_date: dt.date | None, terms: TravelTerms) -> dict[str, str]:
    """A passport that expires before travel, or before today while no travel date is known."""
    if travel_date is not None:
        found = traveller_problems([traveller], travel_date, child_max_age=terms.child_max_age,
                                   child_age_source=terms.child_age_source)
        return {key.rsplit(".", 1)[1]: message for key, message in found.items()}
    problems: dict[str, str] = {}
    if traveller.passport_expiry <= today():
        problems["passport_expiry"] = (f"{traveller.name}'s passport expired on {traveller.passport_expiry:%-d %B %Y}:"
                                       " renew it, then enter the new passport.")
    if traveller.relationship == "child" and age_on(traveller.date_of_birth, today()) > terms.child_max_age:
        problems["date_of_birth"] = (
            f"{traveller.name} is {age_on(traveller.date_of_birth, today())}: a dependent child is "
            f"{terms.child_max_age} or younger ({terms.child_age_source}). Remove them from this request; they can "
            "ask for an exception of their own.")
    return problems


# --- the worker ----------------------------------------------------------------------------------------------------


def personal_details_save(*, travel: TravelRequest, by: User, given_names: str, family_name: str,
                          date_of_birth: dt.date | None, nationality: str, phone: str) -> TravelRequest:
    given_names, family_name, phone = _text(given_names), _text(family_name), phone.strip()
    nationality = nationality.strip().upper()
    with _changing(travel, by) as current:
        errors = _identity_problems(given_names=given_names, family_name=family_name, date_of_birth=date_of_birth,
                                    nationality=nationality, who="your")
        if not phone:
            errors["phone"] = "Enter a phone number we can reach you on while you travel."
        elif not _PHONE.match(phone) or not 7 <= sum(c.isdigit() for c in phone) <= 15:
            errors["phone"] = "Enter the phone number with its country code, like +91 98765 43210."
        if current.passport_mrz and not errors:
            # The passport was entered first: the details must still agree with its machine-readable zone.
            errors.update(travel_checks.mrz_problems(current.passport_mrz, number="", nationality=nationality,
                                                     date_of_birth=date_of_birth, expiry=None))
        _raise_if(errors)
        current.given_names, current.family_name, current.date_of_birth = given_names, family_name, date_of_birth
        current.nationality, current.phone = nationality, phone
    return current


def passport_save(*, travel: TravelRequest, by: User, passport_number: str, passport_country: str,
                  passport_expiry: dt.date | None, passport_mrz: str) -> TravelRequest:
    number = "".join(passport_number.split()).upper()
    country, mrz = passport_country.strip().upper(), "".join(passport_mrz.split()).upper()
    with _changing(travel, by) as current:
        if not travel_checks.personal_done(current):
            raise InvalidInput({"__all__": "Enter your personal details first: your passport is checked against "
                                           "them."})
        errors = _passport_problems(number=number, country=country, expiry=passport_expiry, mrz=mrz, who="your")
        if passport_expiry is not None and current.date_of_birth is not None:
            worker = Traveller("worker", f"{current.given_names} {current.family_name}", "worker",
                               current.date_of_birth, passport_expiry)
            errors.update({k: v for k, v in _expiry_problem(worker, current.travel_date, terms_for(current)).items()
                           if k == "passport_expiry"})
        if mrz and "passport_mrz" not in errors:
            for field, message in travel_checks.mrz_problems(
                    mrz, number=number if "passport_number" not in errors else "", nationality=current.nationality,
                    date_of_birth=current.date_of_birth, expiry=passport_expiry).items():
                if field in travel_checks.PERSONAL_FIELDS:
                    # Entered in the personal details, not on this page: the line or those details are wrong.
                    errors.setdefault("passport_mrz", f"{message[:-1]}, or correct it in your personal details.")
                else:
                    errors.setdefault(field, message)
        _raise_if(errors)
        current.passport_number, current.passport_country = number, country
        current.passport_expiry, current.passport_mrz = passport_expiry, mrz
    return current


def employment_agreement_add(*, travel: TravelRequest, by: User, upload: UploadedFile | None) -> Document:
    """Store the signed agreement through the evidence checks, then make it the one this request to travel carries."""
    _check_may_change(travel.request, by)
    if upload is None:
        raise InvalidInput({"file": "Select the signed employment agreement to upload."})
    # document_add stores the file outside any transaction of ours (see its docstring), so it comes first.
    document = document_add(request=travel.request, kind=WORKERS_EVIDENCE[0], upload=upload, by=by)
    with _changing(travel, by) as current:
        current.employment_agreement = document
    return document


# --- partner and dependent children --------------------------------------------------------------------------------


def family_member_save(*, travel: TravelRequest, by: User, relationship: str, given_names: str, family_name: str,
                       date_of_birth: dt.date | None, nationality: str, passport_number: str, passport_country: str,
                       passport_expiry: dt.date | None, passport_mrz: str,
                       member: FamilyMember | None = None) -> FamilyMember:
    """Add a partner or dependent child, or change one added before (``member``)."""
    given_names, family_name = _text(given_names), _text(family_name)
    nationality, country = nationality.strip().upper(), passport_country.strip().upper()
    number, mrz = "".join(passport_number.split()).upper(), "".join(passport_mrz.split()).upper()
    if relationship not in FamilyMember.Relationship.values:
        raise InvalidInput({"relationship": "Say whether they are your partner or a dependent child."})
    who = "your partner's" if relationship == FamilyMember.Relationship.PARTNER else "the child's"
    with _changing(travel, by) as current:
        if member is not None and member.travel_request_id != current.pk:
            raise FamilyMember.DoesNotExist("No such person on this request to travel")
        others = current.family.exclude(pk=member.pk if member else None)
        errors: dict[str, str] = {}
        if relationship == FamilyMember.Relationship.PARTNER and others.filter(relationship=relationship).exists():
            errors["__all__"] = ("You have already added a partner, and a request to travel has at most one. Change "
                                 "or remove that partner instead.")
        errors.update(_identity_problems(given_names=given_names, family_name=family_name,
                                         date_of_birth=date_of_birth, nationality=nationality, who=who))
        errors.update(_passport_problems(number=number, country=country, expiry=passport_expiry, mrz=mrz, who=who))
        if date_of_birth is not None and passport_expiry is not None and "date_of_birth" not in errors:
            traveller = Traveller("family", f"{given_names} {family_name}".strip(), relationship, date_of_birth,
                                  passport_expiry)
            for field, message in _expiry_problem(traveller, current.travel_date, terms_for(current)).items():
                errors.setdefault(field, message)
        if mrz and "passport_mrz" not in errors:
            for field, message in travel_checks.mrz_problems(
                    mrz, number=number if "passport_number" not in errors else "", nationality=nationality,
                    date_of_birth=date_of_birth, expiry=passport_expiry).items():
                errors.setdefault(field, message)
        _raise_if(errors)
        saved = member or FamilyMember(travel_request=current)
        saved.relationship, saved.given_names, saved.family_name = relationship, given_names, family_name
        saved.date_of_birth, saved.nationality = date_of_birth, nationality
        saved.passport_number, saved.passport_country = number, country
        saved.passport_expiry, saved.passport_mrz = passport_expiry, mrz
        try:
            with transaction.atomic():
                saved.save()
        except IntegrityError as exc:  # a partner added a moment ago, in another tab
            raise InvalidInput({"__all__": "You have already added a partner, and a request to travel has at most "
                                           "one. Change or remove that partner instead."}) from exc
        current.no_family = False
    return saved


def family_member_remove(*, travel: TravelRequest, by: User, member: FamilyMember) -> None:
    with _changing(travel, by) as current:
        current.family.filter(pk=member.pk).delete()


def no_family_say(*, travel: TravelRequest, by: User) -> TravelRequest:
    """The worker says no partner or child travels with them."""
    with _changing(travel, by) as current:
        if current.family.exists():
            raise InvalidInput({"no_family": "You have added people who travel with you: remove them first, or "
                                             "continue with them."})
        current.no_family = True
    return current


# --- the journey ---------------------------------------------------------------------------------------------------


def journey_save(*, travel: TravelRequest, by: User, travel_date: dt.date | None, isolation_voucher: str,
                 isolation_from: dt.date | None, isolation_to: dt.date | None,
                 isolation_paid_by: str) -> TravelRequest:
    voucher = "".join(isolation_voucher.split()).upper()
    with _changing(travel, by) as current:
        terms = terms_for(current)
        errors: dict[str, str] = {}
        if travel_date is None:
            errors["travel_date"] = "Enter the date you will leave for New Zealand."
        if not voucher:
            errors["isolation_voucher"] = "Enter the reference of your managed-isolation voucher."
        elif not _VOUCHER.match(voucher):
            errors["isolation_voucher"] = ("Enter the voucher reference as it is on the voucher: 4 to 40 letters, "
                                           "numbers and dashes.")
        if isolation_from is None:
            errors["isolation_from"] = "Enter the date your managed isolation starts, as on the voucher."
        if isolation_to is None:
            errors["isolation_to"] = "Enter the date your managed isolation ends, as on the voucher."
        payers = dict(terms.paid_by)
        if isolation_paid_by not in payers:
            errors["isolation_paid_by"] = f"Select who pays for managed isolation: {', or '.join(payers.values())}."
        if travel_date and isolation_from and isolation_to:
            journey = Journey(travel_date, isolation_from, isolation_to)
            for field, message in journey_problems(journey, isolation_days=terms.isolation_days,
                                                   today=today()).items():
                errors.setdefault(field, message)
        if travel_date is not None and "travel_date" not in errors:
            # The people travelling were checked against today; the travel date is what counts.
            worker = travel_checks.worker_traveller(current)
            travellers = ([worker] if worker else []) + [travel_checks.member_traveller(m)
                                                         for m in current.family.all()]
            found_people = traveller_problems(travellers, travel_date, child_max_age=terms.child_max_age,
                                              child_age_source=terms.child_age_source)
            if found_people:
                errors["travel_date"] = " ".join(found_people.values())
        _raise_if(errors)
        current.travel_date, current.isolation_voucher = travel_date, voucher
        current.isolation_from, current.isolation_to = isolation_from, isolation_to
        current.isolation_paid_by = isolation_paid_by
    return current


# --- declaring and lodging -----------------------------------------------------------------------------------------


def declarations_make(*, travel: TravelRequest, by: User) -> TravelRequest:
    with transaction.atomic():
        locked = _locked(travel, by)
        unfinished = [p for p in travel_checks.lodging_problems(locked, terms_for(locked), today())
                      if p.task != "declarations"]
        if unfinished:
            raise InvalidInput({"__all__": "Finish every task before making the declarations: "
                                           f"{unfinished[0].message}"})
        locked.declared_at = timezone.now()
        locked.save(update_fields=["declared_at", "updated_at"])
    return locked


def travel_lodge(*, travel: TravelRequest, by: User) -> Request:
    """Lodge the request to travel (the ``request_travel`` transition), or raise and change nothing.

    Everything is checked again here, against today: a travel date can pass, and details can change after the
    declarations were made (which clears them).
    """
    with transaction.atomic():
        locked = _locked(travel, by)
        problems = travel_checks.lodging_problems(locked, terms_for(locked), today())
        if problems:
            raise InvalidInput({f"{p.task}.{p.field}": p.message for p in problems})
        locked.lodged_at = timezone.now()
        locked.save(update_fields=["lodged_at", "updated_at"])
        return request_transition(request=locked.request, name="request_travel", by=by)
