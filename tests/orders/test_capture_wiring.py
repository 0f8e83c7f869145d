"""Placement decides what happens to a new order: confirmed and routed at
once, left PENDING for staff, held with risk reason codes, or recorded as
fulfilled elsewhere; with its delivery promise, its ship-after date and the
time its reservation lapses. Run on both placement paths (PostgreSQL's one
statement and the portable transaction)."""
from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from oms.core.errors import DomainError, ErrorCode
from oms.events.models import EventLog
from oms.inventory import rules as allocation
from oms.inventory.models import Reservation, StockLevel, StockMovement
from oms.orders import channel_settings, service as orders, sweeper
from oms.orders.models import Order, OrderLine

from tests import factories
from tests.assertions import refused

pytestmark = pytest.mark.usefixtures("frozen_clock")

T0 = factories.T0  # Saturday 2026-03-14 09:26:53 UTC
PAID = {"gateway": "stripe", "reference": "pi_123", "status": "AUTHORIZED"}


def cmd(lines=(("SKU-A", 1),), *, source="WEB", payment=None, **kw) -> orders.PlaceOrder:
    base = factories.place_cmd(list(lines), source=source)
    return dataclasses.replace(base, payment=payment, **kw)


async def history(order_id: int) -> list[tuple]:
    rows = await EventLog.filter(order_id=order_id, type="OrderStatusChanged").order_by("id")
    return [(r.payload["from"], r.payload["to"], r.payload["actor"]) for r in rows]


async def level(sku: str = "SKU-A", loc: str = "WH1") -> tuple[int, int]:
    lv = await StockLevel.get(product__sku=sku, location__code=loc)
    return lv.on_hand, lv.reserved


async def orders_state():
    return (await Order.all().count(), await Reservation.all().count(),
            await StockMovement.all().count())


# ---- capture rules

async def test_a_web_order_without_payment_waits_and_will_lapse(shop):
    order = await orders.place_order(cmd(), actor="test")
    assert order.status == "PENDING"
    assert order.expires_at == T0 + timedelta(hours=48)
    assert await factories.shipments_of(order.id) == []
    assert await history(order.id) == [(None, "PENDING", "test")]


async def test_a_web_order_with_an_authorised_payment_is_confirmed_and_routed(shop):
    order = await orders.place_order(cmd(payment=PAID), actor="test")
    order = await Order.get(id=order.id)
    assert (order.status, order.payment_status, order.payment_reference) == (
        "CONFIRMED", "AUTHORIZED", "pi_123")
    assert order.expires_at is None and order.route_after is None
    assert len(await factories.shipments_of(order.id)) == 1
    assert await history(order.id) == [(None, "PENDING", "test"),
                                       ("PENDING", "CONFIRMED", "system:capture")]


async def test_phone_orders_wait_for_staff_unless_the_channel_says_otherwise(shop):
    assert (await orders.place_order(cmd(source="PHONE", payment=PAID))).status == "PENDING"
    await channel_settings.update("WEB", capture_overrides={"PHONE": "AUTO_CONFIRM_IF_AUTHORIZED"})
    assert (await orders.place_order(cmd(source="PHONE", payment=PAID))).status == "CONFIRMED"
    assert (await orders.place_order(cmd(source="PHONE"))).status == "PENDING"


async def test_marketplace_orders_are_paid_at_source(shop):
    assert (await orders.place_order(cmd(source="MARKETPLACE"))).status == "CONFIRMED"


async def test_a_payment_reported_as_taken_needs_its_reference(shop):
    await refused(ErrorCode.INVALID, ["payment", "reference"],
                  orders.place_order(cmd(payment={"gateway": "x", "status": "CAPTURED"})),
                  state=orders_state)
    await refused(ErrorCode.INVALID, ["payment", "status"],
                  orders.place_order(cmd(payment={"gateway": "x", "reference": "r",
                                                  "status": "REFUNDED"})),
                  state=orders_state)


# ---- risk holds

async def test_risk_rules_hold_the_order_with_their_codes_and_staff_release_it(shop):
    await channel_settings.update("WEB", risk_policy={"maxTotal": "15.00", "markets": ["FR"]})
    order = await orders.place_order(cmd([("SKU-A", 2)], payment=PAID), actor="test")
    order = await Order.get(id=order.id)
    assert (order.status, order.held_from, order.hold_reasons) == (
        "ON_HOLD", "CONFIRMED", ["TOTAL_ABOVE_LIMIT"])
    assert await level() == (10, 2)  # held orders keep their stock
    assert await factories.shipments_of(order.id) == []
    released = await orders.release_hold(order.id, actor="staff")
    assert (released.status, released.hold_reasons, released.expires_at) == (
        "CONFIRMED", None, None)
    assert len(await factories.shipments_of(order.id)) == 1
    assert [h[:2] for h in await history(order.id)] == [
        (None, "PENDING"), ("PENDING", "ON_HOLD"), ("ON_HOLD", "CONFIRMED")]


