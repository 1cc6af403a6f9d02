"""The printable certificate: an A4 landscape PDF in Chinese with English beneath each line, and a
QR code that opens the certificate's public verification page.

Two steps, kept apart so the wording can be read (and tested) without drawing anything:
``certificate_content`` turns a certificate into the lines it prints (``CertificateContent``,
plain data), and ``certificate_layout`` places them on the page. ``certificate_pdf`` does both.

The fonts ship with the portal (``certification/fonts/``, subsets of Noto CJK under the SIL Open
Font License; see the README there): the PDF embeds the glyphs it uses, so it reads the same on
a machine with no Chinese font. A character the body font lacks (a rare character outside GB2312
and the Table of General Standard Chinese Characters) prints as 〓, the typesetter's mark for a
missing character, rather than failing; the verification page shows the name exactly.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import segno
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import Align, WrapMode, XPos, YPos

from certification.rules import TIER_NAMES
from certification.verification import certificate_verify_url

if TYPE_CHECKING:
    from certification.models import Certificate

# fontTools reports each table it subsets at INFO, for every PDF written: not worth a log line.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
BODY_FONT_FILE = "NotoSansSC-Regular.subset.woff"
TITLE_FONT_FILE = "NotoSerifSC-Bold.titles.woff"
BODY = "body"
TITLE = "title"

# The typesetter's mark for a character the type case lacks (U+3013 GETA MARK).
MISSING = "〓"

PROGRAMME = ("智能工厂梯度培育", "Smart Factory Tiered Cultivation")


def tier_title(tier: str) -> tuple[str, str]:
    """The certificate's title for a tier: 基础级智能工厂 / Basic-level Smart Factory."""
    zh, en = TIER_NAMES.get(tier, (tier, tier))
    return f"{zh}智能工厂", f"{en}-level Smart Factory"


# Every text set in the title font: the font ships with these characters only (and ASCII).
TITLE_TEXTS = (PROGRAMME[0], *(tier_title(tier)[0] for tier in TIER_NAMES))

VALIDITY = (
    "有效期说明：本证书认定的梯度级别，在工厂每年按期完成智能制造能力成熟度自评估期间持续有效；"
    "未按期完成自评估的，证书将被暂停。",
    "Validity: the tier certified here stays valid while the factory completes its annual "
    "smart-manufacturing maturity self-assessment; a certificate whose factory misses it is "
    "suspended.",
)
VERIFY_CAPTION = ("扫码核验证书当前状态", "Scan to verify the certificate's current status")
VERIFY_AT = ("核验地址", "Verify at")

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Line:
    """One printed line in Chinese and the English beneath it (empty: nothing beneath)."""

    zh: str
    en: str = ""


@dataclass(frozen=True)
class Field:
    label: Line
    value: Line
    wrap: WrapMode = WrapMode.CHAR  # names and codes break anywhere; English at words


@dataclass(frozen=True)
class CertificateContent:
    number: str
    programme: Line
    title: Line
    fields: tuple[Field, ...]
    validity: Line
    verify_caption: Line
    verify_url: str


