"""Read side of inventory: levels per location and what a channel may sell."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone

from tortoise.functions import Sum

from oms.catalog.models import ChannelLocation, Product

from . import levels
from .models import InboundExpectation, Reservation, StockLevel, StockMovement


@dataclass(frozen=True)
class ChannelFigure:
    channel_id: int
    product_id: int
    available: int
    reserved: int


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
    """Figures for (channel_id, product_id) pairs in two queries."""
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
    return [ChannelFigure(channel_id=c, product_id=p,
                          available=sum(at.get((p, loc), 0) for loc in locations_of.get(c, ())),
                          reserved=reserved.get((c, p), 0)) for c, p in keys]


async def products_page(*, skus: list[str] | None, after_sku: str | None,
                        limit: int) -> list[Product]:
    qs = Product.all()
    if skus is not None:
        qs = qs.filter(sku__in=skus)
    if after_sku is not None:
        qs = qs.filter(sku__gt=after_sku)
    return await qs.order_by("sku").limit(limit)


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
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)


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
