from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from bordercase.cases.models import Scheme
from bordercase.cases.windows import intake_at, intake_message

router = Router(tags=["schemes"])


class SchemeOut(Schema):
    code: str
    title: str
    kind: str
    places: int | None
    is_open: bool = Field(description="Whether requests can be lodged now")
    intake: str = Field(description="open, upcoming, closed or never")
    intake_message: str
    opens_at: datetime | None = Field(None, description="When the next window opens, if one is announced")
    closes_at: datetime | None = Field(None, description="When the open window closes, or the last one closed")
    assessing_bodies: list[str]


@router.get("/schemes", response=list[SchemeOut], summary="The schemes requests can be made under")
def list_schemes(request: HttpRequest) -> list[SchemeOut]:
    now = timezone.now()
    found = []
    for s in Scheme.objects.prefetch_related("assessing_bodies", "windows"):
        intake = intake_at([w.as_window() for w in s.windows.all()], now)
        closes = intake.current or intake.last
        found.append(SchemeOut(
            code=s.code, title=s.title, kind=s.kind, places=s.places, is_open=intake.is_open, intake=intake.state,
            intake_message=intake_message(s.title, intake), opens_at=intake.next.opens_at if intake.next else None,
            closes_at=closes.closes_at if closes else None, assessing_bodies=[b.code for b in s.assessing_bodies.all()],
        ))
    return found
