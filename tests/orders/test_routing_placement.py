"""Placement routes with the channel's strategy, on both placement paths (the
PostgreSQL one-statement write and the portable one), reserves where the
strategy says and records the decision in the same transaction."""
from __future__ import annotations

import pytest

from oms.catalog import service as catalog
from oms.catalog.models import Location
from oms.core.errors import ErrorCode
from oms.fulfillment import routing_settings
from oms.fulfillment.models import RoutingDecision, Shipment, ShipmentLine
from oms.inventory.models import Reservation
from oms.orders import service as orders
from oms.orders.models import Order, OrderLine

from tests import factories
from tests.assertions import refused
from tests.factories import T0

pytestmark = pytest.mark.usefixtures("frozen_clock")

PARIS = {**factories.ADDRESS}
LYON = {"name": "Bo", "line1": "2 Rue Neuve", "city": "Lyon", "region": "ARA",
        "postalCode": "69001", "country": "FR"}


async def _reservations(order_id: int) -> list[tuple[str, str, int]]:
    return sorted(await Reservation.filter(order_id=order_id).values_list(
        "product__sku", "location__code", "quantity"))


async def _decisions(order_id: int) -> list[dict]:
    return [{"attempt": d.attempt, "outcome": d.outcome, "strategy": d.strategy,
             "assignments": d.assignments, "reasons": d.reasons, "actor": d.actor,
             "at": d.created_at}
            for d in await RoutingDecision.filter(order_id=order_id).order_by("attempt")]


async def _line_ids(order_id: int) -> list[int]:
    return list(await OrderLine.filter(order_id=order_id).order_by("id").values_list(
        "id", flat=True))


async def _set_address(code: str, country: str, region: str | None) -> None:
    await Location.filter(code=code).update(address={
        "line1": "1 Dock", "city": "X", "postalCode": "1000", "country": country,
        "region": region})


async def test_a_default_placement_records_its_decision(shop):
    order = await factories.place([("SKU-A", 2), ("SKU-B", 1)])
    a, b = await _line_ids(order.id)
    wh1 = (await catalog.get_location("WH1")).id
    assert await _reservations(order.id) == [("SKU-A", "WH1", 2), ("SKU-B", "WH1", 1)]
    assert await _decisions(order.id) == [{
        "attempt": 1, "outcome": "ROUTED",
        "strategy": {"criteria": ["LOCATION_PRIORITY"], "safetyStock": 0},
        "assignments": [{"locationId": wh1, "location": "WH1",
                         "lines": [{"orderLineId": a, "quantity": 2},
                                   {"orderLineId": b, "quantity": 1}]}],
        "reasons": [{"code": "SELECTED_PRIORITY", "location": "WH1", "locationId": wh1,
                     "message": "WH1 fills 2 SKU-A, 1 SKU-B; first by LOCATION_PRIORITY"}],
        "actor": "test", "at": T0}]


async def test_the_recorded_lines_are_the_lines_the_shipments_get(clean_db):
    await factories.shop(stock={("SKU-A", "WH1"): 3, ("SKU-A", "WH2"): 4})
    order = await factories.place([("SKU-A", 2), ("SKU-A", 4)])
    await orders.confirm_order(order.id)
    (decision,) = await RoutingDecision.filter(order_id=order.id)
    recorded = sorted((a["location"], ln["orderLineId"], ln["quantity"])
                      for a in decision.assignments for ln in a["lines"])
    shipped = sorted(await ShipmentLine.filter(shipment__order_id=order.id).values_list(
        "shipment__location__code", "order_line_id", "quantity"))
    first, second = await _line_ids(order.id)
    assert recorded == shipped == [("WH1", first, 2), ("WH1", second, 1), ("WH2", second, 3)]
    assert [r["code"] for r in decision.reasons] == ["SPLIT_PRIORITY", "SPLIT_PRIORITY"]


async def test_proximity_routes_to_the_address_region(clean_db):
    await factories.shop(channels={"WEB": ["WH1", "WH2", "WH3"]},
                         stock={("SKU-A", "WH1"): 5, ("SKU-A", "WH2"): 5, ("SKU-A", "WH3"): 5})
    await _set_address("WH1", "DE", None)
    await _set_address("WH2", "FR", "IDF")
    await _set_address("WH3", "FR", "ARA")
    await routing_settings.set_strategy("WEB", {"criteria": ["PROXIMITY"]})
    lyon = await factories.place([("SKU-A", 1)], address=LYON)
    paris = await factories.place([("SKU-A", 1)], email="p@example.com", address=PARIS)
    assert await _reservations(lyon.id) == [("SKU-A", "WH3", 1)]
    assert await _reservations(paris.id) == [("SKU-A", "WH2", 1)]  # same country, first
    (d,) = await _decisions(lyon.id)
    assert [(r["code"], r["location"]) for r in d["reasons"]] == [
        ("SELECTED_PRIORITY", "WH3"), ("PROXIMITY_SAME_REGION", "WH3")]
    assert d["strategy"] == {"criteria": ["PROXIMITY"], "safetyStock": 0}


