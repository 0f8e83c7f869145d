"""Small builders for a shop in a known state, through the real services."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from oms.catalog import service as catalog
from oms.fulfillment.models import Shipment
from oms.inventory import service as inventory
from oms.orders import service as orders

# The instant a frozen clock (the `frozen_clock` fixture) reads.
T0 = datetime(2026, 3, 14, 9, 26, 53, tzinfo=timezone.utc)

ADDRESS = {"name": "Ann Lee", "line1": "1 Rue de Rivoli", "city": "Paris",
           "postalCode": "75001", "country": "FR"}


async def shop(*, stock: dict[tuple[str, str], int] | None = None,
               channels: dict[str, list[str]] | None = None,
               prices: dict[str, str] | None = None) -> None:
    """Channels WEB (and any others named) served by the given locations,
    products priced in every channel, and stock per (sku, location)."""
    channels = channels or {"WEB": ["WH1", "WH2"]}
    prices = prices or {"SKU-A": "10.00", "SKU-B": "25.50", "SKU-C": "3.99"}
    stock = stock if stock is not None else {("SKU-A", "WH1"): 10, ("SKU-B", "WH1"): 10,
                                             ("SKU-C", "WH2"): 10}
    locations = sorted({loc for locs in channels.values() for loc in locs})
    for code in channels:
        await catalog.create_channel(code=code, name=code.title(), kind="WEB", currency="EUR")
    for loc in locations:
        await catalog.create_location(code=loc, name=loc, kind="WAREHOUSE")
    for code, locs in channels.items():
        await catalog.set_channel_locations(channel=code, locations=locs)
    for sku, price in prices.items():
        await catalog.upsert_product(sku=sku, name=sku, weight_grams=100, prices=[
            catalog.PriceInput(channel=c, amount=Decimal(price)) for c in channels])
    for (sku, loc), qty in stock.items():
        await inventory.receive(sku=sku, location=loc, quantity=qty)


def place_cmd(lines: list[tuple[str, int]], *, channel: str = "WEB",
              email: str = "ann@example.com", key: str | None = None,
              address: dict | None = None, source: str = "WEB") -> orders.PlaceOrder:
    return orders.PlaceOrder(channel=channel, source=source,
                             customer=orders.CustomerInput(email=email, name="Ann Lee"),
                             lines=[orders.LineInput(sku=s, quantity=q) for s, q in lines],
                             shipping_address=dict(address or ADDRESS), idempotency_key=key)


async def place(lines: list[tuple[str, int]], **kw):
    return await orders.place_order(place_cmd(lines, **kw), actor="test")


async def shipments_of(order_id: int) -> list[Shipment]:
    return await Shipment.filter(order_id=order_id).order_by("id")
