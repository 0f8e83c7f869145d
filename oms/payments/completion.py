"""Reconciliation closes an order: it becomes COMPLETED when everything is
delivered, its payment is captured in full and its receivables balance.
Checked after each capture and on each delivery (oms.payments.consumer)."""
from __future__ import annotations

from decimal import Decimal

from oms.orders import service as orders
from oms.orders.lifecycle import ORDER_TRANSITIONS, OrderAction, OrderStatus
from oms.orders.models import Order

from . import receivables
from .queries import payment_of

RECONCILIATION_ACTOR = "system:reconciliation"


def is_settled(*, order_total: Decimal, payment_status: str, captured: Decimal | None,
               balanced: bool) -> bool:
    """Captured in full and balanced. `captured` is None for an order with no
    payment of ours: then only money reported as captured elsewhere counts."""
    if not balanced:
        return False
    if captured is None:
        return payment_status == "CAPTURED"
    return captured == order_total


async def complete_if_done(order_id: int) -> bool:
    """Move a DELIVERED order to COMPLETED if it is settled; whether it did."""
    order = await Order.get_or_none(id=order_id)
    if order is None or not ORDER_TRANSITIONS.allows(OrderStatus(order.status),
                                                     OrderAction.COMPLETE):
        return False
    payment = await payment_of(order_id)
    figures = await receivables.figures(order_id)
    if not is_settled(order_total=Decimal(str(order.total)), payment_status=order.payment_status,
                      captured=Decimal(str(payment.captured)) if payment else None,
                      balanced=figures.balanced):
        return False
    await orders.complete_order(order_id, actor=RECONCILIATION_ACTOR,
                                message="delivered, captured and balanced")
    return True
