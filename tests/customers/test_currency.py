"""Orders in another currency: placement stores the rate to the base
currency (both placement paths: PostgreSQL's single statement and the
portable one), refuses a currency without a rate and changes nothing, and
customer figures convert each order at its own rate, half up to the cent,
the same in SQL (both dialects) as in oms.customers.figures."""
from __future__ import annotations

from decimal import Decimal

import pytest

from oms.catalog import rates
from oms.catalog.models import Channel, CurrencyRate
from oms.core.errors import ErrorCode
from oms.customers import figures, service as customers
from oms.customers.models import Customer
from oms.orders.models import Order

from tests import backends, factories
from tests.assertions import refused
from tests.graphql.helpers import STAFF, PLACE, Gql, db_snapshot, place_input
from tests.statements import count_statements

from .support import D, drain, figures as figures_of, place

# Every test but the pure one: a shop selling in EUR (the base) and GBP.
shop = pytest.mark.usefixtures("uk_shop", "frozen_clock")

ELSEWHERE = {"gateway": "shop", "reference": "x", "status": "CAPTURED"}


@pytest.fixture
async def uk_shop(clean_db):
    """WEB in EUR (the base currency) and UK in GBP, both served by WH1 and WH2."""
    await factories.shop(channels={"WEB": ["WH1", "WH2"], "UK": ["WH1", "WH2"]})
    await Channel.filter(code="UK").update(currency="GBP")


@pytest.mark.parametrize("cents, rate, expected", [
    (2000, "1.17", 2340), (399, "1.3", 519),          # 518.7 up
    (5, "0.5", 3), (-5, "0.5", -3),                    # a half cent away from zero
    (100, "1.005", 101),                               # 100.5: a float says 100.4999...
    (1000, "0.12345678", 123), (2550, "0.00000001", 0),
    (99_999_999_999_999, "9999999999.99999999", 999_999_999_999_989_999_000_000)])
def test_an_order_s_cents_convert_half_up(cents, rate, expected):
    assert figures.base_cents(cents, Decimal(rate)) == expected


@shop
async def test_an_order_keeps_the_rate_of_its_placement_and_figures_convert_with_it():
    await rates.set_rate(currency="gbp", rate_to_base="1.17", actor="admin:test")
    first = await place([("SKU-A", 2)], payment=ELSEWHERE, channel="UK")  # 20.00 GBP
    assert (first.currency, first.fx_rate) == ("GBP", Decimal("1.17000000"))
    await rates.set_rate(currency="GBP", rate_to_base="1.3")
    second = await place([("SKU-C", 1)], payment=ELSEWHERE, channel="UK")  # 3.99 GBP
    euro = await place([("SKU-B", 1)], payment=ELSEWHERE)  # 25.50 EUR
    stored = {o.id: r for o, r in await _rates()}
    assert stored == {first.id: Decimal("1.17000000"), second.id: Decimal("1.30000000"),
                      euro.id: Decimal("1.00000000")}
    await drain()
    # 2000 * 1.17 = 2340; 399 * 1.3 = 518.7 -> 519; 2550 at 1: 5409 cents over 3 orders.
    count, ltv, aov, *_ = await figures_of()
    assert (count, ltv, aov) == (3, D("54.09"), D("18.03"))
    assert await customers.check_figures() == []


async def _rates() -> list[tuple[Order, Decimal]]:
    return [(o, Decimal(str(o.fx_rate))) for o in await Order.all().order_by("id")]


@shop
async def test_a_currency_without_a_rate_is_refused_and_nothing_changes():
    await factories.place([("SKU-A", 1)])  # the customer exists: nothing of theirs moves
    before = await db_snapshot()
    err = await refused(ErrorCode.CURRENCY_RATE_MISSING, ["channel"],
                        factories.place([("SKU-A", 1)], channel="UK"),
                        state=db_snapshot)
    assert "GBP" in err.message and "EUR" in err.message
    assert await db_snapshot() == before


@shop
async def test_the_base_currency_needs_no_rate():
    order = await factories.place([("SKU-A", 1)])
    assert Decimal(str(order.fx_rate)) == Decimal(1)
    assert await CurrencyRate.all().count() == 0


@shop
async def test_a_foreign_order_costs_no_extra_round_trip_on_postgresql():
    await rates.set_rate(currency="GBP", rate_to_base="1.17")
    await factories.place([("SKU-A", 1)])
    await factories.place([("SKU-A", 1)], channel="UK")  # the customer exists for both
    with count_statements() as base:
        await factories.place([("SKU-A", 1)])
    with count_statements() as foreign:
        order = await factories.place([("SKU-A", 1)], channel="UK")
    assert Decimal(str(order.fx_rate)) == Decimal("1.17")
    if backends.IS_PG:
        # The rate comes with placement's one read; then the one write.
        assert (len(base), len(foreign)) == (2, 2), foreign


