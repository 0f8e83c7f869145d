"""Races, run for real over the connection pool. On PostgreSQL the requests
interleave inside the database; on SQLite they are serialised and these pass
trivially, which is also the right answer there."""
from __future__ import annotations

import asyncio

import pytest

from oms.core.errors import DomainError, ErrorCode, OutOfStock
from oms.customers.models import Customer
from oms.events.models import EventLog
from oms.fulfillment import service as fulfillment
from oms.fulfillment.models import Shipment
from oms.inventory.models import Reservation, StockLevel, StockMovement
from oms.orders import service as orders
from oms.orders.models import Order, OrderLine

from tests import factories

ROUNDS = 20


async def _levels() -> list[tuple]:
    return sorted(await StockLevel.all().values_list(
        "product__sku", "location__code", "on_hand", "reserved"))


async def _assert_books_balance() -> None:
    """Levels are the sum of their ledger rows, reservations are what the
    levels say is reserved, and nothing is sold that is not there."""
    for lvl in await StockLevel.all():
        moves = await StockMovement.filter(product_id=lvl.product_id,
                                           location_id=lvl.location_id).values_list(
            "on_hand_delta", "reserved_delta")
        held = await Reservation.filter(product_id=lvl.product_id,
                                        location_id=lvl.location_id).values_list(
            "quantity", flat=True)
        assert sum(m[0] for m in moves) == lvl.on_hand
        assert sum(m[1] for m in moves) == lvl.reserved == sum(held)
        assert 0 <= lvl.reserved <= lvl.on_hand
        assert lvl.on_hand - lvl.reserved - lvl.safety_stock >= 0


async def _status_events(order_id: int) -> list[tuple]:
    return [(e.payload["from"], e.payload["to"]) for e in await EventLog.filter(
        order_id=order_id, type="OrderStatusChanged").order_by("id")]


class Watcher:
    """Reads the levels over and over while a race runs; remembers the lowest
    available it ever saw."""

    def __init__(self) -> None:
        self.lowest: int | None = None
        self.reads = 0
        self._stop = asyncio.Event()

    async def run(self) -> None:
        while not self._stop.is_set():
            for on_hand, reserved, safety in await StockLevel.all().values_list(
                    "on_hand", "reserved", "safety_stock"):
                available = on_hand - reserved - safety
                self.lowest = available if self.lowest is None else min(self.lowest, available)
            self.reads += 1
            await asyncio.sleep(0)

    async def around(self, coro):
        task = asyncio.create_task(self.run())
        try:
            return await coro
        finally:
            self._stop.set()
            await task


# ---- (a) fifty buyers, ten units

@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_fifty_buyers_for_ten_units_never_oversell(clean_db, round_):
    await factories.shop(stock={("SKU-A", "WH1"): 10})
    watcher = Watcher()
    results = await watcher.around(asyncio.gather(*[
        factories.place([("SKU-A", 1)], email=f"buyer{i}@example.com") for i in range(50)],
        return_exceptions=True))

    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if not isinstance(r, Order)]
    assert len(placed) == 10
    assert len(refused) == 40
    for exc in refused:
        assert type(exc) is OutOfStock, repr(exc)
        assert exc.code is ErrorCode.OUT_OF_STOCK
        assert exc.message == "not enough stock for SKU-A: 1 wanted, 0 available"
        assert exc.field == ["lines", "SKU-A"]

    assert watcher.reads > 0 and watcher.lowest >= 0
    assert await _levels() == [("SKU-A", "WH1", 10, 10)]
    ids = sorted(o.id for o in placed)
    assert sorted(await Order.all().values_list("id", flat=True)) == ids
    assert sorted(await Reservation.all().values_list("order_id", "quantity")) == [
        (i, 1) for i in ids]
    assert await StockMovement.filter(kind="RESERVE").count() == 10
    assert await OrderLine.all().count() == 10
    assert await Customer.all().count() == 10  # a refused order leaves no customer
    assert await EventLog.filter(type="OrderStatusChanged").count() == 10
    assert await EventLog.filter(type="StockChanged").count() == 1 + 10
    assert sorted(await EventLog.all().values_list("id", flat=True)) == list(range(1, 22))
    await _assert_books_balance()


# ---- (b) one idempotency key, ten requests at once

