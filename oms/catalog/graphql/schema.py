"""Setup: channels, locations, products. Resolvers only translate."""
from __future__ import annotations

from decimal import Decimal

import strawberry

from oms.catalog import models, service
from oms.graphql.common import AddressInput
from oms.graphql.context import READERS, SETUP, Info, require
from oms.graphql.errors import UserError, attempt

from .types import ChannelKind, ChannelType, LocationKind, LocationType, ProductType


@strawberry.input
class ChannelCreateInput:
    code: str
    name: str
    kind: ChannelKind
    currency: str


@strawberry.input
class LocationCreateInput:
    code: str
    name: str
    kind: LocationKind
    address: AddressInput | None = None


@strawberry.input
class PriceInput:
    channel: str
    amount: Decimal


@strawberry.input
class ProductUpsertInput:
    sku: str
    name: str
    weight_grams: int | None = None
    prices: list[PriceInput] = strawberry.field(default_factory=list)


@strawberry.type
class ChannelPayload:
    channel: ChannelType | None
    user_errors: list[UserError]


@strawberry.type
class LocationPayload:
    location: LocationType | None
    user_errors: list[UserError]


@strawberry.type
class ProductPayload:
    product: ProductType | None
    user_errors: list[UserError]


@strawberry.type
class CatalogQuery:
    @strawberry.field
    async def channels(self, info: Info) -> list[ChannelType]:
        require(info, *READERS)
        return [ChannelType(m=c) for c in await models.Channel.all().order_by("code")]

    @strawberry.field
    async def channel(self, info: Info, code: str) -> ChannelType | None:
        require(info, *READERS)
        ch = await info.context.loaders.channel_by_code.load(code)
        return ChannelType(m=ch) if ch else None

    @strawberry.field
    async def locations(self, info: Info) -> list[LocationType]:
        require(info, *READERS)
        return [LocationType(m=loc) for loc in await models.Location.all().order_by("code")]

    @strawberry.field
    async def product(self, info: Info, sku: str) -> ProductType | None:
        require(info, *READERS)
        p = await info.context.loaders.product_by_sku.load(sku)
        return ProductType(m=p) if p else None


@strawberry.type
class CatalogMutation:
    @strawberry.mutation
    async def channel_create(self, info: Info, input: ChannelCreateInput) -> ChannelPayload:
        require(info, *SETUP)
        ch, errors = await attempt(lambda: service.create_channel(
            code=input.code, name=input.name, kind=input.kind, currency=input.currency))
        return ChannelPayload(channel=ChannelType(m=ch) if ch else None, user_errors=errors)

    @strawberry.mutation
    async def location_create(self, info: Info, input: LocationCreateInput) -> LocationPayload:
        require(info, *SETUP)
        loc, errors = await attempt(lambda: service.create_location(
            code=input.code, name=input.name, kind=input.kind,
            address=input.address.to_dict() if input.address else None))
        return LocationPayload(location=LocationType(m=loc) if loc else None, user_errors=errors)

    @strawberry.mutation
    async def channel_locations_set(self, info: Info, channel: str,
                                    locations: list[str]) -> ChannelPayload:
        require(info, *SETUP)
        ch, errors = await attempt(lambda: service.set_channel_locations(
            channel=channel, locations=locations))
        return ChannelPayload(channel=ChannelType(m=ch) if ch else None, user_errors=errors)

    @strawberry.mutation
    async def product_upsert(self, info: Info, input: ProductUpsertInput) -> ProductPayload:
        require(info, *SETUP)
        p, errors = await attempt(lambda: service.upsert_product(
            sku=input.sku, name=input.name, weight_grams=input.weight_grams,
            prices=[service.PriceInput(channel=x.channel, amount=x.amount) for x in input.prices]))
        return ProductPayload(product=ProductType(m=p) if p else None, user_errors=errors)
