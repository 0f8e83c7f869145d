from __future__ import annotations

from typing import AsyncGenerator

import strawberry

from oms.events.record import EventRecord
from oms.graphql.context import READERS, Info, require
from oms.graphql.errors import GqlCode, gql_error
from oms.graphql.streams import event_stream
from oms.inventory.stock_events import STOCK_CHANGED

from .types import ChannelStockType


@strawberry.type
class InventorySubscription:
    @strawberry.subscription(description="A channel's figures for a SKU, pushed when they may "
                                         "have moved.")
    async def stock_changed(self, info: Info, channel: str | None = None,
                            skus: list[str] | None = None
                            ) -> AsyncGenerator[ChannelStockType, None]:
        require(info, *READERS)
        if channel is not None and await info.context.loaders.channel_by_code.load(channel) is None:
            raise gql_error(f"unknown channel {channel}", GqlCode.BAD_USER_INPUT)
        wanted_skus = set(skus) if skus else None

        def wanted(r: EventRecord) -> bool:
            return (r.type == STOCK_CHANGED and r.channel is not None
                    and (channel is None or r.channel == channel)
                    and (wanted_skus is None or r.sku in wanted_skus))

        async for record in event_stream(info, predicate=wanted, after=None, replay=None):
            loaders = info.context.loaders
            ch = await loaders.channel_by_code.load(record.channel)
            product = await loaders.product_by_sku.load(record.sku)
            if ch is not None and product is not None:
                yield ChannelStockType.of(ch, product)
