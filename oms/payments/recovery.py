"""Finishing gateway calls a process left open: a transaction still PENDING
(the process died between sending and recording) or UNKNOWN (the gateway
never answered). Its key is looked up at the gateway; if the gateway knows
it, its answer is recorded; if not, the call is sent again under the SAME
key, which can never charge twice. Runs in every process (oms.workers);
the recording step makes a second recorder harmless."""
from __future__ import annotations

import logging
from datetime import timedelta

from oms.core import loops
from oms.core.clock import now
from oms.core.errors import DomainError

from . import operations, service
from .models import Payment, PaymentTransaction

log = logging.getLogger(__name__)

# A PENDING row younger than this may still be in flight in another process.
GRACE = timedelta(seconds=60)
BATCH = 100
# Sent this many times without an answer: left UNKNOWN for a person to look at.
MAX_ATTEMPTS = 10


async def resolve_open(*, grace: timedelta = GRACE) -> int:
    """One pass over open transactions; how many got an answer."""
    cutoff = now() - grace
    rows = await (PaymentTransaction
                  .filter(status__in=operations.OPEN, created_at__lte=cutoff,
                          attempts__lt=MAX_ATTEMPTS)
                  .order_by("id").limit(BATCH))
    resolved = 0
    for tx in rows:
        try:
            if await _resolve(tx):
                resolved += 1
        except DomainError as exc:
            log.warning("payment transaction %s not resolved: %s", tx.id, exc.message)
    return resolved


async def _resolve(tx: PaymentTransaction) -> bool:
    payment = await Payment.get(id=tx.payment_id)
    result = await operations.look_up(payment, tx)
    if result is None:
        tx = await service.execute(payment, tx)  # never reached the gateway: send it now
    else:
        tx = await service.settle(tx.id, result)
    return tx.status not in operations.OPEN


async def run_forever(interval_seconds: float) -> None:
    await loops.every(interval_seconds, resolve_open, what="payment recovery")
