"""customerExport and customerErase on the real database: the export holds
everything about the customer; erasure scrubs every table that held their
personal data in one go, keeps totals, payments and the ledger exactly,
is idempotent, refuses while an order is open; who may do either."""
from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import pytest

from oms.catalog.models import Location
from oms.core import ids
from oms.core.errors import ErrorCode
from oms.customers import consumer as customers_consumer, export, privacy, record
from oms.customers.models import Customer
from oms.customers.record import CustomerChanges
from oms.events import consumers
from oms.events.models import EventLog
from oms.fulfillment import labels, service as fulfillment, tracking
from oms.fulfillment.models import Shipment, ShipmentDocument, TrackingEvent
from oms.handoff import delivery
from oms.handoff.models import PartnerDelivery
from oms.notifications import consumer as notifications_consumer
from oms.notifications.models import Notification
from oms.orders import service as orders
from oms.orders.models import Order
from oms.payments import consumer as payments_consumer, service as payments

from tests import factories
from tests.assertions import refused
from tests.factories import T0
from tests.graphql.helpers import ANALYST, STAFF, Gql, customer_auth, db_snapshot
from tests.handoff.shop import Clock, Partner, drain as drain_handoff, partner_shop

from .support import CARD, oms_cli

pytestmark = pytest.mark.usefixtures("frozen_clock")

ANN_ADDRESS = {"name": "Ann Lee", "line1": "1 Rue de Rivoli", "line2": "Apt 4",
               "city": "Paris", "postalCode": "75001", "country": "FR",
               "phone": "+33 6 12 34 56 78"}
BOB_ADDRESS = {"name": "Bob Stone", "line1": "Unter den Linden 5", "city": "Berlin",
               "postalCode": "10117", "country": "DE"}
# Everything that names Ann or where she lives, as the story below types it.
ANN_TRACES = ["ann@example.com", "Ann Lee", "Rivoli", "Apt 4", "75001", "Paris",
              "+33612345678", "Ring twice", "neighbour", "moving house"]
REDACTED_FR = {"name": None, "line1": "", "line2": None, "city": "", "region": None,
               "postalCode": "", "country": "FR", "phone": None}
MONEY_TABLES = ["order_line", "payment", "payment_transaction", "receivable_entry",
                "receivable_sequence", "gateway_book_payment", "gateway_book_key",
                "stock_level", "reservation"]


async def _place(lines, *, email="ann@example.com", name="Ann Lee", address=ANN_ADDRESS,
                 **extra):
    cmd = factories.place_cmd(lines, email=email, address=address)
    cmd = dataclasses.replace(cmd, customer=dataclasses.replace(cmd.customer, name=name),
                              **extra)
    placed = await payments.place_and_authorize(cmd, actor="test")
    return placed.placement.order


async def _drain() -> None:
    await consumers.drain([payments_consumer.consumer(), customers_consumer.consumer(),
                           notifications_consumer.consumer(lambda: None)])


async def _story() -> dict[str, int]:
    """Ann: order 1 from WH1 labelled, shipped, delivered (a scan naming her
    neighbour), paid and partly refunded, with three messages; order 2 at a
    3PL handed off then cancelled with a reason naming her; her record
    tagged, with a phone and consent. Bob: an order still open."""
    await partner_shop()
    await Location.filter(code="WH1").update(
        address={"line1": "1 Quai Perrache", "city": "Lyon", "postalCode": "69002",
                 "country": "FR"})
    first = await _place([("SKU-B", 2)], payment=CARD,
                         instructions="Ring twice, ask for Ann Lee")
    (parcel,) = await factories.shipments_of(first.id)
    await fulfillment.pick(parcel.id)
    await labels.create_label(parcel.id, carrier="oms-post", service="STANDARD")
    await fulfillment.pack(parcel.id)
    await fulfillment.ship(parcel.id)
    await _drain()
    await tracking.record_scan(shipment_id=parcel.id, status="DELIVERED", occurred_at=T0,
                               description="Left with neighbour of Ann Lee", location="Paris")
    await _drain()
    await payments.refund(first.id, amount=Decimal("2.00"), reason="scratched",
                          idempotency_key="r1")
    second = await _place([("SKU-A", 1)], payment=CARD)
    await drain_handoff()
    async with Partner().client() as client:  # the partner got the request
        assert len(await delivery.send_due(client=client, clock=Clock())) == 1
    await orders.cancel_order(second.id, reason="Ann Lee is moving house")
    await drain_handoff()
    await _drain()
    bob_order = await _place([("SKU-B", 1)], email="bob@example.com", name="Bob Stone",
                             address=BOB_ADDRESS)
    ann = await Customer.get(email="ann@example.com")
    await record.update_customer(ann.id, CustomerChanges(
        phone="+33 6 12 34 56 78", marketing_consent=True, add_tags=["vip"]), actor="staff:s")
    bob = await Customer.get(email="bob@example.com")
    return {"ann": ann.id, "bob": bob.id, "first": first.id, "second": second.id,
            "parcel": parcel.id, "bob_order": bob_order.id}


