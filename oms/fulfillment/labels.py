"""shipmentLabelCreate: buy a carrier label for a shipment being worked on.

A label is made while the parcel is being picked or packed (PICKING or
PACKED): the weight is known from its lines and the label goes on the box
before it leaves. Once SHIPPED the parcel is with the carrier under its
number, so a label can no longer be made or replaced.

Creating a label again (another service, a corrected weight) replaces both
documents and issues a NEW tracking number: the old one is void, so a scan
for it no longer finds the shipment. Reusing the number for a different
service or weight would let two different labels carry it.

Tracking numbers come from a per-carrier counter row (CarrierSequence)
bumped with one UPDATE inside the unit of work: two processes can never
issue the same serial, and a label that fails rolls its serial back.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from oms import carriers
from oms.carriers import labels as pdf
from oms.catalog import service as catalog
from oms.catalog.models import Location, Product
from oms.customers.models import Customer
from oms.core import sql
from oms.core.clock import now
from oms.core.errors import Invalid, InvalidTransition
from oms.core.ids import encode
from oms.core.uow import current_connection, unit_of_work
from oms.core.versioning import save_if_unchanged
from oms.orders.numbers import format_number
from oms.orders.promises import add_business_days

from . import events
from .lifecycle import ShipmentStatus
from .models import Shipment, ShipmentDocument, ShipmentLine
from .locking import check_fulfillable, lock_shipment

LABEL = "LABEL"
PACKING_SLIP = "PACKING_SLIP"
# The file name each document is served under (oms.fulfillment.http).
FILE_NAMES = {LABEL: "label.pdf", PACKING_SLIP: "packing-slip.pdf"}

LABEL_STATUSES = frozenset({ShipmentStatus.PICKING, ShipmentStatus.PACKED})


def document_url(shipment_id: int, kind: str) -> str:
    """Relative, so it holds behind any host or proxy the API is served from."""
    return f"/documents/shipments/{encode('Shipment', shipment_id)}/{FILE_NAMES[kind]}"


async def create_label(shipment_id: int, *, carrier: str, service: str,
                       weight_grams: int | None = None, actor: str | None = None) -> Shipment:
    chosen = carriers.get_carrier(carrier)
    if not isinstance(service, str) or service not in {s.code for s in chosen.services()}:
        names = ", ".join(s.code for s in chosen.services())
        raise Invalid(f"{chosen.code} has no service {service!r}; choose one of {names}",
                      field="service")
    if weight_grams is not None and (isinstance(weight_grams, bool)
                                     or not isinstance(weight_grams, int) or weight_grams <= 0):
        raise Invalid("weightGrams must be a whole number of grams above 0",
                      field="weightGrams")
    async with unit_of_work() as uow:
        shipment, order = await lock_shipment(shipment_id)
        check_fulfillable(order)
        if ShipmentStatus(shipment.status) not in LABEL_STATUSES:
            raise InvalidTransition(
                f"a label is made while a shipment is PICKING or PACKED, not {shipment.status}",
                field="id")
        items = await _items(shipment.id)
        weight = weight_grams if weight_grams is not None else _parcel_weight(items)
        location = await Location.get(id=shipment.location_id)
        if not location.address:
            raise Invalid(f"location {location.code} has no address to ship from", field="id")
        # An address may carry its own name (a company, "c/o"); else the
        # parcel is from the location and to the customer who ordered.
        sender = {**location.address, "name": location.address.get("name") or location.name}
        recipient = dict(order.shipping_address)
        if not recipient.get("name"):
            customer = await Customer.get(id=order.customer_id)
            recipient["name"] = customer.name or customer.email
        transit_days = _transit_days(chosen, service, weight, sender, recipient)

        at = now()
        channel = await catalog.channel_code(order.channel_id)
        number = format_number(channel, order.id)
        service_name = next(s.name for s in chosen.services() if s.code == service)
        slip = pdf.packing_slip_pdf(
            order_number=number, recipient=recipient,
            shipment_reference=f"{number}/{shipment.id}",
            lines=[(sku, name, qty) for sku, name, qty, _ in items])
        # The counter row stays locked until commit (every label of this
        # carrier waits on it), so it is bumped as late as the label allows.
        serial = await next_serial(chosen.code)
        tracking_number = chosen.tracking_number(serial)
        label = pdf.shipping_label_pdf(
            tracking_number=tracking_number, carrier_name=chosen.name,
            service_name=service_name, sender=sender, recipient=recipient,
            weight_grams=weight, reference=number)
        # A new label replaces the old one's documents (one row per kind).
        await ShipmentDocument.filter(shipment_id=shipment.id).delete()
        await ShipmentDocument.bulk_create([
            ShipmentDocument(shipment_id=shipment.id, kind=LABEL, content=label,
                             content_type="application/pdf", created_at=at),
            ShipmentDocument(shipment_id=shipment.id, kind=PACKING_SLIP, content=slip,
                             content_type="application/pdf", created_at=at)])
        await save_if_unchanged(
            shipment, "shipment", carrier=chosen.code, service=service,
            tracking_number=tracking_number, weight_grams=weight,
            label_url=document_url(shipment.id, LABEL),
            packing_slip_url=document_url(shipment.id, PACKING_SLIP),
            estimated_delivery=estimated_arrival(
                at, transit_days, business_days=getattr(chosen, "business_days", True)))
        uow.record(events.shipment_updated(shipment, order=order, channel=channel,
                                           description="label created", occurred_at=at))
        return shipment


def estimated_arrival(at: datetime, transit_days: int, *, business_days: bool) -> datetime:
    """`transit_days` after `at`, at the same time of day. Carriers quote in
    business days (weekends do not count) unless one says otherwise with
    `business_days = False` on its adapter."""
    if not business_days:
        return at + timedelta(days=transit_days)
    day = add_business_days(at.date(), transit_days)
    return at + timedelta(days=(day - at.date()).days)


async def next_serial(carrier: str) -> int:
    """The next tracking serial of `carrier`, from its counter row. The row is
    made on first use; the UPDATE then holds it until commit, so concurrent
    labels for one carrier queue there and each gets its own serial."""
    conn = current_connection()
    if sql.is_postgres(conn):
        await sql.execute(conn, "INSERT INTO carrier_sequence (carrier, last_serial) "
                                "VALUES (?, 0) ON CONFLICT (carrier) DO NOTHING", [carrier])
        rows = await sql.fetch(conn, "UPDATE carrier_sequence SET last_serial = last_serial + 1 "
                                     "WHERE carrier = ? RETURNING last_serial", [carrier])
    else:
        await sql.execute(conn, "INSERT OR IGNORE INTO carrier_sequence (carrier, last_serial) "
                                "VALUES (?, 0)", [carrier])
        await sql.execute(conn, "UPDATE carrier_sequence SET last_serial = last_serial + 1 "
                                "WHERE carrier = ?", [carrier])
        rows = await sql.fetch(conn, "SELECT last_serial FROM carrier_sequence "
                                     "WHERE carrier = ?", [carrier])
    return int(rows[0]["last_serial"])


async def _items(shipment_id: int) -> list[tuple[str, str, int, int | None]]:
    """(sku, product name, quantity, unit weight) per shipment line, in line order."""
    lines = await ShipmentLine.filter(shipment_id=shipment_id).order_by("id").values(
        "quantity", "order_line__sku", "order_line__product_id")
    products = {p.id: p for p in await Product.filter(
        id__in={ln["order_line__product_id"] for ln in lines})}
    return [(ln["order_line__sku"], products[ln["order_line__product_id"]].name,
             ln["quantity"], products[ln["order_line__product_id"]].weight_grams)
            for ln in lines]


def _parcel_weight(items: list[tuple[str, str, int, int | None]]) -> int:
    missing = sorted({sku for sku, _, _, grams in items if grams is None})
    if missing:
        raise Invalid(f"no weight is known for {', '.join(missing)}: give weightGrams",
                      field="weightGrams")
    return sum(quantity * grams for _, _, quantity, grams in items if grams is not None)


def _transit_days(carrier: Any, service: str, weight: int, sender: dict, recipient: dict
                  ) -> int:
    """The service's transit days for this parcel's zone; the carrier's own
    refusals (too heavy, a country it cannot read) name our input's fields."""
    try:
        rates = carrier.rates(carriers.Parcel(weight_grams=weight), sender, recipient)
    except Invalid as exc:
        field = (exc.field or [""])[-1]
        raise Invalid(exc.message, field="weightGrams" if field == "weightGrams"
                      else "id") from None
    return next(r.transit_days for r in rates if r.service == service)