async def test_every_risk_rule_that_fires_is_named(shop):
    await channel_settings.update("WEB", risk_policy={
        "markets": ["DE"], "blockedEmails": ["@example.com"],
        "blockedAddresses": [{"line1": "1 rue de rivoli", "postalCode": "75001",
                              "country": "FR"}]})
    order = await orders.place_order(cmd())
    assert order.status == "ON_HOLD"
    assert order.held_from == "PENDING"
    assert order.hold_reasons == ["COUNTRY_OUTSIDE_MARKETS", "BLOCKED_EMAIL", "BLOCKED_ADDRESS"]


async def test_too_many_orders_from_one_email_in_an_hour_are_held(shop):
    await channel_settings.update("WEB", risk_policy={"maxOrdersPerEmailPerHour": 2})
    statuses = [(await orders.place_order(cmd())).status for _ in range(3)]
    assert statuses == ["PENDING", "PENDING", "ON_HOLD"]
    other = await orders.place_order(dataclasses.replace(
        cmd(), customer=orders.CustomerInput(email="bob@example.com")))
    assert other.status == "PENDING"


async def test_held_orders_are_listed_by_reason(shop):
    from oms.orders import queries

    await channel_settings.update("WEB", risk_policy={"maxTotal": "15.00"})
    held = await orders.place_order(cmd([("SKU-A", 2)]))
    await orders.place_order(cmd())
    page = await queries.page(queries.OrderFilter(statuses=["ON_HOLD"],
                                                  hold_reason="TOTAL_ABOVE_LIMIT"),
                              sort="PLACED_AT", descending=True, after=None, limit=10)
    assert [o.id for o in page] == [held.id]


# ---- delivery promises and ship-after

async def test_the_shipping_method_gives_ship_by_and_promised_delivery(shop):
    await channel_settings.update("WEB", shipping_methods=[
        channel_settings.MethodInput(code="STD", name="Standard", service_days=2,
                                     cutoff="14:00", timezone="Europe/Paris"),
        channel_settings.MethodInput(code="EXP", name="Express", service_days=1)])
    std = await orders.place_order(cmd())  # no method named: the channel's first
    # Placed on a Saturday: ships Monday 16th, arrives Wednesday 18th (Paris days).
    assert std.ship_by == datetime(2026, 3, 16, 23, 59, 59, 999999, timezone.utc) - timedelta(hours=1)
    assert std.promised_delivery.date() == datetime(2026, 3, 18).date()
    exp = await orders.place_order(cmd(shipping_method="EXP"))
    assert exp.promised_delivery.date() == datetime(2026, 3, 17).date()
    err = await refused(ErrorCode.INVALID, ["shippingMethod"],
                        orders.place_order(cmd(shipping_method="SLOW")), state=orders_state)
    assert "STD, EXP" in err.message


async def test_a_delivery_window_that_cannot_be_kept_is_refused(shop):
    await channel_settings.update("WEB", shipping_methods=[
        channel_settings.MethodInput(code="STD", name="Standard", service_days=3)])
    await refused(ErrorCode.INVALID, ["deliveryWindow"],
                  orders.place_order(cmd(delivery_latest=T0 + timedelta(days=1))),
                  state=orders_state)


async def test_an_order_with_a_future_ship_after_stays_confirmed_until_due(shop):
    later = T0 + timedelta(days=5)
    order = await orders.place_order(cmd(payment=PAID, ship_after=later))
    order = await Order.get(id=order.id)
    assert (order.status, order.route_after) == ("CONFIRMED", later)
    assert await factories.shipments_of(order.id) == []
    assert (await sweeper.sweep_once(at=later - timedelta(seconds=1))).routed == []
    swept = await sweeper.sweep_once(at=later)
    assert swept.routed == [order.id]
    assert len(await factories.shipments_of(order.id)) == 1
    assert (await Order.get(id=order.id)).route_after is None
    # A second sweep (another process) does not route it again.
    assert (await sweeper.sweep_once(at=later + timedelta(hours=1))).routed == []
    assert len(await factories.shipments_of(order.id)) == 1


