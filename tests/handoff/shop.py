"""A shop with a 3PL that has an endpoint, built through the real services,
and a partner played by an httpx.MockTransport."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
import httpx

from oms.catalog import service as catalog
from oms.core import signing
from oms.core.clock import now
from oms.events import consumers
from oms.fulfillment.models import Shipment
from oms.handoff import consumer, endpoints
from oms.inventory import service as inventory
from oms.orders import service as orders

from tests import factories

URL = "https://partner.example/oms/requests"
SECRET = "partner-secret-0123456789"


async def partner_shop() -> None:
    """WEB served by 3PL1 (a 3PL with an endpoint: SKU-A), WH1 (a warehouse:
    SKU-B) and SUP1 (a supplier without an endpoint: SKU-C)."""
    await catalog.create_channel(code="WEB", name="Web", kind="WEB", currency="EUR")
    await catalog.create_location(code="3PL1", name="Partner", kind="THIRD_PARTY_LOGISTICS")
    await catalog.create_location(code="WH1", name="Warehouse", kind="WAREHOUSE")
    await catalog.create_location(code="SUP1", name="Supplier", kind="SUPPLIER")
    await endpoints.set_endpoint(location="3PL1", url=URL, secret=SECRET)
    await catalog.set_channel_locations(channel="WEB", locations=["3PL1", "WH1", "SUP1"])
    for sku, loc in (("SKU-A", "3PL1"), ("SKU-B", "WH1"), ("SKU-C", "SUP1")):
        await catalog.upsert_product(sku=sku, name=f"Name of {sku}", weight_grams=100, prices=[
            catalog.PriceInput(channel="WEB", amount=Decimal("10.00"))])
        await inventory.receive(sku=sku, location=loc, quantity=10)


async def confirmed(lines: list[tuple[str, int]], **kw) -> tuple[int, list[Shipment]]:
    """A confirmed order's id and its shipments, by location code order."""
    order = await factories.place(lines, **kw)
    await orders.confirm_order(order.id)
    shipments = await Shipment.filter(order_id=order.id).prefetch_related("location")
    return order.id, sorted(shipments, key=lambda s: s.location.code)


async def drain() -> int:
    return await consumers.drain([consumer.consumer()])


@dataclass
class Partner:
    """Answers each request with the next of `answers` (a status code, an
    exception class, or a callable) and keeps what it received, checking
    the signature like a real partner would."""

    answers: list = field(default_factory=list)
    received: list[httpx.Request] = field(default_factory=list)
    default: int = 200

    def handler(self, request: httpx.Request) -> httpx.Response:
        signing.verify(SECRET, request.headers, request.content)
        self.received.append(request)
        answer = self.answers.pop(0) if self.answers else self.default
        if isinstance(answer, type) and issubclass(answer, Exception):
            raise answer("partner trouble", request=request)
        if callable(answer):
            return answer(request)
        return httpx.Response(answer, text="boom" if answer >= 300 else "ok")

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handler))


class Clock:
    """A clock tests move by hand (starts a second after the real one, so
    deliveries created just now are due)."""

    def __init__(self) -> None:
        self.at = now() + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> datetime:
        self.at += timedelta(seconds=seconds)
        return self.at
