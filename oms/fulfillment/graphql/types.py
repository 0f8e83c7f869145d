from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from oms.catalog.graphql.types import LocationType
from oms.core import clock, ids
from oms.fulfillment import lateness, lifecycle, models
from oms.graphql.context import Info

if TYPE_CHECKING:
    from oms.orders.graphql.types import OrderLineType, OrderType

ShipmentStatus = strawberry.enum(lifecycle.ShipmentStatus, name="ShipmentStatus")


@strawberry.type(name="TrackingEvent")
class TrackingEventType:
    m: strawberry.Private[models.TrackingEvent]

    @strawberry.field
    def status(self) -> ShipmentStatus:
        return ShipmentStatus(self.m.status)

    @strawberry.field
    def description(self) -> str | None:
        return self.m.description

    @strawberry.field
    def location(self) -> str | None:
        return self.m.location

    @strawberry.field
    def occurred_at(self) -> datetime:
        return self.m.occurred_at

    @strawberry.field(description="Who reported the scan: MANUAL, or the carrier's code.")
    def source(self) -> str | None:
        return self.m.source

    @strawberry.field(description="The delivery estimate the scan carried, if any.")
    def estimated_delivery(self) -> datetime | None:
        return self.m.estimated_delivery


@strawberry.type(name="ShipmentLine")
class ShipmentLineType:
    m: strawberry.Private[models.ShipmentLine]

    @strawberry.field
    async def order_line(self, info: Info) -> Annotated[
            "OrderLineType", strawberry.lazy("oms.orders.graphql.types")]:
        from oms.orders.graphql.types import load_order_line
        return await load_order_line(info, self.m.order_line_id)

    @strawberry.field
    def quantity(self) -> int:
        return self.m.quantity


@strawberry.type(name="Shipment")
class ShipmentType:
    m: strawberry.Private[models.Shipment]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(ids.encode("Shipment", self.m.id))

    @strawberry.field
    async def order(self, info: Info) -> Annotated[
            "OrderType", strawberry.lazy("oms.orders.graphql.types")]:
        from oms.orders.graphql.types import OrderType
        return OrderType(m=await info.context.loaders.order.load(self.m.order_id))

    @strawberry.field
    async def location(self, info: Info) -> LocationType:
        return LocationType(m=await info.context.loaders.location.load(self.m.location_id))

    @strawberry.field
    async def lines(self, info: Info) -> list[ShipmentLineType]:
        return [ShipmentLineType(m=sl) for sl in
                await info.context.loaders.lines_of_shipment.load(self.m.id)]

    @strawberry.field
    def status(self) -> ShipmentStatus:
        return ShipmentStatus(self.m.status)

    @strawberry.field
    def carrier(self) -> str | None:
        return self.m.carrier

    @strawberry.field
    def service(self) -> str | None:
        return self.m.service

    @strawberry.field
    def tracking_number(self) -> str | None:
        return self.m.tracking_number

    @strawberry.field
    def label_url(self) -> str | None:
        return self.m.label_url

    @strawberry.field(description="Where the packing slip PDF is served (authorised GET).")
    def packing_slip_url(self) -> str | None:
        return self.m.packing_slip_url

    @strawberry.field(description="The parcel weight the label was made for.")
    def weight_grams(self) -> int | None:
        return self.m.weight_grams

    @strawberry.field
    def estimated_delivery(self) -> datetime | None:
        return self.m.estimated_delivery

    @strawberry.field(description="When the order promised delivery (from the order).")
    async def promised_delivery(self, info: Info) -> datetime | None:
        return (await info.context.loaders.order.load(self.m.order_id)).promised_delivery

    @strawberry.field(description="Delivered after the promise, or not delivered and the "
                                  "promise passed or the estimate falls after it; false "
                                  "without a promise.")
    async def late(self, info: Info) -> bool:
        order = await info.context.loaders.order.load(self.m.order_id)
        return lateness.is_late(status=self.m.status, promised=order.promised_delivery,
                                delivered_at=self.m.delivered_at,
                                estimated=self.m.estimated_delivery, at=clock.now())

    @strawberry.field(description="Carrier scans, oldest first.")
    async def events(self, info: Info) -> list[TrackingEventType]:
        return [TrackingEventType(m=t) for t in
                await info.context.loaders.tracking_of_shipment.load(self.m.id)]

    @strawberry.field
    def shipped_at(self) -> datetime | None:
        return self.m.shipped_at

    @strawberry.field
    def delivered_at(self) -> datetime | None:
        return self.m.delivered_at
