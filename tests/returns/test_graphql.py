"""The returns API: the whole flow as a customer and staff would drive it,
the permission matrix, ownership, the list, Order.returns without N+1, and
the label at its URL per role."""
from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from oms.auth.tokens import Role
from oms.core import ids
from oms.returns import http as returns_http, service
from oms.settings import Settings

from tests.graphql.helpers import ADMIN, ANALYST, STAFF, SECRET, customer_auth, token
from tests.statements import count_statements

from .conftest import deliver
from .support import request

RETURN_FIELDS = """id number status resolution labelUrl trackingNumber carrier service
  estimatedDelivery rejectReason comment order { number }
  lines { quantity reason condition restocked received { resalable damaged missing }
          exchangeSku orderLine { sku quantityReturned } }
  events { status location source }
  refundTotal { amount } exchangeOrder { id } destination { code } receivedLocation { code }
  shippingFee { amount currency }"""

REQUEST = """mutation($i: ReturnRequestInput!) { returnRequest(input: $i) {
  return { %s } userErrors { code field message } } }""" % RETURN_FIELDS
APPROVE = """mutation($id: ID!) { returnApprove(id: $id) {
  return { %s } userErrors { code field message } } }""" % RETURN_FIELDS
REJECT = """mutation($id: ID!) { returnReject(id: $id, reason: "worn") {
  return { status rejectReason } userErrors { code field message } } }"""
CANCEL = """mutation($id: ID!) { returnCancel(id: $id) {
  return { status } userErrors { code field message } } }"""
TRACK = """mutation($i: ReturnTrackingInput!) { returnTrackingRecord(input: $i) {
  return { status events { status location source } } userErrors { code field message } } }"""
RECEIVE = """mutation($id: ID!, $lines: [ReturnReceiveLineInput!]!, $loc: String!) {
  returnReceive(id: $id, lines: $lines, location: $loc) {
  return { %s } userErrors { code field message } } }""" % RETURN_FIELDS
POLICY_SET = """mutation($c: String!, $i: ReturnPolicyInput!) { returnPolicySet(channel: $c,
  input: $i) { policy { windowDays finalSaleSkus returnShippingPayer
  returnShippingFee { amount currency } refundOriginalShipping returnLocation carrier service }
  userErrors { code field message } } }"""
POLICY = """query($c: String!) { returnPolicy(channel: $c) { windowDays returnShippingPayer
  returnShippingFee { amount } } }"""


def _gid(kind: str, pk: int) -> str:
    return ids.encode(kind, pk)


def _request_input(d, *lines, resolution="REFUND"):
    return {"orderId": _gid("Order", d.order.id), "resolution": resolution,
            "lines": [{"orderLineId": _gid("OrderLine", d.line_id(sku)), "quantity": q,
                       "reason": "TOO_SMALL"} for sku, q in lines]}


