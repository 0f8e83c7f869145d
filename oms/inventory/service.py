"""Stock use cases. Every level change is a conditional UPDATE ... RETURNING
(it holds on SQLite and PostgreSQL alike, and the level it returns gives the
ledger row its before and after figures), touches rows in one fixed order,
(product id, location id), so concurrent orders cannot deadlock, writes a
ledger row, records a StockChanged event per channel whose figures it moves
and a LowStock event for a level it makes low."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Callable, Mapping

from oms.catalog import service as catalog
from oms.catalog.models import Location, Product
from oms.core import sql, validation as v
from oms.core.errors import Invalid, NotFound, OutOfStock
from oms.core.uow import UnitOfWork, unit_of_work

from . import allocation, channel_rules, inbound, ledger
from .levels import AVAILABLE_SQL, MAX_UNITS, Delta, Figures, MovementKind
from .models import Reservation, StockLevel, StockMovement
from .stock_events import Topics, stock_changed


class ReservationRace(Exception):
    """A level changed between planning and reserving; the caller retries."""


async def _ensure_level(conn, product_id: int, location_id: int) -> None:
    await sql.execute(
        conn, "INSERT INTO stock_level (product_id, location_id, on_hand, reserved, safety_stock,"
              " incoming, damaged, updated_at) VALUES (?, ?, 0, 0, 0, 0, 0, CURRENT_TIMESTAMP)"
              " ON CONFLICT (product_id, location_id) DO NOTHING", [product_id, location_id])


# The channels a location (`l`) serves, as `c`.
_CHANNELS_OF_L = (" LEFT JOIN channel_location cl ON cl.location_id = l.id"
                  " LEFT JOIN channel c ON c.id = cl.channel_id")


async def _record_changes(uow: UnitOfWork, touched: set[tuple[str, int]],
                          topics: Topics | None = None) -> None:
    """One StockChanged event per (sku, channel) whose available may have moved,
    and one with no channel for a location that serves none."""
    if not touched:
        return
    if topics is None:
        loc_ids = sorted({loc for _, loc in touched})
        topics = Topics()
        for r in await sql.fetch(
                uow.conn, "SELECT l.id, l.code, c.code AS channel FROM location l"
                          + _CHANNELS_OF_L + f" WHERE l.id IN ({', '.join('?' * len(loc_ids))})", loc_ids):
            topics.add(r["id"], r["code"], r["channel"])
    for event in stock_changed(touched, topics):
        uow.record(event)


async def _write(uow: UnitOfWork, changes: list[ledger.Change],
                 movements: list[StockMovement], topics: Topics | None = None) -> None:
    """The ledger rows of `changes`, and the events they raise."""
    if movements:
        await StockMovement.bulk_create(movements)
    await _record_changes(uow, {(c.sku, c.location_id) for c in changes if c.moves_channels},
                          topics)
    for c in changes:
        event = c.low_stock_event()
        if event is not None:
            uow.record(event)


def _too_many(sku: str, location: str, field: str = "quantity") -> Invalid:
    return Invalid(f"{sku} at {location} would hold more than {MAX_UNITS:,} units", field=field)


async def _figures(product_id: int, location_id: int) -> Figures:
    """A level's figures, to explain a refusal (no level: all zero)."""
    lvl = await StockLevel.get_or_none(product_id=product_id, location_id=location_id)
    return Figures.of(lvl) if lvl else Figures(0, 0, 0, 0, 0)


async def expect(*, sku: str, location: str, quantity: int, reference: str,
                 actor: str | None = None) -> StockLevel:
    """Units on their way under a reference (a purchase order): they count
    as incoming until received under the same reference."""
    v.quantity(quantity, "quantity")
    reference = v.text(reference, "reference")
    async with unit_of_work() as uow:
        product = await catalog.get_product(sku)
        loc = await catalog.get_location(location)
        await _ensure_level(uow.conn, product.id, loc.id)
        await inbound.add(uow.conn, product.id, loc.id, reference, quantity)
        delta = Delta(incoming=quantity)
        row = await ledger.change(uow.conn, product.id, loc.id, delta)
        if row is None:
            raise _too_many(sku, loc.code)
        change = ledger.Change.of(sku, loc.code, row, delta)
        await _write(uow, [change], [ledger.movement(change, kind="EXPECTED", reference=reference,
                                                     actor=actor)])
        return ledger.level(row)


