"""RFM scores, segments and the predicted yearly value: the pure definition
(oms.customers.segments) with exact values; the set-based SQL that writes
them (both dialects) equal to it; a touched customer scored against the
stored thresholds; the schedule that recomputes everyone at least once per
interval, run by one process at a time; the API's fields, filters and order."""
from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from oms.core import ids
from oms.customers import schedule, segment_service, segments
from oms.customers.models import Customer, RfmQuintiles, ScheduledJob
from oms.customers.segments import History, Segment

from tests.graphql.helpers import STAFF, Gql, customer_auth

from .support import D, drain, oms_cli, place

AT = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)
S = Segment

# ---- pure ---------------------------------------------------------------------------


@pytest.mark.parametrize("values, expected", [
    (list(range(10)), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]),        # distinct: NTILE(5)
    ([9, 0, 8, 1, 7, 2, 6, 3, 5, 4], [5, 1, 5, 1, 4, 2, 4, 2, 3, 3]),
    ([1, 1, 1, 1, 1, 1, 2, 3, 5, 8], [2, 2, 2, 2, 2, 2, 4, 4, 5, 5]),  # ties share the middle
    ([7], [3]), ([1, 2], [2, 4]), ([4, 4, 4], [3, 3, 3]),
    (list(range(7)), [1, 2, 2, 3, 4, 4, 5]),
])
def test_scores_are_quintiles_by_mid_rank(values, expected):
    assert segments.scores(values) == expected


def test_thresholds_give_back_every_member_s_score():
    rng = random.Random(5)
    for _ in range(300):
        values = [rng.randint(0, rng.choice((3, 20, 1000))) for _ in range(rng.randint(1, 40))]
        limits = segments.thresholds(values)
        assert [segments.score_against(v, limits) for v in values] == segments.scores(values)


def test_thresholds_are_the_smallest_figure_reaching_each_score():
    assert segments.thresholds([1, 1, 1, 1, 1, 1, 2, 3, 5, 8]) == [1, 2, 2, 5]
    assert segments.thresholds([7]) == [7, 7, None, None]
    assert segments.thresholds([]) == [None, None, None, None]
    assert segments.score_against(100, [None] * 4) == 1


@pytest.mark.parametrize("r, f, m, expected", [
    (5, 1, 1, S.NEW), (5, 5, 5, S.CHAMPIONS), (5, 4, 3, S.CHAMPIONS), (5, 2, 3, S.POTENTIAL_LOYAL),
    (4, 1, 1, S.PROMISING), (4, 5, 4, S.LOYAL), (4, 3, 2, S.POTENTIAL_LOYAL),
    (3, 1, 2, S.ABOUT_TO_SLEEP), (3, 3, 3, S.NEED_ATTENTION), (3, 4, 5, S.LOYAL),
    (2, 1, 2, S.HIBERNATING), (2, 3, 4, S.AT_RISK), (2, 5, 5, S.CANNOT_LOSE),
    (1, 1, 1, S.LOST), (1, 2, 3, S.AT_RISK), (1, 5, 4, S.CANNOT_LOSE),
    (None, None, None, S.PROSPECT),
])
def test_segments_come_from_recency_and_the_mean_of_frequency_and_monetary(r, f, m, expected):
    assert segments.segment(r, f, m) is expected


def test_the_grid_names_every_segment_but_prospect():
    named = {s for row in segments.GRID.values() for s in row}
    assert named == set(Segment) - {S.PROSPECT}
    assert sorted(segments.GRID) == [1, 2, 3, 4, 5]
    assert all(len(row) == 5 for row in segments.GRID.values())


