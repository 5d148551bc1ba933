"""A realistic demo dataset, made through the same services as real use so every event chain is valid."""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from bordercase.accounts import second_factor
from bordercase.accounts.models import User
from bordercase.cases.identifiers import nzbn_with_check_digit
from bordercase.cases.models import Organisation, Person, Request, Scheme
from bordercase.cases.services.events import SYSTEM, Actor
from bordercase.cases.services.organisations import employer_create, membership_add, organisation_by_code
from bordercase.cases.services.people import person_create
from bordercase.cases.services.requests import request_create
from bordercase.cases.services.transitions import request_transition
from bordercase.cases.services.windows import window_add

MARKER_NZBN = nzbn_with_check_digit("942904100001")


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    name: str
    organisation: str  # an organisation code or NZBN, "" for none
    membership_role: str | None


ACCOUNTS = [
    DemoAccount("Employer (Kōwhai Software)", "aroha@kowhai.example", "Aroha Ngata", MARKER_NZBN, "employer"),
    DemoAccount("Employer (Harbourside Engineering)", "sam@harbourside.example", "Sam Whitford",
                nzbn_with_check_digit("942904100002"), "employer"),
    DemoAccount("Assessor, NZTech", "mere@nztech.example", "Mere Tawhiri", "nztech", "assessor"),
    # A second at each body, who confirms a colleague's decline where the scheme asks for four eyes.
    DemoAccount("Second assessor, NZTech", "tama@nztech.example", "Tama Ngata", "nztech", "assessor"),
    DemoAccount("Assessor, IT Professionals NZ", "david@itpnz.example", "David Chen", "itpnz", "assessor"),
    DemoAccount("Second assessor, IT Professionals NZ", "leilani@itpnz.example", "Leilani Tuala", "itpnz",
                "assessor"),
    DemoAccount("Assessor, Immigration NZ", "priya@inz.example", "Priya Raman", "inz", "assessor"),
    DemoAccount("Second assessor, Immigration NZ", "grace@inz.example", "Grace Liu", "inz", "assessor"),
    DemoAccount("Immigration NZ officer", "tom@inz.example", "Tom Faleolo", "inz", "inz_officer"),
    DemoAccount("Scheme administrator", "admin@mbie.example", "Hine Walker", "mbie", "administrator"),
    DemoAccount("Individual requester", "li.wei@example.com", "Li Wei", "", None),
    DemoAccount("Nominated worker", "ravi.kumar@example.com", "Ravi Kumar", "", None),
]

EMPLOYERS = [
    ("Kōwhai Software Limited", MARKER_NZBN, "people@kowhai.example"),
    ("Harbourside Engineering Limited", nzbn_with_check_digit("942904100002"), "hr@harbourside.example"),
]

# The transitions that take a tech-scheme request to each state, with who makes each.
TECH_PATHS: dict[str, list[tuple[str, str, str]]] = {
    "draft": [],
    "lodged": [("lodge", "employer", "")],
    "in_assessment": [("lodge", "employer", ""), ("start_assessment", "assessor", "")],
}
_assessed = TECH_PATHS["in_assessment"]
_eligible = [*_assessed, ("find_eligible", "assessor", "Every mandatory criterion is met.")]
_allocated = [*_eligible, ("allocate", "administrator", "Drawn in ballot round 1.")]
_recommended = [*_allocated, ("recommend", "assessor", "")]
_invited = [*_recommended, ("invite", "inz_officer", "")]
_travel = [*_invited, ("request_travel", "worker", "")]
TECH_PATHS.update({
    "info_requested": [*_assessed, ("request_information", "assessor",
                                    "Please upload the signed employment agreement; the one attached is unsigned.")],
    "declined": [*_assessed, ("decline", "assessor",
                              "Salary NZ$110,000 is below the NZ$120,000 threshold for ANZSCO 2613 "
                              "Software and Applications Programmers.")],
    "eligible": _eligible,
    "allocated": _allocated,
    "waitlisted": [*_eligible, ("waitlist", "administrator", "Not drawn in ballot round 1; 12th on the waitlist.")],
    "recommended": _recommended,
    "invited": _invited,
    "travel_requested": _travel,
    "visa_granted": [*_travel, ("grant_visa", "inz_officer", "Critical Purpose Visitor Visa granted for 12 months.")],
    "visa_declined": [*_travel, ("decline_visa", "inz_officer",
                                 "The passport supplied expires before the intended travel date.")],
    "withdrawn": [*_assessed, ("withdraw", "employer", "The worker accepted another offer.")],
    "lapsed": [*_invited, ("lapse", "system", "The invitation to apply expired after 30 days without a request.")],
})

