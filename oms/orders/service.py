"""Order use cases: place, confirm, hold, release, cancel; and following the
order's shipments. Each is one transaction; each status change goes through
the transition table with a version check and records its event. Placement
itself lives in oms.orders.placement (its inputs in oms.orders.intake)."""
from __future__ import annotations

from typing import Any

from tortoise.expressions import F

from oms.catalog import service as catalog
from oms.core import validation as v
from oms.core.addresses import redacted_address
from oms.core.clock import now
from oms.core.errors import NotFound
from oms.core.uow import unit_of_work
from oms.core.versioning import save_if_unchanged
from oms.inventory import service as inventory

from . import events, lifecycle, promises, risk
from .intake import CustomerInput, LineInput, PlaceOrder
from .lifecycle import OrderAction, OrderStatus
from .models import Order, OrderLine
from .placement import Placement, place, place_order, route_if_unrouted

__all__ = ["CustomerInput", "LineInput", "PlaceOrder", "Placement", "place", "place_order",
           "route_if_unrouted"]


async def get_order(order_id: int) -> Order:
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise NotFound("order not found", field="id")
    return order


async def _transition(order: Order, action: OrderAction, *, actor: str | None,
                      message: str | None = None, **changes: Any) -> OrderStatus:
    """Move an order along the table, or raise; the version check makes the
    loser of a race get CONFLICT instead of overwriting the winner."""
    current = OrderStatus(order.status)
    target = lifecycle.next_status(current, action)
    await save_if_unchanged(order, "order", status=target.value, updated_at=now(), **changes)
    async with unit_of_work() as uow:
        channel_code = await catalog.channel_code(order.channel_id)
        uow.record(events.status_changed(order, channel=channel_code, from_status=current.value,
                                         to_status=target.value, actor=actor, message=message))
    return target


async def confirm_order(order_id: int, *, actor: str | None = None) -> Order:
    async with unit_of_work():
        order = await get_order(order_id)
        # Confirmed orders keep their stock: the reservation no longer lapses.
        await _transition(order, OrderAction.CONFIRM, actor=actor, expires_at=None)
        await _route_when_due(order, actor=actor)
        return order


async def _route_when_due(order: Order, *, actor: str | None) -> None:
    """Route a confirmed order now, unless its ship-after date is still
    ahead: then the sweeper routes it when due (oms.orders.sweeper)."""
    if promises.is_due(order.route_after, now()):
        await route_if_unrouted(order.id, actor=actor)


async def hold_order(order_id: int, *, reason: str, actor: str | None = None) -> Order:
    reason = v.text(reason, "reason", max_len=500)
    async with unit_of_work():
        order = await get_order(order_id)
        await _transition(order, OrderAction.HOLD, actor=actor, message=reason,
                          held_from=order.status)
        return order


async def hold_unroutable(order: Order, *, message: str, actor: str | None = None) -> bool:
    """No location can fill what is left of the order (oms.fulfillment.rejection):
    hold it with NO_LOCATION_CAN_FILL; releasing the hold routes it again.
    False when its status cannot be held (it is already being fulfilled)."""
    if not lifecycle.ORDER_TRANSITIONS.allows(OrderStatus(order.status), OrderAction.HOLD):
        return False
    await _transition(order, OrderAction.HOLD, actor=actor, message=message,
                      held_from=order.status,
                      hold_reasons=[risk.RiskCode.NO_LOCATION_CAN_FILL.value])
    return True


async def release_hold(order_id: int, *, actor: str | None = None) -> Order:
    async with unit_of_work():
        order = await get_order(order_id)
        back_to = OrderStatus(order.held_from or OrderStatus.PENDING.value)
        action = lifecycle.RELEASE_ACTION.get(back_to, OrderAction.RELEASE_TO_PENDING)
        changes: dict[str, Any] = {"held_from": None, "hold_reasons": None}
        if back_to is OrderStatus.CONFIRMED:
            changes["expires_at"] = None
        await _transition(order, action, actor=actor, **changes)
        if back_to in (OrderStatus.CONFIRMED, OrderStatus.PROCESSING):
            # Held before it was routed (at capture), or with lines no location
            # could take: route what is unrouted now (or when due).
            await _route_when_due(order, actor=actor)
        return order


