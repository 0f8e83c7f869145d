"""Who may do what: admin everything, staff all but setup, analyst read only,
a customer only their own orders (a foreign id looks exactly like a missing
one); no or a bad token is UNAUTHENTICATED. Refusals are GraphQL errors with
extensions.code, and change nothing."""
from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from oms.auth.tokens import Role

from .helpers import (ADMIN, ANALYST, PLACE, SECRET, STAFF, customer_auth, customer_pk,
                      db_snapshot, place, place_input, setup_shop, token)
from .test_mutations import (CHANNEL_CREATE, CHANNEL_LOCATIONS_SET, LOCATION_CREATE,
                             ORDER_CANCEL, ORDER_CONFIRM, ORDER_HOLD, ORDER_RELEASE,
                             PRODUCT_UPSERT, SHIPMENT_PACK, SHIPMENT_PICK, SHIPMENT_SHIP,
                             STOCK_ADJUST, STOCK_RECEIVE, STOCK_TRANSFER, TRACKING)
from tests.inventory.test_graphql import (STOCK_COUNT, STOCK_DAMAGE, STOCK_EXPECT,
                                          STOCK_SAFETY_SET, STOCK_THRESHOLD_SET, STOCK_WRITE_OFF)

SHIPMENT_ID = "U2hpcG1lbnQ6MQ"  # Shipment:1
ORDER_ID = "T3JkZXI6MQ"  # Order:1

SETUP_MUTATIONS = {
    "channelCreate": (CHANNEL_CREATE, {"i": {"code": "NEW", "name": "New", "kind": "WEB",
                                             "currency": "EUR"}}),
    "locationCreate": (LOCATION_CREATE, {"i": {"code": "WH9", "name": "Nine",
                                               "kind": "WAREHOUSE"}}),
    "channelLocationsSet": (CHANNEL_LOCATIONS_SET, {"c": "WEB", "l": ["WH2"]}),
    "productUpsert": (PRODUCT_UPSERT, {"i": {"sku": "SKU-A", "name": "Renamed"}}),
}
OPERATING_MUTATIONS = {
    "stockReceive": (STOCK_RECEIVE, {"s": "SKU-A", "l": "WH1", "q": 1}),
    "stockAdjust": (STOCK_ADJUST, {"s": "SKU-A", "l": "WH1", "d": 1, "r": "count"}),
    "stockTransfer": (STOCK_TRANSFER, {"s": "SKU-A", "f": "WH1", "t": "WH2", "q": 1}),
    "stockExpect": (STOCK_EXPECT, {"s": "SKU-A", "l": "WH1", "q": 1, "r": "PO-1"}),
    "stockSafetySet": (STOCK_SAFETY_SET, {"s": "SKU-A", "l": "WH1", "q": 1}),
    "stockDamage": (STOCK_DAMAGE, {"s": "SKU-A", "l": "WH1", "q": 1, "r": "dent"}),
    "stockWriteOff": (STOCK_WRITE_OFF, {"s": "SKU-A", "l": "WH1", "q": 1, "r": "binned"}),
    "stockCount": (STOCK_COUNT, {"s": "SKU-A", "l": "WH1", "c": 9}),
    "stockThresholdSet": (STOCK_THRESHOLD_SET, {"s": "SKU-A", "l": "WH1", "t": 3}),
    "orderPlace": (PLACE, {"i": place_input([("SKU-A", 1)])}),
    "orderConfirm": (ORDER_CONFIRM, {"id": ORDER_ID}),
    "orderHold": (ORDER_HOLD, {"id": ORDER_ID, "r": "check"}),
    "orderReleaseHold": (ORDER_RELEASE, {"id": ORDER_ID}),
    "orderCancel": (ORDER_CANCEL, {"id": ORDER_ID}),
    "shipmentPick": (SHIPMENT_PICK, {"id": SHIPMENT_ID}),
    "shipmentPack": (SHIPMENT_PACK, {"id": SHIPMENT_ID}),
    "shipmentShip": (SHIPMENT_SHIP, {"id": SHIPMENT_ID}),
    "shipmentTrackingRecord": (TRACKING, {"i": {"shipmentId": SHIPMENT_ID,
                                                "status": "IN_TRANSIT"}}),
}
SETUP_MUTATIONS["channelSettingsUpdate"] = (
    """mutation($c: String!, $i: ChannelSettingsInput!) { channelSettingsUpdate(
         channel: $c, input: $i) { userErrors { code } } }""",
    {"c": "WEB", "i": {"reservationTtlMinutes": 60}})
