"""How placement is written. On PostgreSQL one read and one statement that
writes everything (oms/orders/placement_sql.py); elsewhere the same decisions
written statement by statement in a transaction. Both must behave the same:
a plan made from figures that moved is made again, nothing is half written,
events are handed over only after the commit, and the customer's address
book keeps its recent addresses once each."""
from __future__ import annotations

import dataclasses

import pytest

from oms.core.errors import ErrorCode
from oms.core.uow import unit_of_work
from oms.customers import service as customers
from oms.customers.models import Customer
from oms.events import runtime
from oms.events.models import EventLog
from oms.inventory import service as inventory
from oms.inventory.models import Reservation, StockMovement
from oms.orders import placement_sql, service as orders
from oms.orders.models import Order

from tests import backends, factories
from tests.assertions import refused
from tests.statements import count_statements

pytestmark = pytest.mark.usefixtures("frozen_clock")

BOTH = {("SKU-A", "WH1"): 10, ("SKU-A", "WH2"): 10, ("SKU-B", "WH1"): 10}


@pytest.fixture
def stale_stock(monkeypatch):
    """The next placement plans from figures that say WH1 holds `extra` more
    SKU-A than it does, as if another order had just taken them."""
    def make(extra: int) -> list[int]:
        reads: list[int] = []
        if backends.IS_PG:
            real = placement_sql.read_facts

            async def stale(*args, **kwargs):
                facts = await real(*args, **kwargs)
                if not reads:
                    for (p, loc), f in list(facts.levels.items()):
                        if loc == min(facts.location_ids):
                            facts.levels[(p, loc)] = dataclasses.replace(
                                f, on_hand=f.on_hand + extra)
                reads.append(1)
                return facts
            monkeypatch.setattr(placement_sql, "read_facts", stale)
        else:
            real = inventory._lock_levels

            async def stale(*args, **kwargs):
                levels, topics = await real(*args, **kwargs)
                if not reads:
                    first = min(loc for _p, loc in levels)
                    levels = {k: dataclasses.replace(f, on_hand=f.on_hand + extra)
                              if k[1] == first else f for k, f in levels.items()}
                reads.append(1)
                return levels, topics
            monkeypatch.setattr(inventory, "_lock_levels", stale)
        return reads
    return make


async def _held() -> list[tuple]:
    return sorted(await Reservation.all().values_list("product__sku", "location__code",
                                                      "quantity"))


async def test_on_postgresql_placement_is_one_read_and_one_write(clean_db):
    await factories.shop()
    await factories.place([("SKU-A", 1)])  # the customer exists now
    with count_statements() as returning:
        await factories.place([("SKU-A", 1), ("SKU-B", 2), ("SKU-C", 1)])
    with count_statements() as new:
        await factories.place([("SKU-A", 1)], email="new@example.com")
    if backends.IS_PG:
        assert len(returning) == 2, returning
        assert len(new) == 2, new
    else:
        # SQLite has no data-modifying CTEs: it writes in a transaction, whose
        # statements go through the transaction's client, not the counted one.
        assert await Order.all().count() == 3


async def test_a_plan_made_from_moved_figures_is_made_again(clean_db, stale_stock):
    await factories.shop(stock=BOTH)
    reads = stale_stock(5)
    order = await factories.place([("SKU-A", 12)])
    # It first planned all 12 from WH1 (15 there, it thought); WH1 holds 10.
    assert len(reads) == 2
    assert await _held() == [("SKU-A", "WH1", 10), ("SKU-A", "WH2", 2)]
    ledger = await StockMovement.filter(kind="RESERVE").values_list(
        "location__code", "reserved_delta", "reference")
    assert sorted(ledger) == [("WH1", 10, f"order:{order.id}"), ("WH2", 2, f"order:{order.id}")]
    assert await Order.all().count() == 1
    assert await EventLog.filter(type="OrderStatusChanged").count() == 1


async def test_when_the_fresh_plan_fails_nothing_is_written(clean_db, stale_stock):
    await factories.shop(stock=BOTH)

    async def state():
        return (await _held(), await Order.all().count(), await Customer.all().count(),
                await StockMovement.all().count(), await EventLog.all().count())

    stale_stock(100)
    await refused(ErrorCode.OUT_OF_STOCK, ["lines", "SKU-A"],
                  factories.place([("SKU-A", 25)], email="first@example.com"), state=state)


async def test_a_plan_that_keeps_failing_is_a_conflict(clean_db, monkeypatch):
    await factories.shop(stock=BOTH)
    if backends.IS_PG:
        async def always_outdated(*args, **kwargs):
            raise placement_sql.PlanOutdated()
        monkeypatch.setattr(placement_sql, "write", always_outdated)
    else:
        async def always_raced(*args, **kwargs):
            raise inventory.ReservationRace("SKU-A")
        monkeypatch.setattr(inventory, "reserve", always_raced)
    err = await refused(ErrorCode.CONFLICT, ["lines"], factories.place([("SKU-A", 1)]),
                        state=lambda: Order.all().count())
    assert "try again" in err.message


