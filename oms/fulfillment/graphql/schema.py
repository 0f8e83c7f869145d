from __future__ import annotations

from datetime import datetime

import strawberry

from oms.auth.tokens import Role
from oms.core import ids
from oms.fulfillment import service, tracking
from oms.graphql.context import OPERATORS, READERS, Info, customer_scope, require
from oms.graphql.errors import UserError, attempt

from .types import ShipmentStatus, ShipmentType


@strawberry.input
class ShipmentTrackingInput:
    shipment_id: strawberry.ID | None = None
    tracking_number: str | None = None
    status: ShipmentStatus
    description: str | None = None
    location: str | None = None
    occurred_at: datetime | None = None
    estimated_delivery: datetime | None = None
    event_id: str | None = strawberry.field(
        default=None, description="The scan's id at its source: the same id twice is "
                                  "recorded once.")


@strawberry.type
class ShipmentPayload:
    shipment: ShipmentType | None
    user_errors: list[UserError]


def _shipment_id(id: strawberry.ID) -> int:
    return ids.decode("Shipment", id) or 0


async def _payload(call) -> ShipmentPayload:
    shipment, errors = await attempt(call)
    return ShipmentPayload(shipment=ShipmentType(m=shipment) if shipment else None,
                           user_errors=errors)


@strawberry.type
class FulfillmentQuery:
    @strawberry.field
    async def shipment(self, info: Info, id: strawberry.ID) -> ShipmentType | None:
        actor = require(info, *READERS, Role.CUSTOMER)
        pk = ids.decode("Shipment", id)
        shipment = await info.context.loaders.shipment.load(pk) if pk else None
        if shipment is None:
            return None
        own = customer_scope(actor)
        if own is not None:
            order = await info.context.loaders.order.load(shipment.order_id)
            if order.customer_id != own:
                return None
        return ShipmentType(m=shipment)


@strawberry.type
class FulfillmentMutation:
    @strawberry.mutation
    async def shipment_pick(self, info: Info, id: strawberry.ID) -> ShipmentPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: service.pick(_shipment_id(id), actor=actor.label))

    @strawberry.mutation
    async def shipment_pack(self, info: Info, id: strawberry.ID) -> ShipmentPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: service.pack(_shipment_id(id), actor=actor.label))

    @strawberry.mutation
    async def shipment_ship(self, info: Info, id: strawberry.ID) -> ShipmentPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: service.ship(_shipment_id(id), actor=actor.label))

    @strawberry.mutation
    async def shipment_tracking_record(self, info: Info,
                                       input: ShipmentTrackingInput) -> ShipmentPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: tracking.record_scan(
            shipment_id=_shipment_id(input.shipment_id) if input.shipment_id is not None else None,
            tracking_number=input.tracking_number, status=input.status.value,
            description=input.description, location=input.location,
            occurred_at=input.occurred_at, estimated_delivery=input.estimated_delivery,
            dedupe_key=input.event_id, actor=actor.label))
