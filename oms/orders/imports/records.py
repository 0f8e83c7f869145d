"""The two file formats, read into records: one per CSV row or JSON line.

Reading never raises for a bad row or line: a line that is not UTF-8, too
long, not valid CSV or JSON becomes a record with its problems and its line
number, and later a FAILED result. Only a file that cannot be imported as a
whole (no header, unknown columns, ...) raises `ImportFileError`.

CSV: a header row, then one row per order line (line numbers count physical
lines, the header is line 1). Rows of one order share external_reference and
MUST be consecutive; a reference whose rows are split by other rows is
refused as a whole (FAILED wherever it occurs), never imported in parts.
Order-level columns may be repeated on each row of an order or left blank
after its first row, but must not differ. A malformed row of an order fails
the whole order. Columns, snake_case or camelCase, unknown ones refused:
  order:    external_reference*, source (default IMPORT), placed_at, email*,
            name, phone, ship_name (default: name), line1*, line2, city*,
            region, postal_code, country*, ship_phone, shipping_method,
            instructions, payment_gateway, payment_reference, payment_status
  per line: sku*, quantity*, unit_price (a price other than the list price)
(* must be in the header).

JSON lines: one order object per line, names as in OrderPlaceInput:
  {"externalReference": "AMZ-1", "source": "MARKETPLACE", "placedAt": ISO 8601,
   "customer": {"email", "name", "phone"},
   "lines": [{"sku", "quantity", "unitPrice"}],
   "shippingAddress": {"name", "line1", "line2", "city", "region",
                       "postalCode", "country", "phone"},
   "shippingMethod", "instructions", "deliveryWindow": {"earliest", "latest"},
   "payment": {"gateway", "reference", "status": AUTHORIZED | CAPTURED},
   "channel": optional, must be the import's channel}
Unknown names are refused (a misspelt "unitPrice" must not import at list
price). A reference on two lines of one file is refused on both.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, BinaryIO, Iterator

MAX_LINE_BYTES = 1 << 20
MAX_ORDER_LINES = 200  # as many as place() takes

# CSV column -> where it goes in the JSON shape.
ORDER_COLUMNS = {
    "external_reference": ("externalReference",), "source": ("source",),
    "placed_at": ("placedAt",), "email": ("customer", "email"), "name": ("customer", "name"),
    "phone": ("customer", "phone"), "ship_name": ("shippingAddress", "name"),
    "line1": ("shippingAddress", "line1"), "line2": ("shippingAddress", "line2"),
    "city": ("shippingAddress", "city"), "region": ("shippingAddress", "region"),
    "postal_code": ("shippingAddress", "postalCode"),
    "country": ("shippingAddress", "country"), "ship_phone": ("shippingAddress", "phone"),
    "shipping_method": ("shippingMethod",), "instructions": ("instructions",),
    "payment_gateway": ("payment", "gateway"), "payment_reference": ("payment", "reference"),
    "payment_status": ("payment", "status"),
}
LINE_COLUMNS = {"sku": "sku", "quantity": "quantity", "unit_price": "unitPrice"}
COLUMNS = (*ORDER_COLUMNS, *LINE_COLUMNS)
REQUIRED = ("external_reference", "email", "line1", "city", "country", "sku", "quantity")


class ImportFormat(str, Enum):
    CSV = "csv"
    JSONL = "jsonl"


class ImportFileError(Exception):
    """The file as a whole cannot be imported (no header, unknown columns, ...)."""


class _Lines:
    """Decoded lines of a binary stream, numbered from 1; a line that is not
    UTF-8 or is too long is noted in `bad` (number -> reason), never raised."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.number = 0
        self.bad: dict[int, str] = {}

    def __iter__(self) -> Iterator[str]:
        while raw := self.stream.readline(MAX_LINE_BYTES + 1):
            self.number += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while (rest := self.stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                    pass
                self.bad[self.number] = f"line {self.number} is longer than {MAX_LINE_BYTES} bytes"
                yield "\n"
                continue
            if self.number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                self.bad[self.number] = f"line {self.number} is not UTF-8 text"
                yield raw.decode("utf-8", "replace")

    def problems(self, first: int, last: int) -> list[str]:
        return [self.bad.pop(n) for n in range(first, last + 1) if n in self.bad]


@dataclass(frozen=True)
class Record:
    """One CSV row or JSON line: where it is, its reference, its data or why not."""
    first: int
    ref: str | None
    data: dict[str, Any] | None
    problems: list[str]


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name.strip()).lower()


