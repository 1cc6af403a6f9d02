"""Rebuild the certificate fonts of this folder from Noto CJK (a developer's tool, not run by
the portal; see README.md here).

    apt-get install fonts-noto-cjk          # the source fonts (OFL-1.1)
    apt-get download unicode-data           # Unihan, for the character lists; then
    dpkg -x unicode-data_*.deb /tmp/unicode-data
    .venv/bin/python certification/fonts/build_fonts.py \\
        --unihan /tmp/unicode-data/usr/share/unicode/Unihan_OtherMappings.txt.bz2

The body font keeps every character of GB2312 (kGB0, 6,763 hanzi plus its symbols, kana, Greek
and Cyrillic) and of the Table of General Standard Chinese Characters (通用规范汉字表, 2013, kTGH:
8,105 hanzi, among them the rarer characters allowed in names, such as 䶮), ASCII, Latin-1, the
general punctuation and the CJK and full-width punctuation. The title font keeps only the
characters of the certificate's fixed titles (``certification.documents.TITLE_TEXTS``) and ASCII.
"""

from __future__ import annotations

import argparse
import bz2
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from certification.documents import BODY_FONT_FILE, TITLE_FONT_FILE, TITLE_TEXTS  # noqa: E402

NOTO = Path("/usr/share/fonts/opentype/noto")
SANS_SC_REGULAR = (NOTO / "NotoSansCJK-Regular.ttc", "Noto Sans CJK SC")
SERIF_SC_BOLD = (NOTO / "NotoSerifCJK-Bold.ttc", "Noto Serif CJK SC Bold")

ASCII = range(0x20, 0x7F)
EXTRA_RANGES = (
    range(0xA0, 0x100),  # Latin-1 (·, ×, accented letters of English names)
    range(0x2000, 0x2070),  # general punctuation (— “ ” ‘ ’ … ‰)
    range(0x3000, 0x3040),  # CJK symbols and punctuation (、。《》【】〓)
    range(0xFF01, 0xFF5F),  # full-width forms (，：；（）)
)


def han_characters(unihan: Path) -> set[int]:
    """GB2312 and the Table of General Standard Chinese Characters, from Unihan."""
    wanted = set()
    with bz2.open(unihan, "rt", encoding="utf-8") as lines:
        for line in lines:
            parts = line.split("\t")
            if len(parts) >= 2 and parts[1] in ("kGB0", "kTGH"):
                wanted.add(int(parts[0][2:], 16))
    return wanted


def gb2312_characters() -> set[int]:
    """Every character GB2312 encodes (its symbols, kana, Greek and Cyrillic too)."""
    found = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return found


def face(collection: Path, name: str) -> TTFont:
    for font in TTCollection(collection).fonts:
        if font["name"].getDebugName(4) == name:
            return font
    raise SystemExit(f"{name} is not in {collection}")


def subset_font(font: TTFont, unicodes: set[int], target: Path) -> None:
    options = subset.Options()
    options.layout_features = []  # no shaping: the certificate sets plain horizontal text
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.name_languages = ["*"]
    options.drop_tables += ["vhea", "vmtx", "VORG", "BASE"]  # horizontal text only
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    cff_to_truetype(font)
    font.flavor = "woff"  # zlib-compressed; fontTools (hence fpdf2) reads it without extras
    font.save(target)
    print(f"{target.name}: {len(font.getGlyphOrder())} glyphs, {target.stat().st_size} bytes")


def cff_to_truetype(font: TTFont) -> None:
    """Replace the CFF outlines by quadratic TrueType ones (after fontTools' otf2ttf snippet):
    fpdf2 embeds a TrueType font as a CIDFontType2 with Identity-H encoding, which every PDF
    reader handles, and subsets it in about half the time of a CID-keyed CFF font."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attribute in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxPoints",
        "maxContours",
        "maxCompositePoints",
        "maxCompositeContours",
        "maxComponentDepth",
    ):
        setattr(maxp, attribute, 0)  # recalculated on save
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0  # no glyph names: the cmap is all the PDF needs
    font.sfntVersion = "\x00\x01\x00\x00"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--unihan", type=Path, required=True)
    args = parser.parse_args()

    common = set(ASCII).union(*EXTRA_RANGES)
    body = han_characters(args.unihan) | gb2312_characters() | common
    subset_font(face(*SANS_SC_REGULAR), body, HERE / BODY_FONT_FILE)

    title = set(ASCII) | {ord(c) for text in TITLE_TEXTS for c in text}
    subset_font(face(*SERIF_SC_BOLD), title, HERE / TITLE_FONT_FILE)


if __name__ == "__main__":
    main()
