"""Is a shipment late against its order's delivery promise? Pure: no I/O.

Late means the customer will not (or did not) get the parcel by the promised
time: delivered after it, or not delivered yet while either the promise has
passed or the carrier's own estimate lands after it. The estimate counts
before the promise passes, so a dashboard can warn while there is still time
to tell the customer. Without a promise nothing can be late; a cancelled
shipment will never arrive, so lateness means nothing for it.
"""
from __future__ import annotations

from datetime import datetime

from .lifecycle import ShipmentStatus


def is_late(*, status: str, promised: datetime | None, delivered_at: datetime | None,
            estimated: datetime | None, at: datetime) -> bool:
    if promised is None or status == ShipmentStatus.CANCELLED.value:
        return False
    if delivered_at is not None:
        return delivered_at > promised
    return at > promised or (estimated is not None and estimated > promised)
