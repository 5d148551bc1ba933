"""Letters as PDF (fpdf2): the invitation to apply and the visa decision, laid out from a ``Letter``.

This module only lays a letter out; what a letter says is decided by the service that sends it
(``services.invitations``, ``services.visas``), so the wording sits with the rule it reports.

Names here are New Zealand names (Kōwhai, Ngāti …), which the PDF core fonts cannot show: a Unicode TrueType font
is embedded when one is installed (the setting ``LETTER_FONT``, from ``BORDERCASE_LETTER_FONT``, else Liberation Sans
or DejaVu Sans where Debian puts them). Without one the letter falls back to Helvetica and writes each letter
without its macron, so a letter is always sent, if less well spelt.

A letter sent carries its verification code in every page's footer and, on its first page, a QR code of the address
where anyone holding it can check it (``services.issued_letters``): the address is also written out, for whoever
cannot scan.

Of the installed fonts a letter takes the first that has every character it writes: Liberation Sans (Latin, Greek,
Cyrillic) is embedded in a third of the time DejaVu Sans takes, which a bulk invitation of hundreds of letters
feels, and a name Liberation cannot spell (Vietnamese, Armenian, …) takes DejaVu, which can.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import segno
from django.conf import settings
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos

# From the quickest to embed to the most characters: a letter takes the first that has all of its own.
FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
)
SENDER = "Immigration New Zealand"
FOOTER = "Reference {reference}  ·  page {page} of {{nb}}"
CHECK_FOOTER = "Reference {reference}  ·  verification code {code}  ·  page {page} of {{nb}}"
CHECK_HEADING = "Check this letter"
CHECK_TEXT = ("Anyone can check that this is the letter Immigration New Zealand sent, unchanged: scan the QR code or "
              "go to the address below, then upload this PDF. The verification code is {code}.")
MARGIN = 20  # mm, on every side
QR_SIZE = 30  # mm: scans from a phone held over a printed page, and fits beside the sender's lines


@dataclass(frozen=True)
class Check:
    """Where a letter is checked: its verification code as people read it, and the address of its public page."""

    code: str
    url: str


@dataclass(frozen=True)
class Letter:
    """What a letter says, in order: a title, who it is to, facts as label and value, then headed sections."""

    title: str
    reference: str
    dated: dt.date
    to: Sequence[str]
    facts: Sequence[tuple[str, str]]
    sections: Sequence[tuple[str, Sequence[str]]] = field(default_factory=tuple)
    check: Check | None = None


def _fonts(letter: Letter) -> tuple[str, str] | None:
    chosen = getattr(settings, "LETTER_FONT", "") if settings.configured else ""
    if chosen:
        # One file given: used for bold too, which a reader still tells apart by the larger size of headings.
        return chosen, chosen
    installed = [(regular, bold) for regular, bold in FONT_CANDIDATES
                 if Path(regular).is_file() and Path(bold).is_file()]
    written = {ord(c) for c in _words(letter) if not c.isspace()}
    # None may have every character (a name in Chinese, say): the last, with the most, then shows what it can.
    return next((pair for pair in installed if written <= _characters(pair[0]) & _characters(pair[1])),
                installed[-1] if installed else None)


@cache
def _characters(path: str) -> frozenset[int]:
    """The characters a font has a glyph for, read once for the process (its character map only)."""
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def _words(letter: Letter) -> str:
    """Everything the letter writes, its footer included."""
    checked = [CHECK_FOOTER, CHECK_HEADING, CHECK_TEXT, letter.check.code, letter.check.url] if letter.check else []
    return "".join([SENDER, FOOTER, letter.title, letter.reference, f"{letter.dated:%B}", *letter.to,
                    *(label + value for label, value in letter.facts),
                    *(heading + "".join(paragraphs) for heading, paragraphs in letter.sections), *checked])


def _latin1(text: str) -> str:
    """The text as the core fonts can write it: each character outside Latin-1 without its accent, or '?'."""
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            out.append({"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"',
                        "\u201d": '"', "\u2026": "..."}.get(char, base or "?"))
    return "".join(out)


class _Pdf(FPDF):
    def __init__(self, letter: Letter) -> None:
        super().__init__(format="A4")
        self.letter = letter
        fonts = _fonts(letter)
        if fonts is None:
            self._family, self.clean = "Helvetica", _latin1
        else:
            self.add_font("Letter", "", fonts[0])
            self.add_font("Letter", "B", fonts[1])
            self._family, self.clean = "Letter", (lambda text: text)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_title(self.clean(f"{letter.title}: {letter.reference}"))
        self.set_author(SENDER)
        self.set_creator("bordercase")
        self.set_lang("en-NZ")

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(self._family, "", 8)
        check = self.letter.check
        text = (CHECK_FOOTER.format(reference=self.letter.reference, code=check.code, page=self.page_no()) if check
                else FOOTER.format(reference=self.letter.reference, page=self.page_no()))
        self.cell(0, 5, self.clean(text), align="C")

    def line_of(self, text: str, *, size: float = 11, bold: bool = False, gap: float = 1.5) -> None:
        self.set_font(self._family, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, self.clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(gap)


def _qr(url: str) -> io.BytesIO:
    """The address as a QR code in a PNG, a module to 8 pixels with the standard quiet zone, so it stays sharp
    when printed at ``QR_SIZE``."""
    png = io.BytesIO()
    segno.make(url, error="m", micro=False).save(png, kind="png", scale=8, border=4)
    png.seek(0)
    return png


def render(letter: Letter) -> bytes:
    pdf = _Pdf(letter)
    pdf.add_page()
    if letter.check:
        pdf.image(_qr(letter.check.url), x=pdf.w - MARGIN - QR_SIZE, y=MARGIN - 4, w=QR_SIZE,
                  h=QR_SIZE, alt_text=f"QR code of {letter.check.url}")
        # The sender's lines wrap short of the QR code, never under it.
        pdf.set_right_margin(MARGIN + QR_SIZE + 4)
    pdf.line_of(SENDER, size=10, bold=True, gap=0.5)
    pdf.line_of(f"{letter.dated:%-d %B %Y}", size=10, gap=6)
    for line in letter.to:
        pdf.line_of(line, gap=0.5)
    pdf.ln(5)
    if letter.check:
        pdf.set_right_margin(MARGIN)
        pdf.set_y(max(pdf.get_y(), MARGIN - 4 + QR_SIZE + 3))
    pdf.line_of(letter.title, size=18, bold=True, gap=4)
    for label, value in letter.facts:
        pdf.set_font(pdf._family, "B", 10)
        pdf.cell(55, 6, pdf.clean(label))
        pdf.set_font(pdf._family, "", 10)
        pdf.multi_cell(0, 6, pdf.clean(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    for heading, paragraphs in letter.sections:
        pdf.line_of(heading, size=13, bold=True, gap=1)
        for paragraph in paragraphs:
            pdf.line_of(paragraph, gap=2.5)
        pdf.ln(2)
    if letter.check:
        pdf.line_of(CHECK_HEADING, size=13, bold=True, gap=1)
        pdf.line_of(CHECK_TEXT.format(code=letter.check.code), gap=2.5)
        # On a line of its own, so it is read (and copied) whole.
        pdf.line_of(letter.check.url, size=10, gap=2.5)
    return bytes(pdf.output())