async def test_the_whole_flow_through_the_api(delivered, gql):
    d = delivered
    me = customer_auth(d.customer_id)
    r = await gql(REQUEST, {"i": {**_request_input(d, ("SKU-A", 2), ("SKU-B", 1)),
                                  "comment": "too small"}}, auth=me)
    payload = r.ok()["returnRequest"]
    assert payload["userErrors"] == []
    ret = payload["return"]
    assert {k: ret[k] for k in ("number", "status", "resolution", "labelUrl", "comment")} == {
        "number": "WEB-000001-R1", "status": "REQUESTED", "resolution": "REFUND",
        "labelUrl": None, "comment": "too small"}
    assert ret["lines"][0] == {"quantity": 2, "reason": "TOO_SMALL", "condition": None,
                               "restocked": False, "received": None, "exchangeSku": None,
                               "orderLine": {"sku": "SKU-A", "quantityReturned": 0}}
    r = await gql(APPROVE, {"id": ret["id"]}, auth=STAFF)
    approved = r.ok()["returnApprove"]["return"]
    assert (approved["status"], approved["carrier"], approved["service"],
            approved["labelUrl"], approved["estimatedDelivery"],
            approved["destination"]) == (
        "APPROVED", "oms-post", "ECONOMY", f"/documents/returns/{ret['id']}/label",
        "2026-03-20T09:26:53+00:00", {"code": "WH1"})
    r = await gql(TRACK, {"i": {"trackingNumber": approved["trackingNumber"],
                                "status": "IN_TRANSIT", "location": "Paris",
                                "occurredAt": "2026-03-14T08:00:00+00:00", "eventId": "e1"}},
                  auth=STAFF)
    assert r.ok()["returnTrackingRecord"]["return"] == {
        "status": "IN_TRANSIT", "events": [{"status": "IN_TRANSIT", "location": "Paris",
                                            "source": "MANUAL"}]}
    a, b = _gid("OrderLine", d.line_id("SKU-A")), _gid("OrderLine", d.line_id("SKU-B"))
    r = await gql(RECEIVE, {"id": ret["id"], "loc": "WH1", "lines": [
        {"orderLineId": a, "quantity": 1, "condition": "RESALABLE"},
        {"orderLineId": a, "quantity": 1, "condition": "DAMAGED"},
        {"orderLineId": b, "quantity": 1, "condition": "RESALABLE"}]}, auth=STAFF)
    received = r.ok()["returnReceive"]["return"]
    assert received["status"] == "RECEIVED"
    assert received["receivedLocation"] == {"code": "WH1"}
    assert [(ln["condition"], ln["restocked"], ln["received"], ln["orderLine"])
            for ln in received["lines"]] == [
        ("MIXED", True, {"resalable": 1, "damaged": 1, "missing": 0},
         {"sku": "SKU-A", "quantityReturned": 2}),
        ("RESALABLE", True, {"resalable": 1, "damaged": 0, "missing": 0},
         {"sku": "SKU-B", "quantityReturned": 1})]
    # The customer reads it on their order.
    r = await gql("""query($id: ID!) { order(id: $id) { returns { number status }
                     lines { sku quantityReturned } } }""",
                  {"id": _gid("Order", d.order.id)}, auth=me)
    assert r.ok()["order"] == {"returns": [{"number": "WEB-000001-R1", "status": "RECEIVED"}],
                               "lines": [{"sku": "SKU-A", "quantityReturned": 2},
                                         {"sku": "SKU-B", "quantityReturned": 1}]}


async def test_refusals_come_back_as_user_errors(delivered, gql):
    d = delivered
    r = await gql(REQUEST, {"i": _request_input(d, ("SKU-A", 3))}, auth=STAFF)
    assert r.ok()["returnRequest"] == {"return": None, "userErrors": [
        {"code": "QUANTITY_EXCEEDS_RETURNABLE", "field": ["lines", "0", "quantity"],
         "message": "3 of SKU-A asked, 2 returnable (2 delivered, 0 in returns already)"}]}
    r = await gql(REQUEST, {"i": {**_request_input(d, ("SKU-A", 1), ("SKU-A", 1))}},
                  auth=STAFF)
    assert [e["code"] for e in r.ok()["returnRequest"]["userErrors"]] == ["DUPLICATE"]
    # Another customer's order looks missing; their return too.
    other = await deliver([("SKU-A", 1)], email="bob@example.com")
    stranger = customer_auth(other.customer_id)
    r = await gql(REQUEST, {"i": _request_input(d, ("SKU-A", 1))}, auth=stranger)
    assert r.ok()["returnRequest"]["userErrors"] == [
        {"code": "NOT_FOUND", "field": ["orderId"], "message": "order not found"}]
    ret = await request(d, ("SKU-A", 1))
    gid = _gid("Return", ret.id)
    r = await gql(CANCEL, {"id": gid}, auth=stranger)
    assert r.ok()["returnCancel"]["userErrors"][0]["code"] == "NOT_FOUND"
    r = await gql("query($id: ID!) { return(id: $id) { number } }", {"id": gid}, auth=stranger)
    assert r.ok() == {"return": None}
    r = await gql("query($id: ID!) { return(id: $id) { number } }", {"id": gid},
                  auth=customer_auth(d.customer_id))
    assert r.ok() == {"return": {"number": "WEB-000001-R1"}}


