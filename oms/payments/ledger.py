"""An in-memory book of payments with the rules a real gateway enforces.
Both built-in gateways keep their state here. Pure: no I/O.

- One idempotency key, one request: a repeat returns the first result (an
  approval or a decline) and moves no money; the key reused for any other
  request (another amount, reference, operation or token) is DUPLICATE.
- Capture at most what was authorised, refund at most what was captured,
  both summed over partial calls; void only what nothing was captured from.
- Requests that are refused (DomainError) are not recorded under their key:
  nothing happened, so the caller may correct them and send again.

Each method is synchronous and the gateways never await between reading and
writing the book, so two concurrent calls on one event loop cannot interleave.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Callable, Hashable

from oms.core.errors import Duplicate, Invalid, NotFound

from .gateway import GatewayResult, ResultStatus
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


class Ledger:
    def __init__(self, new_reference: Callable[[str], str]) -> None:
        # new_reference(kind) -> a fresh reference; kind is pay/cap/ref/void.
        self._new_reference = new_reference
        self._payments: dict[str, Payment] = {}
        self._by_key: dict[str, tuple[Hashable, GatewayResult]] = {}

    # -- reading -----------------------------------------------------------

    def lookup(self, key: str) -> GatewayResult | None:
        found = self._by_key.get(key)
        return found[1] if found else None

    def knows(self, key: str) -> bool:
        return key in self._by_key

    def payment(self, reference: str) -> Payment:
        try:
            return self._payments[reference]
        except KeyError:
            raise NotFound(f"unknown payment reference {reference!r}",
                           field=["payment", "reference"]) from None

    def payments(self) -> list[Payment]:
        return list(self._payments.values())

    # -- writing -----------------------------------------------------------

    def authorize(self, *, key: str, amount: Decimal, currency: str, token: str | None,
                  decline: tuple[str, str] | None = None) -> GatewayResult:
        """Record an authorisation, approved, or declined with (code, message)."""
        request = ("authorize", amount, currency, token)
        if (replay := self._replay(key, request)) is not None:
            return replay
        reference = self._new_reference("pay")
        if decline is None:
            result = GatewayResult(ResultStatus.APPROVED, reference, amount, currency)
            status = PaymentStatus.AUTHORIZED
        else:
            code, message = decline
            result = GatewayResult(ResultStatus.DECLINED, reference, amount, currency,
                                   decline_code=code, message=message)
            status = PaymentStatus.DECLINED
        self._payments[reference] = Payment(reference, currency, amount, status)
        return self._remember(key, request, result)

    def capture(self, *, key: str, reference: str, amount: Decimal,
                currency: str) -> GatewayResult:
        request = ("capture", reference, amount, currency)
        if (replay := self._replay(key, request)) is not None:
            return replay
        payment = self._payable(reference, currency)
        status = PAYMENT_TRANSITIONS.next_status(payment.status, PaymentAction.CAPTURE)
        remaining = payment.authorized - payment.captured
        if amount > remaining:
            raise Invalid(f"cannot capture {amount}: only {remaining} of the authorisation "
                          "is left to capture", field=["payment", "amount"])
        self._payments[reference] = replace(payment, status=status,
                                            captured=payment.captured + amount)
        return self._remember(key, request, GatewayResult(
            ResultStatus.APPROVED, self._new_reference("cap"), amount, currency))

    def refund(self, *, key: str, reference: str, amount: Decimal,
               currency: str) -> GatewayResult:
        request = ("refund", reference, amount, currency)
        if (replay := self._replay(key, request)) is not None:
            return replay
        payment = self._payable(reference, currency)
        status = PAYMENT_TRANSITIONS.next_status(payment.status, PaymentAction.REFUND)
        remaining = payment.captured - payment.refunded
        if amount > remaining:
            raise Invalid(f"cannot refund {amount}: only {remaining} of what was captured "
                          "is left to refund", field=["payment", "amount"])
        self._payments[reference] = replace(payment, status=status,
                                            refunded=payment.refunded + amount)
        return self._remember(key, request, GatewayResult(
            ResultStatus.APPROVED, self._new_reference("ref"), amount, currency))

    def void(self, *, key: str, reference: str) -> GatewayResult:
        request = ("void", reference)
        if (replay := self._replay(key, request)) is not None:
            return replay
        payment = self.payment(reference)
        status = PAYMENT_TRANSITIONS.next_status(payment.status, PaymentAction.VOID)
        self._payments[reference] = replace(payment, status=status)
        return self._remember(key, request, GatewayResult(
            ResultStatus.APPROVED, self._new_reference("void"), payment.authorized,
            payment.currency))

    # -- helpers -----------------------------------------------------------

    def _payable(self, reference: str, currency: str) -> Payment:
        payment = self.payment(reference)
        if currency != payment.currency:
            raise Invalid(f"currency must be {payment.currency}, the payment's currency",
                          field=["payment", "currency"])
        return payment

    def _replay(self, key: str, request: Hashable) -> GatewayResult | None:
        found = self._by_key.get(key)
        if found is None:
            return None
        first_request, result = found
        if first_request != request:
            raise Duplicate("this idempotencyKey was used for a different payment request",
                            field=["payment", "idempotencyKey"])
        return result

    def _remember(self, key: str, request: Hashable, result: GatewayResult) -> GatewayResult:
        self._by_key[key] = (request, result)
        return result
