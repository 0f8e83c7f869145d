"""Live order and shipment updates, resumable with `after: <cursor>`."""
from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Annotated, AsyncGenerator, Awaitable

import strawberry

from oms.auth.tokens import Role
from oms.core import ids
from oms.events import queries as event_queries
from oms.events.record import EventRecord
from oms.fulfillment.events import SHIPMENT_UPDATED
from oms.fulfillment.graphql.types import ShipmentStatus, ShipmentType
from oms.graphql.context import READERS, Info, customer_scope, require
from oms.graphql.errors import GqlCode, gql_error
from oms.graphql.streams import event_stream, parse_cursor
from oms.orders.events import ORDER_STATUS_CHANGED
from oms.returns.events import RETURN_UPDATED

from .schema import visible_order
from .types import OrderStatus, OrderType

if TYPE_CHECKING:
    from oms.returns.graphql.types import ReturnType

# What orderStatusChanged delivers: the order's own changes and its returns'.
_ORDER_ENTRIES = (ORDER_STATUS_CHANGED, RETURN_UPDATED)


@strawberry.type
class OrderStatusChange:
    """An order's status change, or (returnUpdate set) a change of one of its
    returns: then fromStatus and toStatus both give the order's status at
    that change."""

    record: strawberry.Private[EventRecord]

    @strawberry.field
    async def order(self, info: Info) -> OrderType:
        return OrderType(m=await info.context.loaders.order.load(self.record.order_id))

    @strawberry.field
    def from_status(self, info: Info) -> OrderStatus | None:
        if self.record.type == RETURN_UPDATED:
            return _order_status_at(info, self.record)  # type: ignore[return-value]
        f = self.record.payload.get("from")
        return OrderStatus(f) if f else None

    @strawberry.field
    def to_status(self, info: Info) -> OrderStatus:
        if self.record.type == RETURN_UPDATED:
            return _order_status_at(info, self.record)  # type: ignore[return-value]
        return OrderStatus(self.record.payload["to"])

    @strawberry.field(description="Set when this entry is a change of one of the order's "
                                  "returns (the Return with the status it moved to).")
    async def return_update(self, info: Info) -> Annotated[
            "ReturnType", strawberry.lazy("oms.returns.graphql.types")] | None:
        if self.record.type != RETURN_UPDATED:
            return None
        from oms.returns.graphql.subscriptions import return_of
        return await return_of(info, self.record)

    @strawberry.field
    def at(self) -> datetime:
        return self.record.created_at  # type: ignore[return-value]

    @strawberry.field
    def cursor(self) -> str:
        return str(self.record.id)


@strawberry.type
class ShipmentUpdate:
    record: strawberry.Private[EventRecord]

    @strawberry.field
    async def shipment(self, info: Info) -> ShipmentType:
        return ShipmentType(m=await info.context.loaders.shipment.load(
            self.record.payload["shipment_id"]))

    @strawberry.field(description="The status this update moved the shipment to.")
    def status(self) -> ShipmentStatus:
        return ShipmentStatus(self.record.payload["status"])

    @strawberry.field
    def description(self) -> str | None:
        return self.record.payload.get("description")

    @strawberry.field
    def occurred_at(self) -> datetime:
        raw = self.record.payload.get("occurred_at")
        return datetime.fromisoformat(raw) if raw else self.record.created_at  # type: ignore

    @strawberry.field
    def cursor(self) -> str:
        return str(self.record.id)


def _order_status_at(info: Info, record: EventRecord) -> "OrderStatus | Awaitable[OrderStatus]":
    """The order's status when a return changed (events written before that
    was recorded: the order's current status, read through the loader)."""
    at = record.payload.get("order_status")
    if at:
        return OrderStatus(at)

    async def current() -> OrderStatus:
        return OrderStatus((await info.context.loaders.order.load(record.order_id)).status)
    return current()


async def _owned_order_id(info: Info, order_id: strawberry.ID) -> int:
    order = await visible_order(info, ids.decode("Order", order_id))
    if order is None:
        raise gql_error("order not found", GqlCode.BAD_USER_INPUT)
    return order.id


@strawberry.type
class OrderSubscription:
    @strawberry.subscription
    async def order_status_changed(self, info: Info, order_id: strawberry.ID | None = None,
                                   channel: str | None = None, after: str | None = None
                                   ) -> AsyncGenerator[OrderStatusChange, None]:
        actor = require(info, *READERS, Role.CUSTOMER)
        own = customer_scope(actor)
        cursor = parse_cursor(after)
        oid = await _owned_order_id(info, order_id) if order_id is not None else None
        if own is not None and channel is not None:
            raise gql_error("customers cannot watch a channel", GqlCode.FORBIDDEN)

        def wanted(r: EventRecord) -> bool:
            return (r.type in _ORDER_ENTRIES
                    and (oid is None or r.order_id == oid)
                    and (channel is None or r.channel == channel)
                    and (own is None or r.customer_id == own))

        replay = partial(_replay, types=_ORDER_ENTRIES, order_id=oid, channel=channel,
                         customer_id=own)
        async for record in event_stream(info, predicate=wanted, after=cursor, replay=replay):
            yield OrderStatusChange(record=record)

    @strawberry.subscription
    async def shipment_updated(self, info: Info, order_id: strawberry.ID,
                               after: str | None = None) -> AsyncGenerator[ShipmentUpdate, None]:
        require(info, *READERS, Role.CUSTOMER)
        cursor = parse_cursor(after)
        oid = await _owned_order_id(info, order_id)

        def wanted(r: EventRecord) -> bool:
            return r.type == SHIPMENT_UPDATED and r.order_id == oid

        replay = partial(_replay, types=(SHIPMENT_UPDATED,), order_id=oid, channel=None,
                         customer_id=None)
        async for record in event_stream(info, predicate=wanted, after=cursor, replay=replay):
            yield ShipmentUpdate(record=record)


async def _replay(after: int, up_to: int, *, types: tuple[str, ...], order_id: int | None,
                  channel: str | None, customer_id: int | None) -> list[EventRecord]:
    return await event_queries.replay(after_id=after, up_to=up_to, types=types,
                                      order_id=order_id, channel=channel,
                                      customer_id=customer_id)
