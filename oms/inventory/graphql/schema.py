from __future__ import annotations

from typing import Annotated

import strawberry

from oms.catalog.models import Product
from oms.graphql.context import OPERATORS, READERS, Info, require
from oms.graphql.errors import GqlCode, UserError, attempt, gql_error
from oms.graphql.pagination import PageInfo, decode_cursor, encode_cursor, page_size
from oms.inventory import queries, service

from .types import ChannelStockConnection, ChannelStockEdge, ChannelStockType, StockItemType


@strawberry.type
class StockPayload:
    stock_item: StockItemType | None
    user_errors: list[UserError]


async def _payload(call) -> StockPayload:
    result, errors = await attempt(call)
    if errors:
        return StockPayload(stock_item=None, user_errors=errors)
    level = result[0] if isinstance(result, list) else result
    product = await Product.get(id=level.product_id)
    return StockPayload(stock_item=StockItemType(product_m=product), user_errors=[])


@strawberry.type
class InventoryQuery:
    @strawberry.field
    async def stock_item(self, info: Info, sku: str) -> StockItemType | None:
        require(info, *READERS)
        p = await info.context.loaders.product_by_sku.load(sku)
        return StockItemType(product_m=p) if p else None

    @strawberry.field(description="What a channel may sell, per SKU, ordered by SKU.")
    async def channel_inventory(self, info: Info, channel: str, skus: list[str] | None = None,
                                first: int | None = None,
                                after: str | None = None) -> ChannelStockConnection:
        require(info, *READERS)
        ch = await info.context.loaders.channel_by_code.load(channel)
        if ch is None:
            raise gql_error(f"unknown channel {channel}", GqlCode.BAD_USER_INPUT)
        limit = page_size(first)
        cursor = decode_cursor(after)
        after_sku = str(cursor[0]) if cursor else None
        rows = await queries.products_page(skus=skus, after_sku=after_sku, limit=limit + 1)
        has_next = len(rows) > limit
        rows = rows[:limit]
        edges = [ChannelStockEdge(cursor=encode_cursor([p.sku]),
                                  node=ChannelStockType(channel_m=ch, product_m=p)) for p in rows]
        return ChannelStockConnection(
            edges=edges, total_count=await queries.products_count(skus),
            page_info=PageInfo(has_next_page=has_next, has_previous_page=after is not None,
                               start_cursor=edges[0].cursor if edges else None,
                               end_cursor=edges[-1].cursor if edges else None))


@strawberry.type
class InventoryMutation:
    @strawberry.mutation
    async def stock_receive(self, info: Info, sku: str, location: str, quantity: int,
                            reference: str | None = None) -> StockPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: service.receive(
            sku=sku, location=location, quantity=quantity, reference=reference,
            actor=actor.label))

    @strawberry.mutation
    async def stock_adjust(self, info: Info, sku: str, location: str, delta: int,
                           reason: str) -> StockPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: service.adjust(
            sku=sku, location=location, delta=delta, reason=reason, actor=actor.label))

    @strawberry.mutation
    async def stock_transfer(self, info: Info, sku: str,
                             from_: Annotated[str, strawberry.argument(name="from")],
                             to: str, quantity: int) -> StockPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: service.transfer(
            sku=sku, from_location=from_, to_location=to, quantity=quantity, actor=actor.label))
