"""The customers connection over the stored figures: ordering, filters and
keyset paging exactly; who may read it; a page costs the same number of
statements whatever its size; Customer's figures come from the row."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from oms.core import ids
from oms.customers.models import Customer

from tests.graphql.helpers import (ANALYST, STAFF, customer_auth, customer_pk, place,
                                   setup_shop)
from tests.statements import count_statements

from .support import drain

T = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)

# email, name, phone, country, consent, orders, lifetime value, last order (days after T)
PEOPLE = [
    ("ann@example.com", "Ann Lee", "+33 1 23 45 67 89", "FR", True, 3, "100.00", 9),
    ("bob@example.com", "Bob Stone", "+49 30 1234567", "DE", False, 1, "9.00", 2),
    ("cat@example.com", "Cat Lee", None, "FR", False, 2, "25.50", 5),
    ("dan@shop.test", "Dan O'Neil", "+44 20 7946 0000", "GB", True, 2, "25.50", 7),
    ("eve@example.com", None, None, None, False, 0, "0.00", None),
    ("fay@example.com", "Fay 100% Real", None, "FR", False, 1, "1000.00", 1),
]


async def _people() -> dict[str, int]:
    out = {}
    for email, name, phone, country, consent, n, ltv, days in PEOPLE:
        last = None if days is None else T + timedelta(days=days)
        c = await Customer.create(
            email=email, name=name, phone=phone, country=country, marketing_consent=consent,
            orders_count=n, lifetime_value=Decimal(ltv),
            average_order_value=(Decimal(ltv) / n).quantize(Decimal("0.01")) if n else None,
            first_order_at=None if last is None else T, last_order_at=last)
        out[email.split("@")[0]] = c.id
    return out


LIST = """query($f: CustomerFilterInput, $o: CustomerOrderBy, $first: Int, $after: String) {
  customers(filter: $f, orderBy: $o, first: $first, after: $after) {
    totalCount edges { cursor node { email } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


async def _emails(gql, f=None, o=None, first=None, after=None, auth=STAFF) -> list[str]:
    r = await gql(LIST, {"f": f, "o": o, "first": first, "after": after}, auth=auth)
    return [e["node"]["email"].split("@")[0] for e in r.ok()["customers"]["edges"]]


async def _walk(gql, o, first: int, f=None) -> list[list[str]]:
    pages, after = [], None
    while True:
        r = (await gql(LIST, {"f": f, "o": o, "first": first, "after": after})).ok()["customers"]
        pages.append([e["node"]["email"].split("@")[0] for e in r["edges"]])
        assert r["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not r["pageInfo"]["hasNextPage"]:
            return pages
        after = r["pageInfo"]["endCursor"]
        assert after == r["edges"][-1]["cursor"]


@pytest.mark.parametrize("field, direction, order", [
    # Ties (cat, dan at 25.50 with 2 orders) go by id in the same direction.
    ("LIFETIME_VALUE", "DESC", ["fay", "ann", "dan", "cat", "bob", "eve"]),
    ("LIFETIME_VALUE", "ASC", ["eve", "bob", "cat", "dan", "ann", "fay"]),
    ("ORDERS_COUNT", "DESC", ["ann", "dan", "cat", "fay", "bob", "eve"]),
    ("ORDERS_COUNT", "ASC", ["eve", "bob", "fay", "cat", "dan", "ann"]),
    # No orders, no last order: last whichever the direction.
    ("LAST_ORDER_AT", "DESC", ["ann", "dan", "cat", "bob", "fay", "eve"]),
    ("LAST_ORDER_AT", "ASC", ["fay", "bob", "cat", "dan", "ann", "eve"]),
])
async def test_ordering_and_keyset_pages_cover_everyone_once(gql, field, direction, order):
    await _people()
    o = {"field": field, "direction": direction}
    assert await _emails(gql, o=o) == order
    assert await _walk(gql, o, 4) == [order[:4], order[4:]]
    assert await _walk(gql, o, 2) == [order[:2], order[2:4], order[4:]]
    assert await _walk(gql, o, 1) == [[x] for x in order]


async def test_the_default_order_is_lifetime_value_descending(gql):
    await _people()
    r = (await gql(LIST, {"first": 2})).ok()["customers"]
    assert [e["node"]["email"] for e in r["edges"]] == ["fay@example.com", "ann@example.com"]
    assert (r["totalCount"], r["pageInfo"]["hasNextPage"], r["pageInfo"]["hasPreviousPage"]) \
        == (6, True, False)


@pytest.mark.parametrize("f, expected", [
    ({"search": "LEE"}, ["ann", "cat"]),
    ({"search": "shop.TEST"}, ["dan"]),
    ({"search": "+49 30"}, ["bob"]),
    ({"search": "o'neil"}, ["dan"]),
    ({"search": "100%"}, ["fay"]),         # % is a character, not a wildcard
    ({"search": "_"}, []),
    ({"search": "  "}, ["fay", "ann", "dan", "cat", "bob", "eve"]),
    ({"country": "fr"}, ["fay", "ann", "cat"]),
    ({"minLifetimeValue": "25.50"}, ["fay", "ann", "dan", "cat"]),
    ({"maxLifetimeValue": "25.50"}, ["dan", "cat", "bob", "eve"]),
    ({"minLifetimeValue": "9", "maxLifetimeValue": "100"}, ["ann", "dan", "cat", "bob"]),
    ({"lastOrderBefore": "2026-03-06T12:00:00+00:00"}, ["fay", "bob"]),
    ({"lastOrderAfter": "2026-03-06T12:00:00+00:00"}, ["ann", "dan", "cat"]),
    ({"lastOrderAfter": "2026-03-06T13:00:00+01:00"}, ["ann", "dan", "cat"]),
    ({"marketingConsent": True}, ["ann", "dan"]),
    ({"marketingConsent": False, "country": "FR", "search": "lee"}, ["cat"]),
])
async def test_filters(gql, f, expected):
    await _people()
    assert await _emails(gql, f=f) == expected
    r = await gql(LIST, {"f": f})
    assert r.ok()["customers"]["totalCount"] == len(expected)


async def test_filters_hold_across_pages(gql):
    await _people()
    o = {"field": "LAST_ORDER_AT", "direction": "DESC"}
    assert await _walk(gql, o, 1, f={"country": "FR"}) == [["ann"], ["cat"], ["fay"]]


@pytest.mark.parametrize("after", ["nope", "WyJ4Il0", "WyJ4IiwgMV0",  # ["x"], ["x", 1]
                                   "W251bGwsIDFd"])  # [null, 1] for LIFETIME_VALUE
async def test_a_foreign_cursor_is_a_user_error(gql, after):
    await _people()
    r = await gql(LIST, {"after": after})
    assert r.codes == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("role", [STAFF, ANALYST, "admin"])
async def test_operators_and_analysts_read_the_list(gql, role):
    await _people()
    assert len(await _emails(gql, auth=role)) == 6


async def test_customers_may_not_list_customers(gql):
    ids_ = await _people()
    r = await gql(LIST, {}, auth=customer_auth(ids_["ann"]))
    assert r.codes == ["FORBIDDEN"] and r.data is None
    r = await gql(LIST, {}, auth=None)
    assert r.codes == ["UNAUTHENTICATED"] and r.data is None


PAGE = """query($first: Int!) { customers(first: $first) { edges { node {
  id email name phone country marketingConsent ordersCount
  lifetimeValue { amount currency } averageOrderValue { amount currency }
  firstOrderAt lastOrderAt addresses { city } } } } }"""


async def test_a_page_costs_one_statement_whatever_its_size(gql):
    for i in range(120):
        await Customer.create(email=f"c{i:03d}@example.com", orders_count=i % 4,
                              lifetime_value=Decimal(i), last_order_at=T)
    with count_statements() as small:
        r10 = (await gql(PAGE, {"first": 10})).ok()["customers"]["edges"]
    with count_statements() as large:
        r100 = (await gql(PAGE, {"first": 100})).ok()["customers"]["edges"]
    assert (len(r10), len(r100)) == (10, 100)
    assert r100[0]["node"]["email"] == "c119@example.com"
    assert len(small) == len(large) == 1, (small, large)


async def test_customer_figures_over_the_api_are_the_stored_ones(gql):
    await setup_shop(gql)
    o = await place(gql, [("SKU-A", 2)], payment={"gateway": "shopify", "reference": "p1",
                                                  "status": "CAPTURED"})
    await place(gql, [("SKU-B", 1)])
    q = """query($id: ID) { customer(id: $id) { email ordersCount country
             lifetimeValue { amount currency } averageOrderValue { amount currency }
             firstOrderAt lastOrderAt } }"""
    # Before the consumer has run: what the row says (nothing yet).
    r = (await gql(q, {"id": o["customer"]["id"]})).ok()["customer"]
    assert (r["ordersCount"], r["lifetimeValue"], r["averageOrderValue"]) == (
        0, {"amount": "0.00", "currency": "EUR"}, None)
    await drain()
    r = (await gql(q, {"id": o["customer"]["id"]})).ok()["customer"]
    placed = await Customer.get(id=customer_pk(o))
    assert r == {"email": "ann@example.com", "ordersCount": 2, "country": "FR",
                 "lifetimeValue": {"amount": "20.00", "currency": "EUR"},
                 "averageOrderValue": {"amount": "10.00", "currency": "EUR"},
                 "firstOrderAt": placed.first_order_at.isoformat(),
                 "lastOrderAt": placed.last_order_at.isoformat()}
    # The customer sees their own figures too.
    mine = await gql(q, {"id": ids.encode("Customer", customer_pk(o))},
                     auth=customer_auth(customer_pk(o)))
    assert mine.ok()["customer"] == r


@pytest.fixture
def base_currency_gbp(monkeypatch):
    from oms.customers import service

    monkeypatch.setenv("OMS_BASE_CURRENCY", "GBP")
    service.base_currency.cache_clear()
    yield
    service.base_currency.cache_clear()


async def test_figures_are_stated_in_the_shop_s_base_currency(gql, base_currency_gbp):
    ids_ = await _people()
    q = """query($id: ID) { customer(id: $id) { lifetimeValue { amount currency }
             averageOrderValue { amount currency } } }"""
    r = await gql(q, {"id": ids.encode("Customer", ids_["ann"])})
    assert r.ok()["customer"] == {"lifetimeValue": {"amount": "100.00", "currency": "GBP"},
                                  "averageOrderValue": {"amount": "33.33", "currency": "GBP"}}
