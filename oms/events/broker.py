"""Broker protocol and the in-process backend.

A broker carries committed event records between API processes. It is only a
fast path: the event log is the truth, and the hub fills any gap from it.
"""
from __future__ import annotations

import asyncio
from typing import AsyncIterator, Protocol

from .record import EventRecord


class Broker(Protocol):
    async def start(self) -> None: ...
    async def close(self) -> None: ...
    def publish(self, records: list[EventRecord]) -> None: ...
    def listen(self) -> AsyncIterator[EventRecord]: ...


class MemoryBroker:
    """One process: publishing is handing the records to the local listener."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[EventRecord] = asyncio.Queue()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def publish(self, records: list[EventRecord]) -> None:
        for r in records:
            self._queue.put_nowait(r)

    async def listen(self) -> AsyncIterator[EventRecord]:
        while True:
            yield await self._queue.get()
