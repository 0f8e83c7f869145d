"""Hand-off to a 3PL end to end: a real `oms serve` and a real partner HTTP
server (uvicorn, in this test). The order's shipment at the 3PL goes out as
a signed fulfilment request that the partner verifies; the partner fails
the first attempt and takes the second; the delivery log shows both. Then
the partner calls the OMS webhook, signed: ACCEPTED, SHIPPED with its
tracking number, a TRACKING scan; an unsigned call and a replay are
refused. The shipment and the order follow."""
from __future__ import annotations

import asyncio
import json
import time

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from oms.core import signing

from .harness import PLACE, free_port, until

SECRET = "e2e-partner-secret-0123456789"
FAST = {"OMS_HANDOFF_INTERVAL_SECONDS": "0.1", "OMS_CONSUMER_INTERVAL_SECONDS": "0.1",
        "OMS_HANDOFF_RETRY_BASE_SECONDS": "0.2"}

SETUP = """mutation($url: String!, $secret: String!) {
  a: channelCreate(input: {code: "WEB", name: "Web", kind: WEB, currency: "EUR"}) {
    userErrors { code } }
  b: locationCreate(input: {code: "3PL1", name: "Fulfilment partner",
                            kind: THIRD_PARTY_LOGISTICS}) { userErrors { code } }
  c: locationEndpointSet(location: "3PL1", url: $url, secret: $secret) {
    location { endpointUrl hasEndpointSecret } userErrors { code message } }
  d: channelLocationsSet(channel: "WEB", locations: ["3PL1"]) { userErrors { code } }
  e: productUpsert(input: {sku: "TEE", name: "T-shirt", weightGrams: 180,
                           prices: [{channel: "WEB", amount: "19.90"}]}) { userErrors { code } }
  f: stockReceive(sku: "TEE", location: "3PL1", quantity: 10) { userErrors { code } } }"""
CONFIRM = """mutation($id: ID!) { orderConfirm(id: $id) {
  order { status shipments { id } } userErrors { code } } }"""
DELIVERIES = """{ partnerDeliveries(filter: {location: "3PL1"}) { totalCount edges { node {
  kind status attempts lastStatusCode acknowledgedAt shipment { id }
  log { attempt statusCode error actor } } } } }"""
SHIPMENT = """query($id: ID!) { shipment(id: $id) { status carrier service trackingNumber
  events { status description location } order { status } } }"""
STOCK = """{ stockItem(sku: "TEE") { levels { location { code } onHand reserved } } }"""