async def cancel_order(order_id: int, *, reason: str | None = None,
                       actor: str | None = None) -> Order:
    from oms.fulfillment import service as fulfillment

    reason = v.text(reason, "reason", required=False, max_len=500)
    async with unit_of_work():
        order = await get_order(order_id)
        await _transition(order, OrderAction.CANCEL, actor=actor, message=reason)
        await fulfillment.cancel_open_shipments(order, actor=actor)
        await inventory.release(order_id=order.id, actor=actor, reason=reason)
        return order


async def lock_for_fulfilment(order_id: int) -> Order:
    """The order row, locked until commit (PostgreSQL), so its shipments can
    move one at a time and the order's status is derived from all of them."""
    order = await Order.filter(id=order_id).select_for_update().first()
    if order is None:
        raise NotFound("order not found", field="id")
    return order


async def follow_shipments(order: Order, shipment_statuses: list[str], *,
                           actor: str | None) -> None:
    """Bring the order's status in line with its shipments."""
    for action in lifecycle.catch_up_actions(OrderStatus(order.status), shipment_statuses):
        await _transition(order, action, actor=actor)


async def add_shipped(line_quantities: dict[int, int]) -> None:
    for line_id, qty in line_quantities.items():
        await OrderLine.filter(id=line_id).update(quantity_shipped=F("quantity_shipped") + qty)


async def add_returned(line_quantities: dict[int, int]) -> None:
    """Units physically back from a customer's return (oms.returns)."""
    for line_id, qty in sorted(line_quantities.items()):
        if qty:
            await OrderLine.filter(id=line_id).update(
                quantity_returned=F("quantity_returned") + qty)


# ---- following the order's payment (oms.payments calls these) -------------

async def set_payment_status(order_id: int, status: str) -> None:
    """Mirror the order's payment (oms.payments keeps it) as paymentStatus.
    Not a status of the order's own table: it moves with the payment."""
    await Order.filter(id=order_id).update(payment_status=status, updated_at=now())


async def payment_authorized(order_id: int, *, actor: str | None = None) -> Order:
    """Money is in hand for an order placed while waiting for it: do what
    capture would have done had it been there at placement (oms.orders.capture)."""
    from . import capture, capture_policy, channel_settings

    async with unit_of_work():
        order = await get_order(order_id)
        order.payment_status = "AUTHORIZED"
        await Order.filter(id=order.id).update(payment_status="AUTHORIZED", updated_at=now())
        status = OrderStatus(order.status)
        if status not in (OrderStatus.PENDING, OrderStatus.ON_HOLD):
            return order  # staff confirmed it meanwhile, or it was cancelled
        settings = await channel_settings.capture_settings(order.channel_id)
        decision = capture_policy.decide(order.source, payment_authorized=True,
                                         overrides=settings.overrides)
        if decision is not capture_policy.CaptureDecision.AUTO_CONFIRM:
            return order
        if status is OrderStatus.ON_HOLD:
            # Held for risk: releasing the hold now confirms it (and routes it).
            if order.held_from == OrderStatus.PENDING.value:
                await save_if_unchanged(order, "order", held_from=OrderStatus.CONFIRMED.value,
                                        updated_at=now())
            return order
        await _transition(order, OrderAction.CONFIRM, actor=capture.CAPTURE_ACTOR,
                          message="payment authorised", expires_at=None)
        await _route_when_due(order, actor=actor)
        return order


async def complete_order(order_id: int, *, actor: str | None, message: str | None = None) -> Order:
    """DELIVERED -> COMPLETED, once reconciliation (oms.payments) found the
    order delivered, captured and balanced."""
    async with unit_of_work():
        order = await get_order(order_id)
        await _transition(order, OrderAction.COMPLETE, actor=actor, message=message)
        return order


# ---- the right to erasure (oms.customers.privacy calls this) ----------------

async def erase_addresses(order_ids: list[int]) -> None:
    """The orders' shipping addresses keep only their country and region, and
    the delivery instructions go; totals, statuses and the version stay, so
    the figures and any concurrent check are untouched. Runs in the caller's
    unit of work and commits nothing itself.

    One UPDATE per distinct redacted address (a handful of countries)."""
    if not order_ids:
        return
    groups: dict[tuple, list[int]] = {}
    for o in await Order.filter(id__in=order_ids).order_by("id").values(
            "id", "shipping_address"):
        redacted = redacted_address(o["shipping_address"])
        groups.setdefault((redacted["country"], redacted["region"]), []).append(o["id"])
    for (country, region), ids in groups.items():
        await Order.filter(id__in=ids).update(
            shipping_address=redacted_address({"country": country, "region": region}),
            instructions=None)
