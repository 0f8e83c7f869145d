"""The bodies of the messages sent to partners. Pure: standard library and
oms.core only.

A body is built once, when its delivery is created, and sent unchanged on
every attempt under the same message id, so the partner can de-duplicate.
It carries what a partner needs to ship (the address and the customer's
name); that is why it lives on the delivery row and never in the event log.
Nothing about the location's endpoint or secret goes in it.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oms.core import ids

from .lifecycle import DeliveryKind

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class RequestLine:
    order_line_id: int
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True)
class ShipmentFacts:
    """What the OMS knows about a shipment that a partner needs."""

    shipment_id: int
    location: str
    order_number: str
    channel: str
    lines: tuple[RequestLine, ...]
    ship_to: dict[str, Any]
    customer_name: str | None
    shipping_method: str | None
    ship_by: datetime | None
    promised_delivery: datetime | None
    cancel_reason: str | None = None


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _head(kind: DeliveryKind, facts: ShipmentFacts, message_id: str) -> dict[str, Any]:
    return {"version": SCHEMA_VERSION, "messageId": message_id, "kind": kind.value,
            "shipmentId": ids.encode("Shipment", facts.shipment_id),
            "location": facts.location, "orderNumber": facts.order_number,
            "channel": facts.channel}


def fulfilment_request(facts: ShipmentFacts, message_id: str) -> dict[str, Any]:
    return {
        **_head(DeliveryKind.FULFILLMENT_REQUEST, facts, message_id),
        "lines": [{"orderLineId": ids.encode("OrderLine", ln.order_line_id), "sku": ln.sku,
                   "name": ln.name, "quantity": ln.quantity} for ln in facts.lines],
        "shipTo": dict(facts.ship_to),
        "customerName": facts.customer_name,
        "shippingMethod": facts.shipping_method,
        "shipBy": _time(facts.ship_by),
        "promisedDelivery": _time(facts.promised_delivery),
    }


def cancellation(facts: ShipmentFacts, message_id: str) -> dict[str, Any]:
    return {**_head(DeliveryKind.CANCELLATION, facts, message_id),
            "reason": facts.cancel_reason}


def build(kind: DeliveryKind, facts: ShipmentFacts, message_id: str) -> dict[str, Any]:
    if kind is DeliveryKind.FULFILLMENT_REQUEST:
        return fulfilment_request(facts, message_id)
    return cancellation(facts, message_id)


def encode(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed: the same for every attempt."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()
