"""Fitting user-supplied text onto a PDF page drawn with a built-in font.

Built-in PDF fonts draw only WinAnsi (cp1252) characters, and names and
addresses arrive in any script. Rather than crash or print empty boxes we
keep what the font can draw, fold accented letters to their base letter
when the exact glyph is missing (Ł -> L), and put "?" for the rest (CJK),
so a label is always produced and the carrier's sorters still read the
postal code, city and country, which are what route the parcel.
"""
from __future__ import annotations

import unicodedata

from reportlab.pdfbase.pdfmetrics import stringWidth

ELLIPSIS = "\u2026"  # in cp1252, so the built-in fonts can draw it
# Letters with a stroke, not an accent: NFKD does not decompose them.
_FOLD = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h",
                       "ı": "i", "Ŧ": "T", "ŧ": "t", "Ø": "O", "ø": "o"})


def _drawable(ch: str) -> bool:
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def printable(value: object) -> str:
    """`value` as one line of text the built-in fonts can draw."""
    text = "" if value is None else str(value)
    out: list[str] = []
    for ch in text:
        if unicodedata.category(ch)[0] in "CZ" and ch != " ":
            out.append(" ")  # newlines, tabs, NULs, odd spaces: one plain space
        elif _drawable(ch):
            out.append(ch)
        else:
            folded = unicodedata.normalize("NFKD", ch.translate(_FOLD))
            base = "".join(c for c in folded if not unicodedata.combining(c))
            out.append(base if base and all(_drawable(c) for c in base) else "?")
    return " ".join("".join(out).split())


def truncate(text: str, font: str, size: float, width: float) -> str:
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + ELLIPSIS, font, size) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def wrap(value: object, font: str, size: float, width: float, *, max_lines: int) -> list[str]:
    """Word-wrap to `width` points; words longer than a line are cut, and
    anything beyond `max_lines` is dropped with an ellipsis on the last line."""
    lines: list[str] = []
    current = ""
    for word in printable(value).split(" "):
        if not word:
            continue
        candidate = f"{current} {word}" if current else word
        if stringWidth(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while stringWidth(word, font, size) > width:
            cut = len(word)
            while cut > 1 and stringWidth(word[:cut], font, size) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = truncate(lines[-1] + ELLIPSIS, font, size, width)
    return lines
