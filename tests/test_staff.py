"""Scheme administrators run the staff: invite by email (the person then sets up an authenticator app), change a
role, deactivate at once (sessions and tokens end); each change with a reason in the activity record. Anyone else
is refused, and a refusal changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from bordercase.accounts import staff
from bordercase.accounts.models import AdministratorAction, Invitation, Membership, User
from bordercase.accounts.organisations import organisation_by_code
from bordercase.accounts.tokens import token_create
from bordercase.lib.errors import InvalidInput, Refused
from tests.conftest import PASSWORD, MailServer, World, verified_client
from tests.test_accounts import link_in

Capture = Callable[..., Any]


def test_an_invited_assessor_signs_up_from_the_email_and_must_set_up_an_authenticator_app(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    nztech = organisation_by_code("nztech")
    client = verified_client(world.administrator)
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"/administration/staff/{nztech.pk}/invite/", {
            "email": "Tama@NZTech.example", "role": "assessor", "reason": "A second assessor to confirm declines."})
    assert sent.status_code == 302
    [message] = smtp.wait_for(1)
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "as assessor at NZTech" in body and "authenticator app" in body
    path = link_in(message)
    newcomer = Client()
    accepted = newcomer.post(path, {"full_name": "Tama Ngata", "password": PASSWORD, "password_again": PASSWORD})
    assert accepted.status_code == 302 and accepted["Location"] == "/requests/"
    tama = User.objects.get(email="tama@nztech.example")
    assert Membership.objects.filter(user=tama, organisation=nztech, role="assessor").exists()
    # Staff give a second factor: the first page they open asks them to set up their app.
    first = newcomer.get("/assessment/")
    assert first.status_code == 302 and "/account/two-step/set-up/" in first["Location"]
    action = AdministratorAction.objects.get(action="staff_invite")
    assert action.actor == world.administrator and "tama@nztech.example" in action.subject
    listing = client.get("/administration/staff/").content.decode()
    assert "tama@nztech.example" in listing and "Authenticator app not set up yet" in listing


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"role": "inz_officer"}, "role", "Select one of the roles shown"),
    ({"reason": "  "}, "reason", "Say why"),
    ({"email": "mere"}, "email", "correct format"),
])
def test_a_bad_invitation_names_the_field_and_sends_nothing(
    world: World, change: dict[str, str], field: str, words: str
) -> None:
    nztech = organisation_by_code("nztech")
    posted = {"email": "tama@nztech.example", "role": "assessor", "reason": "Needed.", **change}
    response = verified_client(world.administrator).post(f"/administration/staff/{nztech.pk}/invite/", posted)
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page and words in page
    assert f'href="#id_{field}"' in page
    assert not Invitation.objects.filter(email="tama@nztech.example").exists()
    assert not AdministratorAction.objects.exists()


def test_only_an_administrator_may_invite_change_or_deactivate(world: World) -> None:
    nztech = organisation_by_code("nztech")
    membership = Membership.objects.get(user=world.assessor_nztech)
    for who in (world.assessor_nztech, world.inz_officer, world.employer_a):
        with pytest.raises(Refused):
            staff.staff_invite(organisation=nztech, email="x@nztech.example", role="assessor", by=who, reason="x")
        with pytest.raises(Refused):
            staff.staff_deactivate(user=world.assessor_itpnz, by=who, reason="x")
        with pytest.raises(Refused):
            staff.staff_role_change(membership=membership, role="assessor", by=who, reason="x")
    for path in ("/administration/staff/", f"/administration/staff/{nztech.pk}/invite/",
                 f"/administration/staff/people/{world.assessor_itpnz.pk}/deactivate/"):
        assert verified_client(world.inz_officer).get(path).status_code == 404
    assert User.objects.get(pk=world.assessor_itpnz.pk).is_active and not AdministratorAction.objects.exists()


def test_deactivating_ends_the_sessions_and_the_tokens_at_once(world: World) -> None:
    _, token = token_create(user=world.assessor_nztech, name="queue sync")
    working = verified_client(world.assessor_nztech)
    assert working.get("/assessment/").status_code == 200
    api = Client(headers={"Authorization": f"Bearer {token}"})
    assert api.get("/api/v1/assessment/queue").status_code == 200
    done = verified_client(world.administrator).post(
        f"/administration/staff/people/{world.assessor_nztech.pk}/deactivate/", {"reason": "Left NZTech."})
    assert done.status_code == 302
    signed_out = working.get("/assessment/")
    assert signed_out.status_code == 302 and signed_out["Location"].startswith("/sign-in/")
    assert api.get("/api/v1/assessment/queue").status_code == 401
    action = AdministratorAction.objects.get(action="staff_deactivate")
    assert action.reason == "Left NZTech." and action.details["tokens_revoked"] == 1


def test_an_administrator_cannot_deactivate_or_demote_themselves(world: World) -> None:
    with pytest.raises(Refused, match="yourself"):
        staff.staff_deactivate(user=world.administrator, by=world.administrator, reason="Leaving.")
    with pytest.raises(Refused, match="your own role"):
        staff.staff_role_change(membership=Membership.objects.get(user=world.administrator), role="administrator",
                                by=world.administrator, reason="x")


def test_a_role_changes_within_what_the_body_allows(world: World) -> None:
    membership = Membership.objects.get(user=world.assessor_inz)
    changed = staff.staff_role_change(membership=membership, role="inz_officer", by=world.administrator,
                                      reason="Moved to the visa team.")
    assert changed.role == "inz_officer"
    with pytest.raises(InvalidInput) as refused:
        staff.staff_role_change(membership=Membership.objects.get(user=world.assessor_nztech), role="inz_officer",
                                by=world.administrator, reason="Not at NZTech.")
    assert "role" in refused.value.errors


def test_the_staff_command_lists_invites_and_deactivates_with_a_reason(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    listed = StringIO()
    call_command("staff", "list", stdout=listed)
    assert world.assessor_nztech.email in listed.getvalue() and "app not set up" in listed.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("staff", "invite", "nztech", "tama@nztech.example", "assessor", "--as",
                     world.administrator.email, "--reason", "Four eyes.", stdout=StringIO())
    assert Invitation.objects.filter(email="tama@nztech.example", role="assessor").exists()
    with pytest.raises(CommandError, match="Only a scheme administrator"):
        call_command("staff", "deactivate", world.assessor_itpnz.email, "--as", world.assessor_nztech.email,
                     "--reason", "No.")
    call_command("staff", "deactivate", world.assessor_itpnz.email, "--as", world.administrator.email,
                 "--reason", "Left.", stdout=StringIO())
    assert not User.objects.get(pk=world.assessor_itpnz.pk).is_active
