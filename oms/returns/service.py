"""Return use cases: the channel's policy, request, approve (with its label),
reject, and withdraw. One async function each, the transaction boundary.

Every move of a return locks its order's row first (as shipments do), so an
order's returns change one at a time: two requests for the last returnable
unit queue there and the second sees the first. The status changes only
through the transition table (oms.returns.lifecycle) with a version check,
and writes its ReturnUpdated event in the same transaction.

`as_customer` is the customer a caller acts for (None: staff): another
customer's order or return is NOT_FOUND, exactly like a missing one.
"""
from __future__ import annotations

from typing import Iterable

from oms import carriers
from oms.catalog import service as catalog
from oms.catalog.models import Product
from oms.core import validation as v
from oms.core.clock import now
from oms.core.errors import Invalid, InvalidTransition, NotFound
from oms.core.uow import UnitOfWork, unit_of_work
from oms.core.versioning import save_if_unchanged
from oms.orders import service as orders
from oms.orders.models import Order
from oms.orders.numbers import format_number

from . import events, labels, lifecycle, queries
from .lifecycle import ReturnAction, ReturnReason, ReturnResolution, ReturnStatus
from .models import Return, ReturnDocument, ReturnLine, ReturnPolicy, ReturnTrackingEvent
from .policy import Policy, RequestedLine, check_request, checked_policy

# What a customer may withdraw: nothing has reached the warehouse yet.
CUSTOMER_CLOSABLE = frozenset({ReturnStatus.REQUESTED, ReturnStatus.APPROVED})
REASONS = tuple(r.value for r in ReturnReason)


# ---- policy -----------------------------------------------------------------

async def set_policy(*, channel: str, window_days: int, final_sale_skus: Iterable[str] | None,
                     return_shipping_payer: str, return_shipping_fee, refund_original_shipping:
                     bool, return_location: str | None = None, carrier: str | None = None,
                     service: str | None = None, actor: str | None = None) -> ReturnPolicy:
    """Create or replace a channel's return policy (admin)."""
    policy = checked_policy(
        window_days=window_days, final_sale_skus=final_sale_skus,
        return_shipping_payer=return_shipping_payer, return_shipping_fee=return_shipping_fee,
        refund_original_shipping=refund_original_shipping, return_location=return_location,
        carrier=carrier, service=service)
    async with unit_of_work():
        ch = await catalog.get_channel(channel)
        skus = sorted(policy.final_sale_skus)
        known = set(await Product.filter(sku__in=skus).values_list("sku", flat=True))
        unknown = [s for s in skus if s not in known]
        if unknown:
            raise NotFound(f"unknown sku {unknown[0]}", field="finalSaleSkus")
        location_id = None
        if policy.return_location is not None:
            location_id = (await catalog.get_location(policy.return_location,
                                                      "returnLocation")).id
        if policy.carrier is not None:
            chosen = carriers.get_carrier(policy.carrier)
            codes = [s.code for s in chosen.services()]
            if policy.service not in codes:
                raise Invalid(f"{chosen.code} has no service {policy.service!r}; choose one "
                              f"of {', '.join(codes)}", field="service")
        values = dict(window_days=policy.window_days, final_sale_skus=skus,
                      return_shipping_payer=policy.return_shipping_payer.value,
                      return_shipping_fee=policy.return_shipping_fee,
                      refund_original_shipping=policy.refund_original_shipping,
                      return_location_id=location_id, carrier=policy.carrier,
                      service=policy.service, updated_at=now(), updated_by=actor)
        row = await ReturnPolicy.get_or_none(channel_id=ch.id)
        if row is None:
            return await ReturnPolicy.create(channel_id=ch.id, **values)
        await ReturnPolicy.filter(id=row.id).update(**values)
        return await ReturnPolicy.get(id=row.id)


async def policy_for(channel: str) -> Policy:
    ch = await catalog.get_channel(channel)
    return await queries.policy_of_channel(ch.id)


# ---- shared steps -----------------------------------------------------------

async def get_return(return_id: int, *, as_customer: int | None = None) -> Return:
    ret = await Return.get_or_none(id=return_id) if return_id else None
    if ret is not None and as_customer is not None:
        owner = await Order.filter(id=ret.order_id).values_list("customer_id", flat=True)
        if owner != [as_customer]:
            ret = None
    if ret is None:
        raise NotFound("return not found", field="id")
    return ret


async def locked(return_id: int, *, as_customer: int | None = None) -> tuple[Return, Order]:
    """The return and its order, the order's row locked until commit; the
    return read again under the lock (another move may just have committed)."""
    ret = await get_return(return_id, as_customer=as_customer)
    order = await orders.lock_for_fulfilment(ret.order_id)
    return await Return.get(id=ret.id), order


