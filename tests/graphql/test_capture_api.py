"""Order capture over GraphQL: a channel's settings (admin), what placement
decided (status, hold reasons, promise, ship-after, expiry), the holds list
and releasing a hold, and staff price overrides."""
from __future__ import annotations

from .helpers import Gql, db_snapshot, place_input, setup_shop

SETTINGS = """mutation($c: String!, $i: ChannelSettingsInput!) {
  channelSettingsUpdate(channel: $c, input: $i) {
    settings { channel { code } reservationTtlMinutes
               riskPolicy { maxTotal markets maxOrdersPerEmailPerHour blockedEmails
                            maxTotalPerCurrency { currency amount }
                            blockedAddresses { line1 postalCode country } }
               captureRules { source rule }
               shippingMethods { code name serviceDays handlingDays cutoff timezone } }
    userErrors { code field message } } }"""
PLACE = """mutation($i: OrderPlaceInput!) { orderPlace(input: $i) {
  order { id status paymentStatus paymentReference holdReasons shipBy promisedDelivery
          routeAfter expiresAt shipments { id }
          lines { unitPrice { amount } listPrice { amount } priceOverrideReason total { amount } }
          events { fromStatus toStatus actor message } }
  userErrors { code field message } } }"""
HOLDS = """query($r: RiskCode) { orders(filter: { status: [ON_HOLD], holdReason: $r }) {
  totalCount edges { node { id holdReasons } } } }"""
RELEASE = """mutation($id: ID!) { orderReleaseHold(id: $id) {
  order { status holdReasons shipments { id } } userErrors { code } } }"""
PAID = {"gateway": "stripe", "reference": "pi_1", "status": "AUTHORIZED"}


async def _place(gql: Gql, lines, **extra):
    r = await gql(PLACE, {"i": place_input(lines, **extra)})
    return r.ok()["orderPlace"]


async def test_settings_are_saved_and_shown(gql):
    await setup_shop(gql)
    r = await gql(SETTINGS, {"c": "WEB", "i": {
        "riskPolicy": {"maxTotal": "500.00", "markets": ["fr", "DE"],
                       "maxTotalPerCurrency": [{"currency": "USD", "amount": "600"}],
                       "maxOrdersPerEmailPerHour": 3, "blockedEmails": ["@spam.example"],
                       "blockedAddresses": [{"line1": "1 Main St", "postalCode": "10001",
                                             "country": "US"}]},
        "captureRules": [{"source": "PHONE", "rule": "AUTO_CONFIRM_IF_AUTHORIZED"}],
        "reservationTtlMinutes": 90,
        "shippingMethods": [{"code": "STD", "name": "Standard", "serviceDays": 3,
                             "cutoff": "15:30", "timezone": "Europe/Paris"}]}})
    payload = r.ok()["channelSettingsUpdate"]
    assert payload["userErrors"] == []
    s = payload["settings"]
    assert s["riskPolicy"] == {
        "maxTotal": "500.00", "markets": ["DE", "FR"], "maxOrdersPerEmailPerHour": 3,
        "blockedEmails": ["@spam.example"],
        "maxTotalPerCurrency": [{"currency": "USD", "amount": "600.00"}],
        "blockedAddresses": [{"line1": "1 Main St", "postalCode": "10001", "country": "US"}]}
    assert s["captureRules"] == [{"source": "PHONE", "rule": "AUTO_CONFIRM_IF_AUTHORIZED"}]
    assert s["reservationTtlMinutes"] == 90
    assert s["shippingMethods"] == [{"code": "STD", "name": "Standard", "serviceDays": 3,
                                     "handlingDays": 0, "cutoff": "15:30",
                                     "timezone": "Europe/Paris"}]
    # Only what is given changes.
    r = await gql(SETTINGS, {"c": "WEB", "i": {"reservationTtlMinutes": None}})
    s = r.ok()["channelSettingsUpdate"]["settings"]
    assert s["reservationTtlMinutes"] is None and s["riskPolicy"]["maxTotal"] == "500.00"