async def receive(*, sku: str, location: str, quantity: int, reference: str | None = None,
                  actor: str | None = None, reason: str | None = None) -> StockLevel:
    """Units arrive on hand. Under the reference of an open expectation they
    leave incoming, never more than it still expects: the rest arrives
    unexpected, and the expectation is closed. `reason` goes on the ledger
    row (RETURN for units a customer sent back)."""
    return await _arrive(sku=sku, location=location, quantity=quantity, reference=reference,
                         reason=reason, actor=actor, damaged=False)


async def receive_damaged(*, sku: str, location: str, quantity: int, reference: str | None,
                          reason: str, actor: str | None = None) -> StockLevel:
    """Units arrive on hand already damaged (a customer's return found
    damaged): on hand and damaged both go up, so available does not move."""
    return await _arrive(sku=sku, location=location, quantity=quantity, reference=reference,
                         reason=reason, actor=actor, damaged=True)


async def _arrive(*, sku: str, location: str, quantity: int, reference: str | None,
                  reason: str | None, actor: str | None, damaged: bool) -> StockLevel:
    """A RECEIPT: units on hand, sellable (taken off an expectation under
    `reference`) or damaged (a reason required)."""
    v.quantity(quantity, "quantity")
    reference = v.text(reference, "reference", required=False)
    reason = v.text(reason, "reason", required=damaged, max_len=500)
    async with unit_of_work() as uow:
        product = await catalog.get_product(sku)
        loc = await catalog.get_location(location)
        await _ensure_level(uow.conn, product.id, loc.id)
        if damaged:
            delta = Delta(on_hand=quantity, damaged=quantity)
        else:
            expected = (await inbound.take(uow.conn, product.id, loc.id, reference, quantity)
                        if reference else 0)
            delta = Delta(on_hand=quantity, incoming=-expected)
        row = await ledger.change(uow.conn, product.id, loc.id, delta)
        if row is None:
            raise _too_many(sku, loc.code)
        change = ledger.Change.of(sku, loc.code, row, delta)
        await _write(uow, [change], [ledger.movement(change, kind="RECEIPT", reference=reference,
                                                     reason=reason, actor=actor)])
        return ledger.level(row)


async def adjust(*, sku: str, location: str, delta: int, reason: str,
                 actor: str | None = None) -> StockLevel:
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0 \
            or abs(delta) > v.MAX_QUANTITY:
        raise Invalid(f"delta must be a non-zero whole number within ±{v.MAX_QUANTITY}",
                      field="delta")
    reason = v.text(reason, "reason", max_len=500)
    async with unit_of_work() as uow:
        product = await catalog.get_product(sku)
        loc = await catalog.get_location(location)
        await _ensure_level(uow.conn, product.id, loc.id)
        # Units promised to orders, or damaged (written off instead), cannot be adjusted away.
        moved = Delta(on_hand=delta)
        row = await ledger.change(uow.conn, product.id, loc.id, moved,
                                  guard="on_hand + ? >= reserved + damaged", params=[delta])
        if row is None:
            if delta > 0:
                raise _too_many(sku, loc.code, "delta")
            f = await _figures(product.id, loc.id)
            damaged = f", {f.damaged} damaged" if f.damaged else ""
            raise Invalid(f"cannot remove {-delta}: {f.on_hand} on hand, "
                          f"{f.reserved} reserved{damaged}", field="delta")
        change = ledger.Change.of(sku, loc.code, row, moved)
        await _write(uow, [change], [ledger.movement(change, kind="ADJUSTMENT", reason=reason,
                                                     actor=actor)])
        return ledger.level(row)


