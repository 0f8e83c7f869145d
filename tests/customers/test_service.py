"""Customer figures on the real database, kept current by the event-log
consumer as orders are placed, paid, refunded and cancelled; recomputed for
everyone in one statement; checked against the orders."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from oms.customers import consumer as customers_consumer, service as customers
from oms.customers.models import Customer
from oms.events import consumers
from oms.events.models import EventConsumerCursor, EventLog
from oms.events.record import EventRecord
from oms.orders import service as orders
from oms.orders.models import Order
from oms.payments import service as payments

from tests import factories

from .support import CARD, D, drain, figures, oms_cli, place, ship_all

pytestmark = pytest.mark.usefixtures("shop")

T1 = datetime(2026, 3, 1, 10, 0, tzinfo=timezone.utc)
T2 = T1 + timedelta(days=3)
T3 = T1 + timedelta(days=7)


async def test_figures_follow_placement_capture_partial_refund_and_cancellation():
    first = await place([("SKU-A", 2)], payment=CARD, placed_at=T1)  # 20.00
    assert await drain() > 0
    # Authorised only: an order, nothing paid yet.
    assert await figures() == (1, D("0.00"), D("0.00"), T1, T1)

    await ship_all(first.id)
    await drain()
    assert await figures() == (1, D("20.00"), D("20.00"), T1, T1)

    await payments.refund(first.id, amount=D("5.00"), reason="scratched",
                          idempotency_key="r1")
    await drain()
    assert await figures() == (1, D("15.00"), D("15.00"), T1, T1)

    second = await place([("SKU-B", 1)], payment=CARD, placed_at=T2)  # 25.50
    await ship_all(second.id)
    await drain()
    assert await figures() == (2, D("40.50"), D("20.25"), T1, T2)

    # Not paid: counted, adds nothing; the average goes down (40.50 / 3, half up).
    third = await place([("SKU-C", 1)], placed_at=T3)  # 3.99
    await drain()
    assert await figures() == (3, D("40.50"), D("13.50"), T1, T3)

    await orders.cancel_order(third.id, reason="changed mind")
    await drain()
    assert await figures() == (2, D("40.50"), D("20.25"), T1, T2)


async def test_a_cancelled_paid_order_no_longer_counts_nor_its_money():
    o = await place([("SKU-A", 1)], payment=CARD, placed_at=T1)
    await drain()
    assert await figures() == (1, D("0.00"), D("0.00"), T1, T1)
    await orders.cancel_order(o.id, reason="fraud")
    await drain()
    assert await figures() == (0, D("0.00"), None, None, None)


async def test_money_taken_elsewhere_counts_at_the_order_total_and_authorised_at_nothing():
    await place([("SKU-B", 2)], placed_at=T1,
                payment={"gateway": "shopify", "reference": "psp-1", "status": "CAPTURED"})
    await place([("SKU-A", 1)], placed_at=T2,
                payment={"gateway": "shopify", "reference": "psp-2", "status": "AUTHORIZED"})
    await drain()
    assert await figures() == (2, D("51.00"), D("25.50"), T1, T2)


async def test_each_customer_has_their_own_figures():
    await place([("SKU-A", 1)], placed_at=T1,
                payment={"gateway": "shop", "reference": "a", "status": "CAPTURED"})
    await place([("SKU-C", 3)], email="bob@example.com", placed_at=T2,
                payment={"gateway": "shop", "reference": "b", "status": "CAPTURED"})
    await drain()
    assert await figures() == (1, D("10.00"), D("10.00"), T1, T1)
    assert await figures("bob@example.com") == (1, D("11.97"), D("11.97"), T2, T2)


async def test_the_country_is_the_latest_shipping_address_s():
    await place([("SKU-A", 1)], placed_at=T1)
    await drain()
    assert (await Customer.get(email="ann@example.com")).country == "FR"
    await place([("SKU-A", 1)], placed_at=T2, address={**factories.ADDRESS, "country": "DE"})
    await drain()
    assert (await Customer.get(email="ann@example.com")).country == "DE"


async def test_an_event_handled_twice_writes_the_same_figures():
    o = await place([("SKU-A", 2)], payment=CARD, placed_at=T1)
    await ship_all(o.id)
    await drain()
    assert await figures() == (1, D("20.00"), D("20.00"), T1, T1)
    # Every event again, as after a crash before the cursor moved.
    await EventConsumerCursor.filter(name=customers_consumer.NAME).update(last_id=0)
    handled = await consumers.drain([customers_consumer.consumer()])
    assert handled == await EventLog.filter(
        type__in=customers_consumer.consumer().types).count()
    assert await figures() == (1, D("20.00"), D("20.00"), T1, T1)
    # And one event twice in a row.
    captured = await EventLog.filter(type="PaymentUpdated").order_by("-id").first()
    for _ in range(2):
        await customers_consumer.handle(EventRecord.from_row(captured))
    assert await figures() == (1, D("20.00"), D("20.00"), T1, T1)


async def test_an_event_without_a_customer_id_finds_it_through_the_order():
    o = await place([("SKU-A", 1)], placed_at=T1,
                    payment={"gateway": "shop", "reference": "a", "status": "CAPTURED"})
    event = EventRecord(type="OrderStatusChanged", order_id=o.id,
                        payload={"from": None, "to": "PENDING"}, id=1)
    await customers_consumer.handle(event)
    assert await figures() == (1, D("10.00"), D("10.00"), T1, T1)


async def test_recompute_for_everyone_in_one_statement_zeroes_customers_without_orders():
    await place([("SKU-A", 1)], placed_at=T1,
                payment={"gateway": "shop", "reference": "a", "status": "CAPTURED"})
    await place([("SKU-B", 1)], email="bob@example.com", placed_at=T2)
    # Figures nobody's orders support (as if tampered with).
    await Customer.filter(email="bob@example.com").update(
        orders_count=7, lifetime_value=D("99.99"), average_order_value=D("1.00"))
    await Customer.create(email="cat@example.com", orders_count=2, lifetime_value=D("5.00"),
                          last_order_at=T3)
    assert await customers.recompute_figures() == 3
    assert await figures() == (1, D("10.00"), D("10.00"), T1, T1)
    assert await figures("bob@example.com") == (1, D("0.00"), D("0.00"), T2, T2)
    assert await figures("cat@example.com") == (0, D("0.00"), None, None, None)
    assert await customers.check_figures() == []


async def test_the_check_reports_a_tampered_figure():
    await place([("SKU-A", 1)], placed_at=T1,
                payment={"gateway": "shop", "reference": "a", "status": "CAPTURED"})
    await place([("SKU-B", 1)], email="bob@example.com", placed_at=T2)
    await drain()
    assert await customers.check_figures() == []
    ann = await Customer.get(email="ann@example.com")
    await Customer.filter(id=ann.id).update(lifetime_value=D("10.01"))
    progress: list[tuple[int, int]] = []
    found = await customers.check_figures(on_batch=lambda d, t: progress.append((d, t)),
                                          batch=1)
    assert found == [customers.Difference(ann.id, "ann@example.com",
                                          ["lifetime_value: 10.01 != 10.00"])]
    assert progress == [(1, 2), (2, 2)]


async def test_check_customers_command_exits_1_on_a_difference_and_fix_rewrites_it(
        database_url, tmp_path):
    o = await place([("SKU-A", 2)], placed_at=T1,
                    payment={"gateway": "shop", "reference": "a", "status": "CAPTURED"})
    await drain()
    done = oms_cli("check-customers", database_url=database_url, cwd=tmp_path)
    assert (done.returncode, done.stdout) == (
        0, "0 customer(s) with figures that differ from their orders\n"), done.stderr

    await Order.filter(id=o.id).update(total=D("21.00"))  # the figures no longer agree
    done = oms_cli("check-customers", database_url=database_url, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stdout == (
        f"customer {o.customer_id} (ann@example.com): lifetime_value: 20.00 != 21.00; "
        "average_order_value: 20.00 != 21.00\n"
        "1 customer(s) with figures that differ from their orders\n")

    done = oms_cli("check-customers", "--fix", database_url=database_url, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stdout.endswith("1 customer(s) with figures that differ from their orders; "
                                "figures rewritten for 1 customer(s)\n")
    assert await figures() == (1, D("21.00"), D("21.00"), T1, T1)
    done = oms_cli("check-customers", database_url=database_url, cwd=tmp_path)
    assert done.returncode == 0, done.stdout


def test_every_server_runs_the_figures_consumer():
    from oms import workers

    assert customers_consumer.NAME in {c.name for c in workers.event_consumers()}
