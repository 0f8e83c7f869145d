"""How every shipment move starts (pick/pack/ship, a carrier scan, a label,
a rejection): the shipment, its order locked, the shipment read again under
that lock, and the order checked to be one whose shipments may move. Its own
module so that service, tracking, labels and rejection share it without
importing each other in a circle."""
from __future__ import annotations

from oms.core.errors import InvalidTransition, NotFound
from oms.orders import service as orders
from oms.orders.lifecycle import OrderStatus
from oms.orders.models import Order

from .models import Shipment

# Shipments of an order in these statuses may be worked on.
FULFILLABLE_ORDER_STATUSES = {OrderStatus.CONFIRMED, OrderStatus.PROCESSING,
                              OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED}


async def get_shipment(shipment_id: int) -> Shipment:
    shipment = await Shipment.get_or_none(id=shipment_id)
    if shipment is None:
        raise NotFound("shipment not found", field="id")
    return shipment


async def lock_shipment(shipment_id: int) -> tuple[Shipment, Order]:
    """The shipment and its order, the order locked until commit (inside a
    unit of work)."""
    shipment = await get_shipment(shipment_id)
    order = await orders.lock_for_fulfilment(shipment.order_id)
    # Re-read under the order lock: another move may have just committed.
    return await get_shipment(shipment_id), order


def check_fulfillable(order: Order) -> None:
    if OrderStatus(order.status) not in FULFILLABLE_ORDER_STATUSES:
        raise InvalidTransition(f"the order is {order.status}; its shipments cannot move",
                                field="id")
