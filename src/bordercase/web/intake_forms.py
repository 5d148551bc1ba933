"""Forms of the lodging pages that are not a scheme's own questions (those are built in web.questions)."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms

from bordercase.accounts.models import Organisation
from bordercase.cases.models import Scheme
from bordercase.web.forms import COUNTRIES, DatesForm


class StartForm(forms.Form):
    """Which scheme, and for whom: an employer's organisation or the person themselves."""

    scheme = forms.ChoiceField(label="Which scheme is the request under?", widget=forms.RadioSelect,
                               error_messages={"required": "Select the scheme the request is under"})
    on_behalf_of = forms.ChoiceField(
        label="Who is making the request?", widget=forms.RadioSelect, required=False,
        error_messages={"required": "Select who is making the request"},
    )
    submission = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, schemes: list[Scheme], organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scheme"].choices = [(s.code, s.title) for s in schemes]
        self.fields["on_behalf_of"].choices = [
            *((str(o.pk), o.name) for o in organisations), ("self", "Myself, as an individual"),
        ]


class PersonForm(DatesForm):
    dates: ClassVar[dict[str, tuple[str, str, str]]] = {
        "dob": ("Date of birth", "For example, 12 4 1988", "Enter the date of birth, including a day, month and year"),
    }
    autocomplete: ClassVar[dict[str, str]] = {"dob": "bday"}
    field_order: ClassVar[list[str]] = ["given_names", "family_name", "dob_day", "dob_month", "dob_year"]

    given_names = forms.CharField(label="Given names", max_length=200,
                                  error_messages={"required": "Enter the given names, as on the passport"})
    family_name = forms.CharField(label="Family name", max_length=200,
                                  error_messages={"required": "Enter the family name, as on the passport"})
    nationality = forms.ChoiceField(
        label="Nationality", choices=[("", "Choose the country on the passport"), *COUNTRIES],
        help_text="The country that issued the passport.",
        error_messages={"required": "Select the nationality on the passport"},
    )
    passport_number = forms.CharField(
        label="Passport number", max_length=20, help_text="As on the passport's photo page, such as 533201987.",
        error_messages={"required": "Enter the passport number"},
    )
    email = forms.EmailField(
        label="Email address", max_length=254,
        error_messages={"required": "Enter an email address", "invalid": "Enter an email address in the correct "
                        "format, like name@example.com"},
    )

    def person(self) -> dict[str, Any]:
        fields = ("given_names", "family_name", "nationality", "passport_number", "email")
        return {**{f: self.cleaned_data[f] for f in fields}, "date_of_birth": self.cleaned_data["dob"]}

    @classmethod
    def initial_from(cls, person: Any) -> dict[str, Any]:
        if person is None:
            return {}
        return {"given_names": person.given_names, "family_name": person.family_name,
                "dob_day": person.date_of_birth.day, "dob_month": person.date_of_birth.month,
                "dob_year": person.date_of_birth.year, "nationality": person.nationality,
                "passport_number": person.passport_number, "email": person.email}


class AssessingBodyForm(forms.Form):
    assessing_body = forms.ChoiceField(
        label="Who will assess the request?", widget=forms.RadioSelect,
        error_messages={"required": "Select who will assess the request"},
    )

    def __init__(self, *args: Any, bodies: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assessing_body"].choices = [(b.code, b.name) for b in bodies]


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label="What is it evidence of?", widget=forms.RadioSelect,
                             error_messages={"required": "Select what the file is evidence of"})
    file = forms.FileField(
        label="Upload a file", help_text="A PDF, PNG or JPEG file, 10 MB or smaller.",
        error_messages={"required": "Select a file to upload", "empty": "The selected file is empty: choose the "
                        "file again, or a different one"},
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds


class DeclarationForm(forms.Form):
    declaration = forms.BooleanField(
        label="I declare that the information in this request is true and complete",
        error_messages={"required": "Confirm that the information in this request is true and complete"},
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why are you withdrawing the request? (optional)", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "Reason must be 2,000 characters or fewer"},
    )


class InformationAnswerForm(forms.Form):
    """The applicant's answer to an assessor's information request, with a file if they have one."""

    text = forms.CharField(
        label="Your answer", max_length=5000, widget=forms.Textarea,
        help_text="Answer the assessor's question. If you attach a file, say what it shows.",
        error_messages={"required": "Write your answer to the assessor's question",
                        "max_length": "Your answer must be 5,000 characters or fewer: shorten it, or attach a file"})
    kind = forms.ChoiceField(label="What is the file evidence of?", widget=forms.RadioSelect, required=False)
    file = forms.FileField(
        label="Attach a file (optional)", help_text="A PDF, PNG or JPEG file, 10 MB or smaller.", required=False,
        error_messages={"empty": "The selected file is empty: choose the file again, or a different one"})

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0][0]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("file") and not cleaned.get("kind"):
            self.add_error("kind", "Select what the attached file is evidence of")
        return cleaned
