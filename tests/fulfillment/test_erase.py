"""The right to erasure for shipments (oms.customers.privacy calls it), and
the customer export's reads of shipments, their lines and their scans."""
from __future__ import annotations

import pytest

from oms.catalog.models import Location
from oms.fulfillment import labels, queries, service as fulfillment, tracking
from oms.fulfillment.models import Shipment, ShipmentDocument, TrackingEvent
from oms.orders import service as orders

from tests import factories
from tests.factories import T0

pytestmark = pytest.mark.usefixtures("frozen_clock")

SHIPMENT_FIELDS = ("id", "status", "tracking_number", "label_url", "packing_slip_url",
                   "cancel_reason", "shipped_at")
SCAN_FIELDS = ("shipment_id", "status", "description", "location", "occurred_at")


async def _shipped(email: str, where: str) -> Shipment:
    """An order labelled (label and packing slip), shipped and scanned."""
    order = await factories.place([("SKU-A", 1)], email=email)
    await orders.confirm_order(order.id)
    (parcel,) = await factories.shipments_of(order.id)
    await fulfillment.pick(parcel.id)
    await labels.create_label(parcel.id, carrier="oms-post", service="STANDARD")
    await fulfillment.pack(parcel.id)
    await fulfillment.ship(parcel.id)
    await tracking.record_scan(shipment_id=parcel.id, status="IN_TRANSIT", occurred_at=T0,
                               description=f"Left with the neighbour of {email}",
                               location=where)
    return await Shipment.get(id=parcel.id)


@pytest.fixture
async def labelled_shop(shop):
    await Location.filter(code="WH1").update(
        address={"line1": "1 Quai Perrache", "city": "Lyon", "postalCode": "69002",
                 "country": "FR"})


async def test_erase_personal_data_drops_documents_urls_reasons_and_scan_texts(labelled_shop):
    ann = await _shipped("ann@example.com", "Paris")
    bob = await _shipped("bob@example.com", "Berlin")
    await Shipment.filter(id=ann.id).update(cancel_reason="Ann Lee phoned")
    assert await ShipmentDocument.filter(shipment_id=ann.id).count() == 2
    ann_before = await Shipment.filter(id=ann.id).values(*SHIPMENT_FIELDS)
    bob_before = (await Shipment.filter(id=bob.id).values(*SHIPMENT_FIELDS),
                  await ShipmentDocument.filter(shipment_id=bob.id).values_list("id", "kind"),
                  await TrackingEvent.filter(shipment_id=bob.id).values_list(*SCAN_FIELDS))

    await fulfillment.erase_personal_data([ann.order_id])

    assert await Shipment.filter(id=ann.id).values_list(*SHIPMENT_FIELDS) == [
        (ann.id, "IN_TRANSIT", ann_before[0]["tracking_number"], None, None, None, T0)]
    assert ann_before[0]["label_url"] is not None and ann_before[0]["packing_slip_url"]
    assert await ShipmentDocument.filter(shipment_id=ann.id).count() == 0
    assert await TrackingEvent.filter(shipment_id=ann.id).values_list(*SCAN_FIELDS) == [
        (ann.id, "IN_TRANSIT", None, None, T0)]
    assert (await Shipment.filter(id=bob.id).values(*SHIPMENT_FIELDS),
            await ShipmentDocument.filter(shipment_id=bob.id).values_list("id", "kind"),
            await TrackingEvent.filter(shipment_id=bob.id).values_list(*SCAN_FIELDS)
            ) == bob_before
    assert len(bob_before[1]) == 2 and bob_before[2][0][2:4] == (
        "Left with the neighbour of bob@example.com", "Berlin")


async def test_erase_personal_data_without_orders_or_shipments_changes_nothing(labelled_shop):
    bob = await _shipped("bob@example.com", "Berlin")
    pending = await factories.place([("SKU-A", 1)])  # not routed: no shipment
    before = (await Shipment.all().values(), await TrackingEvent.all().values())
    await fulfillment.erase_personal_data([])
    await fulfillment.erase_personal_data([pending.id])
    assert (await Shipment.all().values(), await TrackingEvent.all().values()) == before
    assert await ShipmentDocument.filter(shipment_id=bob.id).count() == 2


async def test_shipments_lines_and_scans_aligned_with_the_ids(labelled_shop):
    ann = await _shipped("ann@example.com", "Paris")
    await tracking.record_scan(shipment_id=ann.id, status="DELIVERED", occurred_at=T0,
                               description="Delivered", location="Paris")
    shipments = await queries.shipments_of_orders([999_999, ann.order_id])
    assert [[s.id for s in group] for group in shipments] == [[], [ann.id]]
    lines = await queries.lines_of_shipments([ann.id])
    assert [[(ln.shipment_id, ln.quantity) for ln in group] for group in lines] == [
        [(ann.id, 1)]]
    scans = await queries.tracking_of_shipments([ann.id, 999_999])
    assert [[(t.status, t.description) for t in group] for group in scans] == [
        [("IN_TRANSIT", "Left with the neighbour of ann@example.com"),
         ("DELIVERED", "Delivered")], []]
