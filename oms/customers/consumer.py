"""Keeps each customer's figures current from the event log: an order
placed or cancelled, money captured or refunded, and the customer's
figures are recomputed from their orders (oms.customers.figures), then
their RFM scores, segment and predicted yearly value
(oms.customers.segment_service.rescore).

A recomputation is right whenever it runs, so at-least-once delivery is
harmless: an event handed over twice, or late, writes the same figures."""
from __future__ import annotations

from oms.events.consumers import Consumer
from oms.events.record import EventRecord
from oms.orders.events import ORDER_STATUS_CHANGED
from oms.orders.models import Order
from oms.payments.events import PAYMENT_UPDATED
from oms.returns.events import RETURN_UPDATED
from oms.returns.lifecycle import ReturnStatus

from . import segment_service, service
from .figures import NOT_COUNTED_STATUS

NAME = "customer-figures"
EXCHANGED = ReturnStatus.EXCHANGED.value


def moves_figures(event: EventRecord) -> bool:
    """Only placement, cancellation and an exchange (its replacement order
    is linked) change what counts; any payment event may move money (one
    query is cheaper than being wrong)."""
    if event.type == PAYMENT_UPDATED:
        return True
    payload = event.payload
    if event.type == RETURN_UPDATED:
        # An exchange's replacement order stops counting once it is linked.
        return payload.get("to") == EXCHANGED
    return event.type == ORDER_STATUS_CHANGED and (
        payload.get("from") is None or NOT_COUNTED_STATUS in (payload.get("from"), payload.get("to")))


async def handle(event: EventRecord) -> None:
    if not moves_figures(event):
        return
    customer_id = event.customer_id
    if customer_id is None and event.order_id is not None:
        customer_id = await Order.filter(id=event.order_id).first().values_list(
            "customer_id", flat=True)
    if customer_id is not None:
        await service.recompute_figures([int(customer_id)])
        await segment_service.rescore([int(customer_id)])


def consumer() -> Consumer:
    return Consumer(name=NAME, types=(ORDER_STATUS_CHANGED, PAYMENT_UPDATED, RETURN_UPDATED),
                    handle=handle)
