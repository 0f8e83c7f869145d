from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from oms.catalog import service as catalog
from oms.catalog.models import Product
from oms.core.errors import NotFound
from oms.graphql.context import OPERATORS, READERS, Info, require
from oms.graphql.errors import GqlCode, UserError, attempt, gql_error
from oms.graphql.pagination import PageInfo, decode_cursor, encode_cursor, page_size
from oms.inventory import queries, service

from .types import (ChannelStockConnection, ChannelStockEdge, ChannelStockType, StockItemType,
                    StockMovementConnection, StockMovementEdge, StockMovementType)


# SKUs one channelInventory may name (each is a bound parameter of the page's statement).
MAX_SKUS = 1000


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

    @strawberry.field(description="What a channel may sell, per SKU, ordered by SKU (all SKUs, "
                                  "or up to 1000 named in `skus`): one statement per page "
                                  "(pool, reserved units and allocation rule of every SKU on "
                                  "it).")
    async def channel_inventory(self, info: Info, channel: str, skus: list[str] | None = None,
                                first: int | None = None,
                                after: str | None = None) -> ChannelStockConnection:
        require(info, *READERS)
        ch = await info.context.loaders.channel_by_code.load(channel)
        if ch is None:
            raise gql_error(f"unknown channel {channel}", GqlCode.BAD_USER_INPUT)
        if skus is not None and len(skus) > MAX_SKUS:
            raise gql_error(f"skus: at most {MAX_SKUS} at a time", GqlCode.BAD_USER_INPUT)
        limit = page_size(first)
        cursor = decode_cursor(after)
        if cursor is not None and (len(cursor) != 1 or not isinstance(cursor[0], str)):
            raise gql_error("invalid cursor", GqlCode.BAD_USER_INPUT)
        after_sku = cursor[0] if cursor else None
        rows = await queries.channel_page(ch.id, skus=skus, after_sku=after_sku,
                                          limit=limit + 1)
        has_next = len(rows) > limit
        rows = rows[:limit]
        edges = [ChannelStockEdge(cursor=encode_cursor([r.sku]),
                                  node=ChannelStockType(channel_m=ch, product_id=r.product_id,
                                                        sku_=r.sku, figure_=r.figure(ch.id)))
                 for r in rows]
        return ChannelStockConnection(
            edges=edges, skus=skus,
            page_info=PageInfo(has_next_page=has_next, has_previous_page=after is not None,
                               start_cursor=edges[0].cursor if edges else None,
                               end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="The stock ledger of a SKU, newest first: every change of its "
                                  "levels, at one location or all, from `from` (inclusive) to "
                                  "`to` (exclusive).")
    async def stock_movements(
            self, info: Info, sku: str, location: str | None = None,
            from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
            to: datetime | None = None, first: int | None = None,
            after: str | None = None) -> StockMovementConnection:
        require(info, *READERS)
        product = await info.context.loaders.product_by_sku.load(sku)
        if product is None:
            raise gql_error(f"unknown sku {sku}", GqlCode.BAD_USER_INPUT)
        location_id = None
        if location is not None:
            try:
                location_id = (await catalog.get_location(location)).id
            except NotFound as exc:
                raise gql_error(exc.message, GqlCode.BAD_USER_INPUT) from None
        limit = page_size(first)
        cursor = decode_cursor(after)
        before_id = None
        if cursor is not None:
            if len(cursor) != 1 or type(cursor[0]) is not int or not 0 < cursor[0] < 2 ** 63:
                raise gql_error("invalid cursor", GqlCode.BAD_USER_INPUT)
            before_id = cursor[0]
        query = queries.MovementFilter(product_id=product.id, location_id=location_id,
                                       start=from_, end=to)
        rows = await queries.movements_page(query, before_id=before_id, limit=limit + 1)
        has_next = len(rows) > limit
        edges = [StockMovementEdge(cursor=encode_cursor([m.id]),
                                   node=StockMovementType(m=m, sku_=product.sku))
                 for m in rows[:limit]]
        return StockMovementConnection(
            edges=edges, query=query,
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

    @strawberry.mutation(description="Units on their way under a reference (a purchase order): "
                                     "incoming until received under the same reference.")
    async def stock_expect(self, info: Info, sku: str, location: str, quantity: int,
                           reference: str) -> StockPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: service.expect(
            sku=sku, location=location, quantity=quantity, reference=reference,
            actor=actor.label))

    @strawberry.mutation(description="Units kept back from every channel.")
    async def stock_safety_set(self, info: Info, sku: str, location: str,
                               quantity: int) -> StockPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: service.set_safety_stock(
            sku=sku, location=location, quantity=quantity, actor=actor.label))

    @strawberry.mutation(description="Available units found damaged: they stay on hand, never "
                                     "sold.")
    async def stock_damage(self, info: Info, sku: str, location: str, quantity: int,
                           reason: str) -> StockPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: service.damage(
            sku=sku, location=location, quantity=quantity, reason=reason, actor=actor.label))

    @strawberry.mutation(description="Damaged units leave on hand.")
    async def stock_write_off(self, info: Info, sku: str, location: str, quantity: int,
                              reason: str) -> StockPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: service.write_off(
            sku=sku, location=location, quantity=quantity, reason=reason, actor=actor.label))

    @strawberry.mutation(description="A cycle count: onHand becomes the counted units (damaged "
                                     "ones included); the ledger records the variance.")
    async def stock_count(self, info: Info, sku: str, location: str, counted: int,
                          reason: str | None = None) -> StockPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: service.count(
            sku=sku, location=location, counted=counted, reason=reason, actor=actor.label))

    @strawberry.mutation(description="The level is low on stock at or below `threshold` "
                                     "available units; null (or none given) clears it.")
    async def stock_threshold_set(self, info: Info, sku: str, location: str,
                                  threshold: int | None = None) -> StockPayload:
        require(info, *OPERATORS)
        return await _payload(lambda: service.set_low_stock_threshold(
            sku=sku, location=location, threshold=threshold))
