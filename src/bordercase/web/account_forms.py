"""Forms of the account pages: signing up, setting up an organisation, inviting colleagues."""

from __future__ import annotations

from typing import Any

from django import forms

_EMAIL_ERRORS = {"required": "Enter your email address",
                 "invalid": "Enter an email address in the correct format, like name@example.com"}


class PasswordPairForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200,
                                error_messages={"required": "Enter your full name"})
    password = forms.CharField(
        label="Create a password", widget=forms.PasswordInput, strip=False,
        help_text="At least 12 characters. A few unrelated words make a good one.",
        error_messages={"required": "Create a password"},
    )
    password_again = forms.CharField(label="Type the password again", widget=forms.PasswordInput, strip=False,
                                     error_messages={"required": "Type the password again"})

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", "The passwords do not match: type the same password twice")
        return data


class SignUpForm(PasswordPairForm):
    email = forms.EmailField(label="Email address", max_length=254, error_messages=_EMAIL_ERRORS,
                             help_text="We will send a link to confirm it.")
    field_order = ["full_name", "email", "password", "password_again"]


class ResendForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254, error_messages=_EMAIL_ERRORS)


class OrganisationForm(forms.Form):
    name = forms.CharField(label="Organisation name", max_length=200,
                           help_text="As registered with the New Zealand Companies Office or NZBN register.",
                           error_messages={"required": "Enter the organisation's name"})
    nzbn = forms.CharField(label="New Zealand Business Number (NZBN)", max_length=20,
                           help_text="13 digits, starting 94, such as 9429041000013.",
                           error_messages={"required": "Enter the organisation's NZBN"})
    contact_email = forms.EmailField(
        label="Contact email address", max_length=254,
        help_text="Where assessors can reach the organisation about its requests, such as people@example.co.nz.",
        error_messages={"required": "Enter a contact email address",
                        "invalid": "Enter a contact email address in the correct format, like people@example.co.nz"})


class InviteForm(forms.Form):
    email = forms.EmailField(label="Colleague's email address", max_length=254,
                             error_messages={"required": "Enter your colleague's email address",
                                             "invalid": "Enter an email address in the correct format, like "
                                                        "name@example.com"})
