"""The delivery log on a real database: the consumer queues one request per
shipment at a partner location (and none elsewhere), the sender claims,
signs, posts and records every attempt, retries with backoff until
acknowledged or out of attempts, an operator retries by hand, a cancelled
shipment withdraws or cancels its request. The partner is an
httpx.MockTransport; the clock is moved by hand."""
from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from oms.core import ids, signing
from oms.core.errors import ErrorCode
from oms.events.models import EventLog
from oms.events.record import EventRecord
from oms.handoff import consumer, delivery, endpoints, service
from oms.handoff.delivery import SendPolicy
from oms.handoff.events import PARTNER_DELIVERY_UPDATED
from oms.handoff.models import PartnerDelivery, PartnerDeliveryAttempt
from oms.orders import service as orders
from oms.orders.models import OrderLine

from tests.assertions import refused

from .shop import SECRET, URL, Clock, Partner, confirmed, drain

pytestmark = pytest.mark.usefixtures("partner_shop")

EXACT = SendPolicy(jitter=None)


async def _deliveries() -> list[tuple]:
    return list(await PartnerDelivery.all().order_by("id").values_list(
        "shipment_id", "kind", "status", "attempts", "last_status_code", "last_error"))


async def _log(delivery_id: int) -> list[tuple]:
    return list(await PartnerDeliveryAttempt.filter(delivery_id=delivery_id).order_by("id")
                .values_list("attempt", "status_code", "error", "actor"))


async def _queued() -> tuple[int, int, PartnerDelivery]:
    """An order with one shipment at 3PL1 whose request is queued."""
    order_id, (shipment,) = await confirmed([("SKU-A", 2)])
    assert await drain() >= 1
    return order_id, shipment.id, await PartnerDelivery.get(shipment_id=shipment.id)


# ---- queueing

async def test_a_shipment_at_a_partner_location_queues_one_request():
    order_id, (s3pl, swh, ssup) = await confirmed([("SKU-A", 2), ("SKU-B", 1), ("SKU-C", 1)])
    assert await drain() == 3
    (d,) = await PartnerDelivery.all()
    assert (d.shipment_id, d.kind, d.status, d.attempts) == (s3pl.id, "FULFILLMENT_REQUEST",
                                                             "PENDING", 0)
    created = [e for e in await EventLog.filter(type="ShipmentUpdated").order_by("id")
               if e.payload["shipment_id"] == s3pl.id]
    assert d.event_id == created[0].id
    assert d.next_attempt_at == d.created_at
    line = await OrderLine.get(order_id=order_id, sku="SKU-A")
    payload = dict(d.payload)
    assert payload.pop("messageId").startswith("msg_")
    assert payload == {
        "version": 1, "kind": "FULFILLMENT_REQUEST",
        "shipmentId": ids.encode("Shipment", s3pl.id), "location": "3PL1",
        "orderNumber": f"WEB-{order_id:06d}", "channel": "WEB",
        "lines": [{"orderLineId": ids.encode("OrderLine", line.id), "sku": "SKU-A",
                   "name": "Name of SKU-A", "quantity": 2}],
        "shipTo": {"name": "Ann Lee", "line1": "1 Rue de Rivoli", "line2": None,
                   "city": "Paris", "region": None, "postalCode": "75001", "country": "FR",
                   "phone": None},
        "customerName": "Ann Lee", "shippingMethod": None, "shipBy": None,
        "promisedDelivery": None}
    # The address is on the delivery row only, never in the event log.
    for e in await EventLog.all():
        assert "Rivoli" not in json.dumps(e.payload)


async def test_seeing_the_same_event_twice_queues_one_request():
    order_id, (shipment,) = await confirmed([("SKU-A", 1)])
    (created,) = [e for e in await EventLog.filter(type="ShipmentUpdated")]
    record = EventRecord.from_row(created)
    await consumer.handle(record)
    await consumer.handle(record)
    await drain()
    assert await _deliveries() == [(shipment.id, "FULFILLMENT_REQUEST", "PENDING", 0, None, None)]


