"""Stock control over real HTTP and WebSocket: a purchase order expected and
received against its reference, safety stock, damaged units written off, a
cycle count, a low-stock threshold, transfers and an order's reservation,
each checked through stockItem and channelInventory, pushed to stockChanged
subscribers when it moves the channel's figures (and only then), and
recorded in a ledger whose rows add up and chain. Hostile input and an
analyst's token are refused and change nothing: not a level, not a ledger
row, not an event."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from oms.auth.tokens import Role
from oms.core import ids

from .harness import (ADMIN, CANCEL, PLACE, Server, Ws, WsError, customer_token, log_head,
                      token)

ANALYST = token(Role.ANALYST)

SHOP = [
    """mutation { channelCreate(input: {code: "WEB", name: "Web shop", kind: WEB,
        currency: "EUR"}) { channel { code } userErrors { code } } }""",
    # WH1 serves WEB; WH2 serves no channel at all.
    """mutation { locationCreate(input: {code: "WH1", name: "Warehouse 1", kind: WAREHOUSE,
        address: {line1: "1 Quai", city: "Lyon", postalCode: "69007", country: "FR"}}) {
        location { code } userErrors { code } } }""",
    """mutation { locationCreate(input: {code: "WH2", name: "Warehouse 2", kind: WAREHOUSE,
        address: {line1: "2 Quai", city: "Lyon", postalCode: "69007", country: "FR"}}) {
        location { code } userErrors { code } } }""",
    """mutation { channelLocationsSet(channel: "WEB", locations: ["WH1"]) {
        channel { code } userErrors { code } } }""",
    """mutation { productUpsert(input: {sku: "TEE", name: "T-shirt", weightGrams: 180,
        prices: [{channel: "WEB", amount: "19.90"}]}) { product { sku } userErrors { code } } }""",
    """mutation { productUpsert(input: {sku: "MUG", name: "Mug", weightGrams: 300,
        prices: [{channel: "WEB", amount: "9.90"}]}) { product { sku } userErrors { code } } }""",
]

LEVEL_FIELDS = """location { code } onHand reserved available incoming safetyStock damaged
  lowStock lowStockThreshold inbound { reference expected received remaining }"""


def _mutation(name: str, **params: str) -> str:
    signature = ", ".join(f"${k}: {t}" for k, t in params.items())
    arguments = ", ".join(f"{k}: ${k}" for k in params)
    return (f"mutation({signature}) {{ {name}({arguments}) {{ stockItem {{ sku levels {{ "
            f"{LEVEL_FIELDS} }} }} userErrors {{ code field message }} }} }}")


_AT = {"sku": "String!", "location": "String!"}
EXPECT = _mutation("stockExpect", **_AT, quantity="Int!", reference="String!")
RECEIVE = _mutation("stockReceive", **_AT, quantity="Int!", reference="String")
SAFETY = _mutation("stockSafetySet", **_AT, quantity="Int!")
DAMAGE = _mutation("stockDamage", **_AT, quantity="Int!", reason="String!")
WRITE_OFF = _mutation("stockWriteOff", **_AT, quantity="Int!", reason="String!")
COUNT = _mutation("stockCount", **_AT, counted="Int!", reason="String")
THRESHOLD = _mutation("stockThresholdSet", **_AT, threshold="Int")
TRANSFER = _mutation("stockTransfer", sku="String!", **{"from": "String!"}, to="String!",
                     quantity="Int!")
ADJUST = _mutation("stockAdjust", **_AT, delta="Int!", reason="String!")

STOCK_ITEM = f"""query($sku: String!) {{ stockItem(sku: $sku) {{ sku levels {{ {LEVEL_FIELDS} }}
  }} }}"""
CHANNEL = """query($skus: [String!]) { channelInventory(channel: "WEB", skus: $skus) {
  totalCount edges { node { channel { code } sku available reserved } } } }"""
STOCK_SUB = """subscription($channel: String, $skus: [String!]) {
  stockChanged(channel: $channel, skus: $skus) { channel { code } sku available reserved } }"""

_CHANGE = "{ delta before after }"
MOVEMENTS = f"""query($sku: String!, $location: String, $from: DateTime, $to: DateTime,
    $first: Int, $after: String) {{
  stockMovements(sku: $sku, location: $location, from: $from, to: $to, first: $first,
                 after: $after) {{
    totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
    edges {{ cursor node {{ id sku kind location {{ code }} reason reference actor at
      onHand {_CHANGE} reserved {_CHANGE} damaged {_CHANGE} incoming {_CHANGE}
      safetyStock {_CHANGE} }} }} }} }}"""
QUANTITIES = ("onHand", "reserved", "damaged", "incoming", "safetyStock")


def L(on_hand: int, reserved: int, available: int, incoming: int, safety: int, damaged: int,
      *, low: bool = False, threshold: int | None = None,
      inbound: tuple[tuple[str, int, int, int], ...] = ()) -> dict[str, Any]:
    """A level's figures as stockItem shows them, with its open expectations as
    (reference, expected, received, remaining)."""
    return {"onHand": on_hand, "reserved": reserved, "available": available,
            "incoming": incoming, "safetyStock": safety, "damaged": damaged, "lowStock": low,
            "lowStockThreshold": threshold,
            "inbound": [{"reference": r, "expected": e, "received": got, "remaining": left}
                        for r, e, got, left in inbound]}


def by_location(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {lvl["location"]["code"]: {k: v for k, v in lvl.items() if k != "location"}
            for lvl in item["levels"]}


async def setup(server: Server) -> None:
    for query in SHOP:
        await server.ok(query)


async def levels(server: Server, sku: str, auth: str = ADMIN) -> dict[str, dict[str, Any]]:
    item = (await server.ok(STOCK_ITEM, {"sku": sku}, auth=auth))["stockItem"]
    assert item["sku"] == sku
    return by_location(item)


async def channel(server: Server, auth: str = ADMIN) -> dict[str, tuple[int, int]]:
    """WEB's (available, reserved) per SKU, in SKU order."""
    conn = (await server.ok(CHANNEL, {"skus": ["TEE", "MUG"]}, auth=auth))["channelInventory"]
    assert conn["totalCount"] == 2
    nodes = [e["node"] for e in conn["edges"]]
    assert [n["sku"] for n in nodes] == ["MUG", "TEE"]
    assert {n["channel"]["code"] for n in nodes} == {"WEB"}
    return {n["sku"]: (n["available"], n["reserved"]) for n in nodes}