def _without(rows: list[dict], *columns: str) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in columns} for r in rows]


def _text(snapshot) -> str:
    return json.dumps(snapshot, default=str, ensure_ascii=False)


async def _of_bob(s: dict[str, int]) -> dict:
    return {"customer": await Customer.filter(id=s["bob"]).values(),
            "orders": await Order.filter(customer_id=s["bob"]).values(),
            "events": await EventLog.filter(customer_id=s["bob"]).values(),
            "notifications": await Notification.filter(order_id=s["bob_order"]).values()}


async def test_the_story_left_personal_data_in_every_table_erasure_covers(clean_db):
    """The premise of the erasure test: each place it scrubs held Ann's data."""
    s = await _story()
    assert [t for t in ANN_TRACES if t not in _text(await db_snapshot())] == []
    assert await ShipmentDocument.filter(shipment_id=s["parcel"]).count() == 2
    deliveries = await PartnerDelivery.all().order_by("id").values_list("kind", "payload")
    assert [k for k, _ in deliveries] == ["FULFILLMENT_REQUEST", "CANCELLATION"]
    assert deliveries[0][1]["customerName"] == "Ann Lee"
    assert {n.recipient for n in await Notification.filter(order_id=s["first"])} == {
        "ann@example.com"}


async def test_erasure_scrubs_every_table_and_keeps_money_exactly(clean_db, monkeypatch):
    s = await _story()
    monkeypatch.setattr(privacy, "now", lambda: T0)
    before = await db_snapshot()
    bob_before = await _of_bob(s)
    ann_before = await Customer.get(id=s["ann"])
    events_before = await EventLog.all().count()

    erased = await privacy.erase_customer(s["ann"], actor="admin:root")

    after = await db_snapshot()
    # Nothing left that names Ann or where she lives, in any table.
    assert [t for t in ANN_TRACES if t in _text(after)] == []
    # Money, stock and lines exactly as they were.
    for table in MONEY_TABLES:
        assert after[table] == before[table], table
    assert _without(after['"order"'], "shipping_address", "instructions") == _without(
        before['"order"'], "shipping_address", "instructions")
    # The stock ledger: the same movements; only the cancel reason copied from her order went.
    assert _without(after["stock_movement"], "reason") == _without(before["stock_movement"],
                                                                    "reason")
    assert [m["reason"] for m in after["stock_movement"] if m["reason"]] == []
    # The customer: a placeholder, figures intact.
    row = await Customer.get(id=s["ann"])
    for c in (erased, row):
        assert (c.email, c.name, c.phone, c.country, c.addresses, c.tags,
                c.marketing_consent, c.consent_updated_at, c.consent_source, c.erased_at) == (
            f"erased-{s['ann']}@erased.invalid", None, None, None, [], [], False, T0,
            "admin:root", T0)
    assert (row.orders_count, row.lifetime_value, row.first_order_at, row.last_order_at) == (
        ann_before.orders_count, ann_before.lifetime_value, ann_before.first_order_at,
        ann_before.last_order_at)
    # Orders keep only the country.
    assert await Order.filter(customer_id=s["ann"]).order_by("id").values_list(
        "shipping_address", "instructions") == [(REDACTED_FR, None), (REDACTED_FR, None)]
    # Messages: no recipient, no body; subjects (the order number) stay.
    assert await Notification.filter(order_id=s["first"]).order_by("id").values_list(
        "kind", "recipient", "subject", "body") == [
        ("SHIPPED", None, "Your order WEB-000001 has shipped", "[erased]"),
        ("RECEIPT", None, "Receipt for order WEB-000001", "[erased]"),
        ("DELIVERED", None, "Your order WEB-000001 was delivered", "[erased]")]
    # Documents gone, shipment pointing at none; scan texts gone, statuses kept.
    assert await ShipmentDocument.all().count() == 0
    assert await Shipment.filter(id=s["parcel"]).values_list(
        "label_url", "packing_slip_url", "tracking_number", "status") == [
        (None, None, before["shipment"][0]["tracking_number"], "DELIVERED")]
    assert await TrackingEvent.filter(shipment_id=s["parcel"]).values_list(
        "status", "description", "location") == [("DELIVERED", None, None)]
    # Hand-off bodies: ship-to redacted, no name, no reason.
    for kind, body in await PartnerDelivery.all().order_by("id").values_list("kind",
                                                                           "payload"):
        assert body.get("customerName") is None and body.get("reason") is None, kind
        if kind == "FULFILLMENT_REQUEST":
            assert body["shipTo"] == REDACTED_FR
    # Event payloads: no free text left; one CustomerErased, ids only.
    assert await EventLog.all().count() == events_before + 1
    last = await EventLog.all().order_by("-id").first()
    assert (last.type, last.customer_id, last.order_id, last.payload) == (
        "CustomerErased", s["ann"], None, {"orders": 2, "actor": "admin:root"})
    for e in await EventLog.filter(order_id__in=[s["first"], s["second"]]):
        assert not set(e.payload) & {"message", "description", "location", "reason"}, e.type
    # Bob is untouched.
    assert await _of_bob(s) == bob_before


