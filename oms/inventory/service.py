"""Stock use cases. Every level change is a conditional UPDATE (it holds on
SQLite and PostgreSQL alike), touches rows in one fixed order, (product id,
location id), so concurrent orders cannot deadlock, writes a ledger row and
records a StockChanged event per channel it moves."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from oms.catalog import service as catalog
from oms.core import sql, validation as v
from oms.core.errors import Invalid, OutOfStock
from oms.core.uow import UnitOfWork, unit_of_work
from oms.events.record import Event

from . import allocation
from .models import Reservation, StockLevel, StockMovement

STOCK_CHANGED = "StockChanged"


class ReservationRace(Exception):
    """A level changed between planning and reserving; the caller retries."""


async def _ensure_level(conn, product_id: int, location_id: int) -> None:
    await sql.execute(
        conn, "INSERT INTO stock_level (product_id, location_id, on_hand, reserved, safety_stock,"
              " incoming, updated_at) VALUES (?, ?, 0, 0, 0, 0, CURRENT_TIMESTAMP)"
              " ON CONFLICT (product_id, location_id) DO NOTHING", [product_id, location_id])


@dataclass
class _Topics:
    """Where stock events go: each location's code and the channels it serves."""

    code_of: dict[int, str] = field(default_factory=dict)
    channels_of: dict[int, set[str | None]] = field(default_factory=lambda: defaultdict(set))

    def add(self, location_id: int, code: str, channel: str | None) -> None:
        self.code_of[location_id] = code
        self.channels_of[location_id].add(channel)


# The channels a location (`l`) serves, as `c`.
_CHANNELS_OF_L = (" LEFT JOIN channel_location cl ON cl.location_id = l.id"
                  " LEFT JOIN channel c ON c.id = cl.channel_id")


async def _record_changes(uow: UnitOfWork, touched: set[tuple[str, int]],
                          topics: _Topics | None = None) -> None:
    """One StockChanged event per (sku, channel) whose available may have moved,
    and one with no channel for a location that serves none."""
    if not touched:
        return
    if topics is None:
        loc_ids = sorted({loc for _, loc in touched})
        topics = _Topics()
        for r in await sql.fetch(
                uow.conn, "SELECT l.id, l.code, c.code AS channel FROM location l"
                          + _CHANNELS_OF_L + f" WHERE l.id IN ({', '.join('?' * len(loc_ids))})", loc_ids):
            topics.add(r["id"], r["code"], r["channel"])
    seen: set[tuple[str, str | None]] = set()
    for sku, loc_id in sorted(touched, key=lambda t: (t[0], topics.code_of[t[1]])):
        for ch in sorted(topics.channels_of[loc_id], key=lambda c: c or ""):
            if (sku, ch) not in seen:
                seen.add((sku, ch))
                uow.record(Event(type=STOCK_CHANGED, sku=sku, channel=ch,
                                 location=topics.code_of[loc_id]))


async def receive(*, sku: str, location: str, quantity: int, reference: str | None = None,
                  actor: str | None = None) -> StockLevel:
    v.quantity(quantity, "quantity")
    reference = v.text(reference, "reference", required=False)
    async with unit_of_work() as uow:
        product = await catalog.get_product(sku)
        loc = await catalog.get_location(location)
        await _ensure_level(uow.conn, product.id, loc.id)
        await sql.execute(uow.conn, "UPDATE stock_level SET on_hand = on_hand + ?, "
                          "updated_at = CURRENT_TIMESTAMP WHERE product_id = ? AND location_id = ?",
                          [quantity, product.id, loc.id])
        await StockMovement.create(product_id=product.id, location_id=loc.id, kind="RECEIPT",
                                   on_hand_delta=quantity, reference=reference, actor=actor)
        await _record_changes(uow, {(sku, loc.id)})
        return await StockLevel.get(product_id=product.id, location_id=loc.id)


