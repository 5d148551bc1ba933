"""The corrections part of a request's page: the applicant's or worker's correction requests with their decisions,
and the way to ask for one (privacy.corrections decides who may)."""

from __future__ import annotations

from typing import Any

from django import template

from bordercase.accounts.models import User
from bordercase.cases.models import Request
from bordercase.privacy import corrections

register = template.Library()


@register.inclusion_tag("web/privacy/request_corrections.html", takes_context=True)
def request_corrections(context: template.Context, req: Request) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {"shown": False}
    found = list(corrections.corrections_of(user, req))
    may_ask = corrections.may_ask(user, req)
    return {"shown": bool(found) or may_ask, "req": req, "corrections": found, "may_ask": may_ask,
            "user": user, "csrf_token": context.get("csrf_token")}
