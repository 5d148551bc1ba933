"""Pages. Each view finds records through cases.access and changes them through services."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from bordercase.accounts.models import ApiToken
from bordercase.accounts.tokens import token_create, token_revoke
from bordercase.cases import access, lifecycle
from bordercase.cases.lifecycle import Party, State
from bordercase.cases.services.assessment import history_for
from bordercase.cases.services.evaluations import evaluation_latest
from bordercase.cases.services.workers import same_worker_requests
from bordercase.immigration.services.status import status_of, with_ended_from
from bordercase.privacy import reads
from bordercase.web import intake_views
from bordercase.web.forms import SignInForm, TokenCreateForm
from bordercase.web.information_views import question_of
from bordercase.web.plumbing import user_of


def start(request: HttpRequest) -> HttpResponse:
    return render(request, "web/start.html")


class SignInView(auth_views.LoginView):
    template_name = "web/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True



@login_required
def requests_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    # Each row's journey needs the state a lapsed or withdrawn request ended from: read in the same query.
    found = with_ended_from(access.visible_requests(user)).order_by("-updated_at", "-pk")
    page = Paginator(found, 25).get_page(request.GET.get("page"))
    memberships = user.memberships.select_related("organisation")
    return render(request, "web/requests.html", {"page": page, "organisations": memberships})


@login_required
def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    user = user_of(request)
    req = access.request_get(user, reference)
    if req.reference != reference:
        return redirect("web:request", reference=req.reference)
    parties = access.parties(user, req)
    if req.status == State.DRAFT and Party.APPLICANT in parties:
        return intake_views.task_list(request, req)
    reads.record_read(user, req, f"{reads.REQUEST_DETAILS}: request page")  # staff only; never the applicant
    own = Party.APPLICANT in parties or Party.NOMINEE in parties
    events = history_for(user, req)
    may = {t.name for t in lifecycle.available(state=req.state, parties=parties, steps=req.scheme.steps)}
    decision = req.events.filter(transition__in=("decline", "find_eligible")).order_by("-position").first()
    context = {
        "req": req, "events": events, "evaluation": evaluation_latest(req), "decision": decision,
        "question": question_of(req), "may_answer": Party.APPLICANT in parties,
        "assesses": Party.ASSESSOR in parties,
        "documents": req.documents.order_by("uploaded_at", "pk"), "may_withdraw": "withdraw" in may,
        "same_worker": Party.APPLICANT in parties and same_worker_requests(req).exists(),
        "immigration": status_of(req),
        "travels": Party.NOMINEE in parties and req.status == State.INVITED,
        "looked": reads.bodies_that_looked(req) if own else None,  # who looked is told to the people it is about
    }
    return render(request, "web/request.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    form = TokenCreateForm()
    context: dict[str, object] = {}
    if request.method == "POST" and request.POST.get("action") == "revoke":
        try:
            token_revoke(user=user, token_id=int(request.POST.get("token_id", "")))
        except (ValueError, ApiToken.DoesNotExist) as exc:
            raise Http404("No such token for this user") from exc
        return redirect("web:api-tokens")
    if request.method == "POST":
        form = TokenCreateForm(request.POST)
        if form.is_valid():
            token, text = token_create(user=user, name=form.cleaned_data["name"])
            context.update(new_token=text, new_token_name=token.name)
            form = TokenCreateForm()
    context.update(form=form, tokens=user.api_tokens.all())
    response = render(request, "web/api_tokens.html", context)
    if "new_token" in context:
        response["Cache-Control"] = "no-store"
    return response
