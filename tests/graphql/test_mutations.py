"""Every mutation through GraphQL: what it returns, its userErrors (code and
field path) and that a mutation with userErrors changes nothing at all."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from .helpers import PLACE, Gql, db_snapshot, place, place_input, setup_shop

CHANNEL_CREATE = """mutation($i: ChannelCreateInput!) { channelCreate(input: $i) {
  channel { id code name kind currency locations { code } }
  userErrors { code field message } } }"""
LOCATION_CREATE = """mutation($i: LocationCreateInput!) { locationCreate(input: $i) {
  location { id code name kind address { name line1 city postalCode country phone } }
  userErrors { code field message } } }"""
CHANNEL_LOCATIONS_SET = """mutation($c: String!, $l: [String!]!) {
  channelLocationsSet(channel: $c, locations: $l) {
    channel { code locations { code } } userErrors { code field message } } }"""
PRODUCT_UPSERT = """mutation($i: ProductUpsertInput!) { productUpsert(input: $i) {
  product { sku name weightGrams web: price(channel: "WEB") { amount currency } }
  userErrors { code field message } } }"""
STOCK_FIELDS = """stockItem { sku levels { location { code } onHand reserved available }
                  channels { channel { code } available reserved } }
                  userErrors { code field message }"""
STOCK_RECEIVE = """mutation($s: String!, $l: String!, $q: Int!, $r: String) {
  stockReceive(sku: $s, location: $l, quantity: $q, reference: $r) { %s } }""" % STOCK_FIELDS
STOCK_ADJUST = """mutation($s: String!, $l: String!, $d: Int!, $r: String!) {
  stockAdjust(sku: $s, location: $l, delta: $d, reason: $r) { %s } }""" % STOCK_FIELDS
STOCK_TRANSFER = """mutation($s: String!, $f: String!, $t: String!, $q: Int!) {
  stockTransfer(sku: $s, from: $f, to: $t, quantity: $q) { %s } }""" % STOCK_FIELDS
ORDER_FIELDS = """order { id number status paymentStatus shipments { id status location { code } }
                          events { type fromStatus toStatus message actor } }
                  userErrors { code field message }"""
ORDER_CONFIRM = "mutation($id: ID!) { orderConfirm(id: $id) { %s } }" % ORDER_FIELDS
ORDER_HOLD = "mutation($id: ID!, $r: String!) { orderHold(id: $id, reason: $r) { %s } }" \
    % ORDER_FIELDS
ORDER_RELEASE = "mutation($id: ID!) { orderReleaseHold(id: $id) { %s } }" % ORDER_FIELDS
ORDER_CANCEL = "mutation($id: ID!, $r: String) { orderCancel(id: $id, reason: $r) { %s } }" \
    % ORDER_FIELDS
SHIPMENT_FIELDS = """shipment { id status shippedAt deliveredAt trackingNumber
                                order { status } lines { quantity orderLine { sku } }
                                events { status description location occurredAt } }
                     userErrors { code field message }"""
SHIPMENT_PICK = "mutation($id: ID!) { shipmentPick(id: $id) { %s } }" % SHIPMENT_FIELDS
SHIPMENT_PACK = "mutation($id: ID!) { shipmentPack(id: $id) { %s } }" % SHIPMENT_FIELDS
SHIPMENT_SHIP = "mutation($id: ID!) { shipmentShip(id: $id) { %s } }" % SHIPMENT_FIELDS
TRACKING = """mutation($i: ShipmentTrackingInput!) { shipmentTrackingRecord(input: $i) {
  %s } }""" % SHIPMENT_FIELDS

MISSING_ORDER = "T3JkZXI6OTk5OTk"  # Order:99999
MISSING_SHIPMENT = "U2hpcG1lbnQ6OTk5OTk"  # Shipment:99999


async def ok(gql: Gql, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The payload of a mutation that must succeed."""
    (payload,) = (await gql(query, variables)).ok().values()
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def refused(gql: Gql, query: str, variables: dict[str, Any]) -> list[tuple[str, Any]]:
    """A mutation that must answer userErrors, leave its object null and the
    whole database exactly as it was; its (code, field) pairs."""
    before = await db_snapshot()
    r = await gql(query, variables)
    (payload,) = r.ok().values()
    assert payload["userErrors"], payload
    assert all(v is None for k, v in payload.items() if k != "userErrors"), payload
    for e in payload["userErrors"]:
        assert e["message"] and isinstance(e["message"], str)
    assert await db_snapshot() == before
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