async def test_staff_confirmation_of_an_order_shipping_later_waits_for_its_date(shop):
    later = T0 + timedelta(days=2)
    order = await orders.place_order(cmd(ship_after=later))
    confirmed = await orders.confirm_order(order.id)
    assert confirmed.status == "CONFIRMED"
    assert await factories.shipments_of(order.id) == []
    assert (await sweeper.sweep_once(at=later)).routed == [order.id]


# ---- reservation expiry

async def test_unconfirmed_orders_lapse_and_give_their_stock_back(shop):
    pending = await orders.place_order(cmd([("SKU-A", 3)]))
    confirmed = await orders.place_order(cmd([("SKU-A", 2)], payment=PAID))
    assert await level() == (10, 5)
    assert (await sweeper.sweep_once(at=T0 + timedelta(hours=47))).expired == []
    swept = await sweeper.sweep_once(at=T0 + timedelta(hours=48))
    assert swept.expired == [pending.id]
    assert (await Order.get(id=pending.id)).status == "CANCELLED"
    assert (await Order.get(id=confirmed.id)).status == "CONFIRMED"
    assert await level() == (10, 2)
    assert (await history(pending.id))[-1] == ("PENDING", "CANCELLED",
                                               "system:reservation-expiry")


async def test_the_channel_sets_how_long_reservations_last(shop):
    await channel_settings.update("WEB", reservation_ttl_minutes=30)
    order = await orders.place_order(cmd())
    assert order.expires_at == T0 + timedelta(minutes=30)
    await channel_settings.update("WEB", reservation_ttl_minutes=0)
    assert (await orders.place_order(cmd())).expires_at is None


async def test_a_confirmed_order_no_longer_lapses(shop):
    order = await orders.place_order(cmd())
    await orders.confirm_order(order.id)
    assert (await Order.get(id=order.id)).expires_at is None
    assert (await sweeper.sweep_once(at=T0 + timedelta(days=30))).expired == []


# ---- prices

async def test_staff_may_override_a_price_only_with_a_reason(shop):
    line = orders.LineInput(sku="SKU-A", quantity=2, unit_price=Decimal("7.50"),
                            price_override_reason="damaged box")
    order = await orders.place_order(dataclasses.replace(cmd(), lines=[line]))
    ol = await OrderLine.get(order_id=order.id)
    assert (ol.unit_price, ol.list_price, ol.total, ol.price_override_reason) == (
        Decimal("7.50"), Decimal("10.00"), Decimal("15.00"), "damaged box")
    assert order.total == Decimal("15.00")
    same = orders.LineInput(sku="SKU-A", quantity=1, unit_price=Decimal("10.00"),
                            price_override_reason="no change")
    order = await orders.place_order(dataclasses.replace(cmd(), lines=[same]))
    ol = await OrderLine.get(order_id=order.id)
    assert (ol.list_price, ol.price_override_reason) == (None, None)


@pytest.mark.parametrize(("line", "field"), [
    (orders.LineInput(sku="SKU-A", quantity=1, unit_price=Decimal("5.00")),
     ["lines", "0", "priceOverrideReason"]),
    (orders.LineInput(sku="SKU-A", quantity=1, unit_price=Decimal("5.00"),
                      price_override_reason="   "), ["lines", "0", "priceOverrideReason"]),
    (orders.LineInput(sku="SKU-A", quantity=1, unit_price=Decimal("-1.00"),
                      price_override_reason="x"), ["lines", "0", "unitPrice"]),
    (orders.LineInput(sku="SKU-A", quantity=1, unit_price=Decimal("1.001"),
                      price_override_reason="x"), ["lines", "0", "unitPrice"]),
    (orders.LineInput(sku="SKU-A", quantity=1, unit_price=Decimal("1e15"),
                      price_override_reason="x"), ["lines", "0", "unitPrice"]),
    (orders.LineInput(sku="SKU-A", quantity=1, price_override_reason="x"),
     ["lines", "0", "priceOverrideReason"]),
])
async def test_a_bad_price_override_is_refused(shop, line, field):
    await refused(ErrorCode.INVALID, field,
                  orders.place_order(dataclasses.replace(cmd(), lines=[line])),
                  state=orders_state)


# ---- imports

async def test_an_order_fulfilled_elsewhere_is_recorded_without_taking_stock(shop):
    placed = T0 - timedelta(days=400)
    order = await orders.place_order(cmd([("SKU-A", 50)], source="IMPORT", placed_at=placed,
                                         fulfilled_elsewhere=True), actor="import")
    order = await Order.get(id=order.id)
    assert (order.status, order.payment_status, order.placed_at) == (
        "COMPLETED", "CAPTURED", placed)
    assert (await OrderLine.get(order_id=order.id)).quantity_shipped == 50
    assert await level() == (10, 0)
    assert await Reservation.filter(order_id=order.id).count() == 0
    assert await history(order.id) == [(None, "PENDING", "import"),
                                       ("PENDING", "COMPLETED", "system:capture")]


