"""The availability feed of a channel: every SKU with what the channel may
sell, for a marketplace, as CSV or JSON text.

Built by keyset pages of `queries.channel_page` (one statement per page), so
however many SKUs there are, no more than a page of rows is held at once;
`FeedStream.chunks()` yields the text page by page (the CLI writes it as it
comes), `build_feed` joins it (GraphQL's availabilityFeed). Columns: sku,
available (what the channel may sell now, its allocation rule applied),
reserved (what its open orders hold), pooled (what its locations could give
before the rule).
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import AsyncIterator, TextIO

from oms.catalog import service as catalog
from oms.core.clock import now

from . import queries

FEED_PAGE = 1000
COLUMNS = ("sku", "available", "reserved", "pooled")


class FeedFormat(str, Enum):
    CSV = "CSV"
    JSON = "JSON"


@dataclass(frozen=True)
class Feed:
    channel: str
    format: FeedFormat
    generated_at: datetime
    count: int
    content: str


def _values(row: queries.ChannelRow) -> tuple[str, int, int, int]:
    return (row.sku, row.available, row.reserved, row.pooled)


def _csv(rows: list[tuple]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


@dataclass
class FeedStream:
    """A feed being written: the channel is known to exist; `count` is the
    number of SKUs written so far (all of them once `chunks()` is done)."""

    channel_id: int
    channel: str
    format: FeedFormat
    generated_at: datetime
    page_size: int = FEED_PAGE
    count: int = field(default=0, init=False)

    async def pages(self) -> AsyncIterator[list[queries.ChannelRow]]:
        after: str | None = None
        while True:
            rows = await queries.channel_page(self.channel_id, skus=None, after_sku=after,
                                              limit=self.page_size)
            if rows:
                yield rows
            if len(rows) < self.page_size:
                return
            after = rows[-1].sku

    async def chunks(self) -> AsyncIterator[str]:
        if self.format is FeedFormat.CSV:
            yield _csv([COLUMNS])
            async for rows in self.pages():
                self.count += len(rows)
                yield _csv([_values(r) for r in rows])
            return
        yield ("{" + f'"channel": {json.dumps(self.channel)}, "format": "JSON", '
               f'"generatedAt": {json.dumps(self.generated_at.isoformat())}, "items": [')
        async for rows in self.pages():
            sep = ",\n" if self.count else "\n"
            self.count += len(rows)
            yield sep + ",\n".join(json.dumps(dict(zip(COLUMNS, _values(r)))) for r in rows)
        yield ("\n" if self.count else "") + f'], "count": {self.count}}}\n'


async def open_feed(*, channel: str, format: FeedFormat = FeedFormat.JSON,
                    page_size: int = FEED_PAGE) -> FeedStream:
    """The feed of a channel, ready to stream; NotFound for an unknown channel."""
    ch = await catalog.get_channel(channel)
    return FeedStream(channel_id=ch.id, channel=ch.code, format=FeedFormat(format),
                      generated_at=now(), page_size=page_size)


async def build_feed(*, channel: str, format: FeedFormat = FeedFormat.JSON,
                     page_size: int = FEED_PAGE) -> Feed:
    """The whole feed as one text."""
    stream = await open_feed(channel=channel, format=format, page_size=page_size)
    content = "".join([chunk async for chunk in stream.chunks()])
    return Feed(channel=stream.channel, format=stream.format,
                generated_at=stream.generated_at, count=stream.count, content=content)


async def write_feed(stream: FeedStream, out: TextIO) -> int:
    """Write the feed to `out` page by page; the number of SKUs written."""
    async for chunk in stream.chunks():
        out.write(chunk)
    return stream.count
