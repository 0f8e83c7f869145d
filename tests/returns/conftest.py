"""Returns fixtures (shared with the resolution tests: keep the names stable).

- `returns_clock` (autouse): every order, shipment and return module reads
  factories.T0; a returns test moves `returns_clock.at` to see time pass for
  the returns use cases (the window, scans) while the rest stays at T0.
- `return_shop`: factories.shop with addresses on WH1 and WH2 (labels need
  them). SKU-A 10.00 and SKU-B 25.50 at WH1, SKU-C 3.99 at WH2, 10 each.
- `delivered`: a paid (captured) order of 2 x SKU-A and 1 x SKU-B for
  ann@example.com, shipped from WH1 in one shipment, delivered at T0.
- `deliver(...)`: the same for any lines, paid or not, delivered or not.
- `gql`, `live_gql`: in-process GraphQL clients (tests/graphql/helpers.py).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from oms.catalog.models import Location
from oms.events import consumers
from oms.fulfillment import service as fulfillment
from oms.fulfillment.models import Shipment
from oms.orders import service as orders
from oms.orders.models import Order, OrderLine
from oms.payments import consumer as payments_consumer, service as payments
from oms.returns import receiving, service, tracking

from tests import factories
from tests.factories import T0

WH1_ADDRESS = {"line1": "1 Quai Perrache", "city": "Lyon", "postalCode": "69002",
               "country": "FR"}
WH2_ADDRESS = {"line1": "Damrak 1", "city": "Amsterdam", "postalCode": "1012 LG",
               "country": "NL"}
CARD = {"gateway": "test", "token": "tok_approve"}


@dataclass
class ReturnsClock:
    at: datetime = T0


@dataclass
class Delivered:
    order: Order
    customer_id: int
    lines: dict[str, OrderLine] = field(default_factory=dict)  # by SKU
    shipments: list[Shipment] = field(default_factory=list)

    def line_id(self, sku: str) -> int:
        return self.lines[sku].id


@pytest.fixture(autouse=True)
def _gateways(fresh_gateways):
    """Fresh built-in payment gateways for every test (tests/conftest.py)."""


@pytest.fixture(autouse=True)
def returns_clock(frozen_clock, monkeypatch) -> ReturnsClock:
    clock = ReturnsClock()
    for module in (service, tracking, receiving):
        monkeypatch.setattr(module, "now", lambda: clock.at)
    return clock


@pytest.fixture
async def return_shop(shop):
    await Location.filter(code="WH1").update(address=WH1_ADDRESS)
    await Location.filter(code="WH2").update(address=WH2_ADDRESS)


async def deliver(lines=(("SKU-A", 2), ("SKU-B", 1)), *, email: str = "ann@example.com",
                  paid: bool = True, delivered: bool = True) -> Delivered:
    """An order placed, shipped (captured when paid) and, unless told
    otherwise, delivered at T0."""
    cmd = factories.place_cmd(list(lines), email=email)
    if paid:
        cmd = dataclasses.replace(cmd, payment=CARD)
        order = (await payments.place_and_authorize(cmd, actor="test")).placement.order
    else:
        order = await orders.place_order(cmd, actor="test")
        await orders.confirm_order(order.id)
    for s in await factories.shipments_of(order.id):
        for step in (fulfillment.pick, fulfillment.pack, fulfillment.ship):
            await step(s.id)
        if delivered:
            await fulfillment.record_tracking(shipment_id=s.id, status="DELIVERED",
                                              occurred_at=T0)
    await consumers.drain([payments_consumer.consumer()])
    order = await Order.get(id=order.id)
    return Delivered(order=order, customer_id=order.customer_id,
                     lines={ln.sku: ln for ln in await OrderLine.filter(order_id=order.id)},
                     shipments=await factories.shipments_of(order.id))


@pytest.fixture
async def delivered(return_shop) -> Delivered:
    return await deliver()


@pytest.fixture
async def gql(clean_db):
    from tests.graphql.helpers import Gql

    return Gql()


@pytest.fixture
async def live_gql(hub):
    from tests.graphql.helpers import Gql

    return Gql(hub=hub)
