from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from oms.catalog import models as catalog_models
from oms.catalog.graphql.types import ChannelType, LocationType, ProductType
from oms.core import ids
from oms.graphql.context import Info
from oms.graphql.pagination import PageInfo
from oms.inventory import levels, models, queries
from oms.inventory.queries import low_stock, sellable

from .loaders import inventory_loaders

StockMovementKind = strawberry.enum(levels.MovementKind, name="StockMovementKind")


@strawberry.type(name="InboundExpectation")
class InboundExpectationType:
    m: strawberry.Private[models.InboundExpectation]

    @strawberry.field(description="The document the units are expected under, such as a "
                                  "purchase order.")
    def reference(self) -> str:
        return self.m.reference

    @strawberry.field(description="Every unit expected under the reference so far.")
    def expected(self) -> int:
        return self.m.expected

    @strawberry.field(description="Units received under the reference while it was open; "
                                  "the receipt that closed it counts whole.")
    def received(self) -> int:
        return self.m.received

    @strawberry.field(description="Units still incoming under the reference.")
    def remaining(self) -> int:
        return self.m.remaining

    @strawberry.field
    def created_at(self) -> datetime:
        return self.m.created_at


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

    @strawberry.field(description="onHand - reserved - safetyStock - damaged, never below 0.")
    def available(self) -> int:
        return sellable(self.m)

    @strawberry.field(description="Units expected under open inbound references.")
    def incoming(self) -> int:
        return self.m.incoming

    @strawberry.field(description="Units kept back from every channel.")
    def safety_stock(self) -> int:
        return self.m.safety_stock

    @strawberry.field(description="Units on hand that are damaged: counted in onHand, never "
                                  "sold.")
    def damaged(self) -> int:
        return self.m.damaged

    @strawberry.field(description="available is at or below lowStockThreshold.")
    def low_stock(self) -> bool:
        return low_stock(self.m)

    @strawberry.field(description="At or below this many available units the level is low on "
                                  "stock; null: never.")
    def low_stock_threshold(self) -> int | None:
        return self.m.low_stock_threshold

    @strawberry.field(description="Open inbound expectations, oldest first: what incoming is "
                                  "made of.")
    async def inbound(self, info: Info) -> list[InboundExpectationType]:
        found = await inventory_loaders(info).open_inbound.load(
            (self.m.product_id, self.m.location_id))
        return [InboundExpectationType(m=e) for e in found]


@strawberry.type(name="ChannelStock")
class ChannelStockType:
    channel_m: strawberry.Private[catalog_models.Channel]
    product_id: strawberry.Private[int]
    sku_: strawberry.Private[str]
    # The figures when the caller has them already (channelInventory reads a
    # page's in one statement); else each field goes through the batch loader.
    figure_: strawberry.Private[queries.ChannelFigure | None] = None

    @classmethod
    def of(cls, channel: catalog_models.Channel,
           product: catalog_models.Product) -> "ChannelStockType":
        return cls(channel_m=channel, product_id=product.id, sku_=product.sku)

    def _read(self, info: Info, name: str) -> Any:
        """The figure now, or an awaitable of it. The fields are plain
        functions so a page of known figures resolves without a coroutine per
        field (graphql-core awaits what needs awaiting)."""
        if self.figure_ is not None:
            return getattr(self.figure_, name)
        return self._load(info, name)

    async def _load(self, info: Info, name: str) -> int:
        fig = await info.context.loaders.channel_stock.load((self.channel_m.id, self.product_id))
        return getattr(fig, name)

    @strawberry.field
    def channel(self) -> ChannelType:
        return ChannelType(m=self.channel_m)

    @strawberry.field
    def sku(self) -> str:
        return self.sku_

    @strawberry.field(description="What this channel may still sell: the pool of its "
                                  "locations under its allocation rule for the SKU.")
    def available(self, info: Info) -> int:
        return self._read(info, "available")

    @strawberry.field(description="What this channel's open orders hold.")
    def reserved(self, info: Info) -> int:
        return self._read(info, "reserved")

    @strawberry.field(description="What this channel's locations could give before its "
                                  "allocation rule: each level's available (never below 0), "
                                  "summed.")
    def pooled(self, info: Info) -> int:
        return self._read(info, "pooled")


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
        return [ChannelStockType.of(c, self.product_m) for c in channels]


@strawberry.type
class ChannelStockEdge:
    cursor: str
    node: ChannelStockType


@strawberry.type
class ChannelStockConnection:
    edges: list[ChannelStockEdge]
    page_info: PageInfo
    skus: strawberry.Private[list[str] | None]

    @strawberry.field(description="SKUs matching `skus` (all SKUs without it): one count "
                                  "query, only when asked for.")
    async def total_count(self) -> int:
        return await queries.products_count(self.skus)



@strawberry.type(description="How one quantity of a level moved; before and after are null "
                             "only on ledger rows written before they were recorded.")
class QuantityChange:
    delta: int
    before: int | None
    after: int | None


def _change(m: models.StockMovement, name: str) -> QuantityChange:
    return QuantityChange(delta=getattr(m, f"{name}_delta"), before=getattr(m, f"{name}_before"),
                          after=getattr(m, f"{name}_after"))


@strawberry.type(name="StockMovement", description="A row of the stock ledger: one change of a "
                                                   "level.")
class StockMovementType:
    m: strawberry.Private[models.StockMovement]
    sku_: strawberry.Private[str]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(ids.encode("StockMovement", self.m.id))

    @strawberry.field
    def sku(self) -> str:
        return self.sku_

    @strawberry.field
    def kind(self) -> StockMovementKind:
        return levels.MovementKind(self.m.kind)

    @strawberry.field
    async def location(self, info: Info) -> LocationType:
        return LocationType(m=await info.context.loaders.location.load(self.m.location_id))

    @strawberry.field
    def on_hand(self) -> QuantityChange:
        return _change(self.m, "on_hand")

    @strawberry.field
    def reserved(self) -> QuantityChange:
        return _change(self.m, "reserved")

    @strawberry.field
    def damaged(self) -> QuantityChange:
        return _change(self.m, "damaged")

    @strawberry.field
    def incoming(self) -> QuantityChange:
        return _change(self.m, "incoming")

    @strawberry.field
    def safety_stock(self) -> QuantityChange:
        return _change(self.m, "safety_stock")

    @strawberry.field(description="Why, as given by who made the change.")
    def reason(self) -> str | None:
        return self.m.reason

    @strawberry.field(description="The document behind the change: a purchase order, "
                                  "order:<id>, the other location of a transfer.")
    def reference(self) -> str | None:
        return self.m.reference

    @strawberry.field(description="Who made the change.")
    def actor(self) -> str | None:
        return self.m.actor

    @strawberry.field
    def at(self) -> datetime:
        return self.m.created_at


@strawberry.type
class StockMovementEdge:
    cursor: str
    node: StockMovementType


@strawberry.type
class StockMovementConnection:
    edges: list[StockMovementEdge]
    page_info: PageInfo
    query: strawberry.Private[queries.MovementFilter]

    @strawberry.field(description="Rows matching sku, location, from and to (one count "
                                  "query).")
    async def total_count(self) -> int:
        return await queries.movements_count(self.query)
