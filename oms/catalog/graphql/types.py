from __future__ import annotations

import strawberry

from oms.catalog import models
from oms.catalog.service import ChannelKind as _ChannelKind, LocationKind as _LocationKind
from oms.graphql.common import Address, Money
from oms.graphql.context import OPERATORS, Info, require

ChannelKind = strawberry.enum(_ChannelKind, name="ChannelKind")
LocationKind = strawberry.enum(_LocationKind, name="LocationKind")


@strawberry.type(name="Location")
class LocationType:
    m: strawberry.Private[models.Location]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.m.code)

    @strawberry.field
    def code(self) -> str:
        return self.m.code

    @strawberry.field
    def name(self) -> str:
        return self.m.name

    @strawberry.field
    def kind(self) -> LocationKind:
        return LocationKind(self.m.kind)

    @strawberry.field
    def address(self) -> Address | None:
        return Address.of(self.m.address)

    @strawberry.field(description="Where a partner location gets its signed fulfilment "
                                  "requests (oms.handoff); admin and staff only.")
    def endpoint_url(self, info: Info) -> str | None:
        require(info, *OPERATORS)
        return self.m.endpoint_url

    @strawberry.field(description="Whether a secret signs its requests; the secret itself "
                                  "is never readable. Admin and staff only.")
    def has_endpoint_secret(self, info: Info) -> bool:
        require(info, *OPERATORS)
        return bool(self.m.endpoint_secret)


@strawberry.type(name="Channel")
class ChannelType:
    m: strawberry.Private[models.Channel]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.m.code)

    @strawberry.field
    def code(self) -> str:
        return self.m.code

    @strawberry.field
    def name(self) -> str:
        return self.m.name

    @strawberry.field
    def kind(self) -> ChannelKind:
        return ChannelKind(self.m.kind)

    @strawberry.field
    def currency(self) -> str:
        return self.m.currency

    @strawberry.field(description="Locations serving this channel, in priority order.")
    async def locations(self, info: Info) -> list[LocationType]:
        locs = await info.context.loaders.locations_of_channel.load(self.m.id)
        return [LocationType(m=loc) for loc in locs]


@strawberry.type(name="Product")
class ProductType:
    m: strawberry.Private[models.Product]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.m.sku)

    @strawberry.field
    def sku(self) -> str:
        return self.m.sku

    @strawberry.field
    def name(self) -> str:
        return self.m.name

    @strawberry.field
    def weight_grams(self) -> int | None:
        return self.m.weight_grams

    @strawberry.field
    async def price(self, info: Info, channel: str) -> Money | None:
        found = await info.context.loaders.price.load((self.m.id, channel))
        return Money(amount=found[0], currency=found[1]) if found else None
