"""Checking one order's records into a `Draft`, every mistake collected.

The file is checked for shape and types only: what each field is, that no
unknown field is there, that an order's CSV rows agree. The service checks
the rest (address, email, SKUs, prices, stock) and its errors are mapped
back to lines when the order is placed."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from oms.core import validation as v
from oms.core.errors import DomainError, ErrorCode

from .. import intake
from ..sources import OrderSource
from .records import (LINE_COLUMNS, MAX_ORDER_LINES, ORDER_COLUMNS, Group, ImportFormat, Record,
                      shown_text)
from .results import RowError

MAX_TEXT = 2000
CENT = Decimal("0.01")
DEFAULT_SOURCE = OrderSource.IMPORT.value

_KEYS = {
    (): {"externalReference", "source", "placedAt", "customer", "lines", "shippingAddress",
         "shippingMethod", "instructions", "deliveryWindow", "payment", "channel"},
    ("customer",): {"email", "name", "phone"},
    ("lines",): {"sku", "quantity", "unitPrice"},
    ("shippingAddress",): {"name", "line1", "line2", "city", "region", "postalCode", "country",
                           "phone"},
    ("deliveryWindow",): {"earliest", "latest"},
    ("payment",): {"gateway", "reference", "status"},
}


@dataclass(frozen=True)
class DraftLine:
    sku: str
    quantity: int
    unit_price: Decimal | None
    line: int


@dataclass(frozen=True)
class Draft:
    """One order as read from the file, checked for shape and types."""
    external_reference: str
    channel: str | None
    source: str
    placed_at: datetime | None
    customer: intake.CustomerInput
    lines: list[DraftLine]
    address: dict[str, Any]
    shipping_method: str | None
    instructions: str | None
    delivery_earliest: datetime | None
    delivery_latest: datetime | None
    payment: dict[str, Any] | None


@dataclass(frozen=True)
class Parsed:
    line_numbers: list[int]
    external_reference: str | None
    draft: Draft | None
    errors: list[RowError]


class _Check:
    """Collects every mistake of one order, each with its field and line."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.errors: list[RowError] = []

    def fail(self, message: str, path: tuple, line: int | None = None) -> None:
        self.errors.append(RowError(ErrorCode.INVALID, message, [str(p) for p in path] or None,
                                    line or self.line))

    def obj(self, value: Any, path: tuple, *, required: bool = False,
            line: int | None = None) -> dict[str, Any] | None:
        if value is None:
            if required:
                self.fail(f"{_name(path)} is required", path, line)
            return None
        if not isinstance(value, dict):
            self.fail(f"{_name(path)} must be an object", path, line)
            return None
        allowed = _KEYS[tuple(p for p in path if not isinstance(p, int))]
        for key in value:
            if key not in allowed:
                shown = shown_text(str(key), 40)
                self.fail(f"unknown field {shown}{' in ' + _name(path) if path else ''}; "
                          f"accepted: {', '.join(sorted(allowed))}", (*path, shown), line)
        return value

    def text(self, d: dict[str, Any] | None, key: str, path: tuple, *, required: bool = False,
             line: int | None = None) -> str | None:
        value = (d or {}).get(key)
        where = (*path, key)
        if isinstance(value, str):
            value = value.strip() or None
        if value is None:
            if required:
                self.fail(f"{_name(where)} is required", where, line)
            return None
        if not isinstance(value, str):
            self.fail(f"{_name(where)} must be a string", where, line)
            return None
        if "\x00" in value or len(value) > MAX_TEXT or not _encodable(value):
            self.fail(f"{_name(where)} must be text of at most {MAX_TEXT} characters "
                      "(no NUL or unpaired surrogate characters)", where, line)
            return None
        return value

    def when(self, d: dict[str, Any] | None, key: str, path: tuple) -> datetime | None:
        raw = self.text(d, key, path)
        if raw is None:
            return None
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            self.fail(f"{_name((*path, key))} must be an ISO 8601 date and time, "
                      f"such as 2026-03-14T09:26:53Z, not {shown_text(raw)!r}", (*path, key))
            return None
        if value.tzinfo is None:
            self.fail(f"{_name((*path, key))} needs a time zone, such as 2026-03-14T09:26:53Z "
                      "or +01:00", (*path, key))
            return None
        if not 1970 <= value.year < 3000:  # nor can UTC overflow at the ends of the calendar
            self.fail(f"{_name((*path, key))} must be between 1970 and 2999", (*path, key))
            return None
        return value

    def quantity(self, value: Any, path: tuple, line: int) -> int | None:
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,12}\s*", value):
            value = int(value)
        try:
            return v.quantity(value, list(path))
        except DomainError:
            shown = shown_text(str(value) if isinstance(value, (int, float)) else repr(value), 40)
            self.fail(f"quantity must be a whole number from 1 to {v.MAX_QUANTITY}, "
                      f"not {shown}", path, line)
            return None

    def price(self, value: Any, path: tuple, line: int) -> Decimal | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise InvalidOperation
            price = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            self.fail(f"unitPrice must be a decimal amount such as 19.90, not "
                      f"{shown_text(repr(value), 40)}", path, line)
            return None
        if not price.is_finite() or price < 0 or price >= intake.MAX_TOTAL:
            self.fail("unitPrice must be an amount from 0 to 999999999999.99", path, line)
        elif price != price.quantize(CENT):
            self.fail(f"unitPrice {price} has more than 2 decimals", path, line)
        else:
            return price.quantize(CENT)
        return None


