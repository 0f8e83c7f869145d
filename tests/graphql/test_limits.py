"""Abusive documents are refused before anything runs (depth, aliases,
tokens), and an unexpected failure is masked: no stack trace, no internal
message, only "Unexpected error."."""
from __future__ import annotations

import json

import pytest

from oms.graphql.schema import build_schema
from oms.orders import service as order_service

from .helpers import ADMIN, Gql, place, setup_shop


def nested(levels: int) -> str:
    """orders -> edges -> node -> customer -> orders ... `levels` fields deep,
    the leaf included (the limit counts edges below the root: levels - 1)."""
    chain = ["orders", "edges", "node", "customer"]
    fields = [chain[i % 4] for i in range(levels - 1)]
    leaf = {"orders": "totalCount", "edges": "cursor", "node": "id", "customer": "id"}[
        fields[-1]]
    return "{ " + " { ".join(fields) + " { " + leaf + " }" * len(fields) + " }"


def _assert_refused(r, fragment: str) -> None:
    assert r.data is None
    assert len(r.errors) == 1
    assert fragment in r.errors[0]["message"], r.errors


async def test_query_depth_limit(gql, monkeypatch):
    await setup_shop(gql)
    await place(gql, [("SKU-A", 1)])
    ran: list[int] = []
    real_page = __import__("oms.orders.queries", fromlist=["page"]).page

    async def page(*a, **kw):
        ran.append(1)
        return await real_page(*a, **kw)

    monkeypatch.setattr("oms.orders.queries.page", page)
    r = await gql(nested(13))
    assert r.errors == [] and r.data["orders"]["edges"][0]["node"]["customer"]["orders"]
    ran.clear()
    r = await gql(nested(14))
    _assert_refused(r, "exceeds maximum operation depth of 12")
    assert ran == []  # refused before execution
    # Fragments do not hide depth.
    frag = "query { ...F } fragment F on Query " + nested(14)
    _assert_refused(await gql(frag), "exceeds maximum operation depth")
    assert (await gql("query { ...F } fragment F on Query " + nested(13))).errors == []
    # The limit is configurable.
    shallow = Gql(schema=build_schema(max_depth=3))
    assert (await shallow(nested(4))).errors == []
    _assert_refused(await shallow(nested(5)), "exceeds maximum operation depth of 3")


async def test_alias_limit(gql):
    ok = "{ " + " ".join(f"a{i}: channels {{ code }}" for i in range(30)) + " }"
    assert (await gql(ok)).errors == []
    too_many = "{ " + " ".join(f"a{i}: channels {{ code }}" for i in range(31)) + " }"
    _assert_refused(await gql(too_many), "aliases found. Allowed: 30")
    # Aliases inside nested selections count too.
    nested_aliases = "{ channels { " + " ".join(f"c{i}: code" for i in range(31)) + " } }"
    _assert_refused(await gql(nested_aliases), "Allowed: 30")


async def test_token_limit(gql):
    def doc(n: int) -> str:  # 16 tokens besides the list (end of file included)
        return "{ orders(filter: {status: [" + " ".join(["PENDING"] * n) + "]}) { totalCount } }"

    assert (await gql(doc(1984))).ok() == {"orders": {"totalCount": 0}}
    _assert_refused(await gql(doc(1985)), "Document contains more than 2000 tokens")
    too_long = "{ channels { " + " ".join(["code"] * 2000) + " } }"
    _assert_refused(await gql(too_long), "Document contains more than 2000 tokens")


async def test_a_huge_variable_list_is_still_validated_by_the_services(gql):
    await setup_shop(gql)
    lines = [{"sku": "SKU-A", "quantity": 1}] * 201
    r = await gql("""mutation($l: [OrderLineInput!]!) { orderPlace(input: {channel: "WEB",
        source: WEB, customer: {email: "a@example.com"}, lines: $l, shippingAddress: {
        line1: "1 Main St", city: "Paris", postalCode: "75001", country: "FR"}}) {
        order { id } userErrors { code field } } }""", {"l": lines})
    assert r.ok()["orderPlace"] == {"order": None, "userErrors": [
        {"code": "INVALID", "field": ["lines"]}]}


SECRET_DETAIL = "connection to db-internal-7.prod:5432 refused (password=hunter2)"


def _masked(r) -> None:
    assert len(r.errors) == 1
    err = r.errors[0]
    assert err["message"] == "Unexpected error."
    assert "extensions" not in err or not err["extensions"]
    text = json.dumps(r.errors)
    for leak in ("hunter2", "db-internal", "Traceback", "RuntimeError", ".py", "line "):
        assert leak not in text


async def test_an_unexpected_exception_in_a_mutation_is_masked(gql, monkeypatch):
    await setup_shop(gql)
    o = await place(gql, [("SKU-A", 1)])

    async def broken(*a, **kw):
        raise RuntimeError(SECRET_DETAIL)

    monkeypatch.setattr(order_service, "confirm_order", broken)
    r = await gql("mutation($id: ID!) { orderConfirm(id: $id) { order { id } userErrors "
                  "{ code } } }", {"id": o["id"]})
    assert r.data is None
    _masked(r)
    assert r.errors[0]["path"] == ["orderConfirm"]


