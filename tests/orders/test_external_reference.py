"""A channel's own order reference (a marketplace order id) names one order:
a second order under it is a DUPLICATE that names the first, in the same
channel; other channels may use the same reference."""
from __future__ import annotations

import asyncio
import dataclasses

import pytest

from oms.core.errors import DomainError, ErrorCode
from oms.inventory.models import StockLevel
from oms.orders import service as orders
from oms.orders.models import Order
from oms.orders.numbers import format_number

from tests import factories
from tests.assertions import refused

pytestmark = pytest.mark.usefixtures("frozen_clock")

STOCK = {("SKU-A", "WH1"): 100, ("SKU-B", "WH1"): 100}


def cmd(reference: str | None, *, channel: str = "WEB", key: str | None = None,
        lines=(("SKU-A", 1),)):
    return dataclasses.replace(factories.place_cmd(list(lines), channel=channel, key=key),
                               external_reference=reference)


async def _orders() -> list[tuple]:
    return sorted(await Order.all().values_list("id", "channel__code", "external_reference"))


async def test_a_second_order_under_one_reference_names_the_first(clean_db):
    await factories.shop(stock=STOCK)
    first = await orders.place_order(cmd("AMZ-111"))
    err = await refused(ErrorCode.DUPLICATE, ["externalReference"],
                        orders.place_order(cmd("AMZ-111", lines=[("SKU-B", 2)])), state=_orders)
    assert err.message == f"externalReference AMZ-111 is already order {format_number('WEB', first.id)}"


async def test_other_channels_and_orders_without_a_reference_are_free(clean_db):
    await factories.shop(stock=STOCK, channels={"WEB": ["WH1"], "AMAZON": ["WH1"]})
    await orders.place_order(cmd("R-1"))
    await orders.place_order(cmd("R-1", channel="AMAZON"))
    await orders.place_order(cmd(None))
    await orders.place_order(cmd(None))
    assert [r[1:] for r in await _orders()] == [("WEB", "R-1"), ("AMAZON", "R-1"),
                                               ("WEB", None), ("WEB", None)]


async def test_a_replayed_idempotency_key_is_not_a_duplicate(clean_db):
    await factories.shop(stock=STOCK)
    first = await orders.place_order(cmd("R-9", key="k-9"))
    again = await orders.place_order(cmd("R-9", key="k-9"))
    assert again.id == first.id


@pytest.mark.parametrize("round_", range(3))
async def test_the_same_reference_placed_at_once_makes_one_order(clean_db, round_):
    await factories.shop(stock=STOCK)
    results = await asyncio.gather(*[orders.place_order(cmd("RACE-1")) for _ in range(8)],
                                   return_exceptions=True)
    placed = [r for r in results if isinstance(r, Order)]
    refusals = [r for r in results if isinstance(r, DomainError)]
    assert len(placed) == 1 and len(refusals) == 7, results
    name = format_number("WEB", placed[0].id)
    assert all(r.code is ErrorCode.DUPLICATE and name in r.message for r in refusals)
    assert len(await _orders()) == 1
    # The losers reserved nothing either.
    assert sum(await StockLevel.all().values_list("reserved", flat=True)) == 1
