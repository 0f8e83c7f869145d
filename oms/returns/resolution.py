"""Resolving a received return: refund it through the payment gateway, or
exchange it for a replacement order at no charge.

A refund never runs inside a transaction (the gateway call is not allowed
to hold one): the amount is worked out, oms.payments.service.refund sends
it under the key `return:<id>:refund` (PENDING row, call, answer recorded
with the receivables and the order's paymentStatus), and only then a short
unit of work moves the return RECEIVED -> REFUNDED with its event. Any step
may be retried: the key finds the refund already asked for and resumes it
with the same amount, so the customer is refunded once. A declined attempt
moved no money, so the next one goes under `return:<id>:refund:2`, and so on.

An exchange places the replacement order through placement (its own
idempotency key `return:<id>:exchange`), then moves the return RECEIVED ->
EXCHANGED linking it; a retry finds the order by its key.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from oms.core import validation as v
from oms.core.clock import now
from oms.core.errors import Conflict, DomainError, Duplicate, Invalid, NotFound, OutOfStock
from oms.core.uow import unit_of_work
from oms.fulfillment.models import ShipmentLine
from oms.orders import service as orders
from oms.orders.models import Order, OrderLine
from oms.payments import service as payments
from oms.payments.operations import TxStatus

from . import exchange, refunds, service
from .lifecycle import ReturnAction, ReturnResolution, ReturnStatus, next_status
from .models import Return, ReturnLine
from .policy import Policy
from .resolution_errors import ExchangeOutOfStock, NoGatewayPayment, RefundExceedsRefundable, \
    RefundPending

# A refund attempt that moved no money: the next attempt takes a new key.
_NO_MONEY_MOVED = (TxStatus.DECLINED.value, TxStatus.REJECTED.value)
_STILL_OPEN = (TxStatus.PENDING.value, TxStatus.UNKNOWN.value)
# Who completes a refund the gateway confirmed later (oms.returns.consumer).
FINISHER = "system:returns"


def refund_key(return_id: int, attempt: int = 1) -> str:
    base = f"return:{return_id}:refund"
    return base if attempt == 1 else f"{base}:{attempt}"


def exchange_key(return_id: int) -> str:
    return f"return:{return_id}:exchange"


def _checked_amount(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else v.amount(amount)


# ---- refund -------------------------------------------------------------------

async def refund_return(return_id: int, *, amount: Decimal | None = None,
                        actor: str | None = None) -> Return:
    """Refund a RECEIVED return: `amount` None refunds the default
    (oms.returns.refunds), an explicit amount (e.g. goodwill for missing
    units) at most what is left to refund. A repeated call refunds once and
    returns the same result; another amount after a refund is DUPLICATE."""
    ret = await service.get_return(return_id)
    explicit = _checked_amount(amount)
    if ret.status == ReturnStatus.REFUNDED.value:
        return _same_refund(ret, explicit)
    next_status(ReturnStatus(ret.status), ReturnAction.REFUND)  # INVALID_TRANSITION
    key, earlier = await _refund_attempt(ret.order_id, ret.id)
    if earlier is not None:
        # Asked for before (and maybe answered): the same amount, whatever
        # has moved since, so the replay refunds nothing more.
        to_refund = Decimal(str(earlier.amount))
        if explicit is not None and explicit != to_refund:
            raise _other_amount(to_refund)
    else:
        to_refund = await _amount_to_refund(ret, explicit)
    if to_refund > 0:
        await _send(ret, to_refund, key, actor)
    return await _resolve(ret.id, ReturnAction.REFUND, actor, refund_total=to_refund)


async def finish_refund(return_id: int) -> Return | None:
    """Complete a RECEIVED return whose refund the gateway has since
    confirmed (the payments recovery loop resolved a timed-out refund): the
    return moves to REFUNDED with that amount and nothing is sent again.
    None when there is nothing to finish (no refund asked for, or still open)."""
    ret = await service.get_return(return_id)
    if ret.status != ReturnStatus.RECEIVED.value:
        return None
    _, tx = await _refund_attempt(ret.order_id, ret.id)
    if tx is None or tx.status != TxStatus.SUCCEEDED.value:
        return None
    return await refund_return(return_id, actor=FINISHER)


def _same_refund(ret: Return, explicit: Decimal | None) -> Return:
    refunded = Decimal(str(ret.refund_total))
    if explicit is not None and explicit != refunded:
        raise _other_amount(refunded)
    return ret


def _other_amount(amount: Decimal) -> Duplicate:
    return Duplicate(f"this return's refund of {amount} is already under way or done",
                     field="amount")


async def _refund_attempt(order_id: int, return_id: int):
    """The key to refund under, and the refund already asked for under it."""
    attempt = 1
    while True:
        key = refund_key(return_id, attempt)
        tx = await payments.refund_under_key(order_id, key)
        if tx is None or tx.status not in _NO_MONEY_MOVED:
            return key, tx
        attempt += 1


async def _amount_to_refund(ret: Return, explicit: Decimal | None) -> Decimal:
    refundable = await payments.refundable(ret.order_id)
    if refundable is None:
        raise NoGatewayPayment("the order was paid outside this system: refund it where it "
                               "was paid", field="id")
    if explicit is None:
        return (await default_refund(ret, refundable)).amount
    if explicit > refundable:
        raise RefundExceedsRefundable(f"cannot refund {explicit}: {refundable} is left to "
                                      "refund on the order", field="amount")
    return explicit


async def _send(ret: Return, amount: Decimal, key: str, actor: str | None) -> None:
    async def call():
        return await payments.refund(ret.order_id, amount=amount, reason=f"return {ret.number}",
                                     idempotency_key=key, actor=actor)
    try:
        done = await call()
    except DomainError:
        if await payments.refund_under_key(ret.order_id, key) is None:
            raise
        done = await call()  # a concurrent call began it under our key: resume that one
    if done.transaction.status in _STILL_OPEN:
        raise RefundPending(f"the gateway has not answered the refund of {amount} yet; it is "
                            "looked up again, retry later (it will not be refunded twice)",
                            field="id")


async def default_refund(ret: Return, refundable: Decimal) -> refunds.RefundBreakdown:
    """What the return refunds by default (oms.returns.refunds), from the rows."""
    order = await Order.get(id=ret.order_id)
    order_lines = {ln.id: ln for ln in await OrderLine.filter(order_id=order.id)}
    lines = await ReturnLine.filter(ret_id=ret.id).order_by("id")
    back = {ln.id: ln.quantity_resalable + ln.quantity_damaged for ln in lines}
    refunded_before = await _units_refunded(order.id, exclude_return=ret.id)
    policy = Policy.from_json(ret.policy)
    delivered = await _units_delivered(order.id)
    units_refunded = sum(refunded_before.values()) + sum(back.values())
    return refunds.default_refund(
        [refunds.LineBack(line_id=ln.order_line_id,
                          unit_price=Decimal(str(order_lines[ln.order_line_id].unit_price)),
                          quantity=order_lines[ln.order_line_id].quantity, units=back[ln.id],
                          before=refunded_before[ln.order_line_id])
         for ln in lines],
        refunds.RefundTerms(
            line_totals=[(i, Decimal(str(ln.total))) for i, ln in order_lines.items()],
            tax_total=Decimal(str(order.tax_total)),
            shipping_total=Decimal(str(order.shipping_total)),
            refund_original_shipping=policy.refund_original_shipping,
            completes_order=delivered > 0 and units_refunded >= delivered,
            # The label's price, fixed at request time (0 when the merchant pays).
            customer_fee=Decimal(str(ret.shipping_fee)), refundable=refundable))


async def _units_refunded(order_id: int, *, exclude_return: int) -> dict[int, int]:
    """Per order line, the units earlier REFUNDED returns of the order paid back."""
    units: dict[int, int] = defaultdict(int)
    for line_id, resalable, damaged in await ReturnLine.filter(
            ret__order_id=order_id, ret__status=ReturnStatus.REFUNDED.value
    ).exclude(ret_id=exclude_return).values_list("order_line_id", "quantity_resalable",
                                                 "quantity_damaged"):
        units[line_id] += resalable + damaged
    return units


async def _units_delivered(order_id: int) -> int:
    rows = await ShipmentLine.filter(order_line__order_id=order_id,
                                     shipment__status="DELIVERED").values_list("quantity",
                                                                                flat=True)
    return sum(rows)


# ---- exchange -----------------------------------------------------------------

async def exchange_return(return_id: int, *, actor: str | None = None) -> Return:
    """Exchange a RECEIVED return (resolution EXCHANGE) for a replacement
    order of the units back, at no charge, reserving stock like any order.
    A repeated call returns the same order; short of stock, nothing is
    written and the return stays RECEIVED (EXCHANGE_OUT_OF_STOCK)."""
    ret = await service.get_return(return_id)
    if ret.status == ReturnStatus.EXCHANGED.value:
        return ret
    next_status(ReturnStatus(ret.status), ReturnAction.EXCHANGE)  # INVALID_TRANSITION
    if ret.resolution != ReturnResolution.EXCHANGE.value:
        raise Invalid("the customer asked for a refund, not an exchange", field="id")
    key = exchange_key(ret.id)
    replacement = await Order.get_or_none(idempotency_key=key)
    if replacement is not None and not await exchange.is_replacement_for(replacement.id, ret):
        raise Duplicate(f"another order was placed under the key {key}", field="id")
    if replacement is None:
        cmd = await exchange.replacement_order(ret, idempotency_key=key)
        try:
            replacement = (await orders.place(cmd, actor=actor)).order
        except OutOfStock as exc:
            raise ExchangeOutOfStock(f"the replacement cannot be reserved: {exc.message}",
                                     field=exc.field) from None
    return await _resolve(ret.id, ReturnAction.EXCHANGE, actor, exchange_order_id=replacement.id)


# ---- the status change ------------------------------------------------------------

async def _resolve(return_id: int, action: ReturnAction, actor: str | None, **changes) -> Return:
    """RECEIVED -> REFUNDED / EXCHANGED with the resolution and its event, in
    one unit of work. The row is locked (no gateway call is made here), so
    a concurrent call of the same use case waits and finds it done."""
    async with unit_of_work() as uow:
        ret = await Return.filter(id=return_id).select_for_update().first()
        if ret is None:
            raise NotFound("return not found", field="id")
        if ret.status != ReturnStatus.RECEIVED.value:
            return _already(ret, action, changes)
        order = await Order.get(id=ret.order_id)
        await service.move(uow, ret, order, action, actor=actor, resolved_at=now(), **changes)
        return ret


def _already(ret: Return, action: ReturnAction, changes: dict) -> Return:
    """Resolved meanwhile: the same resolution is this call's result; any
    other is a conflict (or the transition table's refusal)."""
    same = {ReturnAction.REFUND: ReturnStatus.REFUNDED,
            ReturnAction.EXCHANGE: ReturnStatus.EXCHANGED}[action]
    if ret.status == same.value and all(
            getattr(ret, k) == v or str(getattr(ret, k)) == str(v) for k, v in changes.items()):
        return ret
    if ret.status == same.value:
        raise Conflict("the return was resolved differently meanwhile", field="id")
    next_status(ReturnStatus(ret.status), action)
    raise AssertionError("unreachable")
