"""What an order placement asks for, and everything about it that can be
checked without the database: all mistakes are reported at once."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from oms.core import validation as v
from oms.core.clock import now
from oms.core.errors import DomainError, Invalid, ValidationErrors

from .sources import OrderSource, PaymentStatus

MAX_TOTAL = Decimal("1e12")  # the money columns hold 12 digits before the point
SOURCES = tuple(s.value for s in OrderSource)


@dataclass(frozen=True)
class LineInput:
    sku: str
    quantity: int
    # Staff (or an import) may price a line away from the channel's price
    # list, only with a reason: both are kept on the line next to the list price.
    unit_price: Decimal | None = None
    price_override_reason: str | None = None


@dataclass(frozen=True)
class CustomerInput:
    email: str
    name: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class PlaceOrder:
    channel: str
    source: str
    customer: CustomerInput
    lines: list[LineInput]
    shipping_address: dict[str, Any]
    shipping_method: str | None = None
    delivery_earliest: datetime | None = None
    delivery_latest: datetime | None = None
    instructions: str | None = None
    external_reference: str | None = None
    idempotency_key: str | None = None
    # {"gateway", "token"} or, for money already taken by the storefront or
    # marketplace, {"gateway", "reference", "status": AUTHORIZED|CAPTURED}.
    payment: dict[str, Any] | None = field(default=None)
    # Not to be routed (picked, shipped) before this time.
    ship_after: datetime | None = None
    # Imports only: when the order was placed in the system it comes from,
    # and whether it was already shipped and paid there (recorded as
    # COMPLETED, taking no stock here).
    placed_at: datetime | None = None
    fulfilled_elsewhere: bool = False
    # Internal: the number of the return this order replaces (an exchange,
    # oms.returns.resolution). Every line is priced at 0 with the reason
    # "exchange for return <number>", nothing is to pay (paymentStatus
    # CAPTURED), and the order confirms whatever the source's rule and the
    # risk rules (the goods were paid for on the original order).
    replacement_for_return: str | None = None

    def fingerprint(self) -> str:
        """What makes two requests with one idempotency key 'the same'.

        The JSON of dataclasses.asdict(self), but without asdict's deep copy
        (a third of a millisecond per order): nested dataclasses become
        dicts as json meets them, anything else json cannot write is str()."""
        d = _shallow(self)
        d.pop("idempotency_key")
        # Fields added later count only when set, so a key stored before
        # they existed still matches the same request replayed after.
        for name in _HASHED_WHEN_SET:
            if d[name] is None:
                del d[name]
        return hashlib.sha256(json.dumps(d, sort_keys=True, default=_jsonable).encode()
                              ).hexdigest()


_HASHED_WHEN_SET = ("replacement_for_return",)


def _shallow(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def _jsonable(obj: Any) -> Any:
    return _shallow(obj) if is_dataclass(obj) else str(obj)


@dataclass(frozen=True)
class Checked:
    email: str
    name: str | None
    phone: str | None
    address: dict[str, Any]
    lines: list[LineInput]
    payment_status: str = PaymentStatus.PENDING.value
    payment_reference: str | None = None

    @property
    def payment_authorized(self) -> bool:
        return self.payment_status in PAID


PAID = (PaymentStatus.AUTHORIZED.value, PaymentStatus.CAPTURED.value)
# How far ahead of our clock an imported placedAt may be (clocks drift).
CLOCK_SKEW = timedelta(minutes=5)


def check(inp: PlaceOrder) -> Checked:
    """Everything that can be verified without the database; all mistakes at once."""
    errors: list[DomainError] = []

    def attempt(fn, *args, **kw):
        try:
            return fn(*args, **kw)
        except DomainError as exc:
            errors.append(exc)
            return None

    if inp.source not in SOURCES:
        errors.append(Invalid(f"unknown source {inp.source}", field="source"))
    email = attempt(v.email, inp.customer.email, ["customer", "email"])
    name = attempt(v.text, inp.customer.name, "name", required=False)
    address = attempt(v.address, inp.shipping_address, "shippingAddress")
    phone = attempt(v.phone, inp.customer.phone, ["customer", "phone"],
                    (address or {}).get("country"))
    if not inp.lines:
        errors.append(Invalid("an order needs at least one line", field="lines"))
    if len(inp.lines) > 200:
        errors.append(Invalid("an order has at most 200 lines", field="lines"))
    for i, line in enumerate(inp.lines):
        attempt(v.quantity, line.quantity, ["lines", str(i), "quantity"])
        if not line.sku:
            errors.append(Invalid("sku is required", field=["lines", str(i), "sku"]))
        attempt(_check_price_override, line, ["lines", str(i)])
    for value, path in ((inp.ship_after, "shipAfter"), (inp.placed_at, "placedAt"),
                        (inp.delivery_earliest, ["deliveryWindow", "earliest"]),
                        (inp.delivery_latest, ["deliveryWindow", "latest"])):
        if value is not None and value.utcoffset() is None:
            errors.append(Invalid("a date and time with a time zone is required", field=path))
    if inp.placed_at is not None:
        if inp.source != OrderSource.IMPORT.value:
            errors.append(Invalid("placedAt is only for imported orders (source IMPORT)",
                                  field="placedAt"))
        elif inp.placed_at.utcoffset() is not None and inp.placed_at > now() + CLOCK_SKEW:
            errors.append(Invalid("placedAt is in the future", field="placedAt"))
    payment = attempt(_check_payment, inp.payment, inp.fulfilled_elsewhere)
    if inp.replacement_for_return is not None:
        attempt(_check_replacement, inp)
    if inp.delivery_earliest and inp.delivery_latest and inp.delivery_latest < inp.delivery_earliest:
        errors.append(Invalid("delivery window ends before it starts", field="deliveryWindow"))
    attempt(v.text, inp.instructions, "instructions", required=False, max_len=2000)
    attempt(v.text, inp.shipping_method, "shippingMethod", required=False, max_len=64)
    attempt(v.text, inp.external_reference, "externalReference", required=False, max_len=128)
    if inp.idempotency_key is not None and not (0 < len(inp.idempotency_key) <= 128):
        errors.append(Invalid("idempotencyKey must be 1-128 characters", field="idempotencyKey"))
    if errors:
        raise errors[0] if len(errors) == 1 else ValidationErrors(errors)
    status, reference = payment
    if inp.replacement_for_return is not None:
        status = PaymentStatus.CAPTURED.value  # nothing to pay
    return Checked(email=email, name=name, phone=phone, address=address, lines=inp.lines,
                    payment_status=status, payment_reference=reference)


def replacement_reason(return_number: str) -> str:
    return f"exchange for return {return_number}"


def no_charge_reason(inp: PlaceOrder) -> str | None:
    """The price override reason of every line of a replacement order."""
    if inp.replacement_for_return is None:
        return None
    return replacement_reason(inp.replacement_for_return)


def _check_replacement(inp: PlaceOrder) -> None:
    _text(inp.replacement_for_return, ["replacementForReturn"], max_len=64)
    if inp.payment is not None or inp.fulfilled_elsewhere:
        raise Invalid("a replacement order takes no payment", field="payment")
    if any(line.unit_price is not None for line in inp.lines):
        raise Invalid("a replacement order's lines are priced at 0 by placement",
                      field="lines")


def _check_price_override(line: LineInput, path: list[str]) -> None:
    if line.unit_price is None:
        if line.price_override_reason is not None:
            raise Invalid("priceOverrideReason goes with a unitPrice",
                          field=[*path, "priceOverrideReason"])
        return
    price = line.unit_price
    if not isinstance(price, Decimal) or not price.is_finite() or price < 0 \
            or price >= MAX_TOTAL or price != price.quantize(Decimal("0.01")):
        raise Invalid("unitPrice must be an amount from 0 with at most 2 decimals",
                      field=[*path, "unitPrice"])
    if not (line.price_override_reason or "").strip():
        raise Invalid("a price other than the channel's needs a priceOverrideReason",
                      field=[*path, "priceOverrideReason"])
    _text(line.price_override_reason, [*path, "priceOverrideReason"], max_len=500)


def _text(value: Any, path: list[str], **kw: Any) -> str | None:
    """validation.text for a field inside an input, naming its whole path."""
    if value is not None and not isinstance(value, str):
        raise Invalid(f"{path[-1]} must be text", field=path)
    try:
        return v.text(value, path[-1], **kw)
    except Invalid as exc:
        raise Invalid(exc.message, field=path) from None


def _check_payment(payment: dict[str, Any] | None, fulfilled: bool) -> tuple[str, str | None]:
    """(payment status, reference): PENDING unless the caller reports money
    already authorised or captured elsewhere, which needs its reference."""
    if payment is None:
        return (PaymentStatus.CAPTURED.value if fulfilled else PaymentStatus.PENDING.value), None
    _text(payment.get("gateway"), ["payment", "gateway"], max_len=64)
    reference = _text(payment.get("reference"), ["payment", "reference"], required=False)
    status = payment.get("status")
    if status is None:
        return (PaymentStatus.CAPTURED.value if fulfilled else PaymentStatus.PENDING.value), \
            reference
    if status not in PAID:
        raise Invalid(f"payment status must be one of {', '.join(PAID)}",
                      field=["payment", "status"])
    if reference is None:
        raise Invalid("a payment taken elsewhere needs its reference",
                      field=["payment", "reference"])
    return status, reference
