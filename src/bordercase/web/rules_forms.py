"""The public rules pages' forms: the date the rules were in force, and the eligibility checker's questions."""

from __future__ import annotations

from typing import Any, ClassVar

from bordercase.policy.answers import InvalidAnswers
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

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        answers = self._answers if self._answers is not None else self._readable(data)
        try:
            self.policy.check(answers)
        except InvalidAnswers as exc:
            for error in exc.errors:
                # A question already refused by the partial check (or unreadable) has its message: one is enough.
                if not any(self._by_question[n].has_errors for n in error.field.split(" or ")
                           if n in self._by_question):
                    self._policy_problem(error, answers)
            self._answers = None
        return data

    def _readable(self, data: dict[str, Any]) -> dict[str, Any]:
        """The answers that could be read when others could not, so that every question left unanswered is named
        with the rest in one go."""
        answers = {}
        for block in self.blocks:
            if block.has_errors:
                continue
            value = self._read(block, data)
            if value is not None:
                answers[block.question.name] = value
        return answers