@pytest.mark.parametrize("cents, first, last, expected", [
    (10_000, 0, 0, 10_000),        # one order today: its value again within a year
    (30_000, 910, 180, 7_500),     # 150.00 a year over 730 days, halved after 180 idle days
    (10_000, 365, 365, 3_303),     # 100.00 * 180 / 545 = 33.0275...
    (1, 180, 180, 1),              # 0.5 cent: half up
    (1, 181, 181, 0),              # 180 / 361 of a cent: down
    (240_000, 1000, 1, 87_203),
    (0, 10, 10, 0), (-500, 10, 10, 0),
    (10_000, -3, -3, 10_000),      # placed "in the future" (clock skew): no idle days
])
def test_the_predicted_yearly_value(cents, first, last, expected):
    assert segments.predicted_yearly_cents(
        lifetime_cents=cents, first_order_at=AT - first * DAY, last_order_at=AT - last * DAY,
        at=AT) == expected


def test_no_orders_predict_nothing_and_days_count_whole_seconds():
    assert segments.predicted_yearly_cents(lifetime_cents=500, first_order_at=None,
                                           last_order_at=None, at=AT) == 0
    assert segments.whole_days(AT, AT + DAY - timedelta(microseconds=1)) == 0
    assert segments.whole_days(AT + timedelta(microseconds=999_999), AT + DAY) == 1
    assert segments.whole_days(AT, AT - DAY) == 0


# ---- the SQL, on the database --------------------------------------------------------

# name, orders, lifetime cents, first and last order (days before AT); p and q: prospects.
PEOPLE = [("a", 1, 2000, 10, 10), ("b", 1, 2000, 400, 400), ("c", 2, 15000, 300, 5),
          ("d", 5, 90000, 700, 2), ("e", 1, 3550, 50, 50), ("f", 3, 12000, 200, 100),
          ("g", 8, 240000, 1000, 1), ("h", 1, 0, 30, 30), ("i", 2, 6000, 600, 365),
          ("j", 4, 31025, 500, 20), ("p", 0, 0, None, None), ("q", 0, 0, None, None)]

# Worked by hand from the definition (see the module docstring of segments).
EXPECTED = {
    "a": (4, 2, 2, "POTENTIAL_LOYAL", "18.95"), "b": (1, 2, 2, "LOST", "6.21"),
    "c": (4, 3, 4, "LOYAL", "145.95"), "d": (5, 5, 5, "CHAMPIONS", "465.46"),
    "e": (2, 2, 2, "HIBERNATING", "27.78"), "f": (2, 4, 3, "AT_RISK", "77.14"),
    "g": (5, 5, 5, "CHAMPIONS", "872.03"), "h": (3, 2, 1, "ABOUT_TO_SLEEP", "0.00"),
    "i": (1, 3, 3, "AT_RISK", "19.82"), "j": (3, 4, 4, "LOYAL", "212.33"),
    "p": (None, None, None, "PROSPECT", "0.00"), "q": (None, None, None, "PROSPECT", "0.00"),
}


def _history(orders, cents, first, last) -> History:
    return History(orders, cents, None if first is None else AT - first * DAY,
                   None if last is None else AT - last * DAY)


async def _people() -> dict[str, int]:
    out = {}
    for name, orders, cents, first, last in PEOPLE:
        h = _history(orders, cents, first, last)
        c = await Customer.create(email=f"{name}@example.com", orders_count=orders,
                                  lifetime_value=Decimal(cents) / 100,
                                  first_order_at=h.first_order_at, last_order_at=h.last_order_at)
        out[name] = c.id
    return out


async def _stored() -> dict[str, tuple]:
    return {c.email.split("@")[0]: (c.rfm_recency, c.rfm_frequency, c.rfm_monetary, c.segment,
                                    str(Decimal(str(c.predicted_yearly_value)).quantize(
                                        Decimal("0.01"))))
            for c in await Customer.all()}


async def test_the_full_recompute_writes_the_definition(clean_db, monkeypatch):
    monkeypatch.setattr(segment_service, "CHUNK", 5)  # three statements for twelve ids
    await _people()
    assert await segment_service.recompute_all(AT) == len(PEOPLE)
    assert await _stored() == EXPECTED
    # ... which is what the pure definition says for everyone.
    pure = segments.score_all({n: _history(*rest) for n, *rest in PEOPLE}, AT)
    assert {n: (s.recency, s.frequency, s.monetary, s.segment.value,
                str(Decimal(s.predicted_yearly_cents) / 100 + Decimal("0.00")))
            for n, s in pure.items()} == EXPECTED
    assert {c.segment_computed_at for c in await Customer.all()} == {AT}


