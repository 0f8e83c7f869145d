"""Bulk import of orders (oms.orders.imports, `oms import-orders`,
orderImport): CSV and JSON lines, reserving stock or recording orders
fulfilled elsewhere, idempotent by externalReference, and every hostile
input a clear per-order error with nothing of that order written while the
good orders still import."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from oms.core.errors import ErrorCode, NotFound
from oms.customers.models import Customer
from oms.events.models import EventLog
from oms.inventory.models import Reservation, StockLevel, StockMovement
from oms.orders import imports as im
from oms.orders.models import Order, OrderLine

from tests.graphql.helpers import ANALYST, STAFF, Gql, customer_auth

pytestmark = pytest.mark.usefixtures("frozen_clock")

CSV, JSONL = im.ImportFormat.CSV, im.ImportFormat.JSONL
RESERVE, FULFILLED = im.ImportMode.RESERVE, im.ImportMode.FULFILLED

HEADER = ("external_reference,source,placed_at,email,name,line1,city,postal_code,country,"
          "sku,quantity,unit_price,payment_gateway,payment_reference,payment_status")
# Two orders: A-1 (two lines, one priced by the marketplace, placed in January)
# and B-1 (one line, paid on the marketplace).
GOOD_CSV = f"""{HEADER}
A-1,,2026-01-05T10:00:00Z,ann@example.com,Ann Lee,1 Rue de Rivoli,Paris,75001,FR,SKU-A,2,,,,
A-1,,,,,,,,,SKU-B,1,20.00,,,
B-1,marketplace,,bob@example.com,Bob Stone,2 Rue du Bac,Paris,75007,FR,SKU-C,3,,amazon,AMZ-PAY-1,CAPTURED
"""
ANN = {"line1": "1 Rue de Rivoli", "city": "Paris", "postalCode": "75001", "country": "FR"}
BOB = {"line1": "2 Rue du Bac", "city": "Paris", "postalCode": "75007", "country": "FR"}
GOOD_JSONL = "\n".join(json.dumps(o) for o in [
    {"externalReference": "A-1", "placedAt": "2026-01-05T11:00:00+01:00",
     "customer": {"email": "ann@example.com", "name": "Ann Lee"},
     "lines": [{"sku": "SKU-A", "quantity": 2}, {"sku": "SKU-B", "quantity": 1,
                                                "unitPrice": "20.00"}],
     "shippingAddress": ANN},
    {"externalReference": "B-1", "source": "MARKETPLACE",
     "customer": {"email": "bob@example.com", "name": "Bob Stone"},
     "lines": [{"sku": "SKU-C", "quantity": 3}], "shippingAddress": BOB,
     "payment": {"gateway": "amazon", "reference": "AMZ-PAY-1", "status": "CAPTURED"}},
]) + "\n"
GOOD = {CSV: GOOD_CSV, JSONL: GOOD_JSONL}
JANUARY = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
T0 = datetime(2026, 3, 14, 9, 26, 53, tzinfo=timezone.utc)


# ---- helpers

async def run(content: str, fmt: im.ImportFormat = CSV, mode: im.ImportMode = RESERVE, *,
              channel: str = "WEB", concurrency: int = 1) -> tuple[im.Summary, list[tuple]]:
    """Import `content`; the summary and one report row per order (as tuples)."""
    results: list[im.ImportResult] = []
    summary = await im.run(im.read_text(content, fmt), channel=channel, mode=mode, actor="test",
                           concurrency=concurrency, on_result=lambda r, _s: results.append(r))
    return summary, [tuple(im.report_row(r).values()) for r in results]


def counts(summary: im.Summary) -> tuple[int, int, int, int, int]:
    return (summary.rows, summary.orders, summary.created, summary.skipped, summary.failed)


def created(lines: str, ref: str, number: str) -> tuple:
    return (lines, ref, "CREATED", number, "", "", "", "")


def failed(lines: str, ref: str, code: str, field: str, line: str, message: str) -> tuple:
    return (lines, ref, "FAILED", "", code, field, line, message)


async def _orders() -> list[tuple]:
    return list(await Order.all().order_by("id").values_list(
        "id", "external_reference", "source", "status", "payment_status", "payment_reference",
        "placed_at", "total"))


async def _lines() -> list[tuple]:
    return list(await OrderLine.all().order_by("id").values_list(
        "order_id", "sku", "quantity", "unit_price", "list_price", "price_override_reason",
        "quantity_shipped"))


async def _levels() -> list[tuple]:
    return sorted(await StockLevel.all().values_list("product__sku", "location__code",
                                                     "on_hand", "reserved"))


async def _reservations() -> list[tuple]:
    return sorted(await Reservation.all().values_list("order_id", "product__sku", "quantity"))


async def _state() -> dict:
    return {"orders": await _orders(), "lines": await _lines(), "levels": await _levels(),
            "reservations": await _reservations(),
            "movements": await StockMovement.all().count(),
            "events": await EventLog.all().count(),
            "customers": sorted(await Customer.all().values_list("email", flat=True))}


UNTOUCHED = [("SKU-A", "WH1", 10, 0), ("SKU-B", "WH1", 10, 0), ("SKU-C", "WH2", 10, 0)]


# ---- both formats, both modes

@pytest.mark.parametrize("fmt", [CSV, JSONL])
async def test_reserve_mode_places_the_orders_and_reserves_their_stock(shop, fmt):
    summary, report = await run(GOOD[fmt], fmt, RESERVE)
    first_lines, second_lines = ("2 3", "4") if fmt is CSV else ("1", "2")
    assert counts(summary) == ((3, 2, 2, 0, 0) if fmt is CSV else (2, 2, 2, 0, 0))
    assert report == [created(first_lines, "A-1", "WEB-000001"),
                      created(second_lines, "B-1", "WEB-000002")]
    assert await _orders() == [
        (1, "A-1", "IMPORT", "CONFIRMED", "PENDING", None, JANUARY, Decimal("40.00")),
        (2, "B-1", "MARKETPLACE", "CONFIRMED", "CAPTURED", "AMZ-PAY-1", T0, Decimal("11.97"))]
    assert await _lines() == [
        (1, "SKU-A", 2, Decimal("10.00"), None, None, 0),
        (1, "SKU-B", 1, Decimal("20.00"), Decimal("25.50"), "imported price", 0),
        (2, "SKU-C", 3, Decimal("3.99"), None, None, 0)]
    assert await _levels() == [("SKU-A", "WH1", 10, 2), ("SKU-B", "WH1", 10, 1),
                               ("SKU-C", "WH2", 10, 3)]
    assert await _reservations() == [(1, "SKU-A", 2), (1, "SKU-B", 1), (2, "SKU-C", 3)]


@pytest.mark.parametrize("fmt", [CSV, JSONL])
async def test_fulfilled_mode_records_completed_orders_without_touching_stock(shop, fmt):
    movements = await StockMovement.all().count()
    summary, report = await run(GOOD[fmt], fmt, FULFILLED)
    assert (summary.created, summary.skipped, summary.failed) == (2, 0, 0)
    assert [r[2:4] for r in report] == [("CREATED", "WEB-000001"), ("CREATED", "WEB-000002")]
    assert await _orders() == [
        (1, "A-1", "IMPORT", "COMPLETED", "CAPTURED", None, JANUARY, Decimal("40.00")),
        (2, "B-1", "MARKETPLACE", "COMPLETED", "CAPTURED", "AMZ-PAY-1", T0, Decimal("11.97"))]
    assert [(ln[1], ln[2], ln[6]) for ln in await _lines()] == [
        ("SKU-A", 2, 2), ("SKU-B", 1, 1), ("SKU-C", 3, 3)]
    assert await _levels() == UNTOUCHED
    assert await _reservations() == []
    assert await StockMovement.all().count() == movements


@pytest.mark.parametrize("mode", [RESERVE, FULFILLED])
@pytest.mark.parametrize("fmt", [CSV, JSONL])
async def test_a_second_run_skips_every_order_and_changes_nothing(shop, fmt, mode):
    await run(GOOD[fmt], fmt, mode)
    before = await _state()
    summary, report = await run(GOOD[fmt], fmt, mode)
    assert (summary.created, summary.skipped, summary.failed) == (0, 2, 0)
    assert [r[1:4] + r[7:] for r in report] == [
        ("A-1", "SKIPPED", "WEB-000001", "already imported as order WEB-000001"),
        ("B-1", "SKIPPED", "WEB-000002", "already imported as order WEB-000002")]
    assert await _state() == before


async def test_orders_placed_several_at_once_are_reported_in_file_order(shop):
    rows = "".join(f"R-{i},,,c{i % 3}@example.com,,1 Rue,Paris,75001,FR,SKU-{'AB'[i % 2]},1,,,,\n"
                   for i in range(12))
    summary, report = await run(f"{HEADER}\n{rows}", concurrency=4)
    assert (summary.created, summary.failed) == (12, 0)
    assert [r[:3] for r in report] == [(str(i + 2), f"R-{i}", "CREATED") for i in range(12)]
    assert sorted(r[3] for r in report) == [f"WEB-{i:06d}" for i in range(1, 13)]
    assert await _levels() == [("SKU-A", "WH1", 10, 6), ("SKU-B", "WH1", 10, 6),
                               ("SKU-C", "WH2", 10, 0)]


# ---- hostile input: each bad order fails on its own, whole, and says why

async def test_a_bad_order_among_good_ones_fails_whole_and_alone(shop):
    content = f"""{HEADER}
