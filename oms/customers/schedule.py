"""The full segment recompute on a schedule, run by one process at a time.

Recency and the predicted value's decay move with time alone, and a
customer scored between two full recomputes is scored against thresholds
that drift as everyone else orders, so every customer's segment is computed
again at least once per OMS_SEGMENT_INTERVAL_SECONDS.

Every server process runs the loop. Each turn (every `tick` seconds, a tenth
of the interval between 1 s and 60 s) it claims the job's row in
`scheduled_job` with one conditional UPDATE, which succeeds only when the
job is due (its last run started at least `interval - tick` ago, so the next
starts by `interval` after it) and no other process holds a live lease. The
process that wins runs the recompute and records when it started; the
others do nothing. A process that dies mid-run leaves a lease that lapses
after LEASE, and the next turn anywhere runs the job.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Awaitable, Callable

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from oms.core import loops
from oms.core.clock import now
from oms.events.consumers import OWNER

from . import segment_service
from .models import ScheduledJob

JOB = "customer-segments"
LEASE = timedelta(minutes=10)


def tick(interval_seconds: float) -> float:
    """How often a process looks whether the job is due."""
    return min(max(interval_seconds / 10, 1.0), 60.0)


async def _ensure(job: str) -> None:
    if await ScheduledJob.exists(name=job):
        return
    try:
        await ScheduledJob.create(name=job)
    except IntegrityError:
        pass  # another process made it first


async def run_if_due(interval_seconds: float, *, job: str = JOB,
                     run: Callable[..., Awaitable[object]] | None = None,
                     owner: str = OWNER) -> bool:
    """Run the job here (as `owner`: this process) if it is due and no other
    process is running it; whether it ran. `run` (default: the full segment
    recompute) gets the time the run started."""
    run = run or segment_service.recompute_all
    await _ensure(job)
    at = now()
    due = at - timedelta(seconds=interval_seconds - tick(interval_seconds))
    claimed = await ScheduledJob.filter(
        Q(name=job)
        & (Q(last_run_at__isnull=True) | Q(last_run_at__lte=due))
        & (Q(lease_owner__isnull=True) | Q(lease_owner=owner) | Q(lease_until__lt=at))
    ).update(lease_owner=owner, lease_until=at + LEASE)
    if not claimed:
        return False
    try:
        await run(at)
    except BaseException as exc:
        await ScheduledJob.filter(name=job, lease_owner=owner).update(
            lease_owner=None, lease_until=None, last_error=f"{exc!r}"[:2000])
        raise
    await ScheduledJob.filter(name=job, lease_owner=owner).update(
        last_run_at=at, lease_owner=None, lease_until=None, last_error=None)
    return True


async def run_forever(interval_seconds: float) -> None:
    await loops.every(tick(interval_seconds), lambda: run_if_due(interval_seconds),
                      what="customer segment recompute")
