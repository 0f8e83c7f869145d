"""What the customer is told: subject and plain-text body per kind of
notification. Pure: standard library only, so every message can be checked
word for word in a test."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum


class Kind(str, Enum):
    RECEIPT = "RECEIPT"      # the first money taken for the order
    SHIPPED = "SHIPPED"      # per shipment, when it leaves
    DELIVERED = "DELIVERED"  # per shipment, when the carrier delivered it


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    unit_price: Decimal
    total: Decimal


@dataclass(frozen=True)
class OrderView:
    number: str
    customer_name: str | None
    currency: str
    lines: tuple[Line, ...]
    subtotal: Decimal
    shipping_total: Decimal
    tax_total: Decimal
    total: Decimal


@dataclass(frozen=True)
class ShipmentView:
    lines: tuple[Line, ...]
    carrier: str | None
    service: str | None
    tracking_number: str | None


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def _lines(lines: tuple[Line, ...], currency: str, *, prices: bool = True) -> list[str]:
    if not prices:
        return [f"  {ln.quantity} x {ln.sku}" for ln in lines]
    return [f"  {ln.quantity} x {ln.sku} at {ln.unit_price} {currency} = {ln.total} {currency}"
            for ln in lines]


def _greeting(order: OrderView) -> str:
    return f"Hello {order.customer_name}," if order.customer_name else "Hello,"


def _tracking(shipment: ShipmentView) -> list[str]:
    if not shipment.tracking_number:
        return []
    by = " ".join(x for x in (shipment.carrier, shipment.service) if x)
    return [f"Tracking number: {shipment.tracking_number}" + (f" ({by})" if by else "")]


def receipt(order: OrderView, *, paid: Decimal) -> Message:
    c = order.currency
    body = [_greeting(order), "",
            f"Thank you for your order {order.number}. We have received your payment.", "",
            *_lines(order.lines, c), "",
            f"Subtotal: {order.subtotal} {c}",
            f"Shipping: {order.shipping_total} {c}",
            f"Tax: {order.tax_total} {c}",
            f"Total: {order.total} {c}",
            f"Paid: {paid} {c}", ""]
    return Message(f"Receipt for order {order.number}", "\n".join(body))


def shipped(order: OrderView, shipment: ShipmentView) -> Message:
    body = [_greeting(order), "",
            f"Part of your order {order.number} is on its way:"
            if len(shipment.lines) < len(order.lines) or
            sum(ln.quantity for ln in shipment.lines) < sum(ln.quantity for ln in order.lines)
            else f"Your order {order.number} is on its way:", "",
            *_lines(shipment.lines, order.currency, prices=False), "",
            *_tracking(shipment)]
    return Message(f"Your order {order.number} has shipped", "\n".join(body).rstrip() + "\n")


def delivered(order: OrderView, shipment: ShipmentView) -> Message:
    body = [_greeting(order), "",
            f"Your parcel for order {order.number} was delivered:", "",
            *_lines(shipment.lines, order.currency, prices=False), "",
            *_tracking(shipment)]
    return Message(f"Your order {order.number} was delivered", "\n".join(body).rstrip() + "\n")
