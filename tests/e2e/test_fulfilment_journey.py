"""Issue 4 end to end, over a real `oms serve`, a real drop-ship supplier
(an HTTP server in this test) and signed carrier webhooks:

an order paid by card (the `test` gateway authorises it at placement) is
split by the channel's routing strategy between a warehouse (T-shirts) and a
drop-ship supplier (mugs). The supplier gets a signed fulfilment request,
accepts it and reports the parcel shipped and its scans through its signed
webhook. The warehouse picks, packs, makes a label (the PDF parses and its
barcode decodes back to the tracking number) and ships. The carrier's scans
arrive twice and out of order. The customer's shipmentUpdated subscription
sees each status of each parcel once and in order; each shipment's value is
captured as it ships; the receivables ledger balances; the order completes.
"""
from __future__ import annotations

import asyncio
import io
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import httpx
import zxingcpp
from pypdf import PdfReader

from oms.core import signing
from tests.carriers.pdf_raster import render

from .harness import PACK, PICK, SHIP, SHIPMENT_SUB, Ws, customer_token, until
from .test_handoff import SECRET as PARTNER_SECRET, PartnerServer

CARRIER_SECRET = "e2e-oms-post-webhook-secret"
ENV = {"OMS_CONSUMER_INTERVAL_SECONDS": "0.1", "OMS_HANDOFF_INTERVAL_SECONDS": "0.1",
       "OMS_HANDOFF_RETRY_BASE_SECONDS": "0.2", "OMS_RECOVERY_INTERVAL_SECONDS": "0.5",
       "OMS_CARRIER_WEBHOOK_SECRETS": json.dumps({"oms-post": CARRIER_SECRET})}

SETUP = """mutation($url: String!, $secret: String!) {
  a: channelCreate(input: {code: "WEB", name: "Web", kind: WEB, currency: "EUR"}) {
    userErrors { code } }
  b: locationCreate(input: {code: "WH1", name: "Warehouse", kind: WAREHOUSE,
     address: {line1: "1 Quai Claude Bernard", city: "Lyon", postalCode: "69007",
               country: "FR"}}) { userErrors { code } }
  c: locationCreate(input: {code: "SUP1", name: "Mug maker", kind: SUPPLIER,
     address: {line1: "Hauptstrasse 5", city: "Berlin", postalCode: "10115",
               country: "DE"}}) { userErrors { code } }
  d: locationEndpointSet(location: "SUP1", url: $url, secret: $secret) { userErrors { code } }
  e: channelLocationsSet(channel: "WEB", locations: ["WH1", "SUP1"]) { userErrors { code } }
  f: channelRoutingStrategySet(channel: "WEB",
     input: {criteria: [LOCATION_PRIORITY, DROP_SHIP_FIRST]}) { userErrors { code message } }
  g: productUpsert(input: {sku: "TEE", name: "T-shirt", weightGrams: 180,
     prices: [{channel: "WEB", amount: "19.90"}]}) { userErrors { code } }
  h: productUpsert(input: {sku: "MUG", name: "Mug", weightGrams: 350,
     prices: [{channel: "WEB", amount: "12.50"}]}) { userErrors { code } }
  i: stockReceive(sku: "TEE", location: "WH1", quantity: 10) { userErrors { code } }
  j: stockReceive(sku: "MUG", location: "SUP1", quantity: 5) { userErrors { code } } }"""

PLACE = """mutation { orderPlace(input: {channel: "WEB", source: WEB,
  customer: {email: "ann@example.com", name: "Ann Martin"},
  lines: [{sku: "TEE", quantity: 2}, {sku: "MUG", quantity: 1}],
  shippingAddress: {line1: "1 Rue de Rivoli", city: "Paris", postalCode: "75001",
                    country: "FR"},
  payment: {gateway: "test", token: "tok_approve"}, idempotencyKey: "journey-1"}) {
  order { id number status paymentStatus total { amount } customer { id }
          shipments { id location { code } lines { orderLine { sku } quantity } }
          routingDecisions { attempt outcome assignments { location { code }
                             lines { orderLine { sku } quantity } } reasons { code } } }
  userErrors { code field message } } }"""

