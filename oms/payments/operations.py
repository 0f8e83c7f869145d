"""One gateway call, in three steps, none of which holds a database
transaction (or a row lock) across the network:

1. `begin`: the PaymentTransaction row, PENDING, under its idempotency key,
   in its own short transaction. The key is unique: the same call again
   finds this row instead of making a second one.
2. `send`: the call, outside any transaction, through `retry.call_once` (a
   timeout is resolved by looking the key up, never by a second send under
   another key). No answer at all leaves the row UNKNOWN.
3. `oms.payments.recording.record`: the answer, in a second short
   transaction, with everything that follows from it.

A process that dies between 1 and 3 leaves the row PENDING; the recovery
loop (oms.payments.recovery) looks its key up at the gateway and finishes
step 3. Resending under the SAME key is always safe: the gateway answers a
key it knows from its book.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Awaitable, Callable

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from oms.core.clock import now
from oms.core.errors import DomainError, Duplicate
from oms.core.uow import unit_of_work

from . import retry
from .gateway import GatewayResult, PaymentGateway
from .gateways import get_gateway
from .lifecycle import RecordStatus
from .models import Payment, PaymentTransaction


class TxKind(str, Enum):
    AUTHORIZE = "AUTHORIZE"
    CAPTURE = "CAPTURE"
    VOID = "VOID"
    REFUND = "REFUND"


class TxStatus(str, Enum):
    PENDING = "PENDING"      # written, maybe sent, no answer recorded yet
    UNKNOWN = "UNKNOWN"      # sent, timed out, and no lookup found it (yet)
    SUCCEEDED = "SUCCEEDED"
    DECLINED = "DECLINED"
    REJECTED = "REJECTED"    # the gateway refused the request itself; nothing happened


OPEN = (TxStatus.PENDING.value, TxStatus.UNKNOWN.value)

# Seconds between lookups after a timeout (retry.call_once). Tests set zeros.
LOOKUP_DELAYS: tuple[float, ...] = retry.DEFAULT_LOOKUP_DELAYS


@dataclass(frozen=True)
class Call:
    kind: TxKind
    amount: Decimal
    key: str
    shipment_id: int | None = None
    actor: str | None = None
    note: str | None = None


def _same_request(tx: PaymentTransaction, payment_id: int, call: Call) -> bool:
    return (tx.payment_id, tx.kind, Decimal(str(tx.amount)), tx.shipment_id) == (
        payment_id, call.kind.value, call.amount, call.shipment_id)


def duplicate_key() -> Duplicate:
    """An idempotency key reused for another request."""
    return Duplicate("this idempotencyKey was used for a different payment request",
                     field="idempotencyKey")


async def find(key: str) -> PaymentTransaction | None:
    return await PaymentTransaction.get_or_none(idempotency_key=key)


def _row(payment_id: int, call: Call) -> dict:
    return dict(payment_id=payment_id, kind=call.kind.value, amount=call.amount,
                idempotency_key=call.key, status=TxStatus.PENDING.value,
                shipment_id=call.shipment_id, actor=call.actor, note=call.note, attempts=0,
                created_at=now())


async def begin(payment_id: int, call: Call) -> PaymentTransaction:
    """Step 1 for a call on an existing payment. The same key again returns
    the row it wrote (whatever its status); with another request, DUPLICATE."""
    existing = await find(call.key)
    if existing is None:
        try:
            async with unit_of_work():
                return await PaymentTransaction.create(**_row(payment_id, call))
        except IntegrityError:
            existing = await find(call.key)  # the same call, made at the same moment
            if existing is None:
                raise
    if not _same_request(existing, payment_id, call):
        raise duplicate_key()
    return existing


async def begin_authorization(*, order_id: int, gateway: str, token: str | None,
                              currency: str, call: Call) -> tuple[Payment, PaymentTransaction]:
    """Step 1 for an authorisation: the order's Payment (PENDING) and its
    first transaction, together."""
    existing = await find(call.key)
    if existing is None:
        try:
            async with unit_of_work():
                at = now()
                payment = await Payment.create(
                    order_id=order_id, gateway=gateway, token=token,
                    status=RecordStatus.PENDING.value, currency=currency, amount=call.amount,
                    version=1, created_at=at, updated_at=at)
                return payment, await PaymentTransaction.create(**_row(payment.id, call))
        except IntegrityError:
            existing = await find(call.key)
            if existing is None:
                raise
    payment = await Payment.get(id=existing.payment_id)
    if payment.order_id != order_id or not _same_request(existing, payment.id, call):
        raise duplicate_key()
    return payment, existing


def _sender(gateway: PaymentGateway, payment: Payment,
            tx: PaymentTransaction) -> Callable[[str], Awaitable[GatewayResult]]:
    amount = Decimal(str(tx.amount))
    kind = TxKind(tx.kind)
    if kind is TxKind.AUTHORIZE:
        return lambda key: gateway.authorize(amount=amount, currency=payment.currency,
                                             token=payment.token, idempotency_key=key)
    assert payment.reference is not None, "only an authorised payment is captured or refunded"
    if kind is TxKind.CAPTURE:
        return lambda key: gateway.capture(reference=payment.reference, amount=amount,
                                           currency=payment.currency, idempotency_key=key)
    if kind is TxKind.REFUND:
        return lambda key: gateway.refund(reference=payment.reference, amount=amount,
                                          currency=payment.currency, idempotency_key=key)
    return lambda key: gateway.void(reference=payment.reference, idempotency_key=key)


async def send(payment: Payment, tx: PaymentTransaction) -> GatewayResult | None:
    """Step 2: the gateway's answer, or None when there is none (UNKNOWN).
    A request the gateway refuses is REJECTED and its DomainError raised."""
    gateway = get_gateway(payment.gateway)
    await PaymentTransaction.filter(id=tx.id).update(attempts=F("attempts") + 1)
    try:
        return await retry.call_once(gateway, tx.idempotency_key, _sender(gateway, payment, tx),
                                     lookup_delays=LOOKUP_DELAYS)
    except retry.OutcomeUnknown:
        await PaymentTransaction.filter(id=tx.id, status__in=OPEN).update(
            status=TxStatus.UNKNOWN.value)
        return None
    except DomainError as exc:
        await PaymentTransaction.filter(id=tx.id, status__in=OPEN).update(
            status=TxStatus.REJECTED.value, error=exc.message, completed_at=now())
        raise


async def look_up(payment: Payment, tx: PaymentTransaction) -> GatewayResult | None:
    """What the gateway did under the key, without sending anything."""
    return await get_gateway(payment.gateway).lookup(idempotency_key=tx.idempotency_key)
