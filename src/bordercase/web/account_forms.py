"""Forms of the account pages: signing up, setting a password, setting up an organisation, inviting colleagues."""

from __future__ import annotations

from typing import Any

from django import forms

from bordercase.accounts.models import User
from bordercase.accounts.services import password_problems

_EMAIL_ERRORS = {"required": "Enter your email address",
                 "invalid": "Enter an email address in the correct format, like name@example.com"}


class NewPasswordForm(forms.Form):
    """A password typed twice, checked against the site's password rules for the account it will belong to."""

    password = forms.CharField(
        label="Create a password", widget=forms.PasswordInput, strip=False,
        help_text="At least 12 characters. A few unrelated words make a good one.",
        error_messages={"required": "Create a password"},
    )
    password_again = forms.CharField(label="Type the password again", widget=forms.PasswordInput, strip=False,
                                     error_messages={"required": "Type the password again"})

    def __init__(self, *args: Any, account: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account

    def account_for_checking(self, data: dict[str, Any]) -> User:
        """The account the password is checked against, so it cannot resemble its name or address."""
        return self.account or User()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        password, again = data.get("password"), data.get("password_again")
        if password and again and password != again:
            self.add_error("password_again", "The passwords do not match: type the same password twice")
        elif password:
            # Checked here as well as in the service, so every problem on the page is shown at once.
            problems = password_problems(password, self.account_for_checking(data))
            if problems:
                self.add_error("password", problems)
        return data


class PasswordPairForm(NewPasswordForm):
    """A name and a password, for an account whose address is already known (an invitation's)."""

    full_name = forms.CharField(label="Full name", max_length=200,
                                error_messages={"required": "Enter your full name",
                                                "max_length": "Full name must be 200 characters or fewer"})
    field_order = ["full_name", "password", "password_again"]

    def __init__(self, *args: Any, email: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def account_for_checking(self, data: dict[str, Any]) -> User:
        return User(email=data.get("email") or self.email, full_name=data.get("full_name") or "")


class SignUpForm(PasswordPairForm):
    email = forms.EmailField(label="Email address", max_length=254, error_messages=_EMAIL_ERRORS,
                             help_text="We will send a link to confirm it.")
    field_order = ["full_name", "email", "password", "password_again"]


class ResendForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254, error_messages=_EMAIL_ERRORS)


class OrganisationForm(forms.Form):
    name = forms.CharField(label="Organisation name", max_length=200,
                           help_text="As registered with the New Zealand Companies Office or NZBN register.",
                           error_messages={"required": "Enter the organisation's name",
                                           "max_length": "Organisation name must be 200 characters or fewer"})
    nzbn = forms.CharField(label="New Zealand Business Number (NZBN)", max_length=20,
                           help_text="13 digits, starting 94, such as 9429041000007.",
                           error_messages={"required": "Enter the organisation's NZBN",
                                           "max_length": "Enter the NZBN's 13 digits, without other characters"})
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
