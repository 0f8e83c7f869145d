"""Demo data for a newcomer: a small multichannel shop with orders in every
status, loaded through the same services the API uses."""
from __future__ import annotations

import random
from decimal import Decimal

from tortoise import Tortoise

from oms import db
from oms.catalog import service as catalog
from oms.catalog.models import Channel
from oms.fulfillment import service as fulfillment
from oms.fulfillment.models import Shipment
from oms.inventory import rules, service as inventory
from oms.orders import channel_settings, service as orders
from oms.orders.models import Order, OrderLine
from oms.returns import receiving, service as returns
from oms.returns.policy import ReceivedEntry, RequestedLine

CHANNELS = [("WEB", "Web shop", "WEB", "EUR"), ("AMAZON", "Amazon DE", "MARKETPLACE", "EUR"),
            ("STORE", "Paris store", "STORE", "EUR"), ("PHONE", "Phone orders", "PHONE", "EUR")]
LOCATIONS = [
    ("WH-EU", "Central warehouse", "WAREHOUSE", "Lyon", "69007", "FR"),
    ("STORE-PAR", "Paris store", "STORE", "Paris", "75004", "FR"),
    ("3PL-NL", "Rotterdam 3PL", "THIRD_PARTY_LOGISTICS", "Rotterdam", "3011 AA", "NL"),
    ("DROP-ACME", "Acme drop-ship", "SUPPLIER", "Berlin", "10115", "DE"),
]
SERVES = {"WEB": ["WH-EU", "3PL-NL", "DROP-ACME"], "AMAZON": ["3PL-NL", "WH-EU"],
          "STORE": ["STORE-PAR", "WH-EU"], "PHONE": ["WH-EU"]}
PRODUCTS = [("TSHIRT-BLK-M", "T-shirt black M", 180, "19.90"),
            ("TSHIRT-WHT-M", "T-shirt white M", 180, "19.90"),
            ("HOODIE-GRY-L", "Hoodie grey L", 650, "59.00"),
            ("CAP-NAVY", "Cap navy", 120, "24.50"),
            ("MUG-LOGO", "Logo mug", 400, "12.00"),
            ("SOCKS-3PK", "Socks 3-pack", 150, "14.90"),
            ("BAG-TOTE", "Tote bag", 200, "17.50"),
            ("POSTER-A2", "Poster A2", 300, "29.00")]
# (email, name, city, region, postal code, country): Italy needs its province.
CUSTOMERS = [("ana.silva@example.com", "Ana Silva", "Lisbon", None, "1100-148", "PT"),
             ("ben.muller@example.com", "Ben Müller", "Berlin", None, "10117", "DE"),
             ("chloe.martin@example.com", "Chloé Martin", "Paris", None, "75011", "FR"),
             ("dan.jansen@example.com", "Dan Jansen", "Amsterdam", None, "1012 JS", "NL"),
             ("eva.rossi@example.com", "Eva Rossi", "Milan", "MI", "20121", "IT")]

# The last step each demo order is taken to, so every status is on show.
JOURNEYS = ["PENDING", "ON_HOLD", "CONFIRMED", "PROCESSING", "PARTIALLY_SHIPPED", "SHIPPED",
            "DELIVERED", "CANCELLED", "DELIVERED", "SHIPPED", "PENDING", "CONFIRMED"]


async def load_demo(database_url: str) -> str:
    await Tortoise.init(config=db.tortoise_config(database_url, pool_size=4))
    try:
        if await Channel.filter(code="WEB").exists():
            return "demo data is already loaded"
        await _setup()
        placed = await _orders()
        made = await _returns()
        return f"demo data loaded: {len(CHANNELS)} channels, {len(LOCATIONS)} locations, " \
               f"{len(PRODUCTS)} products, {len(CUSTOMERS)} customers, {placed} orders, " \
               f"{made} returns"
    finally:
        await Tortoise.close_connections()


