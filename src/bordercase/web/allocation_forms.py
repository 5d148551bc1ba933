"""The forms an administrator fills in to run a round; the services check what they mean."""

from __future__ import annotations

from django import forms

from bordercase.cases.services.allocation import DECLARATION_MAX


class PublishForm(forms.Form):
    declaration = forms.CharField(
        label="The public value the draw will mix in", max_length=DECLARATION_MAX, widget=forms.Textarea,
        help_text="A value nobody knows yet and nobody can choose, published after now: for example, the "
        "randomness of drand quicknet round 12345678. Name it exactly, so anyone can look it up after the draw.",
        error_messages={"required": "Name the public value the draw will mix in",
                        "max_length": f"Keep the declaration to {DECLARATION_MAX} characters or fewer"},
    )


class DrawForm(forms.Form):
    secret = forms.CharField(
        label="The secret", max_length=200,
        help_text="The 64 characters you were shown when you published the round.",
        error_messages={"required": "Enter the secret you were shown when the round was published"},
    )
    public_value = forms.CharField(
        label="The public value", max_length=2000, widget=forms.Textarea,
        help_text="Exactly as its source published it, for the value named in the declaration.",
        error_messages={"required": "Enter the public value named in the declaration"},
    )