async def movements(server: Server, sku: str, auth: str = ADMIN, *, page: int = 200,
                    **filters: Any) -> list[dict[str, Any]]:
    """Every ledger row matching the filters, newest first, paged with first/after;
    each page's pageInfo and totalCount checked on the way."""
    rows: list[dict[str, Any]] = []
    after = None
    total = None
    while True:
        conn = (await server.ok(MOVEMENTS, {"sku": sku, "first": page, "after": after,
                                            **filters}, auth=auth))["stockMovements"]
        info, edges = conn["pageInfo"], conn["edges"]
        assert info["hasPreviousPage"] is (after is not None)
        assert len(edges) <= page
        if edges:
            assert (info["startCursor"], info["endCursor"]) == (edges[0]["cursor"],
                                                                edges[-1]["cursor"])
        else:
            assert (info["startCursor"], info["endCursor"]) == (None, None)
        if total is None:
            total = conn["totalCount"]
        assert conn["totalCount"] == total  # the count ignores the page
        rows += [e["node"] for e in edges]
        if not info["hasNextPage"]:
            assert len(edges) < page or len(rows) == total
            break
        assert len(edges) == page
        after = info["endCursor"]
    assert len(rows) == total
    pks = [ids.decode("StockMovement", r["id"]) for r in rows]
    assert pks == sorted(set(pks), reverse=True), pks  # newest first, no row twice
    assert {r["sku"] for r in rows} <= {sku}
    return rows


def deltas(row: dict[str, Any]) -> dict[str, int]:
    return {q: row[q]["delta"] for q in QUANTITIES if row[q]["delta"]}


def check_arithmetic(rows: list[dict[str, Any]], current: dict[str, dict[str, Any]]) -> None:
    """Every row's before + delta = after; per level, each row starts where the
    one before it ended, the first from nothing, and the last ends at the level
    as it is now."""
    last: dict[str, dict[str, int]] = {}
    for row in reversed(rows):  # oldest first
        loc = row["location"]["code"]
        for q in QUANTITIES:
            change = row[q]
            assert None not in (change["before"], change["after"]), row
            assert change["before"] + change["delta"] == change["after"], (q, row)
            assert change["before"] == last.get(loc, {}).get(q, 0), (q, row, last.get(loc))
        last[loc] = {q: row[q]["after"] for q in QUANTITIES}
    assert set(last) == set(current)
    for loc, figures in last.items():
        assert figures == {q: current[loc][q] for q in QUANTITIES}, loc


async def events(server: Server, type_: str) -> list[tuple[Any, ...]]:
    """(sku, location, channel, payload) of the event log's rows of one type."""
    sql = "SELECT sku, location, channel, payload FROM event_log WHERE type = $1 ORDER BY id"
    url = server.database_url
    if url.startswith("sqlite://"):
        import sqlite3

        with sqlite3.connect(url[len("sqlite://"):]) as conn:
            rows = conn.execute(sql.replace("$1", "?"), [type_]).fetchall()
    else:
        import asyncpg

        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            rows = [tuple(r) for r in await conn.fetch(sql, type_)]
        finally:
            await conn.close()
    return [(sku, loc, ch, json.loads(p) if isinstance(p, str) else p)
            for sku, loc, ch, p in rows]


