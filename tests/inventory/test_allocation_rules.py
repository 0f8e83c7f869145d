"""Channel allocation rules: the use cases on the real database (caps,
percentages, buffers, a SKU's rule over the channel-wide one, two channels
drawing on one warehouse), the StockChanged events a rule change records
(one per SKU whose channel figure moved, in the same transaction), refusals
that change nothing; then GraphQL (the mutations, channelAllocationRules,
every reader of a channel's available, channelInventory's statements, the
stockChanged push), the availability feed in both formats and the
`oms export-availability` command."""
from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sys
from pathlib import Path

import pytest

from oms.catalog import service as catalog
from oms.catalog.models import Channel, Location, Product
from oms.core.errors import DomainError, ErrorCode
from oms.events.models import EventLog
from oms.inventory import feed, queries, rules, service as inventory
from oms.inventory.channel_rules import AllocationRule
from oms.inventory.models import ChannelAllocationRule, StockLevel

from tests import factories
from tests.assertions import refused
from tests.graphql.helpers import ANALYST, STAFF, Gql, customer_auth, db_snapshot
from tests.statements import count_statements

ROOT = Path(__file__).resolve().parents[2]

# WEB draws on WH1 and WH2, MKT on WH2 only: they share WH2.
CHANNELS = {"WEB": ["WH1", "WH2"], "MKT": ["WH2"]}
PRICES = {"SKU-A": "10.00", "SKU-B": "25.50", "SKU-C": "3.99", "SKU-D": "1.00"}
STOCK = {("SKU-A", "WH1"): 10, ("SKU-A", "WH2"): 6, ("SKU-B", "WH1"): 10,
         ("SKU-C", "WH2"): 10}
# Pools: WEB A 16, B 10, C 10, D 0 (never stocked); MKT A 6, B 0, C 10, D 0.


@pytest.fixture
async def stores(clean_db):
    await factories.shop(channels=CHANNELS, prices=PRICES, stock=STOCK)


async def _figures(channel: str, skus=("SKU-A", "SKU-B", "SKU-C", "SKU-D")) -> dict:
    """sku -> (available, reserved, pooled) for a channel, through the loader batch."""
    ch = await Channel.get(code=channel)
    products = {p.sku: p for p in await Product.filter(sku__in=list(skus))}
    figs = await queries.channel_stock([(ch.id, products[s].id) for s in skus])
    return {s: (f.available, f.reserved, f.pooled) for s, f in zip(skus, figs)}


async def _available(channel: str) -> dict[str, int]:
    return {s: f[0] for s, f in (await _figures(channel)).items()}


async def _events(after: int = 0) -> list[tuple]:
    return [(e.type, e.sku, e.channel, e.location, e.payload)
            for e in await EventLog.filter(id__gt=after).order_by("id")]


async def _last_event() -> int:
    last = await EventLog.all().order_by("-id").first()
    return last.id if last else 0


async def _rules() -> list[tuple]:
    return sorted(await ChannelAllocationRule.all().values_list(
        "channel__code", "product__sku", "cap_quantity", "cap_percent", "buffer", "actor"),
        key=lambda r: (r[0], r[1] or ""))


async def _state() -> dict:
    return {"db": await db_snapshot(), "rules": await _rules()}


def _moved(sku: str, channel: str, previous: int, available: int) -> tuple:
    return ("StockChanged", sku, channel, None,
            {"available": available, "previous": previous, "cause": "ALLOCATION_RULE"})


async def _set(channel="WEB", sku=None, cap_quantity=None, cap_percent=None, buffer=None,
               actor="test"):
    return await rules.set_allocation_rule(channel=channel, sku=sku, cap_quantity=cap_quantity,
                                           cap_percent=cap_percent, buffer=buffer, actor=actor)


# ---- what a channel may sell under its rules

async def test_without_rules_a_channel_sees_its_pool(stores):
    assert await _figures("WEB") == {"SKU-A": (16, 0, 16), "SKU-B": (10, 0, 10),
                                     "SKU-C": (10, 0, 10), "SKU-D": (0, 0, 0)}
    assert await _figures("MKT") == {"SKU-A": (6, 0, 6), "SKU-B": (0, 0, 0),
                                     "SKU-C": (10, 0, 10), "SKU-D": (0, 0, 0)}


