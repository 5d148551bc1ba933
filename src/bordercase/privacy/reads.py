"""Who looked: one row for every time a member of staff was shown a request's personal details (issue 20).

The Privacy Act 2020 expects an agency to know who saw a person's information (IPP 5, security) and to tell the
person about it when asked (IPP 6). Each staff page, download and API call that shows a request's personal details
records one row here, as it answers; the applicant sees which bodies looked and when, and administrators search it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.utils import timezone

from bordercase.accounts.models import Membership, Organisation, User
from bordercase.accounts.roles import Roles, roles_of
from bordercase.cases.access import parties
from bordercase.cases.lifecycle import Party
from bordercase.cases.models import Request
from bordercase.immigration.models import RecommendationBatch
from bordercase.lib.held import Held
from bordercase.lib.rows import rows_insert


class StaffRead(models.Model):
    """One view by a member of staff of one request's personal details: who, for which body, what, when and how."""

    class Capacity(models.TextChoices):
        ASSESSOR = "assessor", "Assessor"
        INZ_OFFICER = "inz_officer", "Immigration NZ officer"
        ADMINISTRATOR = "administrator", "Scheme administrator"

    class Channel(models.TextChoices):
        WEB = "web", "Web page"
        API = "api", "API"

    # The reference is kept as well as the link, so the record still answers "who looked at X" after retention
    # removes the request itself (the link is then emptied, never the row).
    request = models.ForeignKey(
        "cases.Request", null=True, blank=True, on_delete=models.SET_NULL, related_name="staff_reads")
    reference = models.CharField(max_length=12, db_index=True)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reader_email = models.EmailField(help_text="The reader's email as it was at the time, kept if the account goes.")
    body = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The organisation the reader acted for: the assessing body, Immigration NZ or the ministry.")
    capacity = models.CharField(max_length=20, choices=Capacity.choices)
    what = models.CharField(max_length=200, help_text="What was shown, such as 'personal details' or "
                                                      "'evidence: passport 12'.")
    channel = models.CharField(max_length=3, choices=Channel.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["request", "at"], name="staffread_request_at"),
            models.Index(fields=["at", "id"], name="staffread_at"),
            models.Index(fields=["body", "at"], name="staffread_body_at"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.what} by {self.reader_email} at {self.at:%Y-%m-%d %H:%M}"


# --- recording ------------------------------------------------------------------------------------------------------

# What was shown: each ``what`` starts with one of these, then ": " and the particulars (a document, an API call),
# so the applicant's page can say in plain words what kind of thing was looked at.
REQUEST_DETAILS = "request details"
EVIDENCE = "evidence"
PASSPORT = "passport and family details"
EXPORT = "recommendation export"

WHAT_FOR_APPLICANTS = {
    REQUEST_DETAILS: "The request's details",
    EVIDENCE: "Evidence uploaded with the request",
    PASSPORT: "Passport and family details",
    EXPORT: "The details sent to Immigration NZ in a recommendation",
}

Capacity = StaffRead.Capacity
Channel = StaffRead.Channel

# Which organisation a member of staff acts for as an officer or an administrator, by user: asked on every read,
# changed when someone joins or leaves (lib.held; followed in PrivacyConfig.ready).
held_bodies: Held[dict[str, int]] = Held("staff-read-bodies")


def _bodies_of(user_id: int) -> dict[str, int]:
    rows = (Membership.objects.filter(user_id=user_id)
            .filter(Q(role=Party.INZ_OFFICER.value, organisation__kind=Organisation.Kind.IMMIGRATION)
                    | Q(role=Party.ADMINISTRATOR.value, organisation__kind=Organisation.Kind.MINISTRY))
            .order_by("organisation_id").values_list("role", "organisation_id"))
    found: dict[str, int] = {}
    for role, organisation_id in rows:
        found.setdefault(role, organisation_id)
    return found


def reader_of(user: User, request: Request, roles: Roles | None = None) -> tuple[str, int | None] | None:
    """In what capacity, and for which body, this user sees this request as staff; None when they look at it as its
    applicant or its worker (their own request is not a staff read) or are not staff to it at all.

    The request's nominee must be loaded (access.visible_requests loads it) so that deciding costs no query.
    """
    roles = roles or roles_of(user)
    held = parties(user, request, roles)
    if Party.APPLICANT in held or Party.NOMINEE in held:
        return None
    # A capacity is named as the party it comes from (Capacity's values are Party's).
    if Party.ASSESSOR in held:
        return Party.ASSESSOR.value, request.assessing_body_id
    for party in (Party.INZ_OFFICER, Party.ADMINISTRATOR):
        if party in held:
            bodies = held_bodies.get(user.pk, lambda: _bodies_of(user.pk)) or {}
            return party.value, bodies.get(party.value)
    return None


def _row(user: User, request: Request, what: str, channel: str, reader: tuple[str, int | None],
         at: dt.datetime) -> StaffRead:
    capacity, body_id = reader
    return StaffRead(request_id=request.pk, reference=request.reference, reader_id=user.pk, reader_email=user.email,
                     body_id=body_id, capacity=capacity, what=what[:200], channel=channel, at=at)