A-1,,,ann@example.com,Ann Lee,1 Rue de Rivoli,Paris,75001,FR,SKU-A,1,,,,
B-1,,,bob@example.com,Bob Stone,2 Rue du Bac,Paris,75007,FR,SKU-B,2,,,,
B-1,,,,,,,,,SKU-NOPE,1,,,,
C-1,,,cy@example.com,,3 Rue,Paris,75001,FR,SKU-C,1,,,,
D-1,,,dee@example.com,,4 Rue,Paris,75001,FR,SKU-C,50,,,,
"""
    summary, report = await run(content)
    assert counts(summary) == (5, 4, 2, 0, 2)
    assert report == [
        created("2", "A-1", "WEB-000001"),
        failed("3 4", "B-1", "NOT_FOUND", "lines.SKU-NOPE", "4", "unknown sku SKU-NOPE"),
        created("5", "C-1", "WEB-000002"),
        failed("6", "D-1", "OUT_OF_STOCK", "lines.SKU-C", "6",
               "not enough stock for SKU-C: 50 wanted, 9 available")]
    # Nothing of B-1 (not even its good first line) nor of D-1.
    assert [o[1] for o in await _orders()] == ["A-1", "C-1"]
    assert await _levels() == [("SKU-A", "WH1", 10, 1), ("SKU-B", "WH1", 10, 0),
                               ("SKU-C", "WH2", 10, 1)]


async def test_hostile_csv_rows_each_get_a_clear_error(shop):
    content = f"""{HEADER}