def date_zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def date_en(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def certificate_content(certificate: Certificate) -> CertificateContent:
    """What the certificate says, line by line. Reads the certificate's factory, enterprise and
    authority (select them with it)."""
    factory = certificate.factory
    enterprise = factory.enterprise
    authority = certificate.authority
    tier_zh, tier_en = TIER_NAMES.get(certificate.tier, (certificate.tier, certificate.tier))
    if certificate.self_declared:
        authority_label = Line("自主声明备案机关", "Self-declared, filed with")
    else:
        authority_label = Line("认定机构", "Certifying authority")
    return CertificateContent(
        number=certificate.number,
        programme=Line(*PROGRAMME),
        title=Line(*tier_title(certificate.tier)),
        fields=(
            Field(Line("工厂名称", "Factory"), Line(factory.name)),
            Field(Line("企业名称", "Enterprise"), Line(enterprise.name)),
            Field(Line("统一社会信用代码", "Unified social credit code"), Line(enterprise.uscc)),
            Field(Line("梯度级别", "Tier"), Line(tier_zh, tier_en)),
            Field(authority_label, Line(authority.name_zh, authority.name_en), WrapMode.WORD),
            Field(
                Line("发证日期", "Date of issue"),
                Line(date_zh(certificate.issued_on), date_en(certificate.issued_on)),
            ),
            Field(Line("证书编号", "Certificate number"), Line(certificate.number)),
        ),
        validity=Line(*VALIDITY),
        verify_caption=Line(*VERIFY_CAPTION),
        verify_url=certificate_verify_url(certificate.number),
    )


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as a PDF (A4 landscape, one page)."""
    return certificate_layout(certificate_content(certificate))


# --- layout ------------------------------------------------------------------------------------

# Millimetres on an A4 landscape page (297 x 210).
PAGE_WIDTH = 297.0
MARGIN = 30.0
LABEL_WIDTH = 50.0
VALUE_X = MARGIN + LABEL_WIDTH
VALUE_WIDTH = 122.0
QR_X = 214.0
QR_SIZE = 48.0
FIELDS_TOP = 71.0
VALIDITY_TOP = 164.0
FOOTER_TOP = 187.0

RED = (150, 24, 30)
GOLD = (176, 141, 60)
INK = (33, 37, 41)
MUTED = (96, 100, 106)
PAPER = (252, 249, 242)

PT = 25.4 / 72  # millimetres per point


class _Certificate(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)
        self.add_font(BODY, "", FONT_DIR / BODY_FONT_FILE)
        self.add_font(TITLE, "", FONT_DIR / TITLE_FONT_FILE)
        self.set_fallback_fonts([BODY])  # a title character the title font lacks

    def text_line(
        self,
        text: str,
        *,
        x: float,
        y: float,
        width: float,
        size: float,
        font: str = BODY,
        color: tuple[int, int, int] = INK,
        align: Align = Align.L,
        wrap: WrapMode = WrapMode.CHAR,
        max_lines: int = 2,
        min_size: float | None = None,
    ) -> float:
        """Set ``text`` in a box ``width`` wide from (x, y), shrinking it towards ``min_size``
        to keep within ``max_lines`` lines (cut with … beyond). Returns the y below it."""
        text = printable(text)
        if not text:
            return y
        self.set_text_color(*color)
        size, lines = self._fit(text, width, size, min_size or size, max_lines, font, wrap)
        height = size * PT * 1.35
        for line in lines:
            self.set_xy(x, y)
            self.cell(width, height, line, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)
            y += height
        return y

    def _fit(
        self,
        text: str,
        width: float,
        size: float,
        min_size: float,
        max_lines: int,
        font: str,
        wrap: WrapMode,
    ) -> tuple[float, list[str]]:
        while True:
            self.set_font(font, size=size)
            lines = self._lines(text, width, wrap)
            if len(lines) <= max_lines or size <= min_size:
                break
            size = max(min_size, size - 0.5)
        if len(lines) > max_lines:  # beyond any real name: keep the layout, cut the text
            last = lines[max_lines - 1]
            while last and self.get_string_width(last + "…") > width:
                last = last[:-1]
            lines = [*lines[: max_lines - 1], last + "…"]
        return size, lines

    def _lines(self, text: str, width: float, wrap: WrapMode) -> list[str]:
        lines = self.multi_cell(
            width, text=text, dry_run=True, output="LINES", wrapmode=wrap, align=Align.L
        )
        return [str(line) for line in lines] if isinstance(lines, list) else [text]


def certificate_layout(content: CertificateContent) -> bytes:
    """Place the certificate's lines on the page and return the PDF."""
    pdf = _Certificate()
    pdf.set_title(f"{content.title.zh} {content.number}")
    pdf.set_subject(f"{content.programme.en}: {content.title.en}")
    pdf.set_creator("National smart-factory tier certification portal")
    pdf.set_lang("zh-CN")
    pdf.add_page()
    _frame(pdf)
    _titles(pdf, content)
    fields_end = _fields(pdf, content.fields)
    _qr(pdf, content)
    _validity(pdf, content, top=max(VALIDITY_TOP, fields_end + 2))
    return bytes(pdf.output())


def _frame(pdf: _Certificate) -> None:
    pdf.set_fill_color(*PAPER)
    pdf.rect(0, 0, PAGE_WIDTH, 210, style="F")
    pdf.set_draw_color(*RED)
    pdf.set_line_width(1.6)
    pdf.rect(8, 8, PAGE_WIDTH - 16, 194)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.4)
    pdf.rect(11.5, 11.5, PAGE_WIDTH - 23, 187)
    for x, y in (
        (11.5, 11.5),
        (PAGE_WIDTH - 11.5, 11.5),
        (11.5, 198.5),
        (PAGE_WIDTH - 11.5, 198.5),
    ):
        pdf.set_fill_color(*GOLD)
        pdf.rect(x - 2, y - 2, 4, 4, style="F")


