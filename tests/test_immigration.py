"""Immigration NZ's side: recommendation batches with their exports and digests, invitations to apply with their
emails and PDF letters over real SMTP, invitations lapsing when unused, visa decisions, and the journey shown."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from bordercase.accounts.models import User
from bordercase.accounts.organisations import organisation_by_code
from bordercase.cases.lifecycle import State, Step
from bordercase.cases.models import Event, Request, Scheme
from bordercase.cases.services.requests import request_create
from bordercase.cases.services.windows import window_add
from bordercase.immigration.journey import Progress, journey
from bordercase.immigration.models import Invitation, RecommendationBatch, VisaDecision
from bordercase.immigration.services import invitations, recommendations, visas
from bordercase.immigration.services.tokens import token_digest
from bordercase.lib.errors import InvalidInput, Refused
from tests.allocation_support import drawn_round, eligible
from tests.conftest import MailServer, World, api_post, nominee, request_snapshot, set_places
from tests.immigration_support import (
    CHILD_PASSPORT,
    PARTNER_PASSPORT,
    allocated,
    approved_in_principle,
    attachment,
    pdf_text,
    recommended,
    travelling,
)
from tests.walking import walk

Capture = Callable[..., Any]




# --- recommendation batches ----------------------------------------------------------------------------------------


def test_a_batch_recommends_every_chosen_request_and_keeps_its_exports_with_their_digests(world: World) -> None:
    first = allocated(world, given_names="Kōwhai", family_name="Ngāta")
    second = allocated(world, employer="b")
    batch = recommendations.batch_send(scheme=first.scheme, body=first.assessing_body, requests=[second, first],
                                       by=world.assessor_nztech)
    for request in (first, second):
        assert Request.objects.get(pk=request.pk).status == "recommended"
        event = Event.objects.get(request=request, transition="recommend")
        assert event.actor == world.assessor_nztech and event.data == {"batch": batch.pk}
        assert f"recommendation batch {batch.pk}" in event.reason
    stored = RecommendationBatch.objects.get(pk=batch.pk)
    assert stored.csv_sha256 == hashlib.sha256(bytes(stored.export_csv)).hexdigest()
    assert stored.json_sha256 == hashlib.sha256(bytes(stored.export_json)).hexdigest()
    rows = list(csv.DictReader(io.StringIO(bytes(stored.export_csv).decode("utf-8"))))
    assert tuple(rows[0]) == recommendations.EXPORT_FIELDS
    by_reference = {r["reference"]: r for r in rows}
    assert set(by_reference) == {first.reference, second.reference}
    row = by_reference[first.reference]
    person = first.nominee
    assert (row["worker_given_names"], row["worker_family_name"]) == ("Kōwhai", "Ngāta")
    assert row["worker_passport_number"] == person.passport_number and row["worker_nationality"] == "IND"
    assert row["worker_date_of_birth"] == "1988-04-12" and row["employer_nzbn"] == world.org_a.nzbn
    assert row["employer_name"] == world.org_a.name and row["scheme"] == "tech-specialists-2022"
    assert row["assessing_body"] == "nztech" and row["pre_assessment"] == "eligible"
    decided = Event.objects.get(request=first, transition="find_eligible").at
    assert row["decided_at"] == decided.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    assert row["allocated_at"].endswith("Z")
    document = json.loads(bytes(stored.export_json))
    assert (document["format"], document["batch"], document["count"]) == ("bordercase-recommendations-v1",
                                                                           batch.pk, 2)
    assert [r["reference"] for r in document["requests"]] == sorted([first.reference, second.reference])
    assert document["requests"][0] == by_reference[document["requests"][0]["reference"]]
    # The export is the same bytes however often it is made: its digest can be re-computed from the batch.
    assert recommendations.export_json(stored, recommendations.export_rows(stored)) == bytes(stored.export_json)


def test_a_batch_with_one_request_that_cannot_be_recommended_recommends_none(world: World) -> None:
    ready, also_ready = allocated(world), allocated(world)
    not_yet = approved_in_principle(world)  # another scheme altogether
    still_eligible = request_create(
        by=world.employer_a, scheme=ready.scheme, organisation=world.org_a, nominee=nominee(),
        assessing_body=ready.assessing_body, answers=ready.answers)
    walk(still_eligible, [("lodge", world.employer_a), ("start_assessment", world.assessor_nztech),
                          ("find_eligible", world.assessor_nztech)])
    before = [request_snapshot(r) for r in (ready, also_ready, still_eligible)]
    with pytest.raises(InvalidInput) as refused:
        recommendations.batch_send(scheme=ready.scheme, body=ready.assessing_body,
                                   requests=[ready, also_ready, still_eligible], by=world.assessor_nztech)
    assert list(refused.value.errors) == ["requests"]
    message = refused.value.errors["requests"]
    assert still_eligible.reference in message and "status is Eligible" in message and "Nothing was sent" in message
    with pytest.raises(InvalidInput) as other_scheme:
        recommendations.batch_send(scheme=ready.scheme, body=ready.assessing_body, requests=[ready, not_yet],
                                   by=world.assessor_nztech)
    assert not_yet.reference in other_scheme.value.errors["requests"]
    with pytest.raises(InvalidInput) as empty:
        recommendations.batch_send(scheme=ready.scheme, body=ready.assessing_body, requests=[],
                                   by=world.assessor_nztech)
    assert "at least one" in empty.value.errors["requests"]
    assert [request_snapshot(r) for r in (ready, also_ready, still_eligible)] == before
    assert RecommendationBatch.objects.count() == 0


def test_a_batch_holds_one_body_s_requests_and_only_its_assessors_or_an_administrator_send_it(world: World) -> None:
    nztech, itpnz = allocated(world), allocated(world, body="itpnz")
    with pytest.raises(InvalidInput) as mixed:
        recommendations.batch_send(scheme=nztech.scheme, body=nztech.assessing_body, requests=[nztech, itpnz],
                                   by=world.assessor_nztech)
    assert itpnz.reference in mixed.value.errors["requests"] and "NZTech" in mixed.value.errors["requests"]
    for outsider in (world.assessor_itpnz, world.inz_officer, world.employer_a, world.assessor_inz):
        with pytest.raises(Refused):
            recommendations.batch_send(scheme=nztech.scheme, body=nztech.assessing_body, requests=[nztech],
                                       by=outsider)
    assert request_snapshot(nztech)[0] == request_snapshot(itpnz)[0] == "allocated"
    batch = recommendations.batch_send(scheme=nztech.scheme, body=nztech.assessing_body, requests=[nztech],
                                       by=world.administrator)
    assert Event.objects.get(request=nztech, transition="recommend").actor == world.administrator
    assert list(batch.requests.all()) == [Request.objects.get(pk=nztech.pk)]


def test_an_uncapped_scheme_with_a_recommendation_step_recommends_eligible_requests(world: World) -> None:
    scheme = Scheme.objects.create(code="uncapped-recommended", title="An uncapped class", kind="class_exception",
                                   uses_recommendation=True)
    scheme.assessing_bodies.set([organisation_by_code("nztech")])
    now = timezone.now()
    window_add(scheme=scheme, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1))
    assert scheme.steps == {Step.RECOMMENDATION}
    request = request_create(by=world.employer_a, scheme=scheme, organisation=world.org_a, nominee=nominee(),
                             assessing_body=organisation_by_code("nztech"), answers={})
    walk(request, [("lodge", world.employer_a), ("start_assessment", world.assessor_nztech),
                   ("find_eligible", world.assessor_nztech)])
    assert list(recommendations.recommendable(scheme, organisation_by_code("nztech"))) == [
        Request.objects.get(pk=request.pk)]
    batch = recommendations.batch_send(scheme=scheme, body=organisation_by_code("nztech"), requests=[request],
                                       by=world.assessor_nztech)
    assert request_snapshot(request)[0] == "recommended"
    [row] = csv.DictReader(io.StringIO(bytes(batch.export_csv).decode()))
    assert row["allocated_at"] == "" and row["pre_assessment"] == ""


def test_a_name_a_spreadsheet_would_run_as_a_formula_is_quoted_in_the_csv_and_kept_in_the_json(
    world: World
) -> None:
    request = allocated(world, given_names="=HYPERLINK(\"http://evil.example\")")
    batch = recommendations.batch_send(scheme=request.scheme, body=request.assessing_body, requests=[request],
                                       by=world.assessor_nztech)
    [row] = csv.DictReader(io.StringIO(bytes(batch.export_csv).decode()))
    assert row["worker_given_names"] == "'=HYPERLINK(\"http://evil.example\")"
    assert json.loads(bytes(batch.export_json))["requests"][0]["worker_given_names"].startswith("=HYPERLINK")


# --- invitations to apply ------------------------------------------------------------------------------------------


def test_an_invitation_emails_the_worker_a_single_use_link_and_the_employer_both_with_the_pdf_letter(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    request = recommended(world, email="ravi.worker@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitations.invitation_issue(request=request, by=world.inz_officer)
    assert request_snapshot(request)[0] == "invited"
    assert invitation.expires_at == invitation.issued_at + timedelta(days=60)
    event = Event.objects.get(request=request, transition="invite")
    assert event.actor == world.inz_officer and event.data["valid_days"] == 60
    messages = smtp.wait_for(2)
    assert len(messages) == 2  # the worker's and the employer's, and no generic notice besides
    [to_worker] = smtp.to("ravi.worker@example.com")
    [to_employer] = smtp.to(world.employer_a.email)
    worker_text = to_worker.get_body(preferencelist=("plain",)).get_content()
    [token] = re.findall(r"http://127\.0\.0\.1:8000/invitation-to-apply/([A-Za-z0-9_-]+)/", worker_text)
    # Only the token's SHA-256 is stored; the link in the email is the only copy of the token.
    assert Invitation.objects.get(pk=invitation.pk).token_sha256 == token_digest(token)
    employer_text = to_employer.get_body(preferencelist=("plain",)).get_content()
    assert token not in employer_text and f"http://127.0.0.1:8000/requests/{request.reference}/" in employer_text
    assert "invitation to apply issued" in to_employer["Subject"] and request.reference in to_worker["Subject"]
    expiry = timezone.localtime(invitation.expires_at)
    expiry_words = f"{expiry.day} {expiry:%B %Y}"
    assert expiry_words in worker_text and expiry_words in employer_text
    for message in (to_worker, to_employer):
        name, content = attachment(message)
        assert name == f"invitation-to-apply-{request.reference}.pdf"
        text = pdf_text(content)
        assert "Invitation to apply" in text and request.reference in text and expiry_words in text
        assert "Specialist tech workers class exception" in text and world.org_a.name in text
        assert request.nominee.full_name in text and "14 days of managed isolation" in text
        assert "employment agreement" in text and "waitlist" in text
        assert token not in text


def test_an_essential_worker_approved_in_principle_goes_straight_to_an_invitation(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    request = approved_in_principle(world, email="jonas@example.com")
    assert Request.objects.get(pk=request.pk) in invitations.invitable()
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitations.invitation_issue(request=request, by=world.inz_officer)
    assert request_snapshot(request)[0] == "invited" and not Event.objects.filter(request=request,
                                                                       transition="recommend").exists()
    assert invitation.expires_at - invitation.issued_at == timedelta(days=60)
    smtp.wait_for(2)
    [to_worker] = smtp.to("jonas@example.com")
    assert world.org_a.name not in to_worker.get_body(preferencelist=("plain",)).get_content()
    text = pdf_text(attachment(to_worker)[1])
    assert "Other essential worker" in text and "waitlist" not in text and "sponsoring agency" in text


def test_a_bulk_invitation_is_all_or_none_and_sends_nothing_when_refused(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    ready, also_ready, not_ready = recommended(world), approved_in_principle(world), allocated(world)
    before = [request_snapshot(r) for r in (ready, also_ready, not_ready)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(InvalidInput) as refused:
        invitations.invitations_issue(requests=[ready, also_ready, not_ready], by=world.inz_officer)
    assert callbacks == []
    assert list(refused.value.errors) == ["requests"]
    assert not_ready.reference in refused.value.errors["requests"]
    assert "its status is Place allocated" in refused.value.errors["requests"]
    assert [request_snapshot(r) for r in (ready, also_ready, not_ready)] == before and Invitation.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        issued = invitations.invitations_issue(requests=[ready, also_ready], by=world.inz_officer)
    assert {i.request_id for i in issued} == {ready.pk, also_ready.pk}
    # Each worker gets their own link; the employer, whose two workers were invited together, one email with both
    # letters.
    messages = smtp.wait_for(3)
    assert len(smtp.messages) == 3
    [employer] = smtp.to(world.employer_a.email)
    assert str(employer["Subject"]).startswith("2 of your workers invited to apply")
    letters = [part.get_filename() for part in employer.iter_attachments()]
    assert sorted(letters) == sorted(f"invitation-to-apply-{r.reference}.pdf" for r in (ready, also_ready))
    assert all(r.reference in employer.get_body(preferencelist=("plain",)).get_content() for r in (ready, also_ready))
    assert sum(r.nominee.email in str(m["To"]) for m in messages for r in (ready, also_ready)) == 2


def test_only_an_immigration_nz_officer_issues_invitations(world: World) -> None:
    request = recommended(world)
    for someone in (world.assessor_inz, world.assessor_nztech, world.administrator, world.employer_a):
        with pytest.raises(Refused):
            invitations.invitation_issue(request=request, by=someone)
    assert request_snapshot(request)[0] == "recommended" and Invitation.objects.count() == 0


def test_the_generic_transition_route_sends_immigration_steps_to_their_own_routes(
    world: World, api_client: Callable[[User], Client]
) -> None:
    request = recommended(world)
    travelling_request = travelling(world, recommended(world))
    for name, user, target in (("invite", world.inz_officer, request), ("recommend", world.assessor_nztech,
                                                                         allocated(world)),
                               ("grant_visa", world.inz_officer, travelling_request),
                               ("decline_visa", world.inz_officer, travelling_request)):
        before = request_snapshot(target)
        response = api_client(user).post(f"/api/v1/requests/{target.reference}/transitions/{name}",
                                          data=json.dumps({"reason": "Because."}), content_type="application/json")
        assert response.status_code == 403 and "Use that route instead" in response.json()["message"], name
        assert request_snapshot(target) == before


# --- invitations lapsing -------------------------------------------------------------------------------------------


def test_an_invitation_unused_by_its_expiry_lapses_the_request_with_the_reason(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    request = recommended(world)
    invitation = invitations.invitation_issue(request=request, by=world.inz_officer)
    out = io.StringIO()
    with time_machine.travel(invitation.expires_at - timedelta(minutes=1)):
        call_command("invitations", "expire", stdout=out)
    assert request_snapshot(request)[0] == "invited" and "0 requests lapsed" in out.getvalue()
    out = io.StringIO()
    with time_machine.travel(invitation.expires_at + timedelta(minutes=1)), \
            django_capture_on_commit_callbacks(execute=True):
        call_command("invitations", "expire", stdout=out)
    assert request_snapshot(request)[0] == "lapsed"
    printed = out.getvalue()
    assert f"{request.reference} (tech-specialists-2022): lapsed" in printed and "1 request lapsed" in printed
    lapse = Event.objects.get(request=request, transition="lapse")
    expiry = timezone.localtime(invitation.expires_at)
    assert lapse.reason.startswith(f"The invitation to apply expired on {expiry.day} {expiry:%B %Y} at ")
    assert lapse.actor is None and lapse.actor_label == "system:invitation-expiry"
    [notice] = smtp.wait_for(1)
    assert "has lapsed" in notice["Subject"] and "invitation to apply expired" in notice.get_content()
    with time_machine.travel(invitation.expires_at + timedelta(days=1)):
        assert invitations.invitations_expire() == []  # once lapsed, nothing more


def test_a_followed_invitation_or_a_lodged_request_to_travel_does_not_lapse(world: World) -> None:
    followed, lodged = recommended(world), travelling(world, recommended(world))
    invitation = invitations.invitation_issue(request=followed, by=world.inz_officer)
    Invitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())
    with time_machine.travel(invitation.expires_at + timedelta(days=1)):
        assert list(invitations.invitations_due_to_expire(timezone.now())) == []
        assert invitations.invitations_expire() == []
    assert request_snapshot(followed)[0] == "invited" and request_snapshot(lodged)[0] == "travel_requested"


def test_a_lapsed_invitation_releases_its_place_to_the_waitlist(world: World) -> None:
    set_places(1)
    first, second = eligible(world), eligible(world, employer="b")
    drawn_round(world)
    holder, waiting = sorted((Request.objects.get(pk=first.pk), Request.objects.get(pk=second.pk)),
                             key=lambda r: r.status != "allocated")
    assert (holder.status, waiting.status) == ("allocated", "waitlisted")
    recommendations.batch_send(scheme=holder.scheme, body=holder.assessing_body, requests=[holder],
                               by=world.assessor_nztech)
    invitation = invitations.invitation_issue(request=holder, by=world.inz_officer)
    with time_machine.travel(invitation.expires_at + timedelta(hours=1)):
        [lapsed] = invitations.invitations_expire()
    assert lapsed.pk == holder.pk and request_snapshot(holder)[0] == "lapsed"
    assert request_snapshot(waiting)[0] == "allocated"
    promote = Event.objects.get(request=waiting, transition="promote")
    assert "lapsed" in promote.reason


# --- visa decisions ------------------------------------------------------------------------------------------------


def test_a_granted_visa_is_decided_with_the_family_and_both_are_told_with_a_pdf_letter(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    request = travelling(world, recommended(world, email="ravi.traveller@example.com"))
    until = timezone.localdate() + timedelta(days=365)
    with django_capture_on_commit_callbacks(execute=True):
        decision = visas.visa_grant(request=request, by=world.inz_officer, valid_until=until,
                                    conditions="Critical Purpose Visitor Visa, valid 12 months; work only for the "
                                               "nominating employer.")
    assert request_snapshot(request)[0] == "visa_granted"
    stored = VisaDecision.objects.get(request=request)
    assert (stored.outcome, stored.valid_until, stored.decided_by) == ("granted", until, world.inz_officer)
    event = Event.objects.get(request=request, transition="grant_visa")
    assert event.data == {"family": ["partner", "child"]} and "work only for the nominating employer" in event.reason
    smtp.wait_for(2)
    [to_worker] = smtp.to("ravi.traveller@example.com")
    [to_employer] = smtp.to(world.employer_a.email)
    assert "granted" in to_worker["Subject"] and "visa granted" in to_employer["Subject"]
    worker_letter = pdf_text(attachment(to_worker)[1])
    employer_letter = pdf_text(attachment(to_employer)[1])
    for text in (worker_letter, employer_letter):
        assert "Visa decision" in text and request.reference in text and "Visa granted" in text
        assert f"{until.day} {until:%B %Y}" in text and "work only for the nominating employer" in text
    assert PARTNER_PASSPORT in worker_letter and CHILD_PASSPORT in worker_letter and "Anjali" in worker_letter
    # The employer is told how many travel, never who they are or their passports.
    assert "2 family members" in employer_letter
    for private in (PARTNER_PASSPORT, CHILD_PASSPORT, "Anjali", "Dev "):
        assert private not in employer_letter
        assert private not in to_employer.get_body(preferencelist=("plain",)).get_content()
    assert decision.pk == stored.pk


def test_a_declined_visa_needs_reasons_and_both_read_them(
    world: World, smtp: MailServer, django_capture_on_commit_callbacks: Capture
) -> None:
    request = travelling(world, approved_in_principle(world, email="mele@example.com"), family=())
    before = request_snapshot(request)
    with pytest.raises(InvalidInput) as refused:
        visas.visa_decline(request=request, by=world.inz_officer, reasons="   ")
    assert list(refused.value.errors) == ["reasons"] and request_snapshot(request) == before
    with django_capture_on_commit_callbacks(execute=True):
        visas.visa_decline(request=request, by=world.inz_officer, reasons="Health requirements are not met.")
    assert request_snapshot(request)[0] == "visa_declined"
    smtp.wait_for(2)
    for message in (*smtp.to("mele@example.com"), *smtp.to(world.employer_a.email)):
        assert "declined" in message["Subject"]
        assert "Health requirements are not met." in message.get_body(preferencelist=("plain",)).get_content()
        text = pdf_text(attachment(message)[1])
        assert "Visa declined" in text and "Health requirements are not met." in text


@pytest.mark.parametrize(("valid_until", "conditions", "fields"), [
    (None, "Critical Purpose Visitor Visa.", ["valid_until"]),
    ("today", "Critical Purpose Visitor Visa.", ["valid_until"]),
    ("past", "Critical Purpose Visitor Visa.", ["valid_until"]),
    ("next year", "  ", ["conditions"]),
    (None, "", ["valid_until", "conditions"]),
])
def test_a_grant_needs_a_last_day_after_today_and_conditions(
    world: World, valid_until: str | None, conditions: str, fields: list[str]
) -> None:
    request = travelling(world, recommended(world))
    today = timezone.localdate()
    day = {None: None, "today": today, "past": today - timedelta(days=3),
           "next year": today + timedelta(days=365)}[valid_until]
    before = request_snapshot(request)
    with pytest.raises(InvalidInput) as refused:
        visas.visa_grant(request=request, by=world.inz_officer, valid_until=day, conditions=conditions)
    assert sorted(refused.value.errors) == sorted(fields)
    assert request_snapshot(request) == before and not VisaDecision.objects.exists()


def test_a_visa_is_decided_once_only_by_an_officer_and_only_on_a_request_to_travel(world: World) -> None:
    request = travelling(world, recommended(world))
    until = timezone.localdate() + timedelta(days=200)
    for someone in (world.assessor_inz, world.administrator, world.employer_a):
        with pytest.raises(Refused):
            visas.visa_grant(request=request, by=someone, valid_until=until, conditions="CPVV.")
    visas.visa_grant(request=request, by=world.inz_officer, valid_until=until, conditions="CPVV.")
    with pytest.raises(InvalidInput) as again:
        visas.visa_decline(request=request, by=world.inz_officer, reasons="Changed my mind.")
    assert list(again.value.errors) == ["status"] and "visa granted" in again.value.errors["status"]
    invited = recommended(world)
    with pytest.raises(InvalidInput):
        visas.visa_grant(request=invited, by=world.inz_officer, valid_until=until, conditions="CPVV.")
    assert VisaDecision.objects.count() == 1


# --- where a request stands ----------------------------------------------------------------------------------------

TECH_STEPS, NO_STEPS = frozenset({Step.ALLOCATION, Step.RECOMMENDATION}), frozenset()


@pytest.mark.parametrize(("state", "steps", "before", "summary"), [
    ("lodged", TECH_STEPS, None, "Step 1 of 7: Lodged"),
    ("waitlisted", TECH_STEPS, None, "Step 2 of 7: Assessed"),
    ("recommended", TECH_STEPS, None, "Step 4 of 7: Recommended to Immigration NZ"),
    ("lapsed", TECH_STEPS, "invited", "Step 5 of 7: Invited to apply (lapsed)"),
    ("declined", TECH_STEPS, None, "Step 1 of 7: Lodged (declined)"),
    ("eligible", NO_STEPS, None, "Step 2 of 5: Assessed"),
    ("travel_requested", NO_STEPS, None, "Step 4 of 5: Request to travel lodged"),
    ("visa_granted", NO_STEPS, None, "Step 5 of 5: Visa decided (visa granted)"),
    ("withdrawn", NO_STEPS, "in_assessment", "Step 1 of 5: Lodged (withdrawn)"),
])
def test_the_journey_names_the_milestone_reached_under_the_scheme_s_steps(
    state: str, steps: frozenset[Step], before: str | None, summary: str
) -> None:
    found = journey(State(state), steps, before_end=State(before) if before else None)
    assert found.summary == summary


def test_a_lapsed_journey_stops_at_the_next_milestone_and_a_waitlisted_one_is_in_progress() -> None:
    lapsed = journey(State.LAPSED, TECH_STEPS, before_end=State.INVITED)
    assert [(s.key, s.progress) for s in lapsed.stages][4:6] == [("invited", Progress.DONE),
                                                                 ("travel_requested", Progress.STOPPED)]
    assert lapsed.stages[5].note == "Lapsed" and lapsed.stages[6].progress == Progress.NOT_YET
    waiting = journey(State.WAITLISTED, TECH_STEPS)
    assert (waiting.stages[2].progress, waiting.stages[2].note) == (Progress.CURRENT, "Waitlisted")


def test_the_employer_sees_where_the_nominee_stands_but_not_the_family_s_passports(
    world: World
) -> None:
    request = travelling(world, recommended(world))
    client = Client()
    client.force_login(world.employer_a)
    page = client.get(f"/requests/{request.reference}/").content.decode()
    assert "Where the request stands" in page and "Step 6 of 7: Request to travel lodged" in page
    assert "2 family members travel with the worker" in page
    for private in (PARTNER_PASSPORT, CHILD_PASSPORT, "Anjali", "MIQ-4471-2208"):
        assert private not in page
    listed = client.get("/requests/").content.decode()
    assert "Step 6 of 7: Request to travel lodged" in listed
    lapsed = recommended(world)
    invitations.invitation_issue(request=lapsed, by=world.inz_officer)
    walk(lapsed, [("lapse", world.inz_officer)], reason="Expired.")
    assert "Step 5 of 7: Invited to apply (lapsed)" in client.get("/requests/").content.decode()


# --- the API and the pages, working ----------------------------------------------------------------------------------




def test_the_api_sends_a_batch_lists_it_and_downloads_exports_matching_their_digests(
    world: World, api_client: Callable[[User], Client]
) -> None:
    first, second = allocated(world), allocated(world)
    client = api_client(world.assessor_nztech)
    refused = api_post(client,
                       "/recommendation-batches", {"scheme": "tech-specialists-2022", "assessing_body": "nztech",
                                                        "references": [first.reference, "BX-0000-0000"]})
    assert refused.status_code == 404 and request_snapshot(first)[0] == "allocated"
    wrong_scheme = api_post(client, "/recommendation-batches", {"scheme": "other-essential-worker-2020",
                                                             "assessing_body": "nztech", "references": []})
    assert wrong_scheme.status_code == 422 and "scheme" in wrong_scheme.json()["fields"]
    made = api_post(client, "/recommendation-batches", {"scheme": "tech-specialists-2022", "assessing_body": "nztech",
                                                     "references": [first.reference, second.reference.lower()]})
    assert made.status_code == 201, made.content
    batch = made.json()
    assert batch["count"] == 2 and batch["references"] == sorted([first.reference, second.reference])
    officer = api_client(world.inz_officer)
    assert [b["id"] for b in officer.get("/api/v1/recommendation-batches").json()["items"]] == [batch["id"]]
    for kind, digest in (("csv", batch["csv_sha256"]), ("json", batch["json_sha256"])):
        download = officer.get(batch[f"{kind}_url"])
        assert download.status_code == 200 and hashlib.sha256(download.content).hexdigest() == digest
        assert download["Content-Disposition"].endswith(f'batch-{batch["id"]}.{kind}"')
        assert download["Repr-Digest"].startswith("sha-256=:")
    again = api_post(client, "/recommendation-batches", {"scheme": "tech-specialists-2022", "assessing_body": "nztech",
                                                      "references": [first.reference]})
    assert again.status_code == 422 and first.reference in again.json()["fields"]["requests"]


def test_the_api_invites_one_or_several_and_decides_a_visa(
    world: World, api_client: Callable[[User], Client]
) -> None:
    one, two, three = recommended(world), recommended(world), approved_in_principle(world)
    officer = api_client(world.inz_officer)
    single = api_post(officer, f"/requests/{one.reference}/invitation", {})
    assert single.status_code == 201 and single.json()["status"] == "invited"
    assert single.json()["worker_email"] == one.nominee.email
    bulk = api_post(officer, "/invitations", {"references": [two.reference, three.reference, one.reference]})
    assert bulk.status_code == 422 and one.reference in bulk.json()["fields"]["requests"]
    assert request_snapshot(two)[0] == "recommended"
    bulk = api_post(officer, "/invitations", {"references": [two.reference, three.reference]})
    assert bulk.status_code == 201 and {i["reference"] for i in bulk.json()} == {two.reference, three.reference}
    request = travelling(world, one)
    past = api_post(officer, f"/requests/{request.reference}/visa-decision",
                 {"outcome": "granted", "valid_until": str(timezone.localdate()), "conditions": "CPVV."})
    assert past.status_code == 422 and list(past.json()["fields"]) == ["valid_until"]
    unknown = api_post(officer, f"/requests/{request.reference}/visa-decision", {"outcome": "maybe"})
    assert unknown.status_code == 422 and request_snapshot(request)[0] == "travel_requested"
    until = timezone.localdate() + timedelta(days=365)
    granted = api_post(officer, f"/requests/{request.reference}/visa-decision",
                    {"outcome": "granted", "valid_until": str(until), "conditions": "CPVV, 12 months."})
    assert granted.status_code == 201, granted.content
    assert granted.json() | {"decided_at": None} == {
        "reference": request.reference, "status": "visa_granted", "outcome": "granted", "valid_until": str(until),
        "conditions": "CPVV, 12 months.", "reasons": "", "decided_at": None, "family_members": 2}


def test_the_pages_send_a_batch_invite_singly_and_in_bulk_and_grant_a_visa(
    world: World, staff_client: Callable[[User], Client]
) -> None:
    first, second = allocated(world), allocated(world)
    assessor = staff_client(world.assessor_nztech)
    page = assessor.get("/recommendations/").content.decode()
    assert f'value="{first.reference}"' in page and f'value="{second.reference}"' in page
    sent = assessor.post("/recommendations/send/", {"group": "group-tech-specialists-2022-nztech",
                                                     "requests": [first.reference, second.reference]})
    batch = RecommendationBatch.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/immigration/batches/{batch.pk}/"
    shown = assessor.get(sent["Location"]).content.decode()
    assert batch.csv_sha256 in shown and batch.json_sha256 in shown and "2 requests recommended" in shown
    listed = assessor.get("/immigration/batches/").content.decode()
    assert batch.csv_sha256 in listed and batch.json_sha256 in listed
    download = assessor.get(f"/immigration/batches/{batch.pk}/export.csv")
    assert hashlib.sha256(download.content).hexdigest() == batch.csv_sha256

    officer = staff_client(world.inz_officer)
    third = approved_in_principle(world)
    single = officer.post("/immigration/invitations/issue/", {"invite": first.reference,
                                                              "requests": [second.reference]})
    assert single.status_code == 302
    assert Request.objects.get(pk=first.pk).status == "invited"
    assert Request.objects.get(pk=second.pk).status == "recommended"
    refused = officer.post("/immigration/invitations/issue/", {"requests": [second.reference, first.reference]})
    assert refused.status_code == 200 and first.reference in refused.content.decode()
    assert f'value="{second.reference}" checked' in refused.content.decode()  # the choice is kept to correct
    officer.post("/immigration/invitations/issue/", {"requests": [second.reference, third.reference]})
    assert request_snapshot(second)[0] == request_snapshot(third)[0] == "invited"
    listed = officer.get("/immigration/invitations/").content.decode()
    assert "Invited, waiting for a request to travel" in listed and third.reference in listed

    travelling(world, first)
    form = {"outcome": "granted", "valid_until_day": "31", "valid_until_month": "2", "valid_until_year": "2030",
            "conditions": "CPVV."}
    bad = officer.post(f"/immigration/visas/{first.reference}/decide/", form).content.decode()
    assert "must be a real date" in bad and 'href="#valid_until_day"' in bad and 'id="valid_until_day"' in bad
    until = timezone.localdate() + timedelta(days=100)
    form |= {"valid_until_day": str(until.day), "valid_until_month": str(until.month),
             "valid_until_year": str(until.year)}
    done = officer.post(f"/immigration/visas/{first.reference}/decide/", form)
    assert done.status_code == 302 and request_snapshot(first)[0] == "visa_granted"
    assert VisaDecision.objects.get(request=first).valid_until == until
    assert "Visa granted" in officer.get(done["Location"]).content.decode()


def test_a_letter_keeps_macrons_with_a_unicode_font_and_drops_them_without_one(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    from bordercase.immigration import letters

    letter = letters.Letter(title="Invitation to apply", reference="BX-1234-5678", dated=dt.date(2022, 3, 1),
                            to=["Aroha Ngāta", "Kōwhai Software Limited"], facts=[("Reference", "BX-1234-5678")],
                            sections=[("What this invitation means", ["A paragraph \u2013 with a dash."])])
    assert "Kōwhai Software Limited" in pdf_text(letters.render(letter))
    settings.LETTER_FONT = ""
    monkeypatch.setattr(letters, "FONT_CANDIDATES", ())
    plain = pdf_text(letters.render(letter))
    assert "Kowhai Software Limited" in plain and "Aroha Ngata" in plain and "A paragraph - with a dash." in plain


def test_a_letter_takes_the_first_installed_font_with_every_character_it_writes(settings: Any) -> None:
    from bordercase.immigration import letters

    settings.LETTER_FONT = ""
    first, second = letters.FONT_CANDIDATES  # Liberation Sans, then DejaVu Sans: both come with Debian's fonts
    assert all(Path(path).is_file() for pair in letters.FONT_CANDIDATES for path in pair)
    to = ["Aroha Ngāta", "Kōwhai Software Limited"]
    plain = letters.render(letters.Letter("Invitation to apply", "BX-1234-5678", dt.date(2022, 3, 1), to, []))
    assert b"LiberationSans" in plain and b"DejaVuSans" not in plain
    # Liberation Sans has no ế: a name with one takes DejaVu Sans, which spells it, rather than losing the letter.
    vietnamese = letters.render(letters.Letter("Invitation to apply", "BX-1234-5678", dt.date(2022, 3, 1),
                                               ["Nguyễn Thị Huế", *to[1:]], []))
    assert b"DejaVuSans" in vietnamese and b"LiberationSans" not in vietnamese
    assert "Nguyễn Thị Huế" in pdf_text(vietnamese)
    assert first[0].endswith("LiberationSans-Regular.ttf") and second[0].endswith("DejaVuSans.ttf")


def test_a_letter_font_that_is_not_a_file_is_refused_at_start(tmp_path: Any) -> None:
    import subprocess
    import sys

    check = [sys.executable, "-c", "from bordercase.cli import main; main()", "check"]
    env = {"PATH": "/usr/bin:/bin", "BORDERCASE_VAR_DIR": str(tmp_path / "var"),
           "BORDERCASE_LETTER_FONT": str(tmp_path / "missing.ttf")}
    result = subprocess.run(check, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0 and "BORDERCASE_LETTER_FONT names" in result.stderr


def test_the_bordercase_command_runs_the_expiry(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    from django.core.management import call_command

    from bordercase.cli import COMMANDS

    assert "invitations expire" in COMMANDS["invitations"]
    invitation = invitations.invitation_issue(request=recommended(world), by=world.inz_officer)
    with time_machine.travel(invitation.expires_at + timedelta(seconds=1)):
        # As `bordercase invitations expire` runs it; through call_command, since the command line closes the
        # database connections when it ends, which would close the test's own.
        call_command("invitations", "expire")
    assert f"{invitation.request.reference} (tech-specialists-2022): lapsed" in capsys.readouterr().out
    assert request_snapshot(invitation.request)[0] == "lapsed"
