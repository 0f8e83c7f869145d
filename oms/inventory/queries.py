"""Read side of inventory: levels per location and what a channel may sell."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tortoise.functions import Sum

from oms.catalog.models import ChannelLocation, Product

from .models import Reservation, StockLevel


@dataclass(frozen=True)
class ChannelFigure:
    channel_id: int
    product_id: int
    available: int
    reserved: int


def sellable(level: StockLevel | dict) -> int:
    """available = onHand - reserved - safetyStock, never below zero."""
    if isinstance(level, dict):
        return max(0, level["on_hand"] - level["reserved"] - level["safety_stock"])
    return max(0, level.on_hand - level.reserved - level.safety_stock)


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
        "product_id", "location_id", "on_hand", "reserved", "safety_stock")
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