@pytest.mark.parametrize("returning_customer", [False, True])
@pytest.mark.parametrize("round_", range(5))
async def test_one_key_sent_ten_times_at_once_places_one_order(clean_db, round_,
                                                                returning_customer):
    await factories.shop()
    if returning_customer:
        await orders.cancel_order((await factories.place([("SKU-B", 1)])).id)
    orders_before = await Order.all().count()

    results = await asyncio.gather(*[
        factories.place([("SKU-A", 3), ("SKU-C", 1)], key="checkout-42") for _ in range(10)],
        return_exceptions=True)

    assert [r for r in results if not isinstance(r, Order)] == []
    assert len({r.id for r in results}) == 1
    (order,) = await Order.filter(idempotency_key="checkout-42")
    assert results[0].id == order.id
    assert await Order.all().count() == orders_before + 1
    assert await _levels() == [("SKU-A", "WH1", 10, 3), ("SKU-B", "WH1", 10, 0),
                               ("SKU-C", "WH2", 10, 1)]
    assert sorted(await Reservation.filter(order_id=order.id).values_list(
        "product__sku", "quantity")) == [("SKU-A", 3), ("SKU-C", 1)]
    assert await StockMovement.filter(reference=f"order:{order.id}").count() == 2
    assert await OrderLine.filter(order_id=order.id).count() == 2
    assert await _status_events(order.id) == [(None, "PENDING")]
    assert await Customer.all().count() == 1
    await _assert_books_balance()


# ---- (c) two transitions racing on one order

LOSERS = {ErrorCode.CONFLICT, ErrorCode.INVALID_TRANSITION}


def _one_winner(results: list) -> tuple[object, DomainError]:
    errors = [r for r in results if isinstance(r, BaseException)]
    wins = [r for r in results if not isinstance(r, BaseException)]
    assert len(wins) == 1 and len(errors) == 1, results
    assert isinstance(errors[0], DomainError), repr(errors[0])
    assert errors[0].code in LOSERS
    return wins[0], errors[0]


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_two_confirms_at_once_route_the_order_once(clean_db, round_):
    await factories.shop()
    order = await factories.place([("SKU-A", 2), ("SKU-C", 1)])
    results = await asyncio.gather(orders.confirm_order(order.id, actor="one"),
                                   orders.confirm_order(order.id, actor="two"),
                                   return_exceptions=True)
    winner, _ = _one_winner(results)
    assert await Order.filter(id=order.id).values_list("status", "version") == [
        ("CONFIRMED", 2)]
    assert await Shipment.filter(order_id=order.id).count() == 2
    assert await _status_events(order.id) == [(None, "PENDING"), ("PENDING", "CONFIRMED")]
    assert await EventLog.filter(type="ShipmentUpdated").count() == 2
    await _assert_books_balance()


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_two_cancels_at_once_release_the_stock_once(clean_db, round_):
    await factories.shop()
    order = await factories.place([("SKU-A", 2), ("SKU-C", 1)])
    await orders.confirm_order(order.id)
    results = await asyncio.gather(orders.cancel_order(order.id, reason="one"),
                                   orders.cancel_order(order.id, reason="two"),
                                   return_exceptions=True)
    _one_winner(results)
    assert await Order.filter(id=order.id).values_list("status", "version") == [
        ("CANCELLED", 3)]
    assert await _levels() == [("SKU-A", "WH1", 10, 0), ("SKU-B", "WH1", 10, 0),
                               ("SKU-C", "WH2", 10, 0)]
    assert await StockMovement.filter(kind="RELEASE").count() == 2
    assert await Shipment.filter(order_id=order.id).values_list("status", "version") == [
        ("CANCELLED", 2), ("CANCELLED", 2)]
    assert await _status_events(order.id) == [
        (None, "PENDING"), ("PENDING", "CONFIRMED"), ("CONFIRMED", "CANCELLED")]
    await _assert_books_balance()


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_confirm_and_cancel_read_together_only_one_writes(clean_db, monkeypatch, round_):
    """Both requests read the order at version 1 before either writes: the
    second writer must get CONFLICT, whichever it is."""
    await factories.shop()
    order = await factories.place([("SKU-A", 2), ("SKU-C", 1)])
    reads = [await Order.get(id=order.id), await Order.get(id=order.id)]

    async def read_before_either_wrote(order_id: int) -> Order:
        return reads.pop()

    monkeypatch.setattr(orders, "get_order", read_before_either_wrote)
    results = await asyncio.gather(orders.confirm_order(order.id), orders.cancel_order(order.id),
                                   return_exceptions=True)
    winner, loser = _one_winner(results)
    assert loser.code is ErrorCode.CONFLICT
    assert loser.message == "the order was changed by someone else; reload and retry"

    stored = await Order.get(id=order.id)
    assert stored.version == 2
    if stored.status == "CONFIRMED":
        assert results[0] is winner
        assert await Shipment.filter(order_id=order.id).values_list("status", flat=True) == [
            "PENDING", "PENDING"]
        assert await _levels() == [("SKU-A", "WH1", 10, 2), ("SKU-B", "WH1", 10, 0),
                                   ("SKU-C", "WH2", 10, 1)]
    else:
        assert stored.status == "CANCELLED"
        assert results[1] is winner
        assert await Shipment.filter(order_id=order.id).count() == 0
        assert await _levels() == [("SKU-A", "WH1", 10, 0), ("SKU-B", "WH1", 10, 0),
                                   ("SKU-C", "WH2", 10, 0)]
    assert await _status_events(order.id) == [(None, "PENDING"), ("PENDING", stored.status)]
    await _assert_books_balance()


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_ship_and_cancel_at_once_never_both_happen(clean_db, round_):
    await factories.shop()
    order = await factories.place([("SKU-A", 2)])
    await orders.confirm_order(order.id)
    (shipment,) = await factories.shipments_of(order.id)
    await fulfillment.pick(shipment.id)
    await fulfillment.pack(shipment.id)
    results = await asyncio.gather(fulfillment.ship(shipment.id),
                                   orders.cancel_order(order.id),
                                   return_exceptions=True)
    _one_winner(results)
    status = (await Order.get(id=order.id)).status
    shipment = await Shipment.get(id=shipment.id)
    if status == "SHIPPED":
        assert shipment.status == "SHIPPED"
        assert await _levels() == [("SKU-A", "WH1", 8, 0), ("SKU-B", "WH1", 10, 0),
                                   ("SKU-C", "WH2", 10, 0)]
        assert await OrderLine.filter(order_id=order.id).values_list(
            "quantity_shipped", flat=True) == [2]
    else:
        assert (status, shipment.status) == ("CANCELLED", "CANCELLED")
        assert await _levels() == [("SKU-A", "WH1", 10, 0), ("SKU-B", "WH1", 10, 0),
                                   ("SKU-C", "WH2", 10, 0)]
        assert await OrderLine.filter(order_id=order.id).values_list(
            "quantity_shipped", flat=True) == [0]
    assert await Reservation.all().count() == 0
    assert (await _status_events(order.id))[-1] == ("PROCESSING", status)
    await _assert_books_balance()


