"""returnReceive: the parcel is opened and every expected unit inspected.

RESALABLE units go back into the chosen location's stock (inventory
receive: a RECEIPT ledger row, reference the return number, reason RETURN,
and the StockChanged events any stock change raises); DAMAGED units go on
hand as damaged there (inventory.receive_damaged: available does not move);
MISSING units are recorded on the return line. The order lines'
quantityReturned grows by the units physically back (resalable + damaged).
All of it, the status RECEIVED and its event, in one transaction.
"""
from __future__ import annotations

from collections import defaultdict

from oms.catalog import service as catalog
from oms.core.clock import now
from oms.core.uow import unit_of_work
from oms.inventory import service as inventory
from oms.orders import service as orders
from oms.orders.models import OrderLine

from . import lifecycle, service
from .lifecycle import ReturnAction, ReturnStatus
from .models import Return, ReturnLine
from .policy import ReceivedEntry, check_receipt

RETURN_REASON = "RETURN"


async def receive_return(return_id: int, *, lines: list[ReceivedEntry], location: str,
                         actor: str | None = None) -> Return:
    async with unit_of_work() as uow:
        ret, order = await service.locked(return_id)
        # The status first: a return received twice is refused as such.
        lifecycle.next_status(ReturnStatus(ret.status), ReturnAction.RECEIVE)
        loc = await catalog.get_location(location, "location")
        return_lines = await ReturnLine.filter(ret_id=ret.id).order_by("id")
        skus = dict(await OrderLine.filter(id__in=[rl.order_line_id for rl in return_lines])
                    .values_list("id", "sku"))
        receipt = check_receipt(lines, {rl.order_line_id: rl.quantity for rl in return_lines},
                                names=skus)
        resalable: dict[str, int] = defaultdict(int)
        damaged: dict[str, int] = defaultdict(int)
        back: dict[int, int] = {}
        for rl in return_lines:
            found = receipt.by_line[rl.order_line_id]
            await ReturnLine.filter(id=rl.id).update(
                quantity_resalable=found.resalable, quantity_damaged=found.damaged,
                quantity_missing=found.missing)
            resalable[skus[rl.order_line_id]] += found.resalable
            damaged[skus[rl.order_line_id]] += found.damaged
            back[rl.order_line_id] = found.back
        # One SKU at a time in a fixed order, as every stock change does.
        for sku in sorted(set(resalable) | set(damaged)):
            if resalable[sku]:
                await inventory.receive(sku=sku, location=loc.code, quantity=resalable[sku],
                                        reference=ret.number, reason=RETURN_REASON,
                                        actor=actor)
            if damaged[sku]:
                await inventory.receive_damaged(sku=sku, location=loc.code,
                                                quantity=damaged[sku], reference=ret.number,
                                                reason=RETURN_REASON, actor=actor)
        await orders.add_returned(back)
        await service.move(uow, ret, order, ReturnAction.RECEIVE, actor=actor,
                           received_at=now(), received_location_id=loc.id)
        return ret
