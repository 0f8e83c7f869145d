"""shipmentLabelCreate on the real database: a tracking number from the
carrier's counter (unique under concurrency), a 4x6 inch label whose barcode
decodes back to it, a packing slip, the estimate from the carrier's transit
days; every refusal changes nothing. And the documents at their URL: who
may GET them."""
from __future__ import annotations

import asyncio
import io
from datetime import datetime, timezone

import httpx
import pytest
import zxingcpp
from pypdf import PdfReader
from starlette.applications import Starlette

from oms.auth.tokens import Role, mint
from oms.carriers import OmsPost
from oms.catalog.models import Location, Product
from oms.core import ids
from oms.core.errors import ErrorCode
from oms.core.uow import unit_of_work
from oms.events.models import EventLog
from oms.fulfillment import http as fulfillment_http, labels, service as fulfillment
from oms.fulfillment.models import CarrierSequence, Shipment, ShipmentDocument
from oms.orders import service as orders
from oms.settings import Settings

from tests import factories
from tests.assertions import refused
from tests.carriers.pdf_raster import render
from tests.factories import T0
from tests.graphql.helpers import db_snapshot

pytestmark = pytest.mark.usefixtures("frozen_clock")

WH1_ADDRESS = {"line1": "1 Quai Perrache", "city": "Lyon", "postalCode": "69002",
               "country": "FR"}
POST = OmsPost()


async def _with_addresses() -> None:
    await Location.filter(code="WH1").update(address=WH1_ADDRESS)
    await Location.filter(code="WH2").update(
        address={"line1": "Damrak 1", "city": "Amsterdam", "postalCode": "1012 LG",
                 "country": "NL"})


@pytest.fixture
async def labelled_shop(shop):
    await _with_addresses()


async def shipment_at(status: str, lines=(("SKU-A", 2), ("SKU-B", 1))) -> Shipment:
    order = await factories.place(list(lines))
    await orders.confirm_order(order.id)
    (shipment, *_) = await factories.shipments_of(order.id)
    steps = {"PENDING": [], "PICKING": ["pick"], "PACKED": ["pick", "pack"],
             "SHIPPED": ["pick", "pack", "ship"]}[status]
    for step in steps:
        await getattr(fulfillment, step)(shipment.id)
    return await Shipment.get(id=shipment.id)


async def _refused(code: ErrorCode, field: list[str] | None, call):
    return await refused(code, field, call, state=db_snapshot)


def _url(shipment_id: int, name: str) -> str:
    return f"/documents/shipments/{ids.encode('Shipment', shipment_id)}/{name}"


# ---- the label

async def test_a_label_for_a_packed_shipment(labelled_shop):
    shipment = await shipment_at("PACKED")
    mark = await _last_event()
    got = await labels.create_label(shipment.id, carrier="oms-post", service="STANDARD",
                                    actor="packer")
    number = POST.tracking_number(1)
    # FR -> FR is domestic: STANDARD takes 3 business days. T0 is a Saturday,
    # so Monday, Tuesday, Wednesday: Wednesday at T0's time of day.
    eta = datetime(2026, 3, 18, 9, 26, 53, tzinfo=timezone.utc)
    stored = await Shipment.get(id=shipment.id)
    for row in (got, stored):
        assert (row.status, row.carrier, row.service, row.tracking_number, row.weight_grams,
                row.label_url, row.packing_slip_url, row.estimated_delivery, row.version) == (
            "PACKED", "oms-post", "STANDARD", number, 300, _url(shipment.id, "label.pdf"),
            _url(shipment.id, "packing-slip.pdf"), eta, 4)
    assert await CarrierSequence.all().values_list("carrier", "last_serial") == [
        ("oms-post", 1)]
    assert await ShipmentDocument.filter(shipment_id=shipment.id).order_by("kind").values_list(
        "kind", "content_type", "created_at") == [("LABEL", "application/pdf", T0),
                                                  ("PACKING_SLIP", "application/pdf", T0)]
    order = await orders.get_order(shipment.order_id)
    assert [(e.type, e.order_id, e.customer_id, e.channel, e.payload)
            for e in await EventLog.filter(id__gt=mark).order_by("id")] == [
        ("ShipmentUpdated", order.id, order.customer_id, "WEB",
         {"shipment_id": shipment.id, "status": "PACKED", "description": "label created",
          "location": None, "occurred_at": T0.isoformat()})]


