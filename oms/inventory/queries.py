"""Read side of inventory: levels per location and what a channel may sell.

A channel's available for a SKU is its pool (the available of each level at
the channel's locations, floored at 0, summed) under the channel's allocation
rule for the SKU (oms.inventory.channel_rules); every reader goes through
`channel_stock` (a batch, for DataLoaders) or `channel_page` (a keyset page
in one statement, for channelInventory and the availability feed)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q
from tortoise.functions import Sum

from oms.catalog.models import ChannelLocation, Product
from oms.core import clock, sql
from oms.core.uow import current_connection

from . import levels
from .channel_rules import AllocationRule, channel_available, pooled, rule_for
from .models import (ChannelAllocationRule, InboundExpectation, Reservation, StockLevel,
                     StockMovement)


@dataclass(frozen=True)
class ChannelFigure:
    channel_id: int
    product_id: int
    available: int
    reserved: int
    # What the channel's locations could give before its allocation rule.
    pooled: int = 0


def rule_of(row: ChannelAllocationRule | dict) -> AllocationRule:
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    return AllocationRule(cap_quantity=get("cap_quantity"), cap_percent=get("cap_percent"),
                          buffer=int(get("buffer") or 0))


def sellable(level: StockLevel | dict) -> int:
    """available = onHand - reserved - safetyStock - damaged, never below zero."""
    if isinstance(level, dict):
        return levels.available(level["on_hand"], level["reserved"], level["safety_stock"],
                                level["damaged"])
    return levels.available(level.on_hand, level.reserved, level.safety_stock, level.damaged)


def low_stock(level: StockLevel) -> bool:
    return levels.is_low(sellable(level), level.low_stock_threshold)


async def levels_by_product(product_ids: list[int]) -> list[list[StockLevel]]:
    groups: dict[int, list[StockLevel]] = defaultdict(list)
    for lvl in await StockLevel.filter(product_id__in=product_ids).order_by("location_id"):
        groups[lvl.product_id].append(lvl)
    return [groups.get(p, []) for p in product_ids]


async def channel_stock(keys: list[tuple[int, int]]) -> list[ChannelFigure]:
    """Figures for (channel_id, product_id) pairs in four queries, however many."""
    channel_ids = {c for c, _ in keys}
    product_ids = {p for _, p in keys}
    links = await ChannelLocation.filter(channel_id__in=channel_ids).values_list(
        "channel_id", "location_id")
    locations_of: dict[int, set[int]] = defaultdict(set)
    for c, loc in links:
        locations_of[c].add(loc)
    all_locs = {loc for locs in locations_of.values() for loc in locs}
    levels = await StockLevel.filter(product_id__in=product_ids, location_id__in=all_locs).values(
        "product_id", "location_id", "on_hand", "reserved", "safety_stock", "damaged")
    at: dict[tuple[int, int], int] = {(r["product_id"], r["location_id"]): sellable(r)
                                      for r in levels}
    held = await (Reservation.filter(channel_id__in=channel_ids, product_id__in=product_ids)
                  .annotate(q=Sum("quantity")).group_by("channel_id", "product_id")
                  .values("channel_id", "product_id", "q"))
    reserved = {(r["channel_id"], r["product_id"]): int(r["q"] or 0) for r in held}
    rules: dict[int, dict[int | None, AllocationRule]] = defaultdict(dict)
    for r in await ChannelAllocationRule.filter(
            Q(product_id__in=product_ids) | Q(product_id__isnull=True),
            channel_id__in=channel_ids).values(
            "channel_id", "product_id", "cap_quantity", "cap_percent", "buffer"):
        rules[r["channel_id"]][r["product_id"]] = rule_of(r)
    out = []
    for c, p in keys:
        pool = pooled(at.get((p, loc), 0) for loc in locations_of.get(c, ()))
        out.append(ChannelFigure(channel_id=c, product_id=p, pooled=pool,
                                 available=channel_available(pool, rule_for(p, rules[c])),
                                 reserved=reserved.get((c, p), 0)))
    return out


# The pool of a product `p` for channel ? (levels at the channel's locations).
_AVAILABLE = levels.AVAILABLE_SQL.format(t="sl")
_POOL_OF_P = (f"(SELECT COALESCE(SUM(CASE WHEN {_AVAILABLE} > 0 THEN {_AVAILABLE} ELSE 0 END), 0)"
              " FROM stock_level sl JOIN channel_location cl ON cl.location_id = sl.location_id"
              " WHERE cl.channel_id = ? AND sl.product_id = p.id)")
_RESERVED_OF_P = ("(SELECT COALESCE(SUM(r.quantity), 0) FROM reservation r"
                  " WHERE r.channel_id = ? AND r.product_id = p.id)")


def _governing(column: str) -> str:
    # The SKU's own rule (ro) replaces the channel-wide one (rc), as rule_for does.
    return f"CASE WHEN ro.id IS NULL THEN rc.{column} ELSE ro.{column} END AS {column}"


# One page of a channel's inventory by SKU: the pool and the reserved units by
# correlated subqueries (evaluated only for the page's rows, through the
# unique (product, location) index and reservation's (channel, product)
# index), the governing rule by two joins on the rule table's unique index
# (channel_id, coalesce(product_id, 0)). Filled in: {where}.
_PAGE_SQL = (
    f"SELECT p.id AS product_id, p.sku, {_POOL_OF_P} AS pooled, {_RESERVED_OF_P} AS reserved,"
    " CASE WHEN ro.id IS NULL THEN rc.id ELSE ro.id END AS rule_id,"
    f" {_governing('cap_quantity')}, {_governing('cap_percent')}, {_governing('buffer')}"
    " FROM product p"
    " LEFT JOIN channel_allocation_rule ro"
    " ON ro.channel_id = ? AND COALESCE(ro.product_id, 0) = p.id"
    " LEFT JOIN channel_allocation_rule rc"
    " ON rc.channel_id = ? AND COALESCE(rc.product_id, 0) = 0"
    " WHERE {where} ORDER BY p.sku LIMIT ?")


@dataclass(frozen=True)
class ChannelRow:
    """One SKU of a channel's inventory page."""

    product_id: int
    sku: str
    pooled: int
    reserved: int
    rule: AllocationRule | None

    @property
    def available(self) -> int:
        return channel_available(self.pooled, self.rule)

    def figure(self, channel_id: int) -> ChannelFigure:
        return ChannelFigure(channel_id=channel_id, product_id=self.product_id,
                             available=self.available, reserved=self.reserved,
                             pooled=self.pooled)


