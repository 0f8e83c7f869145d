"""customerExport: everything the shop holds about one customer, as JSON
(the right of access): the profile and consent, tags and addresses, the
stored figures, every order with its lines, address, amounts and statuses,
its shipments with tracking, its payments with their transactions, the
messages sent about it, its returns, and every event of the customer's
timeline.

A fixed number of queries whatever the number of orders (one per table).
Ids are the API's opaque ids; money is a string with two decimals; times
are ISO 8601. A payment's card token is not exported: it is a credential
for the payment gateway, not information about the person."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from oms.catalog import queries as catalog_queries
from oms.core import ids
from oms.core.clock import now
from oms.core.errors import NotFound
from oms.events import queries as event_queries
from oms.events.record import EventRecord
from oms.fulfillment import queries as fulfillment_queries
from oms.notifications import queries as notification_queries
from oms.orders import queries as order_queries
from oms.orders.numbers import format_number
from oms.payments import queries as payment_queries
from oms.returns import queries as return_queries

from .models import Customer
from .service import base_currency
from .timeline import entry

if TYPE_CHECKING:  # the rows each domain's queries return, read here as they are
    from oms.events.models import EventLog
    from oms.fulfillment.models import Shipment
    from oms.notifications.models import Notification
    from oms.orders.models import Order
    from oms.payments.models import Payment
    from oms.returns.models import Return

FORMAT_VERSION = 1


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value: Any) -> str | None:
    return None if value is None else str(Decimal(str(value)).quantize(Decimal("0.01")))


def _keyed(keys: list[int], groups: list[list]) -> dict[int, list]:
    """A batch read's groups (aligned with `keys`) by key."""
    return dict(zip(keys, groups))


async def export_customer(customer_id: int) -> dict[str, Any]:
    customer = await Customer.get_or_none(id=customer_id) if customer_id else None
    if customer is None:
        raise NotFound("customer not found", field="id")
    orders = await order_queries.orders_of_customer(customer.id)
    order_ids = [o.id for o in orders]
    channels = await catalog_queries.channel_codes({o.channel_id for o in orders})
    lines = _keyed(order_ids, await order_queries.lines_of_orders(order_ids))
    by_order_shipments = _keyed(order_ids,
                                await fulfillment_queries.shipments_of_orders(order_ids))
    shipment_ids = [s.id for group in by_order_shipments.values() for s in group]
    shipment_lines = _keyed(shipment_ids,
                            await fulfillment_queries.lines_of_shipments(shipment_ids))
    tracking = _keyed(shipment_ids, await fulfillment_queries.tracking_of_shipments(shipment_ids))
    by_order_payments = _keyed(order_ids, await payment_queries.payments_of_orders(order_ids))
    payment_ids = [p.id for group in by_order_payments.values() for p in group]
    transactions = _keyed(payment_ids,
                          await payment_queries.transactions_of_payments(payment_ids))
    notifications = _keyed(order_ids,
                           await notification_queries.notifications_of_orders(order_ids))
    by_order_returns = _keyed(order_ids, await return_queries.returns_of_orders_by_id(order_ids))
    return_ids = [r.id for group in by_order_returns.values() for r in group]
    return_lines = _keyed(return_ids, await return_queries.lines_of_returns(return_ids))
    events = await event_queries.rows_of_customer(customer.id)
    currency = base_currency()
    return {
        "formatVersion": FORMAT_VERSION,
        "exportedAt": _time(now()),
        "customer": {
            "id": ids.encode("Customer", customer.id), "email": customer.email,
            "name": customer.name, "phone": customer.phone, "country": customer.country,
            "addresses": customer.addresses or [], "tags": customer.tags or [],
            "marketingConsent": customer.marketing_consent,
            "consentUpdatedAt": _time(customer.consent_updated_at),
            "consentSource": customer.consent_source,
            "createdAt": _time(customer.created_at), "updatedAt": _time(customer.updated_at),
            "erasedAt": _time(customer.erased_at)},
        "figures": {
            "ordersCount": customer.orders_count,
            "lifetimeValue": {"amount": _money(customer.lifetime_value), "currency": currency},
            "averageOrderValue": None if customer.average_order_value is None else {
                "amount": _money(customer.average_order_value), "currency": currency},
            "firstOrderAt": _time(customer.first_order_at),
            "lastOrderAt": _time(customer.last_order_at)},
        "orders": [_order(o, channels.get(o.channel_id), lines[o.id],
                          [_shipment(s, shipment_lines[s.id], tracking[s.id])
                           for s in by_order_shipments[o.id]],
                          [_payment(p, transactions[p.id]) for p in by_order_payments[o.id]],
                          [_notification(n) for n in notifications[o.id]],
                          [_return(r, return_lines[r.id]) for r in by_order_returns[o.id]])
                   for o in orders],
        "timeline": [_event(r) for r in events],
    }