# ---- setup

async def test_channel_create(gql):
    p = await ok(gql, CHANNEL_CREATE, {"i": {"code": "WEB", "name": "Web shop", "kind": "WEB",
                                            "currency": "eur"}})
    assert p["channel"] == {"id": "WEB", "code": "WEB", "name": "Web shop", "kind": "WEB",
                            "currency": "EUR", "locations": []}
    assert (await gql("{ channel(code: \"WEB\") { name } }")).ok() == {
        "channel": {"name": "Web shop"}}


async def test_channel_create_user_errors(gql):
    await ok(gql, CHANNEL_CREATE, {"i": {"code": "WEB", "name": "Web", "kind": "WEB",
                                        "currency": "EUR"}})
    good = {"code": "SHOP2", "name": "Shop", "kind": "MARKETPLACE", "currency": "EUR"}
    assert await refused(gql, CHANNEL_CREATE, {"i": {**good, "code": "WEB"}}) == [
        ("DUPLICATE", ["code"])]
    assert await refused(gql, CHANNEL_CREATE, {"i": {**good, "code": "no spaces!"}}) == [
        ("INVALID", ["code"])]
    assert await refused(gql, CHANNEL_CREATE, {"i": {**good, "code": ""}}) == [
        ("INVALID", ["code"])]
    assert await refused(gql, CHANNEL_CREATE, {"i": {**good, "name": "  "}}) == [
        ("INVALID", ["name"])]
    assert await refused(gql, CHANNEL_CREATE, {"i": {**good, "currency": "EURO"}}) == [
        ("INVALID", ["currency"])]
    assert await refused(gql, CHANNEL_CREATE, {"i": {**good, "currency": "ZZZ"}}) == [
        ("INVALID", ["currency"])]


async def test_location_create(gql):
    p = await ok(gql, LOCATION_CREATE, {"i": {
        "code": "WH-EU", "name": "Central", "kind": "WAREHOUSE",
        "address": {"line1": " 1 Demo Street ", "city": "Lyon", "postalCode": "69007",
                    "country": "fr", "phone": "04 72 00 00 00"}}})
    assert p["location"] == {"id": "WH-EU", "code": "WH-EU", "name": "Central",
                             "kind": "WAREHOUSE", "address": {
                                 "name": None, "line1": "1 Demo Street", "city": "Lyon",
                                 "postalCode": "69007", "country": "FR",
                                 "phone": "+33472000000"}}
    p = await ok(gql, LOCATION_CREATE, {"i": {"code": "3PL", "name": "3PL",
                                             "kind": "THIRD_PARTY_LOGISTICS"}})
    assert p["location"]["address"] is None


async def test_location_create_user_errors(gql):
    await ok(gql, LOCATION_CREATE, {"i": {"code": "WH1", "name": "One", "kind": "WAREHOUSE"}})
    addr = {"line1": "1 Demo Street", "city": "Lyon", "postalCode": "69007", "country": "FR"}
    good = {"code": "WH2", "name": "Two", "kind": "STORE", "address": addr}
    assert await refused(gql, LOCATION_CREATE, {"i": {**good, "code": "WH1"}}) == [
        ("DUPLICATE", ["code"])]
    assert await refused(gql, LOCATION_CREATE, {"i": {**good, "code": "a/b"}}) == [
        ("INVALID", ["code"])]
    assert await refused(gql, LOCATION_CREATE, {"i": {**good, "name": ""}}) == [
        ("INVALID", ["name"])]
    assert await refused(gql, LOCATION_CREATE, {"i": {**good, "address": {
        **addr, "country": "XX"}}}) == [("INVALID", ["address", "country"])]
    assert await refused(gql, LOCATION_CREATE, {"i": {**good, "address": {
        **addr, "line1": " "}}}) == [("INVALID", ["address", "line1"])]
    assert await refused(gql, LOCATION_CREATE, {"i": {**good, "address": {
        **addr, "phone": "12"}}}) == [("INVALID", ["address", "phone"])]


