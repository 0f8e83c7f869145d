"""Label and packing-slip PDFs: they parse, have the right page size, carry
the addresses as text, and the label's barcode, read back out of the PDF
itself, decodes to the tracking number."""
from __future__ import annotations

import io

import pytest
import zxingcpp
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from oms.carriers import OmsPost
from oms.carriers.labels import packing_slip_pdf, shipping_label_pdf
from oms.carriers.text import printable, wrap

from .pdf_raster import render

SENDER = {"name": "Acme Shop B.V.", "line1": "Damrak 1", "line2": "Unit 4", "city": "Amsterdam",
          "region": None, "postalCode": "1012 LG", "country": "NL", "phone": "+31201234567"}
RECIPIENT = {"name": "Anna Schmidt", "line1": "Hauptstrasse 5", "line2": "", "city": "Berlin",
             "region": "BE", "postalCode": "10115", "country": "DE", "phone": "+49301234567"}


def _label(**overrides) -> bytes:
    args = dict(tracking_number=OmsPost().tracking_number(4_711_042), carrier_name="oms-post",
                service_name="oms-post Standard", sender=SENDER, recipient=RECIPIENT,
                weight_grams=1250, reference="ORD-1001/1")
    args.update(overrides)
    return shipping_label_pdf(**args)


def _decoded(pdf: bytes) -> list[tuple[str, str]]:
    image = render(PdfReader(io.BytesIO(pdf)), dpi=300)
    return [(b.text, b.format.name) for b in zxingcpp.read_barcodes(image)]


def test_label_is_one_4x6_inch_page():
    reader = PdfReader(io.BytesIO(_label()))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.left), float(box.bottom), float(box.width), float(box.height)) == (0, 0, 288, 432)


def test_label_carries_addresses_service_reference_and_tracking_number_as_text():
    text = PdfReader(io.BytesIO(_label())).pages[0].extract_text().splitlines()
    assert text == [
        "oms-post", "oms-post Standard",
        "FROM", "Acme Shop B.V.", "Damrak 1", "Unit 4", "1012 LG Amsterdam", "NL",
        "TO", "Anna Schmidt", "Hauptstrasse 5", "10115 Berlin", "BE", "DE", "Tel. +49301234567",
        "Weight: 1.25 kg", "Ref: ORD-1001/1",
        "CP471104203NL",
    ]


def test_label_barcode_decodes_back_to_the_tracking_number():
    assert _decoded(_label()) == [("CP471104203NL", "Code128")]


@pytest.mark.parametrize("sequence", [0, 1, 99, 1_234_567, 9_999_999])
def test_label_barcode_decodes_for_other_tracking_numbers(sequence):
    number = OmsPost().tracking_number(sequence)
    assert _decoded(_label(tracking_number=number)) == [(number, "Code128")]


def test_label_survives_any_unicode_and_control_characters():
    recipient = {**RECIPIENT, "name": "Zoë Łukasiewicz 山田太郎 🚚", "line1": "ul. Długa 5\n\tm.\x00 7",
                 "city": "Łódź", "line2": "شارع 12 ‏", "region": None}
    pdf = _label(recipient=recipient, sender={**SENDER, "name": "Ørsted & Søn"},
                 reference="Bestellung «Nr. 7» 注文")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().splitlines()
    assert "Zoë Lukasiewicz ???? ?" in text
    assert "ul. Dluga 5 m. 7" in text
    assert "10115 Lódz" in text  # ó is in the font; ź is folded to z
    assert "Ørsted & Søn" in text
    assert "Ref: Bestellung «Nr. 7» ??" in text
    assert _decoded(pdf) == [("CP471104203NL", "Code128")]


def test_long_address_lines_are_wrapped_or_cut_and_never_push_over_the_barcode():
    recipient = {**RECIPIENT, "name": "Maximilian " * 30, "line1": "Long street name " * 40,
                 "line2": "X" * 300, "city": "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"}
    pdf = _label(recipient=recipient, reference="R" * 200)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "\u2026" in text
    assert "CP471104203NL" in text
    assert _decoded(pdf) == [("CP471104203NL", "Code128")]


def test_label_is_deterministic():
    assert _label() == _label()


@pytest.mark.parametrize("number", ["", "CP47110\n4203NL", "山田"])
def test_label_refuses_a_tracking_number_it_cannot_print_faithfully(number):
    with pytest.raises(ValueError):
        _label(tracking_number=number)


# ---- text fitting

@pytest.mark.parametrize(("raw", "shown"), [
    ("Zoë", "Zoë"), ("Łódź", "Lódz"), ("山田", "??"), ("a\n\tb\x00c", "a b c"), ("  x  ", "x"),
    (None, ""), (42, "42"), ("Crème brûlée €5", "Crème brûlée €5"), ("ŠŽšž", "ŠŽšž"),
    ("Ğİş", "GIs"),
])
def test_printable_keeps_what_the_builtin_font_draws(raw, shown):
    assert printable(raw) == shown


@pytest.mark.parametrize("text", ["word " * 100, "x" * 500, "short", "", "a " + "y" * 90 + " b"])
def test_wrap_fits_the_width_and_the_line_limit(text):
    lines = wrap(text, "Helvetica", 11, 100, max_lines=3)
    assert len(lines) <= 3
    assert all(stringWidth(line, "Helvetica", 11) <= 100 for line in lines)
    assert (lines == []) is (text == "")
    if stringWidth(text, "Helvetica", 11) > 300:
        assert lines[-1].endswith("\u2026")


def test_wrap_breaks_at_spaces_when_it_can():
    assert wrap("one two three four", "Helvetica", 10, 40, max_lines=5) == ["one two", "three", "four"]


# ---- packing slip

LINES = [("SKU-A", "Blue mug", 2), ("SKU-B", "Teapot 山田 — large", 1), ("SKU-C", "Saucer", 12)]


def _slip(lines=LINES) -> bytes:
    return packing_slip_pdf(order_number="WEB-1001", lines=lines, recipient=RECIPIENT,
                            shipment_reference="SHP-1001-1")


def test_packing_slip_is_an_a4_page_with_the_order_lines():
    reader = PdfReader(io.BytesIO(_slip()))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == (595.28, 841.89)
    text = [line.strip() for line in reader.pages[0].extract_text().splitlines()]
    assert text == [
        "Packing slip", "Order WEB-1001", "Shipment SHP-1001-1", "Page 1",
        "SHIP TO", "Anna Schmidt", "Hauptstrasse 5", "10115 Berlin", "BE", "DE",
        "SKU", "Item", "Qty",
        "SKU-A", "Blue mug", "2",
        "SKU-B", "Teapot ?? — large", "1",
        "SKU-C", "Saucer", "12",
        "3 lines, 15 items",
    ]


def test_long_packing_slip_continues_on_more_pages_with_the_header_repeated():
    lines = [(f"SKU-{i:03d}", f"Item number {i} " + "with a long description " * (i % 4), 1)
             for i in range(120)]
    reader = PdfReader(io.BytesIO(_slip(lines)))
    assert len(reader.pages) > 1
    texts = [page.extract_text() for page in reader.pages]
    for n, text in enumerate(texts, start=1):
        assert f"Page {n}" in text and "Order WEB-1001" in text and "SKU" in text
    everything = "\n".join(texts)
    assert all(f"SKU-{i:03d}" in everything for i in range(120))
    assert everything.rstrip().endswith("120 lines, 120 items")


def test_empty_packing_slip_still_renders():
    text = PdfReader(io.BytesIO(_slip([]))).pages[0].extract_text()
    assert "0 lines, 0 items" in text