LABEL = """mutation($id: ID!) { shipmentLabelCreate(id: $id, carrier: "oms-post",
  service: "STANDARD") { shipment { trackingNumber labelUrl weightGrams }
  userErrors { code message } } }"""

ORDER = """query($id: ID!) { order(id: $id) { status paymentStatus
  shipments { location { code } status carrier trackingNumber
              events { status description source } }
  payments { gateway status amount { amount } authorized { amount } captured { amount }
             refunded { amount } transactions { kind amount { amount } status } }
  receivables { invoiced { amount } paid { amount } refunded { amount }
                outstanding { amount } balanced entries { kind amount { amount } } }
  notifications { kind status } } }"""

STOCK = """{ a: stockItem(sku: "TEE") { levels { location { code } onHand reserved } }
             b: stockItem(sku: "MUG") { levels { location { code } onHand reserved } } }"""

DELIVERIES = """{ partnerDeliveries(filter: {location: "SUP1"}) { edges { node {
  kind status attempts } } } }"""



async def _signed_post(http: httpx.AsyncClient, path: str, secret: str, body: dict,
                       message_id: str) -> httpx.Response:
    raw = json.dumps(body).encode()
    return await http.post(path, content=raw, headers={
        **signing.sign(secret, message_id, raw), "Content-Type": "application/json"})


def _amount(money: dict) -> Decimal:
    return Decimal(money["amount"])


async def test_split_order_from_card_to_completed(server_group):
    # The supplier verifies every request and fails the first one.
    async with PartnerServer() as supplier:
        await _journey(server_group, supplier)