async def test_channel_locations_set(gql):
    await setup_shop(gql, channels={"WEB": ["WH1", "WH2"], "STORE": ["WH2"]})
    p = await ok(gql, CHANNEL_LOCATIONS_SET, {"c": "WEB", "l": ["WH2", "WH1"]})
    assert p["channel"] == {"code": "WEB", "locations": [{"code": "WH2"}, {"code": "WH1"}]}
    p = await ok(gql, CHANNEL_LOCATIONS_SET, {"c": "STORE", "l": []})
    assert p["channel"]["locations"] == []
    assert await refused(gql, CHANNEL_LOCATIONS_SET, {"c": "NOPE", "l": ["WH1"]}) == [
        ("NOT_FOUND", ["channel"])]
    assert await refused(gql, CHANNEL_LOCATIONS_SET, {"c": "WEB", "l": ["WH1", "WH9"]}) == [
        ("NOT_FOUND", ["locations"])]
    assert await refused(gql, CHANNEL_LOCATIONS_SET, {"c": "WEB", "l": ["WH1", "WH1"]}) == [
        ("INVALID", ["locations"])]
    r = await gql('{ channel(code: "WEB") { locations { code } } }')
    assert r.ok()["channel"]["locations"] == [{"code": "WH2"}, {"code": "WH1"}]


async def test_product_upsert_creates_then_updates(gql):
    await setup_shop(gql, prices={})
    p = await ok(gql, PRODUCT_UPSERT, {"i": {"sku": "TEE", "name": "Tee", "weightGrams": 180,
                                            "prices": [{"channel": "WEB", "amount": "19.9"}]}})
    assert p["product"] == {"sku": "TEE", "name": "Tee", "weightGrams": 180,
                            "web": {"amount": "19.90", "currency": "EUR"}}
    p = await ok(gql, PRODUCT_UPSERT, {"i": {"sku": "TEE", "name": "Tee v2",
                                            "prices": [{"channel": "WEB", "amount": "21.00"}]}})
    assert p["product"] == {"sku": "TEE", "name": "Tee v2", "weightGrams": None,
                            "web": {"amount": "21.00", "currency": "EUR"}}
    r = await gql('{ product(sku: "TEE") { name price(channel: "NOPE") { amount } } }')
    assert r.ok() == {"product": {"name": "Tee v2", "price": None}}


async def test_product_upsert_user_errors(gql):
    await setup_shop(gql)
    good = {"sku": "SKU-A", "name": "Renamed", "weightGrams": 5,
            "prices": [{"channel": "WEB", "amount": "11.00"}]}
    assert await refused(gql, PRODUCT_UPSERT, {"i": {**good, "sku": "bad sku"}}) == [
        ("INVALID", ["sku"])]
    assert await refused(gql, PRODUCT_UPSERT, {"i": {**good, "name": ""}}) == [
        ("INVALID", ["name"])]
    assert await refused(gql, PRODUCT_UPSERT, {"i": {**good, "weightGrams": -1}}) == [
        ("INVALID", ["weightGrams"])]
    assert await refused(gql, PRODUCT_UPSERT, {"i": {**good, "prices": [
        {"channel": "WEB", "amount": "-0.01"}]}}) == [("INVALID", ["prices", "0", "amount"])]
    assert await refused(gql, PRODUCT_UPSERT, {"i": {**good, "prices": [
        {"channel": "WEB", "amount": "1e400"}]}}) == [("INVALID", ["prices", "0", "amount"])]
    assert await refused(gql, PRODUCT_UPSERT, {"i": {**good, "prices": [
        {"channel": "WEB", "amount": "NaN"}]}}) == [("INVALID", ["prices", "0", "amount"])]
    assert await refused(gql, PRODUCT_UPSERT, {"i": {**good, "prices": [
        {"channel": "WEB", "amount": "1"}, {"channel": "WEB", "amount": "2"}]}}) == [
        ("INVALID", ["prices"])]
    # An unknown channel rolls back the whole upsert, rename included.
    assert await refused(gql, PRODUCT_UPSERT, {"i": {**good, "prices": [
        {"channel": "WEB", "amount": "1"}, {"channel": "MARS", "amount": "2"}]}}) == [
        ("NOT_FOUND", ["prices"])]
    r = await gql('{ product(sku: "SKU-A") { name weightGrams price(channel: "WEB") { amount } } }')
    assert r.ok()["product"] == {"name": "SKU-A", "weightGrams": 100, "price": {"amount": "10.00"}}


