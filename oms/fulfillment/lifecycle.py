"""Shipment statuses and their transition table. Pure: no I/O."""
from __future__ import annotations

from enum import Enum

from oms.core.statemachine import TransitionTable


class ShipmentStatus(str, Enum):
    PENDING = "PENDING"
    PICKING = "PICKING"
    PACKED = "PACKED"
    SHIPPED = "SHIPPED"
    IN_TRANSIT = "IN_TRANSIT"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERED = "DELIVERED"
    EXCEPTION = "EXCEPTION"
    CANCELLED = "CANCELLED"


class ShipmentAction(str, Enum):
    PICK = "PICK"
    PACK = "PACK"
    SHIP = "SHIP"
    CANCEL = "CANCEL"
    # Carrier scans, one per tracking status:
    SCAN_IN_TRANSIT = "SCAN_IN_TRANSIT"
    SCAN_OUT_FOR_DELIVERY = "SCAN_OUT_FOR_DELIVERY"
    SCAN_DELIVERED = "SCAN_DELIVERED"
    SCAN_EXCEPTION = "SCAN_EXCEPTION"


S, A = ShipmentStatus, ShipmentAction

# The tracking statuses a carrier may report, and the action each one is.
TRACKING_ACTIONS = {
    S.IN_TRANSIT: A.SCAN_IN_TRANSIT,
    S.OUT_FOR_DELIVERY: A.SCAN_OUT_FOR_DELIVERY,
    S.DELIVERED: A.SCAN_DELIVERED,
    S.EXCEPTION: A.SCAN_EXCEPTION,
}

_ON_THE_ROAD = (S.SHIPPED, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.EXCEPTION)

SHIPMENT_TRANSITIONS = TransitionTable[ShipmentStatus, ShipmentAction]("shipment", {
    (S.PENDING, A.PICK): S.PICKING,
    (S.PICKING, A.PACK): S.PACKED,
    (S.PACKED, A.SHIP): S.SHIPPED,
    (S.PENDING, A.CANCEL): S.CANCELLED,
    (S.PICKING, A.CANCEL): S.CANCELLED,
    (S.PACKED, A.CANCEL): S.CANCELLED,
    # A parcel on the road may be scanned in any tracking status, including the
    # one it is in (another hub, a second failed attempt); delivery is final.
    **{(s, a): t for s in _ON_THE_ROAD for t, a in TRACKING_ACTIONS.items()},
})


def next_status(status: ShipmentStatus, action: ShipmentAction) -> ShipmentStatus:
    return SHIPMENT_TRANSITIONS.next_status(status, action)
