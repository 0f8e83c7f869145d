"""Completes returns whose refund the gateway confirmed after the fact.

`returnRefund` answers REFUND_PENDING when the gateway times out; the
payments recovery loop later looks the refund up and records it SUCCEEDED
(a PaymentUpdated event). This consumer then moves the order's RECEIVED
returns whose refund that was to REFUNDED, without sending anything again
(oms.returns.resolution.finish_refund). Idempotent: a return already
REFUNDED, or one with no refund asked for, is left as it is."""
from __future__ import annotations

from oms.events.consumers import Consumer
from oms.events.record import EventRecord
from oms.payments.events import PAYMENT_UPDATED
from oms.payments.operations import TxKind, TxStatus

from . import resolution
from .lifecycle import ReturnStatus
from .models import Return

NAME = "return-refunds"


def confirms_a_refund(event: EventRecord) -> bool:
    return (event.type == PAYMENT_UPDATED and event.order_id is not None
            and event.payload.get("kind") == TxKind.REFUND.value
            and event.payload.get("transaction_status") == TxStatus.SUCCEEDED.value)


async def handle(event: EventRecord) -> None:
    if not confirms_a_refund(event):
        return
    waiting = await Return.filter(order_id=event.order_id,
                                  status=ReturnStatus.RECEIVED.value).values_list("id", flat=True)
    for return_id in waiting:
        await resolution.finish_refund(return_id)


def consumer() -> Consumer:
    return Consumer(name=NAME, types=(PAYMENT_UPDATED,), handle=handle)
