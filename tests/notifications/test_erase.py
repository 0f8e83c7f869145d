"""The right to erasure for notifications (oms.customers.privacy calls it),
and the export's read of an order's messages."""
from __future__ import annotations

import pytest

from oms.notifications import queries, service
from oms.notifications.models import Notification

from tests import factories
from tests.factories import T0

pytestmark = pytest.mark.usefixtures("frozen_clock")


async def _message(order_id: int, kind: str, *, error: str | None = None,
                   recipient: str = "ann@example.com") -> Notification:
    return await Notification.create(
        order_id=order_id, kind=kind, channel="EMAIL", recipient=recipient,
        subject=f"{kind} for order {order_id}", body="Hello Ann Lee", status="FAILED",
        attempts=2, error=error, dedupe_key=f"{kind}:{order_id}", created_at=T0)


async def test_erase_for_orders_clears_recipient_body_and_error_only(shop):
    ann = await factories.place([("SKU-A", 1)])
    bob = await factories.place([("SKU-A", 1)], email="bob@example.com")
    await _message(ann.id, "RECEIPT", error="550 no such user ann@example.com")
    await _message(ann.id, "SHIPPED")
    await _message(bob.id, "RECEIPT", error="550 busy", recipient="bob@example.com")
    fields = ("order_id", "kind", "recipient", "subject", "body", "status", "attempts",
              "error", "created_at", "sent_at")
    bob_before = await Notification.filter(order_id=bob.id).values_list(*fields)

    await service.erase_for_orders([ann.id])

    assert await Notification.filter(order_id=ann.id).order_by("id").values_list(*fields) == [
        (ann.id, "RECEIPT", None, f"RECEIPT for order {ann.id}", "[erased]", "FAILED", 2, None,
         T0, None),
        (ann.id, "SHIPPED", None, f"SHIPPED for order {ann.id}", "[erased]", "FAILED", 2, None,
         T0, None)]
    assert await Notification.filter(order_id=bob.id).values_list(*fields) == bob_before
    assert (bob_before[0][2], bob_before[0][7]) == ("bob@example.com", "550 busy")

    await service.erase_for_orders([])  # nothing to erase: nothing written
    assert await Notification.filter(order_id=bob.id).values_list(*fields) == bob_before


async def test_notifications_of_orders_oldest_first_aligned_with_the_ids(shop):
    first = await factories.place([("SKU-A", 1)])
    second = await factories.place([("SKU-A", 1)])
    a = await _message(first.id, "RECEIPT")
    b = await _message(second.id, "RECEIPT")
    c = await _message(first.id, "SHIPPED")
    got = await queries.notifications_of_orders([second.id, 999_999, first.id])
    assert [[n.id for n in group] for group in got] == [[b.id], [], [a.id, c.id]]
    assert await queries.notifications_of_orders([]) == []