async def _journey(server_group, supplier: PartnerServer) -> None:
    (server,) = await server_group.start(1, env=ENV)
    setup = await server.ok(SETUP, {"url": supplier.url, "secret": PARTNER_SECRET})
    assert all(not part["userErrors"] for part in setup.values()), setup

    # ---- placement: authorised by card, confirmed, split by the strategy
    placed = (await server.ok(PLACE))["orderPlace"]
    assert placed["userErrors"] == []
    order = placed["order"]
    assert (order["status"], order["paymentStatus"], order["total"]["amount"]) == (
        "CONFIRMED", "AUTHORIZED", "52.30")
    at = {s["location"]["code"]: s for s in order["shipments"]}
    assert {code: [(ln["orderLine"]["sku"], ln["quantity"]) for ln in s["lines"]]
            for code, s in at.items()} == {"WH1": [("TEE", 2)], "SUP1": [("MUG", 1)]}
    (decision,) = order["routingDecisions"]
    assert (decision["attempt"], decision["outcome"]) == (1, "ROUTED")
    assert sorted((a["location"]["code"], [(ln["orderLine"]["sku"], ln["quantity"])
                                           for ln in a["lines"]])
                  for a in decision["assignments"]) == [("SUP1", [("MUG", 1)]),
                                                        ("WH1", [("TEE", 2)])]
    warehouse, drop_ship = at["WH1"]["id"], at["SUP1"]["id"]
    ann = customer_token(order["customer"]["id"])

    ws = await Ws.open(server.ws_url, ann)
    try:
        # From the first event on: the placement's own updates are replayed.
        updates = await ws.subscribe(SHIPMENT_SUB, {"id": order["id"], "after": "0"})
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
            await _supplier_side(server, http, supplier, drop_ship)
            await _warehouse_side(server, http, warehouse, ann)

            # ---- what the customer saw: each status of each parcel once, in order
            seen = []
            while True:
                try:
                    seen.append((await ws.next(updates, timeout=3))["shipmentUpdated"])
                except asyncio.TimeoutError:
                    break
    finally:
        await ws.close()

    cursors = [int(u["cursor"]) for u in seen]
    assert cursors == sorted(set(cursors))
    statuses = {sid: [(u["status"], u["description"]) for u in seen
                      if u["shipment"]["id"] == sid] for sid in (warehouse, drop_ship)}
    assert statuses[warehouse] == [
        ("PENDING", None), ("PICKING", None), ("PACKED", None), ("PACKED", "label created"),
        ("SHIPPED", None), ("IN_TRANSIT", "Departed hub"),
        ("OUT_FOR_DELIVERY", "With the courier"), ("DELIVERED", "Delivered")]
    assert [s for s, _ in statuses[drop_ship]] == [
        "PENDING", "PICKING", "PACKED", "SHIPPED", "IN_TRANSIT", "DELIVERED"]

    # ---- the books: a capture per shipment, a balanced ledger, COMPLETED
    async def completed():
        found = (await server.ok(ORDER, {"id": order["id"]}))["order"]
        return found if found["status"] == "COMPLETED" else None

    final = await until(completed, "the order to complete")
    assert final["paymentStatus"] == "CAPTURED"
    (payment,) = final["payments"]
    assert (payment["gateway"], payment["status"], _amount(payment["amount"]),
            _amount(payment["authorized"]), _amount(payment["captured"]),
            _amount(payment["refunded"])) == (
        "test", "CAPTURED", Decimal("52.30"), Decimal("52.30"), Decimal("52.30"), Decimal("0"))
    assert sorted((t["kind"], _amount(t["amount"]), t["status"])
                  for t in payment["transactions"]) == [
        ("AUTHORIZE", Decimal("52.30"), "SUCCEEDED"),
        ("CAPTURE", Decimal("12.50"), "SUCCEEDED"),
        ("CAPTURE", Decimal("39.80"), "SUCCEEDED")]
    books = final["receivables"]
    assert (_amount(books["invoiced"]), _amount(books["paid"]), _amount(books["refunded"]),
            _amount(books["outstanding"]), books["balanced"]) == (
        Decimal("52.30"), Decimal("52.30"), Decimal("0"), Decimal("0"), True)
    assert sorted((e["kind"], _amount(e["amount"])) for e in books["entries"]) == [
        ("INVOICE", Decimal("12.50")), ("INVOICE", Decimal("39.80")),
        ("PAYMENT", Decimal("12.50")), ("PAYMENT", Decimal("39.80"))]
    assert sorted(n["kind"] for n in final["notifications"]) == [
        "DELIVERED", "DELIVERED", "RECEIPT", "SHIPPED", "SHIPPED"]
    assert {n["status"] for n in final["notifications"]} == {"RECORDED"}  # no SMTP here
    shipments = {s["location"]["code"]: s for s in final["shipments"]}
    assert [(e["status"], e["description"]) for e in shipments["WH1"]["events"]] == [
        ("IN_TRANSIT", "Accepted at the depot"), ("IN_TRANSIT", "Departed hub"),
        ("OUT_FOR_DELIVERY", "With the courier"), ("DELIVERED", "Delivered")]
    assert {e["source"] for e in shipments["WH1"]["events"]} == {"oms-post"}
    assert [e["status"] for e in shipments["SUP1"]["events"]] == ["IN_TRANSIT", "DELIVERED"]
    assert {e["source"] for e in shipments["SUP1"]["events"]} == {"partner:SUP1"}
    stock = await server.ok(STOCK)
    assert stock["a"]["levels"] == [{"location": {"code": "WH1"}, "onHand": 8, "reserved": 0}]
    assert stock["b"]["levels"] == [{"location": {"code": "SUP1"}, "onHand": 4, "reserved": 0}]


