"""Use cases of the hand-off's delivery log: queue a request or a
cancellation for a shipment at a partner location, claim a due delivery,
record how an attempt went, retry by hand, acknowledge on a partner's word.

Every status change is one conditional UPDATE checked by its row count and
goes through the transition table (oms.handoff.lifecycle); each writes a
PartnerDeliveryUpdated event in the same transaction. Nothing here calls
out: sending (oms.handoff.delivery) claims a delivery in one transaction,
calls the partner with no transaction open, and records the outcome in
another.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from oms.catalog.models import Location
from oms.core.addresses import redacted_address
from oms.core.clock import now
from oms.core.errors import Conflict, NotFound
from oms.core.uow import UnitOfWork, unit_of_work
from oms.fulfillment.lifecycle import ShipmentStatus
from oms.fulfillment.models import Shipment

from . import events, lifecycle, queries, requests
from .endpoints import is_partner
from .lifecycle import DeliveryAction, DeliveryKind, DeliveryStatus
from .models import PartnerDelivery, PartnerDeliveryAttempt

SENDER = "system:handoff"


async def _emit(uow: UnitOfWork, delivery: PartnerDelivery, *, actor: str | None = None) -> None:
    topics = await Shipment.filter(id=delivery.shipment_id).values("order_id", "location__code")
    order_id = topics[0]["order_id"] if topics else None
    location = (topics[0]["location__code"] if topics else
                (await Location.filter(id=delivery.location_id).values_list("code", flat=True))[0])
    uow.record(events.delivery_updated(delivery, order_id=order_id, location=location,
                                       actor=actor))


async def _apply(delivery_id: int, action: DeliveryAction, *, actor: str | None = None,
                 where: dict | None = None, **changes) -> PartnerDelivery | None:
    """Move a delivery by `action` if its status allows it (and `where`
    holds): the delivery afterwards, or None when nothing matched."""
    sources, target = lifecycle.move(action)
    async with unit_of_work() as uow:
        moved = await PartnerDelivery.filter(
            id=delivery_id, status__in=[s.value for s in sources]
        ).filter(**(where or {})).update(status=target.value, **changes)
        if moved != 1:
            return None
        delivery = await PartnerDelivery.get(id=delivery_id)
        await _emit(uow, delivery, actor=actor)
        return delivery


async def get_delivery(delivery_id: int) -> PartnerDelivery:
    delivery = await PartnerDelivery.get_or_none(id=delivery_id) if delivery_id else None
    if delivery is None:
        raise NotFound("partner delivery not found", field="id")
    return delivery


async def _create(kind: DeliveryKind, shipment: Shipment, location: Location, *,
                  event_id: int | None, at: datetime) -> PartnerDelivery:
    facts = await queries.shipment_facts(shipment.id)
    payload = requests.build(kind, facts, requests.new_message_id())
    try:
        async with unit_of_work() as uow:
            delivery = await PartnerDelivery.create(
                location_id=location.id, shipment_id=shipment.id, kind=kind.value,
                event_id=event_id, payload=payload, status=DeliveryStatus.PENDING.value,
                attempts=0, next_attempt_at=at, created_at=at)
            await _emit(uow, delivery)
            return delivery
    except IntegrityError:
        # Another process (or an earlier turn over the same event) made it.
        return await PartnerDelivery.get(shipment_id=shipment.id, kind=kind.value)


async def request_fulfilment(shipment_id: int, *, event_id: int | None = None,
                             at: datetime | None = None) -> PartnerDelivery | None:
    """A new shipment at a partner location: queue its fulfilment request,
    once. None when the shipment is not handed off (no endpoint, a
    warehouse) or was cancelled before we got to it."""
    shipment = await Shipment.get_or_none(id=shipment_id)
    if shipment is None or shipment.status == ShipmentStatus.CANCELLED.value:
        return None
    location = await Location.get(id=shipment.location_id)
    if not is_partner(location):
        return None
    existing = await PartnerDelivery.get_or_none(shipment_id=shipment_id,
                                                 kind=DeliveryKind.FULFILLMENT_REQUEST.value)
    if existing is not None:
        return existing
    return await _create(DeliveryKind.FULFILLMENT_REQUEST, shipment, location,
                         event_id=event_id, at=at or now())


async def request_cancellation(shipment_id: int, *, event_id: int | None = None,
                               at: datetime | None = None) -> PartnerDelivery | None:
    """A handed-off shipment was cancelled: its request is not sent again. A
    request never tried is simply withdrawn; one that may have reached the
    partner (tried, on the wire, or acknowledged) is followed by a
    CANCELLATION, once, unless the partner rejected the shipment itself.
    The cancellation is the delivery returned, else None."""
    at = at or now()
    request = await PartnerDelivery.get_or_none(shipment_id=shipment_id,
                                                kind=DeliveryKind.FULFILLMENT_REQUEST.value)
    if request is None:
        return None
    # Claiming moves a request out of PENDING, so a PENDING one was never sent.
    if await _apply(request.id, DeliveryAction.WITHDRAW,
                    where={"status": DeliveryStatus.PENDING.value}, next_attempt_at=None):
        return None
    await request.refresh_from_db()
    if request.status == DeliveryStatus.CANCELLED.value and request.attempts == 0:
        return None  # withdrawn unsent on an earlier turn
    # One on the wire is withdrawn by its sender (record_outcome).
    await _apply(request.id, DeliveryAction.WITHDRAW,
                 where={"status__in": [DeliveryStatus.RETRYING.value,
                                       DeliveryStatus.FAILED.value]},
                 next_attempt_at=None)
    shipment = await Shipment.get(id=shipment_id)
    if shipment.rejected_at is not None:
        return None  # the partner refused it: it knows
    cancellation = await PartnerDelivery.get_or_none(shipment_id=shipment_id,
                                                     kind=DeliveryKind.CANCELLATION.value)
    if cancellation is None:
        location = await Location.get(id=request.location_id)
        cancellation = await _create(DeliveryKind.CANCELLATION, shipment, location,
                                     event_id=event_id, at=at)
    return cancellation


async def claim(delivery_id: int, *, at: datetime, lease: timedelta) -> PartnerDelivery | None:
    """Take a due delivery for one attempt: one UPDATE that counts the
    attempt and pushes next_attempt_at past the send as a lease, so no other
    process claims it meanwhile (the row count says who won). None if it was
    not due or someone else took it."""
    return await _apply(delivery_id, DeliveryAction.CLAIM, where={"next_attempt_at__lte": at},
                        attempts=F("attempts") + 1, next_attempt_at=at + lease,
                        last_attempt_at=at)


async def record_outcome(delivery_id: int, attempt: int, *, status_code: int | None,
                         error: str | None, duration_ms: int, at: datetime,
                         max_attempts: int = lifecycle.MAX_ATTEMPTS,
                         delay: Callable[[int], timedelta] = lifecycle.retry_delay,
                         actor: str = SENDER) -> PartnerDelivery:
    """Log attempt number `attempt` and move the delivery on: acknowledged
    on a 2xx, else retried after `delay(attempt)` or, out of attempts,
    FAILED. A delivery that moved on meanwhile (a partner's message
    acknowledged it, the lease ran out and another process took it) only
    gets the log row."""
    async with unit_of_work() as uow:
        await PartnerDeliveryAttempt.create(delivery_id=delivery_id, attempt=attempt, at=at,
                                            status_code=status_code, error=error,
                                            duration_ms=duration_ms, actor=actor)
        # Locked until commit: the consumer's WITHDRAW of a cancelled
        # shipment's request waits for us and then sees where we left it; or
        # it ran before, and then we see the shipment cancelled.
        delivery = await PartnerDelivery.filter(id=delivery_id).select_for_update().get()
        if delivery.status != DeliveryStatus.SENDING.value or delivery.attempts != attempt:
            return delivery
        changes: dict = {"last_status_code": status_code, "last_error": error}
        if status_code is not None and 200 <= status_code < 300:
            action = DeliveryAction.ACKNOWLEDGE
            changes.update(acknowledged_at=at, next_attempt_at=None, last_error=None)
        elif (delivery.kind == DeliveryKind.FULFILLMENT_REQUEST.value
              and await Shipment.filter(id=delivery.shipment_id,
                                        status=ShipmentStatus.CANCELLED.value).exists()):
            action = DeliveryAction.WITHDRAW
            changes.update(next_attempt_at=None)
        else:
            action = lifecycle.after_failure(attempt, max_attempts)
            changes.update(next_attempt_at=(at + delay(attempt)
                                            if action is DeliveryAction.FAIL else None))
        target = lifecycle.next_status(DeliveryStatus.SENDING, action)
        await PartnerDelivery.filter(id=delivery_id).update(status=target.value, **changes)
        await delivery.refresh_from_db()
        await _emit(uow, delivery, actor=actor)
        return delivery


async def retry(delivery_id: int, *, actor: str | None = None,
                at: datetime | None = None) -> PartnerDelivery:
    """An operator sends a RETRYING or FAILED delivery again now (a FAILED
    one gets one more attempt)."""
    delivery = await get_delivery(delivery_id)
    lifecycle.next_status(DeliveryStatus(delivery.status), DeliveryAction.RETRY)
    moved = await _apply(delivery.id, DeliveryAction.RETRY, actor=actor,
                         where={"status": delivery.status}, next_attempt_at=at or now())
    if moved is None:
        raise Conflict("the delivery changed meanwhile; reload and retry", field="id")
    return moved


async def acknowledge_by_partner(shipment_id: int, *, actor: str,
                                 at: datetime | None = None) -> bool:
    """A partner's message about a shipment proves its request arrived: stop
    re-sending it. Joins the caller's unit of work."""
    request = await PartnerDelivery.get_or_none(shipment_id=shipment_id,
                                                kind=DeliveryKind.FULFILLMENT_REQUEST.value)
    if request is None:
        return False
    done = await _apply(request.id, DeliveryAction.ACKNOWLEDGE, actor=actor,
                        acknowledged_at=at or now(), next_attempt_at=None)
    return done is not None


# ---- the right to erasure (oms.customers.privacy calls this) ----------------

# Request body keys that name the customer or hold text people typed.
_PERSONAL_KEYS = ("customerName", "reason")


async def erase_personal_data(order_ids: list[int]) -> None:
    """The requests sent to partners about these orders' shipments: the
    ship-to address is redacted like the order's, the customer's name and
    any reason removed; kind, status and the attempt log stay. Only rows
    that change are written. Runs in the caller's unit of work and commits
    nothing itself."""
    if not order_ids:
        return
    for delivery in await PartnerDelivery.filter(shipment__order_id__in=order_ids):
        body = dict(delivery.payload or {})
        if "shipTo" in body:
            body["shipTo"] = redacted_address(body["shipTo"])
        for key in _PERSONAL_KEYS:
            if body.get(key) is not None:
                body[key] = None
        if body != delivery.payload:
            await PartnerDelivery.filter(id=delivery.id).update(payload=body)