async def test_a_fixed_cap(stores):
    row = await _set(sku="SKU-A", cap_quantity=4)
    assert (row.cap_quantity, row.cap_percent, row.buffer, row.actor) == (4, None, 0, "test")
    assert await _figures("WEB") == {"SKU-A": (4, 0, 16), "SKU-B": (10, 0, 10),
                                     "SKU-C": (10, 0, 10), "SKU-D": (0, 0, 0)}
    assert await _available("MKT") == {"SKU-A": 6, "SKU-B": 0, "SKU-C": 10, "SKU-D": 0}
    await _set(sku="SKU-A", cap_quantity=100)  # above the pool: the pool
    assert (await _available("WEB"))["SKU-A"] == 16


async def test_a_percentage_rounds_down(stores):
    await _set(cap_percent=33)
    assert await _available("WEB") == {"SKU-A": 5, "SKU-B": 3, "SKU-C": 3, "SKU-D": 0}
    await _set(cap_percent=50)
    assert await _available("WEB") == {"SKU-A": 8, "SKU-B": 5, "SKU-C": 5, "SKU-D": 0}
    await _set(cap_percent=0)
    assert await _available("WEB") == {"SKU-A": 0, "SKU-B": 0, "SKU-C": 0, "SKU-D": 0}


async def test_a_buffer_is_kept_back_and_never_goes_below_zero(stores):
    await _set(buffer=12)
    assert await _figures("WEB") == {"SKU-A": (4, 0, 16), "SKU-B": (0, 0, 10),
                                     "SKU-C": (0, 0, 10), "SKU-D": (0, 0, 0)}
    await _set(cap_quantity=3, buffer=12)  # the lower of the two limits
    assert await _available("WEB") == {"SKU-A": 3, "SKU-B": 0, "SKU-C": 0, "SKU-D": 0}
    await _set(cap_percent=75, buffer=2)
    assert await _available("WEB") == {"SKU-A": 12, "SKU-B": 7, "SKU-C": 7, "SKU-D": 0}


async def test_a_skus_own_rule_replaces_the_channel_wide_one(stores):
    await _set(cap_percent=50)
    await _set(sku="SKU-A", buffer=1)
    await _set(sku="SKU-B")  # an empty rule: SKU-B is exempt from the channel-wide one
    assert await _available("WEB") == {"SKU-A": 15, "SKU-B": 10, "SKU-C": 5, "SKU-D": 0}
    await rules.remove_allocation_rule(channel="WEB", sku="SKU-A", actor="test")
    assert await _available("WEB") == {"SKU-A": 8, "SKU-B": 10, "SKU-C": 5, "SKU-D": 0}
    await rules.remove_allocation_rule(channel="WEB", sku=None, actor="test")
    assert await _available("WEB") == {"SKU-A": 16, "SKU-B": 10, "SKU-C": 10, "SKU-D": 0}
    assert await _rules() == [("WEB", "SKU-B", None, None, 0, "test")]


async def test_setting_again_replaces_the_whole_rule(stores):
    first = await _set(sku="SKU-A", cap_quantity=4, buffer=2, actor="ann")
    again = await _set(sku="SKU-A", cap_percent=50, actor="bob")
    assert again.id == first.id
    assert await _rules() == [("WEB", "SKU-A", None, 50, 0, "bob")]
    assert again.updated_at >= first.updated_at
    await _set(cap_quantity=1, actor="ann")
    await _set(cap_quantity=2, actor="ann")
    assert await _rules() == [("WEB", None, 2, None, 0, "ann"),
                              ("WEB", "SKU-A", None, 50, 0, "bob")]


async def test_rules_of(stores):
    web = await Channel.get(code="WEB")
    a = await Product.get(sku="SKU-A")
    assert await rules.rules_of(web.id) == {}
    await _set(cap_percent=40, buffer=1)
    await _set(sku="SKU-A", cap_quantity=3)
    await _set(channel="MKT", buffer=5)
    assert await rules.rules_of(web.id) == {
        None: AllocationRule(cap_percent=40, buffer=1), a.id: AllocationRule(cap_quantity=3)}
    b = await Product.get(sku="SKU-B")
    assert await rules.rules_of(web.id, [b.id]) == {None: AllocationRule(cap_percent=40,
                                                                         buffer=1)}
    assert await rules.rules_of(web.id, [a.id, b.id]) == await rules.rules_of(web.id)
    assert await rules.rules_of((await Channel.get(code="MKT")).id, []) == {
        None: AllocationRule(buffer=5)}


