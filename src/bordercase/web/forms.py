from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter the email address and password of your bordercase account: the ones you entered "
        "do not match an account.",
        "inactive": "This account has been switched off. Ask your organisation's administrator to switch it on.",
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].label = "Email address"
        self.fields["username"].error_messages["required"] = "Enter your email address"
        self.fields["password"].error_messages["required"] = "Enter your password"


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label="Token name", max_length=100, help_text="What will use it, such as 'HR system'.",
        error_messages={"required": "Enter a name for the token, such as the system that will use it",
                        "max_length": "Token name must be 100 characters or fewer"},
    )
