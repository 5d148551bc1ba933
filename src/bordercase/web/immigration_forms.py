"""Forms of Immigration NZ's visa page. They read what was typed; every rule about a decision is in
``immigration.services.visas``."""

from __future__ import annotations

from typing import ClassVar

from django import forms

from bordercase.web.forms import DatesForm


class VisaGrantForm(DatesForm):
    dates: ClassVar[dict[str, tuple[str, str, str]]] = {
        "valid_until": ("The last day the visa is valid", "The last day the visa is valid, after today. For example, "
                        "28 2 2023", ""),  # left empty, the service says so beside anything else missing
    }
    conditions = forms.CharField(
        label="Conditions", required=False, widget=forms.Textarea,
        help_text="The worker and the employer read these in the decision letter. For example: Critical Purpose "
                  "Visitor Visa, valid 12 months; work only for the nominating employer.")


class VisaDeclineForm(forms.Form):
    reasons = forms.CharField(
        label="Reasons to decline", required=False, widget=forms.Textarea,
        help_text="The worker and the employer read these. The family travelling is declined with the worker.")