async def test_two_channels_sharing_a_warehouse(stores):
    """A reservation for WEB at WH2 leaves less in WH2 for MKT, under MKT's rule."""
    await _set(channel="MKT", buffer=2)
    assert (await _figures("MKT"))["SKU-C"] == (8, 0, 10)
    web = await Channel.get(code="WEB")
    wh2 = await Location.get(code="WH2")
    c = await Product.get(sku="SKU-C")
    mark = await _last_event()
    await inventory.reserve(order_id=1, channel_id=web.id, location_ids=[wh2.id],
                            wants=[inventory.Want(product_id=c.id, sku="SKU-C", quantity=4)])
    assert (await _figures("WEB"))["SKU-C"] == (6, 4, 6)
    assert (await _figures("MKT"))["SKU-C"] == (4, 0, 6)
    assert [(t, s, ch) for t, s, ch, _, _ in await _events(mark)] == [
        ("StockChanged", "SKU-C", "MKT"), ("StockChanged", "SKU-C", "WEB")]
    await inventory.release(order_id=1)
    assert (await _figures("MKT"))["SKU-C"] == (8, 0, 10)


async def test_an_order_in_one_channel_moves_the_others_available(stores):
    await _set(channel="WEB", buffer=1)
    assert (await _figures("WEB"))["SKU-C"] == (9, 0, 10)
    await factories.place([("SKU-C", 3)], channel="MKT")
    assert (await _figures("MKT"))["SKU-C"] == (7, 3, 7)
    assert (await _figures("WEB"))["SKU-C"] == (6, 0, 7)


async def test_the_loader_batch_is_four_statements_for_any_number_of_keys(stores):
    web, mkt = await Channel.get(code="WEB"), await Channel.get(code="MKT")
    ids = [p.id for p in await Product.all().order_by("sku")]
    await _set(cap_percent=50)
    await _set(channel="MKT", sku="SKU-A", cap_quantity=1)
    with count_statements() as one:
        await queries.channel_stock([(web.id, ids[0])])
    with count_statements() as many:
        figs = await queries.channel_stock([(c, p) for c in (web.id, mkt.id) for p in ids])
    assert len(one) == len(many) == 4
    assert [f.available for f in figs] == [8, 5, 5, 0, 1, 0, 10, 0]


# ---- the events a rule change records

async def test_a_sku_rule_records_one_event_when_its_figure_moves(stores):
    mark = await _last_event()
    await _set(sku="SKU-A", cap_quantity=4)
    assert await _events(mark) == [_moved("SKU-A", "WEB", 16, 4)]
    mark = await _last_event()
    await _set(sku="SKU-A", cap_quantity=4, actor="someone else")  # same figure
    await _set(sku="SKU-D", cap_quantity=4)  # no stock: 0 either way
    assert await _events(mark) == []
    await _set(sku="SKU-A", cap_quantity=20)  # 16 again
    await _set(sku="SKU-A", cap_percent=100)  # still 16
    assert await _events(mark) == [_moved("SKU-A", "WEB", 4, 16)]
    mark = await _last_event()
    await rules.remove_allocation_rule(channel="WEB", sku="SKU-A", actor="test")
    assert await _events(mark) == []  # the rule gave the whole pool


async def test_a_channel_wide_rule_records_events_for_the_skus_it_moves(stores):
    await _set(sku="SKU-A", cap_quantity=12)
    mark = await _last_event()
    await _set(cap_percent=50)
    # SKU-A keeps its own rule; SKU-D is not stocked; MKT is another channel.
    assert await _events(mark) == [_moved("SKU-B", "WEB", 10, 5), _moved("SKU-C", "WEB", 10, 5)]
    mark = await _last_event()
    await _set(cap_quantity=10)
    assert await _events(mark) == [_moved("SKU-B", "WEB", 5, 10), _moved("SKU-C", "WEB", 5, 10)]
    mark = await _last_event()
    await _set(cap_quantity=12)  # B and C hold 10: nothing moves
    await rules.remove_allocation_rule(channel="WEB", sku=None, actor="test")
    assert await _events(mark) == []
    await _set(buffer=9)
    assert await _events(mark) == [_moved("SKU-B", "WEB", 10, 1), _moved("SKU-C", "WEB", 10, 1)]
    mark = await _last_event()
    await rules.remove_allocation_rule(channel="WEB", sku="SKU-A", actor="test")
    assert await _events(mark) == [_moved("SKU-A", "WEB", 12, 7)]  # now under buffer 9


async def test_the_events_are_written_with_the_rule_or_not_at_all(stores, monkeypatch):
    from oms.events import outbox

    async def broken(conn, events):
        raise RuntimeError("event log unavailable")

    monkeypatch.setattr(outbox, "write", broken)
    before = await _state()
    with pytest.raises(RuntimeError):
        await _set(cap_percent=50)
    assert await _state() == before