async def transfer(*, sku: str, from_location: str, to_location: str, quantity: int,
                   actor: str | None = None) -> list[StockLevel]:
    v.quantity(quantity, "quantity")
    if from_location == to_location:
        raise Invalid("from and to are the same location", field="to")
    async with unit_of_work() as uow:
        product = await catalog.get_product(sku)
        src = await catalog.get_location(from_location, "from")
        dst = await catalog.get_location(to_location, "to")
        await _ensure_level(uow.conn, product.id, dst.id)
        await _ensure_level(uow.conn, product.id, src.id)
        rows: dict[int, dict] = {}
        # Fixed row order (by location id) so two opposite transfers cannot deadlock.
        for loc_id in sorted((src.id, dst.id)):
            if loc_id == src.id:
                row = await ledger.change(
                    uow.conn, product.id, loc_id, Delta(on_hand=-quantity),
                    guard=f"{AVAILABLE_SQL.format(t='stock_level')} >= ?", params=[quantity])
                if row is None:
                    raise OutOfStock(f"not enough available {sku} at {src.code}",
                                     field="quantity")
            else:
                row = await ledger.change(uow.conn, product.id, loc_id, Delta(on_hand=quantity))
                if row is None:
                    raise _too_many(sku, dst.code)
            rows[loc_id] = row
        out = ledger.Change.of(sku, src.code, rows[src.id], Delta(on_hand=-quantity))
        into = ledger.Change.of(sku, dst.code, rows[dst.id], Delta(on_hand=quantity))
        await _write(uow, [out, into], [
            ledger.movement(out, kind="TRANSFER_OUT", reference=dst.code, actor=actor),
            ledger.movement(into, kind="TRANSFER_IN", reference=src.code, actor=actor)])
        return [ledger.level(rows[src.id]), ledger.level(rows[dst.id])]


async def set_safety_stock(*, sku: str, location: str, quantity: int,
                           actor: str | None = None) -> StockLevel:
    """Units kept back from every channel (they stay on hand)."""
    v.quantity(quantity, "quantity", allow_zero=True)
    async with unit_of_work() as uow:
        product = await catalog.get_product(sku)
        loc = await catalog.get_location(location)
        await _ensure_level(uow.conn, product.id, loc.id)
        current = await ledger.lock(uow.conn, product.id, loc.id)
        assert current is not None  # ensured above
        delta = Delta(safety_stock=quantity - current["safety_stock"])
        if not delta:
            return ledger.level(current)
        row = await ledger.change(uow.conn, product.id, loc.id, delta)
        assert row is not None  # locked, and quantity is within MAX_QUANTITY
        change = ledger.Change.of(sku, loc.code, row, delta)
        await _write(uow, [change], [ledger.movement(change, kind="SAFETY_STOCK", actor=actor)])
        return ledger.level(row)


async def set_low_stock_threshold(*, sku: str, location: str,
                                  threshold: int | None) -> StockLevel:
    """At or below `threshold` available units the level is low on stock;
    None: never. Not a movement of stock, so no ledger row; a level this
    makes low raises LowStock like any other change."""
    if threshold is not None:
        v.quantity(threshold, "threshold", allow_zero=True)
    async with unit_of_work() as uow:
        product = await catalog.get_product(sku)
        loc = await catalog.get_location(location)
        await _ensure_level(uow.conn, product.id, loc.id)
        current = await ledger.lock(uow.conn, product.id, loc.id)
        assert current is not None  # ensured above
        row = await ledger.change(uow.conn, product.id, loc.id, Delta(),
                                  assign={"low_stock_threshold": threshold})
        assert row is not None
        change = replace(ledger.Change.of(sku, loc.code, row, Delta()),
                         before=Figures.of(current))
        await _write(uow, [change], [])
        return ledger.level(row)