# ---- (d) the same SKUs, touched in opposite orders

@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_opposite_line_orders_neither_deadlock_nor_oversell(clean_db, round_):
    await factories.shop(stock={("SKU-A", "WH1"): 10, ("SKU-B", "WH1"): 10})
    results = await asyncio.gather(*[
        factories.place([("SKU-A", 1), ("SKU-B", 1)] if i % 2 else [("SKU-B", 1), ("SKU-A", 1)])
        for i in range(40)], return_exceptions=True)
    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if not isinstance(r, Order)]
    assert len(placed) == 10
    for exc in refused:
        assert type(exc) is OutOfStock, repr(exc)
        assert exc.message == "not enough stock for SKU-A: 1 wanted, 0 available"
    assert await _levels() == [("SKU-A", "WH1", 10, 10), ("SKU-B", "WH1", 10, 10)]
    assert await Customer.all().count() == 1
    await _assert_books_balance()


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_split_orders_across_locations_in_opposite_orders(clean_db, round_):
    """Each order needs units from both locations of both SKUs: four rows each."""
    await factories.shop(stock={("SKU-A", "WH1"): 6, ("SKU-A", "WH2"): 6,
                                ("SKU-B", "WH1"): 6, ("SKU-B", "WH2"): 6})
    results = await asyncio.gather(*[
        factories.place([("SKU-A", 8), ("SKU-B", 8)] if i % 2 else [("SKU-B", 8), ("SKU-A", 8)],
                        email=f"buyer{i}@example.com")
        for i in range(12)], return_exceptions=True)
    placed = [r for r in results if isinstance(r, Order)]
    assert len(placed) == 1
    for exc in results:
        if not isinstance(exc, Order):
            assert type(exc) is OutOfStock, repr(exc)
            assert exc.message == "not enough stock for SKU-A: 8 wanted, 4 available"
    assert await _levels() == [("SKU-A", "WH1", 6, 6), ("SKU-A", "WH2", 6, 2),
                               ("SKU-B", "WH1", 6, 6), ("SKU-B", "WH2", 6, 2)]
    await _assert_books_balance()


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_placing_cancelling_and_shipping_at_once_keeps_the_books(clean_db, round_):
    """A mixed rush on the same rows: new orders in both line orders, cancels
    and shipments of earlier ones. Nothing deadlocks; the ledger adds up."""
    await factories.shop(stock={("SKU-A", "WH1"): 20, ("SKU-B", "WH1"): 20})
    earlier = [await factories.place([("SKU-A", 1), ("SKU-B", 1)]) for _ in range(8)]
    for o in earlier:
        await orders.confirm_order(o.id)
    to_ship = []
    for o in earlier[4:]:
        (s,) = await factories.shipments_of(o.id)
        await fulfillment.pick(s.id)
        await fulfillment.pack(s.id)
        to_ship.append(s)

    async def ship(s: Shipment) -> Shipment:
        return await fulfillment.ship(s.id)

    results = await asyncio.gather(
        *[factories.place([("SKU-B", 2), ("SKU-A", 2)] if i % 2 else [("SKU-A", 2), ("SKU-B", 2)])
          for i in range(10)],
        *[orders.cancel_order(o.id) for o in earlier[:4]],
        *[ship(s) for s in to_ship],
        return_exceptions=True)
    new, cancels, ships = results[:10], results[10:14], results[14:]
    assert [r for r in cancels + ships if isinstance(r, BaseException)] == []
    placed = [r for r in new if isinstance(r, Order)]
    # 20 of each, 8 held by the earlier orders: 12 free, plus the 4 the cancels
    # give back if they commit in time. Shipping frees nothing: it sells.
    n = len(placed)
    assert 6 <= n <= 8
    assert len(new) - n == len([r for r in new if isinstance(r, OutOfStock)])
    assert await _levels() == [("SKU-A", "WH1", 16, 2 * n), ("SKU-B", "WH1", 16, 2 * n)]
    assert sorted(await Order.filter(id__in=[o.id for o in earlier]).values_list(
        "status", flat=True)) == ["CANCELLED"] * 4 + ["SHIPPED"] * 4
    await _assert_books_balance()