Q-NEG,,,a@example.com,,1 Rue,Paris,75001,FR,SKU-A,-3,,,,
Q-HUGE,,,a@example.com,,1 Rue,Paris,75001,FR,SKU-A,99999999999999999999,,,,
Q-ZERO,,,a@example.com,,1 Rue,Paris,75001,FR,SKU-A,0,,,,
Q-TEXT,,,a@example.com,,1 Rue,Paris,75001,FR,SKU-A,two,,,,
P-NEG,,,a@example.com,,1 Rue,Paris,75001,FR,SKU-A,1,-1.00,,,
P-NAN,,,a@example.com,,1 Rue,Paris,75001,FR,SKU-A,1,NaN,,,
P-CENTS,,,a@example.com,,1 Rue,Paris,75001,FR,SKU-A,1,1.005,,,
SKU-X,,,a@example.com,,1 Rue,Paris,75001,FR,NOPE,1,,,,
ZIP,,,a@example.com,,1 Rue,Paris,ABC,FR,SKU-A,1,,,,
NO-CITY,,,a@example.com,,1 Rue,,75001,FR,SKU-A,1,,,,
COUNTRY,,,a@example.com,,1 Rue,Paris,75001,France,SKU-A,1,,,,
EMAIL,,,not-an-email,,1 Rue,Paris,75001,FR,SKU-A,1,,,,
NO-EMAIL,,,,,1 Rue,Paris,75001,FR,SKU-A,1,,,,
WHEN,,yesterday,a@example.com,,1 Rue,Paris,75001,FR,SKU-A,1,,,,
NAIVE,,2026-01-05T10:00:00,a@example.com,,1 Rue,Paris,75001,FR,SKU-A,1,,,,
FUTURE,,2027-01-01T00:00:00Z,a@example.com,,1 Rue,Paris,75001,FR,SKU-A,1,,,,
NOT-IMPORT,web,2026-01-05T10:00:00Z,a@example.com,,1 Rue,Paris,75001,FR,SKU-A,1,,,,
SOURCE,fax,,a@example.com,,1 Rue,Paris,75001,FR,SKU-A,1,,,,
PAY,,,a@example.com,,1 Rue,Paris,75001,FR,SKU-A,1,,stripe,,CAPTURED
FIELDS,,,a@example.com,,1 Rue,Paris,75001,FR,SKU-A,1,,,
,,,a@example.com,,1 Rue,Paris,75001,FR,SKU-A,1,,,,
TWO-EMAILS,,,a@example.com,,1 Rue,Paris,75001,FR,SKU-A,1,,,,
TWO-EMAILS,,,b@example.com,,,,,,SKU-B,1,,,,
"""
    before = await _state()
    summary, report = await run(content)
    assert counts(summary) == (23, 22, 0, 0, 22)
    quantity = "quantity must be a whole number from 1 to 1000000, not "
    assert report == [
        failed("2", "Q-NEG", "INVALID", "lines.0.quantity", "2", quantity + "-3"),
        failed("3", "Q-HUGE", "INVALID", "lines.0.quantity", "3",
               quantity + "'99999999999999999999'"),
        failed("4", "Q-ZERO", "INVALID", "lines.0.quantity", "4", quantity + "0"),
        failed("5", "Q-TEXT", "INVALID", "lines.0.quantity", "5", quantity + "'two'"),
        failed("6", "P-NEG", "INVALID", "lines.0.unitPrice", "6",
               "unitPrice must be an amount from 0 to 999999999999.99"),
        failed("7", "P-NAN", "INVALID", "lines.0.unitPrice", "7",
               "unitPrice must be an amount from 0 to 999999999999.99"),
        failed("8", "P-CENTS", "INVALID", "lines.0.unitPrice", "8",
               "unitPrice 1.005 has more than 2 decimals"),
        failed("9", "SKU-X", "NOT_FOUND", "lines.NOPE", "9", "unknown sku NOPE"),
        failed("10", "ZIP", "INVALID", "shippingAddress.postalCode", "", report[8][7]),
        failed("11", "NO-CITY", "INVALID", "shippingAddress.city", "", "city is required"),
        failed("12", "COUNTRY", "INVALID", "shippingAddress.country", "",
               "country must be an ISO 3166-1 alpha-2 code"),
        failed("13", "EMAIL", "INVALID", "customer.email", "", report[11][7]),
        failed("14", "NO-EMAIL", "INVALID", "customer.email", "14",
               "customer.email is required"),
        failed("15", "WHEN", "INVALID", "placedAt", "15",
               "placedAt must be an ISO 8601 date and time, such as 2026-03-14T09:26:53Z, "
               "not 'yesterday'"),
        failed("16", "NAIVE", "INVALID", "placedAt", "16",
               "placedAt needs a time zone, such as 2026-03-14T09:26:53Z or +01:00"),
        failed("17", "FUTURE", "INVALID", "placedAt", "", "placedAt is in the future"),
        failed("18", "NOT-IMPORT", "INVALID", "placedAt", "",
               "placedAt is only for imported orders (source IMPORT)"),
        failed("19", "SOURCE", "INVALID", "source", "19",
               "source must be one of WEB, PHONE, EMAIL, MARKETPLACE, STORE, SOCIAL, API, "
               "IMPORT"),
        failed("20", "PAY", "INVALID", "payment.reference", "",
               "a payment taken elsewhere needs its reference"),
        failed("21", "FIELDS", "INVALID", "", "21", "line 21 has 14 fields, the header has 15"),
        failed("22", "", "INVALID", "externalReference", "22", "externalReference is required"),
        failed("23 24", "TWO-EMAILS", "INVALID", "customer.email", "24",
               "email 'b@example.com' differs from 'a@example.com' on line 23 of the same "
               "order")]
    assert report[8][7].startswith("postalCode ABC is not a valid postal code in FR")
    assert report[11][7].startswith("invalid email address")
    assert await _state() == before


async def test_hostile_json_lines_each_get_a_clear_error_and_good_lines_import(shop):
    good = json.loads(GOOD_JSONL.splitlines()[0])

    def line(**changes) -> str:
        return json.dumps({**good, **changes})

    content = "\n".join([
        "{not json",
        "[1, 2]",
        line(externalReference="E-1", extra=1),
        line(externalReference="E-2", customer={"email": "a@example.com", "mail": "x"}),
        line(externalReference="E-3", lines=[{"sku": "SKU-A", "quantity": 1.5}]),
        line(externalReference="E-4", lines=[{"sku": "SKU-A", "quantity": True}]),
        line(externalReference="E-5", lines=[]),
        line(externalReference="E-6", lines=[{"sku": "SKU-A", "quantity": 10 ** 40}]),
        line(externalReference="E-7", shippingAddress={**ANN, "postalCode": 75001}),
        line(externalReference="E-8", shippingAddress="1 Rue de Rivoli, Paris"),
        line(externalReference="E-9", customer={"email": "a@example.com", "name": "A\u0000B"}),
        line(externalReference=12),
        line(externalReference="E-10", channel="AMAZON"),
        "[" * 100_000,
        "",
        line(externalReference="OK-1"),
    ]) + "\n"
    data = content.encode() + b'{"externalReference": "BAD-UTF8", "x": "\xff"}\n'
    file = im.read(lambda: io.BytesIO(data), JSONL)
    results: list[im.ImportResult] = []
    summary = await im.run(file, channel="WEB", mode=RESERVE, actor="test",
                           on_result=lambda r, _s: results.append(r))
    report = [tuple(im.report_row(r).values()) for r in results]
    assert counts(summary) == (16, 16, 1, 0, 15)
    assert report == [
        failed("1", "", "INVALID", "", "1",
               "line 1 is not valid JSON: Expecting property name enclosed in double quotes "
               "(column 2)"),
        failed("2", "", "INVALID", "", "2", "line 2 is not a JSON object"),
        failed("3", "E-1", "INVALID", "extra", "3",
               "unknown field extra; accepted: channel, customer, deliveryWindow, "
               "externalReference, instructions, lines, payment, placedAt, shippingAddress, "
               "shippingMethod, source"),
        failed("4", "E-2", "INVALID", "customer.mail", "4",
               "unknown field mail in customer; accepted: email, name, phone"),
        failed("5", "E-3", "INVALID", "lines.0.quantity", "5",
               "quantity must be a whole number from 1 to 1000000, not 1.5"),
        failed("6", "E-4", "INVALID", "lines.0.quantity", "6",
               "quantity must be a whole number from 1 to 1000000, not True"),
        failed("7", "E-5", "INVALID", "lines", "7",
               "lines must be a list of at least one {sku, quantity}"),
        failed("8", "E-6", "INVALID", "lines.0.quantity", "8",
               "quantity must be a whole number from 1 to 1000000, not 1" + "0" * 36 + "..."),
        failed("9", "E-7", "INVALID", "shippingAddress.postalCode", "9",
               "shippingAddress.postalCode must be a string"),
        failed("10", "E-8", "INVALID", "shippingAddress", "10",
               "shippingAddress must be an object"),
        failed("11", "E-9", "INVALID", "customer.name", "11",
               "customer.name must be text of at most 2000 characters (no NUL or unpaired "
               "surrogate characters)"),
        failed("12", "", "INVALID", "externalReference", "12",
               "externalReference must be a string"),
        failed("13", "E-10", "INVALID", "channel", "13",
               "the order is for channel AMAZON, the import for WEB"),
        failed("14", "", "INVALID", "", "14", "line 14 is nested too deeply"),
        created("16", "OK-1", "WEB-000001"),
        failed("17", "", "INVALID", "", "17", "line 17 is not UTF-8 text")]
    assert [o[1] for o in await _orders()] == ["OK-1"]


async def test_rows_of_one_order_must_be_consecutive(shop):
    content = f"""{HEADER}
