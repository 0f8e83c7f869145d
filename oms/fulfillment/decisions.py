"""The facts routing reads (a channel's strategy, its locations as Sites with
today's load) and the RoutingDecision rows it writes. The PostgreSQL
placement path reads and writes the same things in its own two statements
(oms.orders.placement_sql); the SQL for "routed today" is shared from here."""
from __future__ import annotations

from datetime import datetime, time, timezone
from typing import Any, Sequence

from oms.catalog.models import Channel, ChannelLocation
from oms.inventory.models import Reservation

from . import routing
from .models import RoutingDecision, Shipment

ROUTED = routing.Outcome.ROUTED.value
HELD = routing.Outcome.HELD.value

# Orders routed to location `l` since `?`/$n: those holding stock there that
# was reserved since, and those with a shipment there made since (a location
# that rejected its shipment did not take the order).
ROUTED_TODAY_SQL = (
    "(SELECT count(*) FROM (SELECT r.order_id FROM reservation r"
    " WHERE r.location_id = l.id AND r.created_at >= {since}"
    " UNION SELECT s.order_id FROM shipment s WHERE s.location_id = l.id"
    " AND s.created_at >= {since} AND s.rejected_at IS NULL) routed)")


def day_start(at: datetime) -> datetime:
    """Daily capacity counts from midnight UTC."""
    return datetime.combine(at.astimezone(timezone.utc).date(), time(0), tzinfo=timezone.utc)


def site_of(loc_id: int, code: str, kind: str, address: Any, capacity: int | None,
            routed: int | None) -> routing.Site:
    address = address if isinstance(address, dict) else {}
    return routing.Site(id=loc_id, code=code, kind=kind, country=address.get("country"),
                        region=address.get("region"), daily_capacity=capacity,
                        routed_today=routed or 0)


async def sites_of(channel_id: int, at: datetime) -> list[routing.Site]:
    """The channel's locations in priority order, with today's load where
    they have a capacity (counting costs a query per location otherwise)."""
    links = await ChannelLocation.filter(channel_id=channel_id).order_by(
        "priority").prefetch_related("location")
    capped = [link.location_id for link in links if link.location.daily_capacity is not None]
    routed = await routed_today(capped, at) if capped else {}
    return [site_of(link.location_id, link.location.code, link.location.kind,
                    link.location.address, link.location.daily_capacity,
                    routed.get(link.location_id)) for link in links]


async def routed_today(location_ids: list[int], at: datetime) -> dict[int, int]:
    """location id -> orders routed there today (ROUTED_TODAY_SQL, portably)."""
    since = day_start(at)
    orders: dict[int, set[int]] = {loc: set() for loc in location_ids}
    for loc, order_id in await Reservation.filter(
            location_id__in=location_ids, created_at__gte=since).values_list(
            "location_id", "order_id"):
        orders[loc].add(order_id)
    for loc, order_id in await Shipment.filter(
            location_id__in=location_ids, created_at__gte=since,
            rejected_at__isnull=True).values_list("location_id", "order_id"):
        orders[loc].add(order_id)
    return {loc: len(ids) for loc, ids in orders.items()}


async def strategy_of(channel_id: int) -> routing.Strategy:
    raw = await Channel.filter(id=channel_id).values_list("routing_strategy", flat=True)
    return routing.strategy_from_dict(raw[0] if raw else None)


def assignments(decision: routing.Decision, lines: Sequence[tuple[int, int, int]],
                codes: dict[int, str]) -> list[dict[str, Any]]:
    """The decision's units per location (in the order chosen) and order line."""
    by_location = routing.assign_lines(decision.steps, lines)
    return [{"locationId": loc, "location": codes.get(loc),
             "lines": [{"orderLineId": line_id, "quantity": q}
                       for line_id, q in by_location.get(loc, [])]}
            for loc in decision.locations]


async def next_attempt(order_id: int) -> int:
    found = await RoutingDecision.filter(order_id=order_id).order_by("-attempt").values_list(
        "attempt", flat=True)
    return (found[0] + 1) if found else 1


async def record(*, order_id: int, strategy: routing.Strategy, decision: routing.Decision,
                 assigned: list[dict[str, Any]], outcome: str, actor: str | None,
                 at: datetime) -> RoutingDecision:
    return await RoutingDecision.create(
        order_id=order_id, attempt=await next_attempt(order_id), strategy=strategy.to_dict(),
        assignments=assigned, reasons=[r.to_dict() for r in decision.reasons],
        outcome=outcome, actor=actor, created_at=at)