async def test_the_thresholds_stored_are_the_definition_s(clean_db):
    await _people()
    await segment_service.recompute_all(AT)
    q = await RfmQuintiles.get(id=1)
    ranked = [p for p in PEOPLE if p[1] > 0]
    assert q.customers == 10 and q.computed_at == AT
    assert [q.recency_2, q.recency_3, q.recency_4, q.recency_5] == segments.thresholds(
        [AT - p[4] * DAY for p in ranked])
    assert [q.frequency_2, q.frequency_3, q.frequency_4, q.frequency_5] == [1, 2, 3, 5]
    assert [q.monetary_2, q.monetary_3, q.monetary_4, q.monetary_5] == [2000, 6000, 15000, 90000]


async def test_a_touched_customer_is_scored_against_the_stored_thresholds(clean_db, monkeypatch):
    monkeypatch.setattr(segment_service, "SMALL_POPULATION", 0)
    people = await _people()
    await segment_service.recompute_all(AT)
    later = AT + DAY
    # e orders again: 2 orders, 55.50, last order now.
    await Customer.filter(id=people["e"]).update(orders_count=2, lifetime_value=D("55.50"),
                                                  last_order_at=later)
    assert await segment_service.rescore([people["e"]], later) == 1
    stored = await _stored()
    # R 5 (newest), F 3 (2 reaches 1 and 2), M 2 (5550 reaches 2000 only): FM 3.
    # Active 51 days (a year at least), no idle day: 55.50 again in a year.
    assert stored["e"] == (5, 3, 2, "POTENTIAL_LOYAL", "55.50")
    assert {n: v for n, v in stored.items() if n != "e"} == {
        n: v for n, v in EXPECTED.items() if n != "e"}
    assert (await RfmQuintiles.get(id=1)).computed_at == AT  # the thresholds stay


async def test_while_few_customers_have_orders_a_touch_rescores_them_all(clean_db):
    people = await _people()
    await Customer.filter(id=people["p"]).update(orders_count=1, lifetime_value=D("9.99"),
                                                  first_order_at=AT, last_order_at=AT)
    await segment_service.rescore([people["p"]], AT)
    assert (await RfmQuintiles.get(id=1)).customers == 11
    stored = await _stored()
    # Newest (R 5), one order like four others (F 2), second smallest (M 1).
    assert stored["p"][:4] == (5, 2, 1, "POTENTIAL_LOYAL")
    assert stored["g"][3] == "CHAMPIONS"
    # Other prospects' scores cannot have moved: not written (the schedule does).
    assert stored["q"][3] is None


async def test_the_figures_consumer_keeps_segments_current(shop, frozen_clock, monkeypatch,
                                                            fresh_gateways):
    monkeypatch.setattr(segment_service, "now", lambda: AT)
    paid = {"gateway": "shop", "reference": "x", "status": "CAPTURED"}
    await place([("SKU-A", 2)], payment=paid, placed_at=AT - 10 * DAY)  # ann, 20.00
    await drain()
    ann = await Customer.get(email="ann@example.com")
    # Alone: the middle on every score. 2000 * 365/365 * 180/190 = 1894.7.
    assert (ann.rfm_recency, ann.rfm_frequency, ann.rfm_monetary, ann.segment,
            ann.predicted_yearly_value, ann.segment_computed_at) == (
        3, 3, 3, "NEED_ATTENTION", D("18.95"), AT)
    await place([("SKU-B", 1)], email="bob@example.com", payment=paid, placed_at=AT - DAY)
    await drain()
    stored = await _stored()
    # Both have one order (F 3); ann is older (R 2) and smaller (M 2).
    assert stored["ann"] == (2, 3, 2, "AT_RISK", "18.95")
    assert stored["bob"] == (4, 3, 4, "LOYAL", "25.36")  # 2550 * 180/181