def record_read(user: User, request: Request, what: str, *, channel: str = "web",
                roles: Roles | None = None) -> StaffRead | None:
    """Record that ``user`` was shown ``what`` of ``request``, if they saw it as staff: one INSERT, or nothing for
    the request's own applicant and worker. ``what`` starts with one of REQUEST_DETAILS, EVIDENCE, PASSPORT, EXPORT."""
    reader = reader_of(user, request, roles)
    if reader is None:
        return None
    row = _row(user, request, what, channel, reader, timezone.now())
    rows_insert(row)
    return row


def record_reads(user: User, requests: Iterable[Request], what: str, *, channel: str = "web",
                 roles: Roles | None = None) -> int:
    """Record one read for each of ``requests`` (with their nominees loaded) shown at once, such as a page of the
    API's list or a recommendation export: one INSERT for them all. Answers how many were recorded."""
    roles = roles or roles_of(user)
    at = timezone.now()
    rows = [_row(user, r, what, channel, reader, at) for r in requests
            if (reader := reader_of(user, r, roles)) is not None]
    StaffRead.objects.bulk_create(rows)
    return len(rows)


def record_export(user: User, batch: RecommendationBatch, kind: str, *, channel: str = "web") -> int:
    """Record a read of each request in a recommendation batch whose export (``kind``: csv or json) ``user``
    downloaded: the export holds every worker's name, birth date, nationality and passport number."""
    return record_reads(user, batch.requests.select_related("nominee").order_by("pk"),
                        f"{EXPORT}: batch {batch.pk} ({kind})", channel=channel)


def api_what(kind: str, http: HttpRequest) -> str:
    """``kind`` read through the API, with the call that read it: "request details: GET /api/v1/requests/X"."""
    return f"{kind}: {http.method} {http.path}"


# --- the applicant's view -------------------------------------------------------------------------------------------


@dataclass
class BodyLooked:
    """One body's staff looking at one request on one day (New Zealand time)."""

    body: str
    day: dt.date
    times: int = 0
    what: list[str] = field(default_factory=list)  # in plain words, each once


# The kinds of thing read on one day by one body's staff, at most: the newest this many are shown. A request is
# looked at on a few dozen days in its whole life; the bound keeps a page of a request read by a script finite.
LOOKED_LIMIT = 2_000


def bodies_that_looked(request: Request) -> list[BodyLooked]:
    """Which bodies' staff looked at this request, by day, newest first, and what they looked at (in one query).

    The applicant learns the organisation, never the person: the body is what answers for its staff (IPP 5), and the
    names of officials are theirs to keep; administrators can say who, when someone has cause to ask.
    """
    rows = (StaffRead.objects.filter(request=request)
            .values("body__name", "capacity", "what", day=TruncDate("at"))  # the day in New Zealand
            .annotate(times=Count("id")).order_by("-day", "body__name", "what"))
    labels = dict(Capacity.choices)
    grouped: dict[tuple[dt.date, str], BodyLooked] = {}
    for row in rows[:LOOKED_LIMIT]:
        body = row["body__name"] or labels.get(row["capacity"], row["capacity"])
        looked = grouped.setdefault((row["day"], body), BodyLooked(body, row["day"]))
        looked.times += row["times"]
        label = WHAT_FOR_APPLICANTS.get(row["what"].partition(":")[0], "The request's details")
        if label not in looked.what:
            looked.what.append(label)
    return list(grouped.values())


# --- the administrators' search -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadSearch:
    """What an administrator searches the record by; each empty part matches everything."""

    reference: str = ""
    email: str = ""
    body_id: int | None = None
    since: dt.date | None = None  # from the start of this day, New Zealand time
    until: dt.date | None = None  # to the end of this day


def reads_found(search: ReadSearch) -> QuerySet[StaffRead]:
    """The reads matching ``search``, newest first, with their bodies loaded."""
    found = StaffRead.objects.select_related("body")
    if search.reference:
        found = found.filter(reference=search.reference)
    if search.email:
        found = found.filter(reader_email__icontains=search.email)
    if search.body_id is not None:
        found = found.filter(body_id=search.body_id)
    zone = timezone.get_default_timezone()
    if search.since is not None:
        found = found.filter(at__gte=dt.datetime.combine(search.since, dt.time.min, tzinfo=zone))
    if search.until is not None:
        found = found.filter(at__lt=dt.datetime.combine(search.until + dt.timedelta(days=1), dt.time.min,
                                                        tzinfo=zone))
    return found.order_by("-at", "-pk")


def reading_bodies() -> QuerySet[Organisation]:
    """The organisations whose staff read requests: the assessing bodies, Immigration NZ and the ministry."""
    return Organisation.objects.exclude(kind=Organisation.Kind.EMPLOYER).order_by("name")


CSV_FIELDS = ("at", "reference", "reader_email", "body", "capacity", "what", "channel")


def csv_row(read: StaffRead) -> list[str]:
    return [read.at.astimezone(dt.UTC).isoformat(), read.reference, read.reader_email,
            read.body.name if read.body else "", read.capacity, read.what, read.channel]
