"""orders(filter, orderBy, first, after): keyset pagination over every sort
field and direction returns every order exactly once, in order; and
order(id) / order(number)."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from oms.core import ids
from oms.graphql.pagination import encode_cursor
from oms.orders.models import Order

from .helpers import place, setup_shop

PAGE = """query($f: OrderFilterInput, $o: OrderOrderBy, $first: Int, $after: String) {
  orders(filter: $f, orderBy: $o, first: $first, after: $after) {
    totalCount
    edges { cursor node { id number } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""

ALL = """{ orders(first: 200) { edges { node {
  id number status placedAt updatedAt total { amount } channel { code }
  customer { id email } externalReference } } } }"""

BASE = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
async def shop(gql):
    """31 orders on two channels by three customers, with many ties in
    every sort key (same totals, same placedAt, same updatedAt)."""
    await setup_shop(gql, channels={"WEB": ["WH1"], "STORE": ["WH1"]},
                     prices={"SKU-A": "10.00", "SKU-B": "25.50", "SKU-C": "3.99"},
                     stock={("SKU-A", "WH1"): 500, ("SKU-B", "WH1"): 500,
                            ("SKU-C", "WH1"): 500})
    emails = ["ann@example.com", "bob@example.com", "cy@example.com"]
    baskets = [[("SKU-A", 1)], [("SKU-B", 1)], [("SKU-C", 1)], [("SKU-A", 10)],
               [("SKU-C", 3), ("SKU-A", 1)], [("SKU-B", 4)], [("SKU-A", 1)]]
    for i in range(31):
        await place(gql, baskets[i % len(baskets)], email=emails[i % 3],
                    channel="STORE" if i % 4 == 3 else "WEB", externalReference=f"EXT-{i:03d}")
    # Ties on purpose: groups of orders share placedAt / updatedAt, some at whole seconds.
    for pk in range(1, 32):
        await Order.filter(id=pk).update(
            placed_at=BASE + timedelta(minutes=(pk * 7) % 5, microseconds=(pk % 2) * 250_000),
            updated_at=BASE + timedelta(hours=pk % 3))
    return gql


async def _everything(gql) -> list[dict]:
    return [e["node"] for e in (await gql(ALL)).ok()["orders"]["edges"]]


def _key(node: dict, field: str):
    if field == "PLACED_AT":
        return datetime.fromisoformat(node["placedAt"])
    if field == "UPDATED_AT":
        return datetime.fromisoformat(node["updatedAt"])
    if field == "TOTAL":
        return Decimal(node["total"]["amount"])
    return 0  # NUMBER: the id alone


def _expected(nodes: list[dict], field: str, desc: bool) -> list[str]:
    pk = lambda n: ids.decode("Order", n["id"])  # noqa: E731
    return [n["number"] for n in sorted(nodes, key=lambda n: (_key(n, field), pk(n)),
                                        reverse=desc)]


async def _walk(gql, *, field: str, direction: str, size: int, f: dict | None = None,
                auth="admin") -> tuple[list[str], int]:
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        r = await gql(PAGE, {"f": f, "o": {"field": field, "direction": direction},
                             "first": size, "after": after}, auth=auth)
        conn = r.ok()["orders"]
        edges = conn["edges"]
        pages += 1
        assert len(edges) <= size
        assert conn["pageInfo"]["hasPreviousPage"] is (after is not None)
        if edges:
            assert conn["pageInfo"]["startCursor"] == edges[0]["cursor"]
            assert conn["pageInfo"]["endCursor"] == edges[-1]["cursor"]
        seen += [e["node"]["number"] for e in edges]
        if not conn["pageInfo"]["hasNextPage"]:
            return seen, conn["totalCount"]
        assert len(edges) == size
        after = conn["pageInfo"]["endCursor"]
        assert pages < 100


async def test_every_order_exactly_once_in_order(shop):
    nodes = await _everything(shop)
    assert len(nodes) == 31
    for field, direction in itertools.product(["PLACED_AT", "TOTAL", "NUMBER", "UPDATED_AT"],
                                              ["ASC", "DESC"]):
        expected = _expected(nodes, field, direction == "DESC")
        assert len(set(expected)) == 31
        for size in (1, 4, 7, 31, 50):
            seen, total = await _walk(shop, field=field, direction=direction, size=size)
            assert total == 31
            assert seen == expected, (field, direction, size)


async def test_default_order_is_newest_placed_first(shop):
    nodes = await _everything(shop)
    r = await shop("{ orders { edges { node { number } } } }")
    assert [e["node"]["number"] for e in r.ok()["orders"]["edges"]] == _expected(
        nodes, "PLACED_AT", True)


FILTERS = {
    "status": ({"status": ["CONFIRMED"]}, lambda n: n["status"] == "CONFIRMED"),
    "statuses": ({"status": ["CONFIRMED", "CANCELLED"]},
                 lambda n: n["status"] in ("CONFIRMED", "CANCELLED")),
    "channel": ({"channel": "STORE"}, lambda n: n["channel"]["code"] == "STORE"),
    "unknown channel": ({"channel": "NOPE"}, lambda n: False),
    "placed window": ({"placedFrom": (BASE + timedelta(minutes=1)).isoformat(),
                       "placedTo": (BASE + timedelta(minutes=3)).isoformat()},
                      lambda n: BASE + timedelta(minutes=1) <= datetime.fromisoformat(
                          n["placedAt"]) < BASE + timedelta(minutes=3)),
    "placed window in another zone": (
        {"placedFrom": (BASE + timedelta(minutes=2)).astimezone(
            timezone(timedelta(hours=5, minutes=30))).isoformat()},
        lambda n: datetime.fromisoformat(n["placedAt"]) >= BASE + timedelta(minutes=2)),
    "search email": ({"search": "Bob@Example.com"},
                     lambda n: n["customer"]["email"] == "bob@example.com"),
    "search number": ({"search": "STORE-000004"}, lambda n: n["number"] == "STORE-000004"),
    "search wrong channel number": ({"search": "WEB-000004"}, lambda n: False),
    "search reference": ({"search": "EXT-010"}, lambda n: n["externalReference"] == "EXT-010"),
    "combined": ({"channel": "WEB", "status": ["PENDING"], "search": "ann@example.com"},
                 lambda n: n["channel"]["code"] == "WEB" and n["status"] == "PENDING"
                 and n["customer"]["email"] == "ann@example.com"),
}


async def test_filters_paginate_too(shop):
    from oms.orders import service

    for pk in (2, 5, 9, 14):
        await service.confirm_order(pk)
    await service.cancel_order(5)
    nodes = await _everything(shop)
    for name, (f, keep) in FILTERS.items():
        for field, direction in (("TOTAL", "ASC"), ("PLACED_AT", "DESC")):
            expected = _expected([n for n in nodes if keep(n)], field, direction == "DESC")
            seen, total = await _walk(shop, field=field, direction=direction, size=3, f=f)
            assert seen == expected, name
            assert total == len(expected), name
    assert len(_expected([n for n in nodes if FILTERS["status"][1](n)], "TOTAL", False)) == 3


async def test_filter_by_customer(shop):
    nodes = await _everything(shop)
    bob = next(n["customer"]["id"] for n in nodes if n["customer"]["email"] == "bob@example.com")
    seen, total = await _walk(shop, field="NUMBER", direction="ASC", size=4,
                              f={"customerId": bob})
    assert seen == [n["number"] for n in sorted(nodes, key=lambda n: ids.decode("Order", n["id"]))
                    if n["customer"]["id"] == bob]
    assert total == 10
    for other in ("T3JkZXI6MQ", "garbage"):  # an Order id, not a Customer's
        assert await _walk(shop, field="NUMBER", direction="ASC", size=4,
                           f={"customerId": other}) == ([], 0)


async def test_an_empty_first_page_and_the_end(shop):
    r = await shop(PAGE, {"first": 0})
    conn = r.ok()["orders"]
    assert conn["edges"] == [] and conn["pageInfo"]["hasNextPage"] is True
    assert conn["pageInfo"]["endCursor"] is None and conn["totalCount"] == 31
    r = await shop(PAGE, {"o": {"field": "NUMBER", "direction": "ASC"}, "first": 31})
    last = r.ok()["orders"]["pageInfo"]
    assert last["hasNextPage"] is False
    r = await shop(PAGE, {"o": {"field": "NUMBER", "direction": "ASC"}, "after": last["endCursor"]})
    assert r.ok()["orders"]["edges"] == []


async def test_page_size_is_bounded(shop):
    for first in (-1, 201, 100_000):
        r = await shop(PAGE, {"first": first})
        assert r.codes == ["BAD_USER_INPUT"]
        assert r.data is None
    assert len((await shop(PAGE, {"first": 200})).ok()["orders"]["edges"]) == 31


BAD_CURSORS = [
    ("NUMBER", "garbage!"), ("NUMBER", "bm90IGpzb24"),  # 'not json'
    ("NUMBER", encode_cursor({"a": 1})), ("NUMBER", encode_cursor([])),
    ("NUMBER", encode_cursor(["x", "y"])), ("NUMBER", encode_cursor(["1", 10**12])),
    ("NUMBER", encode_cursor(["1", -1])), ("NUMBER", encode_cursor(["1", 1, 2])),
    ("TOTAL", encode_cursor(["abc", 1])), ("TOTAL", encode_cursor(["1e999999", 1])),
    ("TOTAL", encode_cursor(["NaN", 1])), ("PLACED_AT", encode_cursor(["10.00", 3])),
    ("UPDATED_AT", encode_cursor([None, 3])), ("PLACED_AT", encode_cursor(["2026-03-01"])),
    ("PLACED_AT", encode_cursor(["2026-03-01T00:00:00", 3])),  # no time zone
    ("PLACED_AT", encode_cursor([20260301, 3])), ("TOTAL", encode_cursor([[1], {"b": 2}])),
]


async def test_a_bad_cursor_is_bad_user_input(shop):
    for field, cursor in BAD_CURSORS:
        for direction in ("ASC", "DESC"):
            r = await shop(PAGE, {"o": {"field": field, "direction": direction},
                                  "after": cursor})
            assert r.codes == ["BAD_USER_INPUT"], (field, cursor, r.errors)
            assert r.errors[0]["message"] == "invalid cursor"
    # The same through a customer's own order list.
    r = await shop('query($a: String) { customer(email: "ann@example.com") { orders(after: $a) '
                   '{ totalCount } } }', {"a": encode_cursor(["x", "y"])})
    assert r.codes == ["BAD_USER_INPUT"]


async def test_order_by_id_and_by_number(shop):
    q = """query($id: ID, $n: String) {
             order(id: $id, number: $n) { id number channel { code } } }"""
    r = await shop(q, {"n": "WEB-000001"})
    one = r.ok()["order"]
    assert one == {"id": ids.encode("Order", 1), "number": "WEB-000001", "channel": {"code": "WEB"}}
    assert (await shop(q, {"id": one["id"]})).ok()["order"] == one
    assert (await shop(q, {"n": "STORE-000004"})).ok()["order"]["number"] == "STORE-000004"
    for number in ("WEB-000004", "WEB-000099", "WEB-", "-000001", "WEB000001", "", "WEB-1e3",
                   "WEB-" + "9" * 40):
        assert (await shop(q, {"n": number})).ok() == {"order": None}, number
    assert (await shop(q, {})).ok() == {"order": None}
    for bad_id in (ids.encode("Customer", 1), "T3JkZXI6", "garbage", ids.encode("Order", 999)):
        assert (await shop(q, {"id": bad_id})).ok() == {"order": None}