async def test_bad_settings_change_nothing_and_staff_may_not_change_them(gql):
    await setup_shop(gql)
    before = await db_snapshot()
    r = await gql(SETTINGS, {"c": "WEB", "i": {
        "riskPolicy": {"maxTotal": "-5", "markets": ["ZZ"]},
        "reservationTtlMinutes": 10 ** 9,
        "shippingMethods": [{"code": "bad code!", "name": "x", "serviceDays": -1}]}})
    errors = r.ok()["channelSettingsUpdate"]["userErrors"]
    assert {e["code"] for e in errors} == {"INVALID"}
    assert len(errors) >= 3
    r = await gql(SETTINGS, {"c": "WEB", "i": {"captureRules": [
        {"source": "PHONE", "rule": "AUTO_CONFIRM"}, {"source": "PHONE", "rule": "AWAIT_STAFF"}]}})
    assert r.ok()["channelSettingsUpdate"]["userErrors"][0]["field"] == ["captureRules"]
    r = await gql(SETTINGS, {"c": "NOPE", "i": {"reservationTtlMinutes": 5}})
    assert r.ok()["channelSettingsUpdate"]["userErrors"][0]["code"] == "NOT_FOUND"
    r = await gql(SETTINGS, {"c": "WEB", "i": {"reservationTtlMinutes": 5}}, auth="staff")
    assert r.codes == ["FORBIDDEN"]
    assert await db_snapshot() == before


async def test_capture_outcomes_through_the_api(gql):
    await setup_shop(gql)
    await gql(SETTINGS, {"c": "WEB", "i": {
        "riskPolicy": {"maxTotal": "100.00"},
        "shippingMethods": [{"code": "STD", "name": "Standard", "serviceDays": 2}]}})
    confirmed = await _place(gql, [("SKU-A", 1)], payment=PAID)
    o = confirmed["order"]
    assert (o["status"], o["paymentStatus"], o["paymentReference"]) == (
        "CONFIRMED", "AUTHORIZED", "pi_1")
    assert len(o["shipments"]) == 1 and o["shipBy"] and o["promisedDelivery"]
    assert o["routeAfter"] is None and o["expiresAt"] is None
    assert [(e["fromStatus"], e["toStatus"], e["actor"]) for e in o["events"]] == [
        (None, "PENDING", "admin:admin"), ("PENDING", "CONFIRMED", "system:capture")]

    pending = (await _place(gql, [("SKU-A", 1)]))["order"]
    assert pending["status"] == "PENDING" and pending["expiresAt"]

    later = (await _place(gql, [("SKU-A", 1)], payment=PAID,
                          shipAfter="2099-01-01T00:00:00+00:00"))["order"]
    assert (later["status"], later["shipments"]) == ("CONFIRMED", [])
    assert later["routeAfter"].startswith("2099-01-0")

    held = (await _place(gql, [("SKU-B", 5)], payment=PAID))["order"]
    assert (held["status"], held["holdReasons"]) == ("ON_HOLD", ["TOTAL_ABOVE_LIMIT"])
    assert "TOTAL_ABOVE_LIMIT" in held["events"][-1]["message"]

    holds = (await gql(HOLDS, {"r": "TOTAL_ABOVE_LIMIT"})).ok()["orders"]
    assert holds["totalCount"] == 1 and holds["edges"][0]["node"]["id"] == held["id"]
    assert (await gql(HOLDS, {"r": "VELOCITY"})).ok()["orders"]["totalCount"] == 0

    released = (await gql(RELEASE, {"id": held["id"]})).ok()["orderReleaseHold"]["order"]
    assert (released["status"], released["holdReasons"], len(released["shipments"])) == (
        "CONFIRMED", [], 1)


async def test_price_overrides_need_a_reason(gql):
    await setup_shop(gql)
    lines = [{"sku": "SKU-A", "quantity": 2, "unitPrice": "8.00",
              "priceOverrideReason": "price match"}]
    o = (await gql(PLACE, {"i": {**place_input([]), "lines": lines}})).ok()["orderPlace"]["order"]
    assert o["lines"] == [{"unitPrice": {"amount": "8.00"}, "listPrice": {"amount": "10.00"},
                           "priceOverrideReason": "price match", "total": {"amount": "16.00"}}]
    before = await db_snapshot()
    bad = [{"sku": "SKU-A", "quantity": 2, "unitPrice": "8.00"}]
    r = await gql(PLACE, {"i": {**place_input([]), "lines": bad}})
    assert r.ok()["orderPlace"]["userErrors"] == [{
        "code": "INVALID", "field": ["lines", "0", "priceOverrideReason"],
        "message": "a price other than the channel's needs a priceOverrideReason"}]
    assert await db_snapshot() == before
