"""The public job-title coder (``/occupations/``, no sign-in): the ANZSCO 2013 occupations a title could be, how
each matched, and for a title from bordercase's table of current ICT titles its sources and reasoning. The coder is
``policy.anzsco``, the one the rules use, so the page shows what lodging would read the title as."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bordercase.policy.anzsco import TITLE_MAX_LENGTH, Match, anzsco, title_problem


class TitleForm(forms.Form):
    # Longer than any title, so a title a little too long is refused in words by title_problem.
    title = forms.CharField(label="Job title", max_length=TITLE_MAX_LENGTH * 50, strip=False,
                            help_text="As the employment agreement gives it, such as Senior DevOps Engineer.",
                            error_messages={"required": "Enter a job title, such as DevOps Engineer",
                                            "max_length": f"Shorten the job title to {TITLE_MAX_LENGTH} characters or "
                                                          "fewer"})

    def clean_title(self) -> str:
        title: str = self.cleaned_data["title"]
        problem = title_problem(title)
        if problem is not None:
            raise forms.ValidationError(problem)
        return " ".join(title.split())


@require_GET
def occupation_coder(request: HttpRequest) -> HttpResponse:
    form = TitleForm(request.GET if "title" in request.GET else None)
    coding = anzsco().code_title(form.cleaned_data["title"]) if form.is_valid() else None
    return render(request, "web/occupations/coder.html", {
        "form": form, "coding": coding, "ambiguous": coding is not None and coding.match is Match.AMBIGUOUS,
        "none": coding is not None and coding.match is Match.NONE, "table": anzsco().table,
    })
