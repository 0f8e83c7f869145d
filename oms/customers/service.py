"""Customers are identified by email and created on their first order; their
figures (oms.customers.figures) are recomputed from their orders."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

from oms.core import sql
from oms.core.uow import current_connection, unit_of_work

from . import queries
from .figures import Figures
from .models import Customer

# How many recent shipping addresses a customer's address book keeps.
ADDRESS_BOOK_SIZE = 10


async def find_or_create(*, email: str, name: str | None = None, phone: str | None = None) -> Customer:
    """`email` must already be normalised. Safe under concurrent first orders."""
    async with unit_of_work() as uow:
        customer = await Customer.get_or_none(email=email)
        if customer is None:
            await sql.execute(
                uow.conn, "INSERT INTO customer (email, name, phone, addresses, created_at, "
                          "updated_at) VALUES (?, ?, ?, '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                          " ON CONFLICT (email) DO NOTHING", [email, name, phone])
            customer = await Customer.get(email=email)
        elif (name and name != customer.name) or (phone and phone != customer.phone):
            customer.name = name or customer.name
            customer.phone = phone or customer.phone
            await customer.save(update_fields=["name", "phone", "updated_at"])
        return customer


async def remember_address(customer: Customer, address: dict) -> None:
    if address in (customer.addresses or []):
        return
    customer.addresses = [*(customer.addresses or []), address][-ADDRESS_BOOK_SIZE:]
    await customer.save(update_fields=["addresses", "updated_at"])


# ---- figures ----------------------------------------------------------------

@functools.cache
def base_currency() -> str:
    """OMS_BASE_CURRENCY (the figures are stated in it), read once per process."""
    from oms.settings import load

    return load().base_currency


# The grouped figures (queries.grouped_sql) written onto the customer rows in
# one statement. Average half up in integer cents, as figures.average_cents.
# The country of the latest shipping address rides along: it moves with
# the orders too.
_RECOMPUTE = """
UPDATE customer SET
  orders_count = f.orders_count,
  lifetime_value = {money_total},
  average_order_value = CASE WHEN f.orders_count > 0 THEN {money_average} END,
  first_order_at = f.first_order_at,
  last_order_at = f.last_order_at,
  country = {country}
FROM (
  SELECT c.id AS id, COALESCE(g.orders_count, 0) AS orders_count,
         COALESCE(g.paid_cents, 0) AS paid_cents,
         g.first_order_at AS first_order_at, g.last_order_at AS last_order_at
  FROM customer c LEFT JOIN ({grouped}) g ON g.customer_id = c.id
  {where}
) f
WHERE customer.id = f.id
"""
_AVERAGE_CENTS = "(2 * f.paid_cents + f.orders_count) / (2 * f.orders_count)"

_COUNTRY = {
    "postgres": "SUBSTR(UPPER(customer.addresses -> -1 ->> 'country'), 1, 2)",
    "sqlite": "SUBSTR(UPPER(json_extract(customer.addresses, '$[#-1].country')), 1, 2)",
}


def recompute_sql(dialect: str, customer_ids: list[int] | None) -> tuple[str, list[int]]:
    grouped, params = queries.grouped_sql(customer_ids, dialect)
    key = "postgres" if dialect == "postgres" else "sqlite"
    money = queries.CENTS_TO_MONEY[key]
    where = ""
    if customer_ids is not None:
        where = f"WHERE c.id IN ({', '.join('?' * len(customer_ids))})"
        params = [*params, *customer_ids]
    text = _RECOMPUTE.format(money_total=money.format("f.paid_cents"),
                             money_average=money.format(_AVERAGE_CENTS),
                             country=_COUNTRY[key], grouped=grouped, where=where)
    return text, params


async def recompute_figures(customer_ids: list[int] | None = None) -> int:
    """Write the figures of these customers (None: every customer) as their
    orders say, in one statement; how many customers it wrote. Always right
    whenever it runs, so running it twice or late is harmless."""
    if customer_ids is not None and not customer_ids:
        return 0
    conn = current_connection()
    text, params = recompute_sql(conn.capabilities.dialect, customer_ids)
    return await sql.execute(conn, text, params)


@dataclass(frozen=True)
class Difference:
    customer_id: int
    email: str
    differences: list[str]


CHECK_BATCH = 1000


async def check_figures(*, on_batch: Callable[[int, int], None] | None = None,
                        batch: int = CHECK_BATCH) -> list[Difference]:
    """Every customer's stored figures against a recomputation from the
    orders, a batch of customers (one grouped query) at a time.
    `on_batch(done, total)` follows the progress."""
    from .figures import differences

    conn = current_connection()
    total = await Customer.all().count()
    found: list[Difference] = []
    done, last_id = 0, 0
    while True:
        customers = await Customer.filter(id__gt=last_id).order_by("id").limit(batch)
        if not customers:
            break
        fresh: dict[int, Figures] = await queries.recomputed(conn, [c.id for c in customers])
        for c in customers:
            diff = differences(queries.stored(c), fresh[c.id])
            if diff:
                found.append(Difference(c.id, c.email, diff))
        done += len(customers)
        last_id = customers[-1].id
        if on_batch is not None:
            on_batch(done, max(total, done))
    return found
