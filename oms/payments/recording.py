"""Step 3 of a gateway call (see operations.py): record the gateway's answer
in one short transaction, with everything that follows from it: the
payment's amounts and status (through its transition table), the order's
paymentStatus, the receivables ledger, the PaymentUpdated event, and what
the order does next (confirmed once its authorisation is approved,
cancelled when it is declined).

The answer is recorded once: the transaction row moves out of PENDING /
UNKNOWN only if it is still there, and the payment row changes only at the
version it was read at. A second recorder of the same answer (the live call
and the recovery loop) finds the row already final and changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from oms.catalog import service as catalog
from oms.core.clock import now
from oms.core.errors import Conflict
from oms.core.uow import unit_of_work
from oms.core.versioning import save_if_unchanged
from oms.orders import service as orders
from oms.orders.lifecycle import ORDER_TRANSITIONS, OrderAction, OrderStatus

from . import accounts, receivables
from .events import payment_updated
from .gateway import GatewayResult
from .gateways import CAPTURE_ON_SHIPMENT
from .lifecycle import RECORD_TRANSITIONS, RecordAction, RecordStatus, refund_action
from .models import Payment, PaymentTransaction
from .operations import OPEN, TxKind, TxStatus

PAYMENTS_ACTOR = "system:payments"
DECLINED_REASON = "payment declined"


@dataclass(frozen=True)
class Recorded:
    tx: PaymentTransaction
    payment: Payment
    order_status: str
    # False when another recorder got there first (nothing was changed).
    fresh: bool


class _AlreadyRecorded(Exception):
    """Rolls the unit of work back: someone else recorded this answer."""


async def record(tx_id: int, result: GatewayResult) -> Recorded:
    try:
        return await _record(tx_id, result)
    except _AlreadyRecorded:
        tx = await PaymentTransaction.get(id=tx_id)
        payment = await Payment.get(id=tx.payment_id)
        order = await orders.get_order(payment.order_id)
        return Recorded(tx, payment, order.status, fresh=False)


async def _record(tx_id: int, result: GatewayResult) -> Recorded:
    async with unit_of_work() as uow:
        tx = await PaymentTransaction.get(id=tx_id)
        if tx.status not in OPEN:
            raise _AlreadyRecorded
        payment = await Payment.get(id=tx.payment_id)
        order = await orders.get_order(payment.order_id)
        kind, amount = TxKind(tx.kind), Decimal(str(tx.amount))
        status = TxStatus.SUCCEEDED if result.approved else TxStatus.DECLINED
        answer = dict(status=status.value, gateway_reference=result.reference,
                      completed_at=now(),
                      error=None if result.approved else (result.message or result.decline_code))
        if not await PaymentTransaction.filter(id=tx.id, status__in=OPEN).update(**answer):
            raise _AlreadyRecorded
        for name, value in answer.items():
            setattr(tx, name, value)
        changes = _payment_changes(payment, kind, amount, result)
        if changes:
            try:
                await save_if_unchanged(payment, "payment", updated_at=now(), **changes)
            except Conflict:
                raise _AlreadyRecorded from None
        if result.approved:
            await _post_receivables(order, payment, tx, kind, amount)
        await _follow(order, payment, kind, result)
        uow.record(payment_updated(
            order_id=order.id, customer_id=order.customer_id,
            channel=await catalog.channel_code(order.channel_id), payment_id=payment.id,
            transaction_id=tx.id, kind=kind.value, transaction_status=status.value,
            amount=amount, payment_status=payment.status, shipment_id=tx.shipment_id))
        return Recorded(tx, payment, order.status, fresh=True)


def _payment_changes(payment: Payment, kind: TxKind, amount: Decimal,
                     result: GatewayResult) -> dict:
    current = RecordStatus(payment.status)
    if kind is TxKind.AUTHORIZE:
        action = RecordAction.APPROVE if result.approved else RecordAction.DECLINE
        changes: dict = {"status": RECORD_TRANSITIONS.next_status(current, action).value,
                         "reference": result.reference}
        if result.approved:
            changes["authorized"] = amount
        return changes
    if not result.approved:
        return {}  # a declined capture, void or refund moved no money
    if kind is TxKind.CAPTURE:
        return {"status": RECORD_TRANSITIONS.next_status(current, RecordAction.CAPTURE).value,
                "captured": Decimal(str(payment.captured)) + amount}
    if kind is TxKind.VOID:
        return {"status": RECORD_TRANSITIONS.next_status(current, RecordAction.VOID).value}
    refunded = Decimal(str(payment.refunded)) + amount
    action = refund_action(captured=Decimal(str(payment.captured)), refunded_after=refunded)
    return {"status": RECORD_TRANSITIONS.next_status(current, action).value,
            "refunded": refunded}


async def _post_receivables(order, payment: Payment, tx: PaymentTransaction, kind: TxKind,
                            amount: Decimal) -> None:
    if kind is TxKind.CAPTURE:
        so_far = await receivables.figures(order.id)
        entries = accounts.entries_for_capture(
            invoice_per_capture=payment.gateway in CAPTURE_ON_SHIPMENT, amount=amount,
            order_total=Decimal(str(order.total)), invoiced_so_far=so_far.invoiced)
    elif kind is TxKind.REFUND:
        entries = accounts.entries_for_refund(amount)
    else:
        return  # an authorisation or a void moves no money
    await receivables.post(order_id=order.id, currency=payment.currency, entries=entries,
                           transaction_id=tx.id, shipment_id=tx.shipment_id, reference=tx.note)


async def _follow(order, payment: Payment, kind: TxKind, result: GatewayResult) -> None:
    """The order's paymentStatus, and what the order does next."""
    if kind is TxKind.AUTHORIZE and result.approved:
        # Confirms (and routes) the order as capture would have at placement.
        updated = await orders.payment_authorized(order.id, actor=PAYMENTS_ACTOR)
        order.status = updated.status
        return
    await orders.set_payment_status(order.id, payment.status)
    if kind is TxKind.AUTHORIZE and ORDER_TRANSITIONS.allows(OrderStatus(order.status),
                                                             OrderAction.CANCEL):
        # Declined: the stock goes back on sale.
        cancelled = await orders.cancel_order(order.id, reason=DECLINED_REASON,
                                              actor=PAYMENTS_ACTOR)
        order.status = cancelled.status