async def test_the_label_pdf_is_4x6_with_addresses_service_and_a_barcode(labelled_shop):
    shipment = await shipment_at("PACKED")
    await labels.create_label(shipment.id, carrier="oms-post", service="EXPRESS")
    content = (await ShipmentDocument.get(shipment_id=shipment.id, kind="LABEL")).content
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == (4 * 72, 6 * 72)
    number = POST.tracking_number(1)
    assert reader.pages[0].extract_text().splitlines() == [
        "oms-post", "oms-post Express",
        "FROM", "WH1", "1 Quai Perrache", "69002 Lyon", "FR",
        "TO", "Ann Lee", "1 Rue de Rivoli", "75001 Paris", "FR",
        "Weight: 0.30 kg", "Ref: WEB-000001", number]
    image = render(reader, dpi=300)
    assert [(b.text, b.format.name) for b in zxingcpp.read_barcodes(image)] == [
        (number, "Code128")]


async def test_the_packing_slip_lists_the_lines(labelled_shop):
    shipment = await shipment_at("PICKING")
    await labels.create_label(shipment.id, carrier="oms-post", service="ECONOMY")
    content = (await ShipmentDocument.get(shipment_id=shipment.id, kind="PACKING_SLIP")).content
    reader = PdfReader(io.BytesIO(content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    text = [line.strip() for line in reader.pages[0].extract_text().splitlines()]
    assert text == ["Packing slip", "Order WEB-000001", f"Shipment WEB-000001/{shipment.id}",
                    "Page 1", "SHIP TO", "Ann Lee", "1 Rue de Rivoli", "75001 Paris", "FR",
                    "SKU", "Item", "Qty", "SKU-A", "SKU-A", "2", "SKU-B", "SKU-B", "1",
                    "2 lines, 3 items"]


async def test_the_given_weight_and_another_zone(labelled_shop):
    order = await factories.place([("SKU-C", 1)])
    await orders.confirm_order(order.id)
    (shipment,) = await factories.shipments_of(order.id)  # at WH2, Amsterdam
    await fulfillment.pick(shipment.id)
    got = await labels.create_label(shipment.id, carrier="oms-post", service="ECONOMY",
                                    weight_grams=2500)
    # NL -> FR is the EU zone: ECONOMY's 5 days plus 1, business days from Saturday.
    assert (got.weight_grams, got.estimated_delivery) == (
        2500, datetime(2026, 3, 23, 9, 26, 53, tzinfo=timezone.utc))


async def test_a_new_label_replaces_the_old_and_voids_its_number(labelled_shop):
    shipment = await shipment_at("PACKED")
    first = await labels.create_label(shipment.id, carrier="oms-post", service="STANDARD")
    old_label = (await ShipmentDocument.get(shipment_id=shipment.id, kind="LABEL")).content
    old_number = first.tracking_number
    second = await labels.create_label(shipment.id, carrier="oms-post", service="EXPRESS",
                                       weight_grams=900)
    assert (second.service, second.tracking_number, second.weight_grams) == (
        "EXPRESS", POST.tracking_number(2), 900)
    docs = await ShipmentDocument.filter(shipment_id=shipment.id).order_by("kind")
    assert [d.kind for d in docs] == ["LABEL", "PACKING_SLIP"]
    assert docs[0].content != old_label
    text = PdfReader(io.BytesIO(docs[0].content)).pages[0].extract_text()
    assert POST.tracking_number(2) in text and old_number not in text
    # The old number no longer finds the shipment.
    await fulfillment.ship(shipment.id)
    await _refused(ErrorCode.NOT_FOUND, ["trackingNumber"], fulfillment.record_tracking(
        tracking_number=old_number, status="IN_TRANSIT"))


async def test_serials_are_unique_and_increasing_under_concurrency(clean_db):
    await factories.shop(stock={("SKU-A", "WH1"): 100})
    await _with_addresses()
    shipments = []
    for i in range(16):
        order = await factories.place([("SKU-A", 1)], email=f"c{i}@example.com")
        await orders.confirm_order(order.id)
        (shipment,) = await factories.shipments_of(order.id)
        await fulfillment.pick(shipment.id)
        shipments.append(shipment.id)
    made = await asyncio.gather(*[
        labels.create_label(sid, carrier="oms-post", service="STANDARD") for sid in shipments])
    numbers = sorted(s.tracking_number for s in made)
    assert numbers == sorted(POST.tracking_number(n) for n in range(1, 17))
    assert await CarrierSequence.all().values_list("carrier", "last_serial") == [
        ("oms-post", 16)]


async def test_the_counter_alone_under_many_concurrent_transactions(clean_db):
    async def one() -> int:
        async with unit_of_work():
            return await labels.next_serial("oms-post")

    async def failing() -> None:
        async with unit_of_work():
            await labels.next_serial("oms-post")
            raise RuntimeError("the label failed")

    first = await asyncio.gather(*[one() for _ in range(40)])
    assert sorted(first) == list(range(1, 41))
    # A transaction that fails gives its serial back.
    with pytest.raises(RuntimeError):
        await failing()
    assert await one() == 41


# ---- refusals change nothing

@pytest.mark.parametrize(("kw", "code", "field", "message"), [
    ({"carrier": "dhl"}, ErrorCode.NOT_FOUND, ["carrier"], "unknown carrier 'dhl'"),
    ({"service": "OVERNIGHT"}, ErrorCode.INVALID, ["service"],
     "oms-post has no service 'OVERNIGHT'; choose one of ECONOMY, STANDARD, EXPRESS"),
    ({"weight_grams": 0}, ErrorCode.INVALID, ["weightGrams"],
     "weightGrams must be a whole number of grams above 0"),
    ({"weight_grams": -5}, ErrorCode.INVALID, ["weightGrams"],
     "weightGrams must be a whole number of grams above 0"),
    ({"weight_grams": True}, ErrorCode.INVALID, ["weightGrams"],
     "weightGrams must be a whole number of grams above 0"),
    ({"weight_grams": 30_001}, ErrorCode.INVALID, ["weightGrams"],
     "weightGrams must be at most 30000 for oms-post"),
])
async def test_bad_label_input_is_refused(labelled_shop, kw, code, field, message):
    shipment = await shipment_at("PACKED")
    args = {"carrier": "oms-post", "service": "STANDARD", **kw}
    err = await _refused(code, field, labels.create_label(shipment.id, **args))
    assert err.message == message


async def test_a_product_without_weight_needs_weight_grams(labelled_shop):
    shipment = await shipment_at("PACKED")
    await Product.filter(sku="SKU-B").update(weight_grams=None)
    err = await _refused(ErrorCode.INVALID, ["weightGrams"], labels.create_label(
        shipment.id, carrier="oms-post", service="STANDARD"))
    assert err.message == "no weight is known for SKU-B: give weightGrams"
    got = await labels.create_label(shipment.id, carrier="oms-post", service="STANDARD",
                                    weight_grams=700)
    assert got.weight_grams == 700


@pytest.mark.parametrize("status", ["PENDING", "SHIPPED"])
async def test_a_label_only_while_picking_or_packed(labelled_shop, status):
    shipment = await shipment_at(status)
    err = await _refused(ErrorCode.INVALID_TRANSITION, ["id"], labels.create_label(
        shipment.id, carrier="oms-post", service="STANDARD"))
    assert err.message == f"a label is made while a shipment is PICKING or PACKED, not {status}"


async def test_no_label_for_a_cancelled_or_held_order_or_a_missing_shipment(labelled_shop):
    shipment = await shipment_at("PENDING")
    await orders.hold_order(shipment.order_id, reason="check")
    err = await _refused(ErrorCode.INVALID_TRANSITION, ["id"], labels.create_label(
        shipment.id, carrier="oms-post", service="STANDARD"))
    assert err.message == "the order is ON_HOLD; its shipments cannot move"
    await orders.cancel_order(shipment.order_id)
    err = await _refused(ErrorCode.INVALID_TRANSITION, ["id"], labels.create_label(
        shipment.id, carrier="oms-post", service="STANDARD"))
    assert err.message == "the order is CANCELLED; its shipments cannot move"
    err = await _refused(ErrorCode.NOT_FOUND, ["id"], labels.create_label(
        999, carrier="oms-post", service="STANDARD"))
    assert err.message == "shipment not found"


async def test_a_location_without_an_address_cannot_ship_from(shop):
    shipment = await shipment_at("PACKED")
    err = await _refused(ErrorCode.INVALID, ["id"], labels.create_label(
        shipment.id, carrier="oms-post", service="STANDARD"))
    assert err.message == "location WH1 has no address to ship from"


async def _last_event() -> int:
    event = await EventLog.all().order_by("-id").first()
    return event.id if event else 0


# ---- the documents at their URL

SECRET = "documents-test-secret-0123456789abcdef"


@pytest.fixture
async def client(clean_db):
    app = Starlette(routes=fulfillment_http.routes(Settings(jwt_secret=SECRET)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://oms.test") as c:
        yield c


def _auth(role: Role, customer_id: int | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(SECRET, role=role, customer_id=customer_id)}"}


async def test_who_may_get_the_documents(client, frozen_clock):
    await factories.shop()
    await _with_addresses()
    shipment = await shipment_at("PACKED")
    other = await factories.place([("SKU-A", 1)], email="bob@example.com")
    owner = (await orders.get_order(shipment.order_id)).customer_id
    stranger = (await orders.get_order(other.id)).customer_id
    made = await labels.create_label(shipment.id, carrier="oms-post", service="STANDARD")
    docs = {d.kind: bytes(d.content) for d in
            await ShipmentDocument.filter(shipment_id=shipment.id)}

    for who in (_auth(Role.ADMIN), _auth(Role.STAFF), _auth(Role.ANALYST),
                _auth(Role.CUSTOMER, owner)):
        for url, kind in ((made.label_url, "LABEL"), (made.packing_slip_url, "PACKING_SLIP")):
            r = await client.get(url, headers=who)
            assert (r.status_code, r.headers["content-type"], r.content) == (
                200, "application/pdf", docs[kind])
            assert r.headers["cache-control"] == "private, no-store"

    missing = {"code": "NOT_FOUND", "message": "no such document", "field": "id"}
    # A foreign shipment looks exactly like one that does not exist.
    for url in (made.label_url, _url(999, "label.pdf"), "/documents/shipments/garbage/label.pdf",
                _url(shipment.id, "invoice.pdf")):
        r = await client.get(url, headers=_auth(Role.CUSTOMER, stranger))
        assert (r.status_code, r.json()) == (404, missing)
    r = await client.get(_url(999, "label.pdf"), headers=_auth(Role.ADMIN))
    assert (r.status_code, r.json()) == (404, missing)

    unauthenticated = {"code": "UNAUTHENTICATED", "message": "a valid bearer token is required",
                       "field": None}
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic x"},
                    {"Authorization": "Bearer " + mint("another-secret-0123456789abcdef-xyz",
                                                       role=Role.ADMIN)}):
        r = await client.get(made.label_url, headers=headers)
        assert (r.status_code, r.json()) == (401, unauthenticated)
        assert r.headers["www-authenticate"] == "Bearer"


async def test_a_shipment_without_a_label_has_no_documents(client, frozen_clock):
    await factories.shop()
    shipment = await shipment_at("PACKED")
    for name in ("label.pdf", "packing-slip.pdf"):
        r = await client.get(_url(shipment.id, name), headers=_auth(Role.ADMIN))
        assert (r.status_code, r.json()["code"]) == (404, "NOT_FOUND")
