"""RFM scores, named segments and the predicted yearly value: what they
mean and their arithmetic. Pure.

Scores (1..5) rank each customer WITH ORDERS among all customers with
orders, by quintiles, on three figures:

- recency: days since the last order, fewer is better (ranked by the time of
  the last order, which orders them the same way and does not move with the
  clock);
- frequency: ordersCount, more is better;
- monetary: lifetimeValue, more is better.

Quintiles by mid-rank, so that equal figures always get the same score: for
a customer whose figure is beaten by `below` customers and shared by `equal`
(themselves included) out of `n`,

    score = 1 + floor(5 * (below + equal / 2) / n)

With distinct figures this is NTILE(5): each fifth of the customers, worst
first, scores 1, 2, ... 5. Ties sit at the middle of the ranks they span
(when 60% of customers have one order, they all score frequency 2). One
customer alone scores 3 on each.

The full recompute (oms.customers.segment_service, set-based SQL) scores
everyone and keeps the THRESHOLDS: for k = 2..5 the smallest figure scoring
at least k. A customer touched between two full recomputes is scored
against them: 1 + the number of thresholds its figure reaches (exactly the
score above for any figure that was in the population).

Segments come from recency R and FM = (F + M) / 2 rounded half up, on the
grid below (the usual RFM map, lost split from hibernating by R):

    R \\ FM   1                2                 3                4             5
    5        NEW              POTENTIAL_LOYAL   POTENTIAL_LOYAL  CHAMPIONS     CHAMPIONS
    4        PROMISING        POTENTIAL_LOYAL   POTENTIAL_LOYAL  LOYAL         LOYAL
    3        ABOUT_TO_SLEEP   ABOUT_TO_SLEEP    NEED_ATTENTION   LOYAL         LOYAL
    2        HIBERNATING      HIBERNATING       AT_RISK          AT_RISK       CANNOT_LOSE
    1        LOST             LOST              AT_RISK          AT_RISK       CANNOT_LOSE

A customer without orders (not cancelled) is a PROSPECT and has no scores.

Predicted yearly value, from the customer's own history, in integer cents:

    yearly   = lifetimeValue * 365 / max(activeDays, 365)
    decay    = 180 / (180 + daysSinceLastOrder)
    predicted = yearly * decay, rounded half up to the cent

activeDays are the whole days from the first to the last order. yearly is
averageOrderValue * orders per year over the active span (the ordersCount
cancels out); the span is at least a year, so a new customer is expected to
repeat in a year what they did so far, not to keep their first week's
pace. The decay halves the prediction after 180 days without an order, a
third after a year. Whole days count whole seconds (floored) / 86,400; a
negative lifetime value or day count counts as 0. No orders: 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Mapping, Sequence, TypeVar

T = TypeVar("T")
K = TypeVar("K")

QUINTILES = 5
YEAR_DAYS = 365
HALF_LIFE_DAYS = 180  # the decay halves the prediction after this many idle days
SECONDS_PER_DAY = 86_400
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SECOND = timedelta(seconds=1)


class Segment(str, Enum):
    CHAMPIONS = "CHAMPIONS"
    LOYAL = "LOYAL"
    POTENTIAL_LOYAL = "POTENTIAL_LOYAL"
    NEW = "NEW"
    PROMISING = "PROMISING"
    NEED_ATTENTION = "NEED_ATTENTION"
    ABOUT_TO_SLEEP = "ABOUT_TO_SLEEP"
    AT_RISK = "AT_RISK"
    CANNOT_LOSE = "CANNOT_LOSE"
    HIBERNATING = "HIBERNATING"
    LOST = "LOST"
    PROSPECT = "PROSPECT"  # no orders


_S = Segment
# GRID[R][FM - 1], R from 1 to 5 (the table in the module's docstring).
GRID: dict[int, tuple[Segment, ...]] = {
    5: (_S.NEW, _S.POTENTIAL_LOYAL, _S.POTENTIAL_LOYAL, _S.CHAMPIONS, _S.CHAMPIONS),
    4: (_S.PROMISING, _S.POTENTIAL_LOYAL, _S.POTENTIAL_LOYAL, _S.LOYAL, _S.LOYAL),
    3: (_S.ABOUT_TO_SLEEP, _S.ABOUT_TO_SLEEP, _S.NEED_ATTENTION, _S.LOYAL, _S.LOYAL),
    2: (_S.HIBERNATING, _S.HIBERNATING, _S.AT_RISK, _S.AT_RISK, _S.CANNOT_LOSE),
    1: (_S.LOST, _S.LOST, _S.AT_RISK, _S.AT_RISK, _S.CANNOT_LOSE),
}


def quintile(below: int, equal: int, n: int) -> int:
    """1 + floor(5 * (below + equal / 2) / n), in integers."""
    return 1 + (QUINTILES * (2 * below + equal)) // (2 * n)


def scores(values: Sequence[T]) -> list[int]:
    """Each value's score among `values` (larger is better)."""
    ordered = sorted(values)  # type: ignore[type-var]
    n = len(ordered)
    first: dict = {}
    count: dict = {}
    for i, v in enumerate(ordered):
        first.setdefault(v, i)
        count[v] = count.get(v, 0) + 1
    return [quintile(first[v], count[v], n) for v in values]


