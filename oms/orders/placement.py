"""Placing an order: read what it needs, price it, decide what capture does
with it (oms.orders.capture), reserve its stock and write it all at once.
PostgreSQL writes in one statement (oms.orders.placement_sql); any database
in one transaction of small statements. Both make the same decisions."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Callable, Mapping

from tortoise.exceptions import IntegrityError

from oms.catalog import queries as catalog_queries, rates
from oms.catalog.models import Channel
from oms.core import sql
from oms.core.clock import now
from oms.core.errors import Conflict, DomainError, Duplicate, Invalid, NotFound, OutOfStock
from oms.core.uow import current_connection, publish_after_commit, unit_of_work
from oms.customers import service as customers
from oms.customers.models import Customer
from oms.events.record import EventRecord
from oms.fulfillment import decisions, routing
from oms.inventory import allocation, channel_rules, rules as allocation_rules, service as inventory
from oms.inventory.levels import low_stock_event
from oms.inventory.stock_events import stock_changed

from . import capture, capture_policy, channel_settings, events, placement_sql, risk
from .intake import MAX_TOTAL, Checked, LineInput, PlaceOrder, check, no_charge_reason
from .lifecycle import OrderStatus
from .models import Order, OrderLine
from .numbers import format_number

PLACE_ATTEMPTS = 4
# Risk velocity counts an email's orders over this window before the new one.
VELOCITY_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Placement:
    """A placed (or replayed) order with the rows a response shows next to it."""

    order: Order
    channel: Channel | None = None
    customer: Customer | None = None


async def place_order(inp: PlaceOrder, *, actor: str | None = None) -> Order:
    return (await place(inp, actor=actor)).order


async def place(inp: PlaceOrder, *, actor: str | None = None) -> Placement:
    checked = check(inp)
    # The fingerprint only matters when a key can be replayed.
    fingerprint = inp.fingerprint() if inp.idempotency_key else None
    in_one_statement = sql.is_postgres(current_connection())
    if inp.idempotency_key and not in_one_statement:
        existing = await _replay(inp.idempotency_key, fingerprint)
        if existing is not None:
            return Placement(existing)
    for attempt in range(PLACE_ATTEMPTS):
        try:
            if in_one_statement:
                return await _place_in_one_statement(inp, checked, fingerprint, actor)
            return await _place(inp, checked, fingerprint, actor)
        except (inventory.ReservationRace, placement_sql.PlanOutdated):
            if attempt == PLACE_ATTEMPTS - 1:
                raise DomainError("stock for this order is in high demand; try again",
                                  field="lines", code=Conflict.code) from None
        except IntegrityError:
            # Another request with the same idempotency key, or the same
            # externalReference in the channel, won the race.
            if inp.idempotency_key:
                existing = await _replay(inp.idempotency_key, fingerprint)
                if existing is not None:
                    return Placement(existing)
            if inp.external_reference:
                same = await Order.filter(channel__code=inp.channel,
                                          external_reference=inp.external_reference).first()
                if same is not None:
                    raise _duplicate_reference(inp.channel, same.id,
                                               inp.external_reference) from None
            raise
    raise AssertionError("unreachable")


def _duplicate_reference(channel_code: str, order_id: int, reference: str | None) -> Duplicate:
    """The channel already has an order under this reference: name it."""
    return Duplicate(f"externalReference {reference} is already order "
                     f"{format_number(channel_code, order_id)}", field="externalReference")


async def _replay(key: str, fingerprint: str | None) -> Order | None:
    # Usually the key is new: ask for two columns before loading a whole order.
    found = await Order.filter(idempotency_key=key).values_list("id", "request_hash")
    if not found:
        return None
    return await _replayed(*found[0], fingerprint)


async def _replayed(order_id: int, request_hash: str | None, fingerprint: str | None) -> Order:
    if request_hash != fingerprint:
        raise Duplicate("this idempotencyKey was used for a different order",
                        field="idempotencyKey")
    return await Order.get(id=order_id)


@dataclass(frozen=True)
class _Priced:
    lines: list[placement_sql.NewLine]
    subtotal: Decimal


def _price(channel_code: str, products: dict[str, Any], lines: list[LineInput],
           free_because: str | None = None) -> _Priced:
    """Every line at its channel price, or at the price staff gave with a
    reason; unknown SKUs, and SKUs without a price in the channel and none
    given, are refused. With `free_because` (a replacement order) every
    line is at 0 with that reason, next to its list price."""
    if free_because is not None:
        lines = [replace(ln, unit_price=Decimal("0.00"), price_override_reason=free_because)
                 for ln in lines]
    skus = sorted({ln.sku for ln in lines})
    unknown = [s for s in skus if s not in products]
    if unknown:
        raise NotFound(f"unknown sku {unknown[0]}", field=["lines", unknown[0]])
    unpriced = sorted({ln.sku for ln in lines
                       if ln.unit_price is None and products[ln.sku].price is None})
    if unpriced:
        raise Invalid(f"{unpriced[0]} has no price in channel {channel_code}",
                      field=["lines", unpriced[0]])
    priced = []
    for ln in lines:
        listed = products[ln.sku].price
        unit = listed if ln.unit_price is None else ln.unit_price
        overridden = unit != listed
        priced.append(placement_sql.NewLine(
            product_id=products[ln.sku].product_id, sku=ln.sku, quantity=ln.quantity,
            unit_price=unit, total=unit * ln.quantity,
            list_price=listed if overridden else None,
            price_override_reason=ln.price_override_reason.strip() if overridden else None))
    subtotal = sum((ln.total for ln in priced), Decimal("0.00"))
    if subtotal >= MAX_TOTAL:  # the money columns hold 12 digits before the point
        raise Invalid("the order total is too large", field="lines")
    return _Priced(lines=priced, subtotal=subtotal)


def _decide(inp: PlaceOrder, checked: Checked, priced: _Priced, *, currency: str,
            settings: capture.ChannelCapture, velocity: int, at: datetime) -> capture.Outcome:
    if inp.replacement_for_return is not None:
        # A replacement for returned goods: nothing to pay and no new buyer to
        # assess, so no risk rule applies and the source's orders confirm.
        settings = replace(settings, risk=risk.RiskPolicy(), overrides={
            inp.source: capture_policy.CaptureRule.AUTO_CONFIRM})
    facts = risk.RiskFacts.of(total=priced.subtotal, currency=currency, email=checked.email,
                              shipping_address=checked.address,
                              orders_from_email_last_hour=velocity)
    return capture.decide(settings, source=inp.source,
                          payment_authorized=checked.payment_authorized, facts=facts,
                          placed_at=at, shipping_method=inp.shipping_method,
                          window_earliest=inp.delivery_earliest,
                          window_latest=inp.delivery_latest, ship_after=inp.ship_after,
                          fulfilled_elsewhere=inp.fulfilled_elsewhere)


def _shipped_if_done(priced: _Priced, outcome: capture.Outcome) -> list[placement_sql.NewLine]:
    """Lines of an order recorded as fulfilled elsewhere count as shipped."""
    if outcome.reserve:
        return priced.lines
    return [replace(ln, quantity_shipped=ln.quantity) for ln in priced.lines]


def _new_order(inp: PlaceOrder, checked: Checked, fingerprint: str | None, *,
               channel_id: int, currency: str, subtotal: Decimal, outcome: capture.Outcome,
               at: datetime, fx_rate: Decimal) -> placement_sql.NewOrder:
    return placement_sql.NewOrder(
        channel_id=channel_id, source=inp.source, status=outcome.status.value,
        held_from=outcome.held_from, hold_reasons=outcome.hold_reasons,
        payment_status=checked.payment_status, payment_reference=checked.payment_reference,
        currency=currency, subtotal=subtotal,
        shipping_total=Decimal("0.00"), tax_total=Decimal("0.00"), total=subtotal,
        shipping_address=checked.address, shipping_method=inp.shipping_method,
        delivery_earliest=inp.delivery_earliest, delivery_latest=inp.delivery_latest,
        instructions=inp.instructions, external_reference=inp.external_reference,
        idempotency_key=inp.idempotency_key, request_hash=fingerprint,
        ship_by=outcome.ship_by, promised_delivery=outcome.promised_delivery,
        route_after=outcome.route_after, expires_at=outcome.expires_at,
        placed_at=inp.placed_at or at, updated_at=at, fx_rate=fx_rate)


def _order_events(outcome: capture.Outcome, *, channel: str, actor: str | None) -> list:
    """Creation as PENDING, then each status capture moved the order through."""
    return [events.status_changed(None, channel=channel, from_status=None,
                                  to_status=OrderStatus.PENDING.value, actor=actor),
            *(events.status_changed(None, channel=channel, from_status=step.from_status.value,
                                    to_status=step.to_status.value,
                                    actor=capture.CAPTURE_ACTOR, message=step.message)
              for step in outcome.steps)]


def _wants(priced: _Priced) -> list[inventory.Want]:
    return [inventory.Want(product_id=ln.product_id, sku=ln.sku, quantity=ln.quantity)
            for ln in priced.lines]


async def _place_in_one_statement(inp: PlaceOrder, checked: Checked, fingerprint: str | None,
                                  actor: str | None) -> Placement:
    """PostgreSQL: read what placement needs, decide here, write it in one statement."""
    conn = current_connection()
    at = now()
    skus = sorted({line.sku for line in checked.lines})
    facts = await placement_sql.read_facts(conn, inp.channel, skus, inp.idempotency_key,
                                           inp.external_reference, email=checked.email,
                                           since=at - VELOCITY_WINDOW,
                                           routed_since=decisions.day_start(at))
    if facts is None:
        raise NotFound(f"unknown channel {inp.channel}", field="channel")
    if facts.replay is not None:
        return Placement(await _replayed(*facts.replay, fingerprint))
    channel = facts.channel
    if facts.same_reference is not None:
        raise _duplicate_reference(channel.code, facts.same_reference, inp.external_reference)
    fx_rate = rates.fx_rate(channel.currency, facts.rate_to_base)
    priced = _price(channel.code, facts.products, checked.lines, no_charge_reason(inp))
    outcome = _decide(inp, checked, priced, currency=channel.currency, settings=facts.settings,
                      velocity=facts.velocity, at=at)
    levels = facts.levels
    checks: list[placement_sql.Check] = []
    steps: list[tuple[int, int, int]] = []
    wants = [(ln.product_id, ln.sku, ln.quantity) for ln in priced.lines]
    need, sku_of = allocation.need_of(wants)
    decision: routing.Decision | None = None
    if outcome.reserve:
        available = {key: f.available for key, f in levels.items()}
        ruled = channel_rules.enforce(need, available, facts.location_ids, facts.rules, sku_of)
        decision = _route(need, sku_of, facts.sites, facts.strategy, checked)(available)
        steps = decision.steps
        checks = placement_sql.checks_for(steps, levels, ruled, facts.location_ids)
    stock_events = stock_changed({(sku_of[p], loc) for p, loc, _q in steps}, facts.topics)
    # The write refuses if a level with a threshold moved since this read, so
    # a LowStock event decided here is the one the level really gets.
    low_events = [e for p, loc, q in steps
                  if (e := low_stock_event(sku_of[p], facts.topics.code_of[loc], levels[(p, loc)],
                                           replace(levels[(p, loc)],
                                                   reserved=levels[(p, loc)].reserved + q)))]
    order_events = _order_events(outcome, channel=channel.code, actor=actor)
    recorded = [*stock_events, *low_events]
    written = await placement_sql.write(
        conn, email=checked.email, name=checked.name, phone=checked.phone,
        address_book_size=customers.ADDRESS_BOOK_SIZE,
        order=_new_order(inp, checked, fingerprint, channel_id=channel.id,
                         currency=channel.currency, subtotal=priced.subtotal, outcome=outcome,
                         at=at, fx_rate=fx_rate),
        lines=_shipped_if_done(priced, outcome), checks=checks, actor=actor,
        events=[*recorded, *order_events],
        order_event_flags=[False] * len(recorded) + [True] * len(order_events),
        decision=None if decision is None else placement_sql.NewDecision(
            strategy=facts.strategy.to_dict(), reasons=[r.to_dict() for r in decision.reasons],
            location_ids=decision.locations,
            location_codes=[facts.topics.code_of[loc] for loc in decision.locations]))
    order, customer = written.order, written.customer
    publish_after_commit([
        EventRecord.written(replace(e, order_id=order.id, customer_id=customer.id)
                            if i >= len(recorded) else e,
                            id=written.first_event_id + i, created_at=at)
        for i, e in enumerate([*recorded, *order_events])])
    if outcome.route_now:
        # Its own transaction: the order is placed whatever happens here, and
        # if it fails the sweeper routes the order (its route_after is due).
        if await route_if_unrouted(order.id, actor=actor):
            order.route_after = None
    return Placement(order, channel, customer)


async def _place(inp: PlaceOrder, checked: Checked, fingerprint: str | None,
                 actor: str | None) -> Placement:
    """Any database: the same decisions, written statement by statement in one
    transaction (SQLite has no data-modifying CTEs)."""
    async with unit_of_work() as uow:
        at = now()
        found = await catalog_queries.sales_channel(inp.channel)
        if found is None:
            raise NotFound(f"unknown channel {inp.channel}", field="channel")
        if inp.external_reference:
            same = await Order.filter(channel_id=found.id,
                                      external_reference=inp.external_reference).first()
            if same is not None:
                raise _duplicate_reference(found.code, same.id, inp.external_reference)
        # Before anything is written: no rate, no order (the base currency needs none).
        fx_rate = rates.fx_rate(found.currency, await rates.rate_to_base(found.currency))
        skus = sorted({line.sku for line in checked.lines})
        products = await catalog_queries.priced_products(found.id, skus)
        priced = _price(found.code, products, checked.lines, no_charge_reason(inp))
        settings = await channel_settings.capture_settings(found.id)
        velocity = 0
        if settings.needs_velocity:
            velocity = await Order.filter(customer__email=checked.email,
                                          placed_at__gt=at - VELOCITY_WINDOW).count()
        outcome = _decide(inp, checked, priced, currency=found.currency, settings=settings,
                          velocity=velocity, at=at)
        customer = await customers.find_or_create(email=checked.email, name=checked.name,
                                                  phone=checked.phone)
        new = _new_order(inp, checked, fingerprint, channel_id=found.id,
                         currency=found.currency, subtotal=priced.subtotal, outcome=outcome,
                         at=at, fx_rate=fx_rate)
        order = await Order.create(customer_id=customer.id, version=1, **new.__dict__)
        await OrderLine.bulk_create([OrderLine(order_id=order.id, **ln.__dict__)
                                     for ln in _shipped_if_done(priced, outcome)])
        if outcome.reserve:
            strategy = await decisions.strategy_of(found.id)
            sites = await decisions.sites_of(found.id, at)
            route = _route(*allocation.need_of(
                (ln.product_id, ln.sku, ln.quantity) for ln in priced.lines),
                sites, strategy, checked)
            made: list[routing.Decision] = []
            await inventory.reserve(
                order_id=order.id, channel_id=found.id, location_ids=list(found.location_ids),
                actor=actor, wants=_wants(priced),
                rules=await allocation_rules.rules_of(
                    found.id, [products[s].product_id for s in skus]),
                route=lambda available: _steps_of(route(available), made))
            await _record_decision(order.id, strategy, made[-1], sites, actor=actor, at=at)
        await customers.remember_address(customer, checked.address)
        for e in _order_events(outcome, channel=found.code, actor=actor):
            uow.record(replace(e, order_id=order.id, customer_id=customer.id))
        if outcome.route_now and await route_if_unrouted(order.id, actor=actor):
            order.route_after = None
        return Placement(order, None, customer)


def _route(need: dict[int, int], sku_of: dict[int, str], sites: list[routing.Site],
           strategy: routing.Strategy, checked: Checked
           ) -> Callable[[Mapping[tuple[int, int], int]], routing.Decision]:
    """The channel's routing strategy over the available units placement
    sees; an order it cannot route is refused (OutOfStock), as ever."""
    if not sites:
        raise OutOfStock("the channel has no stock locations", field="channel")

    def decide(available: Mapping[tuple[int, int], int]) -> routing.Decision:
        decision = routing.decide(need, sites, available, sku_of, strategy=strategy,
                                  country=checked.address.get("country"),
                                  region=checked.address.get("region"))
        decision.raise_if_short(sku_of)
        return decision
    return decide


def _steps_of(decision: routing.Decision, made: list[routing.Decision]
              ) -> list[tuple[int, int, int]]:
    made.append(decision)
    return decision.steps


async def _record_decision(order_id: int, strategy: routing.Strategy,
                           decision: routing.Decision, sites: list[routing.Site], *,
                           actor: str | None, at: datetime) -> None:
    lines = await OrderLine.filter(order_id=order_id).values_list("id", "product_id", "quantity")
    await decisions.record(order_id=order_id, strategy=strategy, decision=decision,
                           assigned=decisions.assignments(decision, lines,
                                                          {s.id: s.code for s in sites}),
                           outcome=decisions.ROUTED, actor=actor, at=at)


# A PROCESSING order is routed again only for what a rejection left unrouted.
_ROUTABLE = {OrderStatus.CONFIRMED.value, OrderStatus.PROCESSING.value}


async def route_if_unrouted(order_id: int, *, actor: str | None) -> list:
    """Route a CONFIRMED order that has no shipments yet, once: the order row
    is claimed by clearing its route_after in the same transaction, so two
    processes (placement and the sweeper, or two sweepers) never both route it."""
    from oms.fulfillment import rejection, service as fulfillment

    async with unit_of_work():
        order = await Order.filter(id=order_id).select_for_update().first()
        if order is None or order.status not in _ROUTABLE:
            return []
        if await fulfillment.has_shipments(order.id):
            # Routed before: only what a rejection left unrouted (a released
            # NO_LOCATION_CAN_FILL hold comes back here), if anything.
            return await rejection.route_remaining(order, actor=actor)
        if order.route_after is not None:
            await Order.filter(id=order.id).update(route_after=None)
        return await fulfillment.route_order(order, actor=actor)
