"""API routes of the administrator's console: intake windows, staff, history import runs and the activity record.

Only scheme administrators may use them; anyone else is answered 403 by the services, which decide and record every
change with its reason. The same operations are on the pages and in the `bordercase` command.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime

from bordercase.accounts import staff
from bordercase.accounts.administration import actions_recent, administrator_require
from bordercase.accounts.models import Membership, User
from bordercase.api.auth import caller
from bordercase.api.requests import ERRORS
from bordercase.api.schemas import MAX_OFFSET, RowId
from bordercase.cases.models import IntakeWindow, Scheme
from bordercase.cases.services.windows import window_add, window_change, window_close, window_extend
from bordercase.lib.errors import InvalidInput
from bordercase.lib.identifiers import InvalidIdentifier, reference_normalise
from bordercase.privacy import reads
from bordercase.reporting.imports import NoSuchRun, import_runs, import_undo

router = Router(tags=["administration"])
Reason = Field(..., min_length=1, max_length=2000, description="Why: kept in the activity record with your name.")


def _administrator(request: HttpRequest, what: str) -> User:
    user = caller(request)
    administrator_require(user, what)
    return user


class WindowOut(Schema):
    id: int
    scheme: str
    opens_at: dt.datetime
    closes_at: dt.datetime


class WindowIn(Schema):
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    reason: str = Reason


class ExtendIn(Schema):
    closes_at: AwareDatetime
    reason: str = Reason


class ReasonIn(Schema):
    reason: str = Reason


def _window_out(window: IntakeWindow) -> WindowOut:
    return WindowOut(id=window.pk, scheme=window.scheme.code, opens_at=window.opens_at, closes_at=window.closes_at)


def _scheme(code: str) -> Scheme:
    found = Scheme.objects.filter(code=code[:60]).first()
    if found is None:
        raise Http404("No scheme by that code: GET /api/v1/schemes lists them.")
    return found


def _window(window_id: int) -> IntakeWindow:
    found = IntakeWindow.objects.select_related("scheme").filter(pk=window_id).first()
    if found is None:
        raise Http404("No window by that id: GET /api/v1/administration/windows lists them.")
    return found


@router.get("/administration/windows", response={200: list[WindowOut], **ERRORS}, summary="Every intake window")
def windows_list(request: HttpRequest) -> list[WindowOut]:
    _administrator(request, "see the intake windows")
    return [_window_out(w) for w in IntakeWindow.objects.select_related("scheme").order_by("scheme__code", "opens_at")]


@router.post("/administration/schemes/{code}/windows", response={201: WindowOut, **ERRORS},
             summary="Add an intake window to a scheme")
def window_create(request: HttpRequest, code: str, body: WindowIn) -> Status[WindowOut]:
    user = _administrator(request, "add an intake window")
    return Status(201, _window_out(window_add(scheme=_scheme(code), opens_at=body.opens_at,
                                              closes_at=body.closes_at, by=user, reason=body.reason)))


@router.post("/administration/windows/{window_id}/change", response={200: WindowOut, **ERRORS},
             summary="Move a window that has not opened yet")
def window_move(request: HttpRequest, window_id: RowId, body: WindowIn) -> WindowOut:
    user = _administrator(request, "change an intake window")
    return _window_out(window_change(window=_window(window_id), opens_at=body.opens_at, closes_at=body.closes_at,
                                     by=user, reason=body.reason))


@router.post("/administration/windows/{window_id}/extend", response={200: WindowOut, **ERRORS},
             summary="Close a window later than planned")
def window_later(request: HttpRequest, window_id: RowId, body: ExtendIn) -> WindowOut:
    user = _administrator(request, "extend an intake window")
    return _window_out(window_extend(window=_window(window_id), closes_at=body.closes_at, by=user,
                                     reason=body.reason))


@router.post("/administration/schemes/{code}/windows/close", response={200: WindowOut, **ERRORS},
             summary="Close the scheme's open window now: no lodging from this moment")
def window_shut(request: HttpRequest, code: str, body: ReasonIn) -> WindowOut:
    user = _administrator(request, "close an intake window")
    return _window_out(window_close(scheme=_scheme(code), by=user, reason=body.reason))


class StaffOut(Schema):
    user_id: int
    membership_id: int
    email: str
    name: str
    organisation: str
    role: str
    second_factor: bool = Field(description="Whether an authenticator app is set up")
    active: bool


class InviteIn(Schema):
    organisation: str = Field(..., max_length=40, description="The body's code: nztech, itpnz, inz or mbie")
    email: str = Field(..., max_length=254)
    role: str = Field(..., max_length=20, description="assessor, inz_officer or administrator, as the body has")
    reason: str = Reason


class StaffInvitationOut(Schema):
    email: str
    organisation: str
    role: str
    expires_at: dt.datetime


class RoleIn(Schema):
    role: str = Field(..., max_length=20)
    reason: str = Reason


@router.get("/administration/staff", response={200: list[StaffOut], **ERRORS},
            summary="The staff of every body, with their role and second factor")
def staff_list(request: HttpRequest) -> list[StaffOut]:
    _administrator(request, "see the staff")
    return [_member_out(s) for body in staff.staff_bodies() for s in staff.staff_of(body)]


@router.post("/administration/staff/invitations", response={201: StaffInvitationOut, **ERRORS},
             summary="Invite someone to a body by email")
def staff_invitation(request: HttpRequest, body: InviteIn) -> Status[StaffInvitationOut]:
    user = _administrator(request, "invite staff")
    organisation = staff.body_by_code(body.organisation)
    invitation = staff.staff_invite(organisation=organisation, email=body.email, role=body.role, by=user,
                                    reason=body.reason)
    return Status(201, StaffInvitationOut(email=invitation.email, organisation=body.organisation, role=invitation.role,
                                     expires_at=invitation.expires_at))


@router.put("/administration/staff/memberships/{membership_id}/role", response={200: StaffOut, **ERRORS},
            summary="Change a member of staff's role")
def staff_role(request: HttpRequest, membership_id: RowId, body: RoleIn) -> StaffOut:
    user = _administrator(request, "change a role")
    membership = staff.staff_membership(membership_id)
    changed = staff.staff_role_change(membership=membership, role=body.role, by=user, reason=body.reason)
    return _staff_out(changed)


@router.post("/administration/staff/{user_id}/deactivate", response={200: StaffOut, **ERRORS},
             summary="Deactivate a member of staff at once: sessions end, API tokens are revoked")
def staff_deactivation(request: HttpRequest, user_id: RowId, body: ReasonIn) -> StaffOut:
    user = _administrator(request, "deactivate staff")
    membership = Membership.objects.select_related("user", "organisation").filter(
        user_id=user_id, role__in=staff.STAFF_ROLES).first()
    if membership is None:
        raise Http404("No member of staff by that id: GET /api/v1/administration/staff lists them.")
    staff.staff_deactivate(user=membership.user, by=user, reason=body.reason)
    membership.user.refresh_from_db()
    return _staff_out(membership)


def _staff_out(membership: Membership) -> StaffOut:
    return _member_out(staff.staff_member(membership))


def _member_out(member: staff.StaffMember) -> StaffOut:
    organisation = member.membership.organisation
    return StaffOut(user_id=member.user.pk, membership_id=member.membership.pk, email=member.user.email,
                    name=member.user.full_name, organisation=organisation.code or organisation.name,
                    role=member.membership.role, second_factor=member.second_factor, active=member.active)


class ImportRunOut(Schema):
    id: int
    kind: str
    file_name: str
    sha256: str
    imported: int
    rejected: int
    by: str
    at: dt.datetime
    undone_at: dt.datetime | None
    undone_by: str
    undo_reason: str


@router.get("/administration/import-runs", response={200: list[ImportRunOut], **ERRORS},
            summary="Every history import run, newest first")
def runs_list(request: HttpRequest) -> list[ImportRunOut]:
    _administrator(request, "see the import runs")
    return [ImportRunOut.from_orm(run) for run in import_runs()]


@router.post("/administration/import-runs/{run_id}/undo", response={200: ImportRunOut, **ERRORS},
             summary="Take an import run's records out of the figures")
def run_undo(request: HttpRequest, run_id: RowId, body: ReasonIn) -> ImportRunOut:
    user = _administrator(request, "undo an import")
    try:
        run = import_undo(run_id, by=user, reason=body.reason)
    except NoSuchRun as exc:
        raise Http404(str(exc)) from exc
    except ValueError as exc:
        raise InvalidInput({"reason": str(exc)}) from exc
    return ImportRunOut.from_orm(run)


class ActionOut(Schema):
    at: dt.datetime
    actor: str
    action: str
    subject: str
    reason: str


@router.get("/administration/activity", response={200: list[ActionOut], **ERRORS},
            summary="Every administrator's change, newest first, with who and why")
def activity(request: HttpRequest) -> list[ActionOut]:
    _administrator(request, "see the activity record")
    return [ActionOut(at=a.at, actor=a.actor_label, action=a.action, subject=a.subject, reason=a.reason)
            for a in actions_recent()]



# --- who looked (issue 20): the record of staff reads of requests' personal details -----------------------------------


class StaffReadQuery(Schema):
    reference: str = Field("", max_length=20, description="A request reference, such as BX-7K3Q-9D2M.")
    email: str = Field("", max_length=254, description="All or part of the reader's email address.")
    body: str = Field("", max_length=40, description="The code of the body the reader acted for, such as nztech.")
    since: dt.date | None = Field(None, description="The first day to include, New Zealand time.")
    until: dt.date | None = Field(None, description="The last day to include, New Zealand time.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class StaffReadOut(Schema):
    at: dt.datetime
    reference: str
    reader_email: str
    body: str | None
    capacity: str
    what: str
    channel: str


class StaffReadPage(Schema):
    count: int
    items: list[StaffReadOut]


def _read_search(query: StaffReadQuery) -> reads.ReadSearch:
    errors: dict[str, str] = {}
    reference = ""
    if query.reference.strip():
        try:
            reference = reference_normalise(query.reference)
        except InvalidIdentifier as exc:
            errors["reference"] = str(exc)
    body_id = None
    if query.body.strip():
        bodies = {b.code: b for b in reads.reading_bodies() if b.code}
        body = bodies.get(query.body.strip().lower())
        if body is None:
            errors["body"] = f"No body with that code: use one of {', '.join(sorted(bodies))}, or leave it out."
        else:
            body_id = body.pk
    if query.since is not None and query.until is not None and query.until < query.since:
        errors["until"] = "until must be the same day as since or after it."
    if errors:
        raise InvalidInput(errors)
    return reads.ReadSearch(reference=reference, email=query.email.strip().lower(), body_id=body_id,
                            since=query.since, until=query.until)


@router.get("/administration/reads", response={200: StaffReadPage, **ERRORS},
            summary="Who looked at requests' personal details: search the record, newest first")
def reads_search(request: HttpRequest, query: Query[StaffReadQuery]) -> StaffReadPage:
    _administrator(request, "search the record of who looked at requests")
    found = reads.reads_found(_read_search(query))
    page = found[query.offset : query.offset + query.limit]
    return StaffReadPage(count=found.count(), items=[
        StaffReadOut(at=r.at, reference=r.reference, reader_email=r.reader_email,
                     body=r.body.code if r.body else None, capacity=r.capacity, what=r.what, channel=r.channel)
        for r in page])
