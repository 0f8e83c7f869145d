"""Read side of returns: what an order's lines may still return, the
keyset-paginated returns list, the DataLoader batch functions, and what the
customer privacy requests (oms.customers.privacy, .export) read."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q

from oms.core.batches import grouped_by
from oms.catalog.models import Channel, Location
from oms.core import clock, keyset
from oms.fulfillment.models import ShipmentLine
from oms.orders.models import OrderLine

from .lifecycle import ReturnStatus
from .models import Return, ReturnLine, ReturnPolicy, ReturnTrackingEvent
from .policy import DEFAULT, LineFacts, Policy


async def policy_of_channel(channel_id: int) -> Policy:
    """The channel's policy in force (DEFAULT without a row)."""
    row = await ReturnPolicy.get_or_none(channel_id=channel_id)
    if row is None:
        return DEFAULT
    location = None
    if row.return_location_id is not None:
        location = (await Location.filter(id=row.return_location_id)
                    .values_list("code", flat=True))[0]
    return Policy.from_json({
        "window_days": row.window_days, "final_sale_skus": row.final_sale_skus,
        "return_shipping_payer": row.return_shipping_payer,
        "return_shipping_fee": row.return_shipping_fee,
        "refund_original_shipping": row.refund_original_shipping,
        "return_location": location, "carrier": row.carrier, "service": row.service})


def counts_against_returnable(status: str, received_at: datetime | None) -> bool:
    """A return's units stay out of what may be returned again unless it was
    rejected or withdrawn before its parcel was received."""
    if status == ReturnStatus.REJECTED.value:
        return False
    return not (status == ReturnStatus.CLOSED.value and received_at is None)


async def line_facts(order_id: int) -> dict[int, LineFacts]:
    """Per order line: delivered units, the latest delivery, units in returns."""
    delivered: dict[int, int] = defaultdict(int)
    last: dict[int, datetime] = {}
    for r in await ShipmentLine.filter(order_line__order_id=order_id,
                                       shipment__status="DELIVERED").values(
            "order_line_id", "quantity", "shipment__delivered_at"):
        delivered[r["order_line_id"]] += r["quantity"]
        at = r["shipment__delivered_at"]
        if at is not None and (r["order_line_id"] not in last or at > last[r["order_line_id"]]):
            last[r["order_line_id"]] = at
    in_returns: dict[int, int] = defaultdict(int)
    for r in await ReturnLine.filter(ret__order_id=order_id).values(
            "order_line_id", "quantity", "ret__status", "ret__received_at"):
        if counts_against_returnable(r["ret__status"], r["ret__received_at"]):
            in_returns[r["order_line_id"]] += r["quantity"]
    return {ln["id"]: LineFacts(order_line_id=ln["id"], sku=ln["sku"],
                                delivered=delivered[ln["id"]],
                                last_delivered_at=last.get(ln["id"]),
                                in_returns=in_returns[ln["id"]])
            for ln in await OrderLine.filter(order_id=order_id).order_by("id").values("id", "sku")}


# ---- the returns list: newest first, keyset on (created_at, id)

@dataclass(frozen=True)
class ReturnFilter:
    statuses: list[str] | None = None
    order_id: int | None = None
    channel: str | None = None
    customer_id: int | None = None


async def _filtered(f: ReturnFilter):
    qs = Return.all()
    if f.statuses:
        qs = qs.filter(status__in=f.statuses)
    if f.order_id is not None:
        qs = qs.filter(order_id=f.order_id)
    if f.channel is not None:
        channel_id = await Channel.filter(code=f.channel).values_list("id", flat=True)
        if not channel_id:
            return None
        qs = qs.filter(order__channel_id=channel_id[0])
    if f.customer_id is not None:
        qs = qs.filter(order__customer_id=f.customer_id)
    return qs


async def page(f: ReturnFilter, *, after: list[Any] | None, limit: int) -> list[Return]:
    qs = await _filtered(f)
    if qs is None:
        return []
    if after is not None:
        at, last_id = keyset.decode_after(after, keyset.decode_time)
        qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=last_id))
    return await qs.order_by("-created_at", "-id").limit(limit)


def cursor_values(ret: Return) -> list[Any]:
    return [clock.utc(ret.created_at).isoformat(), ret.id]


async def count(f: ReturnFilter) -> int:
    qs = await _filtered(f)
    return 0 if qs is None else await qs.count()


# ---- DataLoader batch functions (oms.graphql.loaders)

async def returns_by_id(ids: list[int]) -> list[Return | None]:
    rows = {r.id: r for r in await Return.filter(id__in=ids)}
    return [rows.get(i) for i in ids]


async def returns_of_orders(order_ids: list[int]) -> list[list[Return]]:
    return await grouped_by(Return, "order_id", order_ids, ("created_at", "id"))


async def lines_of_returns(return_ids: list[int]) -> list[list[ReturnLine]]:
    return await grouped_by(ReturnLine, "ret_id", return_ids, ("id",))


async def tracking_of_returns(return_ids: list[int]) -> list[list[ReturnTrackingEvent]]:
    return await grouped_by(ReturnTrackingEvent, "ret_id", return_ids, ("occurred_at", "id"))


# ---- the returns of one customer's orders (erasure and export) --------------

# Returns in these statuses are resolved; any other still needs the address.
SETTLED_STATUSES = frozenset({ReturnStatus.REJECTED.value, ReturnStatus.REFUNDED.value,
                              ReturnStatus.EXCHANGED.value, ReturnStatus.CLOSED.value})


async def statuses_of_orders(order_ids: list[int]) -> list[tuple[int, str]]:
    """(id, status) of each return of these orders, oldest first."""
    if not order_ids:
        return []
    return [(i, status) for i, status in await Return.filter(order_id__in=order_ids)
            .order_by("id").values_list("id", "status")]


def still_open(statuses: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Those of `statuses` not yet resolved, in the same order."""
    return [(i, status) for i, status in statuses if status not in SETTLED_STATUSES]


async def returns_of_orders_by_id(order_ids: list[int]) -> list[list[Return]]:
    """As returns_of_orders, but in the order they were made (by id)."""
    return await grouped_by(Return, "order_id", order_ids, ("id",))