def shown_text(value: str, limit: int = 64) -> str:
    """User text fit to echo in a report or a response (JSON, CSV, a
    terminal): unpaired surrogates and NULs escaped, cut to `limit`."""
    value = value.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\0")
    return value if len(value) <= limit else value[:limit - 3] + "..."


def _ref(value: Any) -> str | None:
    return shown_text(value.strip(), 200) or None if isinstance(value, str) else None


def _csv_header(lines: _Lines, reader: Any) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("the file is empty: a CSV import starts with a header row "
                              f"naming its columns ({', '.join(REQUIRED)}, ...)") from None
    except csv.Error as exc:
        raise ImportFileError(f"the header (line 1) is not valid CSV: {exc}") from None
    if lines.bad:
        raise ImportFileError(lines.bad[min(lines.bad)])
    columns = [_snake(c) for c in header]
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise ImportFileError(f"unknown column(s) in the header: "
                              f"{', '.join(shown_text(c, 40) for c in unknown[:10])}"
                              f"{', ...' if len(unknown) > 10 else ''}; "
                              f"accepted: {', '.join(COLUMNS)}")
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        raise ImportFileError(f"column(s) named twice in the header: {', '.join(twice)}")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ImportFileError(f"the header lacks required column(s): {', '.join(missing)}")
    return columns


def _csv_records(stream: BinaryIO) -> Iterator[Record]:
    lines = _Lines(stream)
    reader = csv.reader(lines, strict=True)
    columns = _csv_header(lines, reader)
    ref_at = columns.index("external_reference")
    while True:
        first = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Record(first, None, None, lines.problems(first, reader.line_num)
                         or [f"line {first} is not valid CSV: {exc}"])
            continue
        problems = lines.problems(first, reader.line_num)
        if not problems and not any(cell.strip() for cell in row):
            continue  # a blank line
        ref = _ref(row[ref_at]) if ref_at < len(row) else None
        if len(row) != len(columns):
            problems.append(f"line {first} has {len(row)} fields, the header has {len(columns)}")
        data = None if problems else {c: (cell.strip() or None) for c, cell in zip(columns, row)}
        yield Record(first, ref, data, problems)


def _jsonl_records(stream: BinaryIO) -> Iterator[Record]:
    lines = _Lines(stream)
    for text in lines:
        n = lines.number
        problems = lines.problems(n, n)
        if not problems and not text.strip():
            continue
        obj: Any = None
        if not problems:
            try:
                obj = json.loads(text)
            except ValueError as exc:
                where = f" (column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
                problems.append(f"line {n} is not valid JSON: {getattr(exc, 'msg', exc)}{where}")
            except RecursionError:
                problems.append(f"line {n} is nested too deeply")
        if not problems and not isinstance(obj, dict):
            problems.append(f"line {n} is not a JSON object")
        yield Record(n, _ref(obj.get("externalReference")) if not problems else None,
                     obj if not problems else None, problems)


class Group(list):
    """One order's records; past what an order may have, only counted."""
    extra = 0

    @property
    def rows(self) -> int:
        return len(self) + self.extra


def groups(records: Iterator[Record], fmt: ImportFormat) -> Iterator[Group]:
    """Consecutive CSV rows with one reference; every JSON line on its own."""
    group = Group()
    for rec in records:
        if fmt is ImportFormat.CSV and group and rec.ref is not None and rec.ref == group[0].ref:
            if len(group) > MAX_ORDER_LINES:
                group.extra += 1
            else:
                group.append(rec)
            continue
        if group:
            yield group
        group = Group([rec])
    if group:
        yield group


def records(stream: BinaryIO, fmt: ImportFormat) -> Iterator[Record]:
    return (_csv_records if fmt is ImportFormat.CSV else _jsonl_records)(stream)
