"""Forms of the request-to-travel pages. They read what was typed (dates from day, month and year boxes, trimmed
text, a chosen country); every rule about the answers is in ``immigration.services.travel``."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms

from bordercase.immigration.models import FamilyMember, TravelRequest
from bordercase.web.forms import COUNTRIES, DatesForm


def _text(label: str, missing: str, *, max_length: int = 200, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, help_text=help_text,
                           error_messages={"required": missing,
                                           "max_length": f"{label} must be {max_length} characters or fewer"})


def _country(label: str, missing: str, help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=[("", "Choose a country"), *COUNTRIES], help_text=help_text,
                             error_messages={"required": missing,
                                             "invalid_choice": f"{missing}: choose one from the list"})


_MRZ_HINT = ("The second of the two lines of letters, numbers and < at the bottom of the photo page: 44 characters, "
             "like L898902C36UTO7408122F1204159ZE184226B<<<<<10. Type every <.")


def _mrz() -> forms.CharField:
    return forms.CharField(label="Machine-readable zone, second line", max_length=60, help_text=_MRZ_HINT,
                           error_messages={"required": "Enter the second line of the machine-readable zone",
                                           "max_length": "The machine-readable zone's second line is 44 characters: "
                                                         "copy just that line"})


def _passport_number() -> forms.CharField:
    return _text("Passport number", "Enter the passport number", max_length=20,
                 help_text="As on the photo page, such as 533201987.")


class PersonalDetailsForm(DatesForm):
    given_names = _text("Given names", "Enter your given names, as on your passport")
    family_name = _text("Family name", "Enter your family name, as on your passport")
    nationality = _country("Nationality", "Select your nationality, as on your passport")
    phone = _text("Phone number", "Enter a phone number we can reach you on", max_length=40,
                  help_text="With the country code, like +91 98765 43210.")
    dates: ClassVar[dict[str, tuple[str, str, str]]] = {
        "date_of_birth": ("Date of birth", "For example, 12 4 1988", "Enter your date of birth")}
    field_order: ClassVar[list[str]] = ["given_names", "family_name", "date_of_birth_day", "date_of_birth_month",
                                        "date_of_birth_year", "nationality", "phone"]

    @classmethod
    def initial_from(cls, travel: TravelRequest) -> dict[str, Any]:
        # Until the worker saves their own, the employer's record of them is the starting point.
        nominee = travel.request.nominee
        if travel.given_names or nominee is None:
            return {"given_names": travel.given_names, "family_name": travel.family_name,
                    "nationality": travel.nationality, "phone": travel.phone,
                    **cls.date_initial("date_of_birth", travel.date_of_birth)}
        return {"given_names": nominee.given_names, "family_name": nominee.family_name,
                "nationality": nominee.nationality, **cls.date_initial("date_of_birth", nominee.date_of_birth)}


class PassportForm(DatesForm):
    passport_number = _passport_number()
    passport_country = _country("Country that issued the passport", "Select the country that issued the passport")
    passport_mrz = _mrz()
    dates: ClassVar[dict[str, tuple[str, str, str]]] = {
        "passport_expiry": ("Expiry date", "For example, 27 3 2031", "Enter the passport's expiry date")}
    field_order: ClassVar[list[str]] = ["passport_number", "passport_country", "passport_expiry_day",
                                        "passport_expiry_month", "passport_expiry_year", "passport_mrz"]

    @classmethod
    def initial_from(cls, travel: TravelRequest) -> dict[str, Any]:
        nominee = travel.request.nominee
        number = travel.passport_number or (nominee.passport_number if nominee else "")
        return {"passport_number": number, "passport_country": travel.passport_country or travel.nationality,
                "passport_mrz": travel.passport_mrz, **cls.date_initial("passport_expiry", travel.passport_expiry)}


class FamilyMemberForm(DatesForm):
    given_names = _text("Given names", "Enter their given names, as on their passport")
    family_name = _text("Family name", "Enter their family name, as on their passport")
    nationality = _country("Nationality", "Select their nationality, as on their passport")
    passport_number = _passport_number()
    passport_country = _country("Country that issued the passport", "Select the country that issued the passport")
    passport_mrz = _mrz()
    dates: ClassVar[dict[str, tuple[str, str, str]]] = {
        "date_of_birth": ("Date of birth", "For example, 5 6 2016", "Enter their date of birth"),
        "passport_expiry": ("Passport expiry date", "For example, 27 3 2031", "Enter their passport's expiry date"),
    }
    field_order: ClassVar[list[str]] = [
        "given_names", "family_name", "date_of_birth_day", "date_of_birth_month", "date_of_birth_year",
        "nationality", "passport_number", "passport_country", "passport_expiry_day", "passport_expiry_month",
        "passport_expiry_year", "passport_mrz"]
    saved: ClassVar[tuple[str, ...]] = ("given_names", "family_name", "date_of_birth", "nationality",
                                        "passport_number", "passport_country", "passport_expiry", "passport_mrz")

    @classmethod
    def initial_from(cls, member: FamilyMember | None) -> dict[str, Any]:
        if member is None:
            return {}
        return {"given_names": member.given_names, "family_name": member.family_name,
                "nationality": member.nationality, "passport_number": member.passport_number,
                "passport_country": member.passport_country, "passport_mrz": member.passport_mrz,
                **cls.date_initial("date_of_birth", member.date_of_birth),
                **cls.date_initial("passport_expiry", member.passport_expiry)}


class AgreementForm(forms.Form):
    file = forms.FileField(
        label="Upload the signed employment agreement", help_text="A PDF, PNG or JPEG file, 10 MB or smaller.",
        error_messages={"required": "Select the signed employment agreement to upload",
                        "empty": "The selected file is empty: choose the file again, or a different one"})


# Who pays, as the worker reads it on their own request.
_PAYER_LABELS: dict[str, str] = {TravelRequest.PaidBy.EMPLOYER: "My employer", TravelRequest.PaidBy.SPONSORING_AGENCY:
                                  "A sponsoring agency", TravelRequest.PaidBy.WORKER: "I pay myself"}


def payer_label(value: str) -> str:
    return _PAYER_LABELS.get(value, "")


class JourneyForm(DatesForm):
    isolation_voucher = _text("Managed-isolation voucher reference", "Enter the reference on your managed-isolation "
                              "voucher", max_length=40, help_text="As on the voucher you were given when you booked.")
    isolation_paid_by = forms.ChoiceField(label="Who pays for managed isolation?", widget=forms.RadioSelect,
                                          error_messages={"required": "Select who pays for managed isolation"})
    dates: ClassVar[dict[str, tuple[str, str, str]]] = {
        "travel_date": ("Travel date", "The day your flight to New Zealand leaves, for example 1 3 2022",
                        "Enter the date you will leave for New Zealand"),
        "isolation_from": ("Managed isolation starts", "The first day on the voucher",
                           "Enter the date your managed isolation starts"),
        "isolation_to": ("Managed isolation ends", "The day you leave managed isolation, as on the voucher",
                         "Enter the date your managed isolation ends"),
    }
    field_order: ClassVar[list[str]] = [
        "travel_date_day", "travel_date_month", "travel_date_year", "isolation_voucher", "isolation_from_day",
        "isolation_from_month", "isolation_from_year", "isolation_to_day", "isolation_to_month", "isolation_to_year",
        "isolation_paid_by"]
    saved: ClassVar[tuple[str, ...]] = ("travel_date", "isolation_voucher", "isolation_from", "isolation_to",
                                        "isolation_paid_by")

    def __init__(self, *args: Any, payers: tuple[tuple[str, str], ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["isolation_paid_by"].choices = [(value, _PAYER_LABELS.get(value, label))  # type: ignore[attr-defined]
                                                    for value, label in payers]

    @classmethod
    def initial_from(cls, travel: TravelRequest) -> dict[str, Any]:
        return {"isolation_voucher": travel.isolation_voucher, "isolation_paid_by": travel.isolation_paid_by,
                **cls.date_initial("travel_date", travel.travel_date),
                **cls.date_initial("isolation_from", travel.isolation_from),
                **cls.date_initial("isolation_to", travel.isolation_to)}


class DeclarationsForm(forms.Form):
    true_and_complete = forms.BooleanField(
        label="The information in this request to travel is true and complete, for me and for everyone travelling "
              "with me",
        error_messages={"required": "Confirm that the information is true and complete"})
    isolation = forms.BooleanField(
        label="Everyone on this request will stay in managed isolation for the whole booking",
        error_messages={"required": "Confirm that everyone will stay in managed isolation for the whole booking"})
    consequences = forms.BooleanField(
        label="I understand that Immigration New Zealand may decline or cancel the visa if any of this is false",
        error_messages={"required": "Confirm that you understand the visa may be declined or cancelled if any of "
                                    "this is false"})

    def __init__(self, *args: Any, isolation_days: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["isolation"].label = (f"Everyone on this request will stay in managed isolation for the "
                                          f"{isolation_days} days booked")