async def test_no_request_without_an_endpoint():
    await confirmed([("SKU-B", 1), ("SKU-C", 1)])  # a warehouse, a supplier without one
    await drain()
    assert await _deliveries() == []
    await endpoints.set_endpoint(location="3PL1", url=None)
    await confirmed([("SKU-A", 1)], email="bo@example.com")
    await drain()
    assert await _deliveries() == []


# ---- sending

async def test_a_2xx_acknowledges_it():
    _, shipment_id, d = await _queued()
    partner, clock = Partner(), Clock()
    async with partner.client() as client:
        assert await delivery.send_due(client=client, policy=EXACT, clock=clock) == [d.id]
    (request,) = partner.received
    assert request.method == "POST" and str(request.url) == URL
    assert request.headers["content-type"] == "application/json"
    assert signing.verify(SECRET, request.headers, request.content) == d.payload["messageId"]
    assert json.loads(request.content) == d.payload
    await d.refresh_from_db()
    assert (d.status, d.attempts, d.last_status_code, d.last_error, d.acknowledged_at,
            d.next_attempt_at, d.last_attempt_at) == ("ACKNOWLEDGED", 1, 200, None, clock.at,
                                                      None, clock.at)
    assert await _log(d.id) == [(1, 200, None, "system:handoff")]
    async with partner.client() as client:
        assert await delivery.send_due(client=client, policy=EXACT, clock=clock) == []
    assert len(partner.received) == 1
    statuses = [e.payload["status"] for e in
                await EventLog.filter(type=PARTNER_DELIVERY_UPDATED).order_by("id")]
    assert statuses == ["PENDING", "SENDING", "ACKNOWLEDGED"]


async def test_a_500_is_retried_after_the_backoff_with_the_same_message():
    _, _, d = await _queued()
    partner, clock = Partner(answers=[500, 500, 200]), Clock()
    start = clock.at
    async with partner.client() as client:
        assert await delivery.send_due(client=client, policy=EXACT, clock=clock) == [d.id]
        await d.refresh_from_db()
        assert (d.status, d.attempts, d.last_status_code, d.last_error, d.next_attempt_at) == (
            "RETRYING", 1, 500, "HTTP 500: boom", start + timedelta(seconds=5))
        clock.advance(4.999)
        assert await delivery.send_due(client=client, policy=EXACT, clock=clock) == []
        clock.advance(0.001)
        assert await delivery.send_due(client=client, policy=EXACT, clock=clock) == [d.id]
        await d.refresh_from_db()
        assert (d.status, d.attempts, d.next_attempt_at) == (
            "RETRYING", 2, start + timedelta(seconds=15))
        clock.advance(10)
        assert await delivery.send_due(client=client, policy=EXACT, clock=clock) == [d.id]
    await d.refresh_from_db()
    assert (d.status, d.attempts, d.last_status_code, d.last_error) == (
        "ACKNOWLEDGED", 3, 200, None)
    assert await _log(d.id) == [(1, 500, "HTTP 500: boom", "system:handoff"),
                                (2, 500, "HTTP 500: boom", "system:handoff"),
                                (3, 200, None, "system:handoff")]
    ids_sent = {r.headers[signing.ID_HEADER] for r in partner.received}
    assert ids_sent == {d.payload["messageId"]}
    assert len({r.content for r in partner.received}) == 1


@pytest.mark.parametrize("answer,error", [
    (httpx.ReadTimeout, "no answer within 10 s"),
    (httpx.ConnectError, "ConnectError: partner trouble"),
    (302, "HTTP 302: boom"),
    (404, "HTTP 404: boom"),
])
async def test_no_answer_or_a_refusal_is_retried(answer, error):
    _, _, d = await _queued()
    partner, clock = Partner(answers=[answer]), Clock()
    async with partner.client() as client:
        await delivery.send_due(client=client, policy=EXACT, clock=clock)
    await d.refresh_from_db()
    code = answer if isinstance(answer, int) else None
    assert (d.status, d.attempts, d.last_status_code, d.last_error) == ("RETRYING", 1, code,
                                                                        error)
    assert await _log(d.id) == [(1, code, error, "system:handoff")]