# ---- the schedule ----------------------------------------------------------------------

class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock(AT)
    monkeypatch.setattr(schedule, "now", c)
    monkeypatch.setattr(segment_service, "now", c)
    return c


async def test_the_job_runs_when_due_and_not_before(clean_db, clock):
    runs: list[datetime] = []

    async def run(at):
        runs.append(at)

    assert schedule.tick(3600) == 60
    assert await schedule.run_if_due(3600, run=run)  # never ran: due
    clock.at = AT + timedelta(seconds=3539)
    assert not await schedule.run_if_due(3600, run=run)
    clock.at = AT + timedelta(seconds=3540)  # the next tick would be past the interval
    assert await schedule.run_if_due(3600, run=run)
    assert runs == [AT, AT + timedelta(seconds=3540)]
    job = await ScheduledJob.get(name=schedule.JOB)
    assert (job.last_run_at, job.lease_owner, job.last_error) == (runs[-1], None, None)


async def test_two_processes_never_both_run_it(clean_db, clock):
    runs: list[str] = []
    started, release = asyncio.Event(), asyncio.Event()

    def run_as(owner):
        async def run(at):
            runs.append(owner)
            started.set()
            await release.wait()
        return run

    # Both at once: one claims the row, the other finds it taken.
    both = await asyncio.gather(schedule.run_if_due(3600, run=run_as("a"), owner="a"),
                                schedule.run_if_due(3600, run=run_as("b"), owner="b"),
                                _release_when(started, release))
    assert sorted(both[:2]) == [False, True] and len(runs) == 1
    # Right after: not due for anyone.
    assert not await schedule.run_if_due(3600, run=run_as("b"), owner="b")
    assert len(runs) == 1


async def _release_when(started: asyncio.Event, release: asyncio.Event) -> None:
    await started.wait()
    await asyncio.sleep(0.05)  # the other process tries meanwhile
    release.set()


async def test_a_lease_left_by_a_dead_process_lapses(clean_db, clock):
    await ScheduledJob.create(name=schedule.JOB, lease_owner="dead",
                              lease_until=AT + timedelta(minutes=1))
    ran: list[datetime] = []

    async def run(at):
        ran.append(at)

    assert not await schedule.run_if_due(3600, run=run, owner="alive")
    clock.at = AT + timedelta(minutes=2)
    assert await schedule.run_if_due(3600, run=run, owner="alive")
    assert ran == [clock.at]


async def test_a_failed_run_is_recorded_and_tried_again(clean_db, clock):
    async def boom(at):
        raise RuntimeError("no database")

    with pytest.raises(RuntimeError):
        await schedule.run_if_due(3600, run=boom)
    job = await ScheduledJob.get(name=schedule.JOB)
    assert (job.last_run_at, job.lease_owner, job.last_error) == (
        None, None, "RuntimeError('no database')")
    assert await schedule.run_if_due(3600, run=lambda at: asyncio.sleep(0))


async def test_the_loop_recomputes_everyone_once_the_interval_has_passed(clean_db, clock,
                                                                         monkeypatch):
    """Recency decays with time alone: the loop, left running, writes the
    new predicted values after the interval (a frozen clock moved by hand)."""
    monkeypatch.setattr(schedule, "tick", lambda interval: 0.01)
    people = await _people()
    task = asyncio.create_task(schedule.run_forever(3600))
    try:
        await _until(lambda c: c.segment_computed_at == AT, people["g"])
        clock.at = AT + timedelta(seconds=1800)
        await asyncio.sleep(0.1)  # many turns: not due yet
        assert (await Customer.get(id=people["g"])).segment_computed_at == AT
        clock.at = AT + timedelta(days=30)
        g = await _until(lambda c: c.segment_computed_at == clock.at, people["g"])
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    # 240000 * 365/999 * 180/(180 + 31) = 74,804.6 cents
    assert g.predicted_yearly_value == D("748.05")


