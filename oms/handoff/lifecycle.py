"""Partner deliveries (requests to 3PLs and drop-ship suppliers): their kinds,
statuses, transition table and retry schedule. Pure: no I/O.

A delivery is claimed before it is sent (SENDING, with a lease in
`next_attempt_at`), so two processes never send it at once and an operator
cannot re-queue it while it is on the wire. A process that dies mid-send
leaves it SENDING; when the lease runs out any process may claim it again.
"""
from __future__ import annotations

import random
from datetime import timedelta
from enum import Enum
from typing import Callable

from oms.core.statemachine import TransitionTable


class DeliveryKind(str, Enum):
    FULFILLMENT_REQUEST = "FULFILLMENT_REQUEST"
    CANCELLATION = "CANCELLATION"


class DeliveryStatus(str, Enum):
    PENDING = "PENDING"          # never tried
    SENDING = "SENDING"          # claimed by a sender, on the wire
    RETRYING = "RETRYING"        # tried, failed, due again at next_attempt_at
    ACKNOWLEDGED = "ACKNOWLEDGED"
    FAILED = "FAILED"            # out of attempts: an operator may retry it
    CANCELLED = "CANCELLED"      # withdrawn: its shipment was cancelled


class DeliveryAction(str, Enum):
    CLAIM = "CLAIM"
    ACKNOWLEDGE = "ACKNOWLEDGE"
    FAIL = "FAIL"
    GIVE_UP = "GIVE_UP"
    RETRY = "RETRY"
    WITHDRAW = "WITHDRAW"


S, A = DeliveryStatus, DeliveryAction

DELIVERY_TRANSITIONS = TransitionTable[DeliveryStatus, DeliveryAction]("partner delivery", {
    (S.PENDING, A.CLAIM): S.SENDING,
    (S.RETRYING, A.CLAIM): S.SENDING,
    # Only once the lease has run out (the claim's WHERE checks it): the
    # process that held it died mid-send.
    (S.SENDING, A.CLAIM): S.SENDING,
    (S.SENDING, A.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.SENDING, A.FAIL): S.RETRYING,
    (S.SENDING, A.GIVE_UP): S.FAILED,
    # A partner's message about the shipment proves the request arrived, even
    # when its answer to the request got lost.
    (S.RETRYING, A.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.FAILED, A.ACKNOWLEDGE): S.ACKNOWLEDGED,
    # An operator: send again now (from FAILED: one more attempt).
    (S.RETRYING, A.RETRY): S.RETRYING,
    (S.FAILED, A.RETRY): S.RETRYING,
    # The shipment was cancelled: a request not yet acknowledged is not sent
    # again (a CANCELLATION follows if it may have arrived).
    (S.PENDING, A.WITHDRAW): S.CANCELLED,
    (S.RETRYING, A.WITHDRAW): S.CANCELLED,
    (S.FAILED, A.WITHDRAW): S.CANCELLED,
    (S.SENDING, A.WITHDRAW): S.CANCELLED,
})


def next_status(status: DeliveryStatus, action: DeliveryAction) -> DeliveryStatus:
    return DELIVERY_TRANSITIONS.next_status(status, action)


def statuses_allowing(action: DeliveryAction) -> list[DeliveryStatus]:
    """The statuses `action` may start from (for conditional UPDATEs)."""
    return [s for s in DeliveryStatus if DELIVERY_TRANSITIONS.allows(s, action)]


def move(action: DeliveryAction) -> tuple[list[DeliveryStatus], DeliveryStatus]:
    """(from, to) of an action that leads to one status from wherever it is
    allowed: one conditional UPDATE applies it, whichever status it finds."""
    sources = statuses_allowing(action)
    targets = {next_status(s, action) for s in sources}
    if len(targets) != 1:
        raise ValueError(f"{action.value} leads to several statuses")
    return sources, targets.pop()


# ---- the retry schedule

BASE_DELAY_SECONDS = 5.0
MAX_DELAY_SECONDS = 3600.0
MAX_ATTEMPTS = 15


def retry_delay(attempt: int, *, base: float = BASE_DELAY_SECONDS,
                cap: float = MAX_DELAY_SECONDS,
                jitter: Callable[[], float] | None = random.random) -> timedelta:
    """How long to wait after failed attempt number `attempt` (1-based):
    base * 2^(attempt-1), capped. With jitter the wait is drawn from
    [half, all] of that, so partners coming back from an outage are not hit
    by every process at the same instant; `jitter=None` makes it exact."""
    if attempt < 1:
        raise ValueError("attempt numbers start at 1")
    # min() before the power would overflow a float for a large attempt count.
    seconds = min(cap, base * 2 ** min(attempt - 1, 64))
    if jitter is not None:
        seconds *= 0.5 + 0.5 * jitter()
    return timedelta(seconds=seconds)


def after_failure(attempt: int, max_attempts: int = MAX_ATTEMPTS) -> DeliveryAction:
    """What a failed attempt number `attempt` leads to."""
    return DeliveryAction.GIVE_UP if attempt >= max_attempts else DeliveryAction.FAIL