def _name(path: tuple) -> str:
    return ".".join(str(p) for p in path) if path else "the order"


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _draft(obj: dict[str, Any], line_numbers: list[int], check: _Check) -> Draft | None:
    """The order's shape and types; the service checks the rest (address,
    email, SKUs, prices, stock) and its errors are mapped back to lines."""
    check.obj(obj, ())
    ref = check.text(obj, "externalReference", (), required=True)
    channel = check.text(obj, "channel", ())
    source = check.text(obj, "source", ()) or DEFAULT_SOURCE
    if source.upper() not in intake.SOURCES:
        check.fail(f"source must be one of {', '.join(intake.SOURCES)}", ("source",))
    placed_at = check.when(obj, "placedAt", ())
    customer = check.obj(obj.get("customer"), ("customer",), required=True)
    email = check.text(customer, "email", ("customer",), required=customer is not None)
    name = check.text(customer, "name", ("customer",))
    phone = check.text(customer, "phone", ("customer",))
    raw_address = check.obj(obj.get("shippingAddress"), ("shippingAddress",), required=True)
    address = {key: check.text(raw_address, key, ("shippingAddress",))
               for key in ("name", "line1", "line2", "city", "region", "postalCode", "country",
                           "phone")}
    window = check.obj(obj.get("deliveryWindow"), ("deliveryWindow",))
    earliest = check.when(window, "earliest", ("deliveryWindow",))
    latest = check.when(window, "latest", ("deliveryWindow",))
    raw_payment = check.obj(obj.get("payment"), ("payment",))
    payment = None
    if raw_payment is not None:
        payment = {key: check.text(raw_payment, key, ("payment",))
                   for key in ("gateway", "reference", "status")}
        if payment["status"]:
            payment["status"] = payment["status"].upper()
    raw_lines = obj.get("lines")
    lines: list[DraftLine] = []
    if not isinstance(raw_lines, list) or not raw_lines:
        check.fail("lines must be a list of at least one {sku, quantity}", ("lines",))
        raw_lines = []
    for i, raw in enumerate(raw_lines):
        at = line_numbers[i] if len(line_numbers) > i else line_numbers[0]
        item = check.obj(raw, ("lines", i), required=True, line=at)
        sku = check.text(item, "sku", ("lines", i), required=item is not None, line=at)
        qty = check.quantity((item or {}).get("quantity"), ("lines", i, "quantity"), at) \
            if item is not None else None
        price = check.price((item or {}).get("unitPrice"), ("lines", i, "unitPrice"), at)
        if sku and qty is not None:
            lines.append(DraftLine(sku, qty, price, at))
    method = check.text(obj, "shippingMethod", ())
    instructions = check.text(obj, "instructions", ())
    if check.errors or ref is None or email is None:
        return None
    return Draft(external_reference=ref, channel=channel, source=source.upper(),
                 placed_at=placed_at,
                 customer=intake.CustomerInput(email=email, name=name, phone=phone),
                 lines=lines, address=address, shipping_method=method,
                 instructions=instructions, delivery_earliest=earliest, delivery_latest=latest,
                 payment=payment)


def _from_csv_rows(group: list[Record], check: _Check) -> dict[str, Any]:
    """The JSON shape of one order's rows; order-level columns must agree."""
    obj: dict[str, Any] = {}
    firsts: dict[str, int] = {}
    for rec in group:
        row = rec.data or {}
        for column, path in ORDER_COLUMNS.items():
            value = row.get(column)
            if value is None:
                continue
            target = obj
            for key in path[:-1]:
                target = target.setdefault(key, {})
            if path[-1] not in target:
                target[path[-1]] = value
                firsts[column] = rec.first
            elif target[path[-1]] != value:
                check.fail(f"{column} {shown_text(value)!r} differs from "
                           f"{shown_text(target[path[-1]])!r} on line "
                           f"{firsts[column]} of the same order", path, rec.first)
        obj.setdefault("lines", []).append(
            {LINE_COLUMNS[c]: row[c] for c in LINE_COLUMNS if row.get(c) is not None})
    obj.setdefault("customer", {})
    obj.setdefault("shippingAddress", {})
    if "ship_name" not in firsts and obj.get("customer", {}).get("name"):
        obj["shippingAddress"]["name"] = obj["customer"]["name"]
    return obj


def parse_order(group: Group, fmt: ImportFormat, split: dict[str, list[int]]) -> Parsed:
    line_numbers = [r.first for r in group]
    ref = group[0].ref
    check = _Check(line_numbers[0])
    if len(group) > MAX_ORDER_LINES:
        check.fail(f"an order has at most {MAX_ORDER_LINES} lines; externalReference {ref} "
                   f"has {group.rows} rows from line {line_numbers[0]}", ("lines",))
    for rec in group:
        for problem in rec.problems:
            check.errors.append(RowError(ErrorCode.INVALID, problem, None, rec.first))
    if ref is not None and ref in split:
        places = ", ".join(str(n) for n in split[ref])
        check.errors.append(RowError(
            ErrorCode.INVALID,
            f"externalReference {ref} is on more than one line of the file (lines {places})"
            if fmt is ImportFormat.JSONL else
            f"the rows of externalReference {ref} must be consecutive: they start in "
            f"separate places (lines {places})", ["externalReference"], line_numbers[0]))
    if check.errors:
        return Parsed(line_numbers, ref, None, check.errors)
    obj = group[0].data if fmt is ImportFormat.JSONL else _from_csv_rows(group, check)
    assert obj is not None
    draft = _draft(obj, line_numbers, check)
    return Parsed(line_numbers, ref, None if check.errors else draft, check.errors)