def thresholds(values: Sequence[T]) -> list[T | None]:
    """For k = 2..5, the smallest of `values` scoring at least k (None: none does)."""
    by_score: dict[int, T] = {}
    for v, s in zip(values, scores(values)):
        if s not in by_score or v < by_score[s]:  # type: ignore[operator]
            by_score[s] = v
    out: list[T | None] = []
    for k in range(2, QUINTILES + 1):
        reaching = [by_score[s] for s in by_score if s >= k]
        out.append(min(reaching) if reaching else None)  # type: ignore[type-var]
    return out


def score_against(value: T, limits: Sequence[T | None]) -> int:
    """A figure's score against the thresholds of a full recompute."""
    return 1 + sum(1 for t in limits if t is not None and value >= t)  # type: ignore[operator]


def fm(frequency: int, monetary: int) -> int:
    """(F + M) / 2, half up."""
    return (frequency + monetary + 1) // 2


def segment(recency: int | None, frequency: int | None, monetary: int | None) -> Segment:
    if recency is None or frequency is None or monetary is None:
        return Segment.PROSPECT
    return GRID[recency][fm(frequency, monetary) - 1]


def epoch_seconds(at: datetime) -> int:
    """Whole seconds since 1970 (floored), as SQL's epoch of a timestamp."""
    return (at - _EPOCH) // _SECOND


def whole_days(start: datetime, end: datetime) -> int:
    """Whole days from `start` to `end`, on whole (floored) seconds; 0 if negative."""
    return max(0, (epoch_seconds(end) - epoch_seconds(start)) // SECONDS_PER_DAY)


def predicted_yearly_cents(*, lifetime_cents: int, first_order_at: datetime | None,
                           last_order_at: datetime | None, at: datetime) -> int:
    """The predicted yearly value in cents (the formula in the docstring)."""
    if first_order_at is None or last_order_at is None or lifetime_cents <= 0:
        return 0
    active = max(whole_days(first_order_at, last_order_at), YEAR_DAYS)
    idle = whole_days(last_order_at, at)
    numerator = lifetime_cents * YEAR_DAYS * HALF_LIFE_DAYS
    denominator = active * (HALF_LIFE_DAYS + idle)
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass(frozen=True)
class Scored:
    recency: int | None
    frequency: int | None
    monetary: int | None
    segment: Segment
    predicted_yearly_cents: int


@dataclass(frozen=True)
class History:
    """What a customer's scores are computed from (their stored figures)."""

    orders_count: int
    lifetime_cents: int
    first_order_at: datetime | None
    last_order_at: datetime | None


def score_all(customers: Mapping[K, History], at: datetime) -> dict[K, Scored]:
    """Every customer's scores, segment and prediction at `at`, as the full
    recompute writes them (the reference its SQL is tested against)."""
    ranked = {k: h for k, h in customers.items() if h.orders_count > 0}
    keys = list(ranked)
    r = scores([ranked[k].last_order_at for k in keys])
    f = scores([ranked[k].orders_count for k in keys])
    m = scores([ranked[k].lifetime_cents for k in keys])
    position = {k: i for i, k in enumerate(keys)}
    out: dict[K, Scored] = {}
    for k, h in customers.items():
        if h.orders_count > 0:
            i = position[k]
            rfm = (r[i], f[i], m[i])
        else:
            rfm = (None, None, None)
        predicted = predicted_yearly_cents(
            lifetime_cents=h.lifetime_cents, first_order_at=h.first_order_at,
            last_order_at=h.last_order_at, at=at) if h.orders_count > 0 else 0
        out[k] = Scored(*rfm, segment=segment(*rfm), predicted_yearly_cents=predicted)
    return out