def _titles(pdf: _Certificate, content: CertificateContent) -> None:
    def centred(text: str, y: float, size: float, font: str, color: tuple[int, int, int]) -> float:
        width = PAGE_WIDTH - 2 * MARGIN
        return pdf.text_line(
            text, x=MARGIN, y=y, width=width, size=size, font=font, color=color, align=Align.C
        )

    y = centred(content.programme.zh, 20, 17, TITLE, RED)
    y = centred(content.programme.en, y - 0.5, 9, BODY, MUTED)
    y = centred(content.title.zh, y + 2.5, 34, TITLE, RED)
    centred(content.title.en, y - 0.5, 14, TITLE, INK)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.3)
    pdf.line(MARGIN + 20, FIELDS_TOP - 5, PAGE_WIDTH - MARGIN - 20, FIELDS_TOP - 5)


def _fields(pdf: _Certificate, fields: Sequence[Field]) -> float:
    y = FIELDS_TOP
    for field in fields:
        label_end = pdf.text_line(
            field.label.zh,
            x=MARGIN,
            y=y + 0.6,
            width=LABEL_WIDTH,
            size=11,
            color=MUTED,
            max_lines=1,
            min_size=8,
        )
        label_end = pdf.text_line(
            field.label.en,
            x=MARGIN,
            y=label_end,
            width=LABEL_WIDTH,
            size=7.5,
            color=MUTED,
            wrap=WrapMode.WORD,
            max_lines=1,
            min_size=6,
        )
        value_end = pdf.text_line(
            field.value.zh,
            x=VALUE_X,
            y=y,
            width=VALUE_WIDTH,
            size=13.5,
            wrap=field.wrap,
            min_size=9,
        )
        if field.value.en and field.value.en != field.value.zh:
            value_end = pdf.text_line(
                field.value.en,
                x=VALUE_X,
                y=value_end,
                width=VALUE_WIDTH,
                size=8.5,
                color=MUTED,
                wrap=WrapMode.WORD,
                min_size=7,
            )
        y = max(label_end, value_end) + 3.4
    return y


def _qr(pdf: _Certificate, content: CertificateContent) -> None:
    """The verification address as a QR code, drawn as vector squares (sharp at any scale)."""
    code = segno.make(content.verify_url, error="q", micro=False)
    rows = [list(row) for row in code.matrix_iter(scale=1, border=4)]
    module = QR_SIZE / len(rows)
    top = FIELDS_TOP + 2
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(QR_X, top, QR_SIZE, QR_SIZE, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(rows):
        column = 0
        while column < len(row):  # one rectangle per horizontal run of dark modules
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            pdf.rect(
                QR_X + start * module,
                top + row_index * module,
                (column - start) * module,
                module,
                style="F",
            )
    x, width = QR_X - 6, QR_SIZE + 12
    y = pdf.text_line(
        content.verify_caption.zh,
        x=x,
        y=top + QR_SIZE + 1.5,
        width=width,
        size=9.5,
        align=Align.C,
        max_lines=1,
    )
    pdf.text_line(
        content.verify_caption.en,
        x=x,
        y=y,
        width=width,
        size=7,
        color=MUTED,
        align=Align.C,
        wrap=WrapMode.WORD,
    )


def _validity(pdf: _Certificate, content: CertificateContent, *, top: float) -> None:
    x, width = MARGIN, PAGE_WIDTH - 2 * MARGIN
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.3)
    pdf.line(x, top, x + width, top)
    y = pdf.text_line(content.validity.zh, x=x, y=top + 2.5, width=width, size=10, min_size=8)
    y = pdf.text_line(
        content.validity.en,
        x=x,
        y=y + 0.5,
        width=width,
        size=8,
        color=MUTED,
        wrap=WrapMode.WORD,
        min_size=6.5,
    )
    verify = f"{VERIFY_AT[0]} {VERIFY_AT[1]}: {content.verify_url}"
    pdf.text_line(
        verify,
        x=x,
        y=max(y + 3, FOOTER_TOP),
        width=width,
        size=7,
        color=MUTED,
        wrap=WrapMode.CHAR,
        max_lines=1,
        min_size=5,
    )


# --- characters --------------------------------------------------------------------------------


@cache
def body_characters() -> frozenset[int]:
    """The code points the body font has a glyph for."""
    font = TTFont(FONT_DIR / BODY_FONT_FILE, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def printable(text: str) -> str:
    """``text`` as the certificate can print it: white space as one space, invisible format
    and control characters dropped, and 〓 for any character the body font has no glyph for."""
    known = body_characters()
    out = []
    for character in " ".join(text.split()):
        if ord(character) in known:
            out.append(character)
        elif unicodedata.category(character) in ("Cc", "Cf"):
            continue
        else:
            out.append(MISSING)
    return "".join(out)