async def test_an_unexpected_exception_in_a_query_is_masked(gql, monkeypatch):
    await setup_shop(gql)
    await place(gql, [("SKU-A", 1)])

    async def broken(*a, **kw):
        raise KeyError(SECRET_DETAIL)

    monkeypatch.setattr("oms.orders.queries.count", broken)
    r = await gql("{ orders { totalCount edges { node { number } } } }")
    _masked(r)
    assert r.errors[0]["path"] == ["orders", "totalCount"]


async def test_an_unexpected_exception_in_a_loader_is_masked(gql, monkeypatch):
    await setup_shop(gql)
    await place(gql, [("SKU-A", 1)])
    from oms.graphql import loaders

    def broken(model):
        async def load(ids):
            raise ValueError(SECRET_DETAIL)
        return load

    monkeypatch.setattr(loaders, "_by_id", broken)  # the customer loader, made per request
    r = await gql("{ orders { edges { node { number customer { email ordersCount } } } } }")
    _masked(r)
    assert r.data is None or r.data["orders"]["edges"][0]["node"]["number"] == "WEB-000001"


@pytest.mark.parametrize("variables", [
    {"id": "x" * 10_000}, {"id": "T3JkZXI6LTE"},  # Order:-1
    {"id": "T3JkZXI6OTk5OTk5OTk5OTk5OTk5OTk5OTk5"},  # Order:999999999999999999999
    {"id": "T3JkZXI6MQ=="}, {"id": "T3JkZXI6wrk"},  # Order:¹
])
async def test_odd_ids_are_not_found_never_a_server_error(gql, variables):
    await setup_shop(gql)
    await place(gql, [("SKU-A", 1)])
    r = await gql("query($id: ID) { order(id: $id) { id } }", variables)
    assert r.errors == [] and r.data == {"order": None} or r.data == {
        "order": {"id": "T3JkZXI6MQ"}}
    r = await gql("mutation($id: ID!) { orderConfirm(id: $id) { userErrors { code field } } }",
                  variables)
    assert r.errors == []


async def test_introspection_can_be_turned_off(gql):
    q = "{ __schema { queryType { name } } }"
    assert (await gql(q)).ok() == {"__schema": {"queryType": {"name": "Query"}}}
    closed = Gql(schema=build_schema(introspection=False))
    r = await closed(q, auth=ADMIN)
    assert r.data is None
    assert "introspection" in r.errors[0]["message"].lower()


async def test_a_subscription_over_http_is_refused_with_a_clear_error(gql):
    result = await gql("subscription { stockChanged { sku available } }")
    assert result.data is None
    assert result.codes == ["BAD_USER_INPUT"]
    assert result.errors[0]["message"] == (
        "subscriptions are served over WebSocket (graphql-transport-ws) at /graphql")


async def test_text_with_a_nul_character_is_refused_before_anything_runs(gql):
    from .helpers import db_snapshot, setup_shop

    await setup_shop(gql)
    before = await db_snapshot()
    receive = """mutation($r: String) { stockReceive(sku: "SKU-A", location: "WH1", quantity: 1,
                   reference: $r) { userErrors { code } } }"""
    r = await gql(receive, {"r": "PO\u00001"})
    assert r.codes == ["BAD_USER_INPUT"] and r.data is None
    r = await gql('{ stockItem(sku: "SKU\\u0000A") { sku } }')
    assert r.codes == ["BAD_USER_INPUT"]
    assert "NUL" in r.errors[0]["message"]
    r = await gql("query($f: OrderFilterInput) { orders(filter: $f) { totalCount } }",
                  {"f": {"search": "a\u0000"}})
    assert r.codes == ["BAD_USER_INPUT"]
    r = await gql("query($id: ID) { order(id: $id) { id } }", {"id": "\u0000"})
    assert r.codes == ["BAD_USER_INPUT"]
    assert await db_snapshot() == before


async def test_a_date_at_the_calendars_ends_is_a_bound_not_a_crash(gql):
    from .helpers import setup_shop

    await setup_shop(gql)
    q = """query($f: DateTime, $t: DateTime) { stockMovements(sku: "SKU-A", from: $f, to: $t) {
             edges { node { kind } } } }"""
    r = await gql(q, {"f": "0001-01-01T00:00:00+14:00", "t": "9999-12-31T23:59:59-01:00"})
    assert [e["node"]["kind"] for e in r.ok()["stockMovements"]["edges"]] == ["RECEIPT"]
    r = await gql("""query($f: DateTime) { orders(filter: {placedFrom: $f}) { totalCount } }""",
                  {"f": "0001-01-01T00:00:00+14:00"})
    assert r.ok()["orders"]["totalCount"] == 0
