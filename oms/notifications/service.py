"""Customer notifications: always recorded on the order; sent by email when
SMTP is configured.

A notification is written once per (kind, order, shipment): its dedupe key
is unique, so a replayed event finds the row instead of writing another.
Sending happens after the row is committed and outside any transaction;
the row then says SENT, or FAILED with its attempts and error, and FAILED
ones are retried with a growing delay (`retry_due`). An email may go out
twice if the process dies between the SMTP server's "OK" and marking the
row SENT: at least once, never silently lost.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from enum import Enum

from tortoise.exceptions import IntegrityError

from oms.catalog import service as catalog
from oms.core.clock import now
from oms.core.uow import unit_of_work
from oms.customers.models import Customer
from oms.fulfillment.models import Shipment, ShipmentLine
from oms.orders.models import Order, OrderLine
from oms.orders.numbers import format_number

from . import smtp, templates
from .models import Notification
from .templates import Kind, Line, Message, OrderView, ShipmentView


class Status(str, Enum):
    RECORDED = "RECORDED"  # no SMTP configured: kept on the order only
    PENDING = "PENDING"    # to be sent
    SENT = "SENT"
    FAILED = "FAILED"      # the last attempt failed; retried while attempts last


MAX_ATTEMPTS = 8
RETRY_BASE = timedelta(seconds=30)
# A PENDING row this old lost its sender (the process stopped): send it again.
STALE_PENDING = timedelta(minutes=5)
# What an erased customer's messages say instead of their body (it greets by name).
ERASED_BODY = "[erased]"


def dedupe_key(kind: Kind, order_id: int, shipment_id: int | None) -> str:
    return f"{kind.value}:{order_id}:{shipment_id if shipment_id is not None else '-'}"


def next_attempt_due(created_at, attempts: int):
    """30 s after the first failure, then 90 s, 210 s, ... after creation."""
    return created_at + RETRY_BASE * (2 ** attempts - 1)


async def _order_view(order: Order, customer: Customer) -> OrderView:
    lines = await OrderLine.filter(order_id=order.id).order_by("id")
    return OrderView(
        number=format_number(await catalog.channel_code(order.channel_id), order.id),
        customer_name=customer.name, currency=order.currency,
        lines=tuple(Line(ln.sku, ln.quantity, ln.unit_price, ln.total) for ln in lines),
        subtotal=order.subtotal, shipping_total=order.shipping_total,
        tax_total=order.tax_total, total=order.total)


async def _shipment_view(shipment: Shipment) -> ShipmentView:
    rows = await ShipmentLine.filter(shipment_id=shipment.id).order_by("id").prefetch_related(
        "order_line")
    return ShipmentView(
        lines=tuple(Line(sl.order_line.sku, sl.quantity, sl.order_line.unit_price,
                         sl.order_line.unit_price * sl.quantity) for sl in rows),
        carrier=shipment.carrier, service=shipment.service,
        tracking_number=shipment.tracking_number)


async def _compose(kind: Kind, order: Order, customer: Customer, shipment_id: int | None,
                   paid: Decimal | None) -> Message:
    view = await _order_view(order, customer)
    if kind is Kind.RECEIPT:
        return templates.receipt(view, paid=paid if paid is not None else view.total)
    shipment = await Shipment.get(id=shipment_id)
    if kind is Kind.SHIPPED:
        return templates.shipped(view, await _shipment_view(shipment))
    return templates.delivered(view, await _shipment_view(shipment))


async def notify(kind: Kind, *, order_id: int, shipment_id: int | None = None,
                 paid: Decimal | None = None,
                 config: smtp.SmtpConfig | None = None) -> Notification | None:
    """Record the notification once and, with SMTP configured, send it."""
    key = dedupe_key(kind, order_id, shipment_id)
    row = await Notification.get_or_none(dedupe_key=key)
    if row is None:
        order = await Order.get_or_none(id=order_id)
        if order is None:
            return None
        customer = await Customer.get(id=order.customer_id)
        message = await _compose(kind, order, customer, shipment_id, paid)
        # An erased customer's email is a placeholder: nothing is sent to it.
        recipient = customer.email if customer.erased_at is None else None
        try:
            async with unit_of_work():
                row = await Notification.create(
                    order_id=order_id, kind=kind.value, channel="EMAIL",
                    recipient=recipient, subject=message.subject,
                    body=message.body,
                    status=(Status.PENDING if config else Status.RECORDED).value,
                    attempts=0, dedupe_key=key, created_at=now())
        except IntegrityError:
            row = await Notification.get(dedupe_key=key)  # written by a replay meanwhile
    if config is not None and row.status == Status.PENDING.value:
        await deliver(row, config)
    return row


async def deliver(row: Notification, config: smtp.SmtpConfig) -> None:
    """Send one notification and record how it went (no exception on failure)."""
    if not row.recipient:
        await _mark(row, Status.FAILED, error="the customer has no email address",
                    attempts=MAX_ATTEMPTS)
        return
    try:
        await smtp.send(config, to=row.recipient, subject=row.subject, body=row.body)
    except smtp.SmtpError as exc:
        await _mark(row, Status.FAILED, error=str(exc)[:2000], attempts=row.attempts + 1)
        return
    await _mark(row, Status.SENT, error=None, attempts=row.attempts + 1, sent_at=now())


async def _mark(row: Notification, status: Status, *, error: str | None, attempts: int,
                sent_at=None) -> None:
    changes = dict(status=status.value, error=error, attempts=attempts)
    if sent_at is not None:
        changes["sent_at"] = sent_at
    await Notification.filter(id=row.id, status__in=(Status.PENDING.value,
                                                     Status.FAILED.value)).update(**changes)
    for name, value in changes.items():
        setattr(row, name, value)


async def retry_due(config: smtp.SmtpConfig, *, batch: int = 100) -> int:
    """Send again what failed (once its delay has passed) or was left
    PENDING by a process that stopped; how many were tried."""
    at = now()
    rows = await (Notification.filter(status=Status.FAILED.value, attempts__lt=MAX_ATTEMPTS)
                  .order_by("id").limit(batch))
    stale = await (Notification.filter(status=Status.PENDING.value,
                                       created_at__lte=at - STALE_PENDING)
                   .order_by("id").limit(batch))
    tried = 0
    for row in [*stale, *rows]:
        if row.status == Status.FAILED.value and next_attempt_due(row.created_at,
                                                                  row.attempts) > at:
            continue
        await deliver(row, config)
        tried += 1
    return tried


# ---- the right to erasure (oms.customers.privacy calls this) ----------------

async def erase_for_orders(order_ids: list[int]) -> None:
    """The messages about these orders lose their recipient, their body and
    any sending error (SMTP errors quote the address); kind, subject (the
    order number), status and times stay. Runs in the caller's unit of work
    and commits nothing itself."""
    if order_ids:
        await Notification.filter(order_id__in=order_ids).update(
            recipient=None, body=ERASED_BODY, error=None)
