"""A customer's timeline: their orders' placement and status changes,
payments and shipments, and their own record's events, newest first, paged
by keyset on the event id, one query a page; staff roles only."""
from __future__ import annotations

import pytest

from oms.core import ids
from oms.customers import record, timeline
from oms.customers.models import Customer
from oms.customers.record import CustomerChanges
from oms.events.models import EventLog
from oms.orders import service as orders

from tests.graphql.helpers import ANALYST, STAFF, Gql, customer_auth
from tests.statements import count_statements

from .support import CARD, drain, place, ship_all

pytestmark = pytest.mark.usefixtures("shop", "frozen_clock")

W1 = "WEB-000001"
# What Ann's first order and her record went through, newest first.
ANN = [
    ("CustomerUpdated", None, "Customer updated: tags"),
    ("PaymentUpdated", W1, f"Payment capture of 3.99 on order {W1}: SUCCEEDED (payment CAPTURED)"),
    ("PaymentUpdated", W1, f"Payment capture of 10.00 on order {W1}: SUCCEEDED "
                           "(payment CAPTURED)"),
    ("OrderStatusChanged", W1, f"Order {W1}: PARTIALLY_SHIPPED -> SHIPPED"),
    ("ShipmentUpdated", W1, f"Shipment 2 of order {W1}: SHIPPED"),
    ("ShipmentUpdated", W1, f"Shipment 2 of order {W1}: PACKED"),
    ("ShipmentUpdated", W1, f"Shipment 2 of order {W1}: PICKING"),
    ("OrderStatusChanged", W1, f"Order {W1}: PROCESSING -> PARTIALLY_SHIPPED"),
    ("ShipmentUpdated", W1, f"Shipment 1 of order {W1}: SHIPPED"),
    ("ShipmentUpdated", W1, f"Shipment 1 of order {W1}: PACKED"),
    ("OrderStatusChanged", W1, f"Order {W1}: CONFIRMED -> PROCESSING"),
    ("ShipmentUpdated", W1, f"Shipment 1 of order {W1}: PICKING"),
    ("PaymentUpdated", W1, f"Payment authorize of 13.99 on order {W1}: SUCCEEDED "
                           "(payment AUTHORIZED)"),
    ("ShipmentUpdated", W1, f"Shipment 2 of order {W1}: PENDING"),
    ("ShipmentUpdated", W1, f"Shipment 1 of order {W1}: PENDING"),
    ("OrderStatusChanged", W1, f"Order {W1}: PENDING -> CONFIRMED"),
    ("OrderStatusChanged", W1, f"Order {W1} placed: PENDING"),
]


async def _story() -> tuple[int, int]:
    """Ann's order shipped in two parcels and paid, a tag; Bob's order
    cancelled in between (his events must not show in Ann's timeline)."""
    first = await place([("SKU-A", 1), ("SKU-C", 1)], payment=CARD)
    bob_order = await place([("SKU-B", 1)], email="bob@example.com")
    await ship_all(first.id)
    await orders.cancel_order(bob_order.id, reason="Bob asked by phone")
    await drain()
    ann = await Customer.get(email="ann@example.com")
    await record.update_customer(ann.id, CustomerChanges(add_tags=["x"]), actor="staff:s")
    bob = await Customer.get(email="bob@example.com")
    return ann.id, bob.id


def _rows(entries) -> list[tuple]:
    return [(e.type, e.order_number, e.summary) for e in entries]


async def test_the_timeline_tells_the_customers_story_newest_first():
    ann, bob = await _story()
    entries = await timeline.page(ann, after=None, limit=100)
    assert _rows(entries) == ANN
    assert [e.id for e in entries] == sorted((e.id for e in entries), reverse=True)
    assert {e.order_id for e in entries} == {None, 1}
    assert _rows(await timeline.page(bob, after=None, limit=100)) == [
        ("OrderStatusChanged", "WEB-000002", "Order WEB-000002: PENDING -> CANCELLED"),
        ("OrderStatusChanged", "WEB-000002", "Order WEB-000002 placed: PENDING")]
    assert await timeline.count(ann) == len(ANN)


