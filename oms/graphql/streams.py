"""Turning the process's event hub into one subscriber's stream: replay what
it missed from the event log, then live events, with no gap and no duplicate."""
from __future__ import annotations

from typing import AsyncIterator, Awaitable, Callable

from oms.events.hub import Filter
from oms.events.record import EventRecord

from .context import Info
from .errors import GqlCode, gql_error
from .loaders import Loaders

Replay = Callable[[int, int], Awaitable[list[EventRecord]]]  # (after, up_to) -> oldest first
REPLAY_BATCH = 1000


def parse_cursor(after: str | None) -> int | None:
    if after is None:
        return None
    if not after.isdigit() or len(after) > 18:
        raise gql_error("after must be a cursor from an earlier event", GqlCode.BAD_USER_INPUT)
    return int(after)


async def event_stream(info: Info, *, predicate: Filter, after: int | None,
                       replay: Replay | None) -> AsyncIterator[EventRecord]:
    hub = info.context.hub
    if hub is None:
        raise gql_error("subscriptions are not available here", GqlCode.BAD_USER_INPUT)
    # Subscribe first, then replay up to where live delivery starts: nothing
    # falls between the two, and `last` filters anything seen twice.
    sub = hub.subscribe(predicate)
    try:
        last = sub.start if after is None else after
        if after is not None and replay is not None:
            while last < sub.start:
                batch = await replay(last, sub.start)
                for record in batch:
                    last = record.id
                    yield _fresh(info, record)
                if len(batch) < REPLAY_BATCH:
                    break
        while True:
            record = await sub.get()
            if record is None:  # dropped for falling too far behind
                return
            if record.id <= last:
                continue
            last = record.id
            yield _fresh(info, record)
    finally:
        hub.unsubscribe(sub)


def _fresh(info: Info, record: EventRecord) -> EventRecord:
    # The socket's context outlives every event: give each event new loaders
    # so nothing stale is served from an earlier event's cache.
    info.context.loaders = Loaders()
    return record
