"""Order use cases: place, confirm, hold, release, cancel; and following the
order's shipments. Each is one transaction; each status change goes through
the transition table with a version check and records its event."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from oms.catalog import queries as catalog_queries, service as catalog
from oms.catalog.models import Channel
from oms.core import sql, validation as v
from oms.core.clock import now
from oms.core.errors import Conflict, DomainError, Duplicate, Invalid, NotFound, ValidationErrors
from oms.core.uow import current_connection, publish_after_commit, unit_of_work
from oms.core.versioning import save_if_unchanged
from oms.customers import service as customers
from oms.customers.models import Customer
from oms.events.record import EventRecord
from oms.inventory import allocation, service as inventory
from oms.inventory.levels import low_stock_event
from oms.inventory.stock_events import stock_changed

from . import events, lifecycle, placement_sql
from .lifecycle import OrderAction, OrderStatus
from .models import Order, OrderLine
from .numbers import format_number
from .sources import OrderSource, PaymentStatus

PLACE_ATTEMPTS = 4
MAX_TOTAL = Decimal("1e12")
SOURCES = tuple(s.value for s in OrderSource)


@dataclass(frozen=True)
class LineInput:
    sku: str
    quantity: int


@dataclass(frozen=True)
class CustomerInput:
    email: str
    name: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class PlaceOrder:
    channel: str
    source: str
    customer: CustomerInput
    lines: list[LineInput]
    shipping_address: dict[str, Any]
    shipping_method: str | None = None
    delivery_earliest: datetime | None = None
    delivery_latest: datetime | None = None
    instructions: str | None = None
    external_reference: str | None = None
    idempotency_key: str | None = None
    payment: dict[str, Any] | None = field(default=None)

    def fingerprint(self) -> str:
        """What makes two requests with one idempotency key 'the same'."""
        d = asdict(self)
        d.pop("idempotency_key")
        return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class _Checked:
    email: str
    name: str | None
    phone: str | None
    address: dict[str, Any]
    lines: list[LineInput]


def _check(inp: PlaceOrder) -> _Checked:
    """Everything that can be verified without the database; all mistakes at once."""
    errors: list[DomainError] = []

    def attempt(fn, *args, **kw):
        try:
            return fn(*args, **kw)
        except DomainError as exc:
            errors.append(exc)
            return None

    if inp.source not in SOURCES:
        errors.append(Invalid(f"unknown source {inp.source}", field="source"))
    email = attempt(v.email, inp.customer.email, ["customer", "email"])
    name = attempt(v.text, inp.customer.name, "name", required=False)
    address = attempt(v.address, inp.shipping_address, "shippingAddress")
    phone = attempt(v.phone, inp.customer.phone, ["customer", "phone"],
                    (address or {}).get("country"))
    if not inp.lines:
        errors.append(Invalid("an order needs at least one line", field="lines"))
    if len(inp.lines) > 200:
        errors.append(Invalid("an order has at most 200 lines", field="lines"))
    for i, line in enumerate(inp.lines):
        attempt(v.quantity, line.quantity, ["lines", str(i), "quantity"])
        if not line.sku:
            errors.append(Invalid("sku is required", field=["lines", str(i), "sku"]))
    if inp.delivery_earliest and inp.delivery_latest and inp.delivery_latest < inp.delivery_earliest:
        errors.append(Invalid("delivery window ends before it starts", field="deliveryWindow"))
    attempt(v.text, inp.instructions, "instructions", required=False, max_len=2000)
    attempt(v.text, inp.shipping_method, "shippingMethod", required=False, max_len=64)
    attempt(v.text, inp.external_reference, "externalReference", required=False, max_len=128)
    if inp.idempotency_key is not None and not (0 < len(inp.idempotency_key) <= 128):
        errors.append(Invalid("idempotencyKey must be 1-128 characters", field="idempotencyKey"))
    if errors:
        raise errors[0] if len(errors) == 1 else ValidationErrors(errors)
    return _Checked(email=email, name=name, phone=phone, address=address, lines=inp.lines)


@dataclass(frozen=True)
class Placement:
    """A placed (or replayed) order with the rows a response shows next to it."""

    order: Order
    channel: Channel | None = None
    customer: Customer | None = None


async def place_order(inp: PlaceOrder, *, actor: str | None = None) -> Order:
    return (await place(inp, actor=actor)).order


async def place(inp: PlaceOrder, *, actor: str | None = None) -> Placement:
    checked = _check(inp)
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


def _price(channel_code: str, products: dict[str, Any], lines: list[LineInput]) -> _Priced:
    """Every line at its channel price; unknown or unpriced SKUs are refused."""
    skus = sorted({ln.sku for ln in lines})
    unknown = [s for s in skus if s not in products]
    if unknown:
        raise NotFound(f"unknown sku {unknown[0]}", field=["lines", unknown[0]])
    unpriced = [s for s in skus if products[s].price is None]
    if unpriced:
        raise Invalid(f"{unpriced[0]} has no price in channel {channel_code}",
                      field=["lines", unpriced[0]])
    priced = [placement_sql.NewLine(product_id=products[ln.sku].product_id, sku=ln.sku,
                                    quantity=ln.quantity, unit_price=products[ln.sku].price,
                                    total=products[ln.sku].price * ln.quantity)
              for ln in lines]
    subtotal = sum((ln.total for ln in priced), Decimal("0.00"))
    if subtotal >= MAX_TOTAL:  # the money columns hold 12 digits before the point
        raise Invalid("the order total is too large", field="lines")
    return _Priced(lines=priced, subtotal=subtotal)


def _new_order(inp: PlaceOrder, checked: _Checked, fingerprint: str | None, *,
               channel_id: int, currency: str, subtotal: Decimal) -> placement_sql.NewOrder:
    return placement_sql.NewOrder(
        channel_id=channel_id, source=inp.source, status=OrderStatus.PENDING.value,
        payment_status=PaymentStatus.PENDING.value, currency=currency, subtotal=subtotal,
        shipping_total=Decimal("0.00"), tax_total=Decimal("0.00"), total=subtotal,
        shipping_address=checked.address, shipping_method=inp.shipping_method,
        delivery_earliest=inp.delivery_earliest, delivery_latest=inp.delivery_latest,
        instructions=inp.instructions, external_reference=inp.external_reference,
        idempotency_key=inp.idempotency_key, request_hash=fingerprint, placed_at=now())


def _wants(priced: _Priced) -> list[inventory.Want]:
    return [inventory.Want(product_id=ln.product_id, sku=ln.sku, quantity=ln.quantity)
            for ln in priced.lines]


async def _place_in_one_statement(inp: PlaceOrder, checked: _Checked, fingerprint: str | None,
                                  actor: str | None) -> Placement:
    """PostgreSQL: read what placement needs, decide here, write it in one statement."""
    conn = current_connection()
    skus = sorted({line.sku for line in checked.lines})
    facts = await placement_sql.read_facts(conn, inp.channel, skus, inp.idempotency_key,
                                           inp.external_reference)
    if facts is None:
        raise NotFound(f"unknown channel {inp.channel}", field="channel")
    if facts.replay is not None:
        return Placement(await _replayed(*facts.replay, fingerprint))
    channel = facts.channel
    if facts.same_reference is not None:
        raise _duplicate_reference(channel.code, facts.same_reference, inp.external_reference)
    priced = _price(channel.code, facts.products, checked.lines)
    levels = facts.levels
    steps = allocation.reservation_steps([(ln.product_id, ln.sku, ln.quantity)
                                          for ln in priced.lines],
                                         facts.location_ids,
                                         {key: f.available for key, f in levels.items()})
    sku_of = {ln.product_id: ln.sku for ln in priced.lines}
    stock_events = stock_changed({(sku_of[p], loc) for p, loc, _q in steps}, facts.topics)
    # The write refuses if a level with a threshold moved since this read, so
    # a LowStock event decided here is the one the level really gets.
    low_events = [e for p, loc, q in steps
                  if (e := low_stock_event(sku_of[p], facts.topics.code_of[loc], levels[(p, loc)],
                                           replace(levels[(p, loc)],
                                                   reserved=levels[(p, loc)].reserved + q)))]
    order_event = events.status_changed(None, channel=channel.code, from_status=None,
                                        to_status=OrderStatus.PENDING.value, actor=actor)
    recorded = [*stock_events, *low_events]
    written = await placement_sql.write(
        conn, email=checked.email, name=checked.name, phone=checked.phone,
        address_book_size=customers.ADDRESS_BOOK_SIZE,
        order=_new_order(inp, checked, fingerprint, channel_id=channel.id,
                         currency=channel.currency, subtotal=priced.subtotal),
        lines=priced.lines, steps=steps, seen=[levels[(p, loc)].available for p, loc, _q in steps],
        actor=actor, events=[*recorded, order_event],
        order_event_flags=[False] * len(recorded) + [True])
    order, customer = written.order, written.customer
    order_event = replace(order_event, order_id=order.id, customer_id=customer.id)
    publish_after_commit([
        EventRecord.written(e, id=written.first_event_id + i, created_at=order.placed_at)
        for i, e in enumerate([*recorded, order_event])])
    return Placement(order, channel, customer)


async def _place(inp: PlaceOrder, checked: _Checked, fingerprint: str | None,
                 actor: str | None) -> Placement:
    """Any database: the same decisions, written statement by statement in one
    transaction (SQLite has no data-modifying CTEs)."""
    async with unit_of_work() as uow:
        found = await catalog_queries.sales_channel(inp.channel)
        if found is None:
            raise NotFound(f"unknown channel {inp.channel}", field="channel")
        if inp.external_reference:
            same = await Order.filter(channel_id=found.id,
                                      external_reference=inp.external_reference).first()
            if same is not None:
                raise _duplicate_reference(found.code, same.id, inp.external_reference)
        skus = sorted({line.sku for line in checked.lines})
        priced = _price(found.code, await catalog_queries.priced_products(found.id, skus),
                        checked.lines)
        customer = await customers.find_or_create(email=checked.email, name=checked.name,
                                                  phone=checked.phone)
        new = _new_order(inp, checked, fingerprint, channel_id=found.id,
                         currency=found.currency, subtotal=priced.subtotal)
        order = await Order.create(customer_id=customer.id, version=1, updated_at=new.placed_at,
                                   **new.__dict__)
        await OrderLine.bulk_create([OrderLine(order_id=order.id, **ln.__dict__)
                                     for ln in priced.lines])
        await inventory.reserve(order_id=order.id, channel_id=found.id,
                                location_ids=list(found.location_ids), actor=actor,
                                wants=_wants(priced))
        await customers.remember_address(customer, checked.address)
        uow.record(events.status_changed(order, channel=found.code, from_status=None,
                                         to_status=OrderStatus.PENDING.value, actor=actor))
        return Placement(order, None, customer)


async def get_order(order_id: int) -> Order:
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise NotFound("order not found", field="id")
    return order


async def _transition(order: Order, action: OrderAction, *, actor: str | None,
                      message: str | None = None, **changes: Any) -> OrderStatus:
    """Move an order along the table, or raise; the version check makes the
    loser of a race get CONFLICT instead of overwriting the winner."""
    current = OrderStatus(order.status)
    target = lifecycle.next_status(current, action)
    await save_if_unchanged(order, "order", status=target.value, updated_at=now(), **changes)
    async with unit_of_work() as uow:
        channel_code = await catalog.channel_code(order.channel_id)
        uow.record(events.status_changed(order, channel=channel_code, from_status=current.value,
                                         to_status=target.value, actor=actor, message=message))
    return target


async def confirm_order(order_id: int, *, actor: str | None = None) -> Order:
    from oms.fulfillment import service as fulfillment

    async with unit_of_work():
        order = await get_order(order_id)
        await _transition(order, OrderAction.CONFIRM, actor=actor)
        await fulfillment.route_order(order, actor=actor)
        return order


async def hold_order(order_id: int, *, reason: str, actor: str | None = None) -> Order:
    reason = v.text(reason, "reason", max_len=500)
    async with unit_of_work():
        order = await get_order(order_id)
        await _transition(order, OrderAction.HOLD, actor=actor, message=reason,
                          held_from=order.status)
        return order


async def release_hold(order_id: int, *, actor: str | None = None) -> Order:
    async with unit_of_work():
        order = await get_order(order_id)
        back_to = OrderStatus(order.held_from or OrderStatus.PENDING.value)
        action = lifecycle.RELEASE_ACTION.get(back_to, OrderAction.RELEASE_TO_PENDING)
        await _transition(order, action, actor=actor, held_from=None)
        return order


async def cancel_order(order_id: int, *, reason: str | None = None,
                       actor: str | None = None) -> Order:
    from oms.fulfillment import service as fulfillment

    reason = v.text(reason, "reason", required=False, max_len=500)
    async with unit_of_work():
        order = await get_order(order_id)
        await _transition(order, OrderAction.CANCEL, actor=actor, message=reason)
        await fulfillment.cancel_open_shipments(order, actor=actor)
        await inventory.release(order_id=order.id, actor=actor, reason=reason)
        return order


async def lock_for_fulfilment(order_id: int) -> Order:
    """The order row, locked until commit (PostgreSQL), so its shipments can
    move one at a time and the order's status is derived from all of them."""
    order = await Order.filter(id=order_id).select_for_update().first()
    if order is None:
        raise NotFound("order not found", field="id")
    return order


async def follow_shipments(order: Order, shipment_statuses: list[str], *,
                           actor: str | None) -> None:
    """Bring the order's status in line with its shipments."""
    for action in lifecycle.catch_up_actions(OrderStatus(order.status), shipment_statuses):
        await _transition(order, action, actor=actor)


async def add_shipped(line_quantities: dict[int, int]) -> None:
    for line_id, qty in line_quantities.items():
        await OrderLine.filter(id=line_id).update(quantity_shipped=F("quantity_shipped") + qty)
