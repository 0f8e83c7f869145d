"""Customer.timeline: the customer's events, newest first, keyset-paged on
the event id (oms.customers.timeline). Staff roles only: a timeline shows
the shop's side (holds, payments, who changed what)."""
from __future__ import annotations

from datetime import datetime
from functools import partial

import strawberry

from oms.core import ids
from oms.customers import timeline
from oms.graphql.context import READERS, Info, require
from oms.graphql.pagination import PageInfo, keyset_page


@strawberry.type(name="CustomerTimelineEntry")
class TimelineEntryType:
    e: strawberry.Private[timeline.TimelineEntry]

    @strawberry.field(description="The event's type, such as OrderStatusChanged, "
                                  "PaymentUpdated, ShipmentUpdated, CustomerUpdated.")
    def type(self) -> str:
        return self.e.type

    @strawberry.field
    def at(self) -> datetime:
        return self.e.at

    @strawberry.field
    def order_id(self) -> strawberry.ID | None:
        oid = self.e.order_id
        return None if oid is None else strawberry.ID(ids.encode("Order", oid))

    @strawberry.field
    def order_number(self) -> str | None:
        return self.e.order_number

    @strawberry.field(description="One line built from the event's type, ids and statuses.")
    def summary(self) -> str:
        return self.e.summary


@strawberry.type
class CustomerTimelineEdge:
    cursor: str
    node: TimelineEntryType


@strawberry.type
class CustomerTimelineConnection:
    edges: list[CustomerTimelineEdge]
    page_info: PageInfo
    customer_id: strawberry.Private[int]

    @strawberry.field(description="Every event of the customer (costs one count query).")
    async def total_count(self) -> int:
        return await timeline.count(self.customer_id)


async def timeline_connection(info: Info, customer_id: int, *, first: int | None,
                              after: str | None) -> CustomerTimelineConnection:
    require(info, *READERS)
    pairs, page_info = await keyset_page(partial(timeline.page, customer_id),
                                         first=first, after=after,
                                         cursor_values=lambda e: [e.id])
    return CustomerTimelineConnection(
        edges=[CustomerTimelineEdge(cursor=c, node=TimelineEntryType(e=e)) for c, e in pairs],
        page_info=page_info, customer_id=customer_id)
