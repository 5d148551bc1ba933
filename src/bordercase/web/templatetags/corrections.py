"""The corrections part of a request's page: the applicant's or worker's correction requests with their decisions,
and the way to ask for one; for staff, on every page that shows them the request, the statements of correction
attached to its information (privacy.corrections decides who sees what)."""

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
    # Staff read a declined person's statement wherever they read the information (IPP 7(3)).
    statements = list(corrections.statements_of(user, req))
    served = {b.pk for b in corrections.bodies_served(user)} if statements else set()
    return {"shown": bool(found) or may_ask, "req": req, "corrections": found, "may_ask": may_ask,
            "statements": statements, "served": served, "user": user, "csrf_token": context.get("csrf_token")}
