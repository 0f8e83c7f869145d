"""The rules a real gateway's book enforces, for the built-in gateways' book
(oms.payments.book keeps it in the database). Pure: no I/O.

- One idempotency key, one request: a repeat returns the first result (an
  approval or a decline) and moves no money; the key reused for any other
  request (another amount, reference, operation or token) is DUPLICATE.
- Capture at most what was authorised, refund at most what was captured,
  both summed over partial calls; void only what nothing was captured from.
- Requests that are refused (DomainError) are not recorded under their key:
  nothing happened, so the caller may correct them and send again.

Each rule takes the payment as the book holds it and returns what it becomes;
the book writes that only if the payment is still what the rule was shown.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from decimal import Decimal

from oms.core.errors import Duplicate, Invalid, NotFound

from .lifecycle import PAYMENT_TRANSITIONS, PaymentAction, PaymentStatus

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Payment:
    """One authorisation and what has happened to it since."""

    reference: str
    currency: str
    authorized: Decimal
    status: PaymentStatus
    captured: Decimal = ZERO
    refunded: Decimal = ZERO


def request(operation: str, *parts: object) -> str:
    """A request as the book stores it under its key, to tell a replay from a
    reuse. Amounts arrive quantised to cents, so equal amounts compare equal."""
    return json.dumps([operation, *(None if p is None else str(p) for p in parts)])


def check_replay(first_request: str, request_now: str) -> None:
    if first_request != request_now:
        raise Duplicate("this idempotencyKey was used for a different payment request",
                        field=["payment", "idempotencyKey"])


def not_found(reference: str) -> NotFound:
    return NotFound(f"unknown payment reference {reference!r}", field=["payment", "reference"])


def capture(payment: Payment, amount: Decimal, currency: str) -> Payment:
    _check_currency(payment, currency)
    status = PAYMENT_TRANSITIONS.next_status(payment.status, PaymentAction.CAPTURE)
    remaining = payment.authorized - payment.captured
    if amount > remaining:
        raise Invalid(f"cannot capture {amount}: only {remaining} of the authorisation "
                      "is left to capture", field=["payment", "amount"])
    return replace(payment, status=status, captured=payment.captured + amount)


def refund(payment: Payment, amount: Decimal, currency: str) -> Payment:
    _check_currency(payment, currency)
    status = PAYMENT_TRANSITIONS.next_status(payment.status, PaymentAction.REFUND)
    remaining = payment.captured - payment.refunded
    if amount > remaining:
        raise Invalid(f"cannot refund {amount}: only {remaining} of what was captured "
                      "is left to refund", field=["payment", "amount"])
    return replace(payment, status=status, refunded=payment.refunded + amount)


def void(payment: Payment) -> Payment:
    return replace(payment, status=PAYMENT_TRANSITIONS.next_status(payment.status,
                                                                   PaymentAction.VOID))


def _check_currency(payment: Payment, currency: str) -> None:
    if currency != payment.currency:
        raise Invalid(f"currency must be {payment.currency}, the payment's currency",
                      field=["payment", "currency"])
