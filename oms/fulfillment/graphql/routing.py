"""Routing over GraphQL: a channel's strategy, locations' daily capacity, the
decisions recorded on an order, and a location rejecting a shipment.
Resolvers translate; oms.fulfillment.routing / rejection decide."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from oms.catalog.graphql.types import LocationType
from oms.fulfillment import models, rejection, routing, routing_settings
from oms.graphql.context import OPERATORS, READERS, SETUP, Info, require
from oms.graphql.errors import UserError, attempt

from .schema import ShipmentPayload, _payload, _shipment_id

if TYPE_CHECKING:
    from oms.orders.graphql.types import OrderLineType

RoutingCriterion = strawberry.enum(routing.Criterion, name="RoutingCriterion", description=(
    "PROXIMITY and LOCATION_PRIORITY order a channel's locations, in the order listed (the "
    "channel's priority breaks ties); FEWEST_SHIPMENTS splits an order no single location "
    "fills over the fewest locations; DROP_SHIP_FIRST sends a SKU a SUPPLIER location can "
    "give whole to that supplier."))
RoutingReasonCode = strawberry.enum(routing.ReasonCode, name="RoutingReasonCode")


RoutingOutcome = strawberry.enum(routing.Outcome, name="RoutingOutcome")


@strawberry.type(name="RoutingStrategy")
class RoutingStrategyType:
    criteria: list[RoutingCriterion]  # type: ignore[valid-type]
    safety_stock: int = strawberry.field(description=(
        "Units routing keeps back at every location: a location gives a SKU only what "
        "leaves at least this many available."))

    @classmethod
    def of(cls, s: routing.Strategy) -> "RoutingStrategyType":
        return cls(criteria=[RoutingCriterion(c) for c in s.criteria],  # type: ignore[misc]
                   safety_stock=s.safety_stock)

    @classmethod
    def from_json(cls, data: Any) -> "RoutingStrategyType":
        # Stored as validated; read leniently so an old row never breaks a page.
        data = data or {}
        known = [c for c in data.get("criteria", []) if c in routing.Criterion.__members__]
        return cls(criteria=[RoutingCriterion(c) for c in known],  # type: ignore[misc]
                   safety_stock=int(data.get("safetyStock") or 0))


@strawberry.type(name="RoutingReason")
class RoutingReasonType:
    d: strawberry.Private[dict]

    @strawberry.field
    def code(self) -> RoutingReasonCode:  # type: ignore[valid-type]
        return RoutingReasonCode(self.d["code"])  # type: ignore[misc]

    @strawberry.field
    def message(self) -> str:
        return self.d["message"]

    @strawberry.field
    async def location(self, info: Info) -> LocationType | None:
        loc_id = self.d.get("locationId")
        found = await info.context.loaders.location.load(loc_id) if loc_id else None
        return LocationType(m=found) if found else None


@strawberry.type(name="RoutingAssignmentLine")
class RoutingAssignmentLineType:
    d: strawberry.Private[dict]

    @strawberry.field
    async def order_line(self, info: Info) -> Annotated[
            "OrderLineType", strawberry.lazy("oms.orders.graphql.types")]:
        from oms.orders.graphql.types import load_order_line
        return await load_order_line(info, self.d["orderLineId"])

    @strawberry.field
    def quantity(self) -> int:
        return self.d["quantity"]


@strawberry.type(name="RoutingAssignment")
class RoutingAssignmentType:
    d: strawberry.Private[dict]

    @strawberry.field
    async def location(self, info: Info) -> LocationType:
        return LocationType(m=await info.context.loaders.location.load(self.d["locationId"]))

    @strawberry.field
    def lines(self) -> list[RoutingAssignmentLineType]:
        return [RoutingAssignmentLineType(d=ln) for ln in self.d["lines"]]


@strawberry.type(name="RoutingDecision")
class RoutingDecisionType:
    m: strawberry.Private[models.RoutingDecision]

    @strawberry.field(description="1 when the order was first routed; one more per re-routing.")
    def attempt(self) -> int:
        return self.m.attempt

    @strawberry.field
    def outcome(self) -> RoutingOutcome:  # type: ignore[valid-type]
        return RoutingOutcome(self.m.outcome)  # type: ignore[misc]

    @strawberry.field
    def strategy(self) -> RoutingStrategyType:
        return RoutingStrategyType.from_json(self.m.strategy)

    @strawberry.field(description="Units per location, in the order chosen; empty when HELD.")
    def assignments(self) -> list[RoutingAssignmentType]:
        return [RoutingAssignmentType(d=a) for a in self.m.assignments or []]

    @strawberry.field
    def reasons(self) -> list[RoutingReasonType]:
        return [RoutingReasonType(d=r) for r in self.m.reasons or []]

    @strawberry.field
    def actor(self) -> str | None:
        return self.m.actor

    @strawberry.field
    def at(self) -> datetime:
        return self.m.created_at


@strawberry.input
class RoutingStrategyInput:
    criteria: list[RoutingCriterion]  # type: ignore[valid-type]
    safety_stock: int | None = 0


@strawberry.type
class ChannelRoutingStrategyPayload:
    strategy: RoutingStrategyType | None
    user_errors: list[UserError]


@strawberry.type
class LocationCapacityPayload:
    location: LocationType | None
    daily_capacity: int | None
    user_errors: list[UserError]


@strawberry.type
class RoutingQuery:
    @strawberry.field(description="How a channel routes confirmed orders to its locations.")
    async def channel_routing_strategy(self, info: Info,
                                       channel: str) -> RoutingStrategyType | None:
        require(info, *READERS)
        found = await info.context.loaders.channel_by_code.load(channel)
        if found is None:
            return None
        return RoutingStrategyType.of(routing.strategy_from_dict(found.routing_strategy))


@strawberry.type
class RoutingMutation:
    @strawberry.mutation(description="Set how a channel routes orders (admin); a null input "
                                     "restores the default (LOCATION_PRIORITY).")
    async def channel_routing_strategy_set(
            self, info: Info, channel: str,
            input: RoutingStrategyInput | None) -> ChannelRoutingStrategyPayload:
        require(info, *SETUP)
        data = None if input is None else {
            "criteria": [c.value for c in input.criteria], "safetyStock": input.safety_stock}
        saved, errors = await attempt(lambda: routing_settings.set_strategy(channel, data))
        return ChannelRoutingStrategyPayload(
            strategy=RoutingStrategyType.of(saved) if saved else None, user_errors=errors)

    @strawberry.mutation(description="Orders a location may be routed per day, from midnight "
                                     "UTC (admin); null: no limit.")
    async def location_capacity_set(self, info: Info, location: str,
                                    daily_capacity: int | None) -> LocationCapacityPayload:
        require(info, *SETUP)
        loc, errors = await attempt(lambda: routing_settings.set_capacity(location,
                                                                          daily_capacity))
        return LocationCapacityPayload(location=LocationType(m=loc) if loc else None,
                                       daily_capacity=loc.daily_capacity if loc else None,
                                       user_errors=errors)

    @strawberry.mutation(description="The location refuses a shipment not yet shipped: it is "
                                     "cancelled and what it held is routed to the next "
                                     "location that can fill it, or the order is held "
                                     "(NO_LOCATION_CAN_FILL).")
    async def shipment_reject(self, info: Info, id: strawberry.ID,
                              reason: str) -> ShipmentPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: rejection.reject_shipment(
            _shipment_id(id), reason=reason, actor=actor.label))