MATRIX = [
    # (operation, variables builder key, {role: allowed?})
    ("request", {ADMIN: True, STAFF: True, ANALYST: False, "owner": True}),
    ("approve", {ADMIN: True, STAFF: True, ANALYST: False, "owner": False}),
    ("reject", {ADMIN: True, STAFF: True, ANALYST: False, "owner": False}),
    ("cancel", {ADMIN: True, STAFF: True, ANALYST: False, "owner": True}),
    ("receive", {ADMIN: True, STAFF: True, ANALYST: False, "owner": False}),
    ("track", {ADMIN: True, STAFF: True, ANALYST: False, "owner": False}),
    ("policy", {ADMIN: True, STAFF: False, ANALYST: False, "owner": False}),
]


@pytest.mark.parametrize("op,allowed", MATRIX)
@pytest.mark.parametrize("who", [ADMIN, STAFF, ANALYST, "owner", None])
async def test_the_permission_matrix(delivered, gql, op, allowed, who):
    d = delivered
    ret = await request(d, ("SKU-B", 1))
    if op in ("receive", "track"):
        await service.approve_return(ret.id)
    gid = _gid("Return", ret.id)
    line = _gid("OrderLine", d.line_id("SKU-B"))
    query, variables = {
        "request": (REQUEST, {"i": _request_input(d, ("SKU-A", 1))}),
        "approve": (APPROVE, {"id": gid}),
        "reject": (REJECT, {"id": gid}),
        "cancel": (CANCEL, {"id": gid}),
        "receive": (RECEIVE, {"id": gid, "loc": "WH1", "lines": [
            {"orderLineId": line, "quantity": 1, "condition": "RESALABLE"}]}),
        "track": (TRACK, {"i": {"returnId": gid, "status": "IN_TRANSIT"}}),
        "policy": (POLICY_SET, {"c": "WEB", "i": {"windowDays": 10}}),
    }[op]
    auth = customer_auth(d.customer_id) if who == "owner" else who
    r = await gql(query, variables, auth=auth)
    if who is None:
        assert r.codes == ["UNAUTHENTICATED"]
    elif allowed[who]:
        assert r.errors == []
        payload = next(iter(r.data.values()))
        assert payload["userErrors"] == []
    else:
        assert r.codes == ["FORBIDDEN"]


async def test_policy_set_and_read(return_shop, gql):
    r = await gql(POLICY, {"c": "WEB"}, auth=customer_auth(1))
    assert r.ok()["returnPolicy"] == {"windowDays": 30, "returnShippingPayer": "MERCHANT",
                                      "returnShippingFee": {"amount": "0.00"}}
    r = await gql(POLICY_SET, {"c": "WEB", "i": {
        "windowDays": 14, "finalSaleSkus": ["SKU-B"], "returnShippingPayer": "CUSTOMER",
        "returnShippingFee": "4.95", "refundOriginalShipping": True, "returnLocation": "WH2",
        "carrier": "oms-post", "service": "STANDARD"}})
    assert r.ok()["returnPolicySet"] == {"policy": {
        "windowDays": 14, "finalSaleSkus": ["SKU-B"], "returnShippingPayer": "CUSTOMER",
        "returnShippingFee": {"amount": "4.95", "currency": "EUR"},
        "refundOriginalShipping": True, "returnLocation": "WH2", "carrier": "oms-post",
        "service": "STANDARD"}, "userErrors": []}
    r = await gql(POLICY_SET, {"c": "WEB", "i": {"windowDays": -1, "returnLocation": "WH9"}})
    assert r.ok()["returnPolicySet"] == {"policy": None, "userErrors": [
        {"code": "INVALID", "field": ["windowDays"],
         "message": "windowDays must be a whole number from 0 to 3650"}]}
    assert (await gql(POLICY, {"c": "NOPE"}, auth=ANALYST)).ok() == {"returnPolicy": None}


LIST = """query($f: ReturnFilterInput, $first: Int, $after: String) {
  returns(filter: $f, first: $first, after: $after) {
    totalCount edges { cursor node { number status } } pageInfo { hasNextPage endCursor } } }"""


