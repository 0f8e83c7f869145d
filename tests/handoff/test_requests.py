"""The bodies sent to partners: what a partner needs to ship, the same bytes
on every attempt, and nothing about the endpoint or its secret."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from oms.core import ids
from oms.handoff import requests
from oms.handoff.lifecycle import DeliveryKind
from oms.handoff.requests import RequestLine, ShipmentFacts

FACTS = ShipmentFacts(
    shipment_id=7, location="3PL1", order_number="WEB-000042", channel="WEB",
    lines=(RequestLine(order_line_id=11, sku="SKU-A", name="Tee", quantity=2),
           RequestLine(order_line_id=12, sku="SKU-B", name="Mug", quantity=1)),
    ship_to={"name": "Ann Lee", "line1": "1 Rue de Rivoli", "city": "Paris",
             "postalCode": "75001", "country": "FR"},
    customer_name="Ann Lee", shipping_method="standard",
    ship_by=datetime(2026, 3, 16, 14, 0, tzinfo=timezone.utc),
    promised_delivery=datetime(2026, 3, 18, 18, 0, tzinfo=timezone.utc),
    cancel_reason="customer changed their mind")


def test_a_fulfilment_request_has_what_a_partner_needs_to_ship():
    assert requests.fulfilment_request(FACTS, "msg_1") == {
        "version": 1, "messageId": "msg_1", "kind": "FULFILLMENT_REQUEST",
        "shipmentId": ids.encode("Shipment", 7), "location": "3PL1",
        "orderNumber": "WEB-000042", "channel": "WEB",
        "lines": [{"orderLineId": ids.encode("OrderLine", 11), "sku": "SKU-A", "name": "Tee",
                   "quantity": 2},
                  {"orderLineId": ids.encode("OrderLine", 12), "sku": "SKU-B", "name": "Mug",
                   "quantity": 1}],
        "shipTo": {"name": "Ann Lee", "line1": "1 Rue de Rivoli", "city": "Paris",
                   "postalCode": "75001", "country": "FR"},
        "customerName": "Ann Lee", "shippingMethod": "standard",
        "shipBy": "2026-03-16T14:00:00+00:00", "promisedDelivery": "2026-03-18T18:00:00+00:00"}


def test_a_cancellation_names_the_shipment_and_the_reason():
    assert requests.build(DeliveryKind.CANCELLATION, FACTS, "msg_2") == {
        "version": 1, "messageId": "msg_2", "kind": "CANCELLATION",
        "shipmentId": ids.encode("Shipment", 7), "location": "3PL1",
        "orderNumber": "WEB-000042", "channel": "WEB", "reason": "customer changed their mind"}


def test_no_secret_or_endpoint_in_any_body():
    for kind in DeliveryKind:
        body = requests.encode(requests.build(kind, FACTS, "msg_3")).decode()
        for word in ("secret", "endpoint", "http", "signature"):
            assert word not in body.lower()


def test_the_encoding_is_canonical_and_round_trips():
    payload = requests.fulfilment_request(FACTS, "msg_4")
    body = requests.encode(payload)
    assert json.loads(body) == payload
    shuffled = dict(reversed(list(payload.items())))
    assert requests.encode(shuffled) == body
    assert b" " not in body.replace(b"Ann Lee", b"").replace(b"1 Rue de Rivoli", b"")


def test_message_ids_are_unique():
    assert len({requests.new_message_id() for _ in range(1000)}) == 1000
    assert requests.new_message_id().startswith("msg_")
