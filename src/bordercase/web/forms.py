from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, ClassVar

import pycountry
from django import forms
from django.contrib.auth.forms import AuthenticationForm

from bordercase.lib.errors import InvalidInput
from bordercase.web.dates import PARTS, DateUnreadable, date_typed

_PARTS = (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4))
COUNTRIES = sorted(((c.alpha_3, c.name) for c in pycountry.countries), key=lambda c: c[1])  # (code, name)


def errors_onto(form: forms.Form, exc: InvalidInput) -> None:
    """A service's refusal on the form: each message on the field it names (a date typed in three boxes, on its day
    box, where the error summary links), the rest on the form as a whole."""
    dates = getattr(form, "dates", {})
    for field, message in exc.errors.items():
        name = f"{field}_day" if field in dates else field
        form.add_error(name if name in form.fields else None, message)


def errors_among(page_forms: Iterable[forms.Form], exc: InvalidInput) -> dict[str, str]:
    """A service's refusal on a page of several forms: each message on the form whose field it names; those no
    form has are returned, for the page to show above them."""
    page_forms = list(page_forms)
    for form in page_forms:
        for field, message in exc.errors.items():
            if field in form.fields:
                form.add_error(field, message)
    return {f: m for f, m in exc.errors.items() if not any(f in form.fields for form in page_forms)}


class DateGroup:
    """One date's three boxes, its legend and hint, for ``web/includes/date_group.html``."""

    def __init__(self, form: forms.Form, name: str, legend: str, hint: str) -> None:
        self.form, self.name, self.legend, self.hint = form, name, legend, hint

    @property
    def fields(self) -> list[forms.BoundField]:
        return [self.form[f"{self.name}_{part}"] for part, _, _ in _PARTS]

    @property
    def id(self) -> str:
        return self.form[f"{self.name}_day"].id_for_label

    @property
    def errors(self) -> list[str]:
        return list(self.form[f"{self.name}_day"].errors)

    @property
    def autocomplete(self) -> str:
        return getattr(self.form, "autocomplete", {}).get(self.name, "")

    @property
    def bad(self) -> list[str]:
        return [f.name for f in self.fields] if self.errors else []


class DatesForm(forms.Form):
    """A GOV.UK form with dates typed as day, month and year in three boxes (the one date input of every page).

    Each of ``dates`` is read by ``web.dates.date_typed`` into ``cleaned_data[name]``; its errors go on its day box,
    where the error summary links. ``autocomplete`` gives a date's boxes their purpose, e.g. "bday" for a birthday.
    """

    # name -> (legend, hint, what to say when it is left empty; "" leaves it None for the service to judge)
    dates: ClassVar[dict[str, tuple[str, str, str]]] = {}
    autocomplete: ClassVar[dict[str, str]] = {}
    field_order: ClassVar[list[str]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.dates:
            for part, label, length in _PARTS:
                self.fields[f"{name}_{part}"] = forms.CharField(label=label, max_length=length, required=False)
        self.order_fields(self.field_order)
        self.date_groups = {name: DateGroup(self, name, legend, hint) for name, (legend, hint, _) in self.dates.items()}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, (legend, _, missing) in self.dates.items():
            try:
                data[name] = date_typed(*(str(data.get(f"{name}_{part}") or "") for part in PARTS))
            except DateUnreadable as exc:
                data[name] = None
                self.add_error(f"{name}_day", f"{legend} must {exc.must}")
                continue
            if data[name] is None and missing:
                self.add_error(f"{name}_day", missing)
        return data

    def values(self, *names: str) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in names}

    @classmethod
    def date_initial(cls, name: str, day: dt.date | None) -> dict[str, Any]:
        if day is None:
            return {}
        return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


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
