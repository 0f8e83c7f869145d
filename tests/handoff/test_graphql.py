"""The hand-off over GraphQL: setting and clearing a partner's endpoint (the
secret is write-only), the delivery log as a connection with its attempts,
the manual retry, and who may do what."""
from __future__ import annotations

import pytest

from oms.core import ids
from oms.handoff import delivery
from oms.handoff.delivery import SendPolicy
from oms.handoff.models import PartnerDelivery

from tests.graphql.helpers import (ADMIN, ANALYST, STAFF, Gql, customer_auth, db_snapshot)
from tests.statements import count_statements

from .shop import SECRET, URL, Clock, Partner, confirmed, drain

pytestmark = pytest.mark.usefixtures("partner_shop")

SET = """mutation($l: String!, $u: String, $s: String) {
  locationEndpointSet(location: $l, url: $u, secret: $s) {
    location { code endpointUrl hasEndpointSecret } userErrors { code field message } } }"""
LOCATIONS = "{ locations { code endpointUrl hasEndpointSecret } }"
DELIVERIES = """query($f: PartnerDeliveryFilter, $first: Int, $after: String) {
  partnerDeliveries(filter: $f, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id kind status attempts lastStatusCode lastError
      location { code } shipment { id status }
      log { attempt statusCode error actor durationMs } } } } }"""
ONE = """query($id: ID!) { partnerDelivery(id: $id) { id status attempts } }"""
RETRY = """mutation($id: ID!) { partnerDeliveryRetry(id: $id) {
  partnerDelivery { id status attempts } userErrors { code field message } } }"""


@pytest.fixture
def gql() -> Gql:
    return Gql()


async def test_an_admin_sets_and_clears_an_endpoint(gql):
    r = await gql(SET, {"l": "SUP1", "u": "https://supplier.example/hook",
                        "s": "s" * 16})
    assert r.ok()["locationEndpointSet"] == {
        "location": {"code": "SUP1", "endpointUrl": "https://supplier.example/hook",
                     "hasEndpointSecret": True}, "userErrors": []}
    # A new url keeps the secret set before.
    r = await gql(SET, {"l": "SUP1", "u": "http://10.0.0.7:8080/in"})
    assert r.ok()["locationEndpointSet"]["location"] == {
        "code": "SUP1", "endpointUrl": "http://10.0.0.7:8080/in", "hasEndpointSecret": True}
    r = await gql(SET, {"l": "SUP1", "u": None})
    assert r.ok()["locationEndpointSet"]["location"] == {
        "code": "SUP1", "endpointUrl": None, "hasEndpointSecret": False}
    assert (await gql(LOCATIONS, auth=STAFF)).ok()["locations"] == [
        {"code": "3PL1", "endpointUrl": URL, "hasEndpointSecret": True},
        {"code": "SUP1", "endpointUrl": None, "hasEndpointSecret": False},
        {"code": "WH1", "endpointUrl": None, "hasEndpointSecret": False}]


@pytest.mark.parametrize("variables,error", [
    ({"l": "WH1", "u": "https://x.example", "s": "s" * 16},
     ("INVALID", ["location"],
      "only THIRD_PARTY_LOGISTICS and SUPPLIER locations have an endpoint")),
    ({"l": "NOPE", "u": "https://x.example", "s": "s" * 16},
     ("NOT_FOUND", ["location"], "unknown location NOPE")),
    ({"l": "SUP1", "u": "ftp://x.example", "s": "s" * 16},
     ("INVALID", ["url"], "url must be an http or https URL with a host")),
    ({"l": "SUP1", "u": "https://", "s": "s" * 16},
     ("INVALID", ["url"], "url must be an http or https URL with a host")),
    ({"l": "SUP1", "u": "not a url", "s": "s" * 16},
     ("INVALID", ["url"], "url must not contain spaces")),
    ({"l": "SUP1", "u": "https://x.example:99999/", "s": "s" * 16},
     ("INVALID", ["url"], "url is not a valid URL")),
    ({"l": "SUP1", "u": "https://x.example/" + "a" * 500, "s": "s" * 16},
     ("INVALID", ["url"], "url is longer than 500 characters")),
    ({"l": "SUP1", "u": "https://x.example", "s": "s" * 15},
     ("INVALID", ["secret"], "secret must be 16 to 200 characters")),
    ({"l": "SUP1", "u": "https://x.example", "s": "s" * 15 + " "},
     ("INVALID", ["secret"], "secret must not contain spaces or control characters")),
    ({"l": "SUP1", "u": "https://x.example"},
     ("INVALID", ["secret"], "a secret is required with a url")),
    ({"l": "SUP1", "u": None, "s": "s" * 16},
     ("INVALID", ["secret"], "a secret needs a url")),
])
async def test_mistakes_change_nothing(gql, variables, error):
    before = await db_snapshot()
    r = await gql(SET, variables)
    payload = r.ok()["locationEndpointSet"]
    assert payload["location"] is None
    assert [(e["code"], e["field"], e["message"]) for e in payload["userErrors"]] == [error]
    assert await db_snapshot() == before