async def test_erasing_again_changes_nothing_and_a_new_order_makes_a_new_customer(
        clean_db, monkeypatch):
    s = await _story()
    monkeypatch.setattr(privacy, "now", lambda: T0)
    await privacy.erase_customer(s["ann"], actor="admin:root")
    once = await db_snapshot()
    again = await privacy.erase_customer(s["ann"], actor="admin:other")
    assert again.email == f"erased-{s['ann']}@erased.invalid"
    assert await db_snapshot() == once

    await orders.cancel_order(s["bob_order"])
    third = await _place([("SKU-B", 1)])
    assert third.customer_id not in (s["ann"], s["bob"])
    fresh = await Customer.get(id=third.customer_id)
    assert (fresh.email, fresh.name, fresh.erased_at) == ("ann@example.com", "Ann Lee", None)


async def test_erasure_waits_for_open_orders_and_unknown_customers_are_not_found(clean_db):
    s = await _story()
    err = await refused(ErrorCode.INVALID_TRANSITION, ["id"],
                        privacy.erase_customer(s["bob"], actor="admin:root"), state=db_snapshot)
    assert err.message == (f"the customer has 1 open order(s) (order id {s['bob_order']} is "
                           "PENDING); erase once they are delivered or cancelled")
    for pk in (0, 999_999):
        await refused(ErrorCode.NOT_FOUND, ["id"], privacy.erase_customer(pk, actor="admin:x"),
                      state=db_snapshot)
    # An erased customer is no longer edited.
    await privacy.erase_customer(s["ann"], actor="admin:root")
    await refused(ErrorCode.NOT_FOUND, ["id"], record.update_customer(
        s["ann"], CustomerChanges(name="Ann"), actor="staff:s"), state=db_snapshot)


async def test_the_export_holds_everything_about_the_customer(clean_db):
    s = await _story()
    doc = await export.export_customer(s["ann"])
    assert json.loads(json.dumps(doc)) == doc  # plain JSON
    assert doc["customer"] == {
        "id": ids.encode("Customer", s["ann"]), "email": "ann@example.com", "name": "Ann Lee",
        "phone": "+33612345678", "country": "FR",
        "addresses": [{"name": "Ann Lee", "line1": "1 Rue de Rivoli", "line2": "Apt 4",
                       "city": "Paris", "region": None, "postalCode": "75001",
                       "country": "FR", "phone": "+33612345678"}],
        "tags": ["vip"], "marketingConsent": True,
        "consentUpdatedAt": doc["customer"]["consentUpdatedAt"], "consentSource": "staff:s",
        "createdAt": doc["customer"]["createdAt"], "updatedAt": doc["customer"]["updatedAt"],
        "erasedAt": None}
    assert doc["customer"]["consentUpdatedAt"] is not None
    assert doc["figures"] == {"ordersCount": 1,
                              "lifetimeValue": {"amount": "18.00", "currency": "EUR"},
                              "averageOrderValue": {"amount": "18.00", "currency": "EUR"},
                              "firstOrderAt": T0.isoformat(), "lastOrderAt": T0.isoformat()}
    first, second = doc["orders"]
    assert (first["number"], first["status"], first["paymentStatus"], first["total"],
            first["instructions"], first["shippingAddress"]["line1"]) == (
        "WEB-000001", "COMPLETED", "PARTIALLY_REFUNDED", "20.00",
        "Ring twice, ask for Ann Lee", "1 Rue de Rivoli")
    assert [(ln["sku"], ln["quantity"], ln["unitPrice"], ln["total"], ln["quantityShipped"])
            for ln in first["lines"]] == [("SKU-B", 2, "10.00", "20.00", 2)]
    (parcel,) = first["shipments"]
    assert (parcel["status"], parcel["carrier"], parcel["tracking"]) == (
        "DELIVERED", "oms-post", [{"status": "DELIVERED",
                                   "description": "Left with neighbour of Ann Lee",
                                   "location": "Paris", "occurredAt": T0.isoformat()}])
    (pay,) = first["payments"]
    assert (pay["gateway"], pay["status"], pay["amount"], pay["captured"], pay["refunded"],
            [(t["kind"], t["amount"], t["status"]) for t in pay["transactions"]]) == (
        "test", "PARTIALLY_REFUNDED", "20.00", "20.00", "2.00",
        [("AUTHORIZE", "20.00", "SUCCEEDED"), ("CAPTURE", "20.00", "SUCCEEDED"),
         ("REFUND", "2.00", "SUCCEEDED")])
    assert "token" not in pay
    assert [(n["kind"], n["recipient"]) for n in first["notifications"]] == [
        ("SHIPPED", "ann@example.com"), ("RECEIPT", "ann@example.com"),
        ("DELIVERED", "ann@example.com")]
    assert (second["status"], second["returns"], second["notifications"]) == (
        "CANCELLED", [], [])
    events = await EventLog.filter(customer_id=s["ann"]).order_by("id")
    assert [(t["type"], t["payload"]) for t in doc["timeline"]] == [
        (e.type, e.payload) for e in events]
    assert doc["timeline"][-1]["summary"] == "Customer updated: marketingConsent, phone, tags"


