"""Writing customers' RFM scores, segments and predicted yearly values
(oms.customers.segments defines them) with set-based SQL, the same on
PostgreSQL and SQLite (window functions):

- `recompute_all`: the quintile thresholds from every customer with orders
  (one INSERT ... SELECT with RANK() windows into rfm_quintiles), then every
  customer scored against them (UPDATE ... FROM, CHUNK ids per statement).
  The schedule (oms.customers.schedule) runs it; so does `oms
  segments-recompute`.
- `rescore`: some customers scored against the stored thresholds (one
  UPDATE), after their figures moved (oms.customers.consumer). While fewer
  than SMALL_POPULATION customers have orders, the thresholds and every
  customer with orders are recomputed instead: as cheap, and exact.
"""
from __future__ import annotations

from datetime import datetime

from oms.core import sql
from oms.core.clock import now
from oms.core.uow import unit_of_work

from . import queries, segments
from .models import Customer, RfmQuintiles

SMALL_POPULATION = 100
# The full recompute scores this many ids per statement: each holds its rows'
# locks only briefly (placement and the figures consumer write customers too).
CHUNK = 2000

_KS = range(2, segments.QUINTILES + 1)
# Each score's figure: recency by the time of the last order (later is
# better), frequency by orders, monetary by lifetime value in cents (SQLite
# keeps decimals as text: never compare those).
_CENTS = queries.CENTS.format("c.lifetime_value")
_FIGURES = {"recency": "c.last_order_at", "frequency": "c.orders_count", "monetary": _CENTS}

_DIALECT = {
    "postgres": {"time": "CAST(? AS TIMESTAMPTZ)",
                 "epoch": "CAST(FLOOR(EXTRACT(EPOCH FROM {})) AS BIGINT)",
                 "greatest": "GREATEST", "exact": "CAST({} AS NUMERIC)",
                 "div": "div({}, {})", "money": queries.CENTS_TO_MONEY["postgres"]},
    # Integer arithmetic (exact below 9.2e18, far above any lifetime value).
    "sqlite": {"time": "?", "epoch": "CAST(strftime('%s', {}) AS INTEGER)",
               "greatest": "MAX", "exact": "{}", "div": "({}) / ({})",
               "money": queries.CENTS_TO_MONEY["sqlite"]},
}


def _d(dialect: str) -> dict[str, str]:
    return _DIALECT["postgres" if dialect == "postgres" else "sqlite"]


def thresholds_sql(dialect: str) -> str:
    """Store, for each score and k = 2..5, the smallest figure scoring at
    least k (segments.quintile by RANK and ties). Parameter: the time."""
    ranked = ", ".join(
        f"{expr} AS {name}, RANK() OVER (ORDER BY {expr}) - 1 AS {name}_below, "
        f"COUNT(*) OVER (PARTITION BY {expr}) AS {name}_equal"
        for name, expr in _FIGURES.items())
    columns = [f"{name}_{k}" for name in _FIGURES for k in _KS]
    values = [f"MIN(CASE WHEN 1 + ({segments.QUINTILES} * (2 * {name}_below + {name}_equal))"
              f" / (2 * n) >= {k} THEN {name} END)" for name in _FIGURES for k in _KS]
    return f"""
INSERT INTO rfm_quintiles (id, customers, {', '.join(columns)}, computed_at)
SELECT 1, COUNT(*), {', '.join(values)}, {_d(dialect)['time']}
FROM (SELECT {ranked}, COUNT(*) OVER () AS n FROM customer c WHERE c.orders_count > 0) s
WHERE true
ON CONFLICT (id) DO UPDATE SET customers = EXCLUDED.customers,
  {', '.join(f'{c} = EXCLUDED.{c}' for c in columns)}, computed_at = EXCLUDED.computed_at
"""


def _segment_case() -> str:
    whens = " ".join(f"WHEN {r * 10 + fm} THEN '{segments.GRID[r][fm - 1].value}'"
                     for r in sorted(segments.GRID) for fm in range(1, segments.QUINTILES + 1))
    return (f"CASE WHEN s.r IS NULL THEN '{segments.Segment.PROSPECT.value}' "
            f"ELSE CASE s.r * 10 + (s.f + s.m + 1) / 2 {whens} END END")


