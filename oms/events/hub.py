"""The per-process event hub: one listener, strict order, bounded fan-out.

Records arrive from the broker in whatever order processes published them.
Because event ids are gapless (see outbox), the hub can deliver them strictly
in id order: it buffers out-of-order arrivals and, when a gap persists or the
broker is quiet, reads the missing ids from the event log. So every
subscriber in every process sees every event once, in order.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from .broker import Broker
from .record import EventRecord

log = logging.getLogger(__name__)

Filter = Callable[[EventRecord], bool]
LogReader = Callable[[int, int], Awaitable[list[EventRecord]]]  # (after_id, limit)
HeadReader = Callable[[], Awaitable[int]]

QUEUE_LIMIT = 1000


@dataclass(eq=False)
class Subscription:
    predicate: Filter
    start: int  # the hub's position when it subscribed: live events are > start
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    dropped: bool = False

    async def get(self) -> EventRecord | None:
        """The next event, or None once the subscriber was dropped for lagging."""
        if self.dropped and self.queue.empty():
            return None
        item = await self.queue.get()
        return item


class Hub:
    def __init__(self, broker: Broker, *, read_log: LogReader, read_head: HeadReader,
                 gap_wait: float = 0.05, poll_interval: float = 1.0) -> None:
        self.broker = broker
        self._read_log = read_log
        self._read_head = read_head
        self.gap_wait = gap_wait
        self.poll_interval = poll_interval
        self.position = 0
        self._buffer: dict[int, EventRecord] = {}
        self._subs: set[Subscription] = set()
        self._tasks: list[asyncio.Task] = []
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        self.position = await self._read_head()
        self._tasks = [asyncio.create_task(self._listen(), name="oms-hub-listen"),
                       asyncio.create_task(self._poll(), name="oms-hub-poll")]

    async def close(self) -> None:
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for sub in list(self._subs):
            self._drop(sub)

    def subscribe(self, predicate: Filter) -> Subscription:
        sub = Subscription(predicate=predicate, start=self.position)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    @property
    def subscriber_count(self) -> int:
        return len(self._subs)

    async def _listen(self) -> None:
        while True:
            try:
                async for record in self.broker.listen():
                    self._offer(record)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the listener must survive anything
                log.exception("event listener failed; restarting")
                await asyncio.sleep(0.5)

    async def _poll(self) -> None:
        """Fill gaps from the log: shortly after ids arrive out of order, and
        periodically in case a publisher died between commit and publish."""
        while True:
            try:
                try:
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval)
                except asyncio.TimeoutError:
                    await self._catch_up()
                    continue
                self._wake.clear()
                await asyncio.sleep(self.gap_wait)  # the missing id may still come by broker
                if self._buffer:
                    await self._catch_up()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001
                log.exception("event log poll failed")
                await asyncio.sleep(self.poll_interval)

    async def _catch_up(self) -> None:
        async with self._lock:
            while True:
                records = await self._read_log(self.position, 500)
                for r in records:
                    self._offer(r)
                if len(records) < 500:
                    return

    def _offer(self, record: EventRecord) -> None:
        if record.id <= self.position:
            return
        self._buffer[record.id] = record
        while self.position + 1 in self._buffer:
            nxt = self._buffer.pop(self.position + 1)
            self.position = nxt.id
            self._fan_out(nxt)
        if self._buffer:
            self._wake.set()

    def _fan_out(self, record: EventRecord) -> None:
        for sub in list(self._subs):
            try:
                if not sub.predicate(record):
                    continue
            except Exception:  # noqa: BLE001 - one bad filter must not stop delivery
                log.exception("subscription filter failed")
                continue
            try:
                sub.queue.put_nowait(record)
            except asyncio.QueueFull:
                log.warning("dropping a subscriber that fell %d events behind", QUEUE_LIMIT)
                self._drop(sub)

    def _drop(self, sub: Subscription) -> None:
        sub.dropped = True
        self._subs.discard(sub)
        # Wake the consumer so it notices; None marks the end.
        try:
            sub.queue.put_nowait(None)
        except asyncio.QueueFull:
            pass