async def test_out_of_attempts_it_fails_and_an_operator_retries_it():
    _, _, d = await _queued()
    partner, clock = Partner(default=503), Clock()
    policy = SendPolicy(jitter=None, max_attempts=3)
    async with partner.client() as client:
        for delay in (5, 10, 20):
            assert await delivery.send_due(client=client, policy=policy, clock=clock) == [d.id]
            clock.advance(delay)
        await d.refresh_from_db()
        assert (d.status, d.attempts, d.next_attempt_at) == ("FAILED", 3, None)
        clock.advance(3600 * 24)
        assert await delivery.send_due(client=client, policy=policy, clock=clock) == []
        retried = await service.retry(d.id, actor="staff:sam", at=clock.at)
        assert (retried.status, retried.next_attempt_at) == ("RETRYING", clock.at)
        # One more attempt: it fails again straight away.
        assert await delivery.send_due(client=client, policy=policy, clock=clock) == [d.id]
        await d.refresh_from_db()
        assert (d.status, d.attempts) == ("FAILED", 4)
        await service.retry(d.id, actor="staff:sam", at=clock.at)
        partner.default = 204
        assert await delivery.send_due(client=client, policy=policy, clock=clock) == [d.id]
    await d.refresh_from_db()
    assert (d.status, d.attempts, d.last_status_code) == ("ACKNOWLEDGED", 5, 204)
    assert [row[:2] for row in await _log(d.id)] == [(1, 503), (2, 503), (3, 503), (4, 503),
                                                     (5, 204)]
    retries = [e.payload for e in await EventLog.filter(type=PARTNER_DELIVERY_UPDATED)
               if e.payload["actor"] == "staff:sam"]
    assert [(p["status"], p["attempts"]) for p in retries] == [("RETRYING", 3), ("RETRYING", 4)]


async def test_a_manual_retry_is_refused_unless_retrying_or_failed():
    _, _, d = await _queued()

    async def state():
        return await _deliveries()

    await refused(ErrorCode.INVALID_TRANSITION, None, service.retry(d.id), state=state)
    await refused(ErrorCode.NOT_FOUND, ["id"], service.retry(d.id + 100), state=state)
    await refused(ErrorCode.NOT_FOUND, ["id"], service.retry(0), state=state)
    async with Partner().client() as client:
        await delivery.send_due(client=client, policy=EXACT, clock=Clock())
    exc = await refused(ErrorCode.INVALID_TRANSITION, None, service.retry(d.id), state=state)
    assert exc.message == "cannot retry a partner delivery that is ACKNOWLEDGED"


async def test_a_retrying_delivery_retried_by_hand_is_due_at_once():
    _, _, d = await _queued()
    partner, clock = Partner(answers=[500]), Clock()
    async with partner.client() as client:
        await delivery.send_due(client=client, policy=EXACT, clock=clock)
        assert await delivery.send_due(client=client, policy=EXACT, clock=clock) == []
        await service.retry(d.id, actor="admin:ann", at=clock.at)
        assert await delivery.send_due(client=client, policy=EXACT, clock=clock) == [d.id]
    await d.refresh_from_db()
    assert (d.status, d.attempts) == ("ACKNOWLEDGED", 2)


async def test_an_endpoint_removed_meanwhile_is_a_failed_attempt():
    _, _, d = await _queued()
    await endpoints.set_endpoint(location="3PL1", url=None)
    partner = Partner()
    async with partner.client() as client:
        await delivery.send_due(client=client, policy=EXACT, clock=Clock())
    assert partner.received == []
    await d.refresh_from_db()
    assert (d.status, d.last_error) == ("RETRYING",
                                        "the location has no endpoint or secret any more")


