"""Stock control and the stock ledger through GraphQL: what each mutation
returns, its userErrors (code and field) with nothing changed, and
stockMovements as a keyset connection, newest first, for readers only."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from oms.inventory.models import StockMovement

from tests import factories
from tests.graphql.helpers import (ANALYST, STAFF, Gql, customer_auth, db_snapshot, place,
                                   setup_shop)
from tests.graphql.test_mutations import ok, refused
from tests.statements import count_statements

LEVEL_FIELDS = """location { code } onHand reserved available incoming safetyStock damaged
                  lowStock lowStockThreshold inbound { reference expected received remaining }"""
STOCK_FIELDS = "stockItem { sku levels { %s } } userErrors { code field message }" % LEVEL_FIELDS

STOCK_EXPECT = """mutation($s: String!, $l: String!, $q: Int!, $r: String!) {
  stockExpect(sku: $s, location: $l, quantity: $q, reference: $r) { %s } }""" % STOCK_FIELDS
STOCK_RECEIVE = """mutation($s: String!, $l: String!, $q: Int!, $r: String) {
  stockReceive(sku: $s, location: $l, quantity: $q, reference: $r) { %s } }""" % STOCK_FIELDS
STOCK_SAFETY_SET = """mutation($s: String!, $l: String!, $q: Int!) {
  stockSafetySet(sku: $s, location: $l, quantity: $q) { %s } }""" % STOCK_FIELDS
STOCK_DAMAGE = """mutation($s: String!, $l: String!, $q: Int!, $r: String!) {
  stockDamage(sku: $s, location: $l, quantity: $q, reason: $r) { %s } }""" % STOCK_FIELDS
STOCK_WRITE_OFF = """mutation($s: String!, $l: String!, $q: Int!, $r: String!) {
  stockWriteOff(sku: $s, location: $l, quantity: $q, reason: $r) { %s } }""" % STOCK_FIELDS
STOCK_COUNT = """mutation($s: String!, $l: String!, $c: Int!, $r: String) {
  stockCount(sku: $s, location: $l, counted: $c, reason: $r) { %s } }""" % STOCK_FIELDS
STOCK_THRESHOLD_SET = """mutation($s: String!, $l: String!, $t: Int) {
  stockThresholdSet(sku: $s, location: $l, threshold: $t) { %s } }""" % STOCK_FIELDS

MOVEMENTS = """query($s: String!, $l: String, $from: DateTime, $to: DateTime, $first: Int,
                     $after: String) {
  stockMovements(sku: $s, location: $l, from: $from, to: $to, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id sku kind location { code } onHand { delta before after }
      reserved { delta before after } damaged { delta before after }
      incoming { delta before after } safetyStock { delta before after }
      reason reference actor at } } } }"""


@pytest.fixture
async def gql(clean_db):
    return Gql()


def _level(code: str, on_hand=0, reserved=0, available=None, incoming=0, safety=0, damaged=0,
           low=False, threshold=None, inbound=()) -> dict:
    if available is None:
        available = max(0, on_hand - reserved - safety - damaged)
    return {"location": {"code": code}, "onHand": on_hand, "reserved": reserved,
            "available": available, "incoming": incoming, "safetyStock": safety,
            "damaged": damaged, "lowStock": low, "lowStockThreshold": threshold,
            "inbound": [{"reference": r, "expected": e, "received": got, "remaining": left}
                        for r, e, got, left in inbound]}


def _wh1(payload: dict) -> dict:
    (level,) = [lv for lv in payload["stockItem"]["levels"] if lv["location"]["code"] == "WH1"]
    return level


async def test_stock_control_end_to_end(gql):
    await setup_shop(gql, stock={})
    p = await ok(gql, STOCK_EXPECT, {"s": "SKU-A", "l": "WH1", "q": 10, "r": "PO-1"})
    assert p["stockItem"] == {"sku": "SKU-A", "levels": [
        _level("WH1", incoming=10, inbound=[("PO-1", 10, 0, 10)])]}
    p = await ok(gql, STOCK_EXPECT, {"s": "SKU-A", "l": "WH1", "q": 2, "r": "PO-2"})
    p = await ok(gql, STOCK_RECEIVE, {"s": "SKU-A", "l": "WH1", "q": 12, "r": "PO-1"})
    assert _wh1(p) == _level("WH1", on_hand=12, incoming=2, inbound=[("PO-2", 2, 0, 2)])
    p = await ok(gql, STOCK_SAFETY_SET, {"s": "SKU-A", "l": "WH1", "q": 2})
    assert _wh1(p) == _level("WH1", on_hand=12, safety=2, incoming=2,
                             inbound=[("PO-2", 2, 0, 2)])
    p = await ok(gql, STOCK_THRESHOLD_SET, {"s": "SKU-A", "l": "WH1", "t": 6})
    assert _wh1(p)["lowStock"] is False and _wh1(p)["lowStockThreshold"] == 6
    p = await ok(gql, STOCK_DAMAGE, {"s": "SKU-A", "l": "WH1", "q": 4, "r": "crushed"})
    assert _wh1(p) == _level("WH1", on_hand=12, safety=2, damaged=4, incoming=2, low=True,
                             threshold=6, inbound=[("PO-2", 2, 0, 2)])  # 6 available
    p = await ok(gql, STOCK_WRITE_OFF, {"s": "SKU-A", "l": "WH1", "q": 3, "r": "binned"})
    assert _wh1(p) == _level("WH1", on_hand=9, safety=2, damaged=1, incoming=2, low=True,
                             threshold=6, inbound=[("PO-2", 2, 0, 2)])
    p = await ok(gql, STOCK_COUNT, {"s": "SKU-A", "l": "WH1", "c": 11, "r": "aisle 4"})
    assert _wh1(p) == _level("WH1", on_hand=11, safety=2, damaged=1, incoming=2, low=False,
                             threshold=6, inbound=[("PO-2", 2, 0, 2)])  # 8 available
    p = await ok(gql, STOCK_THRESHOLD_SET, {"s": "SKU-A", "l": "WH1"})  # cleared
    assert (_wh1(p)["lowStock"], _wh1(p)["lowStockThreshold"]) == (False, None)
    r = await gql(MOVEMENTS, {"s": "SKU-A"})
    kinds = [e["node"]["kind"] for e in r.ok()["stockMovements"]["edges"]]
    assert kinds == ["COUNT", "WRITE_OFF", "DAMAGE", "SAFETY_STOCK", "RECEIPT", "EXPECTED",
                     "EXPECTED"]


async def test_stock_control_user_errors_change_nothing(gql):
    await setup_shop(gql)  # SKU-A: 10 at WH1
    await ok(gql, STOCK_DAMAGE, {"s": "SKU-A", "l": "WH1", "q": 2, "r": "dent"})
    await place(gql, [("SKU-A", 3)])
    cases = [
        (STOCK_EXPECT, {"s": "SKU-A", "l": "WH1", "q": 0, "r": "PO-1"}, "INVALID", ["quantity"]),
        (STOCK_EXPECT, {"s": "SKU-A", "l": "WH1", "q": -5, "r": "PO-1"}, "INVALID",
         ["quantity"]),
        (STOCK_EXPECT, {"s": "SKU-A", "l": "WH1", "q": 1_000_001, "r": "PO-1"}, "INVALID",
         ["quantity"]),
        (STOCK_EXPECT, {"s": "SKU-A", "l": "WH1", "q": 1, "r": " "}, "INVALID", ["reference"]),
        (STOCK_EXPECT, {"s": "NOPE", "l": "WH1", "q": 1, "r": "PO-1"}, "NOT_FOUND", ["sku"]),
        (STOCK_EXPECT, {"s": "SKU-A", "l": "WH9", "q": 1, "r": "PO-1"}, "NOT_FOUND",
         ["location"]),
        (STOCK_SAFETY_SET, {"s": "SKU-A", "l": "WH1", "q": -1}, "INVALID", ["quantity"]),
        (STOCK_SAFETY_SET, {"s": "SKU-A", "l": "WH1", "q": 1_000_001}, "INVALID", ["quantity"]),
        (STOCK_SAFETY_SET, {"s": "SKU-A", "l": "WH9", "q": 1}, "NOT_FOUND", ["location"]),
        (STOCK_DAMAGE, {"s": "SKU-A", "l": "WH1", "q": 6, "r": "dent"}, "INVALID",
         ["quantity"]),  # 10 - 3 reserved - 2 damaged = 5 available
        (STOCK_DAMAGE, {"s": "SKU-A", "l": "WH1", "q": 0, "r": "dent"}, "INVALID",
         ["quantity"]),
        (STOCK_DAMAGE, {"s": "SKU-A", "l": "WH1", "q": 1, "r": ""}, "INVALID", ["reason"]),
        (STOCK_DAMAGE, {"s": "NOPE", "l": "WH1", "q": 1, "r": "dent"}, "NOT_FOUND", ["sku"]),
        (STOCK_WRITE_OFF, {"s": "SKU-A", "l": "WH1", "q": 3, "r": "binned"}, "INVALID",
         ["quantity"]),  # 2 damaged
        (STOCK_WRITE_OFF, {"s": "SKU-A", "l": "WH1", "q": -1, "r": "binned"}, "INVALID",
         ["quantity"]),
        (STOCK_WRITE_OFF, {"s": "SKU-A", "l": "WH2", "q": 1, "r": "binned"}, "INVALID",
         ["quantity"]),  # no stock there at all
        (STOCK_COUNT, {"s": "SKU-A", "l": "WH1", "c": -1}, "INVALID", ["counted"]),
        (STOCK_COUNT, {"s": "SKU-A", "l": "WH1", "c": 2}, "INVALID", ["counted"]),  # 3 reserved
        (STOCK_COUNT, {"s": "SKU-A", "l": "WH1", "c": 4}, "INVALID", ["counted"]),  # + 2 damaged
        (STOCK_COUNT, {"s": "SKU-A", "l": "WH1", "c": 1_000_001}, "INVALID", ["counted"]),
        (STOCK_COUNT, {"s": "SKU-A", "l": "WH9", "c": 1}, "NOT_FOUND", ["location"]),
        (STOCK_THRESHOLD_SET, {"s": "SKU-A", "l": "WH1", "t": -1}, "INVALID", ["threshold"]),
        (STOCK_THRESHOLD_SET, {"s": "NOPE", "l": "WH1", "t": 1}, "NOT_FOUND", ["sku"]),
    ]
    for query, variables, code, field in cases:
        assert await refused(gql, query, variables) == [(code, field)], variables
    r = await gql('{ stockItem(sku: "SKU-A") { levels { %s } } }' % LEVEL_FIELDS)
    assert _wh1(r.ok()) == _level("WH1", on_hand=10, reserved=3, damaged=2)


async def test_a_quantity_beyond_graphql_int_is_a_graphql_error(gql):
    await setup_shop(gql)
    before = await db_snapshot()
    r = await gql('mutation { stockExpect(sku: "SKU-A", location: "WH1", quantity: 2147483648,'
                  ' reference: "PO-1") { userErrors { code } } }')
    assert r.data is None and len(r.errors) == 1
    assert r.errors[0]["message"].startswith("Int cannot represent non 32-bit signed integer")
    assert await db_snapshot() == before


async def test_a_variable_beyond_graphql_int_is_a_clear_graphql_error(gql):
    await setup_shop(gql)
    r = await gql(STOCK_EXPECT, {"s": "SKU-A", "l": "WH1", "q": 2 ** 31, "r": "PO-1"})
    assert r.data is None and len(r.errors) == 1
    assert "Int cannot represent" in r.errors[0]["message"]


# ---- stockMovements

async def _ledger_of_seven(gql: Gql) -> None:
    await setup_shop(gql, stock={})
    await ok(gql, STOCK_EXPECT, {"s": "SKU-A", "l": "WH1", "q": 5, "r": "PO-1"})
    await ok(gql, STOCK_RECEIVE, {"s": "SKU-A", "l": "WH1", "q": 5, "r": "PO-1"})
    await ok(gql, STOCK_RECEIVE, {"s": "SKU-A", "l": "WH2", "q": 4})
    await ok(gql, STOCK_DAMAGE, {"s": "SKU-A", "l": "WH1", "q": 1, "r": "dent"})
    await ok(gql, STOCK_WRITE_OFF, {"s": "SKU-A", "l": "WH1", "q": 1, "r": "binned"})
    await ok(gql, STOCK_COUNT, {"s": "SKU-A", "l": "WH2", "c": 3, "r": "aisle 4"})
    await ok(gql, STOCK_SAFETY_SET, {"s": "SKU-A", "l": "WH1", "q": 1})
    await ok(gql, STOCK_RECEIVE, {"s": "SKU-B", "l": "WH1", "q": 9})  # another SKU


def _q(delta: int, before: int | None, after: int | None) -> dict:
    return {"delta": delta, "before": before, "after": after}


async def test_stock_movements_newest_first_with_figures_before_and_after(gql):
    await _ledger_of_seven(gql)
    r = await gql(MOVEMENTS, {"s": "SKU-A", "first": 3}, auth=ANALYST)
    conn = r.ok()["stockMovements"]
    assert conn["totalCount"] == 7
    assert conn["pageInfo"]["hasNextPage"] is True
    assert conn["pageInfo"]["hasPreviousPage"] is False
    nodes = [e["node"] for e in conn["edges"]]
    assert [(n["kind"], n["location"]["code"]) for n in nodes] == [
        ("SAFETY_STOCK", "WH1"), ("COUNT", "WH2"), ("WRITE_OFF", "WH1")]
    count = nodes[1]
    assert count["sku"] == "SKU-A"
    assert (count["onHand"], count["reserved"], count["damaged"], count["incoming"],
            count["safetyStock"]) == (_q(-1, 4, 3), _q(0, 0, 0), _q(0, 0, 0), _q(0, 0, 0),
                                      _q(0, 0, 0))
    assert (count["reason"], count["reference"], count["actor"]) == ("aisle 4", None,
                                                                     "admin:admin")
    at = datetime.fromisoformat(count["at"])
    assert at.tzinfo is not None and abs(datetime.now(timezone.utc) - at) < timedelta(minutes=5)
    write_off = nodes[2]
    assert (write_off["onHand"], write_off["damaged"]) == (_q(-1, 5, 4), _q(-1, 1, 0))
    assert len({n["id"] for n in nodes}) == 3

    r = await gql(MOVEMENTS, {"s": "SKU-A", "first": 3, "after": conn["pageInfo"]["endCursor"]})
    page2 = r.ok()["stockMovements"]
    assert [e["node"]["kind"] for e in page2["edges"]] == ["DAMAGE", "RECEIPT", "RECEIPT"]
    assert page2["edges"][2]["node"]["incoming"] == _q(-5, 5, 0)
    assert page2["edges"][2]["node"]["reference"] == "PO-1"
    assert page2["pageInfo"]["hasPreviousPage"] is True
    r = await gql(MOVEMENTS, {"s": "SKU-A", "first": 3,
                              "after": page2["pageInfo"]["endCursor"]})
    page3 = r.ok()["stockMovements"]
    assert [e["node"]["kind"] for e in page3["edges"]] == ["EXPECTED"]
    assert page3["pageInfo"]["hasNextPage"] is False
    assert page3["totalCount"] == 7


async def test_stock_movements_at_one_location_and_in_a_time_window(gql):
    await _ledger_of_seven(gql)
    r = await gql(MOVEMENTS, {"s": "SKU-A", "l": "WH2"})
    conn = r.ok()["stockMovements"]
    assert [e["node"]["kind"] for e in conn["edges"]] == ["COUNT", "RECEIPT"]
    assert conn["totalCount"] == 2
    # Give the rows known times, an hour apart, oldest first.
    t0 = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)
    for i, m in enumerate(await StockMovement.filter(product__sku="SKU-A").order_by("id")):
        await StockMovement.filter(id=m.id).update(created_at=t0 + timedelta(hours=i))
    r = await gql(MOVEMENTS, {"s": "SKU-A", "from": "2026-05-01T10:00:00+00:00",
                              "to": "2026-05-01T13:00:00+00:00"})
    conn = r.ok()["stockMovements"]
    assert [(e["node"]["kind"], e["node"]["at"]) for e in conn["edges"]] == [
        ("WRITE_OFF", "2026-05-01T12:00:00+00:00"), ("DAMAGE", "2026-05-01T11:00:00+00:00"),
        ("RECEIPT", "2026-05-01T10:00:00+00:00")]
    assert conn["totalCount"] == 3
    # Another zone means the same instant; a time without a zone is read as UTC.
    r = await gql(MOVEMENTS, {"s": "SKU-A", "from": "2026-05-01T13:00:00+02:00",
                              "to": "2026-05-01T13:00:00"})
    assert [e["node"]["kind"] for e in r.ok()["stockMovements"]["edges"]] == [
        "WRITE_OFF", "DAMAGE"]
    r = await gql(MOVEMENTS, {"s": "SKU-A", "l": "WH1", "from": "2026-05-01T13:00:00Z"})
    assert [e["node"]["kind"] for e in r.ok()["stockMovements"]["edges"]] == ["SAFETY_STOCK"]


async def test_rows_older_than_the_figures_show_them_as_null(gql):
    await setup_shop(gql)
    await factories.place([("SKU-A", 2)])
    first = await StockMovement.filter(product__sku="SKU-A").first()
    await StockMovement.create(product_id=first.product_id, location_id=first.location_id,
                               kind="RELEASE", reserved_delta=-2, reference="order:1")
    r = await gql(MOVEMENTS, {"s": "SKU-A", "first": 1})
    node = r.ok()["stockMovements"]["edges"][0]["node"]
    assert node["kind"] == "RELEASE"
    assert node["reserved"] == _q(-2, None, None)
    assert node["onHand"] == _q(0, None, None)


async def test_stock_movements_is_for_readers(gql):
    await setup_shop(gql)
    for auth in (ANALYST, STAFF):
        assert (await gql(MOVEMENTS, {"s": "SKU-A"}, auth=auth)).ok()
    r = await gql(MOVEMENTS, {"s": "SKU-A"}, auth=customer_auth(1))
    assert r.codes == ["FORBIDDEN"] and r.data is None
    r = await gql(MOVEMENTS, {"s": "SKU-A"}, auth=None)
    assert r.codes == ["UNAUTHENTICATED"] and r.data is None


@pytest.mark.parametrize(("variables", "message"), [
    ({"s": "NOPE"}, "unknown sku NOPE"),
    ({"s": "SKU-A", "l": "WH9"}, "unknown location WH9"),
    ({"s": "SKU-A", "after": "not-a-cursor"}, "invalid cursor"),
    ({"s": "SKU-A", "after": "WyJ4Il0="}, "invalid cursor"),  # ["x"]
    ({"s": "SKU-A", "after": "W3RydWVd"}, "invalid cursor"),  # [true]
    ({"s": "SKU-A", "after": "WzEsMl0="}, "invalid cursor"),  # [1,2]
    ({"s": "SKU-A", "first": 201}, "first must be between 0 and 200"),
    ({"s": "SKU-A", "first": -1}, "first must be between 0 and 200"),
])
async def test_stock_movements_bad_arguments(gql, variables, message):
    await setup_shop(gql)
    r = await gql(MOVEMENTS, variables)
    assert r.data is None
    assert r.codes == ["BAD_USER_INPUT"]
    assert r.errors[0]["message"] == message


async def test_a_page_of_movements_costs_a_constant_number_of_statements(gql):
    await setup_shop(gql, stock={})
    for i in range(30):
        await ok(gql, STOCK_RECEIVE, {"s": "SKU-A", "l": "WH1" if i % 2 else "WH2", "q": 1})
    with count_statements() as small:
        r5 = await gql(MOVEMENTS, {"s": "SKU-A", "first": 5})
    with count_statements() as large:
        r30 = await gql(MOVEMENTS, {"s": "SKU-A", "first": 30})
    assert len(r5.ok()["stockMovements"]["edges"]) == 5
    assert len(r30.ok()["stockMovements"]["edges"]) == 30
    # The product, the page, the count, one batch of locations.
    assert len(small) == len(large) == 4, large


async def test_levels_and_their_inbound_cost_a_constant_number_of_statements(gql):
    await setup_shop(gql, stock={})
    for loc in ("WH1", "WH2"):
        for ref in ("PO-1", "PO-2"):
            await ok(gql, STOCK_EXPECT, {"s": "SKU-A", "l": loc, "q": 3, "r": ref})
    with count_statements() as seen:
        r = await gql('{ stockItem(sku: "SKU-A") { levels { %s } } }' % LEVEL_FIELDS)
    levels = r.ok()["stockItem"]["levels"]
    assert [lv["inbound"] for lv in levels] == [[
        {"reference": "PO-1", "expected": 3, "received": 0, "remaining": 3},
        {"reference": "PO-2", "expected": 3, "received": 0, "remaining": 3}]] * 2
    # The product, its levels, their locations, their expectations.
    assert len(seen) == 4, seen


async def test_staff_runs_stock_control(gql):
    await setup_shop(gql)
    for query, variables in [
            (STOCK_EXPECT, {"s": "SKU-A", "l": "WH1", "q": 5, "r": "PO-7"}),
            (STOCK_RECEIVE, {"s": "SKU-A", "l": "WH1", "q": 5, "r": "PO-7"}),
            (STOCK_SAFETY_SET, {"s": "SKU-A", "l": "WH1", "q": 1}),
            (STOCK_DAMAGE, {"s": "SKU-A", "l": "WH1", "q": 2, "r": "dent"}),
            (STOCK_WRITE_OFF, {"s": "SKU-A", "l": "WH1", "q": 1, "r": "binned"}),
            (STOCK_COUNT, {"s": "SKU-A", "l": "WH1", "c": 13}),
            (STOCK_THRESHOLD_SET, {"s": "SKU-A", "l": "WH1", "t": 2})]:
        (payload,) = (await gql(query, variables, auth=STAFF)).ok().values()
        assert payload["userErrors"] == []
    r = await gql(MOVEMENTS, {"s": "SKU-A", "first": 1})
    assert r.ok()["stockMovements"]["edges"][0]["node"]["actor"] == "staff:staff"