WORKERS = [
    ("Emily", "Hartley", date(1985, 9, 3), "GBR", "533201987"),
    ("Thabo", "Nkosi", date(1990, 1, 21), "ZAF", "A09384756"),
    ("Maria", "Santos", date(1992, 7, 30), "PHL", "P1234567A"),
    ("Lukas", "Becker", date(1983, 11, 8), "DEU", "C01X00T47"),
    ("Ana", "Oliveira", date(1991, 2, 14), "BRA", "FT527384"),
    ("Seo-yeon", "Park", date(1994, 5, 5), "KOR", "M12345678"),
    ("Ciarán", "Byrne", date(1987, 3, 17), "IRL", "PA7654321"),
    ("Sophie", "Martin", date(1989, 12, 1), "FRA", "18AB23456"),
    ("Daniel", "Cohen", date(1986, 8, 19), "USA", "561234987"),
    ("Wei", "Zhang", date(1993, 10, 10), "CHN", "E12345678"),
    ("Valentina", "Rossi", date(1990, 6, 25), "ITA", "YA1234567"),
    ("Arjun", "Mehta", date(1984, 1, 2), "IND", "K9876543"),
    ("Olivia", "Brown", date(1995, 4, 28), "AUS", "PA1928374"),
    ("Mateo", "García", date(1988, 9, 9), "ARG", "AAB123456"),
    ("Hannah", "Schmidt", date(1987, 2, 2), "AUT", "U1234567"),
    ("Kwame", "Mensah", date(1986, 6, 6), "GHA", "G2345678"),
    ("Yuki", "Tanaka", date(1992, 12, 12), "JPN", "TK1234567"),
    ("Noah", "Dubois", date(1989, 3, 30), "CAN", "AB123456"),
]

_COMMITTED = {"employment_agreement_signed": True, "pipeline_programmes": ["Summer of Tech"],
              "industry_memberships": ["NZTech"]}
TECH_ANSWERS = [
    {"job_title": "Senior software engineer", "annual_salary_nzd": 145000, **_COMMITTED},
    {"anzsco_code": "262112", "annual_salary_nzd": 185000, **_COMMITTED},
    {"job_title": "Chief technology officer", "annual_salary_nzd": 230000, **_COMMITTED},
    {"anzsco_code": "261211", "annual_salary_nzd": 98000, **_COMMITTED, "industry_memberships": ["Game Developers NZ"]},
]


def _password() -> str:
    return secrets.token_urlsafe(12)


@dataclass(frozen=True)
class DemoSignIn:
    account: DemoAccount
    password: str
    authenticator_key: str  # base 32, for staff, who must give a code from an app; "" for everyone else


def accounts_reset_passwords() -> list[DemoSignIn]:
    """Give every demo account a fresh random password, and staff an authenticator app, and return them to print.

    A staff account keeps the app it already has, so the key someone added to their phone goes on working.
    """
    result = []
    for account in ACCOUNTS:
        user = _account(account)
        password = _password()
        user.set_password(password)
        user.save(update_fields=["password"])
        key = ""
        if second_factor.staff(user):
            device = second_factor.device_confirmed(user) or TOTPDevice.objects.create(
                user=user, name=second_factor.DEVICE_NAME, confirmed=True)
            key = second_factor.secret_base32(device)
        result.append(DemoSignIn(account, password, key))
    return result


def is_loaded() -> bool:
    return Organisation.objects.filter(nzbn=MARKER_NZBN).exists()


def _account(account: DemoAccount) -> User:
    """The demo account, made with its membership if it is not there yet (a demo loaded by an older version)."""
    found = User.objects.filter(email=account.email).first()
    if found is not None:
        return found
    staff = account.membership_role in {"assessor", "inz_officer", "administrator"}
    user = User.objects.create_user(account.email, _password(), full_name=account.name, is_staff=staff)
    if account.membership_role:
        org = (Organisation.objects.get(nzbn=account.organisation) if account.organisation.isdigit()
               else organisation_by_code(account.organisation))
        membership_add(user=user, organisation=org, role=account.membership_role)
    return user


