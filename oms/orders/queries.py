"""Read side of orders: filtered, keyset-paginated lists, and what the
customer privacy requests (oms.customers.privacy, .export) read."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q, RawSQL
from tortoise.queryset import QuerySet

from oms.catalog.models import Channel
from oms.core import clock, keyset

from .models import Order, OrderLine
from .numbers import parse_number

SORT_FIELDS = {"PLACED_AT": "placed_at", "TOTAL": "total", "NUMBER": "id",
               "UPDATED_AT": "updated_at"}


@dataclass(frozen=True)
class OrderFilter:
    statuses: list[str] | None = None
    channel: str | None = None
    customer_id: int | None = None
    placed_from: datetime | None = None
    placed_to: datetime | None = None
    search: str | None = None
    hold_reason: str | None = None  # a risk reason code (oms.orders.risk.RiskCode)


async def _filtered(f: OrderFilter) -> QuerySet[Order] | None:
    """None when the filter can match nothing (an unknown channel)."""
    qs = Order.all()
    if f.statuses:
        qs = qs.filter(status__in=f.statuses)
    if f.channel is not None:
        ch = await Channel.get_or_none(code=f.channel)
        if ch is None:
            return None
        qs = qs.filter(channel_id=ch.id)
    if f.customer_id is not None:
        qs = qs.filter(customer_id=f.customer_id)
    if f.hold_reason is not None:
        # The reasons are a short JSON list of codes; matching its text with
        # the quoted code works alike on SQLite and PostgreSQL.
        qs = qs.annotate(hold_text=RawSQL('CAST("order"."hold_reasons" AS TEXT)')).filter(
            hold_text__contains=f'"{f.hold_reason}"')
    # In UTC, like the stored values: SQLite compares datetimes as text.
    if f.placed_from is not None:
        qs = qs.filter(placed_at__gte=_utc(f.placed_from))
    if f.placed_to is not None:
        qs = qs.filter(placed_at__lt=_utc(f.placed_to))
    if f.search:
        term = f.search.strip()
        cond = Q(external_reference=term) | Q(customer__email=term.lower())
        parsed = parse_number(term)
        if parsed is not None:
            cond |= Q(id=parsed[1], channel__code=parsed[0])
        qs = qs.filter(cond)
    return qs


def _utc(value: datetime) -> datetime:
    return clock.utc(value)


def _decode_key(field: str, raw: Any) -> Any:
    if field in ("placed_at", "updated_at"):
        return keyset.decode_time(raw)
    if field == "total":
        return keyset.decode_amount(raw)
    return keyset.decode_id(raw)


def _decode_after(field: str, after: list[Any]) -> tuple[Any, int]:
    return keyset.decode_after(after, lambda raw: _decode_key(field, raw))


async def page(f: OrderFilter, *, sort: str, descending: bool, after: list[Any] | None,
               limit: int) -> list[Order]:
    qs = await _filtered(f)
    if qs is None:
        return []
    field = SORT_FIELDS[sort]
    if after is not None:
        key, last_id = _decode_after(field, after)
        if field == "id":
            qs = qs.filter(id__lt=last_id) if descending else qs.filter(id__gt=last_id)
        elif descending:
            qs = qs.filter(Q(**{f"{field}__lt": key}) | Q(**{field: key, "id__lt": last_id}))
        else:
            qs = qs.filter(Q(**{f"{field}__gt": key}) | Q(**{field: key, "id__gt": last_id}))
    prefix = "-" if descending else ""
    ordering = [f"{prefix}{field}"] + ([] if field == "id" else [f"{prefix}id"])
    return await qs.order_by(*ordering).limit(limit)


def cursor_values(order: Order, sort: str) -> list[Any]:
    field = SORT_FIELDS[sort]
    value = getattr(order, field)
    if isinstance(value, datetime):
        value = value.isoformat()
    return [str(value), order.id]


async def count(f: OrderFilter) -> int:
    qs = await _filtered(f)
    return 0 if qs is None else await qs.count()


async def by_number(number: str) -> Order | None:
    parsed = parse_number(number)
    if parsed is None:
        return None
    return await Order.filter(id=parsed[1], channel__code=parsed[0]).first()


# ---- one customer's orders (erasure and export) -----------------------------

# Orders in these statuses are done with; any other still needs its address.
SETTLED_STATUSES = frozenset({"DELIVERED", "COMPLETED", "CANCELLED"})


async def statuses_of_customer(customer_id: int) -> list[tuple[int, str]]:
    """(id, status) of each of the customer's orders, oldest first."""
    return [(i, status) for i, status in await Order.filter(customer_id=customer_id)
            .order_by("id").values_list("id", "status")]


def still_open(statuses: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Those of `statuses` not yet delivered or cancelled, in the same order."""
    return [(i, status) for i, status in statuses if status not in SETTLED_STATUSES]


async def orders_of_customer(customer_id: int) -> list[Order]:
    return await Order.filter(customer_id=customer_id).order_by("id")


async def lines_of_orders(order_ids: list[int]) -> list[list[OrderLine]]:
    """Each order's lines in id order, aligned with `order_ids`; one query."""
    groups: dict[int, list[OrderLine]] = defaultdict(list)
    for line in await OrderLine.filter(order_id__in=order_ids).order_by("id"):
        groups[line.order_id].append(line)
    return [groups.get(i, []) for i in order_ids]
