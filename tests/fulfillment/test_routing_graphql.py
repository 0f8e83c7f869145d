"""Routing over GraphQL: setting a channel's strategy and a location's daily
capacity (admin; all mistakes at once, nothing saved on error), rejecting a
shipment, and Order.routingDecisions for a page of orders at a constant
number of statements."""
from __future__ import annotations

import pytest

from oms.catalog.models import Channel, Location
from oms.orders import service as orders

from tests import factories
from tests.graphql.helpers import STAFF, Gql, place, setup_shop
from tests.statements import count_statements

STRATEGY_SET = """mutation($c: String!, $i: RoutingStrategyInput) {
  channelRoutingStrategySet(channel: $c, input: $i) {
    strategy { criteria safetyStock } userErrors { code field message } } }"""
STRATEGY = """query($c: String!) { channelRoutingStrategy(channel: $c) {
  criteria safetyStock } }"""
CAPACITY_SET = """mutation($l: String!, $n: Int) { locationCapacitySet(location: $l,
  dailyCapacity: $n) { location { code } dailyCapacity userErrors { code field message } } }"""
REJECT = """mutation($id: ID!, $r: String!) { shipmentReject(id: $id, reason: $r) {
  shipment { status location { code } order { status routingDecisions {
    attempt outcome actor strategy { criteria safetyStock }
    assignments { location { code } lines { orderLine { sku } quantity } }
    reasons { code message location { code } } } } }
  userErrors { code field message } } }"""
CONFIRM = """mutation($id: ID!) { orderConfirm(id: $id) { order { shipments { id } } } }"""


@pytest.fixture
async def gql(clean_db):
    return Gql()


async def test_an_admin_sets_and_reads_a_channel_strategy(gql):
    await setup_shop(gql)
    r = await gql(STRATEGY, {"c": "WEB"})
    assert r.ok()["channelRoutingStrategy"] == {"criteria": ["LOCATION_PRIORITY"],
                                                "safetyStock": 0}
    r = await gql(STRATEGY_SET, {"c": "WEB", "i": {"criteria": ["PROXIMITY", "FEWEST_SHIPMENTS"],
                                                   "safetyStock": 2}})
    assert r.ok()["channelRoutingStrategySet"] == {
        "strategy": {"criteria": ["PROXIMITY", "FEWEST_SHIPMENTS"], "safetyStock": 2},
        "userErrors": []}
    assert (await Channel.get(code="WEB")).routing_strategy == {
        "criteria": ["PROXIMITY", "FEWEST_SHIPMENTS"], "safetyStock": 2}
    r = await gql(STRATEGY, {"c": "WEB"}, auth=STAFF)
    assert r.ok()["channelRoutingStrategy"]["criteria"] == ["PROXIMITY", "FEWEST_SHIPMENTS"]
    r = await gql(STRATEGY_SET, {"c": "WEB", "i": None})
    assert r.ok()["channelRoutingStrategySet"]["strategy"] == {
        "criteria": ["LOCATION_PRIORITY"], "safetyStock": 0}
    assert (await Channel.get(code="WEB")).routing_strategy is None
    assert (await gql(STRATEGY, {"c": "NOPE"})).ok()["channelRoutingStrategy"] is None


async def test_every_strategy_mistake_comes_back_and_nothing_is_saved(gql):
    await setup_shop(gql)
    r = await gql(STRATEGY_SET, {"c": "WEB", "i": {"criteria": ["PROXIMITY", "PROXIMITY"],
                                                   "safetyStock": -1}})
    assert r.ok()["channelRoutingStrategySet"] == {"strategy": None, "userErrors": [
        {"code": "INVALID", "field": ["criteria", "1"], "message": "PROXIMITY is listed twice"},
        {"code": "INVALID", "field": ["safetyStock"],
         "message": "safetyStock must be a whole number from 0 to 1,000,000"}]}
    r = await gql(STRATEGY_SET, {"c": "WEB", "i": {"criteria": []}})
    assert [e["field"] for e in r.ok()["channelRoutingStrategySet"]["userErrors"]] == [
        ["criteria"]]
    r = await gql(STRATEGY_SET, {"c": "NOPE", "i": {"criteria": ["PROXIMITY"]}})
    assert r.ok()["channelRoutingStrategySet"]["userErrors"] == [
        {"code": "NOT_FOUND", "field": ["channel"], "message": "unknown channel NOPE"}]
    assert (await Channel.get(code="WEB")).routing_strategy is None