async def adjust(*, sku: str, location: str, delta: int, reason: str,
                 actor: str | None = None) -> StockLevel:
    if not isinstance(delta, int) or delta == 0 or abs(delta) > v.MAX_QUANTITY:
        raise Invalid(f"delta must be a non-zero whole number within ±{v.MAX_QUANTITY}",
                      field="delta")
    reason = v.text(reason, "reason", max_len=500)
    async with unit_of_work() as uow:
        product = await catalog.get_product(sku)
        loc = await catalog.get_location(location)
        await _ensure_level(uow.conn, product.id, loc.id)
        # Units already promised to orders cannot be adjusted away.
        changed = await sql.execute(
            uow.conn, "UPDATE stock_level SET on_hand = on_hand + ?, updated_at = CURRENT_TIMESTAMP"
                      " WHERE product_id = ? AND location_id = ? AND on_hand + ? >= reserved",
            [delta, product.id, loc.id, delta])
        if not changed:
            level = await StockLevel.get(product_id=product.id, location_id=loc.id)
            raise Invalid(f"cannot remove {-delta}: {level.on_hand} on hand, "
                          f"{level.reserved} reserved", field="delta")
        await StockMovement.create(product_id=product.id, location_id=loc.id, kind="ADJUSTMENT",
                                   on_hand_delta=delta, reason=reason, actor=actor)
        await _record_changes(uow, {(sku, loc.id)})
        return await StockLevel.get(product_id=product.id, location_id=loc.id)


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
        # Fixed row order (by location id) so two opposite transfers cannot deadlock.
        steps = sorted([(src.id, -quantity), (dst.id, quantity)])
        for loc_id, delta in steps:
            if delta < 0:
                ok = await sql.execute(
                    uow.conn, "UPDATE stock_level SET on_hand = on_hand - ?, updated_at = "
                              "CURRENT_TIMESTAMP WHERE product_id = ? AND location_id = ? AND "
                              "on_hand - reserved - safety_stock >= ?",
                    [quantity, product.id, loc_id, quantity])
                if not ok:
                    raise OutOfStock(f"not enough available {sku} at {src.code}", field="quantity")
            else:
                await sql.execute(
                    uow.conn, "UPDATE stock_level SET on_hand = on_hand + ?, updated_at = "
                              "CURRENT_TIMESTAMP WHERE product_id = ? AND location_id = ?",
                    [quantity, product.id, loc_id])
        await StockMovement.bulk_create([
            StockMovement(product_id=product.id, location_id=src.id, kind="TRANSFER_OUT",
                          on_hand_delta=-quantity, reference=dst.code, actor=actor),
            StockMovement(product_id=product.id, location_id=dst.id, kind="TRANSFER_IN",
                          on_hand_delta=quantity, reference=src.code, actor=actor)])
        await _record_changes(uow, {(sku, src.id), (sku, dst.id)})
        return [await StockLevel.get(product_id=product.id, location_id=src.id),
                await StockLevel.get(product_id=product.id, location_id=dst.id)]


@dataclass(frozen=True)
class Want:
    product_id: int
    sku: str
    quantity: int


async def reserve(*, order_id: int, channel_id: int, location_ids: list[int],
                  wants: list[Want], actor: str | None = None) -> None:
    """Reserve every unit an order wants in its channel, or raise OutOfStock.

    Raises ReservationRace when a level moved between reading and reserving;
    the order use case retries from scratch.
    """
    need: dict[int, int] = defaultdict(int)
    skus: dict[int, str] = {}
    for w in wants:
        need[w.product_id] += w.quantity  # duplicate lines are summed first
        skus[w.product_id] = w.sku
    async with unit_of_work() as uow:
        locations = location_ids
        if not locations:
            raise OutOfStock("the channel has no stock locations", field="channel")
        available, topics = await _lock_levels(uow.conn, list(need), locations)
        plan = allocation.plan(need, locations, available, skus)
        steps = sorted((p, loc, q) for p, parts in plan.items() for loc, q in parts)
        reserved = await sql.fetch(
            uow.conn,
            "UPDATE stock_level SET reserved = reserved + v.column3, updated_at = CURRENT_TIMESTAMP"
            f" FROM (VALUES {', '.join(['(CAST(? AS INTEGER), CAST(? AS INTEGER), CAST(? AS INTEGER))'] * len(steps))}) AS v"
            " WHERE stock_level.product_id = v.column1 AND stock_level.location_id = v.column2"
            " AND stock_level.on_hand - stock_level.reserved - stock_level.safety_stock >= v.column3"
            " RETURNING stock_level.id", [x for step in steps for x in step])
        if len(reserved) != len(steps):
            raise ReservationRace(skus[steps[0][0]])
        await Reservation.bulk_create([
            Reservation(order_id=order_id, channel_id=channel_id, product_id=p, location_id=loc,
                        quantity=q) for p, loc, q in steps])
        await StockMovement.bulk_create([
            StockMovement(product_id=p, location_id=loc, kind="RESERVE", reserved_delta=q,
                          reference=f"order:{order_id}", actor=actor) for p, loc, q in steps])
        await _record_changes(uow, {(skus[p], loc) for p, loc, _q in steps}, topics)