S-1,,,ann@example.com,,1 Rue,Paris,75001,FR,SKU-A,1,,,,
T-1,,,bob@example.com,,2 Rue,Paris,75001,FR,SKU-B,1,,,,
S-1,,,ann@example.com,,1 Rue,Paris,75001,FR,SKU-C,1,,,,
"""
    summary, report = await run(content)
    message = ("the rows of externalReference S-1 must be consecutive: they start in separate "
               "places (lines 2, 4)")
    assert report == [failed("2", "S-1", "INVALID", "externalReference", "2", message),
                      created("3", "T-1", "WEB-000001"),
                      failed("4", "S-1", "INVALID", "externalReference", "4", message)]
    assert [o[1] for o in await _orders()] == ["T-1"]


async def test_a_reference_twice_in_json_lines_is_refused_on_both(shop):
    first = GOOD_JSONL.splitlines()[0]
    summary, report = await run(f"{first}\n{first}\n", JSONL)
    assert [r[2] for r in report] == ["FAILED", "FAILED"]
    assert report[0][7] == "externalReference A-1 is on more than one line of the file (lines 1, 2)"
    assert await _orders() == []


async def test_unreadable_csv_rows_fail_with_their_line(shop):
    data = (f"{HEADER}\n".encode()
            + b"U-1,,,a@example.com,,1 Rue \xff,Paris,75001,FR,SKU-A,1,,,,\n"
            + b'U-2,,,a@example.com,,"1 Rue"x,Paris,75001,FR,SKU-A,1,,,,\n'
            + b"U-3,,,a@example.com,,1 Rue,Paris,75001,FR,SKU-A,1,,,,\n")
    results: list[im.ImportResult] = []
    await im.run(im.read(lambda: io.BytesIO(data), CSV), channel="WEB", mode=RESERVE,
                 actor="test", on_result=lambda r, _s: results.append(r))
    assert [tuple(im.report_row(r).values()) for r in results] == [
        failed("2", "U-1", "INVALID", "", "2", "line 2 is not UTF-8 text"),
        failed("3", "", "INVALID", "", "3", "line 3 is not valid CSV: ',' expected after '\"'"),
        created("4", "U-3", "WEB-000001")]


async def test_an_order_of_more_rows_than_an_order_may_have_fails_whole(shop):
    row = "BIG,,,a@example.com,,1 Rue,Paris,75001,FR,SKU-A,1,,,,\n"
    content = f"{HEADER}\n{row * 250}S-1,,,a@example.com,,1 Rue,Paris,75001,FR,SKU-B,1,,,,\n"
    summary, report = await run(content)
    assert counts(summary) == (251, 2, 1, 0, 1)
    assert report[0][1:] == ("BIG", "FAILED", "", "INVALID", "lines", "2",
                             "an order has at most 200 lines; externalReference BIG has 250 "
                             "rows from line 2")
    assert report[0][0] == " ".join(str(n) for n in range(2, 203))
    assert report[1] == created("252", "S-1", "WEB-000001")


async def test_what_a_report_echoes_of_the_input_is_always_printable(shop):
    lines = [json.dumps({"externalReference": "\ud800X", "lines": []}),
             json.dumps({"externalReference": "K-1", "\udfff": 1, "\u0000" * 100: 2}),
             json.dumps({**json.loads(GOOD_JSONL.splitlines()[0]), "externalReference": "K-2",
                         "placedAt": "0001-01-01T00:00:00+14:00"})]
    summary, report = await run("\n".join(lines) + "\n", JSONL)
    assert [r[1] for r in report] == ["\\ud800X", "K-1", "K-2"]
    assert report[1][5].split(" | ") == ["\\udfff", "\\0" * 18 + "\\...", "customer",
                                         "shippingAddress", "lines"]
    assert report[2][5:] == ("placedAt", "3", "placedAt must be between 1970 and 2999")
    for row in report:  # every value can be written as UTF-8 (CSV, JSON, a terminal)
        "".join(row).encode("utf-8")


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.one_of(
    st.binary(max_size=400),
    st.lists(st.text(max_size=30), max_size=8).map(lambda cells: (
        HEADER + "\n" + ",".join(cells) + "\n" + ",".join(reversed(cells))).encode(
        "utf-8", "surrogatepass")),
    st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                 lambda inner: st.lists(inner, max_size=3)
                 | st.dictionaries(st.sampled_from(["externalReference", "lines", "sku",
                                                    "quantity", "customer", "email",
                                                    "shippingAddress", "unitPrice",
                                                    "placedAt", "payment", "x"]), inner,
                                   max_size=5), max_leaves=20).map(
        lambda obj: (json.dumps(obj) + "\n").encode("utf-8", "surrogatepass"))),
    fmt=st.sampled_from([CSV, JSONL]))
def test_any_bytes_are_an_unusable_file_or_orders_each_parsed_or_failed(data, fmt):
    try:
        file = im.read(lambda: io.BytesIO(data), fmt)
    except im.ImportFileError as exc:
        str(exc).encode("utf-8")
        return
    parsed = list(file.orders_iter())
    assert len(parsed) == file.orders
    for p in parsed:
        assert (p.draft is None) == bool(p.errors)
        assert p.line_numbers
        for e in p.errors:
            (e.message + "".join(e.field or [])).encode("utf-8")


@pytest.mark.parametrize("fmt, content, message", [
    (CSV, "", "the file is empty: a CSV import starts with a header row naming its columns "
              "(external_reference, email, line1, city, country, sku, quantity, ...)"),
    (CSV, f"{HEADER}\n", "the file has no orders"),
    (CSV, "external_reference,email,line1,city,country,sku,qty\n",
     "unknown column(s) in the header: qty; accepted: " + ", ".join(im.COLUMNS)),
    (CSV, "externalReference,email,sku,quantity\n",
     "the header lacks required column(s): line1, city, country"),
    (CSV, "external_reference,email,line1,city,country,sku,quantity,SKU\n",
     "column(s) named twice in the header: sku"),
    (JSONL, "\n\n", "the file has no orders"),
    (JSONL, "external_reference,sku\nA-1,SKU-A\n",
     "no line of the file is a JSON object: is it JSON lines (one order object per line)?"),
])
async def test_an_unusable_file_is_refused_before_anything(shop, fmt, content, message):
    with pytest.raises(im.ImportFileError) as exc:
        im.read_text(content, fmt)
    assert str(exc.value) == message


async def test_camel_case_headers_and_a_bom_are_accepted(shop):
    content = ("\ufeffexternalReference,email,line1,city,postalCode,country,sku,quantity,"
               "unitPrice\r\nC-1,ann@example.com,1 Rue,Paris,75001,FR,SKU-A,1,9.5\r\n")
    summary, report = await run(content)
    assert report == [created("2", "C-1", "WEB-000001")]
    assert (await _lines())[0][3:6] == (Decimal("9.50"), Decimal("10.00"), "imported price")


async def test_an_unknown_channel_imports_nothing(shop):
    with pytest.raises(NotFound) as exc:
        await run(GOOD_CSV, channel="NOPE")
    assert (exc.value.message, exc.value.field) == ("unknown channel NOPE", ["channel"])
    assert await _orders() == []


# ---- the command line

def oms(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMS_DATABASE_URL": database_url, "OMS_DATA_DIR": str(cwd / ".oms")}
    return subprocess.run([str(Path(sys.executable).parent / "oms"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


async def test_cli_imports_a_file_writes_a_csv_report_and_skips_on_a_second_run(
        shop, database_url, tmp_path):
    (tmp_path / "orders.csv").write_text(GOOD_CSV)
    done = oms("import-orders", "orders.csv", "--channel", "WEB", "--report", "report.csv",
               database_url=database_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("orders.csv into WEB (reserve): 2 created, 0 skipped, "
                                  "0 failed (2 orders, 3 rows, ")
    rows = list(csv.reader(io.StringIO((tmp_path / "report.csv").read_text())))
    # On PostgreSQL the command places 8 orders at once: which gets which number varies.
    numbers = {ref: number for ref, number in await Order.all().values_list(
        "external_reference", "id")}
    assert rows == [im.REPORT_COLUMNS,
                    ["2 3", "A-1", "CREATED", f"WEB-{numbers['A-1']:06d}", "", "", "", ""],
                    ["4", "B-1", "CREATED", f"WEB-{numbers['B-1']:06d}", "", "", "", ""]]
    assert sorted(numbers.values()) == [1, 2]
    assert await _reservations() == sorted([(numbers["A-1"], "SKU-A", 2),
                                            (numbers["A-1"], "SKU-B", 1),
                                            (numbers["B-1"], "SKU-C", 3)])

    again = oms("import-orders", "orders.csv", "--channel", "WEB", "--report", "report.csv",
                database_url=database_url, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "0 created, 2 skipped, 0 failed" in again.stdout
    assert [r[2:4] for r in csv.reader(io.StringIO((tmp_path / "report.csv").read_text()))][1:] \
        == [[s, n] for s, n in zip(["SKIPPED"] * 2, [r[3] for r in rows[1:]])]
    assert len(await _orders()) == 2


async def test_cli_exits_1_when_an_order_fails_and_reports_it_in_json(shop, database_url,
                                                                       tmp_path):
    content = GOOD_JSONL + json.dumps({**json.loads(GOOD_JSONL.splitlines()[0]),
                                       "externalReference": "C-1",
                                       "lines": [{"sku": "SKU-A", "quantity": -1}]}) + "\n"
    (tmp_path / "orders.jsonl").write_text(content)
    done = oms("import-orders", "orders.jsonl", "--channel", "WEB", "--mode", "fulfilled",
               "--report", "report.json", "--concurrency", "1", database_url=database_url,
               cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "2 created, 0 skipped, 1 failed" in done.stdout
    assert ("FAILED line 3 (C-1): INVALID lines.0.quantity: quantity must be a whole number "
            "from 1 to 1000000, not -1") in done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["summary"] == {"rows": 3, "orders": 3, "created": 2, "skipped": 0,
                                 "failed": 1}
    assert report["results"] == [
        {"lineNumbers": [1], "externalReference": "A-1", "status": "CREATED",
         "orderNumber": "WEB-000001", "message": None, "errors": []},
        {"lineNumbers": [2], "externalReference": "B-1", "status": "CREATED",
         "orderNumber": "WEB-000002", "message": None, "errors": []},
        {"lineNumbers": [3], "externalReference": "C-1", "status": "FAILED",
         "orderNumber": None, "message": None,
         "errors": [{"code": "INVALID", "field": ["lines", "0", "quantity"], "lineNumber": 3,
                     "message": "quantity must be a whole number from 1 to 1000000, not -1"}]}]
    assert [o[3] for o in await _orders()] == ["COMPLETED", "COMPLETED"]
    assert await _levels() == UNTOUCHED


@pytest.mark.parametrize("name, content, args, message", [
    ("orders.csv", "sku,qty\n", ["--channel", "WEB"],
     "error: unknown column(s) in the header: qty; accepted: "),
    ("orders.csv", GOOD_CSV, ["--channel", "NOPE"], "error: unknown channel NOPE"),
    ("orders.txt", GOOD_CSV, ["--channel", "WEB"],
     "error: cannot tell the format of orders.txt from its extension"),
    ("orders.csv", GOOD_CSV, ["--channel", "WEB", "--mode", "later"],
     "error: --mode must be reserve or fulfilled, not later"),
    ("orders.csv", GOOD_CSV, ["--channel", "WEB", "--report", "r.xml"],
     "error: the report r.xml must end in .csv or .json"),
    ("missing.csv", None, ["--channel", "WEB"], "error: missing.csv is not a readable file"),
])
async def test_cli_exits_2_for_an_unusable_file_or_channel(shop, database_url, tmp_path, name,
                                                          content, args, message):
    if content is not None:
        (tmp_path / name).write_text(content)
    done = oms("import-orders", name, *args, database_url=database_url, cwd=tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.startswith(message), done.stderr
    assert await _orders() == []


# ---- orderImport

IMPORT = """mutation($channel: String!, $format: ImportFormat!, $content: String!,
                     $mode: ImportMode) {
  orderImport(channel: $channel, format: $format, content: $content, mode: $mode) {
    created skipped failed
    results { lineNumbers externalReference status message
              order { number status } errors { code field message lineNumber } }
    userErrors { code field message } } }"""


@pytest.fixture
async def gql(shop):
    return Gql()


def _import_vars(content: str, fmt: str = "CSV", mode: str | None = None,
                 channel: str = "WEB") -> dict:
    return {"channel": channel, "format": fmt, "content": content, "mode": mode}


async def test_order_import_reports_every_order(gql):
    content = GOOD_CSV + "C-1,,,cy@example.com,,3 Rue,Paris,75001,FR,SKU-Z,1,,,,\n"
    r = await gql(IMPORT, _import_vars(content), auth=STAFF)
    assert r.ok()["orderImport"] == {
        "created": 2, "skipped": 0, "failed": 1, "userErrors": [],
        "results": [
            {"lineNumbers": [2, 3], "externalReference": "A-1", "status": "CREATED",
             "message": None, "order": {"number": "WEB-000001", "status": "CONFIRMED"},
             "errors": []},
            {"lineNumbers": [4], "externalReference": "B-1", "status": "CREATED",
             "message": None, "order": {"number": "WEB-000002", "status": "CONFIRMED"},
             "errors": []},
            {"lineNumbers": [5], "externalReference": "C-1", "status": "FAILED",
             "message": None, "order": None,
             "errors": [{"code": "NOT_FOUND", "field": ["lines", "SKU-Z"],
                         "message": "unknown sku SKU-Z", "lineNumber": 5}]}]}
    again = await gql(IMPORT, _import_vars(GOOD_CSV), auth=STAFF)
    assert [(x["status"], x["message"], x["order"]["number"])
            for x in again.ok()["orderImport"]["results"]] == [
        ("SKIPPED", "already imported as order WEB-000001", "WEB-000001"),
        ("SKIPPED", "already imported as order WEB-000002", "WEB-000002")]


async def test_order_import_of_json_lines_fulfilled_elsewhere(gql):
    r = await gql(IMPORT, _import_vars(GOOD_JSONL, "JSONL", "FULFILLED"))
    payload = r.ok()["orderImport"]
    assert (payload["created"], payload["failed"], payload["userErrors"]) == (2, 0, [])
    assert [x["order"] for x in payload["results"]] == [
        {"number": "WEB-000001", "status": "COMPLETED"},
        {"number": "WEB-000002", "status": "COMPLETED"}]
    assert await _levels() == UNTOUCHED


@pytest.mark.parametrize("content, variables, error", [
    ("x" * ((1 << 20) + 1), {}, {"code": "INVALID", "field": ["content"], "message":
     "content is 1048577 bytes; orderImport takes at most 1048576 (use `oms import-orders` "
     "for larger files)"}),
    ("".join(json.dumps({"externalReference": f"N-{i}"}) + "\n" for i in range(501)),
     {"format": "JSONL"}, {"code": "INVALID", "field": ["content"], "message":
     "content has 501 orders; orderImport takes at most 500 (use `oms import-orders` for "
     "larger files)"}),
    ("sku,qty\n", {}, {"code": "INVALID", "field": ["content"], "message":
     "unknown column(s) in the header: qty; accepted: " + ", ".join(im.COLUMNS)}),
    (GOOD_CSV, {"channel": "NOPE"}, {"code": "NOT_FOUND", "field": ["channel"],
                                     "message": "unknown channel NOPE"}),
])
async def test_order_import_refuses_what_it_cannot_take_and_imports_nothing(
        gql, content, variables, error):
    r = await gql(IMPORT, {**_import_vars(content), **variables})
    assert r.ok()["orderImport"] == {"created": 0, "skipped": 0, "failed": 0, "results": [],
                                     "userErrors": [error]}
    assert await _orders() == []


async def test_order_import_is_for_admin_and_staff_only(gql):
    customer = await Customer.create(email="c@example.com")
    for auth, code in [(ANALYST, "FORBIDDEN"), (customer_auth(customer.id), "FORBIDDEN"),
                       (None, "UNAUTHENTICATED")]:
        r = await gql(IMPORT, _import_vars(GOOD_CSV), auth=auth)
        assert (r.data, r.codes) == (None, [code])
    assert await _orders() == []
