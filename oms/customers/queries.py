"""Read side of customers: their figures recomputed from the orders (the
definition is in oms.customers.figures), and filtered, keyset-paginated lists
over the stored figures."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q, RawSQL
from tortoise.queryset import QuerySet

from oms.core import clock, keyset, sql

from . import figures
from .figures import Figures
from .models import Customer

# ---- figures from the orders ----------------------------------------------

# Money in integer cents, so SQLite (decimals stored as text, summed as
# floats) adds up exactly what PostgreSQL does.
CENTS = "CAST(ROUND({} * 100) AS BIGINT)"
# Integer cents back into a money column, by dialect: exact numeric division
# on PostgreSQL; decimals are text on SQLite, written with two decimals, as
# Tortoise writes them.
CENTS_TO_MONEY = {"postgres": "CAST({} AS NUMERIC) / 100",
                  "sqlite": "printf('%.2f', {} / 100.0)"}
_PAID_ELSEWHERE = ", ".join(f"'{s}'" for s in figures.PAID_ELSEWHERE)

# One row per customer with counted orders: (customer_id, orders_count,
# first_order_at, last_order_at, paid_cents), paid_cents in the base currency:
# each order's paid cents (in its own currency) times its fx_rate, rounded
# half up to the cent per order (figures.base_cents). {orders} and {entries}
# narrow it to some customers; {scaled} and {base_cents} are the dialect's
# exact conversion (_CONVERT).
_GROUPED = f"""
SELECT p.customer_id AS customer_id, COUNT(*) AS orders_count,
       MIN(p.placed_at) AS first_order_at, MAX(p.placed_at) AS last_order_at,
       CAST(SUM({{base_cents}}) AS BIGINT) AS paid_cents
FROM (
SELECT q.customer_id AS customer_id, q.placed_at AS placed_at, {{scaled}} AS scaled
FROM (
SELECT o.customer_id AS customer_id, o.placed_at AS placed_at, o.fx_rate AS fx_rate,
       COALESCE(m.cents, CASE WHEN o.payment_status IN ({_PAID_ELSEWHERE})
                              THEN {CENTS.format('o.total')} ELSE 0 END) AS cents
FROM "order" o
LEFT JOIN (
  SELECT r.order_id AS order_id,
         SUM(CASE WHEN r.kind = '{figures.RECEIVED}' THEN 1 ELSE -1 END
             * {CENTS.format('r.amount')}) AS cents
  FROM receivable_entry r
  WHERE r.kind IN ('{figures.RECEIVED}', '{figures.SENT_BACK}'){{entries}}
  GROUP BY r.order_id
) m ON m.order_id = o.id
WHERE o.status <> '{figures.NOT_COUNTED_STATUS}'{{orders}}
  AND NOT EXISTS (SELECT 1 FROM "return" x WHERE x.exchange_order_id = o.id)
) q
) p
GROUP BY p.customer_id
"""

# cents * fx_rate rounded half up (away from zero) to a whole cent, exactly:
# PostgreSQL in NUMERIC; SQLite stores decimals as text and multiplies them as
# floats, so there the rate is first made an integer of 1e-8 units (it has 8
# places) and the product divided back in integers.
_RATE_UNITS = 100_000_000
_CONVERT = {
    "postgres": {"scaled": "q.cents * q.fx_rate", "base_cents": "ROUND(p.scaled)"},
    "sqlite": {
        "scaled": f"q.cents * CAST(ROUND(q.fx_rate * {_RATE_UNITS}) AS INTEGER)",
        "base_cents": (f"CASE WHEN p.scaled >= 0 THEN (p.scaled + {_RATE_UNITS // 2}) / "
                       f"{_RATE_UNITS} ELSE -(({_RATE_UNITS // 2} - p.scaled) / {_RATE_UNITS})"
                       " END")},
}


def _in(ids: list[int]) -> str:
    return ", ".join("?" * len(ids))


def grouped_sql(customer_ids: list[int] | None, dialect: str = "sqlite"
                ) -> tuple[str, list[int]]:
    """The grouped query, for these customers or (None) for all, in the
    dialect's arithmetic ("postgres" or anything else: SQLite's)."""
    convert = _CONVERT["postgres" if dialect == "postgres" else "sqlite"]
    if customer_ids is None:
        return _GROUPED.format(entries="", orders="", **convert), []
    marks = _in(customer_ids)
    text = _GROUPED.format(
        entries=f' AND r.order_id IN (SELECT id FROM "order" WHERE customer_id IN ({marks}))',
        orders=f" AND o.customer_id IN ({marks})", **convert)
    return text, [*customer_ids, *customer_ids]


def _as_time(value: Any) -> datetime | None:
    """SQLite hands back the stored text."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return clock.utc(value)


async def recomputed(conn: BaseDBAsyncClient, customer_ids: list[int]) -> dict[int, Figures]:
    """What the orders say each customer's figures are (one query)."""
    text, params = grouped_sql(customer_ids, conn.capabilities.dialect)
    rows = {int(r["customer_id"]): r for r in await sql.fetch(conn, text, params)}
    out = {}
    for cid in customer_ids:
        r = rows.get(cid)
        out[cid] = figures.expected(
            orders_count=int(r["orders_count"]) if r else 0,
            paid_cents=int(r["paid_cents"]) if r else 0,
            first_order_at=_as_time(r["first_order_at"]) if r else None,
            last_order_at=_as_time(r["last_order_at"]) if r else None)
    return out


