from __future__ import annotations

from datetime import datetime

import strawberry

from oms.catalog.graphql.types import LocationType
from oms.core import ids
from oms.fulfillment.graphql.types import ShipmentType
from oms.graphql.context import Info
from oms.graphql.pagination import PageInfo
from oms.handoff import lifecycle, models, queries

PartnerDeliveryKind = strawberry.enum(lifecycle.DeliveryKind, name="PartnerDeliveryKind")
PartnerDeliveryStatus = strawberry.enum(lifecycle.DeliveryStatus, name="PartnerDeliveryStatus")


@strawberry.type(name="PartnerDeliveryAttempt", description="One try at sending a delivery.")
class PartnerDeliveryAttemptType:
    m: strawberry.Private[models.PartnerDeliveryAttempt]

    @strawberry.field(description="1 for the first try.")
    def attempt(self) -> int:
        return self.m.attempt

    @strawberry.field
    def at(self) -> datetime:
        return self.m.at

    @strawberry.field(description="The partner's HTTP status; null when it never answered.")
    def status_code(self) -> int | None:
        return self.m.status_code

    @strawberry.field(description="Why the try failed (null when acknowledged).")
    def error(self) -> str | None:
        return self.m.error

    @strawberry.field
    def duration_ms(self) -> int:
        return self.m.duration_ms

    @strawberry.field
    def actor(self) -> str | None:
        return self.m.actor


@strawberry.type(name="PartnerDelivery",
                 description="A signed message to a 3PL or drop-ship supplier (a fulfilment "
                             "request, a cancellation), sent until the partner acknowledges "
                             "it.")
class PartnerDeliveryType:
    m: strawberry.Private[models.PartnerDelivery]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(ids.encode("PartnerDelivery", self.m.id))

    @strawberry.field
    async def location(self, info: Info) -> LocationType:
        return LocationType(m=await info.context.loaders.location.load(self.m.location_id))

    @strawberry.field
    async def shipment(self, info: Info) -> ShipmentType | None:
        if self.m.shipment_id is None:
            return None
        return ShipmentType(m=await info.context.loaders.shipment.load(self.m.shipment_id))

    @strawberry.field
    def kind(self) -> PartnerDeliveryKind:
        return lifecycle.DeliveryKind(self.m.kind)

    @strawberry.field
    def status(self) -> PartnerDeliveryStatus:
        return lifecycle.DeliveryStatus(self.m.status)

    @strawberry.field(description="Tries so far.")
    def attempts(self) -> int:
        return self.m.attempts

    @strawberry.field(description="When the next try is due (while SENDING: when the "
                                  "sender's claim runs out).")
    def next_attempt_at(self) -> datetime | None:
        return self.m.next_attempt_at

    @strawberry.field
    def last_status_code(self) -> int | None:
        return self.m.last_status_code

    @strawberry.field
    def last_error(self) -> str | None:
        return self.m.last_error

    @strawberry.field
    def acknowledged_at(self) -> datetime | None:
        return self.m.acknowledged_at

    @strawberry.field
    def created_at(self) -> datetime:
        return self.m.created_at

    @strawberry.field(description="Every try, oldest first.")
    async def log(self, info: Info) -> list[PartnerDeliveryAttemptType]:
        rows = await info.context.loaders.attempts_of_delivery.load(self.m.id)
        return [PartnerDeliveryAttemptType(m=r) for r in rows]


@strawberry.type
class PartnerDeliveryEdge:
    cursor: str
    node: PartnerDeliveryType


@strawberry.type
class PartnerDeliveryConnection:
    edges: list[PartnerDeliveryEdge]
    page_info: PageInfo
    query: strawberry.Private[queries.DeliveryFilter | None]

    @strawberry.field(description="Deliveries matching the filter (one count query).")
    async def total_count(self) -> int:
        if self.query is None:
            return 0
        return await queries.deliveries_count(self.query)