# ---- inventory

async def test_stock_receive_adjust_transfer(gql):
    await setup_shop(gql, stock={})
    p = await ok(gql, STOCK_RECEIVE, {"s": "SKU-A", "l": "WH1", "q": 7, "r": "PO-1"})
    assert p["stockItem"] == {
        "sku": "SKU-A",
        "levels": [{"location": {"code": "WH1"}, "onHand": 7, "reserved": 0, "available": 7}],
        "channels": [{"channel": {"code": "WEB"}, "available": 7, "reserved": 0}]}
    p = await ok(gql, STOCK_ADJUST, {"s": "SKU-A", "l": "WH1", "d": -2, "r": "broken"})
    assert p["stockItem"]["levels"][0]["onHand"] == 5
    p = await ok(gql, STOCK_TRANSFER, {"s": "SKU-A", "f": "WH1", "t": "WH2", "q": 3})
    levels = {lv["location"]["code"]: lv["onHand"] for lv in p["stockItem"]["levels"]}
    assert levels == {"WH1": 2, "WH2": 3}
    assert p["stockItem"]["channels"] == [{"channel": {"code": "WEB"}, "available": 5,
                                           "reserved": 0}]


async def test_stock_mutation_user_errors(gql):
    await setup_shop(gql)  # SKU-A: 10 at WH1
    await place(gql, [("SKU-A", 4)])  # 4 reserved at WH1
    assert await refused(gql, STOCK_RECEIVE, {"s": "SKU-A", "l": "WH1", "q": 0}) == [
        ("INVALID", ["quantity"])]
    assert await refused(gql, STOCK_RECEIVE, {"s": "SKU-A", "l": "WH1", "q": 1_000_001}) == [
        ("INVALID", ["quantity"])]
    assert await refused(gql, STOCK_RECEIVE, {"s": "NOPE", "l": "WH1", "q": 1}) == [
        ("NOT_FOUND", ["sku"])]
    assert await refused(gql, STOCK_RECEIVE, {"s": "SKU-A", "l": "WH9", "q": 1}) == [
        ("NOT_FOUND", ["location"])]
    assert await refused(gql, STOCK_RECEIVE, {"s": "SKU-A", "l": "WH1", "q": 1,
                                              "r": "x" * 201}) == [("INVALID", ["reference"])]
    assert await refused(gql, STOCK_ADJUST, {"s": "SKU-A", "l": "WH1", "d": 0, "r": "x"}) == [
        ("INVALID", ["delta"])]
    # 10 on hand, 4 promised: at most 6 can be adjusted away.
    assert await refused(gql, STOCK_ADJUST, {"s": "SKU-A", "l": "WH1", "d": -7, "r": "x"}) == [
        ("INVALID", ["delta"])]
    assert await refused(gql, STOCK_ADJUST, {"s": "SKU-A", "l": "WH1", "d": 1, "r": " "}) == [
        ("INVALID", ["reason"])]
    assert await refused(gql, STOCK_ADJUST, {"s": "NOPE", "l": "WH1", "d": 1, "r": "x"}) == [
        ("NOT_FOUND", ["sku"])]
    # A level that did not exist yet is not left behind by a refused change.
    assert await refused(gql, STOCK_ADJUST, {"s": "SKU-A", "l": "WH2", "d": -1, "r": "x"}) == [
        ("INVALID", ["delta"])]
    assert await refused(gql, STOCK_TRANSFER, {"s": "SKU-A", "f": "WH1", "t": "WH1",
                                               "q": 1}) == [("INVALID", ["to"])]
    assert await refused(gql, STOCK_TRANSFER, {"s": "SKU-A", "f": "WH1", "t": "WH2",
                                               "q": 7}) == [("OUT_OF_STOCK", ["quantity"])]
    assert await refused(gql, STOCK_TRANSFER, {"s": "SKU-A", "f": "WH9", "t": "WH2",
                                               "q": 1}) == [("NOT_FOUND", ["from"])]
    assert await refused(gql, STOCK_TRANSFER, {"s": "SKU-A", "f": "WH1", "t": "WH9",
                                               "q": 1}) == [("NOT_FOUND", ["to"])]
    assert await refused(gql, STOCK_TRANSFER, {"s": "SKU-A", "f": "WH1", "t": "WH2",
                                               "q": -1}) == [("INVALID", ["quantity"])]
    p = await ok(gql, STOCK_ADJUST, {"s": "SKU-A", "l": "WH1", "d": -6, "r": "x"})
    assert p["stockItem"]["levels"][0] == {"location": {"code": "WH1"}, "onHand": 4,
                                           "reserved": 4, "available": 0}