async def channel_page(channel_id: int, *, skus: list[str] | None, after_sku: str | None,
                       limit: int) -> list[ChannelRow]:
    """Up to `limit` SKUs after `after_sku` (all SKUs, or those in `skus`),
    ordered by SKU, with the channel's figures: one statement."""
    where, params = ["1 = 1"], [channel_id, channel_id, channel_id, channel_id]
    if skus is not None:
        if not skus:
            return []
        where.append(f"p.sku IN ({', '.join('?' * len(skus))})")
        params += skus
    if after_sku is not None:
        where.append("p.sku > ?")
        params.append(after_sku)
    rows = await sql.fetch(current_connection(),
                           _PAGE_SQL.format(where=" AND ".join(where)), [*params, limit])
    return [ChannelRow(product_id=r["product_id"], sku=r["sku"], pooled=int(r["pooled"]),
                       reserved=int(r["reserved"]),
                       rule=None if r["rule_id"] is None else rule_of(r)) for r in rows]


async def pools(conn, channel_id: int, product_id: int | None = None) -> dict[int, tuple[str, int]]:
    """product id -> (sku, pool) for every SKU stocked at the channel's
    locations (or only `product_id`), in one statement."""
    rows = await sql.fetch(
        conn, "SELECT p.id, p.sku,"
              f" SUM(CASE WHEN {_AVAILABLE} > 0 THEN {_AVAILABLE} ELSE 0 END) AS pooled"
              " FROM stock_level sl JOIN channel_location cl ON cl.location_id = sl.location_id"
              " JOIN product p ON p.id = sl.product_id WHERE cl.channel_id = ?"
              + (" AND sl.product_id = ?" if product_id is not None else "")
              + " GROUP BY p.id, p.sku",
        [channel_id] + ([product_id] if product_id is not None else []))
    return {r["id"]: (r["sku"], int(r["pooled"] or 0)) for r in rows}


async def products_count(skus: list[str] | None) -> int:
    qs = Product.all()
    if skus is not None:
        qs = qs.filter(sku__in=skus)
    return await qs.count()


async def open_inbound(keys: list[tuple[int, int]]) -> list[list[InboundExpectation]]:
    """Open expectations per (product_id, location_id), oldest first."""
    product_ids = {p for p, _ in keys}
    location_ids = {loc for _, loc in keys}
    groups: dict[tuple[int, int], list[InboundExpectation]] = defaultdict(list)
    for e in await InboundExpectation.filter(product_id__in=product_ids,
                                             location_id__in=location_ids,
                                             remaining__gt=0).order_by("id"):
        groups[(e.product_id, e.location_id)].append(e)
    return [groups.get(k, []) for k in keys]


def _utc(value: datetime) -> datetime:
    return clock.utc(value)


@dataclass(frozen=True)
class MovementFilter:
    """A SKU's ledger rows, at one location or all, from `start` (inclusive)
    to `end` (exclusive)."""

    product_id: int
    location_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None


def _movements(f: MovementFilter):
    qs = StockMovement.filter(product_id=f.product_id)
    if f.location_id is not None:
        qs = qs.filter(location_id=f.location_id)
    if f.start is not None:
        qs = qs.filter(created_at__gte=_utc(f.start))
    if f.end is not None:
        qs = qs.filter(created_at__lt=_utc(f.end))
    return qs


async def movements_page(f: MovementFilter, *, before_id: int | None,
                         limit: int) -> list[StockMovement]:
    """Newest first, after the row `before_id` of the previous page."""
    qs = _movements(f)
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    return await qs.order_by("-id").limit(limit)


async def movements_count(f: MovementFilter) -> int:
    return await _movements(f).count()
