"""The right to erasure for partner hand-off requests (oms.customers.privacy
calls it): the bodies kept of what was sent lose the address, the name and
any reason; everything else, and other customers' requests, stay."""
from __future__ import annotations

import pytest

from oms.handoff import delivery, service
from oms.handoff.models import PartnerDelivery
from oms.orders import service as orders

from .shop import Clock, Partner, confirmed, drain

pytestmark = pytest.mark.usefixtures("frozen_clock")

REDACTED_FR = {"name": None, "line1": "", "line2": None, "city": "", "region": None,
               "postalCode": "", "country": "FR", "phone": None}


async def _deliveries() -> list[dict]:
    return await PartnerDelivery.all().order_by("id").values()


async def test_erase_personal_data_redacts_the_ship_to_and_drops_name_and_reason(
        partner_shop):
    ann_order, _ = await confirmed([("SKU-A", 1)])
    await confirmed([("SKU-A", 1)], email="bob@example.com")
    await drain()
    async with Partner().client() as client:  # a sent request is cancelled by a message
        assert len(await delivery.send_due(client=client, clock=Clock())) == 2
    await orders.cancel_order(ann_order)
    await drain()
    # The reason a cancellation carries is the shipment's (a location that
    # refused it, typed by a person): give this one such a reason.
    cancellation = await PartnerDelivery.get(kind="CANCELLATION")
    await PartnerDelivery.filter(id=cancellation.id).update(
        payload={**cancellation.payload, "reason": "Ann Lee is moving house"})
    before = await _deliveries()
    assert [(d["kind"], d["payload"].get("customerName"), d["payload"].get("reason"))
            for d in before] == [("FULFILLMENT_REQUEST", "Ann Lee", None),
                                 ("FULFILLMENT_REQUEST", "Ann Lee", None),
                                 ("CANCELLATION", None, "Ann Lee is moving house")]
    ann_request, bob_request, ann_cancel = before

    await service.erase_personal_data([ann_order])

    after = await _deliveries()
    assert after == [
        {**ann_request, "payload": {**ann_request["payload"], "shipTo": REDACTED_FR,
                                    "customerName": None}},
        bob_request,
        {**ann_cancel, "payload": {**ann_cancel["payload"], "reason": None}}]
    assert bob_request["payload"]["shipTo"]["line1"] == "1 Rue de Rivoli"


async def test_erase_personal_data_writes_nothing_when_nothing_is_left(partner_shop):
    ann_order, _ = await confirmed([("SKU-A", 1)])
    await drain()
    await service.erase_personal_data([ann_order])
    once = await _deliveries()
    await service.erase_personal_data([ann_order])
    await service.erase_personal_data([])
    assert await _deliveries() == once
    assert once[0]["payload"]["shipTo"] == REDACTED_FR
