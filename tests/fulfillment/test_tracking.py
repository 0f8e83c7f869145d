"""Carrier scans (oms.fulfillment.tracking) on the real database: the same
scan twice is applied once, an older scan joins the timeline without moving
the status back, DELIVERED is final, estimates and the late flag; and the
carriers' signed webhook over HTTP."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from starlette.applications import Starlette

from oms.catalog.models import Location
from oms.core import clock, ids, signing
from oms.core.errors import ErrorCode
from oms.events.models import EventLog, WebhookReceipt
from oms.fulfillment import http as fulfillment_http, labels, service as fulfillment
from oms.fulfillment.lateness import is_late
from oms.fulfillment.models import Shipment, TrackingEvent
from oms.fulfillment.tracking import record_scan
from oms.orders import service as orders
from oms.orders.models import Order
from oms.settings import Settings

from tests import factories
from tests.assertions import refused
from tests.factories import T0
from tests.graphql.helpers import Gql, db_snapshot

pytestmark = pytest.mark.usefixtures("frozen_clock")

H = timedelta(hours=1)


async def on_the_road(*, label: bool = False, ship: bool = True) -> Shipment:
    """A shipped shipment of one SKU-A (with an oms-post label if asked)."""
    order = await factories.place([("SKU-A", 1)])
    await orders.confirm_order(order.id)
    (shipment,) = await factories.shipments_of(order.id)
    await fulfillment.pick(shipment.id)
    await fulfillment.pack(shipment.id)
    if label:
        await Location.filter(code="WH1").update(address={
            "line1": "1 Quai Perrache", "city": "Lyon", "postalCode": "69002",
            "country": "FR"})
        await labels.create_label(shipment.id, carrier="oms-post", service="STANDARD")
    if ship:
        await fulfillment.ship(shipment.id)
    return await Shipment.get(id=shipment.id)


async def _head() -> int:
    last = await EventLog.all().order_by("-id").first()
    return last.id if last else 0


async def _pushed(after: int) -> list[tuple]:
    return [(e.type, e.payload.get("status"), e.payload.get("description"),
             e.payload.get("occurred_at"))
            for e in await EventLog.filter(id__gt=after).order_by("id")]


async def _timeline(shipment_id: int) -> list[tuple]:
    return list(await TrackingEvent.filter(shipment_id=shipment_id).order_by(
        "occurred_at", "id").values_list("status", "occurred_at", "source", "dedupe_key"))


def _scan(at: datetime) -> str:
    return at.isoformat()


# ---- the same scan twice

async def test_the_same_keyed_scan_twice_is_recorded_once(shop):
    shipment = await on_the_road()
    mark = await _head()
    first = await record_scan(shipment_id=shipment.id, status="IN_TRANSIT", source="oms-post",
                              dedupe_key="evt-1", occurred_at=T0 - 3 * H, location="Lyon")
    assert (first.status, first.version, first.last_scan_at) == ("IN_TRANSIT", 5, T0 - 3 * H)
    before = await db_snapshot()
    # A retry: even with other details, the same id at the same source is the same scan.
    again = await record_scan(shipment_id=shipment.id, status="OUT_FOR_DELIVERY",
                              source="oms-post", dedupe_key="evt-1", occurred_at=T0 - H)
    assert (again.id, again.status, again.version) == (shipment.id, "IN_TRANSIT", 5)
    assert await db_snapshot() == before
    assert await _pushed(mark) == [("ShipmentUpdated", "IN_TRANSIT", None,
                                    _scan(T0 - 3 * H))]


async def test_a_key_belongs_to_its_source(shop):
    shipment = await on_the_road()
    await record_scan(shipment_id=shipment.id, status="IN_TRANSIT", source="oms-post",
                      dedupe_key="7", occurred_at=T0 - 3 * H)
    await record_scan(shipment_id=shipment.id, status="IN_TRANSIT", dedupe_key="7",
                      occurred_at=T0 - 2 * H)
    assert await _timeline(shipment.id) == [
        ("IN_TRANSIT", T0 - 3 * H, "oms-post", "oms-post:7"),
        ("IN_TRANSIT", T0 - 2 * H, "MANUAL", "MANUAL:7")]


async def test_without_a_key_the_same_status_time_and_place_is_the_same_scan(shop):
    shipment = await on_the_road()
    mark = await _head()
    at = T0 - 2 * H
    await record_scan(shipment_id=shipment.id, status="IN_TRANSIT", occurred_at=at,
                      location="Lyon")
    before = await db_snapshot()
    # The same instant written in another time zone is the same instant.
    paris = at.astimezone(timezone(timedelta(hours=1)))
    for source in ("MANUAL", "oms-post"):
        got = await record_scan(shipment_id=shipment.id, status="IN_TRANSIT",
                                occurred_at=paris, location="Lyon", source=source)
        assert (got.status, got.version) == ("IN_TRANSIT", 5)
    assert await db_snapshot() == before
    # Another place or another time is another scan.
    await record_scan(shipment_id=shipment.id, status="IN_TRANSIT", occurred_at=at,
                      location="Dijon")
    await record_scan(shipment_id=shipment.id, status="IN_TRANSIT", occurred_at=at + H,
                      location="Lyon")
    assert [(s, t) for s, t, _, _ in await _timeline(shipment.id)] == [
        ("IN_TRANSIT", at), ("IN_TRANSIT", at), ("IN_TRANSIT", at + H)]
    assert [p[1] for p in await _pushed(mark)] == ["IN_TRANSIT"] * 3


# ---- out of order

async def test_an_older_scan_joins_the_timeline_without_moving_back(shop):
    shipment = await on_the_road()
    mark = await _head()
    await record_scan(shipment_id=shipment.id, status="IN_TRANSIT", occurred_at=T0 - 5 * H)
    await record_scan(shipment_id=shipment.id, status="OUT_FOR_DELIVERY",
                      occurred_at=T0 - H)
    moved = await Shipment.get(id=shipment.id)
    late = await record_scan(shipment_id=shipment.id, status="EXCEPTION",
                             description="Sorting delay", occurred_at=T0 - 3 * H,
                             estimated_delivery=T0 + 48 * H)
    stored = await Shipment.get(id=shipment.id)
    for row in (late, stored):
        assert (row.status, row.version, row.last_scan_at, row.estimated_delivery) == (
            "OUT_FOR_DELIVERY", moved.version, T0 - H, None)
    assert [(s, t) for s, t, _, _ in await _timeline(shipment.id)] == [
        ("IN_TRANSIT", T0 - 5 * H), ("EXCEPTION", T0 - 3 * H), ("OUT_FOR_DELIVERY", T0 - H)]
    assert await _pushed(mark) == [
        ("ShipmentUpdated", "IN_TRANSIT", None, _scan(T0 - 5 * H)),
        ("ShipmentUpdated", "OUT_FOR_DELIVERY", None, _scan(T0 - H))]
    # The late scan kept its own estimate.
    assert await TrackingEvent.filter(status="EXCEPTION").values_list(
        "estimated_delivery", flat=True) == [T0 + 48 * H]


async def test_delivered_is_final(shop):
    shipment = await on_the_road()
    await record_scan(shipment_id=shipment.id, status="DELIVERED", occurred_at=T0 - 2 * H)
    mark = await _head()
    delivered = await Shipment.get(id=shipment.id)
    for status, at in (("OUT_FOR_DELIVERY", T0 - H), ("EXCEPTION", T0), ("IN_TRANSIT",
                                                                           T0 - 3 * H)):
        got = await record_scan(shipment_id=shipment.id, status=status, occurred_at=at)
        assert (got.status, got.version, got.delivered_at) == (
            "DELIVERED", delivered.version, T0 - 2 * H)
    assert await _pushed(mark) == []
    assert await Order.filter(id=shipment.order_id).values_list("status", flat=True) == [
        "DELIVERED"]
    assert [s for s, _, _, _ in await _timeline(shipment.id)] == [
        "IN_TRANSIT", "DELIVERED", "OUT_FOR_DELIVERY", "EXCEPTION"]


async def test_a_delivery_stamped_before_the_newest_scan_still_delivers(shop):
    shipment = await on_the_road()
    await record_scan(shipment_id=shipment.id, status="OUT_FOR_DELIVERY", occurred_at=T0 - H)
    mark = await _head()
    got = await record_scan(shipment_id=shipment.id, status="DELIVERED",
                            occurred_at=T0 - 2 * H)
    assert (got.status, got.delivered_at, got.last_scan_at) == ("DELIVERED", T0 - 2 * H,
                                                                 T0 - H)
    assert [p[:2] for p in await _pushed(mark)] == [("ShipmentUpdated", "DELIVERED"),
                                                    ("OrderStatusChanged", None)]
    assert await Order.filter(id=shipment.order_id).values_list("status", flat=True) == [
        "DELIVERED"]


# ---- estimates

async def test_the_newest_scan_sets_the_estimate(shop):
    shipment = await on_the_road()
    first, second = T0 + 30 * H, T0 + 50 * H
    got = await record_scan(shipment_id=shipment.id, status="IN_TRANSIT",
                            occurred_at=T0 - 4 * H, estimated_delivery=first)
    assert got.estimated_delivery == first
    # A newer scan without an estimate keeps it; an older one with an estimate does not count.
    await record_scan(shipment_id=shipment.id, status="IN_TRANSIT", occurred_at=T0 - 3 * H)
    await record_scan(shipment_id=shipment.id, status="IN_TRANSIT", occurred_at=T0 - 5 * H,
                      estimated_delivery=T0)
    assert (await Shipment.get(id=shipment.id)).estimated_delivery == first
    got = await record_scan(shipment_id=shipment.id, status="EXCEPTION",
                            occurred_at=T0 - 2 * H, estimated_delivery=second)
    assert got.estimated_delivery == second


@pytest.mark.parametrize(("kw", "field", "message"), [
    ({"estimated_delivery": datetime(2026, 3, 16)}, ["estimatedDelivery"],
     "estimatedDelivery needs a time zone"),
    ({"dedupe_key": "k" * 129}, ["eventId"], "eventId is longer than 128 characters"),
])
async def test_bad_scan_details_are_refused(shop, kw, field, message):
    shipment = await on_the_road()
    err = await refused(ErrorCode.INVALID, field, record_scan(
        shipment_id=shipment.id, status="IN_TRANSIT", **kw), state=db_snapshot)
    assert err.message == message


# ---- late

P = T0 + 48 * H  # the promise


@pytest.mark.parametrize(("status", "promised", "delivered", "estimated", "at", "late"), [
    ("IN_TRANSIT", None, None, P + 99 * H, P + 99 * H, False),  # no promise, never late
    ("DELIVERED", None, P + H, None, P + 2 * H, False),
    ("DELIVERED", P, P - H, None, P + 9 * H, False),            # delivered in time
    ("DELIVERED", P, P, None, P + 9 * H, False),
    ("DELIVERED", P, P + H, None, P + 9 * H, True),             # delivered after
    ("IN_TRANSIT", P, None, None, P - H, False),                # on its way, in time
    ("IN_TRANSIT", P, None, P - H, P - 2 * H, False),
    ("IN_TRANSIT", P, None, P, P - 2 * H, False),
    ("IN_TRANSIT", P, None, P + H, P - 2 * H, True),            # the estimate misses it
    ("EXCEPTION", P, None, None, P + H, True),                  # the promise has passed
    ("SHIPPED", P, None, P - H, P + H, True),
    ("PENDING", P, None, None, P + H, True),
    ("CANCELLED", P, None, None, P + H, False),                 # never arrives: not late
])
def test_late(status, promised, delivered, estimated, at, late):
    assert is_late(status=status, promised=promised, delivered_at=delivered,
                   estimated=estimated, at=at) is late


SHIPMENT_Q = """query($id: ID!) { shipment(id: $id) { status late promisedDelivery
  estimatedDelivery events { status source estimatedDelivery occurredAt } } }"""
TRACK = """mutation($i: ShipmentTrackingInput!) { shipmentTrackingRecord(input: $i) {
  shipment { status estimatedDelivery events { status source } } userErrors { code field } } }"""


async def test_late_promised_delivery_and_the_timeline_over_graphql(shop, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: T0)
    gql = Gql()
    shipment = await on_the_road()
    gid = ids.encode("Shipment", shipment.id)
    # No promise: never late.
    r = (await gql(SHIPMENT_Q, {"id": gid})).ok()["shipment"]
    assert (r["late"], r["promisedDelivery"]) == (False, None)

    await Order.filter(id=shipment.order_id).update(promised_delivery=T0 + 24 * H)
    i = {"shipmentId": gid, "status": "IN_TRANSIT", "occurredAt": _scan(T0 - H),
         "estimatedDelivery": _scan(T0 + 20 * H), "eventId": "scan-1"}
    p = (await gql(TRACK, {"i": i})).ok()["shipmentTrackingRecord"]
    assert p == {"shipment": {"status": "IN_TRANSIT", "estimatedDelivery": _scan(T0 + 20 * H),
                              "events": [{"status": "IN_TRANSIT", "source": "MANUAL"}]},
                 "userErrors": []}
    # The same eventId again is no mistake and changes nothing.
    before = await db_snapshot()
    again = (await gql(TRACK, {"i": {**i, "estimatedDelivery": _scan(T0 + 99 * H)}})).ok()
    assert again["shipmentTrackingRecord"] == p
    assert await db_snapshot() == before
    r = (await gql(SHIPMENT_Q, {"id": gid})).ok()["shipment"]
    assert (r["late"], r["promisedDelivery"]) == (False, _scan(T0 + 24 * H))

    # The carrier now expects it after the promise: late before the promise has passed.
    i = {"shipmentId": gid, "status": "EXCEPTION", "occurredAt": _scan(T0 - H / 2),
         "estimatedDelivery": _scan(T0 + 30 * H), "eventId": "scan-2"}
    (await gql(TRACK, {"i": i})).ok()
    r = (await gql(SHIPMENT_Q, {"id": gid})).ok()["shipment"]
    assert r == {"status": "EXCEPTION", "late": True, "promisedDelivery": _scan(T0 + 24 * H),
                 "estimatedDelivery": _scan(T0 + 30 * H),
                 "events": [{"status": "IN_TRANSIT", "source": "MANUAL",
                             "estimatedDelivery": _scan(T0 + 20 * H),
                             "occurredAt": _scan(T0 - H)},
                            {"status": "EXCEPTION", "source": "MANUAL",
                             "estimatedDelivery": _scan(T0 + 30 * H),
                             "occurredAt": _scan(T0 - H / 2)}]}
    # Delivered before the promise after all: not late.
    await record_scan(shipment_id=shipment.id, status="DELIVERED", occurred_at=T0)
    r = (await gql(SHIPMENT_Q, {"id": gid})).ok()["shipment"]
    assert (r["status"], r["late"]) == ("DELIVERED", False)


# ---- the carriers' webhook

WHSEC = "oms-post-webhook-secret"


def _app(secrets: dict[str, str]) -> httpx.AsyncClient:
    app = Starlette(routes=fulfillment_http.routes(Settings(
        jwt_secret="tracking-tests-secret-0123456789abcdef", carrier_webhook_secrets=secrets)))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://oms.test")


@pytest.fixture
async def hook(shop):
    async with _app({"oms-post": WHSEC, "dhl": "not-a-carrier-we-have"}) as client:
        yield client


async def post(client: httpx.AsyncClient, body: dict | bytes, *, message_id: str = "m-1",
               secret: str = WHSEC, carrier: str = "oms-post", timestamp: int | None = None,
               headers: dict[str, str] | None = None) -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    signed = signing.sign(secret, message_id, raw, timestamp=timestamp)
    if headers is not None:
        signed = headers
    return await client.post(f"/webhooks/carriers/{carrier}", content=raw,
                             headers={**signed, "content-type": "application/json"})


def event(number: str, **kw) -> dict:
    return {"eventId": "evt-1", "trackingNumber": number, "status": "IN_TRANSIT",
            "description": "Departed hub", "location": "Lyon",
            "occurredAt": _scan(T0 - 3 * H), **kw}


async def _snapshot_but_receipts() -> dict:
    snap = await db_snapshot()
    snap.pop("webhook_receipt")
    return snap


async def test_a_signed_carrier_scan_is_applied_once(hook):
    shipment = await on_the_road(label=True)
    gid, number = ids.encode("Shipment", shipment.id), shipment.tracking_number
    mark = await _head()
    r = await post(hook, event(number, estimatedDelivery=_scan(T0 + 30 * H)))
    assert (r.status_code, r.json()) == (200, {"shipmentId": gid, "status": "IN_TRANSIT",
                                               "applied": True})
    stored = await Shipment.get(id=shipment.id)
    assert (stored.status, stored.estimated_delivery) == ("IN_TRANSIT", T0 + 30 * H)
    assert await TrackingEvent.all().values_list(
        "status", "description", "location", "occurred_at", "source", "dedupe_key") == [
        ("IN_TRANSIT", "Departed hub", "Lyon", T0 - 3 * H, "oms-post", "oms-post:evt-1")]
    assert await WebhookReceipt.all().values_list("source", "message_id") == [
        ("carrier:oms-post", "m-1")]
    assert await _pushed(mark) == [("ShipmentUpdated", "IN_TRANSIT", "Departed hub",
                                    _scan(T0 - 3 * H))]

    # The carrier sends the same event again under a new message id: taken, not applied.
    before = await _snapshot_but_receipts()
    r = await post(hook, event(number), message_id="m-2")
    assert (r.status_code, r.json()) == (200, {"shipmentId": gid, "status": "IN_TRANSIT",
                                               "applied": False})
    assert await _snapshot_but_receipts() == before
    # A replayed message (the same id) is refused and changes nothing.
    before = await db_snapshot()
    r = await post(hook, event(number, eventId="evt-9"), message_id="m-1")
    assert (r.status_code, r.json()) == (409, {
        "code": "CONFLICT", "message": "this message was already received (replayed)",
        "field": "messageId"})
    assert await db_snapshot() == before


async def test_without_an_event_id_the_message_id_names_the_scan(hook):
    shipment = await on_the_road(label=True)
    body = event(shipment.tracking_number)
    del body["eventId"]
    r = await post(hook, body, message_id="msg-77")
    assert r.json()["applied"] is True
    assert await TrackingEvent.all().values_list("dedupe_key", flat=True) == [
        "oms-post:msg-77"]


async def test_a_refused_scan_leaves_its_message_free_to_come_again(hook):
    shipment = await on_the_road(label=True, ship=False)  # PACKED: not on the road yet
    before = await db_snapshot()
    r = await post(hook, event(shipment.tracking_number), message_id="m-5")
    assert (r.status_code, r.json()) == (409, {
        "code": "INVALID_TRANSITION",
        "message": "cannot scan in transit a shipment that is PACKED", "field": None})
    assert await db_snapshot() == before
    await fulfillment.ship(shipment.id)
    r = await post(hook, event(shipment.tracking_number), message_id="m-5")
    assert (r.status_code, r.json()["status"], r.json()["applied"]) == (200, "IN_TRANSIT", True)


async def test_bad_signatures_are_unauthenticated(hook):
    shipment = await on_the_road(label=True)
    body = json.dumps(event(shipment.tracking_number)).encode()
    good = signing.sign(WHSEC, "m-1", body)
    cases = {
        "unsigned": ({}, "the call is not signed"),
        "other secret": (signing.sign("guess", "m-1", body), "the signature does not match"),
        "tampered": (signing.sign(WHSEC, "m-1", body.replace(b"Lyon", b"Nice")),
                     "the signature does not match"),
        "other message id": ({**good, signing.ID_HEADER: "m-2"},
                             "the signature does not match"),
        "stale": (signing.sign(WHSEC, "m-1", body, timestamp=int(time.time()) - 301),
                  "the timestamp is too old or in the future"),
    }
    before = await db_snapshot()
    for name, (headers, message) in cases.items():
        r = await post(hook, body, headers=headers)
        assert (r.status_code, r.json()) == (401, {"code": "UNAUTHENTICATED",
                                                   "message": message,
                                                   "field": "signature"}), name
    assert await db_snapshot() == before


async def test_unknown_carriers_and_carriers_without_a_secret_have_no_webhook(shop):
    not_found = {"code": "NOT_FOUND", "message": "unknown carrier", "field": "carrier"}
    async with _app({"dhl": "x"}) as client:
        for carrier in ("dhl", "oms-post", "nobody"):
            r = await post(client, {}, carrier=carrier, secret="x")
            assert (r.status_code, r.json()) == (404, not_found), carrier


@pytest.mark.parametrize(("body", "field", "message"), [
    (b"not json", "body", "the body is not JSON"),
    (b"\xff\xfe", "body", "the body is not JSON"),
    (b"[1, 2]", "body", "the body must be a JSON object"),
    ({"status": "IN_TRANSIT", "occurredAt": "2026-03-14T06:00:00+00:00"}, "trackingNumber",
     "trackingNumber is required"),
    ({"trackingNumber": 42, "status": "IN_TRANSIT", "occurredAt": "2026-03-14T06:00:00Z"},
     "trackingNumber", "trackingNumber must be a string"),
    ({"trackingNumber": "X", "status": "IN_TRANSIT"}, "occurredAt", "occurredAt is required"),
    ({"trackingNumber": "X", "status": "IN_TRANSIT", "occurredAt": "2026-03-14T06:00:00"},
     "occurredAt", "occurredAt must be an ISO 8601 time with a time zone"),
    ({"trackingNumber": "X", "status": "IN_TRANSIT", "occurredAt": "yesterday"},
     "occurredAt", "occurredAt must be an ISO 8601 time with a time zone"),
    ({"trackingNumber": "X", "status": "IN_TRANSIT", "occurredAt": "2026-03-14T06:00:00Z",
      "estimatedDelivery": 5}, "estimatedDelivery",
     "estimatedDelivery must be an ISO 8601 time with a time zone"),
    ({"trackingNumber": "X", "status": "IN_TRANSIT", "occurredAt": "2026-03-14T06:00:00Z",
      "eventId": "e" * 129}, "eventId", "eventId is longer than 128 characters"),
])
async def test_a_bad_body_is_a_bad_request(hook, body, field, message):
    before = await db_snapshot()
    r = await post(hook, body)
    assert (r.status_code, r.json()) == (400, {"code": "INVALID", "message": message,
                                               "field": field})
    assert await db_snapshot() == before


async def test_a_bad_status_or_an_unknown_parcel(hook):
    shipment = await on_the_road(label=True)
    before = await db_snapshot()
    r = await post(hook, event(shipment.tracking_number, status="LOST"))
    assert (r.status_code, r.json()["field"]) == (400, "status")
    r = await post(hook, event("CP000000000NL"))
    assert (r.status_code, r.json()) == (404, {
        "code": "NOT_FOUND", "message": "no shipment has this tracking number",
        "field": "trackingNumber"})
    # A parcel of another carrier is not this carrier's to report on.
    await Shipment.filter(id=shipment.id).update(carrier="other-carrier")
    r = await post(hook, event(shipment.tracking_number))
    assert r.status_code == 404
    await Shipment.filter(id=shipment.id).update(carrier="oms-post")
    assert await db_snapshot() == before


async def test_a_body_over_64_kb_is_too_large(hook):
    shipment = await on_the_road(label=True)
    before = await db_snapshot()
    r = await post(hook, event(shipment.tracking_number, padding="x" * (64 * 1024)))
    assert (r.status_code, r.json()) == (413, {"code": "INVALID",
                                               "message": "the body is larger than 65536 bytes",
                                               "field": "body"})
    assert await db_snapshot() == before