def _order(o: Order, channel: str | None, lines: list, shipments: list, payments: list,
           notifications: list, returns: list) -> dict[str, Any]:
    return {
        "id": ids.encode("Order", o.id),
        "number": format_number(channel, o.id) if channel else None,
        "channel": channel, "source": o.source, "status": o.status,
        "paymentStatus": o.payment_status, "currency": o.currency,
        "subtotal": _money(o.subtotal), "shippingTotal": _money(o.shipping_total),
        "taxTotal": _money(o.tax_total), "total": _money(o.total),
        "shippingAddress": o.shipping_address, "shippingMethod": o.shipping_method,
        "deliveryEarliest": _time(o.delivery_earliest),
        "deliveryLatest": _time(o.delivery_latest), "instructions": o.instructions,
        "externalReference": o.external_reference,
        "placedAt": _time(o.placed_at), "updatedAt": _time(o.updated_at),
        "lines": [{"id": ids.encode("OrderLine", ln.id), "sku": ln.sku,
                   "quantity": ln.quantity, "unitPrice": _money(ln.unit_price),
                   "total": _money(ln.total), "quantityShipped": ln.quantity_shipped,
                   "quantityReturned": ln.quantity_returned} for ln in lines],
        "shipments": shipments, "payments": payments, "notifications": notifications,
        "returns": returns,
    }


def _shipment(s: Shipment, lines: list, tracking: list) -> dict[str, Any]:
    return {
        "id": ids.encode("Shipment", s.id), "status": s.status, "carrier": s.carrier,
        "service": s.service, "trackingNumber": s.tracking_number,
        "estimatedDelivery": _time(s.estimated_delivery), "shippedAt": _time(s.shipped_at),
        "deliveredAt": _time(s.delivered_at),
        "lines": [{"orderLineId": ids.encode("OrderLine", sl.order_line_id),
                   "quantity": sl.quantity} for sl in lines],
        "tracking": [{"status": t.status, "description": t.description,
                      "location": t.location, "occurredAt": _time(t.occurred_at)}
                     for t in tracking],
    }


def _payment(p: Payment, transactions: list) -> dict[str, Any]:
    return {
        "id": ids.encode("Payment", p.id), "gateway": p.gateway, "reference": p.reference,
        "status": p.status, "currency": p.currency, "amount": _money(p.amount),
        "authorized": _money(p.authorized), "captured": _money(p.captured),
        "refunded": _money(p.refunded), "createdAt": _time(p.created_at),
        "transactions": [{"kind": t.kind, "amount": _money(t.amount), "status": t.status,
                          "createdAt": _time(t.created_at),
                          "completedAt": _time(t.completed_at)} for t in transactions],
    }


def _return(r: Return, lines: list) -> dict[str, Any]:
    return {
        "id": ids.encode("Return", r.id), "number": r.number, "status": r.status,
        "resolution": r.resolution, "comment": r.comment, "rejectReason": r.reject_reason,
        "carrier": r.carrier, "trackingNumber": r.tracking_number,
        "refundTotal": _money(r.refund_total), "createdAt": _time(r.created_at),
        "lines": [{"orderLineId": ids.encode("OrderLine", ln.order_line_id),
                   "quantity": ln.quantity, "reason": ln.reason} for ln in lines],
    }


def _notification(n: Notification) -> dict[str, Any]:
    return {"kind": n.kind, "channel": n.channel, "recipient": n.recipient,
            "subject": n.subject, "body": n.body, "status": n.status,
            "createdAt": _time(n.created_at), "sentAt": _time(n.sent_at)}


def _event(row: EventLog) -> dict[str, Any]:
    e = entry(EventRecord.from_row(row))
    return {"type": e.type, "at": _time(e.at), "orderNumber": e.order_number,
            "summary": e.summary, "payload": row.payload or {}}
