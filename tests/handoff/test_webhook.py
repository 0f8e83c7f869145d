"""The partners' signed webhook over HTTP (the Starlette route in process):
each message type applied once, refusals for unsigned, tampered, stale and
replayed calls, another location's shipment, an unknown location, bad and
oversized bodies; a message the shipment cannot take is rolled back with its
receipt, so it may be sent again."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from starlette.applications import Starlette

from oms.core import ids, signing
from oms.events.models import WebhookReceipt
from oms.fulfillment.models import Shipment, TrackingEvent
from oms.handoff import delivery, http
from oms.handoff.delivery import SendPolicy
from oms.handoff.models import PartnerDelivery
from oms.inventory.models import StockLevel
from oms.orders.models import Order

from .shop import SECRET, Clock, Partner, confirmed, drain

pytestmark = pytest.mark.usefixtures("partner_shop")

APP = Starlette(routes=http.routes())


async def call(body, *, location: str = "3PL1", message_id: str | None = None,
               secret: str = SECRET, headers: dict | None = None,
               timestamp: int | None = None) -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    signed = signing.sign(secret, message_id or f"m-{time.monotonic_ns()}", raw,
                          timestamp=timestamp)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=APP),
                                 base_url="http://oms") as client:
        return await client.post(f"/webhooks/partners/{location}", content=raw,
                                 headers=signed if headers is None else headers)


async def _handed_off() -> tuple[int, Shipment, str]:
    """A 3PL1 shipment whose request was sent (and went unanswered)."""
    order_id, (shipment,) = await confirmed([("SKU-A", 2)])
    await drain()
    async with Partner(answers=[httpx.ReadTimeout]).client() as client:
        await delivery.send_due(client=client, policy=SendPolicy(jitter=None), clock=Clock())
    return order_id, shipment, ids.encode("Shipment", shipment.id)


async def _status(shipment: Shipment) -> str:
    await shipment.refresh_from_db()
    return shipment.status


async def test_accepted_picks_it_once_and_acknowledges_the_request():
    order_id, shipment, sid = await _handed_off()
    r = await call({"type": "ACCEPTED", "shipmentId": sid}, message_id="acc-1")
    assert (r.status_code, r.json()) == (200, {"applied": True, "shipmentId": sid,
                                               "status": "PICKING"})
    request = await PartnerDelivery.get(shipment_id=shipment.id)
    assert (request.status, request.next_attempt_at) == ("ACKNOWLEDGED", None)
    assert (await Order.get(id=order_id)).status == "PROCESSING"
    r = await call({"type": "ACCEPTED", "shipmentId": sid}, message_id="acc-2")
    assert (r.status_code, r.json()) == (200, {"applied": False, "shipmentId": sid,
                                               "status": "PICKING"})


async def test_a_replayed_message_is_refused():
    _, _, sid = await _handed_off()
    assert (await call({"type": "ACCEPTED", "shipmentId": sid}, message_id="m1")).status_code \
        == 200
    r = await call({"type": "ACCEPTED", "shipmentId": sid}, message_id="m1")
    assert (r.status_code, r.json()) == (409, {
        "code": "CONFLICT", "message": "this message was already received (replayed)",
        "field": "messageId"})
    assert await WebhookReceipt.filter(source="partner:3PL1").count() == 1


async def test_shipped_ships_it_with_the_partners_tracking_number():
    order_id, shipment, sid = await _handed_off()
    at = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)
    r = await call({"type": "SHIPPED", "shipmentId": sid, "carrier": "dhl",
                    "service": "express", "trackingNumber": "JD0142",
                    "shippedAt": at.isoformat()})
    assert (r.status_code, r.json()) == (200, {"applied": True, "shipmentId": sid,
                                               "status": "SHIPPED"})
    await shipment.refresh_from_db()
    assert (shipment.carrier, shipment.service, shipment.tracking_number,
            shipment.shipped_at) == ("dhl", "express", "JD0142", at)
    level = await StockLevel.get(product__sku="SKU-A", location__code="3PL1")
    assert (level.on_hand, level.reserved) == (8, 0)
    assert (await Order.get(id=order_id)).status == "SHIPPED"
    r = await call({"type": "SHIPPED", "shipmentId": sid, "carrier": "dhl",
                    "trackingNumber": "JD0142"})
    assert r.json() == {"applied": False, "shipmentId": sid, "status": "SHIPPED"}


async def test_tracking_is_recorded_once_per_event_id():
    _, shipment, sid = await _handed_off()
    await call({"type": "SHIPPED", "shipmentId": sid, "carrier": "dhl", "trackingNumber": "T1"})
    scan = {"type": "TRACKING", "shipmentId": sid, "status": "IN_TRANSIT", "eventId": "e-1",
            "description": "Departed hub", "location": "Lyon",
            "occurredAt": datetime.now(timezone.utc).isoformat(),
            "estimatedDelivery": "2030-01-02T18:00:00+00:00"}
    r = await call(scan)
    assert (r.status_code, r.json()) == (200, {"applied": True, "shipmentId": sid,
                                               "status": "IN_TRANSIT"})
    r = await call(scan)  # the same scan under another message id
    assert (r.status_code, r.json()) == (200, {"applied": False, "shipmentId": sid,
                                               "status": "IN_TRANSIT"})
    rows = await TrackingEvent.filter(shipment_id=shipment.id).values_list(
        "status", "description", "location", "source")
    assert rows == [("IN_TRANSIT", "Departed hub", "Lyon", "partner:3PL1")]
    await shipment.refresh_from_db()
    assert shipment.estimated_delivery == datetime(2030, 1, 2, 18, tzinfo=timezone.utc)


async def test_a_refused_message_is_rolled_back_and_may_be_sent_again():
    _, shipment, sid = await _handed_off()
    scan = {"type": "TRACKING", "shipmentId": sid, "status": "DELIVERED",
            "occurredAt": datetime.now(timezone.utc).isoformat()}
    r = await call(scan, message_id="early")
    assert (r.status_code, r.json()["code"]) == (422, "INVALID_TRANSITION")
    assert await WebhookReceipt.all().count() == 0
    request = await PartnerDelivery.get(shipment_id=shipment.id)
    assert request.status == "RETRYING"  # rolled back with the rest
    await call({"type": "SHIPPED", "shipmentId": sid, "carrier": "dhl", "trackingNumber": "T1"})
    r = await call(scan, message_id="early")
    assert (r.status_code, r.json()["status"]) == (200, "DELIVERED")


async def test_rejected_sends_it_back_to_routing():
    order_id, shipment, sid = await _handed_off()
    r = await call({"type": "REJECTED", "shipmentId": sid, "reason": "no stock here"})
    assert (r.status_code, r.json()) == (200, {"applied": True, "shipmentId": sid,
                                               "status": "CANCELLED"})
    await shipment.refresh_from_db()
    assert shipment.cancel_reason == "no stock here" and shipment.rejected_at is not None
    # Nobody else carries SKU-A: the order waits with a reason.
    assert (await Order.get(id=order_id)).status == "ON_HOLD"
    r = await call({"type": "REJECTED", "shipmentId": sid, "reason": "no stock here"})
    assert r.json() == {"applied": False, "shipmentId": sid, "status": "CANCELLED"}
    # The partner refused it itself (so it had the request): no cancellation follows.
    await drain()
    assert await PartnerDelivery.filter(shipment_id=shipment.id).values_list(
        "kind", "status") == [("FULFILLMENT_REQUEST", "ACKNOWLEDGED")]


async def test_messages_about_a_cancelled_shipment_are_refused():
    order_id, shipment, sid = await _handed_off()
    from oms.orders import service as orders

    await orders.cancel_order(order_id)
    for body in ({"type": "ACCEPTED", "shipmentId": sid},
                 {"type": "SHIPPED", "shipmentId": sid, "carrier": "dhl",
                  "trackingNumber": "T1"}):
        r = await call(body)
        assert (r.status_code, r.json()) == (422, {"code": "INVALID_TRANSITION",
                                                   "message": "the shipment was cancelled",
                                                   "field": "shipmentId"})
    assert await WebhookReceipt.all().count() == 0


async def test_unsigned_tampered_stale_or_wrongly_signed_calls_are_refused():
    _, shipment, sid = await _handed_off()
    body = json.dumps({"type": "ACCEPTED", "shipmentId": sid}).encode()
    good = signing.sign(SECRET, "m-1", body)
    cases = {
        "unsigned": await call(body, headers={}),
        "tampered": await call(body.replace(b"ACCEPTED", b"REJECTED"), headers=good),
        "stale": await call(body, timestamp=int(time.time()) - 301),
        "future": await call(body, timestamp=int(time.time()) + 301),
        "other secret": await call(body, secret="another-secret-0123456789"),
    }
    for name, r in cases.items():
        assert r.status_code == 401, name
        assert (r.json()["code"], r.json()["field"]) == ("UNAUTHENTICATED", "signature"), name
    assert await _status(shipment) == "PENDING"
    assert await WebhookReceipt.all().count() == 0


async def test_another_locations_shipment_looks_missing():
    _, (wh_shipment,) = await confirmed([("SKU-B", 1)], email="bo@example.com")
    for sid in (ids.encode("Shipment", wh_shipment.id), ids.encode("Shipment", 999)):
        r = await call({"type": "ACCEPTED", "shipmentId": sid})
        assert (r.status_code, r.json()) == (404, {
            "code": "NOT_FOUND", "message": "no such shipment at this location",
            "field": "shipmentId"})
    assert await _status(wh_shipment) == "PENDING"


@pytest.mark.parametrize("location", ["NOPE", "WH1", "SUP1", "x" * 40, "bad%20code"])
async def test_a_location_without_a_secret_has_no_webhook(location):
    r = await call({"type": "ACCEPTED", "shipmentId": "x"}, location=location)
    assert (r.status_code, r.json()) == (404, {"code": "NOT_FOUND",
                                               "message": "unknown partner location",
                                               "field": "location"})


async def test_a_bad_body_is_a_400_naming_the_field():
    r = await call({"type": "SHIPPED", "shipmentId": ids.encode("Shipment", 1),
                    "carrier": "dhl"})
    assert (r.status_code, r.json()) == (400, {"code": "INVALID",
                                               "message": "trackingNumber is required",
                                               "field": "trackingNumber"})
    r = await call(b"\x00garbage")
    assert (r.status_code, r.json()["field"]) == (400, "body")


async def test_a_body_over_64_kb_is_refused_unread():
    r = await call(b"{" + b" " * (64 * 1024) + b"}")
    assert (r.status_code, r.json()["code"]) == (413, "INVALID")
