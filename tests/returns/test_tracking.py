"""The return parcel's scans: applied once, kept in time order, a late older
scan joins the timeline only, the first scan moves APPROVED -> IN_TRANSIT;
and the carriers' webhook falls through to a return when no shipment has
the number."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from starlette.applications import Starlette

from oms.core import ids, signing
from oms.core.errors import ErrorCode
from oms.fulfillment import http as fulfillment_http
from oms.returns import receiving, service, tracking
from oms.returns.models import Return, ReturnTrackingEvent
from oms.returns.policy import ReceivedEntry
from oms.settings import Settings

from tests.factories import T0

from .support import head, refused_with, request, return_events

H = timedelta(hours=1)
ECONOMY_ETA = datetime(2026, 3, 20, 9, 26, 53, tzinfo=timezone.utc)
WHSEC = "oms-post-webhook-secret"


async def approved(delivered) -> Return:
    ret = await request(delivered, ("SKU-A", 2))
    return await service.approve_return(ret.id)


async def _timeline(return_id: int) -> list[tuple]:
    return list(await ReturnTrackingEvent.filter(ret_id=return_id).order_by(
        "occurred_at", "id").values_list("status", "occurred_at", "location", "source",
                                         "dedupe_key"))


async def test_the_first_scan_moves_the_return_in_transit(delivered):
    d = delivered
    ret = await approved(d)
    mark = await head()
    got = await tracking.apply_scan(return_id=ret.id, status="IN_TRANSIT", location="Paris",
                                    occurred_at=T0 - 2 * H, estimated_delivery=T0 + 48 * H,
                                    dedupe_key="s-1", actor="staff:test")
    assert (got.applied, got.moved) == (True, True)
    stored = await Return.get(id=ret.id)
    assert (stored.status, stored.last_scan_at, stored.estimated_delivery, stored.version) == (
        "IN_TRANSIT", T0 - 2 * H, T0 + 48 * H, 3)
    assert await return_events(mark) == [
        ("ReturnUpdated", d.order.id, d.customer_id, "WEB",
         {"return_id": ret.id, "from": "APPROVED", "to": "IN_TRANSIT", "actor": "staff:test",
          "order_status": d.order.status})]
    # A later scan: a new estimate and timeline entry, no status change, no event.
    mark = await head()
    got = await tracking.apply_scan(return_id=ret.id, status="OUT_FOR_DELIVERY",
                                    occurred_at=T0 - H, estimated_delivery=T0 + 5 * H,
                                    dedupe_key="s-2")
    assert (got.applied, got.moved) == (True, False)
    stored = await Return.get(id=ret.id)
    assert (stored.status, stored.last_scan_at, stored.estimated_delivery) == (
        "IN_TRANSIT", T0 - H, T0 + 5 * H)
    assert await return_events(mark) == []


async def test_a_scan_is_applied_once_and_late_ones_join_the_timeline_only(delivered):
    ret = await approved(delivered)
    await tracking.apply_scan(return_id=ret.id, status="IN_TRANSIT", occurred_at=T0 - H,
                              location="Lyon hub", dedupe_key="a")
    again = await tracking.apply_scan(return_id=ret.id, status="IN_TRANSIT",
                                      occurred_at=T0 - H, location="Lyon hub", dedupe_key="a")
    assert (again.applied, again.moved) == (False, False)
    mark = await head()
    late = await tracking.apply_scan(return_id=ret.id, status="IN_TRANSIT",
                                     occurred_at=T0 - 3 * H, location="Paris",
                                     estimated_delivery=T0 + 99 * H)
    assert (late.applied, late.moved) == (True, False)
    stored = await Return.get(id=ret.id)
    # Still the label's estimate: a stale scan's is not taken.
    assert (stored.last_scan_at, stored.estimated_delivery) == (T0 - H, ECONOMY_ETA)
    assert await return_events(mark) == []
    timeline = await _timeline(ret.id)
    assert [(s, at, loc, src) for s, at, loc, src, _ in timeline] == [
        ("IN_TRANSIT", T0 - 3 * H, "Paris", "MANUAL"),
        ("IN_TRANSIT", T0 - H, "Lyon hub", "MANUAL")]
    assert timeline[1][4] == "MANUAL:a" and timeline[0][4].startswith("auto:")


async def test_by_tracking_number_and_after_receipt(delivered):
    d = delivered
    ret = await approved(d)
    got = await tracking.record_scan(tracking_number=ret.tracking_number, status="IN_TRANSIT",
                                     occurred_at=T0 - H)
    assert got.status == "IN_TRANSIT"
    await receiving.receive_return(ret.id, location="WH1", lines=[
        ReceivedEntry(d.line_id("SKU-A"), 2, "RESALABLE")])
    mark = await head()
    late = await tracking.apply_scan(return_id=ret.id, status="DELIVERED", occurred_at=T0)
    assert (late.applied, late.moved, late.ret.status) == (True, False, "RECEIVED")
    assert await return_events(mark) == []
    assert [t[0] for t in await _timeline(ret.id)] == ["IN_TRANSIT", "DELIVERED"]


async def test_scan_refusals_change_nothing(delivered):
    requested = await request(delivered, ("SKU-B", 1))
    await refused_with(ErrorCode.INVALID_TRANSITION, ["returnId"],
                       tracking.record_scan(return_id=requested.id, status="IN_TRANSIT"))
    await refused_with(ErrorCode.NOT_FOUND, ["trackingNumber"],
                       tracking.record_scan(tracking_number="CP000000999NL",
                                            status="IN_TRANSIT"))
    await refused_with(ErrorCode.NOT_FOUND, ["id"],
                       tracking.record_scan(return_id=999, status="IN_TRANSIT"))
    await refused_with(ErrorCode.INVALID, ["status"],
                       tracking.record_scan(return_id=requested.id, status="LOST"))
    await refused_with(ErrorCode.INVALID, ["occurredAt"], tracking.record_scan(
        return_id=requested.id, status="IN_TRANSIT", occurred_at=T0 + 11 * timedelta(minutes=1)))
    await refused_with(ErrorCode.INVALID, ["returnId"], tracking.record_scan(status="IN_TRANSIT"))
    await service.cancel_return(requested.id)
    ret = await approved(delivered)
    await service.cancel_return(ret.id)
    await refused_with(ErrorCode.INVALID_TRANSITION, ["returnId"],
                       tracking.record_scan(return_id=ret.id, status="IN_TRANSIT"))


# ---- the carriers' webhook falls through to returns

@pytest.fixture
async def hook(delivered):
    app = Starlette(routes=fulfillment_http.routes(Settings(
        jwt_secret="tracking-tests-secret-0123456789abcdef",
        carrier_webhook_secrets={"oms-post": WHSEC})))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://oms.test") as client:
        yield client


async def _post(client, body: dict, message_id: str) -> httpx.Response:
    raw = json.dumps(body).encode()
    return await client.post("/webhooks/carriers/oms-post", content=raw, headers={
        **signing.sign(WHSEC, message_id, raw), "content-type": "application/json"})


async def test_the_webhook_reaches_a_return_parcel(delivered, hook):
    ret = await approved(delivered)
    body = {"eventId": "evt-1", "trackingNumber": ret.tracking_number, "status": "IN_TRANSIT",
            "location": "Paris", "occurredAt": (T0 - H).isoformat(),
            "estimatedDelivery": (T0 + 30 * H).isoformat()}
    r = await _post(hook, body, "m-1")
    assert (r.status_code, r.json()) == (200, {"returnId": ids.encode("Return", ret.id),
                                               "status": "IN_TRANSIT", "applied": True})
    r = await _post(hook, body, "m-2")
    assert (r.status_code, r.json()["applied"]) == (200, False)
    assert await _timeline(ret.id) == [("IN_TRANSIT", T0 - H, "Paris", "oms-post",
                                        "oms-post:evt-1")]
    assert (await Return.get(id=ret.id)).estimated_delivery == T0 + 30 * H
    # A number nobody has is still 404, as before.
    r = await _post(hook, {**body, "trackingNumber": "CP000000999NL"}, "m-3")
    assert (r.status_code, r.json()["code"]) == (404, "NOT_FOUND")
