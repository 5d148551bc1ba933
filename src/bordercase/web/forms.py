from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from bordercase.lib.errors import InvalidInput


def errors_onto(form: forms.Form, exc: InvalidInput) -> None:
    """A service's refusal on the form: each message on the field it names (a date typed in three boxes, on its day
    box, where the error summary links), the rest on the form as a whole."""
    dates = getattr(form, "dates", {})
    for field, message in exc.errors.items():
        name = f"{field}_day" if field in dates else field
        form.add_error(name if name in form.fields else None, message)


class SignInForm(AuthenticationForm):
    error_messages = {
        "unconfirmed": "Confirm your email address first: open the link we emailed you when you signed up. If it "
        "has not arrived, ask for a new link below.",
        "invalid_login": "Enter the email address and password of your bordercase account: the ones you entered "
        "do not match an account.",
        "inactive": "This account has been switched off. Ask your organisation's administrator to switch it on.",
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].label = "Email address"
        self.fields["username"].error_messages["required"] = "Enter your email address"
        self.fields["password"].error_messages["required"] = "Enter your password"

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if getattr(user, "email_verified_at", None) is None:
            raise forms.ValidationError(self.error_messages["unconfirmed"], code="unconfirmed")


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label="Token name", max_length=100, help_text="What will use it, such as 'HR system'.",
        error_messages={"required": "Enter a name for the token, such as the system that will use it",
                        "max_length": "Token name must be 100 characters or fewer"},
    )


class SecondFactorCodeForm(forms.Form):
    """The 6-digit code from an authenticator app; spaces and dashes are forgiven, as people copy them."""

    code = forms.CharField(
        label="Security code", max_length=20, help_text="The 6-digit code your authenticator app shows for bordercase.",
        error_messages={"required": "Enter the 6-digit code your authenticator app shows",
                        "max_length": "Enter the code as 6 digits, like 123456"},
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split()).replace("-", "")
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise forms.ValidationError("Enter the code as 6 digits, like 123456")
        return code