async def test_a_claim_is_taken_once_and_its_lease_runs_out():
    _, _, d = await _queued()
    clock = Clock()
    lease = timedelta(seconds=60)
    first = await service.claim(d.id, at=clock.at, lease=lease)
    assert (first.status, first.attempts, first.next_attempt_at) == (
        "SENDING", 1, clock.at + lease)
    assert await service.claim(d.id, at=clock.at, lease=lease) is None
    # The sender died: when its lease is over another process takes it.
    clock.advance(60)
    second = await service.claim(d.id, at=clock.at, lease=lease)
    assert (second.status, second.attempts) == ("SENDING", 2)
    # The first sender's late outcome is logged but moves nothing.
    late = await service.record_outcome(d.id, 1, status_code=200, error=None, duration_ms=3,
                                        at=clock.at)
    assert (late.status, late.attempts) == ("SENDING", 2)
    done = await service.record_outcome(d.id, 2, status_code=200, error=None, duration_ms=3,
                                        at=clock.at)
    assert done.status == "ACKNOWLEDGED"
    assert [row[:2] for row in await _log(d.id)] == [(1, 200), (2, 200)]


# ---- cancelled shipments

async def test_a_request_never_sent_is_withdrawn_and_nothing_is_told():
    order_id, shipment_id, d = await _queued()
    await orders.cancel_order(order_id, reason="changed my mind")
    await drain()
    assert await _deliveries() == [(shipment_id, "FULFILLMENT_REQUEST", "CANCELLED", 0, None,
                                    None)]
    partner = Partner()
    async with partner.client() as client:
        assert await delivery.send_due(client=client, policy=EXACT, clock=Clock()) == []
    assert partner.received == []


async def test_a_shipment_cancelled_before_the_consumer_ran_gets_nothing():
    order_id, (shipment,) = await confirmed([("SKU-A", 1)])
    await orders.cancel_order(order_id)
    await drain()
    assert await _deliveries() == []


async def test_a_sent_request_is_followed_by_a_cancellation():
    order_id, shipment_id, d = await _queued()
    partner, clock = Partner(), Clock()
    async with partner.client() as client:
        await delivery.send_due(client=client, policy=EXACT, clock=clock)
        await orders.cancel_order(order_id, reason="changed my mind")
        await drain()
        await drain()  # seen again: still one cancellation
        clock.advance(1)
        sent = await delivery.send_due(client=client, policy=EXACT, clock=clock)
    assert await _deliveries() == [
        (shipment_id, "FULFILLMENT_REQUEST", "ACKNOWLEDGED", 1, 200, None),
        (shipment_id, "CANCELLATION", "ACKNOWLEDGED", 1, 200, None)]
    cancellation = await PartnerDelivery.get(kind="CANCELLATION")
    assert sent == [cancellation.id]
    body = json.loads(partner.received[1].content)
    # The order's reason stays with the order; a shipment's own (a rejection) would go.
    assert (body["kind"], body["shipmentId"], body["reason"]) == (
        "CANCELLATION", ids.encode("Shipment", shipment_id), None)
    assert body["messageId"] != d.payload["messageId"]


async def test_a_request_still_retrying_stops_and_is_cancelled():
    order_id, shipment_id, d = await _queued()
    partner, clock = Partner(answers=[500]), Clock()
    async with partner.client() as client:
        await delivery.send_due(client=client, policy=EXACT, clock=clock)
        await orders.cancel_order(order_id)
        await drain()
        clock.advance(3600)
        await delivery.send_due(client=client, policy=EXACT, clock=clock)
    assert await _deliveries() == [
        (shipment_id, "FULFILLMENT_REQUEST", "CANCELLED", 1, 500, "HTTP 500: boom"),
        (shipment_id, "CANCELLATION", "ACKNOWLEDGED", 1, 200, None)]
    assert [json.loads(r.content)["kind"] for r in partner.received] == [
        "FULFILLMENT_REQUEST", "CANCELLATION"]


async def test_a_request_on_the_wire_when_cancelled_is_not_sent_again():
    order_id, shipment_id, d = await _queued()
    clock = Clock()
    claimed = await service.claim(d.id, at=clock.at, lease=timedelta(seconds=60))
    await orders.cancel_order(order_id)
    await drain()
    # The partner did not answer the attempt in flight: no retry follows.
    await service.record_outcome(d.id, claimed.attempts, status_code=None, error="timeout",
                                 duration_ms=10_000, at=clock.at)
    assert await _deliveries() == [
        (shipment_id, "FULFILLMENT_REQUEST", "CANCELLED", 1, None, "timeout"),
        (shipment_id, "CANCELLATION", "PENDING", 0, None, None)]