@transaction.atomic
def demo_load() -> int:
    """Create the demo organisations, accounts and requests; return how many requests were made."""
    for name, nzbn, email in EMPLOYERS:
        employer_create(name=name, nzbn=nzbn, contact_email=email)
    users = {account.email: _account(account) for account in ACCOUNTS}

    # Every scheme takes requests in the demo: a window opened a fortnight ago and closes in six weeks.
    now = timezone.now()
    for scheme in Scheme.objects.all():
        window_add(scheme=scheme, opens_at=now - timedelta(days=14), closes_at=now + timedelta(days=42),
                   by=users["admin@mbie.example"])

    kowhai = Organisation.objects.get(nzbn=MARKER_NZBN)
    harbourside = Organisation.objects.get(nzbn=EMPLOYERS[1][1])
    tech = Scheme.objects.get(code="tech-specialists-2022")
    essential = Scheme.objects.get(code="other-essential-worker-2020")
    actors: dict[str, Actor] = {
        "employer": users["aroha@kowhai.example"],
        "administrator": users["admin@mbie.example"],
        "inz_officer": users["tom@inz.example"],
        "worker": users["ravi.kumar@example.com"],
        "system": SYSTEM,
    }
    workers = iter(WORKERS)
    made = 0

    def nominee() -> Person:
        given, family, born, nationality, passport = next(workers)
        return person_create(given_names=given, family_name=family, date_of_birth=born, nationality=nationality,
                             passport_number=passport, email=_email(given, family))

    # The tech class exception: one request in every state, alternating between the two bodies.
    for index, (state, path) in enumerate(TECH_PATHS.items()):
        if state == "visa_granted":
            continue  # made last, for the worker who has an account
        body_code = "nztech" if index % 2 == 0 else "itpnz"
        actors["assessor"] = users["mere@nztech.example" if body_code == "nztech" else "david@itpnz.example"]
        request = request_create(by=actors["employer"], scheme=tech, organisation=kowhai, nominee=nominee(),
                                 assessing_body=organisation_by_code(body_code),
                                 answers=TECH_ANSWERS[index % len(TECH_ANSWERS)])
        _walk(request, path, actors)
        made += 1

    actors["assessor"] = users["mere@nztech.example"]
    granted = request_create(by=actors["employer"], scheme=tech, organisation=kowhai,
                             nominee=_worker_with_account(users["ravi.kumar@example.com"]),
                             assessing_body=organisation_by_code("nztech"), answers=TECH_ANSWERS[0])
    _walk(granted, TECH_PATHS["visa_granted"], actors)
    made += 1

    # Other essential worker: Immigration NZ assesses and invites directly, with no cap.
    actors["employer"] = users["sam@harbourside.example"]
    actors["assessor"] = users["priya@inz.example"]
    essential_answers = {"role_duration_months": 4, "unique_skills_not_obtainable_in_nz": True,
                         "time_critical": True, "significant_work": "major_infrastructure"}
    for path in (
        [("lodge", "employer", "")],
        [("lodge", "employer", ""), ("start_assessment", "assessor", ""),
         ("decline", "assessor", "The role is not time critical: the project can proceed with a local hire.")],
        [("lodge", "employer", ""), ("start_assessment", "assessor", ""), ("find_eligible", "assessor", ""),
         ("invite", "inz_officer", "")],
    ):
        request = request_create(by=actors["employer"], scheme=essential, organisation=harbourside,
                                 nominee=nominee(), answers=essential_answers)
        _walk(request, path, actors)
        made += 1

    # An individual's expression of interest under the family category.
    actors["employer"] = users["li.wei@example.com"]
    family = Scheme.objects.get(code="eoi-family-2020")
    eoi = request_create(
        by=users["li.wei@example.com"], scheme=family,
        nominee=person_create(given_names="Wei", family_name="Li", date_of_birth=date(1990, 3, 3), nationality="CHN",
                              passport_number="EA7654321", email="li.wei@example.com"),
        answers={"explanation": "My husband is a New Zealand citizen; we have lived in Auckland since 2016."},
    )
    _walk(eoi, [("lodge", "employer", ""), ("start_assessment", "assessor", "")], actors)
    made += 1
    return made


def _email(given: str, family: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", f"{given}.{family}").encode("ascii", "ignore").decode()
    return f"{ascii_name.lower()}@example.com"


def _worker_with_account(user: User) -> Person:
    person = person_create(given_names="Ravi", family_name="Kumar", date_of_birth=date(1988, 4, 12),
                           nationality="IND", passport_number="Z4817263", email=user.email)
    person.user = user
    person.save(update_fields=["user"])
    return person


def _walk(request: Request, path: list[tuple[str, str, str]], actors: dict[str, Actor]) -> None:
    # Imported here: the demo is made through every app's services, and Immigration NZ's build on this package's.
    from bordercase.immigration.services.invitations import invitation_issue

    for name, who, reason in path:
        by = actors[who]
        if who == "worker":
            # Workers without an account of their own have their employer lodge for them.
            by = request.nominee.user if request.nominee and request.nominee.user else actors["employer"]
        if name == "invite" and isinstance(by, User):
            # Through Immigration NZ's own service, so the invitation, its link and its letter exist as they would.
            invitation_issue(request=Request.objects.get(pk=request.pk), by=by)
            continue
        request_transition(request=request, name=name, by=by, reason=reason)

