"""The body of a partner's webhook (POST /webhooks/partners/{location}), read
into a typed message. Pure: standard library and oms.core only.

    {"type": "ACCEPTED", "shipmentId": "U2hpcG1lbnQ6Nw"}
    {"type": "REJECTED", "shipmentId": "...", "reason": "out of stock"}
    {"type": "SHIPPED", "shipmentId": "...", "carrier": "dhl", "service": "express",
     "trackingNumber": "JD0142", "shippedAt": "2026-03-14T08:00:00Z"}
    {"type": "TRACKING", "shipmentId": "...", "status": "IN_TRANSIT",
     "description": "Departed hub", "location": "Lyon", "occurredAt": "...",
     "estimatedDelivery": "...", "eventId": "evt-1"}

Unknown keys are ignored, so a partner may send more than we read.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from oms.core import ids
from oms.core.errors import Invalid
from oms.core.json_body import json_object, text, time as _time
from oms.core.keyset import MAX_ID


class MessageType(str, Enum):
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    SHIPPED = "SHIPPED"
    TRACKING = "TRACKING"


MAX_TEXT = {"type": 16, "shipmentId": 64, "reason": 500, "carrier": 64, "service": 64,
            "trackingNumber": 64, "status": 32, "description": 500, "location": 200,
            "eventId": 128}


@dataclass(frozen=True)
class PartnerMessage:
    type: MessageType
    shipment_id: int
    reason: str | None = None
    carrier: str | None = None
    service: str | None = None
    tracking_number: str | None = None
    shipped_at: datetime | None = None
    status: str | None = None
    description: str | None = None
    location: str | None = None
    occurred_at: datetime | None = None
    estimated_delivery: datetime | None = None
    event_id: str | None = None


def parse_message(body: bytes) -> PartnerMessage:
    data = json_object(body)
    raw_type = _text(data, "type", required=True)
    try:
        kind = MessageType(raw_type)
    except ValueError:
        names = ", ".join(m.value for m in MessageType)
        raise Invalid(f"type must be one of {names}", field="type") from None
    shipment_id = ids.decode("Shipment", _text(data, "shipmentId", required=True))
    # Integer primary keys: a larger number names no shipment.
    if shipment_id is None or not 0 < shipment_id <= MAX_ID:
        raise Invalid("shipmentId is not a shipment id", field="shipmentId")
    if kind is MessageType.ACCEPTED:
        return PartnerMessage(kind, shipment_id)
    if kind is MessageType.REJECTED:
        return PartnerMessage(kind, shipment_id, reason=_text(data, "reason", required=True))
    if kind is MessageType.SHIPPED:
        return PartnerMessage(kind, shipment_id,
                              carrier=_text(data, "carrier", required=True),
                              service=_text(data, "service"),
                              tracking_number=_text(data, "trackingNumber", required=True),
                              shipped_at=_time(data, "shippedAt"))
    return PartnerMessage(kind, shipment_id,
                          status=_text(data, "status", required=True),
                          description=_text(data, "description"),
                          location=_text(data, "location"),
                          occurred_at=_time(data, "occurredAt", required=True),
                          estimated_delivery=_time(data, "estimatedDelivery"),
                          event_id=_text(data, "eventId"))


def _text(data: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    return text(data, key, MAX_TEXT[key], required=required)
