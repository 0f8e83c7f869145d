"""The right to erasure in the event log (oms.customers.privacy calls it):
free-text keys leave the customer's events, those filed under the customer
and those of the customer's orders; nothing else changes. And the export's
read of the customer's events."""
from __future__ import annotations

import pytest

from oms.core.uow import unit_of_work
from oms.customers.models import Customer
from oms.events import privacy, queries
from oms.events.models import EventLog
from oms.events.record import Event

from tests import factories

pytestmark = pytest.mark.usefixtures("frozen_clock")

TEXT = {"message": "Ann Lee called", "description": "left with her neighbour",
        "location": "Paris", "reason": "moving house"}


async def _log() -> list[tuple]:
    return await EventLog.all().order_by("id").values_list(
        "id", "type", "order_id", "customer_id", "payload", "created_at")


async def test_erase_free_text_removes_the_text_keys_from_the_customers_events(shop):
    ann_order = await factories.place([("SKU-A", 1)])
    bob_order = await factories.place([("SKU-A", 1)], email="bob@example.com")
    ann = await Customer.get(email="ann@example.com")
    async with unit_of_work() as uow:
        # Filed under the customer; under her order only; Bob's; and one with no text.
        uow.record(Event("Test", customer_id=ann.id, payload={"to": "X", **TEXT}))
        uow.record(Event("Test", order_id=ann_order.id, payload={"to": "Y", "reason": "r"}))
        uow.record(Event("Test", order_id=bob_order.id, customer_id=bob_order.customer_id,
                         payload={"to": "Z", **TEXT}))
        uow.record(Event("Test", customer_id=ann.id, payload={"to": "W"}))
    before = await _log()
    marks = [r[0] for r in before[-4:]]

    await privacy.erase_free_text(ann.id)

    after = await _log()
    assert [r[4] for r in after[-4:]] == [{"to": "X"}, {"to": "Y"}, {"to": "Z", **TEXT},
                                          {"to": "W"}]
    assert [r[:4] + r[5:] for r in after] == [r[:4] + r[5:] for r in before]
    assert [r[0] for r in after[-4:]] == marks
    # The placements' own events: the keys go from Ann's whatever their value
    # (a status change's "message": None); Bob's keep them.
    def scrubbed(row):
        if row[2] == ann_order.id or row[3] == ann.id:
            return {k: v for k, v in row[4].items() if k not in privacy.FREE_TEXT_KEYS}
        return row[4]
    assert [r[4] for r in after[:-4]] == [scrubbed(r) for r in before[:-4]]
    assert {"message": None}.items() <= [r[4] for r in after[:-4]
                                         if r[2] == bob_order.id][-1].items()

    await privacy.erase_free_text(ann.id)  # again: nothing left to change
    assert await _log() == after


async def test_rows_of_customer_oldest_first(shop):
    async with unit_of_work() as uow:
        uow.record(Event("A", customer_id=7, payload={"n": 1}))
        uow.record(Event("B", customer_id=8, payload={"n": 2}))
        uow.record(Event("C", customer_id=7, payload={"n": 3}))
    assert [(r.type, r.payload) for r in await queries.rows_of_customer(7)] == [
        ("A", {"n": 1}), ("C", {"n": 3})]
    assert await queries.rows_of_customer(999) == []