def _days_weight(d: dict[str, str]) -> str:
    """max(activeDays, 365) * (180 + idle days): the predicted value's
    denominator (segments.predicted_yearly_cents). Parameter: the time's
    epoch seconds."""
    def days(start: str, end: str) -> str:
        return (f"{d['greatest']}(({end} - {d['epoch'].format(start)})"
                f" / {segments.SECONDS_PER_DAY}, 0)")
    active = days("c.first_order_at", d["epoch"].format("c.last_order_at"))
    idle = days("c.last_order_at", "CAST(? AS BIGINT)")
    return f"{d['greatest']}({active}, {segments.YEAR_DAYS}) * ({segments.HALF_LIFE_DAYS} + {idle})"


def score_sql(dialect: str, customer_ids: list[int] | None, *,
              and_all_with_orders: bool = False, id_range: bool = False) -> str:
    """Score these customers (None: all; `id_range`: those with lo < id <=
    hi), and with `and_all_with_orders` every customer with orders too,
    against rfm_quintiles. Parameters: the time, its epoch seconds, then the
    ids (or lo, hi)."""
    d = _d(dialect)

    def reached(name: str) -> str:
        return " + ".join(f"CASE WHEN {_FIGURES[name]} >= q.{name}_{k} THEN 1 ELSE 0 END"
                          for k in _KS)
    scores = ", ".join(f"CASE WHEN c.orders_count > 0 THEN 1 + {reached(name)} END AS {alias}"
                       for name, alias in (("recency", "r"), ("frequency", "f"),
                                           ("monetary", "m")))
    where = ""
    if customer_ids is not None:
        where = f"WHERE c.id IN ({', '.join('?' * len(customer_ids))})"
        if and_all_with_orders:
            where = f"WHERE (c.orders_count > 0 OR {where[6:]})"
    elif id_range:
        where = "WHERE c.id > CAST(? AS BIGINT) AND c.id <= CAST(? AS BIGINT)"
    # Half up: (2n + d) / 2d in integers (segments.predicted_yearly_cents).
    numerator = (f"2 * {d['exact'].format('t.cents')} * "
                 f"{segments.YEAR_DAYS * segments.HALF_LIFE_DAYS} + t.weight")
    return f"""
UPDATE customer SET rfm_recency = s.r, rfm_frequency = s.f, rfm_monetary = s.m,
  segment = {_segment_case()},
  predicted_yearly_value = {d['money'].format('s.predicted')},
  segment_computed_at = {d['time']}
FROM (
  SELECT t.id AS id, t.r AS r, t.f AS f, t.m AS m,
         CASE WHEN t.orders_count > 0 AND t.cents > 0
              THEN {d['div'].format(numerator, '2 * t.weight')} ELSE 0 END AS predicted
  FROM (
    SELECT c.id AS id, {scores}, c.orders_count AS orders_count, {_CENTS} AS cents,
           {_days_weight(d)} AS weight
    FROM customer c LEFT JOIN rfm_quintiles q ON q.id = 1
    {where}
  ) t
) s
WHERE customer.id = s.id
"""


async def recompute_all(at: datetime | None = None, *,
                        touched: list[int] | None = None) -> int:
    """Thresholds and every customer's scores as of `at` (default now); how
    many customers were written. With `touched`, only customers with orders
    and those (the scores of other prospects cannot have moved)."""
    at = at or now()
    epoch = segments.epoch_seconds(at)
    async with unit_of_work() as uow:
        dialect = uow.conn.capabilities.dialect
        await sql.execute(uow.conn, thresholds_sql(dialect), [at])
        if touched is not None:
            return await sql.execute(uow.conn, score_sql(dialect, touched,
                                                         and_all_with_orders=True),
                                     [at, epoch, *touched])
    top = await Customer.all().order_by("-id").first().values_list("id", flat=True)
    text = score_sql(dialect, None, id_range=True)
    written, lo = 0, 0
    while top is not None and lo < top:
        async with unit_of_work() as uow:
            written += await sql.execute(uow.conn, text, [at, epoch, lo, lo + CHUNK])
        lo += CHUNK
    return written


async def rescore(customer_ids: list[int], at: datetime | None = None) -> int:
    """Score these customers against the stored thresholds (a full
    recompute while the population is small or was never measured)."""
    if not customer_ids:
        return 0
    at = at or now()
    measured = await RfmQuintiles.filter(id=1).values_list("customers", flat=True)
    if not measured or measured[0] < SMALL_POPULATION:
        return await recompute_all(at, touched=customer_ids)
    async with unit_of_work() as uow:
        return await sql.execute(
            uow.conn, score_sql(uow.conn.capabilities.dialect, customer_ids),
            [at, segments.epoch_seconds(at), *customer_ids])