async def damage(*, sku: str, location: str, quantity: int, reason: str,
                 actor: str | None = None) -> StockLevel:
    """Available units found damaged: still on hand, never sold again."""
    v.quantity(quantity, "quantity")
    reason = v.text(reason, "reason", max_len=500)
    async with unit_of_work() as uow:
        product = await catalog.get_product(sku)
        loc = await catalog.get_location(location)
        delta = Delta(damaged=quantity)
        row = await ledger.change(uow.conn, product.id, loc.id, delta,
                                  guard=f"{AVAILABLE_SQL.format(t='stock_level')} >= ?",
                                  params=[quantity])
        if row is None:
            f = await _figures(product.id, loc.id)
            raise Invalid(f"cannot mark {quantity} damaged: {f.available} available "
                          f"({f.on_hand} on hand, {f.reserved} reserved, {f.safety_stock} "
                          f"safety stock, {f.damaged} damaged already)", field="quantity")
        change = ledger.Change.of(sku, loc.code, row, delta)
        await _write(uow, [change], [ledger.movement(change, kind="DAMAGE", reason=reason,
                                                     actor=actor)])
        return ledger.level(row)


async def write_off(*, sku: str, location: str, quantity: int, reason: str,
                    actor: str | None = None) -> StockLevel:
    """Damaged units leave the books: on hand and damaged both go down."""
    v.quantity(quantity, "quantity")
    reason = v.text(reason, "reason", max_len=500)
    async with unit_of_work() as uow:
        product = await catalog.get_product(sku)
        loc = await catalog.get_location(location)
        delta = Delta(on_hand=-quantity, damaged=-quantity)
        row = await ledger.change(uow.conn, product.id, loc.id, delta, guard="damaged >= ?",
                                  params=[quantity])
        if row is None:
            f = await _figures(product.id, loc.id)
            raise Invalid(f"cannot write off {quantity}: only {f.damaged} damaged at {loc.code}",
                          field="quantity")
        change = ledger.Change.of(sku, loc.code, row, delta)
        await _write(uow, [change], [ledger.movement(change, kind="WRITE_OFF", reason=reason,
                                                     actor=actor)])
        return ledger.level(row)


async def count(*, sku: str, location: str, counted: int, reason: str | None = None,
                actor: str | None = None) -> StockLevel:
    """A cycle count: on hand becomes what was counted (damaged units
    included), and the ledger records the variance, even when it is 0."""
    v.quantity(counted, "counted", allow_zero=True)
    reason = v.text(reason, "reason", required=False, max_len=500)
    async with unit_of_work() as uow:
        product = await catalog.get_product(sku)
        loc = await catalog.get_location(location)
        await _ensure_level(uow.conn, product.id, loc.id)
        current = await ledger.lock(uow.conn, product.id, loc.id)
        assert current is not None  # ensured above
        reserved, damaged = current["reserved"], current["damaged"]
        if counted < reserved:
            raise Invalid(f"counted {counted} is below the {reserved} units reserved for "
                          f"orders at {loc.code}", field="counted")
        if counted < reserved + damaged:
            raise Invalid(f"counted {counted} is below the {reserved} reserved and {damaged} "
                          f"damaged units at {loc.code}: write off the missing damaged units "
                          "first", field="counted")
        delta = Delta(on_hand=counted - current["on_hand"])
        row = await ledger.change(uow.conn, product.id, loc.id, delta)
        assert row is not None  # locked, and counted is within MAX_QUANTITY
        change = ledger.Change.of(sku, loc.code, row, delta)
        await _write(uow, [change], [ledger.movement(change, kind="COUNT", reason=reason,
                                                     actor=actor)])
        return ledger.level(row)


@dataclass(frozen=True)
class Want:
    product_id: int
    sku: str
    quantity: int


# Given each (product, location)'s available units: [(product, location, qty)].
Route = Callable[[Mapping[tuple[int, int], int]], list[tuple[int, int, int]]]


