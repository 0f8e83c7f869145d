"""returnUpdated: every status change of an order's returns, resumable with
`after: <cursor>` like shipmentUpdated (oms.graphql.streams)."""
from __future__ import annotations

from typing import AsyncGenerator

import strawberry

from oms.auth.tokens import Role
from oms.core import ids
from oms.events import queries as event_queries
from oms.events.record import EventRecord
from oms.graphql.context import READERS, Info, require
from oms.graphql.errors import GqlCode, gql_error
from oms.graphql.streams import event_stream, parse_cursor
from oms.orders.graphql.schema import visible_order
from oms.returns.events import RETURN_UPDATED

from .types import ReturnType


async def return_of(info: Info, record: EventRecord) -> ReturnType:
    """The return an event is about, showing the status the event moved it to."""
    ret = await info.context.loaders.return_.load(record.payload["return_id"])
    return ReturnType(m=ret, record=record)


@strawberry.type
class ReturnSubscription:
    @strawberry.subscription(description="Every status change of the order's returns (a "
                                         "customer: their own orders only). Each Return "
                                         "carries its event's status and cursor.")
    async def return_updated(self, info: Info, order_id: strawberry.ID,
                             after: str | None = None) -> AsyncGenerator[ReturnType, None]:
        require(info, *READERS, Role.CUSTOMER)
        cursor = parse_cursor(after)
        order = await visible_order(info, ids.decode("Order", order_id))
        if order is None:
            raise gql_error("order not found", GqlCode.BAD_USER_INPUT)
        oid = order.id

        def wanted(r: EventRecord) -> bool:
            return r.type == RETURN_UPDATED and r.order_id == oid

        async def replay(after_id: int, up_to: int) -> list[EventRecord]:
            return await event_queries.replay(after_id=after_id, up_to=up_to,
                                              types=(RETURN_UPDATED,), order_id=oid)

        async for record in event_stream(info, predicate=wanted, after=cursor, replay=replay):
            yield await return_of(info, record)
