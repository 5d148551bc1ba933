"""Recommendations to Immigration NZ: the assessor's page that sends a batch, and the batches with their exports.

The "Recommend to Immigration NZ" page is for assessors at a body that recommends (and scheme administrators);
the batches are for Immigration NZ officers, administrators and the sending body's assessors. Anyone else gets a
404. The views parse the form, call ``immigration.services.recommendations`` and show its errors by the group
of requests they are about.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from bordercase.accounts.models import Organisation, User
from bordercase.cases import access as case_access
from bordercase.cases.lifecycle import LifecycleError
from bordercase.cases.models import Request, Scheme
from bordercase.immigration import access
from bordercase.immigration.models import RecommendationBatch
from bordercase.immigration.services import recommendations
from bordercase.lib.errors import ConcurrentChange, InvalidInput, Refused
from bordercase.privacy import reads


@dataclass(frozen=True)
class Group:
    """The requests of one scheme assessed by one body: what one batch may hold."""

    scheme: Scheme
    body: Organisation
    requests: list[Request]

    @property
    def key(self) -> str:
        return f"group-{self.scheme.code}-{self.body.code or self.body.pk}"


def _recommender(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not access.may_recommend(user):
        raise Http404("No recommendations for this user")
    return user


def _reader(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not access.may_read_batches(user):
        raise Http404("No recommendation batches for this user")
    return user


def _groups(user: User) -> list[Group]:
    bodies = access.recommending_bodies(user)
    return [Group(scheme, body, list(recommendations.recommendable(scheme, body)))
            for scheme in access.recommending_schemes().prefetch_related("assessing_bodies")
            for body in bodies if body in scheme.assessing_bodies.all()]


@login_required
@require_GET
def recommend_page(request: HttpRequest) -> HttpResponse:
    return _render_recommend(request, _recommender(request), {})


def _render_recommend(request: HttpRequest, user: User, errors: dict[str, str],
                      picked: list[str] | None = None) -> HttpResponse:
    context = {"groups": _groups(user), "errors": errors, "picked": picked or []}
    return render(request, "web/immigration/recommend.html", context)


@login_required
@require_POST
def recommend_send(request: HttpRequest) -> HttpResponse:
    user = _recommender(request)
    group = next((g for g in _groups(user) if g.key == request.POST.get("group", "")), None)
    if group is None:
        raise Http404("No such group of requests for this user")
    picked = request.POST.getlist("requests")
    try:
        # Only requests the user may see are found: anyone else's reference is not found, as if it did not exist.
        chosen = [_visible(user, reference) for reference in picked]
        batch = recommendations.batch_send(scheme=group.scheme, body=group.body, requests=chosen, by=user)
    except (InvalidInput, LifecycleError, ConcurrentChange, Refused) as exc:
        message = " ".join(exc.errors.values()) if isinstance(exc, InvalidInput) else str(exc)
        return _render_recommend(request, user, {group.key: message}, picked)
    count = batch.requests.count()
    messages.success(request, f"Batch {batch.pk}: {count} request{'s' if count != 1 else ''} recommended to "
                              "Immigration NZ.")
    return redirect("web:recommendation-batch", batch_id=batch.pk)


def _visible(user: User, reference: str) -> Request:
    return case_access.request_get(user, reference)


@login_required
@require_GET
def batches_page(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    batches = access.batches_for(user)[:200]
    return render(request, "web/immigration/batches.html", {
        "batches": [(b, b.requests.count()) for b in batches], "may_recommend": access.may_recommend(user)})


def _batch(user: User, batch_id: int) -> RecommendationBatch:
    found = access.batches_for(user).filter(pk=batch_id).first()
    if found is None:
        raise Http404("No such batch for this user")
    return found


@login_required
@require_GET
def batch_page(request: HttpRequest, batch_id: int) -> HttpResponse:
    user = _reader(request)
    batch = _batch(user, batch_id)
    return render(request, "web/immigration/batch.html", {
        "batch": batch, "requests": recommendations.batch_requests_for(user, batch),
        "csv_name": recommendations.export_name(batch, "csv"), "json_name": recommendations.export_name(batch, "json")})


@login_required
@require_GET
def batch_download(request: HttpRequest, batch_id: int, kind: str) -> HttpResponse:
    user = _reader(request)
    if kind not in ("csv", "json"):
        raise Http404("No such export")
    batch = _batch(user, batch_id)
    if recommendations.exports_removed(batch):
        return render(request, "web/immigration/export_removed.html",
                      {"batch": batch, "why": recommendations.EXPORTS_REMOVED}, status=410)
    export = recommendations.export_of(batch, kind)
    reads.record_export(user, batch, kind)
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Repr-Digest"] = export.repr_digest
    response["Cache-Control"] = "private, no-store"
    return response