async def test_placed_at_is_only_for_imports_and_never_ahead(shop):
    await refused(ErrorCode.INVALID, ["placedAt"],
                  orders.place_order(cmd(placed_at=T0 - timedelta(days=1))), state=orders_state)
    await refused(ErrorCode.INVALID, ["placedAt"],
                  orders.place_order(cmd(source="IMPORT", placed_at=T0 + timedelta(days=1))),
                  state=orders_state)


# ---- channel allocation rules at placement

async def test_a_channel_sells_no_more_than_its_rule_allows(shop):
    await allocation.set_allocation_rule(channel="WEB", sku="SKU-A", cap_quantity=3,
                                         cap_percent=None, buffer=None, actor="t")
    err = await refused(ErrorCode.OUT_OF_STOCK, ["lines", "SKU-A"],
                        orders.place_order(cmd([("SKU-A", 2), ("SKU-A", 2)])),
                        state=orders_state)
    assert "3 available" in err.message
    await orders.place_order(cmd([("SKU-A", 3)]))
    # A fixed cap limits what the channel shows; stock left below it is still sold.
    await orders.place_order(cmd([("SKU-A", 3)]))
    assert await level() == (10, 6)


async def test_a_channel_wide_buffer_keeps_units_back(shop):
    await allocation.set_allocation_rule(channel="WEB", sku=None, cap_quantity=None,
                                         cap_percent=None, buffer=4, actor="t")
    await refused(ErrorCode.OUT_OF_STOCK, ["lines", "SKU-A"],
                  orders.place_order(cmd([("SKU-A", 7)])), state=orders_state)
    await orders.place_order(cmd([("SKU-A", 6)]))


async def test_concurrent_orders_never_pass_a_percentage_cap(shop):
    # 50 % of the pool: 10 -> 5, and after each order of 2 the pool shrinks:
    # 8 -> 4, 6 -> 3, 4 -> 2, 2 -> 1. Exactly four orders fit, whatever the
    # interleaving; a check made on a stale pool would let a fifth through.
    await allocation.set_allocation_rule(channel="WEB", sku="SKU-A", cap_quantity=None,
                                         cap_percent=50, buffer=None, actor="t")
    results = await asyncio.gather(*(orders.place_order(cmd([("SKU-A", 2)]))
                                     for _ in range(6)), return_exceptions=True)
    placed = [r for r in results if not isinstance(r, BaseException)]
    refusals = [r for r in results if isinstance(r, DomainError)]
    assert len(placed) == 4
    assert len(refusals) == 2
    assert {r.code for r in refusals} <= {ErrorCode.OUT_OF_STOCK, ErrorCode.CONFLICT}
    assert await level() == (10, 8)


# ---- settings

async def test_bad_settings_are_all_reported_and_nothing_is_saved(shop):
    from oms.catalog.models import Channel, ShippingMethod
    from oms.core.errors import ValidationErrors

    async def state():
        ch = await Channel.get(code="WEB")
        return (ch.risk_policy, ch.capture_overrides, ch.reservation_ttl_minutes,
                await ShippingMethod.all().count())

    before = await state()
    with pytest.raises(ValidationErrors) as exc:
        await channel_settings.update(
            "WEB", risk_policy={"maxTotal": "-1", "markets": ["XX"]},
            capture_overrides={"FAX": "AUTO_CONFIRM"}, reservation_ttl_minutes=-5,
            shipping_methods=[
                channel_settings.MethodInput(code="STD", name="S", service_days=2,
                                             cutoff="25:00"),
                channel_settings.MethodInput(code="STD", name="S", service_days=400),
                channel_settings.MethodInput(code="X", name="S", service_days=1,
                                             timezone="Mars/Olympus")])
    fields = [e.field for e in exc.value.errors]
    assert ["reservationTtlMinutes"] in [f if isinstance(f, list) else [f] for f in fields]
    assert ["shippingMethods", "0", "cutoff"] in fields
    assert ["shippingMethods", "1", "service_days"] in fields
    assert ["shippingMethods", "2", "timezone"] in fields
    assert len(exc.value.errors) >= 6
    assert await state() == before
    with pytest.raises(DomainError) as missing:
        await channel_settings.update("NOPE", reservation_ttl_minutes=5)
    assert missing.value.code is ErrorCode.NOT_FOUND