async def test_concurrent_rule_changes_are_serialised(stores):
    """Ten writers of WEB's channel-wide rule at once (a race on PostgreSQL):
    all succeed on one row, and each one's events start where the previous
    one's ended, so a subscriber's figures always add up."""
    percents = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    mark = await _last_event()
    await asyncio.gather(*(_set(cap_percent=p, actor=f"w{p}") for p in percents))
    (rule,) = await _rules()
    assert rule[:5] == ("WEB", None, None, rule[3], 0) and rule[3] in percents
    chains: dict[str, list[tuple[int, int]]] = {}
    for _, sku, channel, _, payload in await _events(mark):
        assert channel == "WEB"
        chains.setdefault(sku, []).append((payload["previous"], payload["available"]))
    pools = {"SKU-A": 16, "SKU-B": 10, "SKU-C": 10}
    assert sorted(chains) == sorted(pools)
    for sku, chain in chains.items():
        assert chain[0][0] == pools[sku]
        assert all(a[1] == b[0] for a, b in zip(chain, chain[1:])), (sku, chain)
        assert chain[-1][1] == pools[sku] * rule[3] // 100


async def test_a_channel_wide_rule_over_thousands_of_skus(stores):
    """More events than one statement can carry parameters for (PostgreSQL
    takes 32,767): all written, in SKU order, with the rule."""
    n = 5000
    wh1 = await Location.get(code="WH1")
    await Product.bulk_create([Product(sku=f"BULK-{i:05d}", name="bulk") for i in range(n)])
    ids = await Product.filter(sku__startswith="BULK-").order_by("sku").values_list(
        "id", flat=True)
    await StockLevel.bulk_create([StockLevel(product_id=p, location_id=wh1.id, on_hand=4)
                                  for p in ids])
    mark = await _last_event()
    await _set(buffer=1)
    events = await _events(mark)
    assert len(events) == n + 3
    assert events[:3] == [_moved(s, "WEB", pool, pool - 1)
                          for s, pool in (("BULK-00000", 4), ("BULK-00001", 4), ("BULK-00002", 4))]
    assert [e[1] for e in events] == sorted(e[1] for e in events)
    assert (await EventLog.filter(id__gt=mark).count()) == n + 3


# ---- refusals change nothing

async def _refused(code: ErrorCode, field: list[str] | None, coro) -> DomainError:
    return await refused(code, field, coro, state=_state)


@pytest.mark.parametrize("kwargs, code, field", [
    ({"cap_percent": 101}, ErrorCode.INVALID, ["capPercent"]),
    ({"cap_percent": -1}, ErrorCode.INVALID, ["capPercent"]),
    ({"cap_quantity": -1}, ErrorCode.INVALID, ["capQuantity"]),
    ({"buffer": -1}, ErrorCode.INVALID, ["buffer"]),
    ({"cap_quantity": 5, "cap_percent": 5}, ErrorCode.INVALID, ["capPercent"]),
    ({"cap_quantity": 2_000_000_000}, ErrorCode.INVALID, ["capQuantity"]),
    ({"cap_quantity": 10 ** 30}, ErrorCode.INVALID, ["capQuantity"]),
    ({"cap_percent": 2 ** 64}, ErrorCode.INVALID, ["capPercent"]),
    ({"buffer": 10 ** 12}, ErrorCode.INVALID, ["buffer"]),
    ({"buffer": -(2 ** 63)}, ErrorCode.INVALID, ["buffer"]),
    ({"cap_quantity": True}, ErrorCode.INVALID, ["capQuantity"]),
    ({"cap_percent": 50.5}, ErrorCode.INVALID, ["capPercent"]),
    ({"buffer": "3"}, ErrorCode.INVALID, ["buffer"]),
    ({"channel": "NOPE"}, ErrorCode.NOT_FOUND, ["channel"]),
    ({"channel": ""}, ErrorCode.NOT_FOUND, ["channel"]),
    ({"sku": "NOPE"}, ErrorCode.NOT_FOUND, ["sku"]),
    ({"sku": ""}, ErrorCode.NOT_FOUND, ["sku"]),
    ({"sku": "SKU-A'; DROP TABLE product; --"}, ErrorCode.NOT_FOUND, ["sku"]),
])
async def test_hostile_input_is_refused_and_changes_nothing(stores, kwargs, code, field):
    await _set(cap_percent=50)
    await _set(sku="SKU-A", cap_quantity=3)
    args = {"channel": "WEB", "sku": "SKU-B", "cap_quantity": None, "cap_percent": None,
            "buffer": None, "actor": "test", **kwargs}
    await _refused(code, field, rules.set_allocation_rule(**args))