async def test_pages_seek_below_the_last_id_one_query_each():
    ann, _ = await _story()
    pages, after = [], None
    while True:
        with count_statements() as statements:
            page = await timeline.page(ann, after=after, limit=5)
        assert len(statements) == 1
        if not page:
            break
        pages.append(_rows(page))
        after = [page[-1].id]
    assert [len(p) for p in pages] == [5, 5, 5, 2]
    assert [row for p in pages for row in p] == ANN


@pytest.mark.parametrize("after", [["x"], [0], [1, 2], [True], [-5], [2**63]])
async def test_a_cursor_it_did_not_hand_out_is_refused(after):
    from oms.core.keyset import InvalidCursor

    with pytest.raises(InvalidCursor):
        await timeline.page(1, after=after, limit=5)


QUERY = """query($id: ID, $first: Int, $after: String) { customer(id: $id) {
  timeline(first: $first, after: $after) {
    totalCount edges { cursor node { type at orderId orderNumber summary } }
    pageInfo { hasNextPage hasPreviousPage endCursor } } } }"""


async def test_staff_roles_walk_the_timeline_through_the_api():
    ann, _ = await _story()
    written = [r.created_at.isoformat() for r in
               await EventLog.filter(customer_id=ann).order_by("-id")]
    gql = Gql()
    cid = ids.encode("Customer", ann)
    for auth in ("admin", STAFF, ANALYST):
        got, after = [], None
        while True:
            r = (await gql(QUERY, {"id": cid, "first": 10, "after": after}, auth=auth)
                 ).ok()["customer"]["timeline"]
            assert r["totalCount"] == len(ANN)
            assert r["pageInfo"]["hasPreviousPage"] is (after is not None)
            got += [e["node"] for e in r["edges"]]
            if not r["pageInfo"]["hasNextPage"]:
                break
            after = r["pageInfo"]["endCursor"]
        assert [(n["type"], n["orderNumber"], n["summary"]) for n in got] == ANN
        assert [n["at"] for n in got] == written
        assert {n["orderId"] for n in got} == {None, ids.encode("Order", 1)}


async def test_a_customer_cannot_read_a_timeline_not_even_their_own():
    ann, bob = await _story()
    gql = Gql()
    own = await gql(QUERY, {"id": ids.encode("Customer", ann)}, auth=customer_auth(ann))
    assert own.codes == ["FORBIDDEN"]
    assert own.data == {"customer": None}
    other = await gql(QUERY, {"id": ids.encode("Customer", bob)}, auth=customer_auth(ann))
    assert other.ok() == {"customer": None}  # another customer: as if missing
    bad = await gql(QUERY, {"id": ids.encode("Customer", ann), "after": "bm9wZQ"})
    assert bad.codes == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("type_, order_id, channel, payload, summary", [
    ("ReturnUpdated", 7, "WEB", {"return_id": 3, "from": None, "to": "REQUESTED"},
     "Return 3 of order WEB-000007: REQUESTED"),
    ("ReturnUpdated", 7, "WEB", {"return_id": 3, "from": "APPROVED", "to": "IN_TRANSIT"},
     "Return 3 of order WEB-000007: APPROVED -> IN_TRANSIT"),
    ("CustomerErased", None, None, {"orders": 2, "actor": "admin:a"},
     "Customer's personal data erased"),
    ("SomethingNew", 7, None, {"status": "DONE"}, "SomethingNew on order 7 (DONE)"),
    ("SomethingNew", None, None, {}, "SomethingNew"),
])
def test_summaries_of_other_events(type_, order_id, channel, payload, summary):
    from oms.events.record import EventRecord

    e = timeline.entry(EventRecord(type=type_, order_id=order_id, customer_id=1,
                                   channel=channel, payload=payload, id=9))
    assert (e.summary, e.order_number) == (
        summary, f"{channel}-{order_id:06d}" if channel else None)