# ---- orders

async def test_order_place(gql):
    await setup_shop(gql)
    p = await ok(gql, PLACE.replace("total { amount currency }", """total { amount currency }
        subtotal { amount } channel { code } source shippingAddress { line1 country }
        shippingMethod instructions externalReference deliveryWindow { earliest latest }
        events { type fromStatus toStatus actor }"""), {"i": place_input(
            [("SKU-A", 2), ("SKU-B", 1)], shippingMethod="express", instructions="ring twice",
            externalReference="EXT-1",
            deliveryWindow={"earliest": "2030-01-01T09:00:00+00:00",
                            "latest": "2030-01-01T17:00:00+00:00"})})
    o = p["order"]
    assert o["number"] == "WEB-000001"
    assert (o["status"], o["paymentStatus"], o["source"]) == ("PENDING", "PENDING", "WEB")
    assert o["total"] == {"amount": "45.50", "currency": "EUR"}
    assert o["subtotal"] == {"amount": "45.50"}
    assert [(ln["sku"], ln["quantity"]) for ln in o["lines"]] == [("SKU-A", 2), ("SKU-B", 1)]
    assert o["customer"]["email"] == "ann@example.com"
    assert o["shippingAddress"] == {"line1": "1 Rue de Rivoli", "country": "FR"}
    assert (o["shippingMethod"], o["instructions"], o["externalReference"]) == (
        "express", "ring twice", "EXT-1")
    assert o["deliveryWindow"]["earliest"].startswith("2030-01-01T09:00:00")
    assert o["events"] == [{"type": "OrderStatusChanged", "fromStatus": None,
                            "toStatus": "PENDING", "actor": "admin:admin"}]
    r = await gql('{ stockItem(sku: "SKU-A") { levels { location { code } reserved } } }')
    assert r.ok()["stockItem"]["levels"] == [{"location": {"code": "WH1"}, "reserved": 2}]


