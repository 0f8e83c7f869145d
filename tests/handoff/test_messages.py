"""Reading a partner's webhook body: each type with what it needs, and a
clear INVALID naming the field for anything else."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from oms.core import ids
from oms.core.errors import Invalid
from oms.handoff.messages import MessageType, PartnerMessage, parse_message

SID = ids.encode("Shipment", 5)
AT = "2026-03-14T08:00:00+00:00"


def _parse(data) -> PartnerMessage:
    return parse_message(json.dumps(data).encode())


def test_each_type():
    assert _parse({"type": "ACCEPTED", "shipmentId": SID, "extra": 1}) == PartnerMessage(
        MessageType.ACCEPTED, 5)
    assert _parse({"type": "REJECTED", "shipmentId": SID, "reason": " no stock "}) == \
        PartnerMessage(MessageType.REJECTED, 5, reason="no stock")
    assert _parse({"type": "SHIPPED", "shipmentId": SID, "carrier": "dhl",
                   "trackingNumber": "JD1", "shippedAt": AT}) == PartnerMessage(
        MessageType.SHIPPED, 5, carrier="dhl", tracking_number="JD1",
        shipped_at=datetime(2026, 3, 14, 8, tzinfo=timezone.utc))
    assert _parse({"type": "TRACKING", "shipmentId": SID, "status": "IN_TRANSIT",
                   "occurredAt": AT, "estimatedDelivery": "2026-03-16T18:00:00Z",
                   "eventId": "e1", "location": "Lyon", "description": "hub"}) == \
        PartnerMessage(MessageType.TRACKING, 5, status="IN_TRANSIT", description="hub",
                       location="Lyon", occurred_at=datetime(2026, 3, 14, 8, tzinfo=timezone.utc),
                       estimated_delivery=datetime(2026, 3, 16, 18, tzinfo=timezone.utc),
                       event_id="e1")


@pytest.mark.parametrize("body,field,message", [
    (b"not json", "body", "the body is not JSON"),
    (b"\xff\xfe", "body", "the body is not JSON"),
    (b"[1]", "body", "the body must be a JSON object"),
    (b"{}", "type", "type is required"),
    (json.dumps({"type": "LOST", "shipmentId": SID}).encode(), "type",
     "type must be one of ACCEPTED, REJECTED, SHIPPED, TRACKING"),
    (json.dumps({"type": "ACCEPTED"}).encode(), "shipmentId", "shipmentId is required"),
    (json.dumps({"type": "ACCEPTED", "shipmentId": 5}).encode(), "shipmentId",
     "shipmentId must be a string"),
    (json.dumps({"type": "ACCEPTED", "shipmentId": ids.encode("Order", 5)}).encode(),
     "shipmentId", "shipmentId is not a shipment id"),
    (json.dumps({"type": "ACCEPTED", "shipmentId": ids.encode("Shipment", 2 ** 31)}).encode(),
     "shipmentId", "shipmentId is not a shipment id"),
    (json.dumps({"type": "REJECTED", "shipmentId": SID, "reason": "  "}).encode(), "reason",
     "reason is required"),
    (json.dumps({"type": "REJECTED", "shipmentId": SID, "reason": "x" * 501}).encode(),
     "reason", "reason is longer than 500 characters"),
    (json.dumps({"type": "SHIPPED", "shipmentId": SID, "carrier": "dhl"}).encode(),
     "trackingNumber", "trackingNumber is required"),
    (json.dumps({"type": "SHIPPED", "shipmentId": SID, "carrier": "dhl", "trackingNumber": "1",
                 "shippedAt": "2026-03-14T08:00:00"}).encode(), "shippedAt",
     "shippedAt must be an ISO 8601 time with a time zone"),
    (json.dumps({"type": "TRACKING", "shipmentId": SID, "status": "IN_TRANSIT"}).encode(),
     "occurredAt", "occurredAt is required"),
    (json.dumps({"type": "TRACKING", "shipmentId": SID, "status": "IN_TRANSIT",
                 "occurredAt": 12}).encode(), "occurredAt",
     "occurredAt must be an ISO 8601 time with a time zone"),
    (json.dumps({"type": "TRACKING", "shipmentId": SID, "status": "IN_TRANSIT",
                 "occurredAt": AT, "location": "a\x00b"}).encode(), "location",
     "location must not contain NUL characters"),
])
def test_bad_bodies(body, field, message):
    with pytest.raises(Invalid) as exc:
        parse_message(body)
    assert (exc.value.field, exc.value.message) == ([field], message)
