"""The shape of every background loop in a server (sweeps, event-log
consumers, partner sends, payment recovery, email retries): run a turn, log
a failing one and carry on, wait, again. Cancellation ends it."""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

log = logging.getLogger(__name__)


async def every(interval_seconds: float, turn: Callable[[], Awaitable[object]], *,
                what: str) -> None:
    while True:
        try:
            await turn()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the next turn retries
            log.exception("%s failed", what)
        await asyncio.sleep(interval_seconds)