class PartnerServer:
    """The partner: verifies every request's signature, fails the first."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[dict] = []
        self.refused: list[str] = []
        self.server = uvicorn.Server(uvicorn.Config(
            Starlette(routes=[Route("/requests", self.handle, methods=["POST"])]),
            host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"))

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        try:
            message_id = signing.verify(SECRET, request.headers, body)
        except Exception as exc:  # noqa: BLE001 - recorded and asserted on
            self.refused.append(str(exc))
            return Response(status_code=401)
        self.received.append({"id": message_id, "body": json.loads(body)})
        return Response(status_code=500 if len(self.received) == 1 else 202)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/requests"

    async def __aenter__(self) -> "PartnerServer":
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            assert not self.task.done(), "the partner server did not start"
            await asyncio.sleep(0.01)
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.should_exit = True
        await self.task



async def _webhook(server, body: dict, *, message_id: str, signed: bool = True) -> httpx.Response:
    raw = json.dumps(body).encode()
    headers = signing.sign(SECRET, message_id, raw) if signed else {}
    async with httpx.AsyncClient() as client:
        return await client.post(f"{server.base}/webhooks/partners/3PL1", content=raw,
                                 headers={**headers, "Content-Type": "application/json"},
                                 timeout=30)


async def test_a_3pl_gets_the_request_and_reports_back(server_group):
    async with PartnerServer() as partner:
        (server,) = await server_group.start(1, env=FAST)
        setup = await server.ok(SETUP, {"url": partner.url, "secret": SECRET})
        assert setup["c"]["location"] == {"endpointUrl": partner.url, "hasEndpointSecret": True}
        order = (await server.ok(PLACE, {"email": "ann@example.com", "q": 2}))[
            "orderPlace"]["order"]
        (shipment,) = (await server.ok(CONFIRM, {"id": order["id"]}))[
            "orderConfirm"]["order"]["shipments"]
        sid = shipment["id"]

        async def acknowledged():
            data = (await server.ok(DELIVERIES))["partnerDeliveries"]
            nodes = [e["node"] for e in data["edges"]]
            return nodes if nodes and nodes[0]["status"] == "ACKNOWLEDGED" else None

        (node,) = await until(acknowledged, "the hand-off")
        assert partner.refused == []
        # The same signed message twice: the partner can drop the repeat.
        assert [r["id"] for r in partner.received][0] == partner.received[1]["id"]
        assert len(partner.received) == 2
        body = partner.received[1]["body"]
        assert (body["kind"], body["shipmentId"], body["orderNumber"], body["location"]) == (
            "FULFILLMENT_REQUEST", sid, order["number"], "3PL1")
        assert [(ln["sku"], ln["name"], ln["quantity"]) for ln in body["lines"]] == [
            ("TEE", "T-shirt", 2)]
        assert body["shipTo"]["line1"] == "1 Rue de Rivoli"
        assert body["customerName"] == "E2E"
        assert {k: node[k] for k in ("kind", "status", "attempts", "lastStatusCode")} == {
            "kind": "FULFILLMENT_REQUEST", "status": "ACKNOWLEDGED", "attempts": 2,
            "lastStatusCode": 202}
        assert node["shipment"] == {"id": sid}
        assert node["log"] == [
            {"attempt": 1, "statusCode": 500, "error": "HTTP 500", "actor": "system:handoff"},
            {"attempt": 2, "statusCode": 202, "error": None, "actor": "system:handoff"}]

    unsigned = await _webhook(server, {"type": "ACCEPTED", "shipmentId": sid},
                              message_id="p-0", signed=False)
    assert unsigned.status_code == 401
    accepted = await _webhook(server, {"type": "ACCEPTED", "shipmentId": sid},
                              message_id="p-1")
    assert (accepted.status_code, accepted.json()) == (
        200, {"applied": True, "shipmentId": sid, "status": "PICKING"})
    replay = await _webhook(server, {"type": "ACCEPTED", "shipmentId": sid}, message_id="p-1")
    assert (replay.status_code, replay.json()["code"]) == (409, "CONFLICT")
    shipped = await _webhook(server, {"type": "SHIPPED", "shipmentId": sid, "carrier": "dhl",
                                      "service": "parcel", "trackingNumber": "JD014600003"},
                             message_id="p-2")
    assert (shipped.status_code, shipped.json()["status"]) == (200, "SHIPPED")
    scan = await _webhook(server, {"type": "TRACKING", "shipmentId": sid,
                                   "status": "IN_TRANSIT", "description": "Left the hub",
                                   "location": "Lyon", "eventId": "dhl-1",
                                   "occurredAt": time.strftime("%Y-%m-%dT%H:%M:%S+00:00",
                                                               time.gmtime())},
                          message_id="p-3")
    assert (scan.status_code, scan.json()) == (
        200, {"applied": True, "shipmentId": sid, "status": "IN_TRANSIT"})

    found = (await server.ok(SHIPMENT, {"id": sid}))["shipment"]
    assert {k: found[k] for k in ("status", "carrier", "service", "trackingNumber")} == {
        "status": "IN_TRANSIT", "carrier": "dhl", "service": "parcel",
        "trackingNumber": "JD014600003"}
    assert found["events"] == [{"status": "IN_TRANSIT", "description": "Left the hub",
                                "location": "Lyon"}]
    assert found["order"]["status"] == "SHIPPED"
    assert (await server.ok(STOCK))["stockItem"]["levels"] == [
        {"location": {"code": "3PL1"}, "onHand": 8, "reserved": 0}]
