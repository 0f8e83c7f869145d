"""Sending due deliveries to partners: a loop every server process runs.

Per delivery: claim it (one transaction), POST the signed body with no
transaction open and no row locked, record the outcome (another
transaction). Several processes may run the loop; the claim's row count
decides who sends, so each attempt happens once. The message id is the same
on every attempt, so a partner that got an attempt whose answer we lost can
drop the repeat.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Callable

import httpx

from oms.catalog.models import Location
from oms.core import signing
from oms.core import loops
from oms.core.clock import now

from . import lifecycle, requests, service
from .endpoints import is_partner
from .lifecycle import DeliveryAction
from .models import PartnerDelivery

log = logging.getLogger(__name__)

BATCH = 50
# Partners answered at once, at most, per process: one slow partner must not
# hold up everybody else's deliveries for its whole timeout.
CONCURRENCY = 8
# What of a refusing partner's answer is kept in the log.
MAX_ERROR_BODY = 300


@dataclass(frozen=True)
class SendPolicy:
    timeout_seconds: float = 10.0
    max_attempts: int = lifecycle.MAX_ATTEMPTS
    base_delay_seconds: float = lifecycle.BASE_DELAY_SECONDS
    max_delay_seconds: float = lifecycle.MAX_DELAY_SECONDS
    # None: exact delays (tests).
    jitter: Callable[[], float] | None = random.random

    @property
    def lease(self) -> timedelta:
        # Longer than any send can take, so a live sender never loses its claim.
        return timedelta(seconds=self.timeout_seconds * 3 + 30)

    def delay(self, attempt: int) -> timedelta:
        return lifecycle.retry_delay(attempt, base=self.base_delay_seconds,
                                     cap=self.max_delay_seconds, jitter=self.jitter)


async def due_ids(at: datetime, limit: int = BATCH) -> list[int]:
    claimable = [s.value for s in lifecycle.statuses_allowing(DeliveryAction.CLAIM)]
    return list(await PartnerDelivery.filter(status__in=claimable, next_attempt_at__lte=at)
                .order_by("next_attempt_at", "id").limit(limit).values_list("id", flat=True))


async def send_due(*, client: httpx.AsyncClient, policy: SendPolicy = SendPolicy(),
                   clock: Callable[[], datetime] = now, limit: int = BATCH) -> list[int]:
    """Attempt every due delivery (up to `limit`); the ids this process sent."""
    due = await due_ids(clock(), limit)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(delivery_id: int) -> bool:
        async with gate:
            return await send_one(delivery_id, client=client, policy=policy, clock=clock)

    outcomes = await asyncio.gather(*(one(i) for i in due), return_exceptions=True)
    sent = []
    for delivery_id, outcome in zip(due, outcomes):
        if isinstance(outcome, BaseException):
            # Its lease runs out and a later turn tries it again.
            log.error("partner delivery %s failed", delivery_id, exc_info=outcome)
        elif outcome:
            sent.append(delivery_id)
    return sent


async def send_one(delivery_id: int, *, client: httpx.AsyncClient,
                   policy: SendPolicy = SendPolicy(),
                   clock: Callable[[], datetime] = now) -> bool:
    """Claim and attempt one delivery; False if it was not ours to send."""
    delivery = await service.claim(delivery_id, at=clock(), lease=policy.lease)
    if delivery is None:
        return False
    location = await Location.get(id=delivery.location_id)
    started = time.monotonic()
    status_code, error = await _post(client, location, delivery, policy.timeout_seconds)
    await service.record_outcome(
        delivery.id, delivery.attempts, status_code=status_code, error=error,
        duration_ms=int((time.monotonic() - started) * 1000), at=clock(),
        max_attempts=policy.max_attempts, delay=policy.delay)
    return True


async def _post(client: httpx.AsyncClient, location: Location, delivery: PartnerDelivery,
                timeout: float) -> tuple[int | None, str | None]:
    """(status code, error) of one POST; error is None for a 2xx."""
    if not is_partner(location):
        return None, "the location has no endpoint or secret any more"
    body = requests.encode(delivery.payload)
    headers = {"Content-Type": "application/json", "User-Agent": "oms-handoff/1",
               **signing.sign(location.endpoint_secret, delivery.payload["messageId"], body)}
    try:
        async with client.stream("POST", location.endpoint_url, content=body, headers=headers,
                                 timeout=timeout) as response:
            if 200 <= response.status_code < 300:
                return response.status_code, None
            answer = (await _start_of(response)).strip()
            return response.status_code, f"HTTP {response.status_code}" + (
                f": {answer}" if answer else "")
    except httpx.TimeoutException:
        return None, f"no answer within {timeout:g} s"
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]


async def _start_of(response: httpx.Response) -> str:
    # Read no more than we keep: a partner's error page may be large.
    data = b""
    async for chunk in response.aiter_bytes():
        data += chunk
        if len(data) >= MAX_ERROR_BODY:
            break
    return data[:MAX_ERROR_BODY].decode("utf-8", errors="replace")


async def run_forever(interval_seconds: float, policy: SendPolicy = SendPolicy()) -> None:
    """The server's background sender; a failing turn is logged and retried."""
    async with httpx.AsyncClient(follow_redirects=False) as client:
        send = partial(send_due, client=client, policy=policy)

        async def turn() -> None:
            while len(await send()) >= BATCH:
                pass

        await loops.every(interval_seconds, turn, what="partner hand-off")
