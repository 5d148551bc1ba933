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


# --- a v2 ballot round (docs/ballot.md, "bordercase-ballot-v2") ------------------------------------------------------


class ObserverForm(forms.Form):
    email = forms.EmailField(
        label="The observer's email address", max_length=254,
        help_text="Someone with a staff account at an assessing body, or another administrator acting as auditor. "
        "They sign in to commit to a secret of their own before publishing and to reveal it at the draw.",
        error_messages={"required": "Enter the email address of the observer's staff account",
                        "invalid": "Enter an email address like name@nztech.org.nz"},
    )


class CommitmentForm(forms.Form):
    commitment = forms.CharField(
        label="Your commitment (optional)", max_length=200, required=False,
        help_text="The SHA-256 of a secret of 32 random bytes that you made and keep yourself, in hexadecimal. "
        "Leave it empty and bordercase makes a secret for you, shows it once and keeps only its commitment.",
    )


class BeaconForm(forms.Form):
    beacon_round = forms.IntegerField(
        label="The drand quicknet round to mix in", min_value=1,
        help_text="A round due after publishing: nobody, the network included, can know its value before then. "
        "The round suggested is due in about a quarter of an hour.",
        error_messages={"required": "Enter the number of the drand quicknet round to mix in",
                        "invalid": "Enter the round as a whole number, such as 12345678",
                        "min_value": "Enter a round number of 1 or more"},
    )


class RevealForm(forms.Form):
    secret = forms.CharField(
        label="Your secret", max_length=200,
        help_text="The 64 characters of the secret whose commitment you gave before the round was published.",
        error_messages={"required": "Enter your secret: the draw needs every holder's"},
    )


class SignatureForm(forms.Form):
    signature = forms.CharField(
        label="The beacon round's signature", max_length=400, widget=forms.Textarea,
        help_text="The signature drand published for the declared round, 96 characters: bordercase checks it "
        "against the network's public key.",
        error_messages={"required": "Enter the signature of the declared drand round"},
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Why the round is cancelled", max_length=1000, widget=forms.Textarea,
        help_text="Shown on the round's public page with its declaration, for example: a holder's secret was lost.",
        error_messages={"required": "Say why the round is cancelled, for the public page",
                        "max_length": "Keep the reason to 1,000 characters or fewer"},
    )