async def _setup() -> None:
    for code, name, kind, currency in CHANNELS:
        await catalog.create_channel(code=code, name=name, kind=kind, currency=currency)
    for code, name, kind, city, postal, country in LOCATIONS:
        await catalog.create_location(code=code, name=name, kind=kind, address={
            "line1": "1 Demo Street", "city": city, "postalCode": postal, "country": country})
    for channel, locs in SERVES.items():
        await catalog.set_channel_locations(channel=channel, locations=locs)
    for sku, name, grams, price in PRODUCTS:
        await catalog.upsert_product(sku=sku, name=name, weight_grams=grams, prices=[
            catalog.PriceInput(channel=c, amount=Decimal(price)) for c, *_ in CHANNELS])
        for loc, qty in (("WH-EU", 120), ("STORE-PAR", 15), ("3PL-NL", 60), ("DROP-ACME", 500)):
            await inventory.receive(sku=sku, location=loc, quantity=qty, reference="DEMO-PO-1",
                                    actor="demo")
    await channel_settings.update(
        "WEB", risk_policy={"maxTotal": "2000.00",
                            "markets": ["FR", "DE", "NL", "BE", "IT", "ES", "PT"]},
        shipping_methods=[
            channel_settings.MethodInput(code="STANDARD", name="Standard", service_days=3,
                                         cutoff="15:00", timezone="Europe/Paris"),
            channel_settings.MethodInput(code="EXPRESS", name="Express", service_days=1,
                                         cutoff="12:00", timezone="Europe/Paris")])
    # Web customers pay 3.90 for their return label; posters are final sale.
    await returns.set_policy(channel="WEB", window_days=30, final_sale_skus=["POSTER-A2"],
                             return_shipping_payer="CUSTOMER", return_shipping_fee="3.90",
                             refund_original_shipping=False, return_location="WH-EU",
                             carrier=None, service=None, actor="demo")
    # The marketplace sees at most 80 % of what its locations hold, less 2 per SKU.
    await rules.set_allocation_rule(channel="AMAZON", sku=None, cap_quantity=None,
                                    cap_percent=80, buffer=2, actor="demo")


async def _orders() -> int:
    rng = random.Random(42)
    for i, journey in enumerate(JOURNEYS):
        email, name, city, region, postal, country = CUSTOMERS[i % len(CUSTOMERS)]
        channel = CHANNELS[i % len(CHANNELS)][0]
        lines = [orders.LineInput(sku=sku, quantity=rng.randint(1, 3))
                 for sku, *_ in rng.sample(PRODUCTS, rng.randint(1, 3))]
        if journey == "PARTIALLY_SHIPPED":
            # Big enough to need two locations, so one parcel can leave first.
            lines = [orders.LineInput(sku="HOODIE-GRY-L", quantity=130)]
            channel = "AMAZON"
        order = await orders.place_order(orders.PlaceOrder(
            channel=channel, source=CHANNELS[i % len(CHANNELS)][2] if channel != "AMAZON"
            else "MARKETPLACE", customer=orders.CustomerInput(email=email, name=name),
            lines=lines, shipping_address={"name": name, "line1": f"{i + 1} Demo Avenue",
                                           "city": city, "region": region, "postalCode": postal,
                                           "country": country},
            external_reference=f"DEMO-{i + 1:04d}"), actor="demo")
        await _take(order.id, journey)
    return len(JOURNEYS)


async def _take(order_id: int, journey: str) -> None:
    if journey == "PENDING":
        return
    if journey == "ON_HOLD":
        await orders.hold_order(order_id, reason="address check", actor="demo")
        return
    if journey == "CANCELLED":
        await orders.cancel_order(order_id, reason="customer changed their mind", actor="demo")
        return
    if (await orders.get_order(order_id)).status == "PENDING":
        # Marketplace and store orders are paid at source and confirmed at capture.
        await orders.confirm_order(order_id, actor="demo")
    shipments = await Shipment.filter(order_id=order_id).order_by("id")
    if journey == "CONFIRMED":
        return
    if journey == "PROCESSING":
        await fulfillment.pick(shipments[0].id, actor="demo")
        return
    to_ship = shipments[:1] if journey == "PARTIALLY_SHIPPED" else shipments
    for s in to_ship:
        await fulfillment.pick(s.id, actor="demo")
        await fulfillment.pack(s.id, actor="demo")
        await fulfillment.ship(s.id, actor="demo")
        await fulfillment.record_tracking(shipment_id=s.id, status="IN_TRANSIT",
                                          description="Departed hub", location="Lyon")
        if journey == "DELIVERED":
            await fulfillment.record_tracking(shipment_id=s.id, status="DELIVERED",
                                              description="Left at front door")


async def _returns() -> int:
    """A return on each delivered demo order: one approved (its label made,
    the parcel on its way back), one received back into stock."""
    delivered = await Order.filter(status="DELIVERED").order_by("id").limit(2)
    for k, order in enumerate(delivered):
        line = await OrderLine.filter(order_id=order.id).order_by("id").first()
        ret = await returns.request_return(
            order_id=order.id, resolution="REFUND", actor="demo",
            lines=[RequestedLine(line.id, 1, "TOO_SMALL" if k == 0 else "DEFECTIVE")])
        await returns.approve_return(ret.id, actor="demo")
        if k == 1:
            await receiving.receive_return(ret.id, location="WH-EU", actor="demo",
                                           lines=[ReceivedEntry(line.id, 1, "RESALABLE")])
    return len(delivered)