async def test_order_place_user_errors(gql):
    await setup_shop(gql, prices={"SKU-A": "10.00", "SKU-B": "25.50"},
                     stock={("SKU-A", "WH1"): 10, ("SKU-B", "WH1"): 10})
    await gql("""mutation { productUpsert(input: {sku: "UNPRICED", name: "u"}) {
                 userErrors { code } } }""")

    async def errs(**kw):
        lines = kw.pop("lines", [("SKU-A", 1)])
        return await refused(gql, PLACE, {"i": place_input(lines, **kw)})

    assert await errs(email="not-an-email") == [("INVALID", ["customer", "email"])]
    assert await errs(shippingAddress={**place_input([])["shippingAddress"], "country": "XX"}) \
        == [("INVALID", ["shippingAddress", "country"])]
    assert await errs(shippingAddress={"line1": "1 Main St", "city": "Paris",
                                       "postalCode": "", "country": "FR"}) == [
        ("INVALID", ["shippingAddress", "postalCode"])]
    assert await errs(lines=[("SKU-A", 0)]) == [("INVALID", ["lines", "0", "quantity"])]
    assert await errs(lines=[]) == [("INVALID", ["lines"])]
    # Every mistake at once, each with its own path.
    assert await errs(email="nope", lines=[("SKU-A", 1), ("SKU-B", -3)]) == [
        ("INVALID", ["customer", "email"]), ("INVALID", ["lines", "1", "quantity"])]
    assert await errs(channel="NOPE") == [("NOT_FOUND", ["channel"])]
    assert await errs(lines=[("SKU-A", 1), ("SKU-X", 1)]) == [("NOT_FOUND", ["lines", "SKU-X"])]
    assert await errs(lines=[("UNPRICED", 1)]) == [("INVALID", ["lines", "UNPRICED"])]
    # Duplicate lines are summed: 6 + 6 of 10 cannot be reserved, and neither is anything else.
    assert await errs(lines=[("SKU-B", 1), ("SKU-A", 6), ("SKU-A", 6)]) == [
        ("OUT_OF_STOCK", ["lines", "SKU-A"])]
    assert await errs(deliveryWindow={"earliest": "2030-01-02T00:00:00+00:00",
                                      "latest": "2030-01-01T00:00:00+00:00"}) == [
        ("INVALID", ["deliveryWindow"])]
    assert await errs(key="k" * 129) == [("INVALID", ["idempotencyKey"])]
    assert await errs(instructions="x" * 2001) == [("INVALID", ["instructions"])]


async def test_order_place_is_idempotent(gql):
    await setup_shop(gql)
    first = await place(gql, [("SKU-A", 3)], key="cart-42")
    again = await place(gql, [("SKU-A", 3)], key="cart-42")
    assert again["id"] == first["id"]
    r = await gql('{ orders { totalCount } stockItem(sku: "SKU-A") { levels { reserved } } }')
    assert r.ok() == {"orders": {"totalCount": 1}, "stockItem": {"levels": [{"reserved": 3}]}}
    assert await refused(gql, PLACE, {"i": place_input([("SKU-A", 4)], key="cart-42")}) == [
        ("DUPLICATE", ["idempotencyKey"])]


async def test_order_confirm_hold_release_cancel(gql):
    await setup_shop(gql)
    o = await place(gql, [("SKU-A", 2), ("SKU-C", 1)])
    p = await ok(gql, ORDER_HOLD, {"id": o["id"], "r": "address check"})
    assert p["order"]["status"] == "ON_HOLD"
    assert p["order"]["events"][-1] == {"type": "OrderStatusChanged", "fromStatus": "PENDING",
                                        "toStatus": "ON_HOLD", "message": "address check",
                                        "actor": "admin:admin"}
    p = await ok(gql, ORDER_RELEASE, {"id": o["id"]})
    assert p["order"]["status"] == "PENDING"
    p = await ok(gql, ORDER_CONFIRM, {"id": o["id"]})
    assert p["order"]["status"] == "CONFIRMED"
    # SKU-A lives at WH1 and SKU-C at WH2: one shipment per location.
    assert sorted((s["status"], s["location"]["code"]) for s in p["order"]["shipments"]) == [
        ("PENDING", "WH1"), ("PENDING", "WH2")]
    p = await ok(gql, ORDER_HOLD, {"id": o["id"], "r": "fraud check"})
    assert p["order"]["status"] == "ON_HOLD"
    p = await ok(gql, ORDER_RELEASE, {"id": o["id"]})
    assert p["order"]["status"] == "CONFIRMED"
    p = await ok(gql, ORDER_CANCEL, {"id": o["id"], "r": "changed mind"})
    assert p["order"]["status"] == "CANCELLED"
    assert {s["status"] for s in p["order"]["shipments"]} == {"CANCELLED"}
    assert [e["toStatus"] for e in p["order"]["events"]] == [
        "PENDING", "ON_HOLD", "PENDING", "CONFIRMED", "ON_HOLD", "CONFIRMED", "CANCELLED"]
    r = await gql("""{ a: stockItem(sku: "SKU-A") { levels { onHand reserved } }
                       c: stockItem(sku: "SKU-C") { levels { onHand reserved } } }""")
    assert r.ok() == {"a": {"levels": [{"onHand": 10, "reserved": 0}]},
                      "c": {"levels": [{"onHand": 10, "reserved": 0}]}}