OPERATING_MUTATIONS.update({
    "channelAllocationRuleSet": (
        """mutation($c: String!) { channelAllocationRuleSet(channel: $c, sku: "SKU-A",
             capQuantity: 2) { userErrors { code } } }""", {"c": "WEB"}),
    "channelAllocationRuleRemove": (
        """mutation($c: String!) { channelAllocationRuleRemove(channel: $c, sku: "SKU-A") {
             userErrors { code } } }""", {"c": "WEB"}),
    "orderImport": (
        """mutation($c: String!, $x: String!) { orderImport(channel: $c, format: JSONL,
             content: $x) { userErrors { code } } }""", {"c": "WEB", "x": "{}"}),
})
OPERATING_MUTATIONS["shipmentLabelCreate"] = (
    """mutation($id: ID!) { shipmentLabelCreate(id: $id, carrier: "oms-post",
         service: "STANDARD") { userErrors { code } } }""", {"id": SHIPMENT_ID})
OPERATING_MUTATIONS.update({
    "paymentMarkPaid": (
        """mutation($id: ID!) { paymentMarkPaid(orderId: $id, amount: "1.00",
             idempotencyKey: "k1", reference: "transfer") { userErrors { code } } }""",
        {"id": ORDER_ID}),
    "paymentRefund": (
        """mutation($id: ID!) { paymentRefund(orderId: $id, amount: "1.00",
             idempotencyKey: "k2") { userErrors { code } } }""", {"id": ORDER_ID}),
})
SETUP_MUTATIONS["locationEndpointSet"] = (
    """mutation($l: String!) { locationEndpointSet(location: $l, url: null) {
         userErrors { code } } }""", {"l": "WH1"})
OPERATING_MUTATIONS["partnerDeliveryRetry"] = (
    """mutation($id: ID!) { partnerDeliveryRetry(id: $id) { userErrors { code } } }""",
    {"id": "UGFydG5lckRlbGl2ZXJ5OjE"})  # PartnerDelivery:1
SETUP_MUTATIONS.update({
    "channelRoutingStrategySet": (
        """mutation($c: String!) { channelRoutingStrategySet(channel: $c, input: {
             criteria: [FEWEST_SHIPMENTS], safetyStock: 1}) { userErrors { code } } }""",
        {"c": "WEB"}),
    "locationCapacitySet": (
        """mutation($l: String!) { locationCapacitySet(location: $l, dailyCapacity: 5) {
             userErrors { code } } }""", {"l": "WH1"}),
})
OPERATING_MUTATIONS["shipmentReject"] = (
    """mutation($id: ID!) { shipmentReject(id: $id, reason: "no stock on the shelf") {
         userErrors { code } } }""", {"id": SHIPMENT_ID})
RETURN_ID = "UmV0dXJuOjE"  # Return:1
CUSTOMER_ID = "Q3VzdG9tZXI6MQ"  # Customer:1
SETUP_MUTATIONS.update({
    "customerErase": (
        """mutation($id: ID!) { customerErase(id: $id) { userErrors { code } } }""",
        {"id": CUSTOMER_ID}),
    "currencyRateSet": (
        """mutation { currencyRateSet(currency: "USD", rateToBase: "0.9") {
             userErrors { code } } }""", {}),
    "returnPolicySet": (
        """mutation($c: String!) { returnPolicySet(channel: $c, input: {windowDays: 14}) {
             userErrors { code } } }""", {"c": "WEB"}),
})
OPERATING_MUTATIONS.update({
    "customerUpdate": (
        """mutation($id: ID!) { customerUpdate(id: $id, input: {addTags: ["vip"]}) {
             userErrors { code } } }""", {"id": CUSTOMER_ID}),
    "returnRequest": (
        """mutation($o: ID!) { returnRequest(input: {orderId: $o, resolution: REFUND, lines: [
             {orderLineId: "T3JkZXJMaW5lOjE", quantity: 1, reason: OTHER}]}) {
             userErrors { code } } }""", {"o": ORDER_ID}),
    "returnCancel": (
        """mutation($id: ID!) { returnCancel(id: $id) { userErrors { code } } }""",
        {"id": RETURN_ID}),
    **{name: (f"""mutation($id: ID!) {{ {name}(id: $id) {{ userErrors {{ code }} }} }}""",
               {"id": RETURN_ID})
       for name in ("returnApprove", "returnRefund", "returnExchange")},
    "returnReject": (
        """mutation($id: ID!) { returnReject(id: $id, reason: "worn") { userErrors { code } } }""",
        {"id": RETURN_ID}),
    "returnReceive": (
        """mutation($id: ID!) { returnReceive(id: $id, location: "WH1", lines: [
             {orderLineId: "T3JkZXJMaW5lOjE", quantity: 1, condition: RESALABLE}]) {
             userErrors { code } } }""", {"id": RETURN_ID}),
    "returnTrackingRecord": (
        """mutation($id: ID!) { returnTrackingRecord(input: {returnId: $id, status: IN_TRANSIT}) {
             userErrors { code } } }""", {"id": RETURN_ID}),
})
ALL_MUTATIONS = {**SETUP_MUTATIONS, **OPERATING_MUTATIONS}
# A customer may ask to return their own order and withdraw their own return
# (tests/returns covers who else may not): refused only to analysts here.
CUSTOMER_OWN = {"returnRequest", "returnCancel"}


