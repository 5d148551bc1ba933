"""Employer accounts: sign up and confirm by email, set up the organisation, invite colleagues."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from bordercase.accounts import services
from bordercase.accounts.models import Invitation, Membership, Organisation, User
from bordercase.lib.identifiers import nzbn_with_check_digit
from tests.conftest import PASSWORD, MailServer, World, signed_in

Capture = Callable[..., Any]
NEW = {"full_name": "Hana Tapsell", "email": "Hana@Example.com", "password": PASSWORD, "password_again": PASSWORD}


def link_in(message: Any) -> str:
    found = re.search(r"https?://\S+", message.get_content())
    assert found, "the email carries a link"
    return found.group(0).split("8000", 1)[1]


def sign_up(client: Client, smtp: MailServer, capture: Capture, **changes: str) -> Any:
    with capture(execute=True):
        return client.post("/sign-up/", {**NEW, **changes})


# --- signing up ----------------------------------------------------------------------------------------------------


def test_signing_up_sends_a_link_that_confirms_the_address_and_signs_in(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    client = Client()
    response = sign_up(client, smtp, django_capture_on_commit_callbacks)
    assert response["Location"] == "/sign-up/check-email/"
    user = User.objects.get(email="hana@example.com")
    assert user.email_verified_at is None
    [message] = smtp.wait_for(1)
    assert message["Subject"] == "Confirm your email address for bordercase"
    refused = Client().post("/sign-in/", {"username": "hana@example.com", "password": PASSWORD})
    assert "Confirm your email address first" in refused.content.decode()
    confirmed = client.get(link_in(message))
    assert confirmed["Location"] == "/account/ready/"
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert client.get("/account/ready/").status_code == 200  # signed in by the link
    again = Client().get(link_in(message))
    assert again.status_code == 400 and "already confirmed" in again.content.decode()


def test_an_address_with_an_account_gets_a_note_not_a_second_account(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    response = sign_up(Client(), smtp, django_capture_on_commit_callbacks, email=world.employer_a.email)
    assert response["Location"] == "/sign-up/check-email/"  # the same answer as for a new address
    [message] = smtp.wait_for(1)
    assert "tried to create a bordercase account" in message["Subject"]
    assert User.objects.filter(email=world.employer_a.email).count() == 1


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"full_name": ""}, "full_name", "Enter your full name"),
    ({"email": "hana"}, "email", "Enter an email address in the correct format"),
    ({"password": "short", "password_again": "short"}, "password", "too short"),
    ({"password_again": "something else entirely"}, "password_again", "The passwords do not match"),
    ({"password": "Hana Tapsell", "password_again": "Hana Tapsell"}, "password", "too similar"),
])
def test_a_bad_sign_up_names_the_field_and_creates_nothing(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture, changes: dict[str, str],
    field: str, message: str,
) -> None:
    response = sign_up(Client(), smtp, django_capture_on_commit_callbacks, **changes)
    page = response.content.decode()
    assert response.status_code == 200 and re.search(rf'<a href="#id_{field}">[^<]*{message}', page), page
    assert not User.objects.filter(email="hana@example.com").exists() and smtp.messages == []


def test_a_confirmation_link_expires_and_a_tampered_one_is_refused(world: World) -> None:
    user = User.objects.create_user("late@example.com", PASSWORD, full_name="Late", email_verified_at=None)
    token = services.confirmation_token(user)
    with time_machine.travel(timezone.now() + timedelta(days=4)), \
            pytest.raises(services.LinkUnusable, match="expired"):
        services.email_confirm(token)
    with pytest.raises(services.LinkUnusable, match="not complete"):
        services.email_confirm(token[:-2] + "xx")
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_new_link_is_sent_at_most_once_a_minute(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    sign_up(Client(), smtp, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirmation_resend("hana@example.com")
    assert len(smtp.wait_for(1)) == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=2)), \
            django_capture_on_commit_callbacks(execute=True):
        services.confirmation_resend("hana@example.com")
        services.confirmation_resend("nobody-here@example.com")  # silently nothing
    assert len(smtp.wait_for(2)) == 2


# --- organisations -------------------------------------------------------------------------------------------------


def test_a_confirmed_person_sets_up_their_organisation_and_acts_for_it(world: World) -> None:
    nzbn = nzbn_with_check_digit("942904100077")
    response = signed_in(world.individual).post(
        "/organisation/new/", {"name": "Tūī Data Limited", "nzbn": nzbn, "contact_email": "hr@tui.example"})
    organisation = Organisation.objects.get(nzbn=nzbn)
    assert response["Location"] == f"/organisation/{organisation.pk}/"
    assert Membership.objects.filter(user=world.individual, organisation=organisation, role="employer").exists()


@pytest.mark.parametrize(("nzbn", "message"), [
    (nzbn_with_check_digit("942904100001")[:-1] + str((int(nzbn_with_check_digit("942904100001")[-1]) + 1) % 10),
     "check digit"),
    ("", "Enter the organisation"),
    (None, "already registered"),
])
def test_a_bad_or_taken_nzbn_is_refused_and_nothing_is_made(world: World, nzbn: str | None, message: str) -> None:
    before = Organisation.objects.count()
    response = signed_in(world.individual).post("/organisation/new/", {
        "name": "Tūī Data Limited", "nzbn": world.org_a.nzbn if nzbn is None else nzbn,
        "contact_email": "hr@tui.example"})
    page = response.content.decode()
    assert response.status_code == 200 and 'href="#id_nzbn"' in page and message in page
    assert Organisation.objects.count() == before and not world.individual.memberships.exists()


def test_an_organisation_is_not_found_by_anyone_who_does_not_act_for_it(world: World) -> None:
    for outsider in (world.employer_b, world.individual, world.assessor_nztech):
        assert signed_in(outsider).get(f"/organisation/{world.org_a.pk}/").status_code == 404


# --- invitations ---------------------------------------------------------------------------------------------------


def invite(world: World, email: str, capture: Capture) -> Any:
    with capture(execute=True):
        return signed_in(world.employer_a).post(f"/organisation/{world.org_a.pk}/", {"email": email})


def test_an_invited_colleague_creates_an_account_from_the_email_and_acts_for_the_organisation(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    response = invite(world, "Wiremu@Kowhai.example", django_capture_on_commit_callbacks)
    assert "We have emailed an invitation to wiremu@kowhai.example" in response.content.decode()
    [message] = smtp.wait_for(1)
    assert world.org_a.name in message["Subject"]
    path = link_in(message)
    client = Client()
    assert "Create your account" in client.get(path).content.decode()
    accepted = client.post(path, {"full_name": "Wiremu Parata", "password": PASSWORD, "password_again": PASSWORD})
    assert accepted["Location"] == f"/organisation/{world.org_a.pk}/"
    wiremu = User.objects.get(email="wiremu@kowhai.example")
    assert wiremu.email_verified_at is not None  # the invitation proved the address
    assert Membership.objects.filter(user=wiremu, organisation=world.org_a, role="employer").exists()
    used = Client().get(path)
    assert used.status_code == 400 and "already been accepted" in used.content.decode()


def test_an_existing_account_signs_in_to_accept_and_only_the_invited_address_may(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    invite(world, world.individual.email, django_capture_on_commit_callbacks)
    path = link_in(smtp.wait_for(1)[0])
    assert "Sign in to accept" in Client().get(path).content.decode()
    wrong = signed_in(world.employer_b).post(path)
    assert "This invitation is for" in wrong.content.decode()
    assert not world.employer_b.memberships.filter(organisation=world.org_a).exists()
    right = signed_in(world.individual).post(path)
    assert right.status_code == 302 and world.individual.memberships.filter(organisation=world.org_a).exists()


def test_a_withdrawn_replaced_or_expired_invitation_cannot_be_used(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    invite(world, "first@example.com", django_capture_on_commit_callbacks)
    invite(world, "first@example.com", django_capture_on_commit_callbacks)  # replaces the first
    first, second = (link_in(m) for m in smtp.wait_for(2))
    assert "replaced by a newer one" in Client().get(first).content.decode()
    latest = Invitation.objects.get(email="first@example.com", revoked_at__isnull=True)
    signed_in(world.employer_a).post(f"/organisation/{world.org_a.pk}/invitations/{latest.pk}/withdraw/")
    assert "withdrawn" in Client().get(second).content.decode()
    invite(world, "late@example.com", django_capture_on_commit_callbacks)
    late = link_in(smtp.wait_for(3)[2])
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        assert "expired" in Client().get(late).content.decode()


def test_inviting_a_member_again_or_by_an_outsider_is_refused(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    response = invite(world, world.employer_a.email, django_capture_on_commit_callbacks)
    assert "already acts for" in response.content.decode()
    outsider = signed_in(world.employer_b).post(f"/organisation/{world.org_a.pk}/", {"email": "x@example.com"})
    assert outsider.status_code == 404
    invitation = services.invitation_create(organisation=world.org_a, email="y@example.com",
                                            invited_by=world.employer_a)
    revoke = signed_in(world.employer_b).post(
        f"/organisation/{world.org_a.pk}/invitations/{invitation.pk}/withdraw/")
    assert revoke.status_code == 404 and Invitation.objects.get(pk=invitation.pk).revoked_at is None
    assert not Invitation.objects.filter(email__in=[world.employer_a.email, "x@example.com"]).exists()


# --- addresses, repeated sign-ups and the rate limit ---------------------------------------------------------------


def test_any_valid_address_signs_up_and_signs_in_whatever_its_letter_case(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    client = Client()
    response = sign_up(client, smtp, django_capture_on_commit_callbacks, email="Hana/Ops@Example.com")
    assert response["Location"] == "/sign-up/check-email/"
    [message] = smtp.wait_for(1)
    assert "hana/ops" not in link_in(message).lower()  # the address is not written into the link
    assert client.get(link_in(message))["Location"] == "/account/ready/"
    signed = Client().post("/sign-in/", {"username": " HANA/ops@example.COM", "password": PASSWORD})
    assert signed.status_code == 302


def test_signing_up_again_while_unconfirmed_replaces_the_password_and_the_first_link(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    # Someone else may have signed up first with this address; the latest sign-up's password is the one confirmed.
    sign_up(Client(), smtp, django_capture_on_commit_callbacks, password="someone else's secret",
            password_again="someone else's secret")
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        sign_up(Client(), smtp, django_capture_on_commit_callbacks)
        first, second = (link_in(m) for m in smtp.wait_for(2))
        refused = Client().get(first)
        assert refused.status_code == 400 and "replaced by a newer one" in refused.content.decode()
        assert Client().get(second)["Location"] == "/account/ready/"
        old = Client().post("/sign-in/", {"username": "hana@example.com", "password": "someone else's secret"})
        assert old.status_code == 200
        assert Client().post("/sign-in/", {"username": "hana@example.com", "password": PASSWORD}).status_code == 302
    assert User.objects.get(email="hana@example.com").full_name == "Hana Tapsell"


def test_repeating_a_form_sends_at_most_one_email_a_minute_to_an_account(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    for _ in range(3):
        sign_up(Client(), smtp, django_capture_on_commit_callbacks, email=world.employer_a.email)
        with django_capture_on_commit_callbacks(execute=True):
            Client().post("/password-reset/", {"email": world.employer_a.email})
    [note] = smtp.wait_for(1)
    assert "tried to create a bordercase account" in note["Subject"]
    assert "/password-reset/" in note.get_content()  # the note says how to set a new password
    with time_machine.travel(timezone.now() + timedelta(minutes=2)), \
            django_capture_on_commit_callbacks(execute=True):
        Client().post("/password-reset/", {"email": world.employer_a.email})
    assert smtp.wait_for(2)[1]["Subject"] == "Set a new password for bordercase"


def test_every_problem_with_a_sign_up_is_shown_at_once(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    response = sign_up(Client(), smtp, django_capture_on_commit_callbacks, full_name="", password="12345678",
                       password_again="12345678")
    summary = re.findall(r'<a href="#id_(\w+)">([^<]*)</a>', response.content.decode())
    assert [field for field, _ in summary] == ["full_name", "password"]
    assert "12 characters or more" in summary[1][1] and "only numbers" in summary[1][1]


# --- forgotten passwords -------------------------------------------------------------------------------------------


def test_a_forgotten_password_is_replaced_through_a_link_that_works_once(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        unknown = Client().post("/password-reset/", {"email": "no-account@example.com"})
        known = Client().post("/password-reset/", {"email": "Aroha@Kowhai.example"})
    assert unknown["Location"] == known["Location"] == "/password-reset/sent/"  # no hint of who has an account
    [message] = smtp.wait_for(1)
    assert str(message["To"]) == world.employer_a.email
    path, client = link_in(message), Client()
    weak = client.post(path, {"password": "aroha ngata", "password_again": "aroha ngata"})
    assert re.search(r'<a href="#id_password">[^<]*too similar', weak.content.decode())
    new = "kete harakeke tuatara moana"
    assert client.post(path, {"password": new, "password_again": new})["Location"] == "/password-reset/done/"
    assert Client().post("/sign-in/", {"username": world.employer_a.email, "password": PASSWORD}).status_code == 200
    assert Client().post("/sign-in/", {"username": world.employer_a.email, "password": new}).status_code == 302
    used = Client().get(path)
    assert used.status_code == 400 and "already been used" in used.content.decode()
    tampered = Client().get(path.replace("/password-reset/", "/password-reset/x", 1))
    assert tampered.status_code == 400


def test_setting_a_password_from_the_emailed_link_confirms_an_unconfirmed_account(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    user = User.objects.create_user("late@example.com", PASSWORD, full_name="Late", email_verified_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/password-reset/", {"email": "late@example.com"})
    new = "kete harakeke tuatara moana"
    Client().post(link_in(smtp.wait_for(1)[0]), {"password": new, "password_again": new})
    user.refresh_from_db()
    assert user.email_verified_at is not None and user.check_password(new)


# --- organisations: who may set one up, and who sees it ------------------------------------------------------------


def test_someone_who_acts_for_an_employer_is_sent_to_it_instead_of_setting_up_another(world: World) -> None:
    client = signed_in(world.employer_a)
    assert client.get("/organisation/new/")["Location"] == "/organisation/"
    nzbn = nzbn_with_check_digit("942904100077")
    posted = client.post("/organisation/new/", {"name": "Second Limited", "nzbn": nzbn, "contact_email": "a@b.nz"})
    assert posted.status_code == 302 and not Organisation.objects.filter(nzbn=nzbn).exists()
    with pytest.raises(services.Refused):
        services.organisation_register(user=world.employer_a, name="Second Limited", nzbn=nzbn, contact_email="")


def test_an_nzbn_registered_by_someone_else_a_moment_ago_is_refused_not_an_error(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both checks pass when two people register the same NZBN at once; the unique index decides.
    monkeypatch.setattr(services, "_nzbn_taken", lambda nzbn: False)
    monkeypatch.setattr(Organisation, "validate_unique", lambda self, exclude=None: None)
    response = signed_in(world.individual).post(
        "/organisation/new/", {"name": "Copy Limited", "nzbn": world.org_a.nzbn, "contact_email": "a@b.nz"})
    assert response.status_code == 200 and "already registered" in response.content.decode()
    assert not world.individual.memberships.exists()


def test_the_navigation_offers_your_organisation_only_to_employer_staff(world: World) -> None:
    def menu(user: User | None) -> list[str]:
        client = signed_in(user) if user else Client()
        nav = re.search(r'<nav aria-label="Menu".*?</nav>', client.get("/").content.decode(), re.S)
        assert nav
        return re.findall(r'class="govuk-service-navigation__link" href="[^"]*"[^>]*>([^<]+)<', nav.group(0))

    assert menu(None) == ["Sign in", "Create an account"]
    assert menu(world.employer_a) == ["Requests", "Start a request", "Your organisation", "API tokens",
                                      "Two-step verification", "Email", "Your information"]
    assert menu(world.individual) == ["Requests", "Start a request", "API tokens", "Two-step verification", "Email",
                                      "Your information"]
    assert menu(world.assessor_nztech) == ["Requests", "Assessment queue", "Recommend to Immigration NZ",
                                           "Correction requests", "API tokens", "Two-step verification",
                                           "Your information"]
    assert menu(world.inz_officer) == ["Requests", "Recommendations", "Invitations to apply", "Visa decisions",
                                       "Correction requests", "API tokens", "Two-step verification",
                                       "Your information"]


# --- invitations: unconfirmed accounts and members -----------------------------------------------------------------


def test_an_invitation_to_an_unconfirmed_account_lets_the_invitee_set_its_password(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    # Anyone can sign up with any address; whoever reads the invitation in that inbox decides the password.
    User.objects.create_user("wiremu@kowhai.example", "a stranger's password", full_name="Not Wiremu",
                             email_verified_at=None)
    invite(world, "wiremu@kowhai.example", django_capture_on_commit_callbacks)
    path, client = link_in(smtp.wait_for(1)[0]), Client()
    assert "Create your account" in client.get(path).content.decode()
    accepted = client.post(path, {"full_name": "Wiremu Parata", "password": PASSWORD, "password_again": PASSWORD})
    assert accepted["Location"] == f"/organisation/{world.org_a.pk}/"
    wiremu = User.objects.get(email="wiremu@kowhai.example")
    assert wiremu.full_name == "Wiremu Parata" and wiremu.email_verified_at is not None
    assert wiremu.check_password(PASSWORD) and not wiremu.check_password("a stranger's password")
    assert wiremu.memberships.filter(organisation=world.org_a).count() == 1


def test_an_invitation_to_someone_who_became_a_member_meanwhile_is_used_up(world: World) -> None:
    invitation = services.invitation_create(organisation=world.org_a, email=world.individual.email,
                                            invited_by=world.employer_a)
    Membership.objects.create(user=world.individual, organisation=world.org_a, role="employer")
    services.invitation_accept(invitation=invitation, user=world.individual)
    invitation.refresh_from_db()
    assert invitation.accepted_by == world.individual
    assert world.individual.memberships.filter(organisation=world.org_a).count() == 1


def test_an_invitation_that_expires_while_open_is_refused_on_accepting(world: World) -> None:
    invitation = services.invitation_create(organisation=world.org_a, email=world.individual.email,
                                            invited_by=world.employer_a)
    with time_machine.travel(timezone.now() + timedelta(days=15)), \
            pytest.raises(services.LinkUnusable, match="expired"):
        services.invitation_accept(invitation=invitation, user=world.individual)
    assert not world.individual.memberships.exists()


def test_a_member_withdraws_a_pending_invitation_and_the_page_stops_listing_it(world: World) -> None:
    invitation = services.invitation_create(organisation=world.org_a, email="maybe@example.com",
                                            invited_by=world.employer_a)
    client = signed_in(world.employer_a)
    assert "maybe@example.com" in client.get(f"/organisation/{world.org_a.pk}/").content.decode()
    assert client.get(f"/organisation/{world.org_a.pk}/invitations/{invitation.pk}/withdraw/").status_code == 405
    client.post(f"/organisation/{world.org_a.pk}/invitations/{invitation.pk}/withdraw/")
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None
    assert "maybe@example.com" not in client.get(f"/organisation/{world.org_a.pk}/").content.decode()
    other_org = signed_in(world.employer_b).post(
        f"/organisation/{world.org_b.pk}/invitations/{invitation.pk}/withdraw/")
    assert other_org.status_code == 404  # an invitation id from another organisation is not found there
