"""The right to erasure in the stock ledger (oms.customers.privacy calls it):
the reason copied from an order onto its movements goes; the movements, and
every other reason, stay."""
from __future__ import annotations

import pytest

from oms.inventory import service as inventory
from oms.inventory.models import StockMovement
from oms.orders import service as orders

from tests import factories

pytestmark = pytest.mark.usefixtures("frozen_clock")


async def _ledger() -> list[dict]:
    return await StockMovement.all().order_by("id").values()


async def test_erase_reasons_clears_only_the_orders_movement_reasons(shop):
    ann = await factories.place([("SKU-A", 2)])
    bob = await factories.place([("SKU-A", 1)], email="bob@example.com")
    await orders.cancel_order(ann.id, reason="Ann Lee is moving house")
    await orders.cancel_order(bob.id, reason="Bob Stone changed his mind")
    await inventory.adjust(sku="SKU-A", location="WH1", delta=-1, reason="broken by Ann")
    before = await _ledger()

    await inventory.erase_reasons([ann.id])

    after = await _ledger()
    assert [(m["kind"], m["reference"], m["reason"]) for m in after] == [
        ("RECEIPT", None, None), ("RECEIPT", None, None), ("RECEIPT", None, None),
        ("RESERVE", f"order:{ann.id}", None), ("RESERVE", f"order:{bob.id}", None),
        ("RELEASE", f"order:{ann.id}", None),
        ("RELEASE", f"order:{bob.id}", "Bob Stone changed his mind"),
        ("ADJUSTMENT", None, "broken by Ann")]
    assert [{k: v for k, v in m.items() if k != "reason"} for m in after] == [
        {k: v for k, v in m.items() if k != "reason"} for m in before]
    assert [(m["reference"], m["reason"]) for m in after] == [
        (m["reference"], None if m["reference"] == f"order:{ann.id}" else m["reason"])
        for m in before]
    assert (f"order:{ann.id}", "Ann Lee is moving house") in [
        (m["reference"], m["reason"]) for m in before]

    await inventory.erase_reasons([])
    assert await _ledger() == after