def test_every_mutation_of_the_schema_is_covered():
    from oms.graphql.schema import schema

    assert set(schema._schema.mutation_type.fields) == set(ALL_MUTATIONS)


async def _shop_with_an_order(gql) -> dict:
    await setup_shop(gql)
    o = await place(gql, [("SKU-A", 1)])
    await gql(ORDER_CONFIRM, {"id": o["id"]})
    return o


async def _refused(gql, name: str, auth: str | None, code: str) -> None:
    query, variables = ALL_MUTATIONS[name]
    before = await db_snapshot()
    r = await gql(query, variables, auth=auth)
    assert r.data is None, (name, r.data)
    assert len(r.errors) == 1
    assert r.codes == [code], (name, r.errors)
    assert r.errors[0]["path"] == [name]
    assert await db_snapshot() == before, name


@pytest.mark.parametrize("name", sorted(SETUP_MUTATIONS))
async def test_staff_may_not_set_up(gql, name):
    await _shop_with_an_order(gql)
    await _refused(gql, name, STAFF, "FORBIDDEN")


@pytest.mark.parametrize("name", sorted(ALL_MUTATIONS))
async def test_analyst_and_customer_may_not_change_anything(gql, name):
    o = await _shop_with_an_order(gql)
    await _refused(gql, name, ANALYST, "FORBIDDEN")
    if name not in CUSTOMER_OWN:
        await _refused(gql, name, customer_auth(customer_pk(o)), "FORBIDDEN")


@pytest.mark.parametrize("name", sorted(ALL_MUTATIONS))
async def test_no_token_or_a_bad_one_is_unauthenticated(gql, name):
    await _shop_with_an_order(gql)
    await _refused(gql, name, None, "UNAUTHENTICATED")
    await _refused(gql, name, "Bearer not-a-jwt", "UNAUTHENTICATED")


@pytest.mark.parametrize("name", sorted(ALL_MUTATIONS))
async def test_admin_may_run_every_mutation(gql, name):
    await _shop_with_an_order(gql)
    query, variables = ALL_MUTATIONS[name]
    r = await gql(query, variables, auth=ADMIN)
    assert r.errors == []
    assert r.data is not None and name in r.data


async def test_staff_runs_the_shop(gql):
    await setup_shop(gql)
    o = await place(gql, [("SKU-A", 2)])  # placed by admin, worked on by staff
    for name in ("stockReceive", "stockAdjust", "stockTransfer"):
        query, variables = OPERATING_MUTATIONS[name]
        (payload,) = (await gql(query, variables, auth=STAFF)).ok().values()
        assert payload["userErrors"] == []
    r = await gql(PLACE, {"i": place_input([("SKU-B", 1)], email="bo@example.com")},
                  auth=STAFF)
    assert r.ok()["orderPlace"]["order"]["status"] == "PENDING"
    r = await gql(ORDER_CONFIRM, {"id": o["id"]}, auth=STAFF)
    payload = r.ok()["orderConfirm"]
    assert payload["order"]["status"] == "CONFIRMED"
    sid = payload["order"]["shipments"][0]["id"]
    for q in (SHIPMENT_PICK, SHIPMENT_PACK, SHIPMENT_SHIP):
        assert (await gql(q, {"id": sid}, auth=STAFF)).ok()
    r = await gql(TRACKING, {"i": {"shipmentId": sid, "status": "DELIVERED"}}, auth=STAFF)
    assert r.ok()["shipmentTrackingRecord"]["shipment"]["order"]["status"] == "DELIVERED"
    r = await gql(ORDER_HOLD, {"id": o["id"], "r": "x"}, auth=STAFF)
    assert r.ok()["orderHold"]["userErrors"][0]["code"] == "INVALID_TRANSITION"
    # The actor is recorded as the staff member.
    r = await gql("query($id: ID!) { order(id: $id) { events { actor } } }", {"id": o["id"]})
    assert [e["actor"] for e in r.ok()["order"]["events"]][1:] == ["staff:staff"] * 4


