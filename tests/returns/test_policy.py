"""The pure return rules (oms.returns.policy): the policy input, what a line
may return, and what a receipt must account for."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from oms.core.errors import DomainError, ValidationErrors
from oms.returns.lifecycle import ReturnResolution, ReturnShippingPayer
from oms.returns.policy import (DEFAULT, Inspection, LineFacts, Policy, ReceivedEntry,
                                RequestedLine, check_receipt, check_request, checked_policy)

T = datetime(2026, 3, 14, 12, 0, tzinfo=timezone.utc)
REFUND, EXCHANGE = ReturnResolution.REFUND, ReturnResolution.EXCHANGE

FACTS = {1: LineFacts(1, "SKU-A", delivered=2, last_delivered_at=T),
         2: LineFacts(2, "SKU-B", delivered=1, last_delivered_at=T, in_returns=1),
         3: LineFacts(3, "SKU-C", delivered=0, last_delivered_at=None)}


def _codes(call) -> list[tuple[str, list[str] | None]]:
    with pytest.raises(DomainError) as exc:
        call()
    errors = exc.value.errors if isinstance(exc.value, ValidationErrors) else [exc.value]
    return [(e.code.value, e.field) for e in errors]


def test_the_defaults():
    assert DEFAULT == Policy(window_days=30, final_sale_skus=frozenset(),
                             return_shipping_payer=ReturnShippingPayer.MERCHANT,
                             return_shipping_fee=Decimal("0.00"),
                             refund_original_shipping=False, return_location=None,
                             carrier=None, service=None)
    assert DEFAULT.to_json() == {
        "window_days": 30, "final_sale_skus": [], "return_shipping_payer": "MERCHANT",
        "return_shipping_fee": "0.00", "refund_original_shipping": False,
        "return_location": None, "carrier": None, "service": None}
    assert Policy.from_json(DEFAULT.to_json()) == DEFAULT
    assert Policy.from_json({}) is DEFAULT


def test_a_policy_round_trips_through_json():
    p = checked_policy(window_days=14, final_sale_skus=[" SKU-B ", "SKU-A"],
                       return_shipping_payer="CUSTOMER", return_shipping_fee="4.5",
                       refund_original_shipping=True, return_location="WH2",
                       carrier="oms-post", service="ECONOMY")
    assert p.final_sale_skus == frozenset({"SKU-A", "SKU-B"})
    assert p.return_shipping_fee == Decimal("4.50")
    assert p.to_json()["final_sale_skus"] == ["SKU-A", "SKU-B"]
    assert Policy.from_json(p.to_json()) == p


def test_every_policy_mistake_at_once():
    assert _codes(lambda: checked_policy(
        window_days=-1, final_sale_skus=[""], return_shipping_payer="NOBODY",
        return_shipping_fee="-0.01", refund_original_shipping=False, return_location=None,
        carrier="oms-post", service=None)) == [
        ("INVALID", ["windowDays"]), ("INVALID", ["finalSaleSkus"]),
        ("INVALID", ["returnShippingPayer"]), ("INVALID", ["returnShippingFee"]),
        ("INVALID", ["service"])]
    assert _codes(lambda: checked_policy(
        window_days=True, final_sale_skus=None, return_shipping_payer="MERCHANT",
        return_shipping_fee="NaN", refund_original_shipping=False, return_location=None,
        carrier=None, service=None)) == [("INVALID", ["windowDays"]),
                                         ("INVALID", ["returnShippingFee"])]
    ok = checked_policy(window_days=0, final_sale_skus=None, return_shipping_payer="MERCHANT",
                        return_shipping_fee=None, refund_original_shipping=False,
                        return_location=None, carrier=None, service=None)
    assert (ok.window_days, ok.return_shipping_fee) == (0, Decimal("0.00"))


def test_returnable_is_delivered_less_units_in_returns():
    assert [FACTS[i].returnable for i in (1, 2, 3)] == [2, 0, 0]
    assert LineFacts(9, "X", delivered=1, last_delivered_at=T, in_returns=5).returnable == 0


def test_a_request_within_the_rules_passes():
    check_request([RequestedLine(1, 2, "TOO_SMALL")], FACTS, DEFAULT, at=T, resolution=REFUND)
    # The window's last instant is still in it.
    check_request([RequestedLine(1, 1, "OTHER")], FACTS, DEFAULT,
                  at=T + timedelta(days=30), resolution=REFUND)


@pytest.mark.parametrize("lines,policy,at,expected", [
    ([], DEFAULT, T, [("INVALID", ["lines"])]),
    ([RequestedLine(1, 0, "OTHER")], DEFAULT, T, [("INVALID", ["lines", "0", "quantity"])]),
    ([RequestedLine(1, -1, "OTHER")], DEFAULT, T, [("INVALID", ["lines", "0", "quantity"])]),
    ([RequestedLine(99, 1, "OTHER")], DEFAULT, T, [("NOT_FOUND", ["lines", "0", "orderLineId"])]),
    ([RequestedLine(1, 1, "OTHER"), RequestedLine(1, 1, "OTHER")], DEFAULT, T,
     [("DUPLICATE", ["lines", "1", "orderLineId"])]),
    ([RequestedLine(3, 1, "OTHER")], DEFAULT, T, [("NOT_DELIVERED", ["lines", "0", "orderLineId"])]),
    ([RequestedLine(1, 1, "OTHER")], DEFAULT, T + timedelta(days=30, seconds=1),
     [("RETURN_WINDOW_CLOSED", ["lines", "0", "orderLineId"])]),
    ([RequestedLine(1, 1, "OTHER")], Policy(window_days=0), T + timedelta(seconds=1),
     [("RETURN_WINDOW_CLOSED", ["lines", "0", "orderLineId"])]),
    ([RequestedLine(1, 1, "OTHER")], Policy(final_sale_skus=frozenset({"SKU-A"})), T,
     [("FINAL_SALE", ["lines", "0", "orderLineId"])]),
    ([RequestedLine(1, 3, "OTHER")], DEFAULT, T,
     [("QUANTITY_EXCEEDS_RETURNABLE", ["lines", "0", "quantity"])]),
    ([RequestedLine(2, 1, "OTHER")], DEFAULT, T,
     [("QUANTITY_EXCEEDS_RETURNABLE", ["lines", "0", "quantity"])]),
    ([RequestedLine(1, 3, "OTHER"), RequestedLine(3, 1, "OTHER"), RequestedLine(7, 1, "OTHER")],
     DEFAULT, T, [("QUANTITY_EXCEEDS_RETURNABLE", ["lines", "0", "quantity"]),
                  ("NOT_DELIVERED", ["lines", "1", "orderLineId"]),
                  ("NOT_FOUND", ["lines", "2", "orderLineId"])]),
])
def test_refusals(lines, policy, at, expected):
    assert _codes(lambda: check_request(lines, FACTS, policy, at=at,
                                        resolution=REFUND)) == expected


def test_the_refusal_messages_say_why():
    with pytest.raises(DomainError) as exc:
        check_request([RequestedLine(1, 3, "OTHER")], FACTS, DEFAULT, at=T, resolution=REFUND)
    assert exc.value.message == ("3 of SKU-A asked, 2 returnable (2 delivered, 0 in returns "
                                 "already)")
    with pytest.raises(DomainError) as exc:
        check_request([RequestedLine(1, 1, "OTHER")], FACTS, DEFAULT,
                      at=T + timedelta(days=31), resolution=REFUND)
    assert exc.value.message == ("the 30-day return window for SKU-A closed at "
                                 "2026-04-13T12:00:00+00:00")


def test_exchange_skus():
    line = RequestedLine(1, 1, "TOO_SMALL", exchange_sku="SKU-A-L")
    check_request([line], FACTS, DEFAULT, at=T, resolution=EXCHANGE, known_skus={"SKU-A-L"})
    assert _codes(lambda: check_request([line], FACTS, DEFAULT, at=T, resolution=EXCHANGE)) == [
        ("NOT_FOUND", ["lines", "0", "exchangeSku"])]
    assert _codes(lambda: check_request([line], FACTS, DEFAULT, at=T, resolution=REFUND,
                                        known_skus={"SKU-A-L"})) == [
        ("INVALID", ["lines", "0", "exchangeSku"])]


def test_a_receipt_sums_entries_per_line():
    receipt = check_receipt([ReceivedEntry(1, 1, "RESALABLE"), ReceivedEntry(1, 1, "DAMAGED"),
                             ReceivedEntry(2, 1, "MISSING")], {1: 2, 2: 1})
    assert receipt.by_line == {1: Inspection(resalable=1, damaged=1, missing=0),
                               2: Inspection(resalable=0, damaged=0, missing=1)}
    assert [(i.back, i.total) for i in receipt.by_line.values()] == [(2, 2), (0, 1)]


@pytest.mark.parametrize("entries,expected", [
    ([], [("INVALID", ["lines"])]),
    ([ReceivedEntry(1, 1, "RESALABLE")], [("RECEIPT_QUANTITY_MISMATCH", ["lines"])]),
    ([ReceivedEntry(1, 3, "RESALABLE")], [("RECEIPT_QUANTITY_MISMATCH", ["lines"])]),
    ([ReceivedEntry(1, 2, "LOST")], [("INVALID", ["lines", "0", "condition"])]),
    ([ReceivedEntry(1, 0, "RESALABLE")], [("INVALID", ["lines", "0", "quantity"])]),
    ([ReceivedEntry(5, 2, "RESALABLE")], [("NOT_FOUND", ["lines", "0", "orderLineId"])]),
])
def test_receipt_refusals(entries, expected):
    assert _codes(lambda: check_receipt(entries, {1: 2}, {1: "SKU-A"})) == expected


def test_a_mismatch_names_the_sku():
    with pytest.raises(DomainError) as exc:
        check_receipt([ReceivedEntry(1, 1, "RESALABLE")], {1: 2}, {1: "SKU-A"})
    assert exc.value.message == "SKU-A: 2 units are expected back, 1 accounted for"
