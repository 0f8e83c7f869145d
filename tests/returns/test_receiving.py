"""returnReceive: resalable units back into a location's stock, damaged ones
on hand as damaged, missing ones recorded; stock levels, ledger rows,
quantityReturned and events exact; every refusal changes nothing."""
from __future__ import annotations

from oms.core.errors import ErrorCode
from oms.events.models import EventLog
from oms.inventory.models import StockLevel, StockMovement
from oms.orders.models import OrderLine
from oms.returns import receiving, service, tracking
from oms.returns.models import Return, ReturnLine
from oms.returns.policy import ReceivedEntry

from tests.factories import T0

from .support import head, refused_with, request, return_events


async def _levels() -> list[tuple]:
    return sorted(await StockLevel.all().values_list(
        "product__sku", "location__code", "on_hand", "reserved", "damaged"))


async def _approved(d):
    ret = await request(d, ("SKU-A", 2), ("SKU-B", 1))
    return await service.approve_return(ret.id)


async def test_resalable_damaged_and_missing(delivered):
    d = delivered
    ret = await _approved(d)
    # Shipped: 2 SKU-A and 1 SKU-B left WH1.
    assert await _levels() == [("SKU-A", "WH1", 8, 0, 0), ("SKU-B", "WH1", 9, 0, 0),
                               ("SKU-C", "WH2", 10, 0, 0)]
    mark = await head()
    received = await receiving.receive_return(ret.id, location="WH1", actor="staff:dock", lines=[
        ReceivedEntry(d.line_id("SKU-A"), 1, "RESALABLE"),
        ReceivedEntry(d.line_id("SKU-B"), 1, "MISSING"),
        ReceivedEntry(d.line_id("SKU-A"), 1, "DAMAGED")])
    stored = await Return.get(id=ret.id)
    assert (received.status, stored.status, stored.received_at, stored.received_location_id,
            stored.version) == ("RECEIVED", "RECEIVED", T0, ret.destination_id, 3)
    assert await ReturnLine.filter(ret_id=ret.id).order_by("id").values_list(
        "quantity", "quantity_resalable", "quantity_damaged", "quantity_missing") == [
        (2, 1, 1, 0), (1, 0, 0, 1)]
    assert await _levels() == [("SKU-A", "WH1", 10, 0, 1), ("SKU-B", "WH1", 9, 0, 0),
                               ("SKU-C", "WH2", 10, 0, 0)]
    assert await StockMovement.filter(reference=ret.number).order_by("id").values_list(
        "product__sku", "location__code", "kind", "on_hand_delta", "damaged_delta",
        "on_hand_before", "on_hand_after", "damaged_after", "reason", "actor") == [
        ("SKU-A", "WH1", "RECEIPT", 1, 0, 8, 9, 0, "RETURN", "staff:dock"),
        ("SKU-A", "WH1", "RECEIPT", 1, 1, 9, 10, 1, "RETURN", "staff:dock")]
    assert await OrderLine.filter(order_id=d.order.id).order_by("id").values_list(
        "sku", "quantity", "quantity_shipped", "quantity_returned") == [
        ("SKU-A", 2, 2, 2), ("SKU-B", 1, 1, 0)]
    # The resalable unit moves WEB's available SKU-A (one StockChanged); the
    # damaged one does not; then the status change.
    assert [(e.type, e.sku, e.channel, e.location) for e in
            await EventLog.filter(id__gt=mark).order_by("id")] == [
        ("StockChanged", "SKU-A", "WEB", "WH1"),
        ("ReturnUpdated", None, "WEB", None)]
    assert [p for *_, p in await return_events(mark)] == [
        {"return_id": ret.id, "from": "APPROVED", "to": "RECEIVED", "actor": "staff:dock",
         "order_status": d.order.status}]


async def test_into_another_location_from_in_transit(delivered):
    d = delivered
    ret = await _approved(d)
    await tracking.record_scan(return_id=ret.id, status="IN_TRANSIT")
    await receiving.receive_return(ret.id, location="WH2", lines=[
        ReceivedEntry(d.line_id("SKU-A"), 2, "RESALABLE"),
        ReceivedEntry(d.line_id("SKU-B"), 1, "DAMAGED")])
    assert await _levels() == [("SKU-A", "WH1", 8, 0, 0), ("SKU-A", "WH2", 2, 0, 0),
                               ("SKU-B", "WH1", 9, 0, 0), ("SKU-B", "WH2", 1, 0, 1),
                               ("SKU-C", "WH2", 10, 0, 0)]
    assert (await OrderLine.filter(order_id=d.order.id).order_by("id").values_list(
        "quantity_returned", flat=True)) == [2, 1]


async def test_receipt_refusals_change_nothing(delivered):
    d = delivered
    requested = await request(d, ("SKU-A", 1))
    a, b = d.line_id("SKU-A"), d.line_id("SKU-B")
    await refused_with(ErrorCode.INVALID_TRANSITION, None, receiving.receive_return(
        requested.id, location="WH1", lines=[ReceivedEntry(a, 1, "RESALABLE")]))
    await service.cancel_return(requested.id)
    ret = await _approved(d)
    cases = [
        (ErrorCode.RECEIPT_QUANTITY_MISMATCH, ["lines"], "WH1",
         [ReceivedEntry(a, 1, "RESALABLE"), ReceivedEntry(b, 1, "RESALABLE")]),
        (ErrorCode.RECEIPT_QUANTITY_MISMATCH, ["lines"], "WH1",
         [ReceivedEntry(a, 3, "RESALABLE"), ReceivedEntry(b, 1, "RESALABLE")]),
        (ErrorCode.NOT_FOUND, ["location"], "WH9",
         [ReceivedEntry(a, 2, "RESALABLE"), ReceivedEntry(b, 1, "RESALABLE")]),
        (ErrorCode.NOT_FOUND, ["lines", "2", "orderLineId"], "WH1",
         [ReceivedEntry(a, 2, "RESALABLE"), ReceivedEntry(b, 1, "RESALABLE"),
          ReceivedEntry(999, 1, "RESALABLE")]),
        (ErrorCode.INVALID, ["lines", "0", "quantity"], "WH1",
         [ReceivedEntry(a, 0, "RESALABLE"), ReceivedEntry(b, 1, "RESALABLE")]),
        (ErrorCode.INVALID, ["lines"], "WH1", []),
    ]
    for code, field, location, lines in cases:
        await refused_with(code, field, receiving.receive_return(ret.id, location=location,
                                                                 lines=lines))
    await receiving.receive_return(ret.id, location="WH1", lines=[
        ReceivedEntry(a, 2, "MISSING"), ReceivedEntry(b, 1, "MISSING")])
    await refused_with(ErrorCode.INVALID_TRANSITION, None, receiving.receive_return(
        ret.id, location="WH1", lines=[ReceivedEntry(a, 2, "RESALABLE"),
                                       ReceivedEntry(b, 1, "RESALABLE")]))
    # All missing: nothing came back, and a customer can no longer withdraw it;
    # staff close it.
    assert await _levels() == [("SKU-A", "WH1", 8, 0, 0), ("SKU-B", "WH1", 9, 0, 0),
                               ("SKU-C", "WH2", 10, 0, 0)]
    await refused_with(ErrorCode.INVALID_TRANSITION, None,
                       service.cancel_return(ret.id, as_customer=d.customer_id))
    assert (await service.cancel_return(ret.id, actor="staff:x")).status == "CLOSED"
