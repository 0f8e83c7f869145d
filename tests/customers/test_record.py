"""customerUpdate: tags normalised and limited, phone checked, consent with
its proof, a CustomerUpdated event naming the fields (never the values), a
version; refusals change nothing; who may do it."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from oms.core.errors import ErrorCode, Invalid, ValidationErrors
from oms.customers import record, tags
from oms.customers.models import Customer
from oms.customers.record import CustomerChanges
from oms.events.models import EventLog

from tests.assertions import refused
from tests.graphql.helpers import (ANALYST, STAFF, customer_auth, customer_pk, db_snapshot,
                                   place, setup_shop)

T = datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc)


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(record, "now", lambda: T)


async def _ann(**kw) -> Customer:
    return await Customer.create(email="ann@example.com", name="Ann Lee", country="FR", **kw)


async def _events() -> list[tuple]:
    return [(e.type, e.customer_id, e.order_id, e.payload)
            for e in await EventLog.all().order_by("id")]


# ---- tags (pure)

def test_tags_are_trimmed_lower_cased_unique_and_sorted():
    assert tags.apply(["vip"], add=[" Wholesale   Buyer ", "VIP", "b2b", "B2B"]) == [
        "b2b", "vip", "wholesale buyer"]
    assert tags.apply(["b2b", "vip"], remove=[" VIP", "absent"]) == ["b2b"]
    assert tags.apply([]) == []


def test_each_tag_mistake_is_reported_with_its_place():
    with pytest.raises(ValidationErrors) as exc:
        tags.apply([], add=["ok", "  ", "x" * 41], remove=["OK", 7])
    assert [(e.code, e.field, e.message) for e in exc.value.errors] == [
        (ErrorCode.INVALID, ["addTags", "1"], "a tag must not be empty"),
        (ErrorCode.TAG_TOO_LONG, ["addTags", "2"], "a tag is at most 40 characters"),
        (ErrorCode.INVALID, ["removeTags", "0"], "the tag 'ok' is both added and removed"),
        (ErrorCode.INVALID, ["removeTags", "1"], "a tag must not be empty")]
    assert tags.apply([], add=["x" * 40]) == ["x" * 40]


def test_at_most_fifty_tags():
    fifty = [f"t{i:02d}" for i in range(50)]
    assert tags.apply(fifty[:49], add=[fifty[49], "T00"]) == fifty
    with pytest.raises(Invalid) as exc:
        tags.apply(fifty, add=["one-more"])
    assert (exc.value.code, exc.value.field, exc.value.message) == (
        ErrorCode.TOO_MANY_TAGS, ["addTags"], "a customer has at most 50 tags (51 asked)")


# ---- the use case

async def test_an_update_writes_the_values_the_proof_of_consent_and_an_event_of_field_names(
        clean_db, clock):
    ann = await _ann(tags=["vip"])
    got = await record.update_customer(ann.id, CustomerChanges(
        name="  Ann Marie Lee ", phone="01 23 45 67 89", marketing_consent=True,
        add_tags=["Wholesale"], remove_tags=["vip"]), actor="staff:sam")
    row = await Customer.get(id=ann.id)
    for c in (got, row):
        assert (c.name, c.phone, c.marketing_consent, c.consent_updated_at, c.consent_source,
                c.tags, c.version, c.updated_at) == (
            "Ann Marie Lee", "+33123456789", True, T, "staff:sam", ["wholesale"], 2, T)
    assert await _events() == [("CustomerUpdated", ann.id, None, {
        "fields": ["marketingConsent", "name", "phone", "tags"], "actor": "staff:sam"})]


async def test_only_what_changed_is_written_and_named(clean_db, clock):
    ann = await _ann(phone="+33123456789", marketing_consent=True)
    await record.update_customer(ann.id, CustomerChanges(
        name="Ann Lee", phone="+33 1 23 45 67 89", marketing_consent=True, add_tags=["a"]),
        actor="staff:sam")
    row = await Customer.get(id=ann.id)
    # Consent did not change: no new proof of consent.
    assert (row.tags, row.consent_updated_at, row.consent_source, row.version) == (
        ["a"], None, None, 2)
    assert await _events() == [("CustomerUpdated", ann.id, None,
                                {"fields": ["tags"], "actor": "staff:sam"})]


async def test_an_update_that_changes_nothing_writes_nothing(clean_db, clock):
    ann = await _ann(tags=["a"])
    before = await db_snapshot()
    got = await record.update_customer(ann.id, CustomerChanges(name="Ann Lee", add_tags=["A"]),
                                       actor="staff:sam")
    assert got.version == 1
    assert await db_snapshot() == before


async def test_null_clears_the_name_and_phone_and_withdrawing_consent_is_recorded(
        clean_db, clock):
    ann = await _ann(phone="+33123456789", marketing_consent=True)
    await record.update_customer(ann.id, CustomerChanges(name=None, phone=None,
                                                         marketing_consent=False),
                                 actor="admin:root")
    row = await Customer.get(id=ann.id)
    assert (row.name, row.phone, row.marketing_consent, row.consent_updated_at,
            row.consent_source) == (None, None, False, T, "admin:root")


async def test_every_mistake_is_reported_and_nothing_changes(clean_db, clock):
    ann = await _ann()
    with pytest.raises(ValidationErrors) as exc:
        await record.update_customer(ann.id, CustomerChanges(
            name="x" * 201, phone="12", marketing_consent=None, add_tags=["x" * 41]),
            actor="staff:sam")
    assert [(e.code, e.field) for e in exc.value.errors] == [
        (ErrorCode.INVALID, ["name"]), (ErrorCode.INVALID, ["phone"]),
        (ErrorCode.INVALID, ["marketingConsent"]), (ErrorCode.TAG_TOO_LONG, ["addTags", "0"])]
    await refused(ErrorCode.INVALID, ["phone"], record.update_customer(
        ann.id, CustomerChanges(phone="+33 1"), actor="staff:sam"), state=db_snapshot)
    await refused(ErrorCode.TOO_MANY_TAGS, ["addTags"], record.update_customer(
        ann.id, CustomerChanges(add_tags=[str(i) for i in range(51)]), actor="staff:sam"),
        state=db_snapshot)


async def test_unknown_and_erased_customers_are_not_found(clean_db):
    gone = await Customer.create(email="erased-9@erased.invalid", erased_at=T)
    for pk in (0, 999, gone.id):
        await refused(ErrorCode.NOT_FOUND, ["id"], record.update_customer(
            pk, CustomerChanges(name="X"), actor="staff:sam"), state=db_snapshot)


async def test_the_loser_of_a_concurrent_edit_gets_conflict(clean_db, monkeypatch):
    ann = await _ann()
    stale = await Customer.get(id=ann.id)
    await record.update_customer(ann.id, CustomerChanges(add_tags=["first"]), actor="staff:a")

    async def read_stale(_pk):
        return stale

    monkeypatch.setattr(record, "get_live", read_stale)
    await refused(ErrorCode.CONFLICT, ["id"], record.update_customer(
        ann.id, CustomerChanges(add_tags=["second"]), actor="staff:b"), state=db_snapshot)
    assert (await Customer.get(id=ann.id)).tags == ["first"]


# ---- GraphQL

UPDATE = """mutation($id: ID!, $i: CustomerUpdateInput!) { customerUpdate(id: $id, input: $i) {
  customer { name phone marketingConsent consentUpdatedAt consentSource tags }
  userErrors { code field message } } }"""


async def _placed(gql) -> tuple[str, int]:
    await setup_shop(gql)
    order = await place(gql, [("SKU-A", 1)])
    return order["customer"]["id"], customer_pk(order)


async def test_staff_update_a_customer_through_the_api(gql, clock):
    cid, pk = await _placed(gql)
    r = await gql(UPDATE, {"id": cid, "i": {"phone": "+33 6 12 34 56 78",
                                            "marketingConsent": True,
                                            "addTags": ["VIP", "vip "]}}, auth=STAFF)
    assert r.ok()["customerUpdate"] == {"customer": {
        "name": "Ann Lee", "phone": "+33612345678", "marketingConsent": True,
        "consentUpdatedAt": "2026-03-02T08:30:00+00:00", "consentSource": "staff:staff",
        "tags": ["vip"]}, "userErrors": []}
    # Left out: unchanged; null: cleared.
    r = await gql(UPDATE, {"id": cid, "i": {"name": None}})
    assert r.ok()["customerUpdate"]["customer"]["name"] is None
    assert r.ok()["customerUpdate"]["customer"]["phone"] == "+33612345678"
    assert (await Customer.get(id=pk)).version == 3


async def test_user_errors_change_nothing(gql):
    cid, _ = await _placed(gql)
    before = await db_snapshot()
    r = await gql(UPDATE, {"id": cid, "i": {"phone": "not a phone",
                                            "addTags": ["ok", "y" * 41]}})
    assert r.ok()["customerUpdate"] == {"customer": None, "userErrors": [
        {"code": "INVALID", "field": ["phone"], "message": "invalid phone number"},
        {"code": "TAG_TOO_LONG", "field": ["addTags", "1"],
         "message": "a tag is at most 40 characters"}]}
    for wrong in ("nope", "T3JkZXI6MQ"):  # garbage, and an Order's id
        r = await gql(UPDATE, {"id": wrong, "i": {"name": "X"}})
        assert r.ok()["customerUpdate"]["userErrors"] == [
            {"code": "NOT_FOUND", "field": ["id"], "message": "customer not found"}]
    assert await db_snapshot() == before


@pytest.mark.parametrize("who, allowed", [
    ("admin", True), (STAFF, True), (ANALYST, False), ("own customer", False), (None, False)])
async def test_who_may_update_a_customer(gql, who, allowed):
    cid, pk = await _placed(gql)
    auth = customer_auth(pk) if who == "own customer" else who
    before = await db_snapshot()
    r = await gql(UPDATE, {"id": cid, "i": {"addTags": ["x"]}}, auth=auth)
    if allowed:
        assert r.ok()["customerUpdate"]["customer"]["tags"] == ["x"]
    else:
        assert r.codes == ["UNAUTHENTICATED" if who is None else "FORBIDDEN"]
        assert r.data is None
        assert await db_snapshot() == before


READ = """query($id: ID) { customer(id: $id) { email consentUpdatedAt erasedAt tags } }"""


async def test_tags_are_for_staff_roles_a_customer_reads_the_rest_of_their_record(gql):
    cid, pk = await _placed(gql)
    await gql(UPDATE, {"id": cid, "i": {"addTags": ["vip"]}})
    for auth in ("admin", STAFF, ANALYST):
        assert (await gql(READ, {"id": cid}, auth=auth)).ok()["customer"] == {
            "email": "ann@example.com", "consentUpdatedAt": None, "erasedAt": None,
            "tags": ["vip"]}
    own = await gql(READ, {"id": cid}, auth=customer_auth(pk))
    assert own.codes == ["FORBIDDEN"] and own.data == {"customer": None}
    ok = await gql("query($id: ID) { customer(id: $id) { email erasedAt } }", {"id": cid},
                   auth=customer_auth(pk))
    assert ok.ok()["customer"] == {"email": "ann@example.com", "erasedAt": None}


async def test_a_placed_orders_customer_shows_the_record_fields(gql):
    await setup_shop(gql)
    r = await gql("""mutation($i: OrderPlaceInput!) { orderPlace(input: $i) {
      order { customer { tags consentUpdatedAt erasedAt marketingConsent } } } }""",
                  {"i": {"channel": "WEB", "source": "WEB",
                         "customer": {"email": "zoe@example.com"},
                         "lines": [{"sku": "SKU-A", "quantity": 1}],
                         "shippingAddress": {"line1": "1 Rue de Rivoli", "city": "Paris",
                                             "postalCode": "75001", "country": "FR"}}})
    assert r.ok()["orderPlace"]["order"]["customer"] == {
        "tags": [], "consentUpdatedAt": None, "erasedAt": None, "marketingConsent": False}
