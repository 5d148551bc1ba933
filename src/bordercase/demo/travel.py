"""A worker's request to travel in the demo, filled in and lodged through Immigration NZ's services, as the worker
would from their invitation's link."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bordercase.accounts.models import User
from bordercase.cases.models import Request
from bordercase.immigration import letters
from bordercase.immigration.models import FamilyMember
from bordercase.immigration.passports import passport_line
from bordercase.immigration.services import travel
from bordercase.immigration.services.claims import invitation_claim, worker_sign_up


def _agreement(request: Request) -> SimpleUploadedFile:
    """The signed employment agreement the tech class asks the worker to upload, as a PDF of its own."""
    today = timezone.localdate()
    signed = letters.Letter(
        title="Employment agreement (signed)", reference=request.reference, dated=today,
        to=[request.nominee.full_name],
        facts=[("Employer", request.organisation.name if request.organisation else ""),
               ("Position", str(request.answers.get("job_title") or request.answers.get("anzsco_code", ""))),
               ("Annual salary", f"NZ${int(request.answers.get('annual_salary_nzd', 0)):,}")],
        sections=[("Signed", ["Signed by both parties; a demo document, not a real agreement."])])
    return SimpleUploadedFile(f"employment-agreement-{request.reference}.pdf", letters.render(signed),
                              content_type="application/pdf")


def _passport(number: str, nationality: str, born: date, *, years: int) -> dict[str, object]:
    expires = timezone.localdate() + timedelta(days=365 * years)
    return {"passport_number": number, "passport_country": nationality, "passport_expiry": expires,
            "passport_mrz": passport_line(number, nationality, born, expires)}


def travel_lodge_as_worker(request: Request, token: str, *, password: str = "", user: User | None = None,
                           with_family: bool = False) -> User:
    """Follow the invitation's link (signing up, or as ``user``), fill in every task and lodge; the worker."""
    worker = user or worker_sign_up(token=token, password=password)
    if user is not None:
        invitation_claim(token=token, user=user)
    nominee = request.nominee
    opened = travel.travel_request_open(request=request, by=worker)
    travel.personal_details_save(travel=opened, by=worker, given_names=nominee.given_names,
                                 family_name=nominee.family_name, date_of_birth=nominee.date_of_birth,
                                 nationality=nominee.nationality, phone="+64 21 555 0142")
    travel.passport_save(travel=opened, by=worker, **_passport(nominee.passport_number, nominee.nationality,
                                                                nominee.date_of_birth, years=6))
    terms = travel.terms_for(opened)
    if terms.needs_employment_agreement:
        travel.employment_agreement_add(travel=opened, by=worker, upload=_agreement(request))
    if with_family:
        born = date(1990, 1, 23)
        travel.family_member_save(travel=opened, by=worker, relationship=FamilyMember.Relationship.PARTNER,
                                  given_names="Anjali", family_name=nominee.family_name, date_of_birth=born,
                                  nationality=nominee.nationality, **_passport("P4455667", nominee.nationality, born,
                                                                                years=5))  # type: ignore[arg-type]
    else:
        travel.no_family_say(travel=opened, by=worker)
    leaves = timezone.localdate() + timedelta(days=21)
    travel.journey_save(travel=opened, by=worker, travel_date=leaves, isolation_voucher="MIQ-2022-31875",
                        isolation_from=leaves + timedelta(days=1),
                        isolation_to=leaves + timedelta(days=1 + terms.isolation_days),
                        isolation_paid_by=terms.paid_by[0][0])
    travel.declarations_make(travel=opened, by=worker)
    travel.travel_lodge(travel=opened, by=worker)
    return worker
