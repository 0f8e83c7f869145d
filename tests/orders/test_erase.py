"""What the orders domain gives the right to erasure and the customer export
(oms.customers.privacy, .export): redacting addresses, the customer's order
statuses and which are still open, and the customer's orders with lines."""
from __future__ import annotations

import dataclasses

import pytest

from oms.catalog import queries as catalog_queries
from oms.core.addresses import redacted_address
from oms.customers.models import Customer
from oms.orders import queries, service as orders
from oms.orders.lifecycle import OrderStatus
from oms.orders.models import Order

from tests import factories

pytestmark = pytest.mark.usefixtures("frozen_clock")

US_ADDRESS = {"name": "Ann Lee", "line1": "1 Market St", "line2": "Suite 5",
              "city": "San Francisco", "region": "California", "postalCode": "94105",
              "country": "US", "phone": "+1 415 555 0100"}


async def _place(lines, *, address=None, email="ann@example.com", instructions=None):
    cmd = dataclasses.replace(factories.place_cmd(lines, email=email, address=address),
                              instructions=instructions)
    return await orders.place_order(cmd, actor="test")


def test_a_redacted_address_keeps_the_country_and_region_in_the_address_shape():
    assert redacted_address({"name": "Ann", "line1": "1 Rue", "line2": "Apt 4", "city": "Paris",
                             "region": "IDF", "postalCode": "75001", "country": "FR",
                             "phone": "+33612345678"}) == {
        "name": None, "line1": "", "line2": None, "city": "", "region": "IDF",
        "postalCode": "", "country": "FR", "phone": None}
    empty = {"name": None, "line1": "", "line2": None, "city": "", "region": None,
             "postalCode": "", "country": "", "phone": None}
    assert redacted_address(None) == empty
    assert redacted_address({}) == empty


async def test_erase_addresses_keeps_country_and_region_and_drops_the_instructions(shop):
    fr = await _place([("SKU-A", 1)], instructions="Ring twice")
    us = await _place([("SKU-A", 1)], address=US_ADDRESS, instructions="Back door")
    fr2 = await _place([("SKU-B", 1)])
    bob = await _place([("SKU-A", 1)], email="bob@example.com", instructions="Bob's door")
    before = {o["id"]: o for o in await Order.all().values()}

    await orders.erase_addresses([fr.id, us.id, fr2.id])

    after = {o["id"]: o for o in await Order.all().values()}
    assert [(i, after[i]["shipping_address"], after[i]["instructions"])
            for i in (fr.id, us.id, fr2.id)] == [
        (fr.id, {"name": None, "line1": "", "line2": None, "city": "", "region": None,
                 "postalCode": "", "country": "FR", "phone": None}, None),
        (us.id, {"name": None, "line1": "", "line2": None, "city": "", "region": "CA",
                 "postalCode": "", "country": "US", "phone": None}, None),
        (fr2.id, {"name": None, "line1": "", "line2": None, "city": "", "region": None,
                  "postalCode": "", "country": "FR", "phone": None}, None)]
    # Nothing else moves: not the version, not updated_at, not Bob's order.
    for i, row in before.items():
        keep = {k: v for k, v in row.items() if k not in ("shipping_address", "instructions")}
        assert {k: after[i][k] for k in keep} == keep
    assert after[bob.id] == before[bob.id]
    assert after[bob.id]["instructions"] == "Bob's door"


async def test_erase_addresses_of_no_orders_changes_nothing(shop):
    order = await _place([("SKU-A", 1)], instructions="Ring twice")
    before = await Order.all().values()
    await orders.erase_addresses([])
    assert await Order.all().values() == before
    assert before[0]["id"] == order.id and before[0]["instructions"] == "Ring twice"


async def test_statuses_of_customer_oldest_first_and_which_are_still_open(shop):
    first = await _place([("SKU-A", 1)])
    second = await _place([("SKU-A", 1)])
    third = await _place([("SKU-B", 1)])
    await _place([("SKU-A", 1)], email="bob@example.com")
    await orders.cancel_order(second.id)
    await orders.confirm_order(third.id)
    ann = await Customer.get(email="ann@example.com")

    statuses = await queries.statuses_of_customer(ann.id)

    assert statuses == [(first.id, "PENDING"), (second.id, "CANCELLED"),
                        (third.id, "CONFIRMED")]
    assert queries.still_open(statuses) == [(first.id, "PENDING"), (third.id, "CONFIRMED")]
    assert await queries.statuses_of_customer(999_999) == []


def test_only_delivered_completed_and_cancelled_orders_are_settled():
    statuses = [(n, s.value) for n, s in enumerate(OrderStatus)]
    assert [s for _, s in queries.still_open(statuses)] == [
        "PENDING", "ON_HOLD", "CONFIRMED", "PROCESSING", "PARTIALLY_SHIPPED", "SHIPPED"]
    assert queries.still_open([]) == []


async def test_orders_of_customer_with_their_lines_aligned(shop):
    first = await _place([("SKU-A", 2), ("SKU-B", 1)])
    second = await _place([("SKU-C", 3)])
    await _place([("SKU-A", 1)], email="bob@example.com")
    ann = await Customer.get(email="ann@example.com")

    got = await queries.orders_of_customer(ann.id)

    assert [o.id for o in got] == [first.id, second.id]
    lines = await queries.lines_of_orders([second.id, 999_999, first.id])
    assert [[(ln.order_id, ln.sku, ln.quantity) for ln in group] for group in lines] == [
        [(second.id, "SKU-C", 3)], [], [(first.id, "SKU-A", 2), (first.id, "SKU-B", 1)]]
    assert await queries.lines_of_orders([]) == []
    assert await catalog_queries.channel_codes({first.channel_id, 999_999}) == {
        first.channel_id: "WEB"}
