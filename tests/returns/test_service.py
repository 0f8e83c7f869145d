"""Return requests, approval (with the label), rejection and withdrawal on
the real database: exact rows and events, and every refusal changes nothing."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import zxingcpp
from pypdf import PdfReader

from oms.carriers import OmsPost
from oms.catalog.models import Location
from oms.core.errors import ErrorCode
from oms.fulfillment import labels as shipment_labels, service as fulfillment
from oms.fulfillment.models import CarrierSequence
from oms.returns import service
from oms.returns.models import Return, ReturnDocument, ReturnLine, ReturnPolicy
from oms.returns.policy import RequestedLine

from oms.orders import service as orders
from tests import factories
from tests.carriers.pdf_raster import render
from tests.factories import T0

from .conftest import deliver
from .support import head, refused_with, request, return_events

POST = OmsPost()
DAY = timedelta(days=1)
# The oms-post ECONOMY service (the default) takes 5 business days in France:
# from Saturday T0, Friday at T0's time of day.
ECONOMY_ETA = datetime(2026, 3, 20, 9, 26, 53, tzinfo=timezone.utc)


async def _policy(**kw):
    args = dict(channel="WEB", window_days=30, final_sale_skus=[],
                return_shipping_payer="MERCHANT", return_shipping_fee="0",
                refund_original_shipping=False)
    return await service.set_policy(**{**args, **kw}, actor="admin:test")


# ---- request ------------------------------------------------------------------

async def test_a_customer_requests_a_return_of_their_delivered_order(delivered):
    d = delivered
    mark = await head()
    ret = await request(d, ("SKU-A", 2, "TOO_SMALL"), ("SKU-B", 1, "DEFECTIVE"),
                        as_customer=d.customer_id, actor=f"customer:{d.customer_id}")
    stored = await Return.get(id=ret.id)
    assert (stored.number, stored.order_id, stored.status, stored.resolution,
            stored.requested_by, stored.shipping_fee, stored.version, stored.created_at,
            stored.tracking_number, stored.label_url) == (
        "WEB-000001-R1", d.order.id, "REQUESTED", "REFUND", f"customer:{d.customer_id}",
        Decimal("0.00"), 1, T0, None, None)
    assert stored.policy == {
        "window_days": 30, "final_sale_skus": [], "return_shipping_payer": "MERCHANT",
        "return_shipping_fee": "0.00", "refund_original_shipping": False,
        "return_location": None, "carrier": None, "service": None}
    assert await ReturnLine.filter(ret_id=ret.id).order_by("id").values_list(
        "order_line_id", "quantity", "reason", "exchange_sku", "quantity_resalable",
        "quantity_damaged", "quantity_missing") == [
        (d.line_id("SKU-A"), 2, "TOO_SMALL", None, 0, 0, 0),
        (d.line_id("SKU-B"), 1, "DEFECTIVE", None, 0, 0, 0)]
    assert await return_events(mark) == [
        ("ReturnUpdated", d.order.id, d.customer_id, "WEB",
         {"return_id": ret.id, "from": None, "to": "REQUESTED",
          "actor": f"customer:{d.customer_id}", "order_status": d.order.status})]


async def test_units_in_returns_are_not_returnable_again_until_rejected_or_withdrawn(delivered):
    d = delivered
    first = await request(d, ("SKU-A", 1))
    second = await request(d, ("SKU-A", 1), resolution="EXCHANGE")
    assert (first.number, second.number) == ("WEB-000001-R1", "WEB-000001-R2")
    await refused_with(ErrorCode.QUANTITY_EXCEEDS_RETURNABLE, ["lines", "0", "quantity"],
                       request(d, ("SKU-A", 1)))
    await service.reject_return(first.id, reason="worn", actor="staff:test")
    await service.cancel_return(second.id, as_customer=d.customer_id)
    third = await request(d, ("SKU-A", 2))
    assert third.number == "WEB-000001-R3"


async def test_an_exchange_names_the_sku_to_send(delivered):
    d = delivered
    ret = await service.request_return(
        order_id=d.order.id, resolution="EXCHANGE", comment=" a size up please ",
        lines=[RequestedLine(d.line_id("SKU-A"), 1, "TOO_SMALL", exchange_sku="SKU-B")])
    assert (ret.resolution, ret.comment) == ("EXCHANGE", "a size up please")
    assert await ReturnLine.filter(ret_id=ret.id).values_list("exchange_sku", flat=True) == [
        "SKU-B"]


async def test_a_customer_pays_the_fee_the_policy_sets(delivered):
    await _policy(return_shipping_payer="CUSTOMER", return_shipping_fee="4.95")
    ret = await request(delivered, ("SKU-B", 1))
    assert (await Return.get(id=ret.id)).shipping_fee == Decimal("4.95")
    assert ret.policy["return_shipping_payer"] == "CUSTOMER"


async def test_refusals_change_nothing(delivered, returns_clock):
    d = delivered
    other = await deliver([("SKU-A", 1)], email="bob@example.com")
    cases = [
        (ErrorCode.INVALID, ["lines", "0", "quantity"], [(d.line_id("SKU-A"), 0)]),
        (ErrorCode.INVALID, ["lines", "0", "quantity"], [(d.line_id("SKU-A"), -2)]),
        (ErrorCode.NOT_FOUND, ["lines", "0", "orderLineId"], [(other.line_id("SKU-A"), 1)]),
        (ErrorCode.DUPLICATE, ["lines", "1", "orderLineId"],
         [(d.line_id("SKU-A"), 1), (d.line_id("SKU-A"), 1)]),
        (ErrorCode.QUANTITY_EXCEEDS_RETURNABLE, ["lines", "0", "quantity"],
         [(d.line_id("SKU-B"), 2)]),
        (ErrorCode.INVALID, ["lines"], []),
    ]
    for code, field, lines in cases:
        await refused_with(code, field, service.request_return(
            order_id=d.order.id, resolution="REFUND",
            lines=[RequestedLine(line_id, qty, "OTHER") for line_id, qty in lines]))
    one = [RequestedLine(d.line_id("SKU-A"), 1, "OTHER")]
    await refused_with(ErrorCode.INVALID, ["lines", "0", "reason"], service.request_return(
        order_id=d.order.id, resolution="REFUND",
        lines=[RequestedLine(d.line_id("SKU-A"), 1, "BORED")]))
    await refused_with(ErrorCode.INVALID, ["resolution"], service.request_return(
        order_id=d.order.id, resolution="STORE_CREDIT", lines=one))
    await refused_with(ErrorCode.NOT_FOUND, ["lines", "0", "exchangeSku"],
                       service.request_return(order_id=d.order.id, resolution="EXCHANGE", lines=[
                           RequestedLine(d.line_id("SKU-A"), 1, "OTHER", exchange_sku="NOPE")]))
    # Another customer's order is as unknown as a missing one.
    for order_id, as_customer in ((d.order.id, other.customer_id), (999, None), (0, None)):
        await refused_with(ErrorCode.NOT_FOUND, ["orderId"], service.request_return(
            order_id=order_id, resolution="REFUND", lines=one, as_customer=as_customer))
    # The window: 30 days from the delivery at T0, to the second.
    returns_clock.at = T0 + 30 * DAY + timedelta(seconds=1)
    await refused_with(ErrorCode.RETURN_WINDOW_CLOSED, ["lines", "0", "orderLineId"],
                       service.request_return(order_id=d.order.id, resolution="REFUND",
                                              lines=one))
    returns_clock.at = T0 + 30 * DAY
    assert (await service.request_return(order_id=d.order.id, resolution="REFUND",
                                         lines=one)).status == "REQUESTED"


async def test_not_delivered_and_final_sale(return_shop):
    shipped = await deliver([("SKU-A", 1)], delivered=False)
    await refused_with(ErrorCode.NOT_DELIVERED, ["lines", "0", "orderLineId"],
                       request(shipped, ("SKU-A", 1)))
    d = await deliver([("SKU-A", 1), ("SKU-B", 1)], email="bob@example.com")
    await _policy(final_sale_skus=["SKU-B"])
    await refused_with(ErrorCode.FINAL_SALE, ["lines", "0", "orderLineId"],
                       request(d, ("SKU-B", 1)))
    assert (await request(d, ("SKU-A", 1))).status == "REQUESTED"


async def test_only_delivered_shipments_count(return_shop):
    # SKU-A ships from WH1, SKU-C from WH2: two shipments, one delivered.
    d = await deliver([("SKU-A", 1), ("SKU-C", 2)], delivered=False)
    wh1_id = (await Location.get(code="WH1")).id
    wh1 = next(s for s in d.shipments if s.location_id == wh1_id)
    await fulfillment.record_tracking(shipment_id=wh1.id, status="DELIVERED", occurred_at=T0)
    assert (await request(d, ("SKU-A", 1))).status == "REQUESTED"
    await refused_with(ErrorCode.NOT_DELIVERED, ["lines", "0", "orderLineId"],
                       request(d, ("SKU-C", 1)))


# ---- approve --------------------------------------------------------------------

async def test_approval_makes_the_label_in_the_same_transaction(delivered):
    d = delivered
    ret = await request(d, ("SKU-A", 2))
    mark = await head()
    approved = await service.approve_return(ret.id, actor="staff:test")
    number = POST.tracking_number(1)
    stored = await Return.get(id=ret.id)
    wh1 = await Location.get(code="WH1")
    for row in (approved, stored):
        assert (row.status, row.carrier, row.service, row.tracking_number, row.label_url,
                row.destination_id, row.estimated_delivery, row.approved_at, row.version) == (
            "APPROVED", "oms-post", "ECONOMY", number,
            f"/documents/returns/{_gid(ret.id)}/label", wh1.id, ECONOMY_ETA, T0, 2)
    assert await CarrierSequence.all().values_list("carrier", "last_serial") == [
        ("oms-post", 1)]
    assert await ReturnDocument.filter(ret_id=ret.id).values_list(
        "kind", "content_type", "created_at") == [("LABEL", "application/pdf", T0)]
    assert await return_events(mark) == [
        ("ReturnUpdated", d.order.id, d.customer_id, "WEB",
         {"return_id": ret.id, "from": "REQUESTED", "to": "APPROVED", "actor": "staff:test",
          "order_status": d.order.status})]


async def test_the_label_pdf_goes_from_the_customer_to_the_location(delivered):
    ret = await request(delivered, ("SKU-A", 2))
    await service.approve_return(ret.id)
    content = (await ReturnDocument.get(ret_id=ret.id, kind="LABEL")).content
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == (4 * 72, 6 * 72)
    number = POST.tracking_number(1)
    assert reader.pages[0].extract_text().splitlines() == [
        "oms-post", "oms-post Economy",
        "FROM", "Ann Lee", "1 Rue de Rivoli", "75001 Paris", "FR",
        "TO", "WH1", "1 Quai Perrache", "69002 Lyon", "FR",
        "Weight: 0.20 kg", "Ref: WEB-000001-R1", number]
    assert [(b.text, b.format.name) for b in zxingcpp.read_barcodes(render(reader, dpi=300))] \
        == [(number, "Code128")]


async def test_return_and_shipment_labels_share_the_carrier_counter(delivered):
    # A shipment label takes serial 1, so the return label gets 2: never the same number.
    placed = await factories.place([("SKU-A", 1)], email="eve@example.com")
    await orders.confirm_order(placed.id)
    (s,) = await factories.shipments_of(placed.id)
    await fulfillment.pick(s.id)
    labelled = await shipment_labels.create_label(s.id, carrier="oms-post", service="STANDARD")
    approved = await service.approve_return((await request(delivered, ("SKU-A", 1))).id)
    assert (labelled.tracking_number, approved.tracking_number) == (
        POST.tracking_number(1), POST.tracking_number(2))


async def test_the_policy_chooses_destination_carrier_and_service(delivered):
    await _policy(return_location="WH2", carrier="oms-post", service="EXPRESS")
    ret = await request(delivered, ("SKU-B", 1))
    approved = await service.approve_return(ret.id)
    # Paris -> Amsterdam is the EU zone: EXPRESS's 1 day plus 1, business days from Saturday.
    assert (approved.destination_id, approved.service, approved.estimated_delivery) == (
        (await Location.get(code="WH2")).id, "EXPRESS",
        datetime(2026, 3, 17, 9, 26, 53, tzinfo=timezone.utc))


async def test_approval_refusals_change_nothing(delivered):
    ret = await request(delivered, ("SKU-A", 1))
    await Location.filter(code="WH1").update(address=None)
    await refused_with(ErrorCode.INVALID, ["id"], service.approve_return(ret.id))
    await Location.filter(code="WH1").update(address={
        "line1": "1 Quai Perrache", "city": "Lyon", "postalCode": "69002", "country": "FR"})
    await service.approve_return(ret.id)
    await refused_with(ErrorCode.INVALID_TRANSITION, None, service.approve_return(ret.id))
    await refused_with(ErrorCode.NOT_FOUND, ["id"], service.approve_return(999))


# ---- reject, withdraw ----------------------------------------------------------

async def test_reject_with_a_reason(delivered):
    d = delivered
    ret = await request(d, ("SKU-A", 1))
    await refused_with(ErrorCode.INVALID, ["reason"], service.reject_return(ret.id, reason=" "))
    mark = await head()
    rejected = await service.reject_return(ret.id, reason="worn and washed", actor="staff:x")
    assert (rejected.status, rejected.reject_reason, rejected.version) == (
        "REJECTED", "worn and washed", 2)
    assert [p for *_, p in await return_events(mark)] == [
        {"return_id": ret.id, "from": "REQUESTED", "to": "REJECTED", "actor": "staff:x",
         "order_status": d.order.status}]
    await refused_with(ErrorCode.INVALID_TRANSITION, None,
                       service.reject_return(ret.id, reason="again"))


async def test_a_customer_withdraws_their_own_return(delivered):
    d = delivered
    other = await deliver([("SKU-A", 1)], email="bob@example.com")
    ret = await request(d, ("SKU-A", 1))
    await service.approve_return(ret.id)
    await refused_with(ErrorCode.NOT_FOUND, ["id"],
                       service.cancel_return(ret.id, as_customer=other.customer_id))
    closed = await service.cancel_return(ret.id, as_customer=d.customer_id, actor="customer:1")
    assert (closed.status, closed.resolved_at) == ("CLOSED", T0)
    await refused_with(ErrorCode.INVALID_TRANSITION, None,
                       service.cancel_return(ret.id, as_customer=d.customer_id))


# ---- policy ---------------------------------------------------------------------

async def test_set_a_policy_and_replace_it(return_shop):
    row = await _policy(window_days=14, final_sale_skus=["SKU-B"],
                        return_shipping_payer="CUSTOMER", return_shipping_fee="3.5",
                        refund_original_shipping=True, return_location="WH2",
                        carrier="oms-post", service="STANDARD")
    assert (row.window_days, row.final_sale_skus, row.return_shipping_payer,
            row.return_shipping_fee, row.refund_original_shipping, row.carrier, row.service,
            row.updated_by) == (14, ["SKU-B"], "CUSTOMER", Decimal("3.50"), True, "oms-post",
                                "STANDARD", "admin:test")
    policy = await service.policy_for("WEB")
    assert (policy.window_days, policy.return_location, policy.final_sale_skus) == (
        14, "WH2", frozenset({"SKU-B"}))
    await _policy(window_days=7)
    assert await ReturnPolicy.all().count() == 1
    policy = await service.policy_for("WEB")
    assert (policy.window_days, policy.return_location, policy.carrier) == (7, None, None)


@pytest.mark.parametrize("change,code,field", [
    ({"channel": "NOPE"}, ErrorCode.NOT_FOUND, ["channel"]),
    ({"final_sale_skus": ["SKU-A", "NOPE"]}, ErrorCode.NOT_FOUND, ["finalSaleSkus"]),
    ({"return_location": "WH9"}, ErrorCode.NOT_FOUND, ["returnLocation"]),
    ({"carrier": "dhl", "service": "X"}, ErrorCode.NOT_FOUND, ["carrier"]),
    ({"carrier": "oms-post", "service": "ROCKET"}, ErrorCode.INVALID, ["service"]),
    ({"window_days": -1}, ErrorCode.INVALID, ["windowDays"]),
    ({"return_shipping_fee": "-1"}, ErrorCode.INVALID, ["returnShippingFee"]),
])
async def test_policy_refusals_change_nothing(return_shop, change, code, field):
    await refused_with(code, field, _policy(**change))


def _gid(return_id: int) -> str:
    from oms.core import ids
    return ids.encode("Return", return_id)