# ---- (h) channels sharing a warehouse, one ring-fenced, duplicate lines

@pytest.mark.parametrize("round_", range(ROUNDS // 2))
async def test_channels_sharing_a_warehouse_never_oversell_it_or_pass_a_cap(clean_db, round_):
    from oms.inventory import rules

    # WEB and MARKET share WH1 (10 units). MARKET may sell at most 4 of them,
    # whatever WEB does; each order asks for 2 units as two lines of 1.
    await factories.shop(stock={("SKU-A", "WH1"): 10},
                         channels={"WEB": ["WH1"], "MARKET": ["WH1"]})
    await rules.set_allocation_rule(channel="MARKET", sku="SKU-A", cap_quantity=4,
                                    cap_percent=None, buffer=None, actor="t")
    results = await asyncio.gather(*[
        factories.place([("SKU-A", 1), ("SKU-A", 1)], email=f"b{i}@example.com",
                        channel="MARKET" if i % 2 else "WEB") for i in range(24)],
        return_exceptions=True)
    placed = [r for r in results if isinstance(r, Order)]
    for exc in results:
        if not isinstance(exc, Order):
            assert isinstance(exc, DomainError), repr(exc)
            assert exc.code in (ErrorCode.OUT_OF_STOCK, ErrorCode.CONFLICT), repr(exc)
    assert len(placed) == 5  # 10 units, 2 per order: the warehouse is sold out exactly
    assert await _levels() == [("SKU-A", "WH1", 10, 10)]
    # A fixed cap limits what MARKET is shown, not what it sold before: with 2
    # per order and 4 shown it can take every order while stock lasts, never
    # one that needs more than it is shown.
    assert all(r.quantity == 2 for r in await Reservation.all())
    await _assert_books_balance()