async def _lock_levels(conn, product_ids: list[int], location_ids: list[int]
                       ) -> tuple[dict[tuple[int, int], int], _Topics]:
    """Available units per (product, location), with the rows locked in the
    fixed order on PostgreSQL so the figures hold until commit (SQLite runs
    one writer at a time; the conditional UPDATE guards it all the same),
    and, in the same round trip, where their stock events go."""
    lock = " FOR UPDATE OF sl" if sql.is_postgres(conn) else ""
    rows = await sql.fetch(
        conn, "SELECT sl.product_id, sl.location_id, l.code, c.code AS channel,"
              " sl.on_hand - sl.reserved - sl.safety_stock AS available FROM stock_level sl"
              " JOIN location l ON l.id = sl.location_id" + _CHANNELS_OF_L
              + f" WHERE sl.product_id IN ({', '.join('?' * len(product_ids))})"
              f" AND sl.location_id IN ({', '.join('?' * len(location_ids))})"
              f" ORDER BY sl.product_id, sl.location_id{lock}", [*product_ids, *location_ids])
    topics = _Topics()
    for r in rows:
        topics.add(r["location_id"], r["code"], r["channel"])
    return {(r["product_id"], r["location_id"]): r["available"] for r in rows}, topics


async def release(*, order_id: int, actor: str | None = None, reason: str | None = None) -> None:
    """Give back everything an order still holds."""
    async with unit_of_work() as uow:
        held = await Reservation.filter(order_id=order_id).prefetch_related("product")
        held.sort(key=lambda r: (r.product_id, r.location_id))
        for r in held:
            await sql.execute(uow.conn, "UPDATE stock_level SET reserved = reserved - ?, updated_at"
                              " = CURRENT_TIMESTAMP WHERE product_id = ? AND location_id = ?",
                              [r.quantity, r.product_id, r.location_id])
        if held:
            await Reservation.filter(order_id=order_id).delete()
            await StockMovement.bulk_create([
                StockMovement(product_id=r.product_id, location_id=r.location_id, kind="RELEASE",
                              reserved_delta=-r.quantity, reference=f"order:{order_id}",
                              reason=reason, actor=actor) for r in held])
            await _record_changes(uow, {(r.product.sku, r.location_id) for r in held})


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
        for product_id in sorted(units):
            qty = int(units[product_id])
            ok = await sql.execute(
                uow.conn, "UPDATE stock_level SET on_hand = on_hand - ?, reserved = reserved - ?, "
                          "updated_at = CURRENT_TIMESTAMP WHERE product_id = ? AND location_id = ?"
                          " AND reserved >= ? AND on_hand >= ?",
                [qty, qty, product_id, location_id, qty, qty])
            if not ok:
                raise Invalid(f"{skus[product_id]} is not reserved at this location",
                              field="id")
            remaining = qty
            for r in await Reservation.filter(order_id=order_id, product_id=product_id,
                                              location_id=location_id).order_by("id"):
                take = min(remaining, r.quantity)
                if take == r.quantity:
                    await r.delete()
                else:
                    await Reservation.filter(id=r.id).update(quantity=r.quantity - take)
                remaining -= take
                if not remaining:
                    break
        await StockMovement.bulk_create([
            StockMovement(product_id=p, location_id=location_id, kind="SALE",
                          on_hand_delta=-int(q), reserved_delta=-int(q),
                          reference=f"order:{order_id}", actor=actor) for p, q in units.items()])
        await _record_changes(uow, {(skus[p], location_id) for p in units})