async def _supplier_side(server, http: httpx.AsyncClient, supplier: PartnerServer,
                         shipment_id: str) -> None:
    """The supplier gets its signed request (the first try fails: the OMS
    sends it again), accepts it, ships and reports scans."""
    async def acknowledged():
        nodes = [e["node"] for e in (await server.ok(DELIVERIES))["partnerDeliveries"]["edges"]]
        return nodes if nodes and nodes[0]["status"] == "ACKNOWLEDGED" else None

    (delivery,) = await until(acknowledged, "the supplier's request")
    assert (delivery["kind"], delivery["attempts"]) == ("FULFILLMENT_REQUEST", 2)
    assert supplier.refused == []
    request = supplier.received[-1]["body"]
    assert (request["shipmentId"], [(ln["sku"], ln["quantity"]) for ln in request["lines"]]) == (
        shipment_id, [("MUG", 1)])

    now = datetime.now(timezone.utc).replace(microsecond=0)
    messages = [
        {"type": "ACCEPTED", "shipmentId": shipment_id},
        {"type": "SHIPPED", "shipmentId": shipment_id, "carrier": "dhl", "service": "parcel",
         "trackingNumber": "JD014600003"},
        {"type": "TRACKING", "shipmentId": shipment_id, "status": "IN_TRANSIT",
         "eventId": "s-1", "occurredAt": (now + timedelta(seconds=10)).isoformat()},
        {"type": "TRACKING", "shipmentId": shipment_id, "status": "DELIVERED",
         "eventId": "s-2", "occurredAt": (now + timedelta(seconds=20)).isoformat()},
    ]
    for k, body in enumerate(messages):
        r = await _signed_post(http, "/webhooks/partners/SUP1", PARTNER_SECRET, body, f"sup-{k}")
        assert (r.status_code, r.json()["applied"]) == (200, True), r.text
    replayed = await _signed_post(http, "/webhooks/partners/SUP1", PARTNER_SECRET, messages[-1],
                                  "sup-3")
    assert (replayed.status_code, replayed.json()["code"]) == (409, "CONFLICT")


async def _warehouse_side(server, http: httpx.AsyncClient, shipment_id: str, ann: str) -> None:
    for step in (PICK, PACK):
        await server.ok(step, {"id": shipment_id})
    label = (await server.ok(LABEL, {"id": shipment_id}))["shipmentLabelCreate"]
    assert label["userErrors"] == []
    number = label["shipment"]["trackingNumber"]
    assert label["shipment"]["weightGrams"] == 360
    pdf = await http.get(label["shipment"]["labelUrl"], headers={"Authorization": f"Bearer {ann}"})
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    reader = PdfReader(io.BytesIO(pdf.content))
    assert [(b.text, b.format.name) for b in zxingcpp.read_barcodes(render(reader, dpi=300))] == [
        (number, "Code128")]
    # Neither address names anyone: the parcel is from the location, to the customer.
    text = reader.pages[0].extract_text().splitlines()
    assert text[2:4] == ["FROM", "Warehouse"] and text[7:9] == ["TO", "Ann Martin"], text
    await server.ok(SHIP, {"id": shipment_id})

    now = datetime.now(timezone.utc).replace(microsecond=0)
    scans = {
        "e0": ("IN_TRANSIT", "Accepted at the depot", now + timedelta(seconds=5)),
        "e1": ("IN_TRANSIT", "Departed hub", now + timedelta(seconds=10)),
        "e2": ("OUT_FOR_DELIVERY", "With the courier", now + timedelta(seconds=20)),
        "e3": ("DELIVERED", "Delivered", now + timedelta(seconds=30)),
    }
    answers = []
    # e1; e1 again (the carrier's retry, another message id); e2; e0 late
    # (older than what was applied: the timeline only); e3; e2 late again.
    for event_id, message_id in (("e1", "c1"), ("e1", "c1-retry"), ("e2", "c2"),
                                 ("e0", "c0"), ("e3", "c3"), ("e2", "c2-retry")):
        status, description, at = scans[event_id]
        r = await _signed_post(http, "/webhooks/carriers/oms-post", CARRIER_SECRET, {
            "eventId": event_id, "trackingNumber": number, "status": status,
            "description": description, "location": "Paris", "occurredAt": at.isoformat()},
            message_id)
        answers.append((r.status_code, r.json()["status"], r.json()["applied"]))
    assert answers == [(200, "IN_TRANSIT", True), (200, "IN_TRANSIT", False),
                       (200, "OUT_FOR_DELIVERY", True), (200, "OUT_FOR_DELIVERY", True),
                       (200, "DELIVERED", True), (200, "DELIVERED", False)]
