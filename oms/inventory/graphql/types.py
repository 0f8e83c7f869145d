from __future__ import annotations

import strawberry

from oms.catalog import models as catalog_models
from oms.catalog.graphql.types import ChannelType, LocationType, ProductType
from oms.graphql.context import Info
from oms.graphql.pagination import PageInfo
from oms.inventory import models
from oms.inventory.queries import sellable


@strawberry.type(name="InventoryLevel")
class InventoryLevelType:
    m: strawberry.Private[models.StockLevel]
    sku: str

    @strawberry.field
    async def location(self, info: Info) -> LocationType:
        return LocationType(m=await info.context.loaders.location.load(self.m.location_id))

    @strawberry.field
    def on_hand(self) -> int:
        return self.m.on_hand

    @strawberry.field
    def reserved(self) -> int:
        return self.m.reserved

    @strawberry.field(description="onHand - reserved - safetyStock, never below 0.")
    def available(self) -> int:
        return sellable(self.m)

    @strawberry.field
    def incoming(self) -> int:
        return self.m.incoming

    @strawberry.field
    def safety_stock(self) -> int:
        return self.m.safety_stock


@strawberry.type(name="ChannelStock")
class ChannelStockType:
    channel_m: strawberry.Private[catalog_models.Channel]
    product_m: strawberry.Private[catalog_models.Product]

    @strawberry.field
    def channel(self) -> ChannelType:
        return ChannelType(m=self.channel_m)

    @strawberry.field
    def sku(self) -> str:
        return self.product_m.sku

    @strawberry.field(description="What this channel may still sell.")
    async def available(self, info: Info) -> int:
        fig = await info.context.loaders.channel_stock.load((self.channel_m.id, self.product_m.id))
        return fig.available

    @strawberry.field(description="What this channel's open orders hold.")
    async def reserved(self, info: Info) -> int:
        fig = await info.context.loaders.channel_stock.load((self.channel_m.id, self.product_m.id))
        return fig.reserved


@strawberry.type(name="StockItem")
class StockItemType:
    product_m: strawberry.Private[catalog_models.Product]

    @strawberry.field
    def sku(self) -> str:
        return self.product_m.sku

    @strawberry.field
    def product(self) -> ProductType:
        return ProductType(m=self.product_m)

    @strawberry.field
    async def levels(self, info: Info) -> list[InventoryLevelType]:
        levels = await info.context.loaders.levels_of_sku.load(self.product_m.id)
        return [InventoryLevelType(m=lvl, sku=self.product_m.sku) for lvl in levels]

    @strawberry.field
    async def channels(self, info: Info) -> list[ChannelStockType]:
        channels = await catalog_models.Channel.all().order_by("code")
        return [ChannelStockType(channel_m=c, product_m=self.product_m) for c in channels]


@strawberry.type
class ChannelStockEdge:
    cursor: str
    node: ChannelStockType


@strawberry.type
class ChannelStockConnection:
    edges: list[ChannelStockEdge]
    page_info: PageInfo
    total_count: int