def stored(customer: Customer) -> Figures:
    aov = customer.average_order_value
    return Figures(orders_count=customer.orders_count,
                   lifetime_value=Decimal(str(customer.lifetime_value)).quantize(figures.CENT),
                   average_order_value=(None if aov is None
                                        else Decimal(str(aov)).quantize(figures.CENT)),
                   first_order_at=_as_time(customer.first_order_at),
                   last_order_at=_as_time(customer.last_order_at))


# ---- the customers list ---------------------------------------------------

SORT_FIELDS = {"LIFETIME_VALUE": "lifetime_value", "ORDERS_COUNT": "orders_count",
               "LAST_ORDER_AT": "last_order_at",
               "PREDICTED_YEARLY_VALUE": "predicted_yearly_value"}

# What `search` matches, lower-cased; PostgreSQL has a trigram index on this
# very expression (migration 5), so a substring search need not scan.
SEARCH_TEXT = ("LOWER(COALESCE(\"customer\".\"name\", '') || ' ' || \"customer\".\"email\""
               " || ' ' || COALESCE(\"customer\".\"phone\", ''))")


@dataclass(frozen=True)
class CustomerFilter:
    search: str | None = None
    country: str | None = None
    min_lifetime_value: Decimal | None = None
    max_lifetime_value: Decimal | None = None
    last_order_before: datetime | None = None
    last_order_after: datetime | None = None
    marketing_consent: bool | None = None
    # Any of these segments (oms.customers.segments.Segment values).
    segments: tuple[str, ...] | None = None


def _filtered(f: CustomerFilter) -> QuerySet[Customer]:
    qs = Customer.all()
    if f.search and f.search.strip():
        qs = qs.annotate(search_text=RawSQL(SEARCH_TEXT)).filter(
            search_text__contains=f.search.strip().lower())
    if f.country:
        qs = qs.filter(country=f.country.strip().upper())
    if f.min_lifetime_value is not None:
        qs = qs.filter(lifetime_value__gte=f.min_lifetime_value)
    if f.max_lifetime_value is not None:
        qs = qs.filter(lifetime_value__lte=f.max_lifetime_value)
    # In UTC, like the stored values: SQLite compares datetimes as text.
    if f.last_order_before is not None:
        qs = qs.filter(last_order_at__lt=clock.utc(f.last_order_before))
    if f.last_order_after is not None:
        qs = qs.filter(last_order_at__gte=clock.utc(f.last_order_after))
    if f.marketing_consent is not None:
        qs = qs.filter(marketing_consent=f.marketing_consent)
    if f.segments is not None:
        qs = qs.filter(segment__in=list(f.segments))
    return qs


def _decode_key(field: str, raw: Any) -> Any:
    if raw is None:
        if field != "last_order_at":
            raise ValueError("cursor key missing")
        return None  # customers without orders come last
    if field == "last_order_at":
        return keyset.decode_time(raw)
    if field == "orders_count":
        return keyset.decode_id(raw)
    return keyset.decode_amount(raw)


def _decode_after(field: str, after: list[Any]) -> tuple[Any, int]:
    return keyset.decode_after(after, lambda raw: _decode_key(field, raw))


def _seek(qs: QuerySet[Customer], field: str, key: Any, last_id: int,
          descending: bool) -> QuerySet[Customer]:
    if descending:
        return qs.filter(Q(**{f"{field}__lt": key}) | Q(**{field: key, "id__lt": last_id}))
    return qs.filter(Q(**{f"{field}__gt": key}) | Q(**{field: key, "id__gt": last_id}))


async def page(f: CustomerFilter, *, sort: str, descending: bool, after: list[Any] | None,
               limit: int) -> list[Customer]:
    """Ordered by the sort key then id, in the same direction. Customers
    without orders have no lastOrderAt: they come after all others in either
    direction (by id), the same on both back ends, each part seeking on its
    own index."""
    field = SORT_FIELDS[sort]
    prefix = "-" if descending else ""
    qs = _filtered(f)
    key, last_id = _decode_after(field, after) if after is not None else (None, None)
    rows: list[Customer] = []
    if field != "last_order_at" or after is None or key is not None:
        part = qs.filter(last_order_at__isnull=False) if field == "last_order_at" else qs
        if last_id is not None:
            part = _seek(part, field, key, last_id, descending)
        rows = await part.order_by(f"{prefix}{field}", f"{prefix}id").limit(limit)
    if field == "last_order_at" and len(rows) < limit:
        rest = qs.filter(last_order_at__isnull=True)
        if key is None and last_id is not None:
            rest = rest.filter(id__lt=last_id) if descending else rest.filter(id__gt=last_id)
        rows += await rest.order_by(f"{prefix}id").limit(limit - len(rows))
    return rows


def cursor_values(customer: Customer, sort: str) -> list[Any]:
    value = getattr(customer, SORT_FIELDS[sort])
    if isinstance(value, datetime):
        value = value.isoformat()
    elif value is not None:
        value = str(value)
    return [value, customer.id]


async def count(f: CustomerFilter) -> int:
    return await _filtered(f).count()