READS = """query($id: ID!, $n: String!, $c: ID!) {
  order(id: $id) { number } byNumber: order(number: $n) { number } customer(id: $c) { email }
  orders { totalCount } channels { code } stockItem(sku: "SKU-A") { sku }
  channelInventory(channel: "WEB") { totalCount } locations { code }
  product(sku: "SKU-A") { sku } shipment(id: "U2hpcG1lbnQ6MQ") { status }
  customers { totalCount } }"""


@pytest.mark.parametrize("role", [ADMIN, STAFF, ANALYST])
async def test_staff_roles_read_everything(gql, role):
    o = await _shop_with_an_order(gql)
    r = await gql(READS, {"id": o["id"], "n": o["number"], "c": o["customer"]["id"]}, auth=role)
    assert r.ok() == {
        "order": {"number": "WEB-000001"}, "byNumber": {"number": "WEB-000001"},
        "customer": {"email": "ann@example.com"}, "orders": {"totalCount": 1},
        "channels": [{"code": "WEB"}], "stockItem": {"sku": "SKU-A"},
        "channelInventory": {"totalCount": 3}, "locations": [{"code": "WH1"}, {"code": "WH2"}],
        "product": {"sku": "SKU-A"}, "shipment": {"status": "PENDING"},
        "customers": {"totalCount": 1}}


@pytest.mark.parametrize("field", ["channels { code }", 'stockItem(sku: "SKU-A") { sku }',
                                   'channelInventory(channel: "WEB") { totalCount }',
                                   "locations { code }", 'product(sku: "SKU-A") { sku }',
                                   'channel(code: "WEB") { code }',
                                   "customers { totalCount }"])
async def test_customers_cannot_read_the_shop(gql, field):
    o = await _shop_with_an_order(gql)
    r = await gql("{ %s }" % field, auth=customer_auth(customer_pk(o)))
    assert r.codes == ["FORBIDDEN"]
    assert r.data is None or set(r.data.values()) == {None}


ORDER_BY = """query($id: ID, $n: String) { order(id: $id, number: $n) {
  number status customer { email } lines { sku } shipments { status } } }"""


async def test_a_customer_sees_only_their_own_orders(gql):
    await setup_shop(gql)
    ann_1 = await place(gql, [("SKU-A", 1)])
    bob_1 = await place(gql, [("SKU-B", 1)], email="bob@example.com")
    ann_2 = await place(gql, [("SKU-C", 1)])
    await gql(ORDER_CONFIRM, {"id": bob_1["id"]})
    ann, bob = customer_auth(customer_pk(ann_1)), customer_auth(customer_pk(bob_1))
    assert customer_pk(ann_1) == customer_pk(ann_2) != customer_pk(bob_1)

    r = await gql(ORDER_BY, {"id": ann_1["id"]}, auth=ann)
    assert r.ok()["order"] == {"number": "WEB-000001", "status": "PENDING",
                               "customer": {"email": "ann@example.com"},
                               "lines": [{"sku": "SKU-A"}], "shipments": []}
    assert (await gql(ORDER_BY, {"n": "WEB-000003"}, auth=ann)).ok()["order"]["number"] \
        == "WEB-000003"
    # Bob's order, by id or by number, answers exactly like an order that does not exist.
    missing = await gql(ORDER_BY, {"id": "T3JkZXI6OTk"}, auth=ann)
    missing_number = await gql(ORDER_BY, {"n": "WEB-000099"}, auth=ann)
    assert missing.data == missing_number.data == {"order": None}
    assert missing.errors == missing_number.errors == []
    for variables in ({"id": bob_1["id"]}, {"n": bob_1["number"]}):
        foreign = await gql(ORDER_BY, variables, auth=ann)
        assert (foreign.data, foreign.errors) == (missing.data, missing.errors)

    listing = """query($f: OrderFilterInput) { orders(filter: $f) {
                   totalCount edges { node { number } } } }"""
    r = await gql(listing, auth=ann)
    assert r.ok()["orders"] == {"totalCount": 2, "edges": [{"node": {"number": "WEB-000003"}},
                                                           {"node": {"number": "WEB-000001"}}]}
    r = await gql(listing, auth=bob)
    assert r.ok()["orders"] == {"totalCount": 1, "edges": [{"node": {"number": "WEB-000002"}}]}
    # Asking for someone else's orders by filter finds nothing; asking for one's own works.
    r = await gql(listing, {"f": {"customerId": bob_1["customer"]["id"]}}, auth=ann)
    assert r.ok()["orders"] == {"totalCount": 0, "edges": []}
    r = await gql(listing, {"f": {"customerId": ann_1["customer"]["id"]}}, auth=ann)
    assert r.ok()["orders"]["totalCount"] == 2
    r = await gql(listing, {"f": {"search": "bob@example.com"}}, auth=ann)
    assert r.ok()["orders"] == {"totalCount": 0, "edges": []}
    # And staff sees all three.
    assert (await gql(listing, auth=ANALYST)).ok()["orders"]["totalCount"] == 3


