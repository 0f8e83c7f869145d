"""Domain errors: expected failures with a stable code, a message and a field.

Resolvers turn these into `userErrors`; anything else is unexpected and masked.
"""
from __future__ import annotations

from enum import Enum


class ErrorCode(str, Enum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    CONFLICT = "CONFLICT"
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    FORBIDDEN = "FORBIDDEN"
    # Returns (oms.returns.errors explains each).
    NOT_DELIVERED = "NOT_DELIVERED"
    RETURN_WINDOW_CLOSED = "RETURN_WINDOW_CLOSED"
    FINAL_SALE = "FINAL_SALE"
    QUANTITY_EXCEEDS_RETURNABLE = "QUANTITY_EXCEEDS_RETURNABLE"
    RECEIPT_QUANTITY_MISMATCH = "RECEIPT_QUANTITY_MISMATCH"
    # Return resolution (oms.returns.resolution_errors explains each).
    REFUND_EXCEEDS_REFUNDABLE = "REFUND_EXCEEDS_REFUNDABLE"
    REFUND_PENDING = "REFUND_PENDING"
    NO_GATEWAY_PAYMENT = "NO_GATEWAY_PAYMENT"
    EXCHANGE_OUT_OF_STOCK = "EXCHANGE_OUT_OF_STOCK"
    # Customer tags (oms.customers.tags: the limits).
    TAG_TOO_LONG = "TAG_TOO_LONG"
    TOO_MANY_TAGS = "TOO_MANY_TAGS"
    # An order in a currency with no rate to the base currency (oms.catalog.rates).
    CURRENCY_RATE_MISSING = "CURRENCY_RATE_MISSING"


class DomainError(Exception):
    code: ErrorCode = ErrorCode.INVALID

    def __init__(self, message: str, *, field: list[str] | str | None = None,
                 code: ErrorCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if isinstance(field, str):
            field = [field]
        self.field = field


class Invalid(DomainError):
    code = ErrorCode.INVALID


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class Duplicate(DomainError):
    code = ErrorCode.DUPLICATE


class OutOfStock(DomainError):
    code = ErrorCode.OUT_OF_STOCK


class InvalidTransition(DomainError):
    code = ErrorCode.INVALID_TRANSITION


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class Forbidden(DomainError):
    code = ErrorCode.FORBIDDEN


class ValidationErrors(DomainError):
    """Several user mistakes found at once; all are reported together."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__(errors[0].message if errors else "invalid input", field=None)
        self.errors = errors
