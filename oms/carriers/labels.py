"""Shipping labels (4x6 inch, the thermal-printer standard) and packing slips as PDF.

Drawn with reportlab's built-in fonts so no font file has to be shipped or
found at run time; text is user data and goes through `text.printable`.
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from typing import Any

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

from .text import printable, truncate, wrap

LABEL_SIZE = (4 * inch, 6 * inch)  # 288 x 432 pt
MARGIN = 12.0
REGULAR, BOLD = "Helvetica", "Helvetica-Bold"
BARCODE_HEIGHT = 72.0
# Thermal printers are 203 dpi: a module of 3 dots (~1.06 pt) or more
# prints crisp bars; we use the widest module that still fits the label.
MIN_MODULE = 1.0


def _address_lines(address: Mapping[str, Any] | None) -> list[str]:
    a = address or {}
    city_line = " ".join(str(a.get(k) or "").strip() for k in ("postalCode", "city")).strip()
    parts = [a.get("line1"), a.get("line2"), city_line, a.get("region"),
             str(a.get("country") or "").upper()]
    return [p for p in (printable(x) for x in parts) if p]


def _canvas(buffer: io.BytesIO, size: tuple[float, float], title: str) -> Canvas:
    # invariant: no timestamps or random ids, so the same input gives the same bytes.
    c = Canvas(buffer, pagesize=size, invariant=1, pageCompression=1)
    c.setTitle(printable(title))
    c.setCreator("oms")
    return c


def _draw_lines(c: Canvas, lines: Iterable[str], x: float, y: float, font: str, size: float,
                leading: float) -> float:
    """Draw `lines` downwards from baseline `y`; return the next free baseline."""
    c.setFont(font, size)
    for line in lines:
        c.drawString(x, y, line)
        y -= leading
    return y


def tracking_barcode(tracking_number: str, width: float) -> Code128:
    """The Code128 symbol of `tracking_number`, as wide as fits in `width`."""
    probe = Code128(tracking_number, barWidth=1.0, barHeight=BARCODE_HEIGHT, humanReadable=0)
    # Quiet zones are 10 modules each side, so they scale with the module too.
    module = max(MIN_MODULE, width / probe.width)
    return Code128(tracking_number, barWidth=module, barHeight=BARCODE_HEIGHT, humanReadable=0)


def shipping_label_pdf(*, tracking_number: str, carrier_name: str, service_name: str,
                       sender: Mapping[str, Any], recipient: Mapping[str, Any],
                       weight_grams: int, reference: str) -> bytes:
    if not tracking_number or printable(tracking_number) != tracking_number:
        raise ValueError("a tracking number is plain printable text")
    width, height = LABEL_SIZE
    inner = width - 2 * MARGIN
    buffer = io.BytesIO()
    c = _canvas(buffer, LABEL_SIZE, f"Label {tracking_number}")
    c.setLineWidth(1)

    # Carrier and service: what the depot sorts on first.
    y = height - MARGIN - 16
    c.setFont(BOLD, 16)
    c.drawString(MARGIN, y, truncate(printable(carrier_name), BOLD, 16, inner * 0.45))
    c.setFont(BOLD, 12)
    c.drawRightString(width - MARGIN, y + 2,
                      truncate(printable(service_name), BOLD, 12, inner * 0.5))
    y -= 10
    c.line(MARGIN, y, width - MARGIN, y)

    # Sender: small, it is only read when the parcel comes back.
    y -= 11
    c.setFont(BOLD, 7)
    c.drawString(MARGIN, y, "FROM")
    y -= 9
    sender_name = wrap((sender or {}).get("name"), BOLD, 8, inner, max_lines=1)
    y = _draw_lines(c, sender_name, MARGIN, y, BOLD, 8, 9)
    sender_lines = [line for part in _address_lines(sender)
                    for line in wrap(part, REGULAR, 8, inner, max_lines=1)]
    y = _draw_lines(c, sender_lines[:5], MARGIN, y, REGULAR, 8, 9)
    y += 3
    c.line(MARGIN, y, width - MARGIN, y)

    # Recipient: the largest text on the label.
    y -= 12
    c.setFont(BOLD, 8)
    c.drawString(MARGIN, y, "TO")
    y -= 15
    name = wrap((recipient or {}).get("name"), BOLD, 13, inner, max_lines=2)
    y = _draw_lines(c, name, MARGIN, y, BOLD, 13, 15)
    to_lines = [line for part in _address_lines(recipient)
                for line in wrap(part, REGULAR, 11, inner, max_lines=2)]
    y = _draw_lines(c, to_lines[:7], MARGIN, y, REGULAR, 11, 13)
    phone = printable((recipient or {}).get("phone"))
    if phone:
        phone_line = truncate(f"Tel. {phone}", REGULAR, 9, inner)
        y = _draw_lines(c, [phone_line], MARGIN, y, REGULAR, 9, 11)

    # Barcode block, anchored to the bottom so it never collides with a long address.
    barcode = tracking_barcode(tracking_number, inner)
    text_y = MARGIN + 4
    bar_y = text_y + 16
    info_y = bar_y + BARCODE_HEIGHT + 10
    c.line(MARGIN, info_y + 12, width - MARGIN, info_y + 12)
    c.setFont(REGULAR, 9)
    weight = f"{weight_grams / 1000:.2f} kg" if isinstance(weight_grams, int) else ""
    c.drawString(MARGIN, info_y, f"Weight: {weight}")
    c.drawRightString(width - MARGIN, info_y,
                      truncate(f"Ref: {printable(reference)}", REGULAR, 9, inner * 0.6))
    barcode.drawOn(c, (width - barcode.width) / 2, bar_y)
    c.setFont(BOLD, 12)
    c.drawCentredString(width / 2, text_y, tracking_number)

    c.showPage()
    c.save()
    return buffer.getvalue()


SLIP_COLUMNS = ((0.0, "SKU", 130.0), (135.0, "Item", 300.0), (455.0, "Qty", 0.0))


def packing_slip_pdf(*, order_number: str, lines: Iterable[tuple[str, str, int]],
                     recipient: Mapping[str, Any], shipment_reference: str) -> bytes:
    """A4 packing slip; long orders continue on further pages with the header repeated."""
    width, height = A4
    margin = 40.0
    buffer = io.BytesIO()
    c = _canvas(buffer, A4, f"Packing slip {order_number}")
    rows = list(lines)
    page = 1

    def header() -> float:
        y = height - margin - 18
        c.setFont(BOLD, 18)
        c.drawString(margin, y, "Packing slip")
        c.setFont(REGULAR, 10)
        c.drawRightString(width - margin, y + 6,
                          truncate(f"Order {printable(order_number)}", REGULAR, 10, 220))
        c.drawRightString(width - margin, y - 7,
                          truncate(f"Shipment {printable(shipment_reference)}", REGULAR, 10, 220))
        c.drawRightString(width - margin, y - 20, f"Page {page}")
        y -= 40
        if page == 1:
            c.setFont(BOLD, 9)
            c.drawString(margin, y, "SHIP TO")
            y -= 14
            y = _draw_lines(c, wrap((recipient or {}).get("name"), BOLD, 11, 300, max_lines=2),
                            margin, y, BOLD, 11, 13)
            y = _draw_lines(c, [line for part in _address_lines(recipient)
                                for line in wrap(part, REGULAR, 10, 300, max_lines=2)][:8],
                            margin, y, REGULAR, 10, 12)
            y -= 14
        c.setFont(BOLD, 10)
        for x, title, _ in SLIP_COLUMNS:
            c.drawString(margin + x, y, title)
        c.line(margin, y - 4, width - margin, y - 4)
        return y - 18

    y = header()
    total = 0
    for sku, name, quantity in rows:
        sku_lines = wrap(sku, REGULAR, 10, SLIP_COLUMNS[0][2], max_lines=2)
        name_lines = wrap(name, REGULAR, 10, SLIP_COLUMNS[1][2], max_lines=3)
        needed = 12 * max(len(sku_lines), len(name_lines), 1) + 4
        if y - needed < margin + 30:
            c.showPage()
            page += 1
            y = header()
        _draw_lines(c, sku_lines, margin + SLIP_COLUMNS[0][0], y, REGULAR, 10, 12)
        _draw_lines(c, name_lines, margin + SLIP_COLUMNS[1][0], y, REGULAR, 10, 12)
        c.setFont(REGULAR, 10)
        c.drawString(margin + SLIP_COLUMNS[2][0], y, str(int(quantity)))
        total += int(quantity)
        y -= needed
    c.line(margin, y + 8, width - margin, y + 8)
    c.setFont(BOLD, 10)
    c.drawString(margin, y - 6, f"{len(rows)} lines, {total} items")
    c.showPage()
    c.save()
    return buffer.getvalue()
