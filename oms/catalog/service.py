"""Setting up a shop: channels, locations, which serve which, products."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from oms.core import validation as v
from oms.core.errors import Duplicate, Invalid, NotFound
from oms.core.money import to_decimal
from oms.core.uow import unit_of_work

from .models import Channel, ChannelLocation, Location, Product, ProductPrice


class ChannelKind(str, Enum):
    WEB = "WEB"
    MARKETPLACE = "MARKETPLACE"
    STORE = "STORE"
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    SOCIAL = "SOCIAL"


class LocationKind(str, Enum):
    WAREHOUSE = "WAREHOUSE"
    STORE = "STORE"
    SUPPLIER = "SUPPLIER"
    THIRD_PARTY_LOGISTICS = "THIRD_PARTY_LOGISTICS"


async def create_channel(*, code: str, name: str, kind: ChannelKind, currency: str) -> Channel:
    code = v.code(code, "code")
    name = v.text(name, "name")
    currency = v.currency(currency)
    kind_value = v.choice(kind, ChannelKind, "kind").value
    async with unit_of_work():
        if await Channel.filter(code=code).exists():
            raise Duplicate(f"a channel with code {code} already exists", field="code")
        return await Channel.create(code=code, name=name, kind=kind_value,
                                    currency=currency)


async def create_location(*, code: str, name: str, kind: LocationKind,
                          address: dict[str, Any] | None = None) -> Location:
    code = v.code(code, "code")
    name = v.text(name, "name")
    kind_value = v.choice(kind, LocationKind, "kind").value
    addr = v.address(address, "address") if address else None
    async with unit_of_work():
        if await Location.filter(code=code).exists():
            raise Duplicate(f"a location with code {code} already exists", field="code")
        return await Location.create(code=code, name=name, kind=kind_value,
                                     address=addr)


async def set_channel_locations(*, channel: str, locations: list[str]) -> Channel:
    """Replace the locations serving a channel, in priority order."""
    if len(set(locations)) != len(locations):
        raise Invalid("a location is listed twice", field="locations")
    async with unit_of_work():
        ch = await get_channel(channel)
        found = {loc.code: loc for loc in await Location.filter(code__in=locations)}
        missing = [c for c in locations if c not in found]
        if missing:
            raise NotFound(f"unknown location {missing[0]}", field="locations")
        await ChannelLocation.filter(channel_id=ch.id).delete()
        await ChannelLocation.bulk_create([
            ChannelLocation(channel_id=ch.id, location_id=found[c].id, priority=i)
            for i, c in enumerate(locations)])
        return ch


@dataclass(frozen=True)
class PriceInput:
    channel: str
    amount: Decimal | str


async def upsert_product(*, sku: str, name: str, weight_grams: int | None = None,
                         prices: list[PriceInput] | None = None) -> Product:
    sku = v.code(sku, "sku", "sku")
    name = v.text(name, "name")
    if weight_grams is not None and not (0 <= weight_grams <= 10_000_000):
        raise Invalid("weightGrams must be between 0 and 10,000,000", field="weightGrams")
    prices = prices or []
    if len({p.channel for p in prices}) != len(prices):
        raise Invalid("a channel is priced twice", field="prices")
    amounts: dict[str, Decimal] = {}
    for i, p in enumerate(prices):
        try:
            amount = to_decimal(p.amount)
        except ValueError:
            raise Invalid("price is not a decimal amount", field=["prices", str(i), "amount"]) from None
        if amount < 0 or amount >= Decimal("1e11"):
            raise Invalid("price must be between 0 and 99,999,999,999.99",
                          field=["prices", str(i), "amount"])
        amounts[p.channel] = amount
    async with unit_of_work():
        channels = {c.code: c for c in await Channel.filter(code__in=list(amounts))}
        missing = [c for c in amounts if c not in channels]
        if missing:
            raise NotFound(f"unknown channel {missing[0]}", field="prices")
        product = await Product.get_or_none(sku=sku)
        if product is None:
            product = await Product.create(sku=sku, name=name, weight_grams=weight_grams)
        else:
            product.name = name
            product.weight_grams = weight_grams
            await product.save(update_fields=["name", "weight_grams", "updated_at"])
        for code, amount in amounts.items():
            updated = await ProductPrice.filter(product_id=product.id,
                                                channel_id=channels[code].id).update(amount=amount)
            if not updated:
                await ProductPrice.create(product_id=product.id, channel_id=channels[code].id,
                                          amount=amount)
        return product


async def get_channel(code: str, field: str = "channel") -> Channel:
    ch = await Channel.get_or_none(code=code) if code else None
    if ch is None:
        raise NotFound(f"unknown channel {code}", field=field)
    return ch


async def get_location(code: str, field: str = "location") -> Location:
    loc = await Location.get_or_none(code=code) if code else None
    if loc is None:
        raise NotFound(f"unknown location {code}", field=field)
    return loc


async def get_product(sku: str, field: str = "sku") -> Product:
    p = await Product.get_or_none(sku=sku) if sku else None
    if p is None:
        raise NotFound(f"unknown sku {sku}", field=field)
    return p


async def channel_code(channel_id: int) -> str:
    """The code of a channel known to exist (events are topiced by code)."""
    return (await Channel.filter(id=channel_id).values_list("code", flat=True))[0]


async def channel_location_ids(channel_id: int) -> list[int]:
    """Locations serving a channel, in priority order."""
    links = await ChannelLocation.filter(channel_id=channel_id).order_by("priority").values_list(
        "location_id", flat=True)
    return list(links)
