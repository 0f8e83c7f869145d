"""Payment use cases: authorise at placement, capture per shipment when it
ships, void or refund on cancel, refund on request, mark as paid by hand.

Every gateway call goes through the three steps of oms.payments.operations
(PENDING row, the call outside any transaction, the answer recorded by
oms.payments.recording), so none of these functions may be called inside a
unit of work: they open their own, short ones.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from oms.core import validation as v
from oms.core.errors import Conflict, DomainError, Invalid, NotFound
from oms.fulfillment.models import Shipment, ShipmentLine
from oms.orders import service as orders
from oms.orders.lifecycle import OrderStatus
from oms.orders.models import Order, OrderLine

from . import accounts, completion, operations, recording
from .gateway import PaymentDeclined
from .gateways import CAPTURE_ON_SHIPMENT, get_gateway
from .lifecycle import CAPTURABLE, RecordStatus
from .manual import ManualGateway
from .models import Payment, PaymentTransaction
from .operations import Call, TxKind, TxStatus
from .queries import payment_of

ZERO = Decimal("0.00")
MAX_KEY_LENGTH = 64  # a client's key, inside our own (which the gateway caps at 128)
# Where an order's money is still moving: counted as taken until answered.
COMMITTED = (TxStatus.SUCCEEDED.value, *operations.OPEN)
SHIPPED_LIKE = ("SHIPPED", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED", "EXCEPTION")


# ---- running one call ------------------------------------------------------

async def execute(payment: Payment, tx: PaymentTransaction) -> PaymentTransaction:
    """Steps 2 and 3 for a transaction not answered yet; a final one is
    returned as it is (a replay of its key)."""
    if tx.status not in operations.OPEN:
        return tx
    result = await operations.send(payment, tx)
    if result is None:
        return await PaymentTransaction.get(id=tx.id)
    return await settle(tx.id, result)


async def settle(tx_id: int, result) -> PaymentTransaction:
    """Step 3, then what must follow outside the transaction."""
    recorded = await recording.record(tx_id, result)
    tx = recorded.tx
    if recorded.fresh and tx.status == TxStatus.SUCCEEDED.value:
        if tx.kind == TxKind.AUTHORIZE.value and recorded.order_status == "CANCELLED":
            # Approved after the order was cancelled (the answer came late).
            await release_for_cancelled_order(recorded.payment.order_id)
        elif tx.kind == TxKind.CAPTURE.value:
            await completion.complete_if_done(recorded.payment.order_id)
    return tx


def _client_key(value: str | None) -> str:
    if not isinstance(value, str) or not (0 < len(value) <= MAX_KEY_LENGTH) \
            or value != value.strip():
        raise Invalid(f"idempotencyKey must be 1-{MAX_KEY_LENGTH} characters",
                      field="idempotencyKey")
    return value


async def _order(order_id: int) -> Order:
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise NotFound("order not found", field="orderId")
    return order


async def _execute_or_raise(payment: Payment, tx: PaymentTransaction) -> PaymentTransaction:
    """`execute`, with a declined answer raised as PAYMENT_DECLINED."""
    tx = await execute(payment, tx)
    if tx.status == TxStatus.DECLINED.value:
        raise PaymentDeclined(tx.error or "the payment was declined")
    return tx


# ---- authorise at placement --------------------------------------------------

@dataclass(frozen=True)
class Authorised:
    placement: orders.Placement
    # A PAYMENT_DECLINED error to show beside the (cancelled) order.
    errors: list[DomainError]


def wants_authorization(payment: dict | None) -> bool:
    """A payment to authorise here: a gateway without a status (a status
    means the money was taken elsewhere, e.g. by a storefront)."""
    return payment is not None and payment.get("status") is None \
        and payment.get("gateway") is not None


async def place_and_authorize(cmd: orders.PlaceOrder, *, actor: str | None) -> Authorised:
    """Place the order (it commits, reserving its stock, and waits PENDING),
    then authorise its total outside any transaction."""
    payment = cmd.payment or {}
    authorise = wants_authorization(cmd.payment)
    if authorise:
        # Checked before anything is placed: a bad gateway or token changes nothing.
        get_gateway(payment["gateway"]).check_token(payment.get("token"))
    placement = await orders.place(cmd, actor=actor)
    if not authorise:
        return Authorised(placement, [])
    errors: list[DomainError] = []
    try:
        await authorize_order(placement.order.id, gateway=payment["gateway"],
                              token=payment.get("token"), actor=actor)
    except PaymentDeclined as exc:
        errors.append(exc)
    except Conflict:
        pass  # recording raced a change to the order: the recovery loop finishes it
    order = await Order.get(id=placement.order.id)
    return Authorised(replace(placement, order=order), errors)


def authorization_key(order_id: int) -> str:
    return f"order:{order_id}:authorize"


async def authorize_order(order_id: int, *, gateway: str, token: str | None,
                          actor: str | None = None) -> Payment | None:
    """Authorise the order's total once (a replay finds the first attempt).
    APPROVED confirms the order as capture would; DECLINED cancels it and
    raises PAYMENT_DECLINED; no answer leaves both PENDING for the loop."""
    key = authorization_key(order_id)
    tx = await operations.find(key)
    if tx is None:
        order = await orders.get_order(order_id)
        total = Decimal(str(order.total))
        if order.payment_status != RecordStatus.PENDING.value or total <= ZERO:
            return None  # paid elsewhere, or nothing to pay
        payment, tx = await operations.begin_authorization(
            order_id=order.id, gateway=gateway, token=token, currency=order.currency,
            call=Call(TxKind.AUTHORIZE, total, key, actor=actor))
    else:
        payment = await Payment.get(id=tx.payment_id)
    await _execute_or_raise(payment, tx)
    return await Payment.get(id=payment.id)


# ---- capture per shipment -----------------------------------------------------

async def _line_value(shipment_id: int) -> Decimal:
    rows = await ShipmentLine.filter(shipment_id=shipment_id).values_list(
        "order_line_id", "quantity")
    prices = dict(await OrderLine.filter(id__in=[r[0] for r in rows]).values_list(
        "id", "unit_price"))
    return sum((Decimal(str(prices[line_id])) * qty for line_id, qty in rows), ZERO)


async def _is_last_to_ship(shipment: Shipment) -> bool:
    """Every live shipment of the order has shipped and this one last."""
    others = await Shipment.filter(order_id=shipment.order_id).exclude(status="CANCELLED")
    if any(s.shipped_at is None or s.status not in SHIPPED_LIKE for s in others):
        return False
    return max(others, key=lambda s: (s.shipped_at, s.id)).id == shipment.id


async def capture_shipment(shipment_id: int) -> PaymentTransaction | None:
    """Capture what a shipment that shipped is worth (see accounts.shipment_capture).
    Idempotent: the key is the shipment's, and a replay resumes or returns
    the first attempt with its amount, whatever has happened since."""
    key = f"shipment:{shipment_id}:capture"
    tx = await operations.find(key)
    if tx is not None:
        return await execute(await Payment.get(id=tx.payment_id), tx)
    shipment = await Shipment.get_or_none(id=shipment_id)
    if shipment is None or shipment.shipped_at is None:
        return None
    payment = await payment_of(shipment.order_id)
    if payment is None or payment.gateway not in CAPTURE_ON_SHIPMENT \
            or RecordStatus(payment.status) not in CAPTURABLE:
        return None  # paid elsewhere, marked as paid by hand, or nothing to take
    committed = await _captures_committed(payment.id)
    amount = accounts.shipment_capture(
        line_value=await _line_value(shipment.id), is_last=await _is_last_to_ship(shipment),
        authorized=Decimal(str(payment.authorized)), committed=committed)
    if amount <= ZERO:
        return None
    tx = await operations.begin(payment.id, Call(TxKind.CAPTURE, amount, key,
                                                 shipment_id=shipment.id,
                                                 actor=recording.PAYMENTS_ACTOR))
    return await execute(payment, tx)


async def _captures_committed(payment_id: int) -> Decimal:
    amounts = await PaymentTransaction.filter(
        payment_id=payment_id, kind=TxKind.CAPTURE.value, status__in=COMMITTED
    ).values_list("amount", flat=True)
    return sum((Decimal(str(a)) for a in amounts), ZERO)


# ---- cancel: void what was not taken, refund what was --------------------------

async def release_for_cancelled_order(order_id: int) -> PaymentTransaction | None:
    """After an order is cancelled: void an authorisation nothing was taken
    from, or refund what was taken. One key per order and purpose, so a
    replayed cancellation event sends nothing twice."""
    payment = await payment_of(order_id)
    if payment is None:
        return None
    status = RecordStatus(payment.status)
    captured, refunded = Decimal(str(payment.captured)), Decimal(str(payment.refunded))
    if status is RecordStatus.AUTHORIZED and captured == ZERO:
        call = Call(TxKind.VOID, Decimal(str(payment.authorized)), f"order:{order_id}:void",
                    actor=recording.PAYMENTS_ACTOR)
    elif captured - refunded > ZERO:
        call = Call(TxKind.REFUND, captured - refunded, f"order:{order_id}:cancel-refund",
                    actor=recording.PAYMENTS_ACTOR, note="order cancelled")
    else:
        return None  # nothing held: pending, failed, voided or refunded already
    existing = await operations.find(call.key)
    tx = existing or await operations.begin(payment.id, call)
    return await execute(payment, tx)


# ---- on request: refunds, and money marked as paid ----------------------------

@dataclass(frozen=True)
class Done:
    order: Order
    payment: Payment
    transaction: PaymentTransaction


async def _done(tx: PaymentTransaction) -> Done:
    payment = await Payment.get(id=tx.payment_id)
    return Done(await Order.get(id=payment.order_id), payment, tx)


async def _replay(key: str, kind: TxKind, amount: Decimal, order_id: int) -> Done | None:
    tx = await operations.find(key)
    if tx is None:
        return None
    payment = await Payment.get(id=tx.payment_id)
    if payment.order_id != order_id or tx.kind != kind.value \
            or Decimal(str(tx.amount)) != amount:
        raise operations.duplicate_key()
    return await _done(await _execute_or_raise(payment, tx))


async def refund(order_id: int, *, amount: Decimal, reason: str | None, idempotency_key: str,
                 actor: str | None = None) -> Done:
    """Give back part of what was captured: never more than captured minus
    refunded (and refunds still unanswered). A replay of the key returns
    the first result; the key with another amount is DUPLICATE."""
    amount, key = v.amount(amount), _client_key(idempotency_key)
    reason = v.text(reason, "reason", required=False, max_len=500)
    full_key = f"order:{order_id}:refund:{key}"
    if (replayed := await _replay(full_key, TxKind.REFUND, amount, order_id)) is not None:
        return replayed
    await _order(order_id)
    payment = await payment_of(order_id)
    if payment is None:
        raise Invalid("the order has no payment to refund", field="orderId")
    left = await _left_to_refund(payment)
    if amount > left:
        raise Invalid(f"cannot refund {amount}: only {max(left, ZERO)} of what was captured "
                      "is left to refund", field="amount")
    tx = await operations.begin(payment.id, Call(TxKind.REFUND, amount, full_key, actor=actor,
                                                 note=reason))
    return await _done(await _execute_or_raise(payment, tx))


async def _left_to_refund(payment: Payment) -> Decimal:
    pending = await PaymentTransaction.filter(
        payment_id=payment.id, kind=TxKind.REFUND.value, status__in=operations.OPEN
    ).values_list("amount", flat=True)
    return Decimal(str(payment.captured)) - Decimal(str(payment.refunded)) \
        - sum((Decimal(str(a)) for a in pending), ZERO)


async def refundable(order_id: int) -> Decimal | None:
    """What `refund` would still give back on the order (captured - refunded
    - refunds not answered yet); None when the order has no payment of ours."""
    payment = await payment_of(order_id)
    return None if payment is None else max(await _left_to_refund(payment), ZERO)


async def refund_under_key(order_id: int, idempotency_key: str) -> PaymentTransaction | None:
    """The refund `refund` made under this key, answered or not: a caller
    resumes it with the same amount rather than asking again."""
    return await operations.find(f"order:{order_id}:refund:{idempotency_key}")


async def mark_paid(order_id: int, *, amount: Decimal, reference: str | None,
                    idempotency_key: str, actor: str | None = None) -> Done:
    """Staff record money received for a phone, email or invoice order (the
    manual gateway), in instalments up to the order total."""
    amount, key = v.amount(amount), _client_key(idempotency_key)
    reference = v.text(reference, "reference", required=False, max_len=200)
    full_key = f"order:{order_id}:paid:{key}"
    if (replayed := await _replay(full_key, TxKind.CAPTURE, amount, order_id)) is not None:
        return replayed
    order = await _order(order_id)
    if order.status == OrderStatus.CANCELLED.value:
        raise Invalid("the order is cancelled", field="orderId")
    payment = await payment_of(order_id)
    if payment is None:
        if order.payment_status != RecordStatus.PENDING.value:
            raise Invalid(f"the order's payment is {order.payment_status} elsewhere",
                          field="orderId")
        payment = await authorize_order(order_id, gateway=ManualGateway.code, token=None,
                                        actor=actor)
        if payment is None:
            raise Invalid("the order has nothing to pay", field="orderId")
    if payment.gateway != ManualGateway.code:
        raise Invalid(f"the order is paid through the {payment.gateway} gateway, not by hand",
                      field="orderId")
    if RecordStatus(payment.status) not in CAPTURABLE:
        raise Invalid(f"the order's payment is {payment.status}", field="orderId")
    left = Decimal(str(payment.authorized)) - await _captures_committed(payment.id)
    if amount > left:
        raise Invalid(f"cannot mark {amount} as paid: only {max(left, ZERO)} of the order "
                      "total is still to pay", field="amount")
    tx = await operations.begin(payment.id, Call(TxKind.CAPTURE, amount, full_key, actor=actor,
                                                 note=reference))
    return await _done(await execute(payment, tx))