async def test_order_mutation_user_errors(gql):
    await setup_shop(gql)
    o = await place(gql, [("SKU-A", 1)])
    for query, extra in ((ORDER_CONFIRM, {}), (ORDER_HOLD, {"r": "x"}), (ORDER_RELEASE, {}),
                         (ORDER_CANCEL, {})):
        for missing in (MISSING_ORDER, "garbage", "U2hpcG1lbnQ6MQ", ""):
            assert await refused(gql, query, {"id": missing, **extra}) == [
                ("NOT_FOUND", ["id"])], (query, missing)
    assert await refused(gql, ORDER_RELEASE, {"id": o["id"]}) == [("INVALID_TRANSITION", None)]
    assert await refused(gql, ORDER_HOLD, {"id": o["id"], "r": " "}) == [("INVALID", ["reason"])]
    assert await refused(gql, ORDER_CANCEL, {"id": o["id"], "r": "x" * 501}) == [
        ("INVALID", ["reason"])]
    await ok(gql, ORDER_CONFIRM, {"id": o["id"]})
    assert await refused(gql, ORDER_CONFIRM, {"id": o["id"]}) == [("INVALID_TRANSITION", None)]
    await ok(gql, ORDER_CANCEL, {"id": o["id"]})
    for query, extra in ((ORDER_CONFIRM, {}), (ORDER_HOLD, {"r": "x"}), (ORDER_RELEASE, {}),
                         (ORDER_CANCEL, {})):
        assert await refused(gql, query, {"id": o["id"], **extra}) == [
            ("INVALID_TRANSITION", None)]


# ---- fulfilment

async def _confirmed_shipment(gql: Gql, lines=(("SKU-A", 2),)) -> tuple[dict, str]:
    o = await place(gql, list(lines))
    p = await ok(gql, ORDER_CONFIRM, {"id": o["id"]})
    (shipment,) = p["order"]["shipments"]
    return o, shipment["id"]