async def test_stock_control_moves_levels_channel_pushes_and_the_ledger(server):
    await setup(server)
    assert await levels(server, "TEE") == {}
    assert await channel(server) == {"MUG": (0, 0), "TEE": (0, 0)}

    admin_ws = await Ws.open(server.ws_url, ADMIN)
    analyst_ws = await Ws.open(server.ws_url, ANALYST)  # an analyst may watch
    try:
        tee = await admin_ws.subscribe(STOCK_SUB, {"channel": "WEB", "skus": ["TEE"]})
        web = await analyst_ws.subscribe(STOCK_SUB, {"channel": "WEB"})
        await server.wait_for_subscribers(2)
        mugs = 0

        async def pushed(available: int, reserved: int = 0) -> None:
            """Both subscribers hear TEE's new figures in WEB."""
            want = {"channel": {"code": "WEB"}, "sku": "TEE", "available": available,
                    "reserved": reserved}
            assert (await admin_ws.next(tee))["stockChanged"] == want
            assert (await analyst_ws.next(web))["stockChanged"] == want

        async def not_pushed() -> None:
            """The step before pushed nothing: the WEB-wide subscriber's next push
            is a MUG receipt made after it (pushes come in event order)."""
            nonlocal mugs
            await server.ok(RECEIVE, {"sku": "MUG", "location": "WH1", "quantity": 1})
            mugs += 1
            assert (await analyst_ws.next(web))["stockChanged"] == {
                "channel": {"code": "WEB"}, "sku": "MUG", "available": mugs, "reserved": 0}

        async def step(query: str, variables: dict[str, Any],
                       want: dict[str, dict[str, Any]], web_tee: tuple[int, int]) -> None:
            """A mutation whose payload, and stockItem after it, show `want`
            (in location order), and after which WEB sells `web_tee` of TEE."""
            data = await server.ok(query, {"sku": "TEE", **variables})
            (payload,) = data.values()
            assert payload["stockItem"]["sku"] == "TEE"
            shown = by_location(payload["stockItem"])
            assert (list(shown), shown) == (list(want), want)
            now = await levels(server, "TEE")
            assert (list(now), now) == (list(want), want)
            assert await channel(server) == {"MUG": (mugs, 0), "TEE": web_tee}

        at_wh1 = {"location": "WH1"}
        # A purchase order of 40 and another of 10 on their way: incoming, not available.
        await step(EXPECT, {**at_wh1, "quantity": 40, "reference": "PO-100"},
                   {"WH1": L(0, 0, 0, 40, 0, 0, inbound=(("PO-100", 40, 0, 40),))}, (0, 0))
        await not_pushed()
        await step(EXPECT, {**at_wh1, "quantity": 10, "reference": "PO-101"},
                   {"WH1": L(0, 0, 0, 50, 0, 0, inbound=(("PO-100", 40, 0, 40),
                                                          ("PO-101", 10, 0, 10)))}, (0, 0))
        await not_pushed()
        # 25 of PO-100 arrive: incoming to on hand; PO-101 is untouched.
        await step(RECEIVE, {**at_wh1, "quantity": 25, "reference": "PO-100"},
                   {"WH1": L(25, 0, 25, 25, 0, 0, inbound=(("PO-100", 40, 25, 15),
                                                            ("PO-101", 10, 0, 10)))}, (25, 0))
        await pushed(25)
        # 20 more under PO-100, which expected only 15: it closes, 5 arrive unexpected.
        await step(RECEIVE, {**at_wh1, "quantity": 20, "reference": "PO-100"},
                   {"WH1": L(45, 0, 45, 10, 0, 0, inbound=(("PO-101", 10, 0, 10),))}, (45, 0))
        await pushed(45)
        open_po = (("PO-101", 10, 0, 10),)
        await step(SAFETY, {**at_wh1, "quantity": 5},
                   {"WH1": L(45, 0, 40, 10, 5, 0, inbound=open_po)}, (40, 0))
        await pushed(40)
        await step(DAMAGE, {**at_wh1, "quantity": 3, "reason": "crushed"},
                   {"WH1": L(45, 0, 37, 10, 5, 3, inbound=open_po)}, (37, 0))
        await pushed(37)
        # Writing damaged units off leaves available where it was: no push.
        await step(WRITE_OFF, {**at_wh1, "quantity": 2, "reason": "disposed"},
                   {"WH1": L(43, 0, 37, 10, 5, 1, inbound=open_po)}, (37, 0))
        await not_pushed()
        # A count finds 41 of the 43 on the books (the damaged one included).
        await step(COUNT, {**at_wh1, "counted": 41, "reason": "cycle count"},
                   {"WH1": L(41, 0, 35, 10, 5, 1, inbound=open_po)}, (35, 0))
        await pushed(35)
        # A recount that agrees is recorded (variance 0) and moves nothing.
        await step(COUNT, {**at_wh1, "counted": 41, "reason": "recount"},
                   {"WH1": L(41, 0, 35, 10, 5, 1, inbound=open_po)}, (35, 0))
        await not_pushed()
        # A threshold under what is available: not low, nothing moves.
        await step(THRESHOLD, {**at_wh1, "threshold": 30},
                   {"WH1": L(41, 0, 35, 10, 5, 1, threshold=30, inbound=open_po)}, (35, 0))
        await not_pushed()
        assert await events(server, "LowStock") == []
        # 6 go to WH2 (which serves no channel): WH1 drops to 29, at or below 30.
        await step(TRANSFER, {"from": "WH1", "to": "WH2", "quantity": 6},
                   {"WH1": L(35, 0, 29, 10, 5, 1, low=True, threshold=30, inbound=open_po),
                    "WH2": L(6, 0, 6, 0, 0, 0)}, (29, 0))
        await pushed(29)
        assert await events(server, "LowStock") == [
            ("TEE", "WH1", None, {"available": 29, "threshold": 30})]
        # Stock at a location no channel draws on is pushed to no channel's subscriber.
        await step(RECEIVE, {"location": "WH2", "quantity": 4},
                   {"WH1": L(35, 0, 29, 10, 5, 1, low=True, threshold=30, inbound=open_po),
                    "WH2": L(10, 0, 10, 0, 0, 0)}, (29, 0))
        await not_pushed()
        await step(THRESHOLD, {**at_wh1, "threshold": None},
                   {"WH1": L(35, 0, 29, 10, 5, 1, inbound=open_po),
                    "WH2": L(10, 0, 10, 0, 0, 0)}, (29, 0))
        await not_pushed()
        await step(THRESHOLD, {**at_wh1, "threshold": 26},
                   {"WH1": L(35, 0, 29, 10, 5, 1, threshold=26, inbound=open_po),
                    "WH2": L(10, 0, 10, 0, 0, 0)}, (29, 0))
        await not_pushed()
        assert len(await events(server, "LowStock")) == 1

        # An order reserves 4 at WH1 (the only location WEB draws on): 25 is low.
        order = (await server.ok(PLACE, {"email": "ann@example.com", "q": 4}))["orderPlace"][
            "order"]
        await pushed(25, 4)
        wh2 = L(10, 0, 10, 0, 0, 0)
        assert await levels(server, "TEE") == {
            "WH1": L(35, 4, 25, 10, 5, 1, low=True, threshold=26, inbound=open_po), "WH2": wh2}
        assert await channel(server) == {"MUG": (mugs, 0), "TEE": (25, 4)}
        assert (await events(server, "LowStock"))[1:] == [
            ("TEE", "WH1", None, {"available": 25, "threshold": 26})]
        # The analyst reads what the admin reads.
        assert await levels(server, "TEE", ANALYST) == await levels(server, "TEE")
        assert await channel(server, ANALYST) == await channel(server)
        await server.ok(CANCEL, {"id": order["id"]})
        await pushed(29)
        assert await levels(server, "TEE") == {
            "WH1": L(35, 0, 29, 10, 5, 1, threshold=26, inbound=open_po), "WH2": wh2}
        await step(TRANSFER, {"from": "WH2", "to": "WH1", "quantity": 10},
                   {"WH1": L(45, 0, 39, 10, 5, 1, threshold=26, inbound=open_po),
                    "WH2": L(0, 0, 0, 0, 0, 0)}, (39, 0))
        await pushed(39)
        # Low at exactly the threshold; setting it is what makes the level low.
        await step(THRESHOLD, {**at_wh1, "threshold": 39},
                   {"WH1": L(45, 0, 39, 10, 5, 1, low=True, threshold=39, inbound=open_po),
                    "WH2": L(0, 0, 0, 0, 0, 0)}, (39, 0))
        await not_pushed()
        assert await events(server, "LowStock") == [
            ("TEE", "WH1", None, {"available": 29, "threshold": 30}),
            ("TEE", "WH1", None, {"available": 25, "threshold": 26}),
            ("TEE", "WH1", None, {"available": 39, "threshold": 39})]

        await server.settle()
        assert await admin_ws.nothing(tee, 0.3) and await analyst_ws.nothing(web, 0.1)
    finally:
        await admin_ws.close()
        await analyst_ws.close()

    # ---- the ledger
    current = await levels(server, "TEE")
    rows = await movements(server, "TEE")
    order_ref = f"order:{ids.decode('Order', order['id'])}"
    assert [(r["kind"], r["location"]["code"], deltas(r), r["reference"], r["reason"])
            for r in reversed(rows)] == [
        ("EXPECTED", "WH1", {"incoming": 40}, "PO-100", None),
        ("EXPECTED", "WH1", {"incoming": 10}, "PO-101", None),
        ("RECEIPT", "WH1", {"onHand": 25, "incoming": -25}, "PO-100", None),
        ("RECEIPT", "WH1", {"onHand": 20, "incoming": -15}, "PO-100", None),
        ("SAFETY_STOCK", "WH1", {"safetyStock": 5}, None, None),
        ("DAMAGE", "WH1", {"damaged": 3}, None, "crushed"),
        ("WRITE_OFF", "WH1", {"onHand": -2, "damaged": -2}, None, "disposed"),
        ("COUNT", "WH1", {"onHand": -2}, None, "cycle count"),
        ("COUNT", "WH1", {}, None, "recount"),
        ("TRANSFER_OUT", "WH1", {"onHand": -6}, "WH2", None),
        ("TRANSFER_IN", "WH2", {"onHand": 6}, "WH1", None),
        ("RECEIPT", "WH2", {"onHand": 4}, None, None),
        ("RESERVE", "WH1", {"reserved": 4}, order_ref, None),
        ("RELEASE", "WH1", {"reserved": -4}, order_ref, None),
        ("TRANSFER_OUT", "WH2", {"onHand": -10}, "WH1", None),
        ("TRANSFER_IN", "WH1", {"onHand": 10}, "WH2", None),
    ]
    stock_ops = [r for r in rows if r["kind"] not in ("RESERVE", "RELEASE")]
    assert {r["actor"] for r in stock_ops} == {"admin:admin"}
    check_arithmetic(rows, current)
    first_count = next(r for r in reversed(rows) if r["kind"] == "COUNT")
    assert (first_count["onHand"], first_count["damaged"]) == (
        {"delta": -2, "before": 43, "after": 41}, {"delta": 0, "before": 1, "after": 1})
    # The analyst reads the same ledger.
    assert await movements(server, "TEE", ANALYST) == rows

    # Keyset pages of 5 (and of 1) give the same rows as one page.
    assert await movements(server, "TEE", page=5) == rows
    assert await movements(server, "TEE", page=1) == rows
    empty = (await server.ok(MOVEMENTS, {"sku": "TEE", "first": 0}))["stockMovements"]
    assert (empty["edges"], empty["totalCount"], empty["pageInfo"]["hasNextPage"]) == (
        [], 16, True)

    # Filters: location, then the time window, from inclusive and to exclusive.
    for loc in ("WH1", "WH2"):
        here = [r for r in rows if r["location"]["code"] == loc]
        assert await movements(server, "TEE", location=loc, page=2) == here
    check_arithmetic(await movements(server, "TEE", location="WH2"),
                     {"WH2": current["WH2"]})
    mug_rows = await movements(server, "MUG", page=3)
    assert [(r["kind"], r["location"]["code"], deltas(r)) for r in mug_rows] == [
        ("RECEIPT", "WH1", {"onHand": 1})] * mugs
    check_arithmetic(mug_rows, await levels(server, "MUG"))

    def at(r: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(r["at"])

    pivot = first_count["at"]
    since = [r for r in rows if at(r) >= at(first_count)]
    before = [r for r in rows if at(r) < at(first_count)]
    assert first_count in since and first_count not in before
    assert len(since) + len(before) == len(rows) and before and since
    assert await movements(server, "TEE", page=4, **{"from": pivot}) == since
    assert await movements(server, "TEE", page=4, to=pivot) == before
    assert await movements(server, "TEE", **{"from": pivot, "to": pivot}) == []
    assert await movements(server, "TEE", location="WH2", **{"from": pivot}) == [
        r for r in since if r["location"]["code"] == "WH2"]
    # The same instant written in another offset is the same instant.
    paris = at(first_count).astimezone(timezone(timedelta(hours=2))).isoformat()
    assert await movements(server, "TEE", **{"from": paris}) == since
    assert await movements(server, "TEE", to=paris) == before
    hour = timedelta(hours=1)
    assert await movements(server, "TEE", **{"from": (at(rows[-1]) - hour).isoformat(),
                                             "to": (at(rows[0]) + hour).isoformat()}) == rows
    assert await movements(server, "TEE", **{"from": (at(rows[0]) + hour).isoformat()}) == []


# ---- hostile input and the wrong role

SNAPSHOT = f"""query {{
  tee: stockItem(sku: "TEE") {{ levels {{ {LEVEL_FIELDS} }} }}
  mug: stockItem(sku: "MUG") {{ levels {{ {LEVEL_FIELDS} }} }}
  channelInventory(channel: "WEB") {{ totalCount edges {{ node {{ sku available reserved }} }} }}
  teeMoves: stockMovements(sku: "TEE", first: 200) {{ totalCount edges {{ node {{
    id kind location {{ code }} reason reference actor at onHand {_CHANGE}
    reserved {_CHANGE} damaged {_CHANGE} incoming {_CHANGE} safetyStock {_CHANGE} }} }} }}
  mugMoves: stockMovements(sku: "MUG", first: 200) {{ totalCount edges {{ node {{ id }} }} }}
}}"""


async def snapshot(server: Server) -> tuple[Any, ...]:
    """Everything a refused request could have touched: levels (with their
    expectations), what WEB sells, the ledger and the event log."""
    return await server.ok(SNAPSHOT), await log_head(server.database_url)


def _invalid(field: str, message: str, code: str = "INVALID") -> list[dict[str, Any]]:
    return [{"code": code, "field": [field], "message": message}]


def _range(field: str, low: int = 1) -> list[dict[str, Any]]:
    return _invalid(field, f"quantity must be between {low} and 1000000")


TEE_AT_WH1 = {"sku": "TEE", "location": "WH1"}

# Refused by the use cases: (mutation, variables, userErrors). The level
# they meet: 20 on hand, 4 reserved, 3 safety stock, 2 damaged, 11 available,
# 10 incoming under PO-9.
REFUSED = [
    (RECEIVE, {**TEE_AT_WH1, "quantity": -5}, _range("quantity")),
    (RECEIVE, {**TEE_AT_WH1, "quantity": 0}, _range("quantity")),
    (RECEIVE, {**TEE_AT_WH1, "quantity": 1_000_001, "reference": "PO-9"}, _range("quantity")),
    (RECEIVE, {**TEE_AT_WH1, "quantity": 2**31 - 1}, _range("quantity")),
    (RECEIVE, {**TEE_AT_WH1, "quantity": -2**31}, _range("quantity")),
    (RECEIVE, {**TEE_AT_WH1, "quantity": 1, "reference": "P" * 201},
     _invalid("reference", "reference is longer than 200 characters")),
    (RECEIVE, {"sku": "NOPE", "location": "WH1", "quantity": 1},
     _invalid("sku", "unknown sku NOPE", "NOT_FOUND")),
    (RECEIVE, {"sku": "TEE", "location": "NOPE", "quantity": 1},
     _invalid("location", "unknown location NOPE", "NOT_FOUND")),
    (EXPECT, {**TEE_AT_WH1, "quantity": -1, "reference": "PO-9"}, _range("quantity")),
    (EXPECT, {**TEE_AT_WH1, "quantity": 0, "reference": "PO-9"}, _range("quantity")),
    (EXPECT, {**TEE_AT_WH1, "quantity": 1_000_001, "reference": "PO-9"}, _range("quantity")),
    (EXPECT, {**TEE_AT_WH1, "quantity": 5, "reference": "   "},
     _invalid("reference", "reference is required")),
    (EXPECT, {"sku": "NOPE", "location": "WH1", "quantity": 5, "reference": "PO-9"},
     _invalid("sku", "unknown sku NOPE", "NOT_FOUND")),
    (EXPECT, {"sku": "TEE", "location": "", "quantity": 5, "reference": "PO-9"},
     _invalid("location", "unknown location ", "NOT_FOUND")),
    (SAFETY, {**TEE_AT_WH1, "quantity": -1}, _range("quantity", 0)),
    (SAFETY, {**TEE_AT_WH1, "quantity": 1_000_001}, _range("quantity", 0)),
    (SAFETY, {"sku": "TEE", "location": "NOPE", "quantity": 1},
     _invalid("location", "unknown location NOPE", "NOT_FOUND")),
    (DAMAGE, {**TEE_AT_WH1, "quantity": -3, "reason": "x"}, _range("quantity")),
    (DAMAGE, {**TEE_AT_WH1, "quantity": 12, "reason": "dropped"},
     _invalid("quantity", "cannot mark 12 damaged: 11 available (20 on hand, 4 reserved, "
                          "3 safety stock, 2 damaged already)")),
    (DAMAGE, {**TEE_AT_WH1, "quantity": 1, "reason": " "},
     _invalid("reason", "reason is required")),
    (DAMAGE, {"sku": "MUG", "location": "WH2", "quantity": 1, "reason": "dropped"},
     _invalid("quantity", "cannot mark 1 damaged: 0 available (0 on hand, 0 reserved, "
                          "0 safety stock, 0 damaged already)")),
    (WRITE_OFF, {**TEE_AT_WH1, "quantity": 3, "reason": "bin"},
     _invalid("quantity", "cannot write off 3: only 2 damaged at WH1")),
    (WRITE_OFF, {**TEE_AT_WH1, "quantity": -1, "reason": "bin"}, _range("quantity")),
    (WRITE_OFF, {**TEE_AT_WH1, "quantity": 1_000_001, "reason": "bin"}, _range("quantity")),
    (WRITE_OFF, {"sku": "NOPE", "location": "WH1", "quantity": 1, "reason": "bin"},
     _invalid("sku", "unknown sku NOPE", "NOT_FOUND")),
    (COUNT, {**TEE_AT_WH1, "counted": -1}, _range("counted", 0)),
    (COUNT, {**TEE_AT_WH1, "counted": -2**31}, _range("counted", 0)),
    (COUNT, {**TEE_AT_WH1, "counted": 1_000_001}, _range("counted", 0)),
    (COUNT, {**TEE_AT_WH1, "counted": 3},
     _invalid("counted", "counted 3 is below the 4 units reserved for orders at WH1")),
    (COUNT, {**TEE_AT_WH1, "counted": 5},
     _invalid("counted", "counted 5 is below the 4 reserved and 2 damaged units at WH1: "
                         "write off the missing damaged units first")),
    (COUNT, {"sku": "TEE", "location": "NOPE", "counted": 5},
     _invalid("location", "unknown location NOPE", "NOT_FOUND")),
    (THRESHOLD, {**TEE_AT_WH1, "threshold": -1}, _range("threshold", 0)),
    (THRESHOLD, {**TEE_AT_WH1, "threshold": 1_000_001}, _range("threshold", 0)),
    (THRESHOLD, {"sku": "NOPE", "location": "WH1", "threshold": 1},
     _invalid("sku", "unknown sku NOPE", "NOT_FOUND")),
    (TRANSFER, {"sku": "TEE", "from": "WH1", "to": "WH2", "quantity": 12},
     _invalid("quantity", "not enough available TEE at WH1", "OUT_OF_STOCK")),
    (TRANSFER, {"sku": "TEE", "from": "WH1", "to": "WH2", "quantity": -1}, _range("quantity")),
    (TRANSFER, {"sku": "TEE", "from": "WH1", "to": "WH2", "quantity": 1_000_001},
     _range("quantity")),
    (TRANSFER, {"sku": "TEE", "from": "WH1", "to": "WH1", "quantity": 1},
     _invalid("to", "from and to are the same location")),
    (TRANSFER, {"sku": "TEE", "from": "WH1", "to": "NOPE", "quantity": 1},
     _invalid("to", "unknown location NOPE", "NOT_FOUND")),
    (TRANSFER, {"sku": "TEE", "from": "NOPE", "to": "WH2", "quantity": 1},
     _invalid("from", "unknown location NOPE", "NOT_FOUND")),
    # Neither level exists yet: the refusal leaves none behind.
    (TRANSFER, {"sku": "MUG", "from": "WH2", "to": "WH1", "quantity": 1},
     _invalid("quantity", "not enough available MUG at WH2", "OUT_OF_STOCK")),
    (ADJUST, {**TEE_AT_WH1, "delta": -15, "reason": "lost"},
     _invalid("delta", "cannot remove 15: 20 on hand, 4 reserved, 2 damaged")),
    (ADJUST, {**TEE_AT_WH1, "delta": 1_000_001, "reason": "found"},
     _invalid("delta", "delta must be a non-zero whole number within ±1000000")),
]

_INT32 = "Int cannot represent non 32-bit signed integer value"
_NOT_INT = "Int cannot represent non-integer value"

# Refused by GraphQL before anything runs: (query, variables, message fragment).
MALFORMED = [
    (RECEIVE, {**TEE_AT_WH1, "quantity": 2**31}, _INT32),
    (RECEIVE, {**TEE_AT_WH1, "quantity": -2**31 - 1}, _INT32),
    (RECEIVE, {**TEE_AT_WH1, "quantity": 10**30}, _INT32),
    (EXPECT, {**TEE_AT_WH1, "quantity": 2**40, "reference": "PO-9"}, _INT32),
    (COUNT, {**TEE_AT_WH1, "counted": 2**32}, _INT32),
    (DAMAGE, {**TEE_AT_WH1, "quantity": 2**63, "reason": "x"}, _INT32),
    (TRANSFER, {"sku": "TEE", "from": "WH1", "to": "WH2", "quantity": 2**31}, _INT32),
    (THRESHOLD, {**TEE_AT_WH1, "threshold": 2**31}, _INT32),
    (RECEIVE, {**TEE_AT_WH1, "quantity": 1.5}, _NOT_INT),
    (RECEIVE, {**TEE_AT_WH1, "quantity": "5"}, _NOT_INT),
    (RECEIVE, {"sku": "TEE", "quantity": 5}, "to be provided"),
    ("""mutation { stockReceive(sku: "TEE", location: "WH1", quantity: 99999999999) {
        userErrors { code } } }""", None, _INT32),
    (MOVEMENTS, {"sku": "TEE", "first": 2**31}, _INT32),
]

def _cursor(values: Any) -> str:
    """A cursor as the server encodes them, around values it never wrote."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


# Refused by resolvers with a coded GraphQL error: (query, variables, message).
BAD_READS = [
    (MOVEMENTS, {"sku": "NOPE"}, "unknown sku NOPE"),
    (MOVEMENTS, {"sku": "TEE", "location": "NOPE"}, "unknown location NOPE"),
    (MOVEMENTS, {"sku": "TEE", "after": "not a cursor"}, "invalid cursor"),
    *[(MOVEMENTS, {"sku": "TEE", "after": _cursor(values)}, "invalid cursor")
      for values in (["x"], [1, 2], [0], [-1], [True], [1.5], [2**63], {"id": 1}, "7")],
    (MOVEMENTS, {"sku": "TEE", "first": 201}, "first must be between 0 and 200"),
    (MOVEMENTS, {"sku": "TEE", "first": -1}, "first must be between 0 and 200"),
    ("""query { channelInventory(channel: "NOPE") { totalCount } }""", None,
     "unknown channel NOPE"),
]


def _refused(body: dict[str, Any]) -> str:
    """The one error message of a request refused as a whole."""
    assert body.get("data") is None, body
    (error,) = body["errors"]
    return error["message"]


async def test_hostile_input_and_an_analyst_change_nothing(server):
    await setup(server)
    for query, variables in [
            (EXPECT, {**TEE_AT_WH1, "quantity": 10, "reference": "PO-9"}),
            (RECEIVE, {**TEE_AT_WH1, "quantity": 20}),
            (DAMAGE, {**TEE_AT_WH1, "quantity": 2, "reason": "torn"}),
            (SAFETY, {**TEE_AT_WH1, "quantity": 3}),
            (THRESHOLD, {**TEE_AT_WH1, "threshold": 5})]:
        await server.ok(query, variables)
    order = (await server.ok(PLACE, {"email": "bob@example.com", "q": 4}))["orderPlace"]["order"]
    await server.settle()
    before = await snapshot(server)
    assert await levels(server, "TEE") == {"WH1": L(20, 4, 11, 10, 3, 2, threshold=5,
                                                    inbound=(("PO-9", 10, 0, 10),))}
    assert await channel(server) == {"MUG": (0, 0), "TEE": (11, 4)}
    ledger = await movements(server, "TEE")
    assert [r["kind"] for r in ledger] == ["RESERVE", "SAFETY_STOCK", "DAMAGE", "RECEIPT",
                                           "EXPECTED"]
    assert before[0]["teeMoves"]["totalCount"] == 5

    for query, variables, errors in REFUSED:
        body = await server.gql(query, variables)
        assert "errors" not in body, (variables, body)
        (payload,) = body["data"].values()
        assert payload == {"stockItem": None, "userErrors": errors}, variables
        assert await snapshot(server) == before, variables

    for query, variables, fragment in MALFORMED:
        body = await server.gql(query, variables)
        assert fragment in _refused(body), (variables, body)
        assert await snapshot(server) == before, variables

    for query, variables, message in BAD_READS:
        body = await server.gql(query, variables)
        assert _refused(body) == message, (variables, body)
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
    assert await server.ok(STOCK_ITEM, {"sku": "NOPE"}) == {"stockItem": None}

    # An analyst reads everything an admin reads, and may change none of it.
    assert await server.ok(SNAPSHOT, auth=ANALYST) == before[0]
    assert await movements(server, "TEE", ANALYST) == ledger
    allowed = [
        (EXPECT, {**TEE_AT_WH1, "quantity": 5, "reference": "PO-10"}),
        (RECEIVE, {**TEE_AT_WH1, "quantity": 5, "reference": "PO-9"}),
        (SAFETY, {**TEE_AT_WH1, "quantity": 1}),
        (DAMAGE, {**TEE_AT_WH1, "quantity": 1, "reason": "torn"}),
        (WRITE_OFF, {**TEE_AT_WH1, "quantity": 1, "reason": "bin"}),
        (COUNT, {**TEE_AT_WH1, "counted": 30}),
        (THRESHOLD, {**TEE_AT_WH1, "threshold": None}),
        (TRANSFER, {"sku": "TEE", "from": "WH1", "to": "WH2", "quantity": 2}),
        (ADJUST, {**TEE_AT_WH1, "delta": 1, "reason": "found"}),
    ]
    for who, code, message in ((ANALYST, "FORBIDDEN", "not allowed for your role"),
                               (customer_token(order["customer"]["id"]), "FORBIDDEN",
                                "not allowed for your role"),
                               (None, "UNAUTHENTICATED", "authentication required")):
        for query, variables in allowed:
            body = await server.gql(query, variables, auth=who)
            assert _refused(body) == message, (variables, body)
            assert body["errors"][0]["extensions"] == {"code": code}
            assert await snapshot(server) == before, variables
    for who, code in ((customer_token(order["customer"]["id"]), "FORBIDDEN"),
                      (None, "UNAUTHENTICATED")):
        for query, variables in ((STOCK_ITEM, {"sku": "TEE"}), (MOVEMENTS, {"sku": "TEE"}),
                                 (CHANNEL, {})):
            body = await server.gql(query, variables, auth=who)
            assert body.get("data") in (None, {"stockItem": None}), body
            assert [e["extensions"] for e in body["errors"]] == [{"code": code}]

    # Sockets: an unknown channel is refused, a customer may not watch stock; the
    # analyst may, and hears the first change that gets through after all this.
    customer_ws = await Ws.open(server.ws_url, customer_token(order["customer"]["id"]))
    analyst_ws = await Ws.open(server.ws_url, ANALYST)
    try:
        for ws, variables, message in (
                (analyst_ws, {"channel": "NOPE"}, "unknown channel NOPE"),
                (customer_ws, {"channel": "WEB"}, "not allowed for your role")):
            op = await ws.subscribe(STOCK_SUB, variables)
            with pytest.raises(WsError) as err:
                await ws.next(op)
            payload = err.value.args[0]["payload"]
            errors = payload.get("errors") if isinstance(payload, dict) else payload
            assert [e["message"] for e in errors] == [message]
            if err.value.args[0]["type"] == "next":
                assert (await ws.message(op))["type"] == "complete"
        watch = await analyst_ws.subscribe(STOCK_SUB, {"channel": "WEB", "skus": ["TEE"]})
        await server.wait_for_subscribers(1)
        # The same mutations, by the admin, go through: the refusals were about who asked.
        for query, variables in allowed:
            await server.ok(query, variables)
        assert await levels(server, "TEE") == {
            "WH1": L(29, 4, 22, 10, 1, 2, inbound=(("PO-9", 10, 5, 5), ("PO-10", 5, 0, 5))),
            "WH2": L(2, 0, 2, 0, 0, 0)}
        # The expectation, the write-off and the threshold move no channel figure; the
        # other six changes each push once.
        pushes = [(await analyst_ws.next(watch))["stockChanged"] for _ in range(6)]
        assert {(p["sku"], p["channel"]["code"]) for p in pushes} == {("TEE", "WEB")}
        assert (pushes[-1]["available"], pushes[-1]["reserved"]) == (22, 4)
        await server.settle()
        assert await analyst_ws.nothing(watch, 0.3)
    finally:
        await customer_ws.close()
        await analyst_ws.close()
    rows = await movements(server, "TEE")
    assert len(rows) == len(ledger) + 9  # a row per change but the threshold, two per transfer
    check_arithmetic(rows, await levels(server, "TEE"))