@pytest.mark.parametrize("channel, sku, field", [
    ("WEB", "SKU-B", ["sku"]),  # no rule of its own
    ("WEB", None, ["channel"]),  # no channel-wide rule
    ("MKT", "SKU-A", ["sku"]),  # WEB's rule is not MKT's
    ("NOPE", None, ["channel"]),
    ("WEB", "NOPE", ["sku"]),
])
async def test_removing_a_rule_that_is_not_there(stores, channel, sku, field):
    await _set(sku="SKU-A", cap_quantity=3)
    await _refused(ErrorCode.NOT_FOUND, field,
                   rules.remove_allocation_rule(channel=channel, sku=sku, actor="test"))


# ---- GraphQL

RULE_FIELDS = "channel { code } sku capQuantity capPercent buffer actor"
RULE_SET = """mutation($c: String!, $s: String, $q: Int, $p: Int, $b: Int) {
  channelAllocationRuleSet(channel: $c, sku: $s, capQuantity: $q, capPercent: $p, buffer: $b) {
    rule { %s updatedAt } userErrors { code field message } } }""" % RULE_FIELDS
RULE_REMOVE = """mutation($c: String!, $s: String) {
  channelAllocationRuleRemove(channel: $c, sku: $s) {
    rule { %s } userErrors { code field message } } }""" % RULE_FIELDS
RULES = "query($c: String!) { channelAllocationRules(channel: $c) { %s } }" % RULE_FIELDS
INVENTORY = """query($c: String!, $skus: [String!], $first: Int, $after: String) {
  channelInventory(channel: $c, skus: $skus, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { channel { code } sku available reserved pooled } } } }"""
STOCK_ITEM = """query($s: String!) { stockItem(sku: $s) {
  channels { channel { code } available reserved pooled } } }"""
FEED = """query($c: String!, $f: FeedFormat) { availabilityFeed(channel: $c, format: $f) {
  channel { code } format generatedAt count content } }"""


def _rule(channel="WEB", sku=None, q=None, p=None, b=0, actor="admin:admin") -> dict:
    return {"channel": {"code": channel}, "sku": sku, "capQuantity": q, "capPercent": p,
            "buffer": b, "actor": actor}


@pytest.fixture
async def gql(stores):
    return Gql()


async def _ok(gql: Gql, query: str, variables: dict, **kw) -> dict:
    (payload,) = (await gql(query, variables, **kw)).ok().values()
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def test_rules_through_graphql(gql):
    p = await _ok(gql, RULE_SET, {"c": "WEB", "p": 50, "b": 1})
    updated_at = p["rule"].pop("updatedAt")
    assert p["rule"] == _rule(p=50, b=1) and updated_at.endswith("+00:00")
    p = await _ok(gql, RULE_SET, {"c": "WEB", "s": "SKU-B", "q": 7}, auth=STAFF)
    assert p["rule"] | {"updatedAt": None} == _rule(sku="SKU-B", q=7, actor="staff:staff") | {
        "updatedAt": None}
    await _ok(gql, RULE_SET, {"c": "WEB", "s": "SKU-A"})
    await _ok(gql, RULE_SET, {"c": "MKT", "b": 2})
    r = await gql(RULES, {"c": "WEB"}, auth=ANALYST)
    assert r.ok()["channelAllocationRules"] == [
        _rule(p=50, b=1), _rule(sku="SKU-A"), _rule(sku="SKU-B", q=7, actor="staff:staff")]
    p = await _ok(gql, RULE_REMOVE, {"c": "WEB", "s": "SKU-A"}, auth=STAFF)
    assert p["rule"] == _rule(sku="SKU-A")  # as it was
    p = await _ok(gql, RULE_REMOVE, {"c": "MKT"})
    assert p["rule"] == _rule(channel="MKT", b=2)
    assert (await gql(RULES, {"c": "MKT"})).ok()["channelAllocationRules"] == []
    r = await gql(RULES, {"c": "NOPE"})
    assert r.data is None and r.codes == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("variables, code, field", [
    ({"p": 101}, "INVALID", ["capPercent"]),
    ({"b": -1}, "INVALID", ["buffer"]),
    ({"q": -5}, "INVALID", ["capQuantity"]),
    ({"q": 3, "p": 3}, "INVALID", ["capPercent"]),
    ({"q": 2_147_483_647}, "INVALID", ["capQuantity"]),
    ({"b": -2_147_483_648}, "INVALID", ["buffer"]),
    ({"c": "NOPE"}, "NOT_FOUND", ["channel"]),
    ({"s": "NOPE"}, "NOT_FOUND", ["sku"]),
    ({"s": ""}, "NOT_FOUND", ["sku"]),
])
async def test_rule_user_errors_change_nothing(gql, variables, code, field):
    await _ok(gql, RULE_SET, {"c": "WEB", "s": "SKU-B", "q": 2})
    before = await _state()
    r = await gql(RULE_SET, {"c": "WEB", "s": "SKU-B", **variables})
    payload = r.ok()["channelAllocationRuleSet"]
    assert payload["rule"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)]
    assert await _state() == before


