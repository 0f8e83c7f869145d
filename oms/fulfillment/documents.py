"""Reading a shipment's stored documents (label, packing slip) for a caller.

Staff roles read every shipment's documents; a customer only those of their
own orders. Anything else, a foreign shipment included, is NOT_FOUND, so a
customer cannot tell another customer's shipment from a missing one.
"""
from __future__ import annotations

from oms.auth.tokens import Actor, Role
from oms.core.errors import NotFound
from oms.orders.models import Order

from .models import Shipment, ShipmentDocument

READERS = frozenset({Role.ADMIN, Role.STAFF, Role.ANALYST})


async def read_document(shipment_id: int | None, kind: str, *, actor: Actor
                        ) -> ShipmentDocument:
    missing = NotFound("no such document", field="id")
    shipment = await Shipment.get_or_none(id=shipment_id) if shipment_id else None
    if shipment is None:
        raise missing
    if actor.role not in READERS:
        owner = await Order.filter(id=shipment.order_id).values_list("customer_id", flat=True)
        if actor.role is not Role.CUSTOMER or owner != [actor.customer_id]:
            raise missing
    document = await ShipmentDocument.get_or_none(shipment_id=shipment.id, kind=kind)
    if document is None:
        raise missing
    return document
