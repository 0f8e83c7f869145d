"""Driving a customer's orders through payment, shipping, refunds and
cancellation, and reading their stored figures."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from unittest import mock

from oms.core import clock
from oms.customers import consumer as customers_consumer
from oms.customers.models import Customer
from oms.events import consumers
from oms.fulfillment import service as fulfillment
from oms.orders import placement
from oms.payments import consumer as payments_consumer, service as payments

from tests import factories

D = Decimal


async def place(lines, *, email: str = "ann@example.com", payment: dict | None = None,
                placed_at: datetime | None = None, address: dict | None = None,
                channel: str = "WEB"):
    """The order (placed through the payments service, as orderPlace does),
    placed at `placed_at` by the placement's clock."""
    cmd = factories.place_cmd(lines, email=email, address=address, channel=channel)
    cmd = dataclasses.replace(cmd, payment=payment)
    with mock.patch.object(placement, "now", lambda: placed_at or clock.now()):
        placed = await payments.place_and_authorize(cmd, actor="test")
    return placed.placement.order


CARD = {"gateway": "test", "token": "tok_approve"}


async def ship_all(order_id: int) -> None:
    """Ship every shipment, and let payments capture them."""
    for s in await factories.shipments_of(order_id):
        for step in (fulfillment.pick, fulfillment.pack, fulfillment.ship):
            await step(s.id)
    await consumers.drain([payments_consumer.consumer()])


async def drain() -> int:
    return await consumers.drain([payments_consumer.consumer(), customers_consumer.consumer()])


async def figures(email: str = "ann@example.com") -> tuple:
    """(ordersCount, lifetimeValue, averageOrderValue, firstOrderAt, lastOrderAt)."""
    c = await Customer.get(email=email)
    return (c.orders_count, c.lifetime_value, c.average_order_value, c.first_order_at,
            c.last_order_at)


def oms_cli(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess:
    """The `oms` command on this database, run in `cwd`."""
    env = {**os.environ, "OMS_DATABASE_URL": database_url, "OMS_DATA_DIR": str(cwd / ".oms")}
    return subprocess.run([str(Path(sys.executable).parent / "oms"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