async def _until(check, customer_id: int, timeout: float = 5.0) -> Customer:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        c = await Customer.get(id=customer_id)
        if check(c):
            return c
        assert asyncio.get_running_loop().time() < deadline, "the loop did not run"
        await asyncio.sleep(0.01)


def test_every_server_runs_the_schedule_unless_turned_off():
    from oms import workers
    from oms.settings import Settings

    on, off = Settings(segment_interval_seconds=3600), Settings(segment_interval_seconds=0)
    assert len(workers.background_loops(on)) - len(workers.background_loops(off)) == 1
    assert Settings().segment_interval_seconds == 3600


# ---- over GraphQL -----------------------------------------------------------------------

LIST = """query($f: CustomerFilterInput, $o: CustomerOrderBy, $first: Int, $after: String) {
  customers(filter: $f, orderBy: $o, first: $first, after: $after) {
    totalCount edges { node { email segment } } pageInfo { hasNextPage endCursor } } }"""


async def _names(gql, f=None, o=None, first=None, after=None):
    r = (await gql(LIST, {"f": f, "o": o, "first": first, "after": after}, auth=STAFF)).ok()
    return [e["node"]["email"].split("@")[0] for e in r["customers"]["edges"]], r["customers"]


async def test_customers_by_segment_and_by_predicted_value(clean_db):
    await _people()
    await segment_service.recompute_all(AT)
    gql = Gql()
    by_ltv = {"field": "LIFETIME_VALUE", "direction": "DESC"}
    assert (await _names(gql, {"segment": "CHAMPIONS"}, by_ltv))[0] == ["g", "d"]
    names, page = await _names(gql, {"segments": ["LOYAL", "AT_RISK"]}, by_ltv)
    assert (names, page["totalCount"]) == (["j", "c", "f", "i"], 4)
    assert (await _names(gql, {"segment": "LOST", "segments": ["NEW"]}))[0] == ["b"]
    # By predicted value, ties (0.00) by id, in pages of 5: everyone once.
    walked, after = [], None
    while True:
        names, page = await _names(gql, None, {"field": "PREDICTED_YEARLY_VALUE",
                                               "direction": "DESC"}, 5, after)
        walked += names
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert walked == ["g", "d", "j", "c", "f", "e", "i", "a", "b", "q", "p", "h"]


async def test_a_customer_s_segment_fields(clean_db):
    people = await _people()
    gql = Gql()
    q = """query($id: ID) { customer(id: $id) { segment rfm { recency frequency monetary }
             predictedYearlyValue { amount currency } segmentComputedAt } }"""
    g = {"id": ids.encode("Customer", people["g"])}
    assert (await gql(q, g, auth=STAFF)).ok()["customer"] == {
        "segment": None, "rfm": None, "predictedYearlyValue": None, "segmentComputedAt": None}
    await segment_service.recompute_all(AT)
    assert (await gql(q, g, auth=STAFF)).ok()["customer"] == {
        "segment": "CHAMPIONS", "rfm": {"recency": 5, "frequency": 5, "monetary": 5},
        "predictedYearlyValue": {"amount": "872.03", "currency": "EUR"},
        "segmentComputedAt": AT.isoformat()}
    p = {"id": ids.encode("Customer", people["p"])}
    assert (await gql(q, p, auth=STAFF)).ok()["customer"]["segment"] == "PROSPECT"
    own = await gql("query($id: ID) { customer(id: $id) { segment } }", g,
                    auth=customer_auth(people["g"]))
    assert own.codes == ["FORBIDDEN"]


async def test_segments_recompute_command(database_url, clean_db, tmp_path):
    await _people()
    done = oms_cli("segments-recompute", database_url=database_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("segments computed for 12 customer(s) in ")
    assert (await Customer.get(email="g@example.com")).segment == "CHAMPIONS"