async def test_the_secret_is_never_readable(gql):
    fields = (await gql('{ __type(name: "Location") { fields { name } } }')).ok()
    names = {f["name"] for f in fields["__type"]["fields"]}
    assert "endpointSecret" not in names and "secret" not in names
    r = await gql(SET, {"l": "3PL1", "u": URL, "s": SECRET})
    assert SECRET not in str(r.data)


async def test_only_admin_and_staff_see_endpoints_and_only_admin_sets_them(gql):
    before = await db_snapshot()
    for auth, code in ((STAFF, "FORBIDDEN"), (ANALYST, "FORBIDDEN"),
                       (customer_auth(1), "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        r = await gql(SET, {"l": "3PL1", "u": None}, auth=auth)
        assert (r.data, r.codes) == (None, [code])
    assert await db_snapshot() == before
    r = await gql("{ locations { code endpointUrl } }", auth=ANALYST)
    assert [loc["endpointUrl"] for loc in r.data["locations"]] == [None, None, None]
    assert r.codes == ["FORBIDDEN"] * 3
    r = await gql("{ locations { code hasEndpointSecret } }", auth=ANALYST)
    assert r.data is None and set(r.codes) == {"FORBIDDEN"}
    assert (await gql("{ locations { code } }", auth=ANALYST)).ok()


async def _three_deliveries() -> list[PartnerDelivery]:
    """Three requests: acknowledged, retrying after a 500, pending."""
    for n in range(3):
        await confirmed([("SKU-A", 1)], email=f"c{n}@example.com")
    await drain()
    first, second, _ = await PartnerDelivery.all().order_by("id")
    for d, answer in ((first, 200), (second, 500)):
        async with Partner(answers=[answer]).client() as client:
            await delivery.send_one(d.id, client=client, policy=SendPolicy(jitter=None),
                                    clock=Clock())
    return list(await PartnerDelivery.all().order_by("id"))


def _gid(d: PartnerDelivery) -> str:
    return ids.encode("PartnerDelivery", d.id)


async def test_the_delivery_log_newest_first_with_its_attempts(gql):
    a, b, c = await _three_deliveries()
    data = (await gql(DELIVERIES, auth=ANALYST)).ok()["partnerDeliveries"]
    assert data["totalCount"] == 3
    nodes = [e["node"] for e in data["edges"]]
    assert [(n["id"], n["status"], n["attempts"], n["lastStatusCode"], n["lastError"])
            for n in nodes] == [(_gid(c), "PENDING", 0, None, None),
                                (_gid(b), "RETRYING", 1, 500, "HTTP 500: boom"),
                                (_gid(a), "ACKNOWLEDGED", 1, 200, None)]
    assert nodes[1]["kind"] == "FULFILLMENT_REQUEST"
    assert nodes[1]["location"] == {"code": "3PL1"}
    assert nodes[1]["shipment"] == {"id": ids.encode("Shipment", b.shipment_id),
                                    "status": "PENDING"}
    assert [{k: v for k, v in entry.items() if k != "durationMs"} for entry in nodes[1]["log"]] \
        == [{"attempt": 1, "statusCode": 500, "error": "HTTP 500: boom",
             "actor": "system:handoff"}]
    assert nodes[0]["log"] == []


async def test_filters_and_pages(gql):
    a, b, c = await _three_deliveries()

    async def ids_of(f=None, **kw):
        data = (await gql(DELIVERIES, {"f": f, **kw})).ok()["partnerDeliveries"]
        return [e["node"]["id"] for e in data["edges"]], data

    assert (await ids_of({"status": ["RETRYING", "PENDING"]}))[0] == [_gid(c), _gid(b)]
    assert (await ids_of({"location": "3PL1", "status": ["ACKNOWLEDGED"]}))[0] == [_gid(a)]
    assert (await ids_of({"shipmentId": ids.encode("Shipment", b.shipment_id)}))[0] == [_gid(b)]
    for nothing in ({"location": "NOPE"}, {"location": "WH1"}, {"shipmentId": "junk"},
                    {"shipmentId": ids.encode("Shipment", 2 ** 40)}):
        found, data = await ids_of(nothing)
        assert (found, data["totalCount"]) == ([], 0)
    page, data = await ids_of(first=2)
    assert page == [_gid(c), _gid(b)] and data["pageInfo"]["hasNextPage"] is True
    rest, data = await ids_of(first=2, after=data["pageInfo"]["endCursor"])
    assert rest == [_gid(a)] and data["pageInfo"]["hasNextPage"] is False
    r = await gql(DELIVERIES, {"after": "bm90IGpzb24"})
    assert r.codes == ["BAD_USER_INPUT"]


async def test_a_page_costs_a_constant_number_of_statements(gql):
    await _three_deliveries()
    with count_statements() as seen:
        (await gql(DELIVERIES)).ok()
    # page, count, locations, shipments, attempts
    assert len(seen) == 5


async def test_one_delivery_by_id(gql):
    a, _, _ = await _three_deliveries()
    assert (await gql(ONE, {"id": _gid(a)}, auth=ANALYST)).ok()["partnerDelivery"] == {
        "id": _gid(a), "status": "ACKNOWLEDGED", "attempts": 1}
    for missing in (ids.encode("PartnerDelivery", 99), ids.encode("Shipment", a.id), "x",
                    ids.encode("PartnerDelivery", 2 ** 40)):
        assert (await gql(ONE, {"id": missing})).ok()["partnerDelivery"] is None
    for auth, code in ((customer_auth(1), "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        r = await gql(ONE, {"id": _gid(a)}, auth=auth)
        assert r.codes == [code]
        assert (await gql(DELIVERIES, auth=auth)).codes == [code]


async def test_staff_retry_a_delivery(gql):
    a, b, _ = await _three_deliveries()
    r = await gql(RETRY, {"id": _gid(b)}, auth=STAFF)
    assert r.ok()["partnerDeliveryRetry"] == {
        "partnerDelivery": {"id": _gid(b), "status": "RETRYING", "attempts": 1},
        "userErrors": []}
    await b.refresh_from_db()
    assert b.next_attempt_at <= Clock().at
    before = await db_snapshot()
    r = await gql(RETRY, {"id": _gid(a)}, auth=STAFF)
    assert r.ok()["partnerDeliveryRetry"] == {"partnerDelivery": None, "userErrors": [{
        "code": "INVALID_TRANSITION", "field": None,
        "message": "cannot retry a partner delivery that is ACKNOWLEDGED"}]}
    r = await gql(RETRY, {"id": "nope"}, auth=ADMIN)
    assert r.ok()["partnerDeliveryRetry"]["userErrors"] == [{
        "code": "NOT_FOUND", "field": ["id"], "message": "partner delivery not found"}]
    for auth, code in ((ANALYST, "FORBIDDEN"), (customer_auth(1), "FORBIDDEN"),
                       (None, "UNAUTHENTICATED")):
        r = await gql(RETRY, {"id": _gid(b)}, auth=auth)
        assert (r.data, r.codes) == (None, [code])
    assert await db_snapshot() == before
