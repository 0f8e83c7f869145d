"""Return rules: a channel's policy, what may be returned, what a receipt
must account for. Pure: standard library and oms.core only.

A line may be returned for units DELIVERED, within the policy's window
counted from the line's latest delivery, when its SKU is not final sale, up
to the delivered units less those already in returns that still count (not
REJECTED, not withdrawn before receipt).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Iterable, Mapping

from oms.core import validation as v
from oms.core.errors import DomainError, Duplicate, Invalid, NotFound, ValidationErrors
from oms.core.money import to_decimal

from .errors import (FinalSale, NotDelivered, QuantityExceedsReturnable,
                     ReceiptQuantityMismatch, ReturnWindowClosed)
from .lifecycle import ItemCondition, ReturnResolution, ReturnShippingPayer

MAX_WINDOW_DAYS = 3650
MAX_FEE = Decimal("100000")
MAX_FINAL_SALE_SKUS = 1000


@dataclass(frozen=True)
class Policy:
    """A channel's return policy; DEFAULT for a channel without one."""

    window_days: int = 30
    final_sale_skus: frozenset[str] = frozenset()
    return_shipping_payer: ReturnShippingPayer = ReturnShippingPayer.MERCHANT
    return_shipping_fee: Decimal = Decimal("0.00")
    refund_original_shipping: bool = False
    # A location code; None: the location that shipped the first returned line.
    return_location: str | None = None
    # None: the first registered carrier and its first (cheapest) service.
    carrier: str | None = None
    service: str | None = None

    def to_json(self) -> dict[str, Any]:
        """As copied into Return.policy at request time."""
        return {"window_days": self.window_days,
                "final_sale_skus": sorted(self.final_sale_skus),
                "return_shipping_payer": self.return_shipping_payer.value,
                "return_shipping_fee": str(self.return_shipping_fee),
                "refund_original_shipping": self.refund_original_shipping,
                "return_location": self.return_location,
                "carrier": self.carrier, "service": self.service}

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | None) -> "Policy":
        if not d:
            return DEFAULT
        return cls(window_days=int(d["window_days"]),
                   final_sale_skus=frozenset(d.get("final_sale_skus") or ()),
                   return_shipping_payer=ReturnShippingPayer(d["return_shipping_payer"]),
                   return_shipping_fee=Decimal(str(d["return_shipping_fee"])),
                   refund_original_shipping=bool(d["refund_original_shipping"]),
                   return_location=d.get("return_location"),
                   carrier=d.get("carrier"), service=d.get("service"))


DEFAULT = Policy()


def checked_policy(*, window_days: Any, final_sale_skus: Iterable[str] | None,
                   return_shipping_payer: Any, return_shipping_fee: Any,
                   refund_original_shipping: bool, return_location: str | None,
                   carrier: str | None, service: str | None) -> Policy:
    """The input's shape and ranges (which SKUs, locations and carriers exist
    is the service's to check). All mistakes are reported together."""
    errors: list[DomainError] = []
    if isinstance(window_days, bool) or not isinstance(window_days, int) \
            or not 0 <= window_days <= MAX_WINDOW_DAYS:
        errors.append(Invalid(f"windowDays must be a whole number from 0 to {MAX_WINDOW_DAYS}",
                              field="windowDays"))
    skus = [s.strip() if isinstance(s, str) else s for s in (final_sale_skus or [])]
    if len(skus) > MAX_FINAL_SALE_SKUS:
        errors.append(Invalid(f"at most {MAX_FINAL_SALE_SKUS} final-sale SKUs",
                              field="finalSaleSkus"))
    elif any(not isinstance(s, str) or not s for s in skus):
        errors.append(Invalid("a final-sale SKU cannot be empty", field="finalSaleSkus"))
    payer = None
    try:
        payer = ReturnShippingPayer(return_shipping_payer)
    except ValueError:
        errors.append(Invalid("returnShippingPayer must be MERCHANT or CUSTOMER",
                              field="returnShippingPayer"))
    fee = Decimal("0.00")
    try:
        fee = to_decimal(return_shipping_fee if return_shipping_fee is not None else 0)
        if fee < 0 or fee > MAX_FEE:
            raise ValueError
    except ValueError:
        errors.append(Invalid(f"returnShippingFee must be from 0 to {MAX_FEE}",
                              field="returnShippingFee"))
    if (carrier is None) != (service is None):
        errors.append(Invalid("give both carrier and service, or neither", field="service"))
    if errors:
        raise errors[0] if len(errors) == 1 else ValidationErrors(errors)
    assert payer is not None
    return Policy(window_days=window_days, final_sale_skus=frozenset(skus),
                  return_shipping_payer=payer, return_shipping_fee=fee,
                  refund_original_shipping=bool(refund_original_shipping),
                  return_location=return_location, carrier=carrier, service=service)


@dataclass(frozen=True)
class LineFacts:
    """What is known of one order line when a return is requested."""

    order_line_id: int
    sku: str
    delivered: int                     # units in DELIVERED shipments
    last_delivered_at: datetime | None  # the latest of those deliveries
    in_returns: int = 0                # units in returns that still count

    @property
    def returnable(self) -> int:
        return max(0, self.delivered - self.in_returns)


@dataclass(frozen=True)
class RequestedLine:
    order_line_id: int
    quantity: int
    reason: str
    exchange_sku: str | None = None