async def reserve(*, order_id: int, channel_id: int, location_ids: list[int],
                  wants: list[Want], actor: str | None = None,
                  rules: "Mapping[int | None, channel_rules.AllocationRule] | None" = None,
                  route: "Route | None" = None) -> None:
    """Reserve every unit an order wants in its channel, or raise OutOfStock.

    `route` decides where the units come from, given the locked levels'
    available units (oms.fulfillment.routing); by default allocation.plan.

    Raises ReservationRace when a level moved between reading and reserving;
    the order use case retries from scratch. (On PostgreSQL order placement
    writes its reservations in its own statement: oms/orders/placement_sql.py.)
    """
    skus = {w.product_id: w.sku for w in wants}
    async with unit_of_work() as uow:
        if not location_ids:
            raise OutOfStock("the channel has no stock locations", field="channel")
        figures, topics = await _lock_levels(uow.conn, sorted(skus), location_ids)
        lines = [(w.product_id, w.sku, w.quantity) for w in wants]
        available = {key: f.available for key, f in figures.items()}
        if rules:
            # The levels are locked (or SQLite's one writer holds), so the
            # channel's figure checked here is the one the write changes.
            channel_rules.enforce(allocation.need_of(lines)[0], available, location_ids, rules,
                                  skus)
        steps = (route(available) if route is not None
                 else allocation.reservation_steps(lines, location_ids, available))
        rows = await sql.fetch(
            uow.conn,
            "UPDATE stock_level SET reserved = reserved + v.column3, updated_at = CURRENT_TIMESTAMP"
            f" FROM (VALUES {', '.join(['(CAST(? AS INTEGER), CAST(? AS INTEGER), CAST(? AS INTEGER))'] * len(steps))}) AS v"
            " WHERE stock_level.product_id = v.column1 AND stock_level.location_id = v.column2"
            f" AND {AVAILABLE_SQL.format(t='stock_level')} >= v.column3"
            f" RETURNING {ledger.returning()}", [x for step in steps for x in step])
        if len(rows) != len(steps):
            raise ReservationRace(skus[steps[0][0]])
        after = {(r["product_id"], r["location_id"]): r for r in rows}
        changes = [ledger.Change.of(skus[p], topics.code_of[loc], after[(p, loc)],
                                    Delta(reserved=q)) for p, loc, q in steps]
        await Reservation.bulk_create([
            Reservation(order_id=order_id, channel_id=channel_id, product_id=p, location_id=loc,
                        quantity=q) for p, loc, q in steps])
        await _write(uow, changes, [ledger.movement(c, kind=MovementKind.RESERVE.value,
                                                    reference=f"order:{order_id}", actor=actor)
                                    for c in changes], topics)


async def _lock_levels(conn, product_ids: list[int], location_ids: list[int]
                       ) -> tuple[dict[tuple[int, int], Figures], Topics]:
    """The figures of each (product, location) level, with the rows locked in
    the fixed order on PostgreSQL so they hold until commit (SQLite runs one
    writer at a time; the conditional UPDATE guards it all the same), and, in
    the same round trip, where their stock events go."""
    lock = " FOR UPDATE OF sl" if sql.is_postgres(conn) else ""
    rows = await sql.fetch(
        conn, f"SELECT {ledger.returning('sl')}, l.code, c.code AS channel FROM stock_level sl"
              " JOIN location l ON l.id = sl.location_id" + _CHANNELS_OF_L
              + f" WHERE sl.product_id IN ({', '.join('?' * len(product_ids))})"
              f" AND sl.location_id IN ({', '.join('?' * len(location_ids))})"
              f" ORDER BY sl.product_id, sl.location_id{lock}", [*product_ids, *location_ids])
    topics = Topics()
    for r in rows:
        topics.add(r["location_id"], r["code"], r["channel"])
    return {(r["product_id"], r["location_id"]): Figures.of(r) for r in rows}, topics


async def release(*, order_id: int, actor: str | None = None, reason: str | None = None) -> None:
    """Give back everything an order still holds."""
    async with unit_of_work() as uow:
        held: dict[tuple[int, int], int] = defaultdict(int)
        names: dict[tuple[int, int], tuple[str, str]] = {}
        for r in await Reservation.filter(order_id=order_id).values(
                "product_id", "location_id", "quantity", "product__sku", "location__code"):
            key = (r["product_id"], r["location_id"])
            held[key] += r["quantity"]
            names[key] = (r["product__sku"], r["location__code"])
        if not held:
            return
        changes = []
        for key in sorted(held):  # the fixed row order
            delta = Delta(reserved=-held[key])
            row = await ledger.change(uow.conn, *key, delta)
            assert row is not None  # what an order holds is reserved at its level
            changes.append(ledger.Change.of(*names[key], row, delta))
        await Reservation.filter(order_id=order_id).delete()
        await _write(uow, changes, [
            ledger.movement(c, kind="RELEASE", reference=f"order:{order_id}", reason=reason,
                            actor=actor) for c in changes])


