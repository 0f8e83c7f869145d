"""The figures' arithmetic and which events move them (pure)."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from oms.customers import figures
from oms.customers.consumer import moves_figures
from oms.customers.figures import Figures
from oms.events.record import EventRecord

T = datetime(2026, 3, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("cents, n, average", [
    (0, 1, 0), (2000, 1, 2000), (4050, 3, 1350),  # 13.50 exactly
    (1000, 3, 333), (2000, 3, 667),               # 3.333.. down, 6.666.. up
    (5, 2, 3), (15, 2, 8),                        # a half cent goes up
    (1, 3, 0), (999_999_999_999, 7, 142_857_142_857)])
def test_the_average_is_rounded_half_up_to_the_cent(cents, n, average):
    assert figures.average_cents(cents, n) == average


def test_no_orders_no_average():
    assert figures.average_cents(0, 0) is None
    assert figures.expected(orders_count=0, paid_cents=0, first_order_at=None,
                            last_order_at=None) == Figures()


def test_expected_figures_are_decimals_to_the_cent():
    assert figures.expected(orders_count=3, paid_cents=4050, first_order_at=T,
                            last_order_at=T) == Figures(3, Decimal("40.50"), Decimal("13.50"),
                                                        T, T)


def test_differences_name_each_figure_that_differs():
    a = Figures(2, Decimal("40.50"), Decimal("20.25"), T, T)
    assert figures.differences(a, a) == []
    b = Figures(3, Decimal("40.50"), Decimal("13.50"), T, None)
    assert figures.differences(a, b) == ["orders_count: 2 != 3",
                                         "average_order_value: 20.25 != 13.50",
                                         f"last_order_at: {T} != None"]


def _status(frm, to):
    return EventRecord(type="OrderStatusChanged", order_id=1, customer_id=1,
                       payload={"from": frm, "to": to})


@pytest.mark.parametrize("event, moves", [
    (_status(None, "PENDING"), True),            # placed
    (_status(None, "CANCELLED"), True),
    (_status("PENDING", "CANCELLED"), True),
    (_status("PROCESSING", "CANCELLED"), True),
    (_status("PENDING", "CONFIRMED"), False),
    (_status("CONFIRMED", "PROCESSING"), False),
    (_status("SHIPPED", "DELIVERED"), False),
    (EventRecord(type="PaymentUpdated", order_id=1, customer_id=1,
                 payload={"kind": "AUTHORIZE"}), True),
    (EventRecord(type="PaymentUpdated", order_id=1, customer_id=1,
                 payload={"kind": "REFUND"}), True),
    (EventRecord(type="ReturnUpdated", order_id=1, customer_id=1,
                 payload={"from": "RECEIVED", "to": "EXCHANGED"}), True),
    (EventRecord(type="ReturnUpdated", order_id=1, customer_id=1,
                 payload={"from": "RECEIVED", "to": "REFUNDED"}), False),  # its payment moves
    (EventRecord(type="ReturnUpdated", order_id=1, customer_id=1,
                 payload={"from": None, "to": "REQUESTED"}), False),
])
def test_placement_cancellation_and_payments_move_the_figures(event, moves):
    assert moves_figures(event) is moves


def test_the_consumer_is_handed_every_event_type_that_moves_the_figures():
    """run_once reads only the consumer's types: a type moves_figures
    accepts but the consumer does not read would never be handled."""
    from oms.customers.consumer import consumer

    moving = [_status(None, "PENDING"),
              EventRecord(type="PaymentUpdated", order_id=1, customer_id=1,
                          payload={"kind": "REFUND"}),
              EventRecord(type="ReturnUpdated", order_id=1, customer_id=1,
                          payload={"from": "RECEIVED", "to": "EXCHANGED"})]
    assert all(moves_figures(e) for e in moving)
    assert {e.type for e in moving} <= set(consumer().types)
