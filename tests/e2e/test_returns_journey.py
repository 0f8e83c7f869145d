"""Issue 5 end to end, over a real `oms serve` and signed carrier webhooks:

Bob buys a mug; Ann buys two T-shirts and a mug by card. Ann's order is
delivered; as the customer she asks to return one T-shirt (too small) and the
mug (damaged). Staff approve: the return label PDF parses, its barcode
decodes to the return's tracking number, and she may download it. The
carrier scans the parcel on its way back (through the carrier webhook, which
finds the return by its number). The warehouse receives the T-shirt as
resalable and the mug as damaged; the refund goes back through the gateway,
less the return label fee the channel's policy charges. Then Ann returns a
second order's T-shirt for another size: the exchange places a free
replacement that reserves the other size.

At each step the stock, the order's ledger and statuses, Ann's lifetime value
and both customers' segments are exactly what they must be, and Ann's app,
subscribed to returnUpdated, sees every status of her return once, in order.
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

from .harness import PACK, PICK, SHIP, Ws, customer_token, until

CARRIER_SECRET = "e2e-returns-carrier-secret"
ENV = {"OMS_CONSUMER_INTERVAL_SECONDS": "0.1", "OMS_RECOVERY_INTERVAL_SECONDS": "0.5",
       "OMS_CARRIER_WEBHOOK_SECRETS": json.dumps({"oms-post": CARRIER_SECRET})}
D = Decimal

SETUP = """mutation {
  a: channelCreate(input: {code: "WEB", name: "Web", kind: WEB, currency: "EUR"}) {
    userErrors { code } }
  b: locationCreate(input: {code: "WH1", name: "Warehouse", kind: WAREHOUSE,
     address: {line1: "1 Quai Claude Bernard", city: "Lyon", postalCode: "69007",
               country: "FR"}}) { userErrors { code } }
  c: channelLocationsSet(channel: "WEB", locations: ["WH1"]) { userErrors { code } }
  d: productUpsert(input: {sku: "TEE", name: "T-shirt M", weightGrams: 180,
     prices: [{channel: "WEB", amount: "19.90"}]}) { userErrors { code } }
  e: productUpsert(input: {sku: "TEE-L", name: "T-shirt L", weightGrams: 190,
     prices: [{channel: "WEB", amount: "19.90"}]}) { userErrors { code } }
  f: productUpsert(input: {sku: "MUG", name: "Mug", weightGrams: 350,
     prices: [{channel: "WEB", amount: "12.50"}]}) { userErrors { code } }
  g: stockReceive(sku: "TEE", location: "WH1", quantity: 10) { userErrors { code } }
  h: stockReceive(sku: "TEE-L", location: "WH1", quantity: 5) { userErrors { code } }
  i: stockReceive(sku: "MUG", location: "WH1", quantity: 5) { userErrors { code } }
  j: returnPolicySet(channel: "WEB", input: {windowDays: 30, returnShippingPayer: CUSTOMER,
     returnShippingFee: "2.50", returnLocation: "WH1"}) { userErrors { code message } } }"""

PLACE = """mutation($email: String!, $name: String!, $lines: [OrderLineInput!]!, $key: String!) {
  orderPlace(input: {channel: "WEB", source: WEB, customer: {email: $email, name: $name},
  lines: $lines, shippingAddress: {name: $name, line1: "1 Rue de Rivoli", city: "Paris",
  postalCode: "75001", country: "FR"}, payment: {gateway: "test", token: "tok_approve"},
  idempotencyKey: $key}) {
  order { id number status total { amount } customer { id }
          lines { id sku } shipments { id } }
  userErrors { code field message } } }"""

DELIVER = """mutation($id: ID!) { shipmentTrackingRecord(input: {shipmentId: $id,
  status: DELIVERED, description: "Delivered"}) { shipment { status } userErrors { code } } }"""

RETURN_FIELDS = """id number status resolution labelUrl trackingNumber
  lines { orderLine { sku } quantity reason condition restocked
          received { resalable damaged missing } }
  refundTotal { amount } shippingFee { amount }
  exchangeOrder { id status paymentStatus total { amount }
                  lines { sku quantity unitPrice { amount } } }
  events { status description }"""

REQUEST = """mutation($input: ReturnRequestInput!) { returnRequest(input: $input) {
  return { %s } userErrors { code field message } } }""" % RETURN_FIELDS
APPROVE = """mutation($id: ID!) { returnApprove(id: $id) {
  return { %s } userErrors { code message } } }""" % RETURN_FIELDS
RECEIVE = """mutation($id: ID!, $lines: [ReturnReceiveLineInput!]!) {
  returnReceive(id: $id, lines: $lines, location: "WH1") {
  return { %s } userErrors { code field message } } }""" % RETURN_FIELDS
REFUND = """mutation($id: ID!) { returnRefund(id: $id) {
  return { %s } userErrors { code message } } }""" % RETURN_FIELDS
EXCHANGE = """mutation($id: ID!) { returnExchange(id: $id) {
  return { %s } userErrors { code message } } }""" % RETURN_FIELDS
RETURN = """query($id: ID!) { return(id: $id) { %s } }""" % RETURN_FIELDS

RETURN_SUB = """subscription($id: ID!) { returnUpdated(orderId: $id) { number status } }"""

ORDER = """query($id: ID!) { order(id: $id) { status paymentStatus
  lines { sku quantityShipped quantityReturned }
  returns { number status }
  receivables { invoiced { amount } paid { amount } refunded { amount } credited { amount }
                outstanding { amount } balanced } } }"""

CUSTOMERS = """{ customers(orderBy: {field: LIFETIME_VALUE, direction: DESC}, first: 10) {
  edges { node { email ordersCount lifetimeValue { amount } averageOrderValue { amount }
                 segment rfm { recency frequency monetary } predictedYearlyValue { amount }
  } } } }"""

STOCK = """{ a: stockItem(sku: "TEE") { levels { onHand reserved damaged } }
             b: stockItem(sku: "MUG") { levels { onHand reserved damaged } }
             c: stockItem(sku: "TEE-L") { levels { onHand reserved damaged } } }"""


BOTH_AFTER_SECOND_ORDER = {
    "ann@example.com": (2, D("42.30"), D("21.15"), "LOYAL", 4, 4, 4, D("42.30")),
    "bob@example.com": (1, D("12.50"), D("12.50"), "HIBERNATING", 2, 2, 2, D("12.50"))}


def _money(m: dict | None) -> Decimal | None:
    return None if m is None else D(m["amount"])


async def _signed_scan(http: httpx.AsyncClient, body: dict, message_id: str) -> httpx.Response:
    raw = json.dumps(body).encode()
    return await http.post("/webhooks/carriers/oms-post", content=raw, headers={
        **signing.sign(CARRIER_SECRET, message_id, raw), "Content-Type": "application/json"})


async def _place(server, email: str, name: str, lines: list[dict], key: str) -> dict:
    placed = (await server.ok(PLACE, {"email": email, "name": name, "lines": lines,
                                      "key": key}))["orderPlace"]
    assert placed["userErrors"] == [], placed
    return placed["order"]


async def _deliver(server, order: dict) -> None:
    """Pick, pack, ship (the payment is captured) and deliver every parcel."""
    for shipment in order["shipments"]:
        for step in (PICK, PACK, SHIP):
            await server.ok(step, {"id": shipment["id"]})
        answer = (await server.ok(DELIVER, {"id": shipment["id"]}))["shipmentTrackingRecord"]
        assert answer["userErrors"] == [] and answer["shipment"]["status"] == "DELIVERED"


async def _stock(server) -> dict:
    found = await server.ok(STOCK)
    return {sku: tuple(found[k]["levels"][0][f] for f in ("onHand", "reserved", "damaged"))
            for k, sku in (("a", "TEE"), ("b", "MUG"), ("c", "TEE-L"))}


async def _customers_become(server, expected: dict) -> dict:
    """Wait until the consumers have brought both customers' figures and
    segments to `expected`; return what the list shows."""
    async def shown():
        nodes = [e["node"] for e in (await server.ok(CUSTOMERS))["customers"]["edges"]]
        got = {n["email"]: (n["ordersCount"], _money(n["lifetimeValue"]),
                            _money(n["averageOrderValue"]), n["segment"],
                            (n["rfm"] or {}).get("recency"), (n["rfm"] or {}).get("frequency"),
                            (n["rfm"] or {}).get("monetary"),
                            _money(n["predictedYearlyValue"])) for n in nodes}
        return got if got == expected else None

    try:
        return await until(shown, "the customers' figures and segments", timeout=20)
    except AssertionError:
        nodes = [e["node"] for e in (await server.ok(CUSTOMERS))["customers"]["edges"]]
        raise AssertionError(f"customers are {nodes}, expected {expected}") from None


async def _order_is(server, order_id: str, expected: tuple) -> dict:
    """(status, paymentStatus, [(sku, shipped, returned)], (invoiced, paid,
    refunded, credited, outstanding, balanced))."""
    async def shown():
        o = (await server.ok(ORDER, {"id": order_id}))["order"]
        r = o["receivables"]
        got = (o["status"], o["paymentStatus"],
               [(ln["sku"], ln["quantityShipped"], ln["quantityReturned"]) for ln in o["lines"]],
               (_money(r["invoiced"]), _money(r["paid"]), _money(r["refunded"]),
                _money(r["credited"]), _money(r["outstanding"]), r["balanced"]))
        return o if got == expected else None

    try:
        return await until(shown, "the order's state", timeout=20)
    except AssertionError:
        raise AssertionError(
            f"order is {(await server.ok(ORDER, {'id': order_id}))['order']}, "
            f"expected {expected}") from None


def _line(order: dict, sku: str) -> str:
    return next(ln["id"] for ln in order["lines"] if ln["sku"] == sku)


async def test_return_refund_and_exchange_from_the_customers_app(server_group):
    (server,) = await server_group.start(1, env=ENV)
    setup = await server.ok(SETUP)
    assert all(not part["userErrors"] for part in setup.values()), setup

    # ---- Bob, then Ann, buy; both orders are delivered and paid
    bob_order = await _place(server, "bob@example.com", "Bob Stone",
                             [{"sku": "MUG", "quantity": 1}], "bob-1")
    await _deliver(server, bob_order)
    await asyncio.sleep(1.1)  # recency is scored on whole seconds: Ann's order is later
    order = await _place(server, "ann@example.com", "Ann Martin",
                         [{"sku": "TEE", "quantity": 2}, {"sku": "MUG", "quantity": 1}], "ann-1")
    assert (order["status"], order["total"]["amount"]) == ("CONFIRMED", "52.30")
    await _deliver(server, order)
    paid = (D("52.30"), D("52.30"), D("0"), D("0"), D("0"), True)
    await _order_is(server, order["id"], ("COMPLETED", "CAPTURED",
                                          [("TEE", 2, 0), ("MUG", 1, 0)], paid))
    assert await _stock(server) == {"TEE": (8, 0, 0), "MUG": (3, 0, 0), "TEE-L": (5, 0, 0)}
    # Two customers: Ann ordered later (R4) and paid more (M4); one order each
    # (F3, a tie). Ann: FM = (3 + 4) / 2 half up = 4 -> LOYAL; Bob R2 F3 M2,
    # FM 3 -> AT_RISK. Their predicted yearly value is what they paid (idle 0
    # days, active span floored to a year).
    await _customers_become(server, {
        "ann@example.com": (1, D("52.30"), D("52.30"), "LOYAL", 4, 3, 4, D("52.30")),
        "bob@example.com": (1, D("12.50"), D("12.50"), "AT_RISK", 2, 3, 2, D("12.50"))})

    ann = customer_token(order["customer"]["id"])
    ws = await Ws.open(server.ws_url, ann)
    try:
        updates = await ws.subscribe(RETURN_SUB, {"id": order["id"]})
        await server.wait_for_subscribers(1)
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
            ret = await _return_and_refund(server, http, order, ann)
        seen = []
        while True:
            try:
                seen.append((await ws.next(updates, timeout=3))["returnUpdated"])
            except asyncio.TimeoutError:
                break
    finally:
        await ws.close()
    # ---- what Ann's app saw: each status once, in order
    assert seen == [{"number": ret["number"], "status": s} for s in
                    ("REQUESTED", "APPROVED", "IN_TRANSIT", "RECEIVED", "REFUNDED")]

    # ---- an exchange of another order: another size, at no charge
    second = await _place(server, "ann@example.com", "Ann Martin",
                          [{"sku": "TEE", "quantity": 1}], "ann-2")
    await _deliver(server, second)
    # Ann: two orders (F4 against Bob's one), 22.40 + 19.90 paid; Bob now
    # scores R2 F2 M2, FM 2 -> HIBERNATING.
    await _customers_become(server, BOTH_AFTER_SECOND_ORDER)
    await _exchange(server, second, ann)


async def _return_and_refund(server, http: httpx.AsyncClient, order: dict, ann: str) -> dict:
    # ---- Ann asks, from her app, to return one T-shirt and the mug
    asked = (await server.gql(REQUEST, {"input": {
        "orderId": order["id"], "resolution": "REFUND", "lines": [
            {"orderLineId": _line(order, "TEE"), "quantity": 1, "reason": "TOO_SMALL"},
            {"orderLineId": _line(order, "MUG"), "quantity": 1,
             "reason": "DAMAGED_IN_TRANSIT"}]}}, auth=ann))["data"]["returnRequest"]
    assert asked["userErrors"] == [], asked
    ret = asked["return"]
    assert (ret["status"], ret["labelUrl"], _money(ret["shippingFee"])) == (
        "REQUESTED", None, D("2.50"))
    # She cannot ask for more than was delivered and not already asked back.
    again = (await server.gql(REQUEST, {"input": {
        "orderId": order["id"], "resolution": "REFUND", "lines": [
            {"orderLineId": _line(order, "MUG"), "quantity": 1, "reason": "OTHER"}]}},
        auth=ann))["data"]["returnRequest"]
    assert [e["code"] for e in again["userErrors"]] == ["QUANTITY_EXCEEDS_RETURNABLE"]

    # ---- staff approve: a return label she can download, with a barcode
    approved = (await server.ok(APPROVE, {"id": ret["id"]}))["returnApprove"]
    assert approved["userErrors"] == []
    ret = approved["return"]
    number = ret["trackingNumber"]
    assert ret["status"] == "APPROVED" and number and ret["labelUrl"]
    pdf = await http.get(ret["labelUrl"], headers={"Authorization": f"Bearer {ann}"})
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    reader = PdfReader(io.BytesIO(pdf.content))
    assert [(b.text, b.format.name) for b in zxingcpp.read_barcodes(render(reader, dpi=300))] == [
        (number, "Code128")]
    text = reader.pages[0].extract_text()
    assert "Ann Martin" in text and "Warehouse" in text, text
    assert (await http.get(ret["labelUrl"])).status_code == 401

    # ---- the carrier scans the parcel on its way back (twice: applied once)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    scan = {"eventId": "r-1", "trackingNumber": number, "status": "IN_TRANSIT",
            "description": "Dropped off", "location": "Paris",
            "occurredAt": (now + timedelta(seconds=5)).isoformat()}
    answers = []
    for message_id in ("m-1", "m-1-retry"):
        r = await _signed_scan(http, scan, message_id)
        answers.append((r.status_code, r.json().get("status"), r.json().get("applied")))
    assert answers == [(200, "IN_TRANSIT", True), (200, "IN_TRANSIT", False)], answers
    ret = (await server.ok(RETURN, {"id": ret["id"]}))["return"]
    assert (ret["status"], ret["events"]) == (
        "IN_TRANSIT", [{"status": "IN_TRANSIT", "description": "Dropped off"}])

    # ---- the warehouse receives the T-shirt resalable, the mug damaged
    received = (await server.ok(RECEIVE, {"id": ret["id"], "lines": [
        {"orderLineId": _line(order, "TEE"), "quantity": 1, "condition": "RESALABLE"},
        {"orderLineId": _line(order, "MUG"), "quantity": 1, "condition": "DAMAGED"}]}
    ))["returnReceive"]
    assert received["userErrors"] == [], received
    ret = received["return"]
    assert [(ln["orderLine"]["sku"], ln["quantity"], ln["reason"], ln["condition"],
             ln["restocked"], ln["received"]) for ln in ret["lines"]] == [
        ("TEE", 1, "TOO_SMALL", "RESALABLE", True, {"resalable": 1, "damaged": 0, "missing": 0}),
        ("MUG", 1, "DAMAGED_IN_TRANSIT", "DAMAGED", False,
         {"resalable": 0, "damaged": 1, "missing": 0})]
    assert await _stock(server) == {"TEE": (9, 0, 0), "MUG": (4, 0, 1), "TEE-L": (5, 0, 0)}
    await _order_is(server, order["id"], (
        "COMPLETED", "CAPTURED", [("TEE", 2, 1), ("MUG", 1, 1)],
        (D("52.30"), D("52.30"), D("0"), D("0"), D("0"), True)))

    # ---- the refund: both units at their price, less Ann's 2.50 label fee
    refunded = (await server.ok(REFUND, {"id": ret["id"]}))["returnRefund"]
    assert refunded["userErrors"] == [], refunded
    assert (refunded["return"]["status"], _money(refunded["return"]["refundTotal"])) == (
        "REFUNDED", D("29.90"))
    # Asked again: refunded once.
    repeated = (await server.ok(REFUND, {"id": ret["id"]}))["returnRefund"]
    assert _money((repeated["return"] or {}).get("refundTotal")) in (None, D("29.90"))
    await _order_is(server, order["id"], (
        "COMPLETED", "PARTIALLY_REFUNDED", [("TEE", 2, 1), ("MUG", 1, 1)],
        (D("52.30"), D("52.30"), D("29.90"), D("29.90"), D("0"), True)))
    # 52.30 - 29.90 = 22.40, still above Bob's 12.50: Ann stays LOYAL.
    await _customers_become(server, {
        "ann@example.com": (1, D("22.40"), D("22.40"), "LOYAL", 4, 3, 4, D("22.40")),
        "bob@example.com": (1, D("12.50"), D("12.50"), "AT_RISK", 2, 3, 2, D("12.50"))})
    return ret


async def _exchange(server, second: dict, ann: str) -> None:
    asked = (await server.gql(REQUEST, {"input": {
        "orderId": second["id"], "resolution": "EXCHANGE", "lines": [
            {"orderLineId": _line(second, "TEE"), "quantity": 1, "reason": "TOO_SMALL",
             "exchangeSku": "TEE-L"}]}}, auth=ann))["data"]["returnRequest"]
    assert asked["userErrors"] == [], asked
    ret_id = asked["return"]["id"]
    assert (await server.ok(APPROVE, {"id": ret_id}))["returnApprove"]["userErrors"] == []
    received = (await server.ok(RECEIVE, {"id": ret_id, "lines": [
        {"orderLineId": _line(second, "TEE"), "quantity": 1, "condition": "RESALABLE"}]}
    ))["returnReceive"]
    assert received["userErrors"] == []
    # The returned T-shirt is back on the shelf: 8 after the second order, 9 now.
    assert await _stock(server) == {"TEE": (9, 0, 0), "MUG": (4, 0, 1), "TEE-L": (5, 0, 0)}

    exchanged = (await server.ok(EXCHANGE, {"id": ret_id}))["returnExchange"]
    assert exchanged["userErrors"] == [], exchanged
    ret = exchanged["return"]
    replacement = ret["exchangeOrder"]
    assert (ret["status"], replacement["status"], replacement["paymentStatus"],
            _money(replacement["total"])) == ("EXCHANGED", "CONFIRMED", "CAPTURED", D("0.00"))
    assert [(ln["sku"], ln["quantity"], _money(ln["unitPrice"]))
            for ln in replacement["lines"]] == [("TEE-L", 1, D("0.00"))]
    # The replacement reserves the other size.
    assert await _stock(server) == {"TEE": (9, 0, 0), "MUG": (4, 0, 1), "TEE-L": (5, 1, 0)}
    # Asked again: the same replacement, no second order.
    again = (await server.ok(EXCHANGE, {"id": ret_id}))["returnExchange"]
    assert (again["return"] or {}).get("exchangeOrder", {}).get("id") in (None, replacement["id"])
    assert await _stock(server) == {"TEE": (9, 0, 0), "MUG": (4, 0, 1), "TEE-L": (5, 1, 0)}
    # The second order keeps its money (nothing refunded for an exchange) and
    # the replacement is not another order of Ann's: her figures stay put.
    await _order_is(server, second["id"], (
        "COMPLETED", "CAPTURED", [("TEE", 1, 1)],
        (D("19.90"), D("19.90"), D("0"), D("0"), D("0"), True)))
    await _customers_become(server, BOTH_AFTER_SECOND_ORDER)
