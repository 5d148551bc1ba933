"""The demo's organisations and accounts: one for every role, with passwords (and for staff an authenticator key)
printed for whoever runs the demo."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django_otp.plugins.otp_totp.models import TOTPDevice

from bordercase.accounts import second_factor
from bordercase.accounts.models import Organisation, User
from bordercase.accounts.organisations import employer_create, membership_add, organisation_by_code
from bordercase.accounts.services import notices_daily_set
from bordercase.lib.identifiers import nzbn_with_check_digit

KOWHAI_NZBN = nzbn_with_check_digit("942904100001")
HARBOURSIDE_NZBN = nzbn_with_check_digit("942904100002")
TUI_NZBN = nzbn_with_check_digit("942904100003")


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    name: str
    organisation: str  # an organisation code or NZBN, "" for none
    membership_role: str | None
    daily_digest: bool = False


KOWHAI = "aroha@kowhai.example"
HARBOURSIDE = "sam@harbourside.example"
TUI = "nikau@tui.example"
NZTECH, NZTECH_SECOND = "mere@nztech.example", "tama@nztech.example"
ITPNZ, ITPNZ_SECOND = "david@itpnz.example", "leilani@itpnz.example"
INZ, INZ_SECOND = "priya@inz.example", "grace@inz.example"
OFFICER = "tom@inz.example"
ADMINISTRATOR = "admin@mbie.example"
INDIVIDUAL = "li.wei@example.com"
WORKER = "ravi.kumar@example.com"

ACCOUNTS = [
    DemoAccount("Employer (Kōwhai Software)", KOWHAI, "Aroha Ngata", KOWHAI_NZBN, "employer"),
    DemoAccount("Employer (Harbourside Engineering)", HARBOURSIDE, "Sam Whitford", HARBOURSIDE_NZBN, "employer"),
    # Hundreds of nominations, so the tech class is over-subscribed and drawn; its employer reads one email a day.
    DemoAccount("Employer (Tūī Digital), daily digest", TUI, "Nīkau Rangi", TUI_NZBN, "employer", daily_digest=True),
    DemoAccount("Assessor, NZTech", NZTECH, "Mere Tawhiri", "nztech", "assessor"),
    # A second at each body, who confirms a colleague's decline where the scheme asks for four eyes.
    DemoAccount("Second assessor, NZTech", NZTECH_SECOND, "Tama Ngata", "nztech", "assessor"),
    DemoAccount("Assessor, IT Professionals NZ", ITPNZ, "David Chen", "itpnz", "assessor"),
    DemoAccount("Second assessor, IT Professionals NZ", ITPNZ_SECOND, "Leilani Tuala", "itpnz", "assessor"),
    DemoAccount("Assessor, Immigration NZ", INZ, "Priya Raman", "inz", "assessor"),
    DemoAccount("Second assessor, Immigration NZ", INZ_SECOND, "Grace Liu", "inz", "assessor"),
    DemoAccount("Immigration NZ officer", OFFICER, "Tom Faleolo", "inz", "inz_officer"),
    DemoAccount("Scheme administrator", ADMINISTRATOR, "Hine Walker", "mbie", "administrator"),
    DemoAccount("Individual requester", INDIVIDUAL, "Li Wei", "", None),
    DemoAccount("Nominated worker", WORKER, "Ravi Kumar", "", None),
]

EMPLOYERS = [
    ("Kōwhai Software Limited", KOWHAI_NZBN, "people@kowhai.example"),
    ("Harbourside Engineering Limited", HARBOURSIDE_NZBN, "hr@harbourside.example"),
    ("Tūī Digital Limited", TUI_NZBN, "talent@tui.example"),
]

STAFF_ROLES = {"assessor", "inz_officer", "administrator"}


def _password() -> str:
    return secrets.token_urlsafe(12)


@dataclass(frozen=True)
class DemoSignIn:
    account: DemoAccount
    password: str
    authenticator_key: str  # base 32, for staff, who must give a code from an app; "" for everyone else


def is_loaded() -> bool:
    return Organisation.objects.filter(nzbn=KOWHAI_NZBN).exists()


def employers_create() -> None:
    for name, nzbn, email in EMPLOYERS:
        employer_create(name=name, nzbn=nzbn, contact_email=email)


def account(demo_account: DemoAccount) -> User:
    """The demo account, made with its membership if it is not there yet (a demo loaded by an older version)."""
    found = User.objects.filter(email=demo_account.email).first()
    if found is not None:
        return found
    user = User.objects.create_user(demo_account.email, _password(), full_name=demo_account.name,
                                    is_staff=demo_account.membership_role in STAFF_ROLES)
    if demo_account.membership_role:
        org = (Organisation.objects.get(nzbn=demo_account.organisation) if demo_account.organisation.isdigit()
               else organisation_by_code(demo_account.organisation))
        membership_add(user=user, organisation=org, role=demo_account.membership_role)
    if demo_account.daily_digest:
        notices_daily_set(user=user, daily=True)
    return user


def accounts_create() -> dict[str, User]:
    """Every demo account, by email address."""
    return {a.email: account(a) for a in ACCOUNTS}


def accounts_reset_passwords() -> list[DemoSignIn]:
    """Give every demo account a fresh random password, and staff an authenticator app, and return them to print.

    A staff account keeps the app it already has, so the key someone added to their phone goes on working.
    """
    result = []
    for demo_account in ACCOUNTS:
        user = account(demo_account)
        password = _password()
        user.set_password(password)
        user.save(update_fields=["password"])
        key = ""
        if second_factor.staff(user):
            device = second_factor.device_confirmed(user) or TOTPDevice.objects.create(
                user=user, name=second_factor.DEVICE_NAME, confirmed=True)
            key = second_factor.secret_base32(device)
        result.append(DemoSignIn(demo_account, password, key))
    return result
