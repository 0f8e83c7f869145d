"""The return parcel's scans, tracked like a shipment's (oms.fulfillment.
tracking has the same rules and the scan identity reused here):

- A scan is applied once: the same source and event id (or, without one,
  the same status, time and place) again stores and pushes nothing.
- The timeline is kept in time order (occurred_at); a scan older than the
  newest applied one joins it only: no status change, no new estimate.
- The first scan of an APPROVED return moves it to IN_TRANSIT (one
  ReturnUpdated event); later scans update the estimate and the timeline.
  Once the parcel was received, scans join the timeline only. A return
  that was never approved, rejected or withdrawn takes none
  (INVALID_TRANSITION).
- The carrier webhook reaches this when no shipment has the scanned number
  (oms.fulfillment.tracking.receive_carrier_scan).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from oms.carriers.webhooks import CarrierScan
from oms.core.clock import now
from oms.core.errors import Invalid, InvalidTransition, NotFound
from oms.core.uow import unit_of_work
from oms.core.versioning import save_if_unchanged
from oms.fulfillment.tracking import MANUAL, checked_scan

from . import service
from .lifecycle import ReturnAction, ReturnStatus
from .models import Return, ReturnTrackingEvent

# The parcel reached us: scans after this are history only.
PAST_RECEIPT = frozenset({ReturnStatus.RECEIVED, ReturnStatus.REFUNDED,
                          ReturnStatus.EXCHANGED})
ON_THE_WAY = frozenset({ReturnStatus.APPROVED, ReturnStatus.IN_TRANSIT})


@dataclass(frozen=True)
class ReturnScanResult:
    ret: Return
    applied: bool  # False: already recorded, nothing stored or pushed
    moved: bool    # True: the return's status changed (ReturnUpdated pushed)


async def record_scan(**kw) -> Return:
    return (await apply_scan(**kw)).ret


async def apply_scan(*, return_id: int | None = None, tracking_number: str | None = None,
                     carrier: str | None = None, status: str, description: str | None = None,
                     location: str | None = None, occurred_at: datetime | None = None,
                     estimated_delivery: datetime | None = None, source: str = MANUAL,
                     dedupe_key: str | None = None, actor: str | None = None
                     ) -> ReturnScanResult:
    scan = checked_scan(status=status, description=description, location=location,
                        occurred_at=occurred_at, estimated_delivery=estimated_delivery,
                        source=source, dedupe_key=dedupe_key)
    scanned, description, location, at, source, key = (
        scan.status, scan.description, scan.location, scan.at, scan.source, scan.key)
    if (return_id is None) == (tracking_number is None):
        raise Invalid("give exactly one of returnId and trackingNumber", field="returnId")
    if return_id is None:
        return_id = await by_tracking_number(tracking_number, carrier)

    async with unit_of_work() as uow:
        ret, order = await service.locked(return_id)
        if await ReturnTrackingEvent.filter(ret_id=ret.id, dedupe_key=key).exists():
            return ReturnScanResult(ret, applied=False, moved=False)
        current = ReturnStatus(ret.status)
        received = current in PAST_RECEIPT or ret.received_at is not None
        if current not in ON_THE_WAY and not received:
            raise InvalidTransition(f"a {current.value} return has no parcel to track",
                                    field="returnId")
        stale = ret.last_scan_at is not None and at < ret.last_scan_at
        timeline_only = stale or received
        moved = False
        if not timeline_only:
            changes: dict = {"last_scan_at": at}
            if estimated_delivery is not None:
                changes["estimated_delivery"] = estimated_delivery
            if current is ReturnStatus.APPROVED:
                await service.move(uow, ret, order, ReturnAction.SCAN, actor=actor, **changes)
                moved = True
            else:
                await save_if_unchanged(ret, "return", updated_at=now(), **changes)
        await ReturnTrackingEvent.create(
            ret_id=ret.id, status=scanned.value, description=description, location=location,
            occurred_at=at, recorded_at=now(), source=source, dedupe_key=key,
            estimated_delivery=estimated_delivery)
        return ReturnScanResult(ret, applied=True, moved=moved)


async def receive_carrier_scan(*, carrier: str, scan: CarrierScan, dedupe_key: str
                               ) -> ReturnScanResult:
    """A carrier webhook's scan for a return parcel (the caller accepted the
    message once, in the same unit of work)."""
    return await apply_scan(
        tracking_number=scan.tracking_number, carrier=carrier, status=scan.status,
        description=scan.description, location=scan.location, occurred_at=scan.occurred_at,
        estimated_delivery=scan.estimated_delivery, source=carrier, dedupe_key=dedupe_key,
        actor=f"carrier:{carrier}")


def _with_number(tracking_number: str | None, carrier: str | None):
    query = Return.filter(tracking_number=tracking_number)
    return query if carrier is None else query.filter(carrier=carrier)


async def by_tracking_number(tracking_number: str | None, carrier: str | None = None) -> int:
    found = await _with_number(tracking_number, carrier).order_by("id").values_list("id",
                                                                                    flat=True)
    if not found:
        raise NotFound("no shipment or return has this tracking number",
                       field="trackingNumber")
    return found[0]


async def has_tracking_number(tracking_number: str, carrier: str | None = None) -> bool:
    return await _with_number(tracking_number, carrier).exists()