async def release_at(*, order_id: int, location_id: int, units: Mapping[int, int],
                     actor: str | None = None, reason: str | None = None) -> None:
    """Give back part of what an order holds at one location (product id ->
    units), such as a shipment the location rejected."""
    async with unit_of_work() as uow:
        code = (await Location.filter(id=location_id).values_list("code", flat=True))[0]
        skus = dict(await Product.filter(id__in=list(units)).values_list("id", "sku"))
        changes = []
        for product_id in sorted(units):  # the fixed row order
            qty = int(units[product_id])
            delta = Delta(reserved=-qty)
            row = await ledger.change(uow.conn, product_id, location_id, delta,
                                      guard="reserved >= ?", params=[qty])
            if row is None:
                raise Invalid(f"{skus[product_id]} is not reserved at {code}", field="id")
            changes.append(ledger.Change.of(skus[product_id], code, row, delta))
            await _take_reservations(order_id, product_id, location_id, qty, newest_first=True)
        await _write(uow, changes, [
            ledger.movement(c, kind="RELEASE", reference=f"order:{order_id}", reason=reason,
                            actor=actor) for c in changes])


async def _take_reservations(order_id: int, product_id: int, location_id: int, qty: int, *,
                             newest_first: bool = False) -> None:
    """Shrink or delete an order's reservation rows of one product at one
    location by `qty` units (the level was already changed)."""
    remaining = qty
    for r in await Reservation.filter(order_id=order_id, product_id=product_id,
                                      location_id=location_id
                                      ).order_by("-id" if newest_first else "id"):
        take = min(remaining, r.quantity)
        if take == r.quantity:
            await r.delete()
        else:
            await Reservation.filter(id=r.id).update(quantity=r.quantity - take)
        remaining -= take
        if not remaining:
            break


async def reservations_by_location(order_id: int) -> dict[int, dict[int, int]]:
    """location_id -> product_id -> reserved units, for routing."""
    out: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for r in await Reservation.filter(order_id=order_id).order_by("id"):
        out[r.location_id][r.product_id] += r.quantity
    return out


async def consume(*, order_id: int, location_id: int, units: dict[int, int],
                  skus: dict[int, str], actor: str | None = None) -> None:
    """Units leave the building: reserved and on hand both go down (a sale)."""
    async with unit_of_work() as uow:
        codes = await Location.filter(id=location_id).values_list("code", flat=True)
        if not codes:
            raise NotFound(f"unknown location {location_id}", field="id")
        changes = []
        for product_id in sorted(units):
            qty = int(units[product_id])
            delta = Delta(on_hand=-qty, reserved=-qty)
            row = await ledger.change(uow.conn, product_id, location_id, delta,
                                      guard="reserved >= ? AND on_hand >= ?", params=[qty, qty])
            if row is None:
                raise Invalid(f"{skus[product_id]} is not reserved at this location",
                              field="id")
            changes.append(ledger.Change.of(skus[product_id], codes[0], row, delta))
            await _take_reservations(order_id, product_id, location_id, qty)
        await _write(uow, changes, [
            ledger.movement(c, kind="SALE", reference=f"order:{order_id}", actor=actor)
            for c in changes])


async def erase_reasons(order_ids: list[int]) -> None:
    """The right to erasure (oms.customers.privacy): the reason copied from
    these orders onto their stock movements (a cancel reason people typed)
    goes; quantities, references and times stay. Runs in the caller's unit
    of work and commits nothing itself."""
    if order_ids:
        await StockMovement.filter(reference__in=[f"order:{i}" for i in order_ids],
                                   reason__isnull=False).update(reason=None)
