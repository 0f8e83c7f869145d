"""Redis Streams backend: the only module that imports redis.

Every process XADDs what it committed to one stream and runs one XREAD BLOCK
listener that feeds its hub; subscribers never get a Redis connection of
their own.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import AsyncIterator

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from .record import EventRecord

log = logging.getLogger(__name__)

STREAM = "oms:events"
MAXLEN = 100_000


class RedisBroker:
    def __init__(self, url: str, stream: str = STREAM) -> None:
        self.url = url
        self.stream = stream
        self._client: aioredis.Redis | None = None
        self._listener: aioredis.Redis | None = None
        self._outbox: list[EventRecord] = []
        self._flusher: asyncio.Task | None = None

    async def start(self) -> None:
        self._client = aioredis.from_url(self.url)
        # The listener blocks in XREAD for up to BLOCK ms: redis-py 8's default
        # 5 s socket timeout would fire on every quiet stretch and stall delivery.
        self._listener = aioredis.from_url(self.url, socket_timeout=None)
        await self._client.ping()

    async def close(self) -> None:
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
        for c in (self._client, self._listener):
            if c is not None:
                await c.aclose()

    def publish(self, records: list[EventRecord]) -> None:
        # Events wait in an outbox for the one flusher: what commits while an
        # XADD is on its way goes out together in the next entry, in commit
        # order. One XADD and one entry for every listener to parse per batch,
        # instead of one per event (bench/orders_throughput.py).
        self._outbox.extend(records)
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush())

    async def _flush(self) -> None:
        assert self._client is not None
        try:
            await asyncio.sleep(0)  # let the other commits of this turn join in
            while self._outbox:
                records, self._outbox = self._outbox, []
                try:
                    await self._client.xadd(
                        self.stream, {"b": json.dumps([r.to_wire() for r in records])},
                        maxlen=MAXLEN, approximate=True)
                except (RedisError, OSError):
                    # The hub's log polling delivers them anyway, a little later.
                    log.warning("could not publish %d events to redis", len(records),
                                exc_info=True)
        finally:
            self._flusher = None

    async def _stream_tail(self) -> str | bytes:
        # Start from the newest entry's id rather than "$", so nothing added
        # between two XREAD calls is skipped.
        assert self._listener is not None
        newest = await self._listener.xrevrange(self.stream, count=1)
        return newest[0][0] if newest else "0-0"

    async def listen(self) -> AsyncIterator[EventRecord]:
        assert self._listener is not None
        last_id = await self._stream_tail()
        while True:
            try:
                resp = await self._listener.xread({self.stream: last_id}, block=5000, count=500)
            except (RedisError, OSError):
                log.warning("redis listener lost its connection; retrying", exc_info=True)
                await asyncio.sleep(0.5)
                continue
            for _stream, entries in resp or []:
                for entry_id, fields in entries:
                    last_id = entry_id
                    try:
                        batch = [json.loads(fields[b"d"])] if b"d" in fields \
                            else json.loads(fields[b"b"])
                        decoded = [EventRecord.from_wire(d) for d in batch]
                    except (KeyError, ValueError, TypeError):
                        log.warning("skipping malformed stream entry %s", entry_id)
                        continue
                    for record in decoded:
                        yield record