# ---- GraphQL and the command

ERASE = """mutation($id: ID!) { customerErase(id: $id) {
  customer { email name phone tags erasedAt marketingConsent addresses { country } }
  userErrors { code field message } } }"""
EXPORT = "query($id: ID!) { customerExport(id: $id) }"


@pytest.mark.parametrize("who", [STAFF, ANALYST, "own customer", None])
async def test_only_admins_export_or_erase(clean_db, who):
    s = await _story()
    gql = Gql()
    auth = customer_auth(s["ann"]) if who == "own customer" else who
    cid = ids.encode("Customer", s["ann"])
    before = await db_snapshot()
    for op, data in ((EXPORT, {"customerExport": None}), (ERASE, None)):
        r = await gql(op, {"id": cid}, auth=auth)
        assert r.codes == ["UNAUTHENTICATED" if who is None else "FORBIDDEN"]
        assert r.data == data
    assert await db_snapshot() == before


async def test_an_admin_exports_and_erases_through_the_api(clean_db, monkeypatch):
    s = await _story()
    monkeypatch.setattr(privacy, "now", lambda: T0)
    gql = Gql()
    cid = ids.encode("Customer", s["ann"])
    doc = (await gql(EXPORT, {"id": cid})).ok()["customerExport"]
    assert doc == json.loads(json.dumps(await export.export_customer(s["ann"]),
                                        default=str)) | {"exportedAt": doc["exportedAt"]}
    assert (await gql(EXPORT, {"id": "T3JkZXI6MQ"})).ok() == {"customerExport": None}

    r = await gql(ERASE, {"id": cid})
    assert r.ok()["customerErase"] == {"customer": {
        "email": f"erased-{s['ann']}@erased.invalid", "name": None, "phone": None, "tags": [],
        "erasedAt": T0.isoformat(), "marketingConsent": False, "addresses": []},
        "userErrors": []}
    # Not found by the old email, nor by a search on her name or email.
    assert (await gql('query { customer(email: "ann@example.com") { id } }')).ok() == {
        "customer": None}
    for term in ("ann", "Lee", "6 12 34"):
        r = await gql("""query($s: String) { customers(filter: {search: $s}) {
                           edges { node { id } } } }""", {"s": term})
        assert r.ok()["customers"]["edges"] == [], term

    r = await gql(ERASE, {"id": ids.encode("Customer", s["bob"])})
    assert r.ok()["customerErase"]["userErrors"] == [{
        "code": "INVALID_TRANSITION", "field": ["id"],
        "message": f"the customer has 1 open order(s) (order id {s['bob_order']} is PENDING);"
                   " erase once they are delivered or cancelled"}]
    r = await gql(ERASE, {"id": "nope"})
    assert r.ok()["customerErase"] == {"customer": None, "userErrors": [
        {"code": "NOT_FOUND", "field": ["id"], "message": "customer not found"}]}


async def test_the_customer_export_command_prints_the_document(clean_db, database_url,
                                                               tmp_path):
    s = await _story()
    done = oms_cli("customer-export", ids.encode("Customer", s["ann"]),
                   database_url=database_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    expected = json.loads(json.dumps(await export.export_customer(s["ann"])))
    assert printed | {"exportedAt": None} == expected | {"exportedAt": None}
    by_number = oms_cli("customer-export", str(s["ann"]), database_url=database_url, cwd=tmp_path)
    assert json.loads(by_number.stdout)["customer"]["email"] == "ann@example.com"
    missing = oms_cli("customer-export", "999999", database_url=database_url, cwd=tmp_path)
    assert (missing.returncode, missing.stdout, missing.stderr) == (2, "", "no customer 999999\n")