async def test_a_location_at_capacity_is_skipped(clean_db):
    await factories.shop(stock={("SKU-A", "WH1"): 9, ("SKU-A", "WH2"): 9})
    await routing_settings.set_capacity("WH1", 1)
    first = await factories.place([("SKU-A", 1)])
    second = await factories.place([("SKU-A", 1)], email="b@example.com")
    assert await _reservations(first.id) == [("SKU-A", "WH1", 1)]
    assert await _reservations(second.id) == [("SKU-A", "WH2", 1)]
    (d,) = await _decisions(second.id)
    assert [(r["code"], r["location"], r["message"]) for r in d["reasons"]] == [
        ("SKIPPED_CAPACITY", "WH1", "WH1 has been routed 1 orders today, its daily capacity is 1"),
        ("SELECTED_PRIORITY", "WH2", "WH2 fills 1 SKU-A; first by LOCATION_PRIORITY")]


async def test_routing_safety_stock_refuses_what_it_would_take(clean_db):
    await factories.shop(stock={("SKU-A", "WH1"): 5})
    await routing_settings.set_strategy("WEB", {"criteria": ["LOCATION_PRIORITY"],
                                                "safetyStock": 2})

    async def state():
        return (await Order.all().count(), await Reservation.all().count(),
                await RoutingDecision.all().count())

    await refused(ErrorCode.OUT_OF_STOCK, ["lines", "SKU-A"],
                  factories.place([("SKU-A", 4)]), state=state)
    order = await factories.place([("SKU-A", 3)])
    assert await _reservations(order.id) == [("SKU-A", "WH1", 3)]


async def test_drop_ship_first_splits_between_warehouse_and_supplier(clean_db):
    await catalog.create_channel(code="WEB", name="Web", kind="WEB", currency="EUR")
    await catalog.create_location(code="WH1", name="Main", kind="WAREHOUSE")
    await catalog.create_location(code="SUP", name="Maker", kind="SUPPLIER")
    await catalog.set_channel_locations(channel="WEB", locations=["WH1", "SUP"])
    from decimal import Decimal

    from oms.inventory import service as inventory
    for sku in ("SKU-A", "SKU-B"):
        await catalog.upsert_product(sku=sku, name=sku, weight_grams=100, prices=[
            catalog.PriceInput(channel="WEB", amount=Decimal("10.00"))])
    await inventory.receive(sku="SKU-A", location="WH1", quantity=5)
    await inventory.receive(sku="SKU-B", location="WH1", quantity=5)
    await inventory.receive(sku="SKU-B", location="SUP", quantity=50)
    await routing_settings.set_strategy("WEB", {"criteria": ["LOCATION_PRIORITY",
                                                             "DROP_SHIP_FIRST"]})
    order = await factories.place([("SKU-A", 1), ("SKU-B", 2)])
    await orders.confirm_order(order.id)
    assert await _reservations(order.id) == [("SKU-A", "WH1", 1), ("SKU-B", "SUP", 2)]
    assert sorted(await Shipment.filter(order_id=order.id).values_list(
        "location__code", "status")) == [("SUP", "PENDING"), ("WH1", "PENDING")]
    (d,) = await _decisions(order.id)
    assert [(a["location"], [ln["quantity"] for ln in a["lines"]]) for a in d["assignments"]] \
        == [("SUP", [2]), ("WH1", [1])]
    assert [r["code"] for r in d["reasons"]] == ["DROP_SHIP", "SELECTED_PRIORITY"]


async def test_an_order_fulfilled_elsewhere_records_no_decision(shop):
    cmd = factories.place_cmd([("SKU-A", 1)], source="IMPORT")
    import dataclasses
    order = await orders.place_order(dataclasses.replace(cmd, fulfilled_elsewhere=True),
                                     actor="test")
    assert await _decisions(order.id) == []
    assert await _reservations(order.id) == []
