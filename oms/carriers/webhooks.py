"""The body of a carrier's tracking webhook (POST /webhooks/carriers/{carrier}),
read into a typed scan. Pure: standard library and oms.core only.

    {"eventId": "evt-1", "trackingNumber": "CP000000015NL", "status": "IN_TRANSIT",
     "description": "Departed hub", "location": "Lyon",
     "occurredAt": "2026-03-14T08:00:00Z", "estimatedDelivery": "2026-03-16T18:00:00Z"}

trackingNumber, status and occurredAt are required: a scan without its own
time could not be put in order against the others. Unknown keys are
ignored, so a carrier may send more than we read.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oms.core.json_body import json_object, text, time as _time

MAX_TEXT = {"eventId": 128, "trackingNumber": 64, "status": 32, "description": 500,
            "location": 200}


@dataclass(frozen=True)
class CarrierScan:
    tracking_number: str
    status: str
    occurred_at: datetime
    event_id: str | None = None
    description: str | None = None
    location: str | None = None
    estimated_delivery: datetime | None = None


def parse_scan(body: bytes) -> CarrierScan:
    data = json_object(body)
    return CarrierScan(
        tracking_number=_text(data, "trackingNumber", required=True),
        status=_text(data, "status", required=True),
        occurred_at=_time(data, "occurredAt", required=True),
        event_id=_text(data, "eventId"),
        description=_text(data, "description"),
        location=_text(data, "location"),
        estimated_delivery=_time(data, "estimatedDelivery"))


def _text(data: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    return text(data, key, MAX_TEXT[key], required=required)
