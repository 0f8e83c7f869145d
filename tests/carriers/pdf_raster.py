"""Rasterise the filled rectangles of a PDF page, straight from its content stream.

Barcodes are drawn as filled rectangles, so painting exactly those, at the
positions the PDF puts them, gives an image of the barcode as printed without
a PDF renderer dependency. The image comes from the PDF bytes, not from a
second barcode built by the test.
"""
from __future__ import annotations

from PIL import Image, ImageDraw
from pypdf import PdfReader
from pypdf.generic import ContentStream

_FILLS = {b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"}


def _multiply(m: list[float], n: list[float]) -> list[float]:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return [a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2]


def filled_rects(reader: PdfReader, page_index: int = 0) -> list[tuple[float, float, float, float]]:
    """(x0, y0, x1, y1) in page points of every filled rectangle."""
    page = reader.pages[page_index]
    ctm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    stack: list[list[float]] = []
    pending: list[tuple[float, float, float, float]] = []
    rects: list[tuple[float, float, float, float]] = []
    for operands, op in ContentStream(page.get_contents(), reader).operations:
        if op == b"q":
            stack.append(ctm)
        elif op == b"Q":
            ctm = stack.pop()
        elif op == b"cm":
            ctm = _multiply([float(v) for v in operands], ctm)
        elif op == b"re":
            x, y, w, h = (float(v) for v in operands)
            a, b, c, d, e, f = ctm
            xs, ys = [], []
            for px, py in ((x, y), (x + w, y + h)):
                xs.append(a * px + c * py + e)
                ys.append(b * px + d * py + f)
            pending.append((min(xs), min(ys), max(xs), max(ys)))
        elif op in _FILLS:
            rects.extend(pending)
            pending = []
        elif op in (b"n", b"S", b"s", b"W", b"W*"):
            pending = []  # path ended without a fill (or became a clip)
    return rects


def render(reader: PdfReader, page_index: int = 0, *, dpi: int = 300) -> Image.Image:
    page = reader.pages[page_index]
    scale = dpi / 72
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    image = Image.new("L", (round(width * scale), round(height * scale)), 255)
    draw = ImageDraw.Draw(image)
    for x0, y0, x1, y1 in filled_rects(reader, page_index):
        # PDF y grows upwards, image rows grow downwards.
        draw.rectangle([round(x0 * scale), round((height - y1) * scale),
                        round(x1 * scale) - 1, round((height - y0) * scale) - 1], fill=0)
    return image