async def test_events_of_a_placement_inside_a_larger_unit_go_out_after_its_commit(clean_db):
    await factories.shop()
    before = max(await EventLog.all().values_list("id", flat=True), default=0)
    published: list = []
    runtime.install(published.extend)
    try:
        async with unit_of_work():
            order = await factories.place([("SKU-A", 1)])
            assert published == []
        assert [(e.type, e.order_id) for e in published][-1] == ("OrderStatusChanged", order.id)
        assert published[-1].customer_id == order.customer_id
        assert [e.id for e in published] == sorted(
            await EventLog.filter(id__gt=before).values_list("id", flat=True))

        published.clear()
        with pytest.raises(RuntimeError):
            async with unit_of_work():
                await factories.place([("SKU-A", 1)], email="gone@example.com")
                raise RuntimeError("the enclosing use case fails")
        assert published == []
        assert not await Customer.filter(email="gone@example.com").exists()
        assert await Order.all().count() == 1
    finally:
        runtime.install(None)


async def test_the_address_book_keeps_the_latest_addresses_once_each(clean_db):
    await factories.shop(stock={("SKU-A", "WH1"): 100})
    size = customers.ADDRESS_BOOK_SIZE
    addresses = [{**factories.ADDRESS, "line1": f"{i} Rue de Rivoli"} for i in range(size + 2)]
    for a in addresses:
        await factories.place([("SKU-A", 1)], address=a)
    await factories.place([("SKU-A", 1)], address=addresses[-3])  # known: not added again
    customer = await Customer.get(email="ann@example.com")
    assert [a["line1"] for a in customer.addresses] == [a["line1"] for a in addresses[-size:]]


async def test_a_returning_customer_keeps_name_and_phone_when_the_order_gives_none(clean_db):
    await factories.shop()
    first = dataclasses.replace(factories.place_cmd([("SKU-A", 1)]),
                                customer=orders.CustomerInput(email="ann@example.com",
                                                              name="Ann Lee",
                                                              phone="+33 1 42 68 53 00"))
    await orders.place_order(first)
    second = dataclasses.replace(factories.place_cmd([("SKU-A", 1)]),
                                 customer=orders.CustomerInput(email="ANN@example.com"))
    placed = await orders.place(second)
    customer = await Customer.get(email="ann@example.com")
    assert (customer.name, customer.phone) == ("Ann Lee", "+33142685300")
    assert placed.customer is None or placed.customer.id == customer.id


async def _low_stock_events() -> list[tuple]:
    return [(e.sku, e.location, e.payload)
            for e in await EventLog.filter(type="LowStock").order_by("id")]


async def test_a_reservation_ledger_row_shows_the_figures_around_it(clean_db):
    await factories.shop(stock={("SKU-A", "WH1"): 10})
    await inventory.damage(sku="SKU-A", location="WH1", quantity=1, reason="dent")
    order = await factories.place([("SKU-A", 2), ("SKU-A", 1)])  # summed: one row
    rows = await StockMovement.filter(kind="RESERVE").values(
        "reserved_delta", "reserved_before", "reserved_after", "on_hand_before",
        "on_hand_after", "damaged_before", "damaged_after", "reference", "actor")
    assert rows == [{"reserved_delta": 3, "reserved_before": 0, "reserved_after": 3,
                     "on_hand_before": 10, "on_hand_after": 10, "damaged_before": 1,
                     "damaged_after": 1, "reference": f"order:{order.id}", "actor": "test"}]


async def test_a_reservation_that_makes_a_level_low_raises_one_low_stock_event(clean_db):
    await factories.shop(stock={("SKU-A", "WH1"): 10})
    await inventory.set_low_stock_threshold(sku="SKU-A", location="WH1", threshold=5)
    await factories.place([("SKU-A", 4)])  # 6 left: not low
    assert await _low_stock_events() == []
    await factories.place([("SKU-A", 1)])  # 5 left: low now
    await factories.place([("SKU-A", 1)])  # 4 left: it already was
    assert await _low_stock_events() == [("SKU-A", "WH1", {"available": 5, "threshold": 5})]


async def test_a_level_with_a_threshold_that_moved_is_planned_again(clean_db, stale_stock):
    await factories.shop(stock={("SKU-A", "WH1"): 10})
    await inventory.set_low_stock_threshold(sku="SKU-A", location="WH1", threshold=6)
    stale_stock(3)  # the plan sees 13 available: 9 left after 4, not low
    await factories.place([("SKU-A", 4)])
    # The event is decided from the real figures: 6 left, which is low.
    assert await _low_stock_events() == [("SKU-A", "WH1", {"available": 6, "threshold": 6})]
