"""Read side of the hand-off: what a partner is told about a shipment, the
delivery log (keyset pages, newest first) and its DataLoader batch."""
from __future__ import annotations

from dataclasses import dataclass

from oms.catalog.models import Channel, Location, Product
from oms.core.batches import grouped_by
from oms.customers.models import Customer
from oms.fulfillment.models import Shipment, ShipmentLine
from oms.orders.models import Order
from oms.orders.numbers import format_number

from .models import PartnerDelivery, PartnerDeliveryAttempt
from .requests import RequestLine, ShipmentFacts


async def shipment_facts(shipment_id: int) -> ShipmentFacts:
    """Everything a partner needs about a shipment (five short reads)."""
    shipment = await Shipment.get(id=shipment_id)
    order = await Order.get(id=shipment.order_id)
    channel = (await Channel.filter(id=order.channel_id).values_list("code", flat=True))[0]
    location = (await Location.filter(id=shipment.location_id).values_list("code", flat=True))[0]
    customer = (await Customer.filter(id=order.customer_id).values_list("name", flat=True))[0]
    rows = await (ShipmentLine.filter(shipment_id=shipment_id).order_by("order_line_id")
                  .values("order_line_id", "quantity", "order_line__sku",
                          "order_line__product_id"))
    names = dict(await Product.filter(id__in=[r["order_line__product_id"] for r in rows])
                 .values_list("id", "name"))
    address = order.shipping_address or {}
    return ShipmentFacts(
        shipment_id=shipment.id, location=location,
        order_number=format_number(channel, order.id), channel=channel,
        lines=tuple(RequestLine(order_line_id=r["order_line_id"], sku=r["order_line__sku"],
                                name=names.get(r["order_line__product_id"], ""),
                                quantity=r["quantity"]) for r in rows),
        ship_to=address, customer_name=customer or address.get("name"),
        shipping_method=order.shipping_method, ship_by=order.ship_by,
        promised_delivery=order.promised_delivery, cancel_reason=shipment.cancel_reason)


@dataclass(frozen=True)
class DeliveryFilter:
    location_id: int | None = None
    statuses: tuple[str, ...] | None = None
    shipment_id: int | None = None


def _deliveries(f: DeliveryFilter):
    qs = PartnerDelivery.all()
    if f.location_id is not None:
        qs = qs.filter(location_id=f.location_id)
    if f.statuses:
        qs = qs.filter(status__in=list(f.statuses))
    if f.shipment_id is not None:
        qs = qs.filter(shipment_id=f.shipment_id)
    return qs


async def deliveries_page(f: DeliveryFilter, *, before_id: int | None,
                          limit: int) -> list[PartnerDelivery]:
    """Newest first, after the row `before_id` of the previous page."""
    qs = _deliveries(f)
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    return await qs.order_by("-id").limit(limit)


async def deliveries_count(f: DeliveryFilter) -> int:
    return await _deliveries(f).count()


async def attempts_of(delivery_ids: list[int]) -> list[list[PartnerDeliveryAttempt]]:
    """DataLoader batch: each delivery's log, oldest attempt first."""
    return await grouped_by(PartnerDeliveryAttempt, "delivery_id", delivery_ids)


async def delivery(delivery_id: int) -> PartnerDelivery | None:
    return await PartnerDelivery.get_or_none(id=delivery_id)