async def test_a_number_beyond_graphql_int_is_a_graphql_error_and_changes_nothing(gql):
    before = await _state()
    r = await gql(RULE_SET, {"c": "WEB", "q": 2 ** 31})
    assert r.data is None and "Int cannot represent" in r.errors[0]["message"]
    r = await gql('mutation { channelAllocationRuleSet(channel: "WEB", buffer: 99999999999) '
                  '{ userErrors { code } } }')
    assert r.data is None and "Int cannot represent" in r.errors[0]["message"]
    assert await _state() == before


async def test_removing_a_missing_rule_is_a_user_error(gql):
    r = await gql(RULE_REMOVE, {"c": "WEB", "s": "SKU-A"})
    assert r.ok()["channelAllocationRuleRemove"] == {"rule": None, "userErrors": [
        {"code": "NOT_FOUND", "field": ["sku"],
         "message": "WEB has no allocation rule for SKU-A"}]}


@pytest.mark.parametrize("query, variables", [(RULE_SET, {"c": "WEB", "q": 1}),
                                              (RULE_REMOVE, {"c": "WEB"})])
async def test_only_admin_and_staff_change_rules(gql, query, variables):
    await _ok(gql, RULE_SET, {"c": "WEB", "q": 5})
    before = await _state()
    for auth, code in ((ANALYST, "FORBIDDEN"), (customer_auth(1), "FORBIDDEN"),
                       (None, "UNAUTHENTICATED"), ("Bearer nonsense", "UNAUTHENTICATED")):
        r = await gql(query, variables, auth=auth)
        assert r.data is None and r.codes == [code], (auth, r.errors)
    assert await _state() == before
    for auth, code in ((customer_auth(1), "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        r = await gql(RULES, {"c": "WEB"}, auth=auth)
        assert r.data is None and r.codes == [code]
    r = await gql(RULES, {"c": "WEB"}, auth=ANALYST)  # readers may read them
    assert r.ok()["channelAllocationRules"] == [_rule(q=5)]


async def test_every_reader_of_a_channels_available_applies_the_rules(gql):
    await _ok(gql, RULE_SET, {"c": "WEB", "p": 50})
    await _ok(gql, RULE_SET, {"c": "WEB", "s": "SKU-C", "b": 3})
    await _ok(gql, RULE_SET, {"c": "MKT", "s": "SKU-A", "q": 2})
    r = await gql(INVENTORY, {"c": "WEB"})
    assert r.ok()["channelInventory"] == {
        "totalCount": 4, "pageInfo": {"hasNextPage": False, "endCursor": r.data[
            "channelInventory"]["pageInfo"]["endCursor"]},
        "edges": [{"node": {"channel": {"code": "WEB"}, "sku": s, "available": a, "reserved": 0,
                            "pooled": p}}
                  for s, a, p in (("SKU-A", 8, 16), ("SKU-B", 5, 10), ("SKU-C", 7, 10),
                                  ("SKU-D", 0, 0))]}
    r = await gql(STOCK_ITEM, {"s": "SKU-A"})
    assert r.ok()["stockItem"]["channels"] == [
        {"channel": {"code": "MKT"}, "available": 2, "reserved": 0, "pooled": 6},
        {"channel": {"code": "WEB"}, "available": 8, "reserved": 0, "pooled": 16}]


async def test_channel_inventory_pages_by_sku_in_three_statements(gql):
    await _ok(gql, RULE_SET, {"c": "WEB", "b": 2})
    await _ok(gql, RULE_SET, {"c": "WEB", "s": "SKU-B", "q": 1})
    web, mkt = await Channel.get(code="WEB"), await Channel.get(code="MKT")
    await inventory.reserve(order_id=1, channel_id=web.id,
                            location_ids=[(await Location.get(code="WH1")).id],
                            wants=[inventory.Want(product_id=(await Product.get(sku="SKU-A")).id,
                                                  sku="SKU-A", quantity=3)])
    seen, after, statements = [], None, []
    while True:
        with count_statements() as sent:
            r = await gql(INVENTORY, {"c": "WEB", "first": 3, "after": after})
        statements.append(len(sent))
        page = r.ok()["channelInventory"]
        assert page["totalCount"] == 4
        seen += [(e["node"]["sku"], e["node"]["available"], e["node"]["reserved"],
                  e["node"]["pooled"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    # channel lookup, the page, the count: however many SKUs are on the page
    assert statements == [3, 3]
    assert seen == [("SKU-A", 11, 3, 13), ("SKU-B", 1, 0, 10), ("SKU-C", 8, 0, 10),
                    ("SKU-D", 0, 0, 0)]
    r = await gql(INVENTORY, {"c": "WEB", "skus": ["SKU-D", "SKU-B", "NOPE"]})
    assert [(e["node"]["sku"], e["node"]["available"])
            for e in r.ok()["channelInventory"]["edges"]] == [("SKU-B", 1), ("SKU-D", 0)]
    assert r.data["channelInventory"]["totalCount"] == 2
    r = await gql(INVENTORY, {"c": "WEB", "skus": []})
    assert r.ok()["channelInventory"]["edges"] == []
    assert mkt.id  # MKT shares WH2 but has no rule: unaffected
    r = await gql(INVENTORY, {"c": "MKT", "first": 1})
    assert [e["node"]["available"] for e in r.ok()["channelInventory"]["edges"]] == [6]
    r = await gql(INVENTORY, {"c": "WEB", "skus": [f"S{i}" for i in range(1000)]})
    assert r.ok()["channelInventory"]["totalCount"] == 0
    r = await gql(INVENTORY, {"c": "WEB", "skus": [f"S{i}" for i in range(1001)]})
    assert r.data is None and r.codes == ["BAD_USER_INPUT"]
    for bad in ("not-a-cursor", "WzFd", "W10"):  # garbage, [1], []
        r = await gql(INVENTORY, {"c": "WEB", "after": bad})
        assert r.data is None and r.codes == ["BAD_USER_INPUT"], bad


async def test_stock_changed_pushes_the_figures_under_the_new_rule(hub, stores):
    gql = Gql(hub=hub)
    sub = await gql.subscribe("""subscription { stockChanged(channel: "WEB") {
        channel { code } sku available reserved pooled } }""", auth=STAFF)
    mkt = await gql.subscribe("""subscription { stockChanged(channel: "MKT") { sku } }""",
                              auth=STAFF)
    try:
        await _ok(gql, RULE_SET, {"c": "WEB", "s": "SKU-A", "q": 4})
        r = await sub.next()
        assert r.data["stockChanged"] == {"channel": {"code": "WEB"}, "sku": "SKU-A",
                                          "available": 4, "reserved": 0, "pooled": 16}
        await _ok(gql, RULE_SET, {"c": "WEB", "p": 50})
        assert [(await sub.next()).data["stockChanged"]["sku"] for _ in range(2)] == [
            "SKU-B", "SKU-C"]
        assert await sub.nothing_within(0.3)
        assert await mkt.nothing_within(0.1)
    finally:
        await sub.close()
        await mkt.close()


async def test_events_written_in_batches_are_pushed_after_commit(hub, stores, monkeypatch):
    monkeypatch.setattr(rules, "EVENT_BATCH", 1)  # as for a rule over thousands of SKUs
    gql = Gql(hub=hub)
    sub = await gql.subscribe("""subscription { stockChanged(channel: "WEB") {
        sku available pooled } }""", auth=STAFF)
    try:
        mark = await _last_event()
        await _ok(gql, RULE_SET, {"c": "WEB", "b": 4})
        assert [(await sub.next()).data["stockChanged"] for _ in range(3)] == [
            {"sku": "SKU-A", "available": 12, "pooled": 16},
            {"sku": "SKU-B", "available": 6, "pooled": 10},
            {"sku": "SKU-C", "available": 6, "pooled": 10}]
        assert await sub.nothing_within(0.3)
        assert [e[1] for e in await _events(mark)] == ["SKU-A", "SKU-B", "SKU-C"]
    finally:
        await sub.close()


# ---- the availability feed

async def test_the_feed_in_both_formats(gql):
    await _ok(gql, RULE_SET, {"c": "WEB", "p": 50})
    await _ok(gql, RULE_SET, {"c": "WEB", "s": "SKU-C", "b": 3})
    web = await Channel.get(code="WEB")
    await inventory.reserve(order_id=1, channel_id=web.id,
                            location_ids=[(await Location.get(code="WH1")).id],
                            wants=[inventory.Want(product_id=(await Product.get(sku="SKU-B")).id,
                                                  sku="SKU-B", quantity=2)])
    r = await gql(FEED, {"c": "WEB", "f": "CSV"}, auth=ANALYST)
    f = r.ok()["availabilityFeed"]
    assert (f["channel"], f["format"], f["count"]) == ({"code": "WEB"}, "CSV", 4)
    assert f["content"] == ("sku,available,reserved,pooled\n"
                            "SKU-A,8,0,16\nSKU-B,4,2,8\nSKU-C,7,0,10\nSKU-D,0,0,0\n")
    r = await gql(FEED, {"c": "WEB"})  # JSON by default
    f = r.ok()["availabilityFeed"]
    assert (f["format"], f["count"]) == ("JSON", 4)
    assert json.loads(f["content"]) == {
        "channel": "WEB", "format": "JSON", "generatedAt": f["generatedAt"], "count": 4,
        "items": [{"sku": "SKU-A", "available": 8, "reserved": 0, "pooled": 16},
                  {"sku": "SKU-B", "available": 4, "reserved": 2, "pooled": 8},
                  {"sku": "SKU-C", "available": 7, "reserved": 0, "pooled": 10},
                  {"sku": "SKU-D", "available": 0, "reserved": 0, "pooled": 0}]}
    r = await gql(FEED, {"c": "NOPE"})
    assert r.data is None and r.codes == ["BAD_USER_INPUT"]
    r = await gql(FEED, {"c": "WEB"}, auth=customer_auth(1))
    assert r.data is None and r.codes == ["FORBIDDEN"]


async def test_the_feed_is_the_same_whatever_the_page_size(gql):
    await _ok(gql, RULE_SET, {"c": "MKT", "q": 4})
    for fmt in (feed.FeedFormat.JSON, feed.FeedFormat.CSV):
        whole = await feed.build_feed(channel="MKT", format=fmt)
        for size in (1, 2, 3, 4, 5):
            paged = await feed.build_feed(channel="MKT", format=fmt, page_size=size)
            assert paged.count == whole.count == 4
            assert paged.content.replace(paged.generated_at.isoformat(), "") == \
                whole.content.replace(whole.generated_at.isoformat(), "")
    assert list(csv.reader(io.StringIO(whole.content))) == [
        ["sku", "available", "reserved", "pooled"], ["SKU-A", "4", "0", "6"],
        ["SKU-B", "0", "0", "0"], ["SKU-C", "4", "0", "10"], ["SKU-D", "0", "0", "0"]]


async def test_a_channel_with_nothing_to_sell_has_an_empty_feed(clean_db):
    await catalog.create_channel(code="EMPTY", name="Empty", kind="WEB", currency="EUR")
    j = await feed.build_feed(channel="EMPTY", format=feed.FeedFormat.JSON)
    assert json.loads(j.content)["items"] == [] and j.count == 0
    c = await feed.build_feed(channel="EMPTY", format=feed.FeedFormat.CSV)
    assert c.content == "sku,available,reserved,pooled\n"
    with pytest.raises(DomainError) as exc:
        await feed.open_feed(channel="NOPE")
    assert (exc.value.code, exc.value.field) == (ErrorCode.NOT_FOUND, ["channel"])


# ---- oms export-availability

async def _oms(database_url: str, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "OMS_DATABASE_URL": database_url}
    env.pop("OMS_REDIS_URL", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "oms.cli", *args, cwd=str(ROOT), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode, out.decode(), err.decode()


async def test_the_export_command(gql, database_url, tmp_path):
    await _ok(gql, RULE_SET, {"c": "WEB", "p": 50})
    expected = await feed.build_feed(channel="WEB", format=feed.FeedFormat.CSV)
    code, out, err = await _oms(database_url, "export-availability", "--channel", "WEB",
                                "--format", "csv")
    assert (code, out) == (0, expected.content), err
    assert "4 SKU(s) of WEB exported" in err

    target = tmp_path / "web.json"
    code, out, err = await _oms(database_url, "export-availability", "--channel", "WEB",
                                "--output", str(target))
    assert (code, out) == (0, ""), err
    written = json.loads(target.read_text())
    assert [(i["sku"], i["available"]) for i in written["items"]] == [
        ("SKU-A", 8), ("SKU-B", 5), ("SKU-C", 5), ("SKU-D", 0)]
    assert written["count"] == 4 and written["channel"] == "WEB"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["web.json"]


async def test_the_export_command_refuses_an_unknown_channel_or_format(stores, database_url,
                                                                       tmp_path):
    target = tmp_path / "feed.csv"
    code, out, err = await _oms(database_url, "export-availability", "--channel", "NOPE",
                                "--output", str(target))
    assert (code, out) == (2, "")
    assert "unknown channel NOPE" in err and "Traceback" not in err
    assert not target.exists() and list(tmp_path.iterdir()) == []
    code, out, err = await _oms(database_url, "export-availability", "--channel", "WEB",
                                "--format", "xml")
    assert (code, out) == (2, "") and "--format must be csv or json" in err
