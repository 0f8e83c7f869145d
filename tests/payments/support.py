"""Driving an order through payment, shipping and reconciliation in tests,
and reading back what the gateway's book and our records say."""
from __future__ import annotations

import dataclasses
from decimal import Decimal

from oms.events import consumers
from oms.fulfillment import service as fulfillment
from oms.orders.models import Order
from oms.payments import consumer as payments_consumer, gateways
from oms.payments import service as payments
from oms.payments.models import Payment, PaymentTransaction, ReceivableEntry
from oms.payments.receivables import figures

from tests import factories

D = Decimal


def paid_cmd(lines, token: str = "tok_approve", *, gateway: str = "test", **kw):
    cmd = factories.place_cmd(lines, **kw)
    return dataclasses.replace(cmd, payment={"gateway": gateway, "token": token})


async def place_paid(lines, token: str = "tok_approve", **kw) -> payments.Authorised:
    return await payments.place_and_authorize(paid_cmd(lines, token, **kw), actor="test")


async def book():
    """The test gateway's payments: (status, authorized, captured, refunded)."""
    gateway = gateways.get_gateway("test")
    return [(p.status.value, p.authorized, p.captured, p.refunded)
            for p in await gateway.payments()]


async def drain() -> int:
    return await consumers.drain([payments_consumer.consumer()])


async def ship_all(order_id: int, *, deliver: bool = False) -> None:
    for s in await factories.shipments_of(order_id):
        await ship(s.id, deliver=deliver)


async def ship(shipment_id: int, *, deliver: bool = False) -> None:
    for step in (fulfillment.pick, fulfillment.pack, fulfillment.ship):
        await step(shipment_id)
    if deliver:
        await fulfillment.record_tracking(shipment_id=shipment_id, status="DELIVERED")


async def deliver(shipment_id: int) -> None:
    await fulfillment.record_tracking(shipment_id=shipment_id, status="DELIVERED")


async def order(order_id: int) -> Order:
    return await Order.get(id=order_id)


async def payment_row(order_id: int) -> tuple:
    p = await Payment.get(order_id=order_id)
    return (p.gateway, p.status, p.amount, p.authorized, p.captured, p.refunded)


async def transactions(order_id: int) -> list[tuple]:
    return list(await PaymentTransaction.filter(payment__order_id=order_id).order_by(
        "id").values_list("kind", "amount", "status", "idempotency_key"))


async def entries(order_id: int) -> list[tuple]:
    return list(await ReceivableEntry.filter(order_id=order_id).order_by("id").values_list(
        "kind", "number", "amount"))


async def ar(order_id: int) -> tuple:
    f = await figures(order_id)
    return (f.invoiced, f.paid, f.refunded, f.credited, f.outstanding, f.balanced)


async def state() -> tuple:
    """What a refused call must leave as it was: orders, payments, their
    transactions, the receivables, stock and the gateway's book."""
    from oms.inventory.models import StockLevel

    return (list(await Order.all().order_by("id").values_list("status", "payment_status",
                                                             "version")),
            list(await Payment.all().order_by("id").values_list(
                "status", "authorized", "captured", "refunded", "version")),
            list(await PaymentTransaction.all().order_by("id").values_list(
                "kind", "amount", "status", "idempotency_key")),
            list(await ReceivableEntry.all().order_by("id").values_list("kind", "amount")),
            sorted(await StockLevel.all().values_list("product_id", "location_id", "on_hand",
                                                      "reserved")),
            await book())
