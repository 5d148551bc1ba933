"""Forms of a letter's public page: the code typed in, and the PDF to check. They read what was given; the rules (what
a code is, which file is the letter) are ``immigration.services.issued_letters``'."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from bordercase.immigration.services.issued_letters import LETTER_MAX_BYTES, code_read, code_shown, letter_by_code

EXAMPLE = "K7Q2-M9XD-4HTR"
NOT_A_CODE = f"Enter the verification code as the letter's footer shows it: 12 letters and numbers, like {EXAMPLE}"
NO_SUCH_LETTER = ("No letter has the code {code}: check it against the letter's footer, where it follows "
                  "“verification code”")
CHOOSE_THE_LETTER = "Select the PDF letter to check"
EMPTY = "The selected file is empty: choose the PDF letter as it was emailed"
TOO_LARGE = (f"The selected file is larger than {LETTER_MAX_BYTES // (1024 * 1024)} MB, so it is not a letter from "
             "Immigration New Zealand: choose the PDF letter as it was emailed")
NOT_THE_LETTER = ("The selected file is not the letter with the code {code}: ask whoever gave it to you for the "
                  "letter exactly as Immigration New Zealand emailed it")


class LetterCodeForm(forms.Form):
    code = forms.CharField(
        label="Verification code", max_length=100,
        help_text=f"It is in the footer of every page of the letter, like {EXAMPLE}.",
        error_messages={"required": "Enter the verification code from the letter's footer",
                        "max_length": NOT_A_CODE})

    def clean_code(self) -> str:
        typed = self.cleaned_data["code"]
        code = code_read(typed)
        if code is None:
            raise forms.ValidationError(NOT_A_CODE)
        if letter_by_code(code) is None:
            raise forms.ValidationError(NO_SUCH_LETTER.format(code=code_shown(code)))
        return code


class LetterUploadForm(forms.Form):
    letter = forms.FileField(
        label="Upload the letter",
        help_text=f"The PDF file as it was emailed, {LETTER_MAX_BYTES // (1024 * 1024)} MB or smaller. It is checked "
                  "here and not kept.",
        error_messages={"required": CHOOSE_THE_LETTER, "missing": CHOOSE_THE_LETTER, "invalid": CHOOSE_THE_LETTER,
                        "empty": EMPTY})

    def clean_letter(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["letter"]
        if upload.size is None or upload.size > LETTER_MAX_BYTES:
            raise forms.ValidationError(TOO_LARGE)
        return upload
