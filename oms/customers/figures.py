"""A customer's figures: what they mean and their arithmetic. Pure.

API.md: lifetimeValue is what the customer has paid net of refunds, over
orders not cancelled. Spelled out, for one customer:

- An order counts unless it is CANCELLED or it is the replacement sent
  for a return (an exchange: the customer ordered and paid once, on the
  original order). ordersCount is the number of
  orders that count; firstOrderAt and lastOrderAt their earliest and latest
  placedAt.
- What an order paid is what the accounts-receivable ledger received for it
  (oms.payments.receivables: PAYMENT entries less REFUND entries). The ledger
  moves in the transaction that records the gateway's answer, so it is the
  money actually taken and given back, captured in parts or refunded in parts.
- An order with no money in the ledger was paid elsewhere (a storefront's or
  a marketplace's own payment) when its paymentStatus says so: CAPTURED or
  PARTIALLY_REFUNDED count at the order total (we are told of no refund
  amount), REFUNDED at nothing. Any other status (PENDING, AUTHORIZED,
  VOIDED, FAILED) has paid nothing.
- Currency: what an order paid is in the order's currency. It is converted
  to the shop's base currency (OMS_BASE_CURRENCY) at the rate stored on the
  order when it was placed (order.fx_rate, 1 in the base currency; see
  oms.catalog.rates): paid cents * fx_rate, rounded half up to the cent,
  order by order (`base_cents`), so a customer's lifetime value is a sum of
  whole cents and never moves when rates change later.
- lifetimeValue is the sum of the converted amounts over the orders that
  count, to the cent; averageOrderValue is lifetimeValue / ordersCount
  rounded half up to the cent (none without orders).

The same definition is written once as SQL (oms.customers.queries) for the
incremental update and for `oms check-customers`, which compares it with
`expected()` below.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext

from oms.core.money import CENT

# Order statuses and payment statuses the definition names.
NOT_COUNTED_STATUS = "CANCELLED"
PAID_ELSEWHERE = ("CAPTURED", "PARTIALLY_REFUNDED")
# Ledger entry kinds: money received, money sent back.
RECEIVED, SENT_BACK = "PAYMENT", "REFUND"


@dataclass(frozen=True)
class Figures:
    orders_count: int = 0
    lifetime_value: Decimal = Decimal("0.00")
    average_order_value: Decimal | None = None
    first_order_at: datetime | None = None
    last_order_at: datetime | None = None


def average_cents(paid_cents: int, orders_count: int) -> int | None:
    """Half up to the cent, in integers (the SQL does the same sum)."""
    if orders_count <= 0:
        return None
    return (2 * paid_cents + orders_count) // (2 * orders_count)


def base_cents(paid_cents: int, fx_rate: Decimal) -> int:
    """One order's paid cents in the base currency: times its rate, half up
    (away from zero, as SQL's ROUND) to the cent. The SQL does the same in
    integers on SQLite (oms.customers.queries)."""
    with localcontext() as ctx:
        ctx.prec = 60  # exact: 14-digit cents times an 18-digit rate
        return int((Decimal(paid_cents) * Decimal(fx_rate)).to_integral_value(ROUND_HALF_UP))


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def expected(*, orders_count: int, paid_cents: int, first_order_at: datetime | None,
             last_order_at: datetime | None) -> Figures:
    """The figures one customer's counted orders add up to."""
    aov = average_cents(paid_cents, orders_count)
    return Figures(orders_count=orders_count, lifetime_value=from_cents(paid_cents),
                   average_order_value=None if aov is None else from_cents(aov),
                   first_order_at=first_order_at, last_order_at=last_order_at)


def differences(stored: Figures, recomputed: Figures) -> list[str]:
    """The names of the figures that differ, as `name: stored != recomputed`."""
    out = []
    for name in Figures.__dataclass_fields__:
        a, b = getattr(stored, name), getattr(recomputed, name)
        if a != b:
            out.append(f"{name}: {a} != {b}")
    return out