async def test_shipment_pick_pack_ship_track(gql):
    await setup_shop(gql)
    o, sid = await _confirmed_shipment(gql)
    p = await ok(gql, SHIPMENT_PICK, {"id": sid})
    assert (p["shipment"]["status"], p["shipment"]["order"]["status"]) == ("PICKING", "PROCESSING")
    p = await ok(gql, SHIPMENT_PACK, {"id": sid})
    assert (p["shipment"]["status"], p["shipment"]["order"]["status"]) == ("PACKED", "PROCESSING")
    p = await ok(gql, SHIPMENT_SHIP, {"id": sid})
    s = p["shipment"]
    assert (s["status"], s["order"]["status"]) == ("SHIPPED", "SHIPPED")
    assert s["shippedAt"] is not None and s["deliveredAt"] is None
    assert s["lines"] == [{"quantity": 2, "orderLine": {"sku": "SKU-A"}}]
    r = await gql('{ stockItem(sku: "SKU-A") { levels { onHand reserved } } }')
    assert r.ok()["stockItem"]["levels"] == [{"onHand": 8, "reserved": 0}]
    at = (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat()
    p = await ok(gql, TRACKING, {"i": {"shipmentId": sid, "status": "IN_TRANSIT",
                                      "description": "Departed hub", "location": "Lyon",
                                      "occurredAt": at}})
    assert p["shipment"]["status"] == "IN_TRANSIT"
    assert p["shipment"]["events"][0]["description"] == "Departed hub"
    assert p["shipment"]["events"][0]["location"] == "Lyon"
    p = await ok(gql, TRACKING, {"i": {"shipmentId": sid, "status": "DELIVERED"}})
    assert (p["shipment"]["status"], p["shipment"]["order"]["status"]) == ("DELIVERED",
                                                                           "DELIVERED")
    assert p["shipment"]["deliveredAt"] is not None
    assert [e["status"] for e in p["shipment"]["events"]] == ["IN_TRANSIT", "DELIVERED"]
    r = await gql("query($id: ID!) { order(id: $id) { status lines { quantityShipped } "
                  "events { toStatus } } }", {"id": o["id"]})
    assert r.ok()["order"] == {"status": "DELIVERED", "lines": [{"quantityShipped": 2}],
                               "events": [{"toStatus": s} for s in (
                                   "PENDING", "CONFIRMED", "PROCESSING", "SHIPPED", "DELIVERED")]}


async def test_shipment_mutation_user_errors(gql):
    await setup_shop(gql)
    o, sid = await _confirmed_shipment(gql)
    for query in (SHIPMENT_PICK, SHIPMENT_PACK, SHIPMENT_SHIP):
        for missing in (MISSING_SHIPMENT, "garbage", o["id"]):
            assert await refused(gql, query, {"id": missing}) == [("NOT_FOUND", ["id"])]
    assert await refused(gql, SHIPMENT_PACK, {"id": sid}) == [("INVALID_TRANSITION", None)]
    assert await refused(gql, SHIPMENT_SHIP, {"id": sid}) == [("INVALID_TRANSITION", None)]

    async def track(**i):
        return await refused(gql, TRACKING, {"i": i})

    assert await track(shipmentId=sid, status="IN_TRANSIT") == [("INVALID_TRANSITION", None)]
    assert await track(shipmentId=sid, status="PICKING") == [("INVALID", ["status"])]
    assert await track(status="IN_TRANSIT") == [("INVALID", ["shipmentId"])]
    assert await track(shipmentId=sid, trackingNumber="1Z", status="IN_TRANSIT") == [
        ("INVALID", ["shipmentId"])]
    assert await track(trackingNumber="NO-SUCH-PARCEL", status="IN_TRANSIT") == [
        ("NOT_FOUND", ["trackingNumber"])]
    assert await track(shipmentId=MISSING_SHIPMENT, status="IN_TRANSIT") == [
        ("NOT_FOUND", ["id"])]
    future = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    assert await track(shipmentId=sid, status="IN_TRANSIT", occurredAt=future) == [
        ("INVALID", ["occurredAt"])]
    assert await track(shipmentId=sid, status="IN_TRANSIT", description="x" * 501) == [
        ("INVALID", ["description"])]
    # A shipment of a cancelled order cannot move.
    await ok(gql, SHIPMENT_PICK, {"id": sid})
    await ok(gql, ORDER_CANCEL, {"id": o["id"]})
    assert await refused(gql, SHIPMENT_PACK, {"id": sid}) == [("INVALID_TRANSITION", ["id"])]
    # Delivered is final: a later scan joins the timeline only.
    _o2, sid2 = await _confirmed_shipment(gql, (("SKU-B", 1),))
    for q in (SHIPMENT_PICK, SHIPMENT_PACK, SHIPMENT_SHIP):
        await ok(gql, q, {"id": sid2})
    await ok(gql, TRACKING, {"i": {"shipmentId": sid2, "status": "DELIVERED"}})
    p = await ok(gql, TRACKING, {"i": {"shipmentId": sid2, "status": "IN_TRANSIT"}})
    assert (p["shipment"]["status"], p["shipment"]["order"]["status"]) == ("DELIVERED",
                                                                           "DELIVERED")
    assert [e["status"] for e in p["shipment"]["events"]] == ["DELIVERED", "IN_TRANSIT"]
