"""The return label: made when a return is approved, through the carrier
interface like a shipment's label (oms.fulfillment.labels).

- Carrier and service: the policy's, else the first registered carrier and
  its first (cheapest) service.
- From the customer (the order's shipping address) to the destination: the
  policy's return location, else the location that shipped the first
  returned line. The destination needs an address.
- Weight: the returned units' product weights (DEFAULT_UNIT_GRAMS for a
  product without one: the customer packs it, nobody weighs it first).
- Tracking number from the carrier's counter (oms.fulfillment.labels.
  next_serial), the same one shipments use, so numbers never collide.
- The PDF (4x6 inch, Code128 barcode of the number) is stored as a
  ReturnDocument and served at the return's labelUrl (oms.returns.http).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from oms import carriers
from oms.carriers import labels as pdf
from oms.catalog.models import Location, Product
from oms.core.errors import Invalid, NotFound
from oms.core.ids import encode
from oms.customers.models import Customer
from oms.fulfillment.labels import estimated_arrival, next_serial
from oms.fulfillment.models import ShipmentLine
from oms.orders.models import Order, OrderLine

from .models import Return, ReturnDocument, ReturnLine
from .policy import Policy

LABEL = "LABEL"
DEFAULT_UNIT_GRAMS = 500


def label_url(return_id: int) -> str:
    """Relative, so it holds behind any host or proxy the API is served from."""
    return f"/documents/returns/{encode('Return', return_id)}/label"


def carrier_and_service(policy: Policy) -> tuple[Any, str]:
    chosen = carriers.get_carrier(policy.carrier or carriers.carrier_codes()[0])
    codes = [s.code for s in chosen.services()]
    service = policy.service or codes[0]
    if service not in codes:
        raise Invalid(f"{chosen.code} has no service {service!r}", field="id")
    return chosen, service


async def create_label(ret: Return, order: Order, *, at: datetime) -> dict[str, Any]:
    """Make and store the label; the Return columns it sets (the caller
    saves them with the status change)."""
    policy = Policy.from_json(ret.policy)
    chosen, service = carrier_and_service(policy)
    destination = await _destination(ret, policy)
    if not destination.address:
        raise Invalid(f"location {destination.code} has no address to return to", field="id")
    recipient = {**destination.address,
                 "name": destination.address.get("name") or destination.name}
    sender = dict(order.shipping_address)
    if not sender.get("name"):
        customer = await Customer.get(id=order.customer_id)
        sender["name"] = customer.name or customer.email
    weight = await _weight(ret.id)
    try:
        rates = chosen.rates(carriers.Parcel(weight_grams=weight), sender, recipient)
    except Invalid as exc:
        raise Invalid(f"the carrier cannot take this parcel: {exc.message}", field="id") from None
    transit_days = next(r.transit_days for r in rates if r.service == service)
    # The counter row stays locked until commit: bumped as late as possible.
    tracking_number = chosen.tracking_number(await next_serial(chosen.code))
    service_name = next(s.name for s in chosen.services() if s.code == service)
    content = pdf.shipping_label_pdf(
        tracking_number=tracking_number, carrier_name=chosen.name, service_name=service_name,
        sender=sender, recipient=recipient, weight_grams=weight, reference=ret.number)
    await ReturnDocument.filter(ret_id=ret.id, kind=LABEL).delete()
    await ReturnDocument.create(ret_id=ret.id, kind=LABEL, content=content,
                                content_type="application/pdf", created_at=at)
    return {"carrier": chosen.code, "service": service, "tracking_number": tracking_number,
            "label_url": label_url(ret.id), "destination_id": destination.id,
            "estimated_delivery": estimated_arrival(
                at, transit_days, business_days=getattr(chosen, "business_days", True))}


async def _destination(ret: Return, policy: Policy) -> Location:
    if policy.return_location is not None:
        found = await Location.get_or_none(code=policy.return_location)
        if found is None:
            raise NotFound(f"the return location {policy.return_location} no longer exists",
                           field="id")
        return found
    first = await ReturnLine.filter(ret_id=ret.id).order_by("id").first()
    assert first is not None  # a return has lines
    shipped_from = await ShipmentLine.filter(
        order_line_id=first.order_line_id, shipment__status="DELIVERED").order_by(
        "shipment_id").values_list("shipment__location_id", flat=True)
    if not shipped_from:
        raise NotFound("no delivered shipment of this line to return to", field="id")
    return await Location.get(id=shipped_from[0])


async def _weight(return_id: int) -> int:
    lines = await ReturnLine.filter(ret_id=return_id).values("order_line_id", "quantity")
    products = dict(await OrderLine.filter(id__in=[ln["order_line_id"] for ln in lines])
                    .values_list("id", "product_id"))
    grams = dict(await Product.filter(id__in=set(products.values()))
                 .values_list("id", "weight_grams"))
    return sum(ln["quantity"] * (grams.get(products[ln["order_line_id"]])
                                 or DEFAULT_UNIT_GRAMS) for ln in lines)