def window_closes(facts: LineFacts, policy: Policy) -> datetime | None:
    if facts.last_delivered_at is None:
        return None
    return facts.last_delivered_at + timedelta(days=policy.window_days)


def check_request(lines: list[RequestedLine], facts: Mapping[int, LineFacts], policy: Policy,
                  *, at: datetime, resolution: ReturnResolution,
                  known_skus: frozenset[str] | set[str] = frozenset()) -> None:
    """Raise every reason this request may not be made (one error, or
    ValidationErrors with all of them); `known_skus` are the exchange SKUs
    that exist."""
    if not lines:
        raise Invalid("a return needs at least one line", field="lines")
    errors: list[DomainError] = []
    seen: set[int] = set()
    for i, line in enumerate(lines):
        where = ["lines", str(i)]
        if isinstance(line.quantity, bool) or not isinstance(line.quantity, int) \
                or not 1 <= line.quantity <= v.MAX_QUANTITY:
            errors.append(Invalid(f"quantity must be between 1 and {v.MAX_QUANTITY}",
                                  field=[*where, "quantity"]))
            continue
        f = facts.get(line.order_line_id)
        if f is None:
            errors.append(NotFound("no such line on this order", field=[*where, "orderLineId"]))
            continue
        if line.order_line_id in seen:
            errors.append(Duplicate(f"{f.sku} is already in this request: one entry per line",
                                    field=[*where, "orderLineId"]))
            continue
        seen.add(line.order_line_id)
        if line.exchange_sku is not None:
            if resolution is not ReturnResolution.EXCHANGE:
                errors.append(Invalid("exchangeSku is only for an EXCHANGE",
                                      field=[*where, "exchangeSku"]))
            elif line.exchange_sku not in known_skus:
                errors.append(NotFound(f"unknown sku {line.exchange_sku}",
                                       field=[*where, "exchangeSku"]))
        error = _line_refusal(line, f, policy, at, where)
        if error is not None:
            errors.append(error)
    if errors:
        raise errors[0] if len(errors) == 1 else ValidationErrors(errors)


def _line_refusal(line: RequestedLine, f: LineFacts, policy: Policy, at: datetime,
                  where: list[str]) -> DomainError | None:
    if f.sku in policy.final_sale_skus:
        return FinalSale(f"{f.sku} is final sale and cannot be returned",
                         field=[*where, "orderLineId"])
    if f.delivered == 0:
        return NotDelivered(f"{f.sku} has not been delivered yet", field=[*where, "orderLineId"])
    closes = window_closes(f, policy)
    if closes is not None and at > closes:
        return ReturnWindowClosed(
            f"the {policy.window_days}-day return window for {f.sku} closed at "
            f"{closes.isoformat()}", field=[*where, "orderLineId"])
    if line.quantity > f.returnable:
        return QuantityExceedsReturnable(
            f"{line.quantity} of {f.sku} asked, {f.returnable} returnable ({f.delivered} "
            f"delivered, {f.in_returns} in returns already)", field=[*where, "quantity"])
    return None


@dataclass(frozen=True)
class ReceivedEntry:
    order_line_id: int
    quantity: int
    condition: str


@dataclass
class Inspection:
    """Units found per condition for one return line."""

    resalable: int = 0
    damaged: int = 0
    missing: int = 0

    @property
    def back(self) -> int:
        """Units physically back."""
        return self.resalable + self.damaged

    @property
    def total(self) -> int:
        return self.resalable + self.damaged + self.missing


@dataclass(frozen=True)
class Receipt:
    by_line: dict[int, Inspection] = field(default_factory=dict)


def check_receipt(entries: list[ReceivedEntry], expected: Mapping[int, int],
                  names: Mapping[int, str] | None = None) -> Receipt:
    """Sum the entries per order line (several per line are allowed, e.g. 1
    RESALABLE + 1 DAMAGED); every expected unit (order line id -> units in
    the return) must be accounted for. `names` label lines in messages."""
    if not entries:
        raise Invalid("list what arrived: at least one line", field="lines")
    errors: list[DomainError] = []
    found: dict[int, Inspection] = defaultdict(Inspection)
    for i, e in enumerate(entries):
        where = ["lines", str(i)]
        if isinstance(e.quantity, bool) or not isinstance(e.quantity, int) \
                or not 1 <= e.quantity <= v.MAX_QUANTITY:
            errors.append(Invalid(f"quantity must be between 1 and {v.MAX_QUANTITY}",
                                  field=[*where, "quantity"]))
            continue
        try:
            condition = ItemCondition(e.condition)
        except ValueError:
            errors.append(Invalid("condition must be RESALABLE, DAMAGED or MISSING",
                                  field=[*where, "condition"]))
            continue
        if e.order_line_id not in expected:
            errors.append(NotFound("this line is not in the return",
                                   field=[*where, "orderLineId"]))
            continue
        inspection = found[e.order_line_id]
        setattr(inspection, condition.value.lower(),
                getattr(inspection, condition.value.lower()) + e.quantity)
    if not errors:
        for line_id, quantity in expected.items():
            got = found[line_id].total
            if got != quantity:
                name = (names or {}).get(line_id, f"order line {line_id}")
                errors.append(ReceiptQuantityMismatch(
                    f"{name}: {quantity} units are expected back, {got} accounted for",
                    field="lines"))
    if errors:
        raise errors[0] if len(errors) == 1 else ValidationErrors(errors)
    return Receipt(by_line={k: found[k] for k in expected})