async def test_a_customer_sees_only_their_own_customer_record_and_shipments(gql):
    await setup_shop(gql)
    ann_o = await place(gql, [("SKU-A", 1)])
    bob_o = await place(gql, [("SKU-B", 1)], email="bob@example.com")
    r = await gql(ORDER_CONFIRM, {"id": bob_o["id"]})
    bob_shipment = r.ok()["orderConfirm"]["order"]["shipments"][0]["id"]
    ann = customer_auth(customer_pk(ann_o))
    # The figures follow the orders through the event log's consumer.
    from oms.customers import consumer as customers_consumer
    from oms.events import consumers

    await consumers.drain([customers_consumer.consumer()])
    q = """query($id: ID, $e: String) { customer(id: $id, email: $e) {
             email ordersCount orders { totalCount edges { node { number } } } } }"""
    own = {"email": "ann@example.com", "ordersCount": 1,
           "orders": {"totalCount": 1, "edges": [{"node": {"number": "WEB-000001"}}]}}
    assert (await gql(q, {"id": ann_o["customer"]["id"]}, auth=ann)).ok() == {"customer": own}
    assert (await gql(q, {"e": "ann@example.com"}, auth=ann)).ok() == {"customer": own}
    missing = await gql(q, {"id": "Q3VzdG9tZXI6OTk"}, auth=ann)  # Customer:99
    assert (missing.data, missing.errors) == ({"customer": None}, [])
    for variables in ({"id": bob_o["customer"]["id"]}, {"e": "bob@example.com"}):
        r = await gql(q, variables, auth=ann)
        assert (r.data, r.errors) == (missing.data, missing.errors)
    sq = "query($id: ID!) { shipment(id: $id) { status } }"
    r = await gql(sq, {"id": bob_shipment}, auth=ann)
    assert (r.data, r.errors) == ({"shipment": None}, [])
    r = await gql(sq, {"id": bob_shipment}, auth=customer_auth(customer_pk(bob_o)))
    assert r.ok() == {"shipment": {"status": "PENDING"}}


def _forged(claims: dict, secret: str = SECRET) -> str:
    return "Bearer " + jwt.encode({"iss": "oms", "sub": "x", "exp": 4_102_444_800, **claims},
                                  secret, algorithm="HS256")


BAD_AUTH = {
    "garbage": "Bearer not-a-jwt",
    "empty bearer": "Bearer ",
    "other scheme": "Basic YWRtaW46YWRtaW4=",
    "no scheme": token(Role.ADMIN),
    "other secret": "Bearer " + token(Role.ADMIN, secret="someone-elses-secret-0123456789ab"),
    "expired": "Bearer " + token(Role.ADMIN, ttl=timedelta(seconds=-10)),
    "unknown role": _forged({"role": "root"}),
    "customer without id": _forged({"role": "customer"}),
    "no expiry": "Bearer " + jwt.encode({"iss": "oms", "sub": "x", "role": "admin"}, SECRET,
                                        algorithm="HS256"),
    "wrong issuer": _forged({"role": "admin", "iss": "elsewhere"}),
    "alg none": "Bearer " + jwt.encode({"iss": "oms", "sub": "x", "role": "admin",
                                        "exp": 4_102_444_800}, None, algorithm="none"),
}


@pytest.mark.parametrize("case", sorted(BAD_AUTH))
async def test_a_bad_token_is_unauthenticated(gql, case):
    await _shop_with_an_order(gql)
    r = await gql("{ orders { totalCount } }", auth=BAD_AUTH[case])
    assert r.data is None
    assert r.codes == ["UNAUTHENTICATED"]
    assert r.errors[0]["message"] in ("invalid or expired token", "authentication required")


async def test_no_token_is_unauthenticated(gql):
    for q in ("{ orders { totalCount } }", '{ order(number: "WEB-000001") { id } }',
              "{ channels { code } }", '{ customer(email: "a@example.com") { id } }'):
        r = await gql(q, auth=None)
        assert r.data is None or set(r.data.values()) == {None}
        assert r.codes == ["UNAUTHENTICATED"]
        assert r.errors[0]["message"] == "authentication required"
