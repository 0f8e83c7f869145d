"""The payment-gateway interface: every gateway (the built-in `test` one,
`manual` for phone, email and invoice orders, later real card processors) is
an adapter behind `PaymentGateway`, so orders never know which one they use.

Pure: standard library and `oms.core` only.

Outcomes, and why a decline is a value rather than an exception:
- APPROVED / DECLINED `GatewayResult`: the gateway answered. A decline is a
  definitive, expected answer that the gateway records under the idempotency
  key like an approval: a replay of the key, or `lookup`, must return it
  again. So it has to be a value that can be stored and returned, and
  `retry.call_once` then returns one type for every known outcome. The service
  that wants a user error turns it into `PaymentDeclined` with
  `result.raise_if_declined()`.
- `GatewayTimeout`: no answer, outcome unknown. The call may or may not have
  moved money; resolve it with `lookup(idempotency_key=...)`, never by
  sending the call again under a new key (see `retry.py`).
- `DomainError` (Invalid, NotFound, Duplicate, InvalidTransition): the request
  itself was wrong (bad amount, unknown reference, key reused for another
  request, capture beyond what was authorised). Nothing happened.

Gateway calls are network I/O with unbounded latency: callers must never make
them inside a database transaction or while holding a row lock.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Protocol, runtime_checkable

from oms.core.errors import DomainError, ErrorCode, Invalid
from oms.core.money import CENT

MAX_KEY_LENGTH = 128  # the same bound as an order's idempotencyKey
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


class ResultStatus(str, Enum):
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"


@dataclass(frozen=True)
class GatewayResult:
    status: ResultStatus
    # The gateway's id for this operation (an authorisation, a capture, ...).
    reference: str
    amount: Decimal
    currency: str
    # Machine-readable reason for a decline ("card_declined", ...), else None.
    decline_code: str | None = None
    message: str | None = None

    @property
    def approved(self) -> bool:
        return self.status is ResultStatus.APPROVED

    def raise_if_declined(self) -> "GatewayResult":
        if not self.approved:
            raise PaymentDeclined(self.message or "the payment was declined",
                                  decline_code=self.decline_code)
        return self


class GatewayTimeout(Exception):
    """The gateway did not answer: the outcome is unknown, look it up."""

    def __init__(self, message: str = "the payment gateway did not answer", *,
                 idempotency_key: str | None = None) -> None:
        super().__init__(message)
        self.idempotency_key = idempotency_key


class PaymentDeclined(DomainError):
    """A DECLINED result turned into a user error by the calling service."""

    code = ErrorCode.PAYMENT_DECLINED

    def __init__(self, message: str, *, decline_code: str | None = None) -> None:
        super().__init__(message, field=["payment"])
        self.decline_code = decline_code


@runtime_checkable
class PaymentGateway(Protocol):
    code: str

    def check_token(self, token: str | None) -> None:
        """Refuse (Invalid) a token this gateway cannot charge, before an
        order is placed for it."""
        ...

    async def authorize(self, *, amount: Decimal, currency: str, token: str | None,
                        idempotency_key: str) -> GatewayResult:
        """Reserve `amount` on the payer's means of payment (at placement)."""
        ...

    async def capture(self, *, reference: str, amount: Decimal, currency: str,
                      idempotency_key: str) -> GatewayResult:
        """Take part of an authorisation (one call per shipment, when it ships)."""
        ...

    async def void(self, *, reference: str, idempotency_key: str) -> GatewayResult:
        """Release an authorisation nothing was captured from (on cancel)."""
        ...

    async def refund(self, *, reference: str, amount: Decimal, currency: str,
                     idempotency_key: str) -> GatewayResult:
        """Give back part of what was captured."""
        ...

    async def lookup(self, *, idempotency_key: str) -> GatewayResult | None:
        """What a call with this key did, or None if the gateway never saw it.

        This is how an unknown outcome (GatewayTimeout) is resolved.
        """
        ...


# Checks every gateway applies before it talks to anyone. Fields are paths
# under the `payment` input so the API can point at the offending value.

def check_amount(amount: object) -> Decimal:
    """A positive Decimal with at most two decimal places, quantised to cents."""
    field = ["payment", "amount"]
    # A float here is a bug upstream (money is Decimal); refuse it rather
    # than guess which of its binary approximations was meant.
    if not isinstance(amount, Decimal):
        raise Invalid("amount must be a Decimal", field=field)
    if not amount.is_finite():
        raise Invalid("amount must be a finite number", field=field)
    if amount <= 0:
        raise Invalid("amount must be greater than zero", field=field)
    try:
        cents = amount.quantize(CENT)
    except InvalidOperation:  # too many digits for the context (e.g. 1E+400)
        raise Invalid("amount is out of range", field=field) from None
    if cents != amount:
        raise Invalid("amount must have at most 2 decimal places", field=field)
    return cents


def check_currency(currency: object) -> str:
    if not isinstance(currency, str) or not _CURRENCY_RE.match(currency):
        raise Invalid("currency must be a three-letter ISO 4217 code",
                      field=["payment", "currency"])
    return currency


def check_key(key: object) -> str:
    if not isinstance(key, str) or not (0 < len(key) <= MAX_KEY_LENGTH) or key != key.strip():
        raise Invalid(f"idempotencyKey must be 1-{MAX_KEY_LENGTH} characters",
                      field=["payment", "idempotencyKey"])
    return key