async def move(uow: UnitOfWork, ret: Return, order: Order, action: ReturnAction, *,
               actor: str | None, **changes) -> ReturnStatus:
    """One step through the transition table, version-checked, with its event."""
    before = ReturnStatus(ret.status)
    target = lifecycle.next_status(before, action)
    await save_if_unchanged(ret, "return", status=target.value, updated_at=now(), **changes)
    uow.record(events.return_updated(
        ret, customer_id=order.customer_id, channel=await catalog.channel_code(order.channel_id),
        from_status=before.value, to_status=target.value, actor=actor,
        order_status=order.status))
    return target


# ---- request ----------------------------------------------------------------

async def request_return(*, order_id: int, lines: list[RequestedLine], resolution: str,
                         comment: str | None = None, as_customer: int | None = None,
                         actor: str | None = None) -> Return:
    chosen = v.choice(resolution, ReturnResolution, "resolution")
    comment = v.text(comment, "comment", required=False, max_len=2000)
    for i, line in enumerate(lines):
        if line.reason not in REASONS:
            raise Invalid(f"reason must be one of {', '.join(REASONS)}",
                          field=["lines", str(i), "reason"])
    exchange_skus = {ln.exchange_sku for ln in lines if ln.exchange_sku is not None}
    async with unit_of_work() as uow:
        order = await Order.get_or_none(id=order_id) if order_id else None
        if order is None or (as_customer is not None and order.customer_id != as_customer):
            raise NotFound("order not found", field="orderId")
        order = await orders.lock_for_fulfilment(order.id)
        policy = await queries.policy_of_channel(order.channel_id)
        facts = await queries.line_facts(order.id)
        known = set(await Product.filter(sku__in=exchange_skus).values_list("sku", flat=True)) \
            if exchange_skus else set()
        at = now()
        check_request(lines, facts, policy, at=at, resolution=chosen, known_skus=known)
        channel = await catalog.channel_code(order.channel_id)
        n = await Return.filter(order_id=order.id).count() + 1
        fee = policy.return_shipping_fee \
            if policy.return_shipping_payer.value == "CUSTOMER" else 0
        ret = await Return.create(
            number=f"{format_number(channel, order.id)}-R{n}", order_id=order.id,
            status=ReturnStatus.REQUESTED.value, resolution=chosen.value, requested_by=actor,
            comment=comment, policy=policy.to_json(), shipping_fee=fee, version=1,
            created_at=at, updated_at=at)
        await ReturnLine.bulk_create([
            ReturnLine(ret_id=ret.id, order_line_id=ln.order_line_id, quantity=ln.quantity,
                       reason=ln.reason, exchange_sku=ln.exchange_sku) for ln in lines])
        uow.record(events.return_updated(
            ret, customer_id=order.customer_id, channel=channel, from_status=None,
            to_status=ret.status, actor=actor, order_status=order.status))
        return ret


# ---- approve, reject, withdraw ----------------------------------------------

async def approve_return(return_id: int, *, actor: str | None = None) -> Return:
    """APPROVED, with a return label made in the same transaction: a tracking
    number from the carrier's counter, the PDF stored and served at labelUrl."""
    async with unit_of_work() as uow:
        ret, order = await locked(return_id)
        # Refused before a label (and a tracking serial) is made for nothing.
        lifecycle.next_status(ReturnStatus(ret.status), ReturnAction.APPROVE)
        at = now()
        label = await labels.create_label(ret, order, at=at)
        await move(uow, ret, order, ReturnAction.APPROVE, actor=actor, approved_at=at, **label)
        return ret


async def reject_return(return_id: int, *, reason: str, actor: str | None = None) -> Return:
    reason = v.text(reason, "reason", max_len=500)
    async with unit_of_work() as uow:
        ret, order = await locked(return_id)
        await move(uow, ret, order, ReturnAction.REJECT, actor=actor, reject_reason=reason)
        return ret


async def cancel_return(return_id: int, *, as_customer: int | None = None,
                        actor: str | None = None) -> Return:
    """CLOSED. A customer withdraws their own return while REQUESTED or
    APPROVED; staff may also close a RECEIVED one with nothing to resolve."""
    async with unit_of_work() as uow:
        ret, order = await locked(return_id, as_customer=as_customer)
        if as_customer is not None and ReturnStatus(ret.status) not in CUSTOMER_CLOSABLE:
            raise InvalidTransition(f"a {ret.status} return can no longer be withdrawn")
        await move(uow, ret, order, ReturnAction.CLOSE, actor=actor, resolved_at=now())
        return ret


# ---- the right to erasure (oms.customers.privacy calls this) ----------------

async def erase_personal_data(order_ids: list[int]) -> None:
    """What the returns of these orders hold about the person: the customer's
    comment and the reject reason, the return label (a PDF with the address)
    and the return parcel's scan texts. Statuses, lines and amounts stay.
    Runs in the caller's unit of work and commits nothing itself."""
    return_ids = [i for i, _ in await queries.statuses_of_orders(order_ids)]
    if not return_ids:
        return
    await Return.filter(id__in=return_ids).update(comment=None, reject_reason=None,
                                                  label_url=None)
    await ReturnDocument.filter(ret_id__in=return_ids).delete()
    await ReturnTrackingEvent.filter(ret_id__in=return_ids).update(description=None,
                                                                   location=None)
