from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from bordercase.cases.models import Scheme

router = Router(tags=["schemes"])


class SchemeOut(Schema):
    code: str
    title: str
    kind: str
    places: int | None
    is_open: bool
    assessing_bodies: list[str]


@router.get("/schemes", response=list[SchemeOut], summary="The schemes requests can be made under")
def list_schemes(request: HttpRequest) -> list[SchemeOut]:
    return [
        SchemeOut(code=s.code, title=s.title, kind=s.kind, places=s.places, is_open=s.is_open,
                  assessing_bodies=[b.code for b in s.assessing_bodies.all()])
        for s in Scheme.objects.prefetch_related("assessing_bodies")
    ]
