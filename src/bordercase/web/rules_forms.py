"""The public rules pages' forms: the date the rules were in force, and the eligibility checker's questions."""

from __future__ import annotations

from typing import ClassVar

from bordercase.web.forms import DatesForm
from bordercase.web.questions import QuestionsForm

AS_AT_LEGEND = "Date the rules were in force"


class AsAtForm(DatesForm):
    """The date whose rules to show or apply, as a GOV.UK date input; empty is today."""

    dates: ClassVar[dict[str, tuple[str, str, str]]] = {
        "as_at": (AS_AT_LEGEND, "For example, 1 8 2021. Leave it empty for today.", ""),
    }


class LodgingDateForm(DatesForm):
    """The checker's date: the day the request would be lodged, whose rules apply, as at lodging; empty is today."""

    dates: ClassVar[dict[str, tuple[str, str, str]]] = {
        "as_at": ("Date of lodging", "The rules in force that day apply. For example, 18 2 2022. Leave it empty "
                                     "for today.", ""),
    }


class CheckerForm(QuestionsForm):
    """The scheme's questions as the lodging pages draw them, checked in full: the checker answers what lodging
    would find, and lodging refuses answers a draft may still lack (a required question left empty)."""

    complete = True