async def test_an_admin_sets_a_location_daily_capacity(gql):
    await setup_shop(gql)
    r = await gql(CAPACITY_SET, {"l": "WH1", "n": 40})
    assert r.ok()["locationCapacitySet"] == {"location": {"code": "WH1"}, "dailyCapacity": 40,
                                             "userErrors": []}
    r = await gql(CAPACITY_SET, {"l": "WH1", "n": -1})
    assert r.ok()["locationCapacitySet"] == {"location": None, "dailyCapacity": None,
                                             "userErrors": [{
        "code": "INVALID", "field": ["dailyCapacity"],
        "message": "dailyCapacity must be a whole number from 0 to 1,000,000, or null for "
                   "no limit"}]}
    assert (await Location.get(code="WH1")).daily_capacity == 40
    r = await gql(CAPACITY_SET, {"l": "NOPE", "n": 1})
    assert r.ok()["locationCapacitySet"]["userErrors"][0]["code"] == "NOT_FOUND"
    r = await gql(CAPACITY_SET, {"l": "WH1", "n": None})
    assert r.ok()["locationCapacitySet"]["dailyCapacity"] is None
    assert (await Location.get(code="WH1")).daily_capacity is None


async def test_staff_reject_a_shipment_and_see_the_decisions(gql):
    await setup_shop(gql, stock={("SKU-A", "WH1"): 5, ("SKU-A", "WH2"): 5})
    o = await place(gql, [("SKU-A", 2)])
    (shipment,) = (await gql(CONFIRM, {"id": o["id"]})).ok()["orderConfirm"]["order"][
        "shipments"]
    r = await gql(REJECT, {"id": shipment["id"], "r": "dock closed"}, auth=STAFF)
    payload = r.ok()["shipmentReject"]
    assert payload["userErrors"] == []
    assert payload["shipment"]["status"] == "CANCELLED"
    assert payload["shipment"]["location"] == {"code": "WH1"}
    assert payload["shipment"]["order"] == {"status": "CONFIRMED", "routingDecisions": [
        {"attempt": 1, "outcome": "ROUTED", "actor": "admin:admin",
         "strategy": {"criteria": ["LOCATION_PRIORITY"], "safetyStock": 0},
         "assignments": [{"location": {"code": "WH1"},
                          "lines": [{"orderLine": {"sku": "SKU-A"}, "quantity": 2}]}],
         "reasons": [{"code": "SELECTED_PRIORITY", "location": {"code": "WH1"},
                      "message": "WH1 fills 2 SKU-A; first by LOCATION_PRIORITY"}]},
        {"attempt": 2, "outcome": "ROUTED", "actor": "staff:staff",
         "strategy": {"criteria": ["LOCATION_PRIORITY"], "safetyStock": 0},
         "assignments": [{"location": {"code": "WH2"},
                          "lines": [{"orderLine": {"sku": "SKU-A"}, "quantity": 2}]}],
         "reasons": [{"code": "REJECTED_BY_LOCATION", "location": {"code": "WH1"},
                      "message": "WH1 rejected a shipment of this order: dock closed"},
                     {"code": "SELECTED_PRIORITY", "location": {"code": "WH2"},
                      "message": "WH2 fills 2 SKU-A; first by LOCATION_PRIORITY"}]}]}
    r = await gql(REJECT, {"id": shipment["id"], "r": "again"}, auth=STAFF)
    assert r.ok()["shipmentReject"] == {"shipment": None, "userErrors": [{
        "code": "INVALID_TRANSITION", "field": ["id"],
        "message": "the shipment is CANCELLED; only a shipment not yet shipped can be "
                   "rejected"}]}


PAGE = """query($first: Int!) { orders(first: $first, orderBy: {field: NUMBER, direction: ASC}) {
  edges { node { number routingDecisions { attempt outcome
    assignments { location { code } lines { orderLine { sku } quantity } }
    reasons { code location { code } } } } } } }"""


async def test_routing_decisions_of_a_page_cost_a_constant_number_of_statements(gql):
    await factories.shop(stock={("SKU-A", "WH1"): 1000, ("SKU-B", "WH2"): 1000})
    for i in range(40):
        order = await factories.place([("SKU-A", 1), ("SKU-B", 1)], email=f"c{i}@example.com")
        if i % 2:
            await orders.confirm_order(order.id)
    with count_statements() as small:
        r10 = await gql(PAGE, {"first": 10})
    with count_statements() as large:
        r40 = await gql(PAGE, {"first": 40})
    edges = r40.ok()["orders"]["edges"]
    assert len(r10.ok()["orders"]["edges"]) == 10 and len(edges) == 40
    assert edges[0]["node"]["routingDecisions"] == [{
        "attempt": 1, "outcome": "ROUTED",
        "assignments": [{"location": {"code": "WH1"},
                         "lines": [{"orderLine": {"sku": "SKU-A"}, "quantity": 1}]},
                        {"location": {"code": "WH2"},
                         "lines": [{"orderLine": {"sku": "SKU-B"}, "quantity": 1}]}],
        "reasons": [{"code": "SPLIT_PRIORITY", "location": {"code": "WH1"}},
                    {"code": "SPLIT_PRIORITY", "location": {"code": "WH2"}}]}]
    assert len(small) == len(large), (small, large)
