"""A customer's timeline: what happened to them, newest first, read from
the event log.

Every event about a customer carries its customer_id (order placement and
status changes, payments and shipments take it from the order when they are
written; the customer's own events set it), so a page is ONE indexed query
on event_log (customer_id, id), seeking below the last id seen. The order
number is derived from the event's channel and order id (as
oms.orders.numbers does), so it costs no join either.

Partner hand-off events (PartnerDeliveryUpdated) carry no customer id: they
are the partner's conversation about a shipment, which the shipment's own
ShipmentUpdated events already tell the customer's story of."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oms.core.keyset import InvalidCursor
from oms.events.models import EventLog
from oms.events.record import EventRecord
from oms.orders.numbers import format_number

# event_log ids are BIGINT.
_MAX_EVENT_ID = 2**63 - 1


@dataclass(frozen=True)
class TimelineEntry:
    id: int  # the event's sequence id: the page cursor
    type: str
    at: datetime
    order_id: int | None
    order_number: str | None
    summary: str


def after_id(after: list[Any] | None) -> int | None:
    """The event id of an `after` cursor ([id]); InvalidCursor otherwise."""
    if after is None:
        return None
    if (len(after) != 1 or isinstance(after[0], bool) or not isinstance(after[0], int)
            or not 0 < after[0] <= _MAX_EVENT_ID):
        raise InvalidCursor("invalid cursor")
    return after[0]


async def page(customer_id: int, *, after: list[Any] | None, limit: int) -> list[TimelineEntry]:
    below = after_id(after)
    qs = EventLog.filter(customer_id=customer_id)
    if below is not None:
        qs = qs.filter(id__lt=below)
    rows = await qs.order_by("-id").limit(limit)
    return [entry(EventRecord.from_row(r)) for r in rows]


async def count(customer_id: int) -> int:
    return await EventLog.filter(customer_id=customer_id).count()


def entry(e: EventRecord) -> TimelineEntry:
    number = (format_number(e.channel, e.order_id)
              if e.order_id is not None and e.channel else None)
    return TimelineEntry(id=e.id, type=e.type, at=e.created_at, order_id=e.order_id,
                         order_number=number, summary=summary(e, number))


def summary(e: EventRecord, number: str | None) -> str:
    """One line, from the event's type and its payload's ids and statuses.
    Pure; free text in payloads (reasons, carrier descriptions) is left out."""
    p = e.payload or {}
    ref = number or (str(e.order_id) if e.order_id is not None else None)
    if e.type == "OrderStatusChanged":
        if p.get("from") is None:
            return f"Order {ref} placed: {p.get('to')}"
        return f"Order {ref}: {p.get('from')} -> {p.get('to')}"
    if e.type == "ShipmentUpdated":
        return f"Shipment {p.get('shipment_id')} of order {ref}: {p.get('status')}"
    if e.type == "PaymentUpdated":
        return (f"Payment {str(p.get('kind')).lower()} of {p.get('amount')} on order {ref}: "
                f"{p.get('transaction_status')} (payment {p.get('payment_status')})")
    if e.type == "ReturnUpdated":
        change = f"{p.get('from')} -> {p.get('to')}" if p.get("from") else p.get("to")
        return f"Return {p.get('return_id')} of order {ref}: {change}"
    if e.type == "CustomerUpdated":
        return f"Customer updated: {', '.join(p.get('fields') or [])}"
    if e.type == "CustomerErased":
        return "Customer's personal data erased"
    status = p.get("status") or p.get("to")
    return " ".join(x for x in (e.type, f"on order {ref}" if ref else None,
                                f"({status})" if status else None) if x)