async def test_the_returns_list(delivered, gql, returns_clock):
    from datetime import timedelta
    d = delivered
    other = await deliver([("SKU-A", 1)], email="bob@example.com")
    numbers = []
    for i, who in enumerate((d, other, d)):
        returns_clock.at += timedelta(minutes=1)
        ret = await request(who, ("SKU-A", 1))
        numbers.append(ret.number)
    await service.reject_return(ret.id, reason="no")
    r = await gql(LIST, {"first": 2}, auth=ANALYST)
    page = r.ok()["returns"]
    assert [e["node"]["number"] for e in page["edges"]] == [numbers[2], numbers[1]]
    assert (page["totalCount"], page["pageInfo"]["hasNextPage"]) == (3, True)
    r = await gql(LIST, {"first": 2, "after": page["pageInfo"]["endCursor"]}, auth=ANALYST)
    assert [e["node"]["number"] for e in r.ok()["returns"]["edges"]] == [numbers[0]]
    r = await gql(LIST, {"f": {"status": ["REQUESTED"], "channel": "WEB"}}, auth=STAFF)
    assert [e["node"]["number"] for e in r.ok()["returns"]["edges"]] == [numbers[1],
                                                                         numbers[0]]
    r = await gql(LIST, {"f": {"orderId": _gid("Order", other.order.id)}}, auth=STAFF)
    assert [e["node"]["number"] for e in r.ok()["returns"]["edges"]] == [numbers[1]]
    r = await gql(LIST, {}, auth=customer_auth(d.customer_id))
    assert [e["node"]["number"] for e in r.ok()["returns"]["edges"]] == [numbers[2],
                                                                         numbers[0]]
    r = await gql(LIST, {"f": {"channel": "NOPE"}}, auth=STAFF)
    assert r.ok()["returns"]["totalCount"] == 0
    r = await gql(LIST, {"after": "bm9wZQ=="}, auth=STAFF)
    assert r.codes == ["BAD_USER_INPUT"]


ORDERS_WITH_RETURNS = """query($first: Int!) { orders(first: $first) { edges { node {
  returns { number status lines { quantity orderLine { sku } } events { status } } } } } }"""


async def test_order_returns_cost_a_constant_number_of_statements(return_shop, gql):
    for i in range(6):
        d = await deliver([("SKU-A", 1)], email=f"c{i}@example.com")
        await request(d, ("SKU-A", 1))
    with count_statements() as small:
        r2 = await gql(ORDERS_WITH_RETURNS, {"first": 2})
    with count_statements() as large:
        r6 = await gql(ORDERS_WITH_RETURNS, {"first": 6})
    assert [len(e["node"]["returns"]) for e in r6.ok()["orders"]["edges"]] == [1] * 6
    assert len(r2.ok()["orders"]["edges"]) == 2
    assert len(small) == len(large), (small, large)


# ---- the label at its URL

@pytest.fixture
async def documents(delivered):
    app = Starlette(routes=returns_http.routes(Settings(jwt_secret=SECRET)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://oms.test") as client:
        yield client


async def test_the_label_url_per_role(delivered, documents):
    d = delivered
    other = await deliver([("SKU-A", 1)], email="bob@example.com")
    ret = await service.approve_return((await request(d, ("SKU-A", 1))).id)
    unapproved = await request(d, ("SKU-B", 1))

    async def get(url: str, auth: str | None):
        headers = {"authorization": f"Bearer {auth}"} if auth else {}
        return await documents.get(url, headers=headers)

    for role in (Role.ADMIN, Role.STAFF, Role.ANALYST):
        r = await get(ret.label_url, token(role))
        assert (r.status_code, r.headers["content-type"], r.content[:5]) == (
            200, "application/pdf", b"%PDF-")
        assert r.headers["cache-control"] == "private, no-store"
    r = await get(ret.label_url, token(Role.CUSTOMER, d.customer_id))
    assert r.status_code == 200
    r = await get(ret.label_url, token(Role.CUSTOMER, other.customer_id))
    assert (r.status_code, r.json()) == (404, {"code": "NOT_FOUND", "message": "no such document",
                                               "field": "id"})
    r = await get(ret.label_url, None)
    assert (r.status_code, r.json()["code"]) == (401, "UNAUTHENTICATED")
    r = await get(ret.label_url, "not-a-jwt")
    assert r.status_code == 401
    for url in (f"/documents/returns/{_gid('Return', unapproved.id)}/label",
                "/documents/returns/nope/label",
                f"/documents/returns/{_gid('Order', d.order.id)}/label"):
        assert (await get(url, token(Role.ADMIN))).status_code == 404
