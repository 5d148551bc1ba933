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
from bordercase.accounts.models import Invitation, User
from bordercase.cases.identifiers import nzbn_with_check_digit
from bordercase.cases.models import Membership, Organisation
from tests.conftest import PASSWORD, MailServer, World

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


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


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