@shop
@pytest.mark.parametrize("total_rate", [
    [("1.00", "1.005"), ("10.00", "0.12345678"), ("3.99", "2.5"), ("25.50", "0.00000001")],
    [("10.00", "1.17"), ("10.00", "1.17"), ("10.00", "1.17")],
])
async def test_the_sql_converts_each_order_exactly_as_the_definition(total_rate):
    """Orders at awkward rates (set on the rows, as if placed long ago):
    the database's recomputation equals the sum of figures.base_cents."""
    ids = []
    for total, _rate in total_rate:
        o = await place([("SKU-A", 1)], payment=ELSEWHERE)
        await Order.filter(id=o.id).update(total=D(total))
        ids.append(o.id)
    for oid, (_total, rate) in zip(ids, total_rate):
        await Order.filter(id=oid).update(fx_rate=Decimal(rate))
    await customers.recompute_figures()
    cents = sum(figures.base_cents(int(D(t) * 100), Decimal(r)) for t, r in total_rate)
    c = await Customer.get(email="ann@example.com")
    assert Decimal(str(c.lifetime_value)) == figures.from_cents(cents)
    assert await customers.check_figures() == []


@shop
async def test_a_refund_converts_at_the_order_s_rate():
    from oms.payments import service as payments

    from .support import CARD, ship_all

    await rates.set_rate(currency="GBP", rate_to_base="1.17")
    order = await place([("SKU-A", 2)], payment=CARD, channel="UK")  # 20.00 GBP
    await ship_all(order.id)
    await payments.refund(order.id, amount=D("5.55"), reason="late", idempotency_key="r1")
    await drain()
    # (2000 - 555) * 1.17 = 1690.65 -> 1691
    assert (await figures_of())[:3] == (1, D("16.91"), D("16.91"))
    assert await customers.check_figures() == []


# ---- over GraphQL

SET = """mutation($c: String!, $r: Decimal!) { currencyRateSet(currency: $c, rateToBase: $r) {
  currencyRate { currency rateToBase baseCurrency updatedBy }
  userErrors { code field message } } }"""


@shop
async def test_admins_set_rates_and_everyone_on_staff_reads_them():
    gql = Gql()
    r = (await gql(SET, {"c": "gbp", "r": "1.17"})).ok()["currencyRateSet"]
    assert r == {"currencyRate": {"currency": "GBP", "rateToBase": "1.17000000",
                                  "baseCurrency": "EUR", "updatedBy": "admin:admin"},
                 "userErrors": []}
    await gql(SET, {"c": "USD", "r": "0.92"})
    listed = (await gql("{ currencyRates { currency rateToBase } }", auth=STAFF)).ok()
    assert listed == {"currencyRates": [{"currency": "GBP", "rateToBase": "1.17000000"},
                                        {"currency": "USD", "rateToBase": "0.92000000"}]}
    refused_ = await gql(SET, {"c": "JPY", "r": "0.0061"}, auth=STAFF)
    assert refused_.codes == ["FORBIDDEN"]


@shop
@pytest.mark.parametrize("currency, rate, field", [
    ("ABC", "1", "currency"), ("EURO", "1", "currency"),
    ("EUR", "1.1", "currency"),                       # the base currency is always 1
    ("GBP", "0", "rateToBase"), ("GBP", "-1.2", "rateToBase"),
    ("GBP", "1.123456789", "rateToBase"), ("GBP", "10000000000", "rateToBase"),
])
async def test_bad_rates_are_user_errors_and_change_nothing(currency, rate, field):
    gql = Gql()
    r = (await gql(SET, {"c": currency, "r": rate})).ok()["currencyRateSet"]
    assert r["currencyRate"] is None
    assert [(e["code"], e["field"]) for e in r["userErrors"]] == [("INVALID", [field])]
    assert await CurrencyRate.all().count() == 0


@shop
async def test_order_place_reports_a_missing_rate_and_shows_the_rate_it_used():
    gql = Gql()
    r = (await gql(PLACE, {"i": place_input([("SKU-A", 1)], channel="UK")})).ok()["orderPlace"]
    assert r["order"] is None
    assert [e["code"] for e in r["userErrors"]] == ["CURRENCY_RATE_MISSING"]
    await gql(SET, {"c": "GBP", "r": "1.17"})
    placed = (await gql(PLACE, {"i": place_input([("SKU-A", 1)], channel="UK")})).ok()
    order_id = placed["orderPlace"]["order"]["id"]
    shown = (await gql("query($id: ID) { order(id: $id) { fxRate total { currency } } }",
                       {"id": order_id})).ok()
    assert shown == {"order": {"fxRate": "1.17000000", "total": {"currency": "GBP"}}}
