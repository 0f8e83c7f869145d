"""A RECEIVED return to resolve, built without the returns request/receive
use cases: a real order paid through the `test` gateway, shipped and
delivered through fulfillment (so payments captured it and reconciliation
completed it), then Return + ReturnLine rows written as returnReceive would
leave them (inspected quantities, OrderLine.quantity_returned, resalable
units received back into stock under the return's number)."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from decimal import Decimal

from tortoise.expressions import F

from oms.customers import consumer as customers_consumer
from oms.customers.models import Customer
from oms.events import consumers
from oms.fulfillment import service as fulfillment
from oms.inventory import service as inventory
from oms.orders.models import Order, OrderLine
from oms.payments import consumer as payments_consumer, service as payments
from oms.payments.models import Payment, PaymentTransaction, ReceivableEntry
from oms.returns.lifecycle import ReturnResolution, ReturnShippingPayer, ReturnStatus
from oms.returns.models import Return, ReturnLine
from oms.returns.policy import Policy

from tests import factories

D = Decimal
AT = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
CARD = {"gateway": "test", "token": "tok_approve"}


async def drain() -> int:
    """Payments (captures, completion) and the customers' figures."""
    return await consumers.drain([payments_consumer.consumer(), customers_consumer.consumer()])


async def delivered_order(lines, *, payment: dict | None = CARD, tax: str | None = None,
                          shipping: str | None = None, email: str = "ann@example.com",
                          source: str = "WEB") -> Order:
    """An order placed, paid, shipped and delivered (COMPLETED once captured).
    `tax` / `shipping` are added to the order's total before it is
    authorised (placement itself prices neither)."""
    cmd = factories.place_cmd(lines, email=email, source=source)
    if tax is None and shipping is None:
        cmd = dataclasses.replace(cmd, payment=payment)
        order = (await payments.place_and_authorize(cmd, actor="test")).placement.order
    else:
        order = await _with_tax_and_shipping(cmd, payment, D(tax or "0.00"),
                                             D(shipping or "0.00"))
    await ship_and_deliver(order.id)
    return await Order.get(id=order.id)


async def ship_and_deliver(order_id: int) -> None:
    """Every shipment of the order picked, packed, shipped and delivered; then drain()."""
    for s in await factories.shipments_of(order_id):
        for step in (fulfillment.pick, fulfillment.pack, fulfillment.ship):
            await step(s.id)
        await fulfillment.record_tracking(shipment_id=s.id, status="DELIVERED")
    await drain()


async def _with_tax_and_shipping(cmd, payment, tax: Decimal, shipping: Decimal) -> Order:
    order = (await payments.place_and_authorize(cmd, actor="test")).placement.order
    await Order.filter(id=order.id).update(tax_total=tax, shipping_total=shipping,
                                           total=F("subtotal") + (tax + shipping))
    if payment is not None:
        await payments.authorize_order(order.id, gateway=payment["gateway"],
                                       token=payment.get("token"), actor="test")
    return await Order.get(id=order.id)


async def received_return(order: Order, lines: dict[str, tuple[int, int, int]], *,
                          resolution: ReturnResolution = ReturnResolution.REFUND,
                          policy: Policy | None = None, exchange_skus: dict[str, str] | None = None,
                          location: str = "WH1", restock: bool = True) -> Return:
    """A RECEIVED return of the order's lines by SKU: (resalable, damaged, missing)."""
    n = await Return.filter(order_id=order.id).count() + 1
    policy = policy or Policy()
    fee = policy.return_shipping_fee \
        if policy.return_shipping_payer is ReturnShippingPayer.CUSTOMER else D("0.00")
    ret = await Return.create(
        number=f"RMA-{order.id}-{n}", order_id=order.id, status=ReturnStatus.RECEIVED.value,
        resolution=resolution.value, requested_by="test",
        policy=policy.to_json(), shipping_fee=fee, version=1, created_at=AT, updated_at=AT,
        approved_at=AT, received_at=AT)
    by_sku = {ln.sku: ln for ln in await OrderLine.filter(order_id=order.id)}
    for sku, (resalable, damaged, missing) in lines.items():
        line = by_sku[sku]
        await ReturnLine.create(ret_id=ret.id, order_line_id=line.id,
                                quantity=resalable + damaged + missing, reason="CHANGED_MIND",
                                exchange_sku=(exchange_skus or {}).get(sku),
                                quantity_resalable=resalable, quantity_damaged=damaged,
                                quantity_missing=missing)
        await OrderLine.filter(id=line.id).update(
            quantity_returned=F("quantity_returned") + (resalable + damaged))
        if restock and resalable:
            await inventory.receive(sku=sku, location=location, quantity=resalable,
                                    reference=ret.number)
    return ret


# ---- reading back -----------------------------------------------------------------

async def ret_row(return_id: int) -> tuple:
    r = await Return.get(id=return_id)
    return (r.status, r.refund_total, r.exchange_order_id, r.resolved_at is not None, r.version)


async def money(order_id: int) -> tuple:
    """(order status, paymentStatus, payment captured, refunded)."""
    o = await Order.get(id=order_id)
    p = await Payment.filter(order_id=order_id).first()
    return (o.status, o.payment_status, p and p.captured, p and p.refunded)


async def refunds_of(order_id: int) -> list[tuple]:
    return list(await PaymentTransaction.filter(payment__order_id=order_id, kind="REFUND")
                .order_by("id").values_list("amount", "status", "idempotency_key"))


async def ledger(order_id: int) -> list[tuple]:
    return list(await ReceivableEntry.filter(order_id=order_id).order_by("id").values_list(
        "kind", "amount", "reference"))


async def lifetime_value(email: str = "ann@example.com") -> tuple:
    c = await Customer.get(email=email)
    return (c.orders_count, c.lifetime_value, c.average_order_value)
