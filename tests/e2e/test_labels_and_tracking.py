"""Over a real `oms serve`: label a shipment, GET its PDF as the customer
(the barcode decodes to the tracking number), then the carrier's signed
webhook reports scans twice and out of order while the customer watches
shipmentUpdated: each status arrives once and in order."""
from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone

import httpx
import zxingcpp
from pypdf import PdfReader

from oms.core import signing
from tests.carriers.pdf_raster import render

from .harness import (ADMIN, PACK, PICK, SHIP, SHIPMENT_SUB, Ws, confirm, customer_token,
                      place, setup_shop)

WEBHOOK_SECRET = "e2e-oms-post-webhook-secret"
LABEL = """mutation($id: ID!) { shipmentLabelCreate(id: $id, carrier: "oms-post",
  service: "STANDARD") { shipment { status carrier service trackingNumber weightGrams
  labelUrl packingSlipUrl estimatedDelivery } userErrors { code field message } } }"""
SHIPMENT = """query($id: ID!) { shipment(id: $id) { status late deliveredAt
  order { status } events { status description location occurredAt source } } }"""


async def test_label_pdf_and_carrier_events_twice_and_out_of_order(server_group):
    (server,) = await server_group.start(1, env={
        "OMS_CARRIER_WEBHOOK_SECRETS": json.dumps({"oms-post": WEBHOOK_SECRET})})
    await setup_shop(server)
    order = await place(server, "ann@example.com", 2)
    other = await place(server, "bob@example.com", 1)
    ann, bob = customer_token(order["customer"]["id"]), customer_token(other["customer"]["id"])
    await server.settle()

    ws = await Ws.open(server.ws_url, ann)
    try:
        updates = await ws.subscribe(SHIPMENT_SUB, {"id": order["id"]})
        await server.wait_for_subscribers(1)
        shipment_id = await confirm(server, order["id"])
        for step in (PICK, PACK):
            await server.ok(step, {"id": shipment_id})
        made = (await server.ok(LABEL, {"id": shipment_id}))["shipmentLabelCreate"]["shipment"]
        number = made["trackingNumber"]
        assert {k: v for k, v in made.items() if k != "estimatedDelivery"} == {
            "status": "PACKED", "carrier": "oms-post", "service": "STANDARD",
            "trackingNumber": number, "weightGrams": 360,
            "labelUrl": f"/documents/shipments/{shipment_id}/label.pdf",
            "packingSlipUrl": f"/documents/shipments/{shipment_id}/packing-slip.pdf"}
        assert made["estimatedDelivery"] is not None

        async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
            r = await http.get(made["labelUrl"], headers={"Authorization": f"Bearer {ann}"})
            assert (r.status_code, r.headers["content-type"]) == (200, "application/pdf")
            reader = PdfReader(io.BytesIO(r.content))
            assert [(b.text, b.format.name) for b in
                    zxingcpp.read_barcodes(render(reader, dpi=300))] == [(number, "Code128")]
            r = await http.get(made["packingSlipUrl"], headers={"Authorization": f"Bearer {ann}"})
            assert (r.status_code, r.content[:5]) == (200, b"%PDF-")
            r = await http.get(made["labelUrl"], headers={"Authorization": f"Bearer {bob}"})
            assert r.status_code == 404
            r = await http.get(made["labelUrl"])
            assert r.status_code == 401

            await server.ok(SHIP, {"id": shipment_id})

            now = datetime.now(timezone.utc).replace(microsecond=0)
            scans = {
                "e1": ("IN_TRANSIT", "Departed hub", "Lyon", now - timedelta(hours=3)),
                "e2": ("OUT_FOR_DELIVERY", "With the courier", "Paris",
                       now - timedelta(hours=2)),
                "e3": ("DELIVERED", "Delivered", "Paris", now - timedelta(hours=1)),
            }

            async def carrier_sends(event_id: str, message_id: str) -> httpx.Response:
                status, description, where, at = scans[event_id]
                body = json.dumps({"eventId": event_id, "trackingNumber": number,
                                   "status": status, "description": description,
                                   "location": where, "occurredAt": at.isoformat()}).encode()
                return await http.post("/webhooks/carriers/oms-post", content=body,
                                       headers=signing.sign(WEBHOOK_SECRET, message_id, body))

            answers = []
            # e1; e3 before e2; e1 again (the carrier's retry, a new message id);
            # e2 late; e3's message replayed.
            for event_id, message_id in (("e1", "m1"), ("e3", "m3"), ("e1", "m1-retry"),
                                         ("e2", "m2"), ("e3", "m3")):
                r = await carrier_sends(event_id, message_id)
                answers.append((r.status_code, r.json().get("status"), r.json().get("applied"),
                                r.json().get("code")))
            assert answers == [(200, "IN_TRANSIT", True, None), (200, "DELIVERED", True, None),
                               (200, "DELIVERED", False, None), (200, "DELIVERED", True, None),
                               (409, None, None, "CONFLICT")]

        seen = [(await ws.next(updates))["shipmentUpdated"] for _ in range(7)]
        assert [(u["status"], u["description"]) for u in seen] == [
            ("PENDING", None), ("PICKING", None), ("PACKED", None), ("PACKED", "label created"),
            ("SHIPPED", None), ("IN_TRANSIT", "Departed hub"), ("DELIVERED", "Delivered")]
        assert {u["shipment"]["id"] for u in seen} == {shipment_id}
        cursors = [int(u["cursor"]) for u in seen]
        assert cursors == sorted(set(cursors))
        assert await ws.nothing(updates, 0.5)
    finally:
        await ws.close()

    final = (await server.ok(SHIPMENT, {"id": shipment_id}, auth=ann))["shipment"]
    assert final == {
        "status": "DELIVERED", "late": False, "deliveredAt": scans["e3"][3].isoformat(),
        "order": {"status": "DELIVERED"},
        "events": [{"status": s, "description": d, "location": w, "occurredAt": at.isoformat(),
                    "source": "oms-post"} for s, d, w, at in scans.values()]}
    # Staff sees the same timeline; the customer of another order sees nothing.
    assert (await server.ok(SHIPMENT, {"id": shipment_id}, auth=ADMIN))["shipment"] == final
    assert (await server.ok(SHIPMENT, {"id": shipment_id}, auth=bob))["shipment"] is None
