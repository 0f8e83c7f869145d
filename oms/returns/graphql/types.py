"""GraphQL types of returns. Resolvers read through the request's loaders."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Awaitable, Callable

import strawberry

from oms.catalog.graphql.types import LocationType
from oms.core import ids
from oms.events.record import EventRecord
from oms.fulfillment.graphql.types import TrackingEventType
from oms.graphql.common import Money
from oms.graphql.context import Info
from oms.graphql.errors import UserError, attempt
from oms.returns import lifecycle, models
from oms.returns.policy import Policy

if TYPE_CHECKING:
    from oms.orders.graphql.types import OrderLineType, OrderType

ReturnStatus = strawberry.enum(lifecycle.ReturnStatus, name="ReturnStatus")
ReturnReason = strawberry.enum(lifecycle.ReturnReason, name="ReturnReason")
ReturnResolution = strawberry.enum(lifecycle.ReturnResolution, name="ReturnResolution")
ItemCondition = strawberry.enum(lifecycle.ItemCondition, name="ItemCondition")
ReturnShippingPayer = strawberry.enum(lifecycle.ReturnShippingPayer,
                                      name="ReturnShippingPayer")

MIXED = "MIXED"


@strawberry.type(name="ReturnPolicy")
class ReturnPolicyType:
    p: strawberry.Private[Policy]
    currency: strawberry.Private[str]

    @strawberry.field(description="Days from a line's delivery during which it may be "
                                  "returned.")
    def window_days(self) -> int:
        return self.p.window_days

    @strawberry.field
    def final_sale_skus(self) -> list[str]:
        return sorted(self.p.final_sale_skus)

    @strawberry.field
    def return_shipping_payer(self) -> ReturnShippingPayer:
        return ReturnShippingPayer(self.p.return_shipping_payer.value)

    @strawberry.field(description="What a CUSTOMER-paid return label costs (taken off the "
                                  "refund).")
    def return_shipping_fee(self) -> Money:
        return Money(amount=self.p.return_shipping_fee, currency=self.currency)

    @strawberry.field(description="Whether returning everything delivered also refunds the "
                                  "original shipping.")
    def refund_original_shipping(self) -> bool:
        return self.p.refund_original_shipping

    @strawberry.field(description="The location code return parcels go to; null: the "
                                  "location that shipped the first returned line.")
    def return_location(self) -> str | None:
        return self.p.return_location

    @strawberry.field(description="The return label's carrier; null: the first registered "
                                  "carrier.")
    def carrier(self) -> str | None:
        return self.p.carrier

    @strawberry.field(description="The carrier's service; null: its first (cheapest).")
    def service(self) -> str | None:
        return self.p.service


@strawberry.type(name="ReturnLineReceipt")
class ReturnLineReceipt:
    resalable: int
    damaged: int
    missing: int


@strawberry.type(name="ReturnLine")
class ReturnLineType:
    m: strawberry.Private[models.ReturnLine]

    @strawberry.field
    async def order_line(self, info: Info) -> Annotated[
            "OrderLineType", strawberry.lazy("oms.orders.graphql.types")]:
        from oms.orders.graphql.types import load_order_line
        return await load_order_line(info, self.m.order_line_id)

    @strawberry.field
    def quantity(self) -> int:
        return self.m.quantity

    @strawberry.field(description="One of the ReturnReason values.")
    def reason(self) -> str | None:
        return self.m.reason

    @strawberry.field(description="What inspection found: RESALABLE, DAMAGED or MISSING when "
                                  "all units agree, MIXED otherwise; null until received.")
    def condition(self) -> str | None:
        found = [c for c, n in (("RESALABLE", self.m.quantity_resalable),
                                ("DAMAGED", self.m.quantity_damaged),
                                ("MISSING", self.m.quantity_missing)) if n]
        if not found:
            return None
        return found[0] if len(found) == 1 else MIXED

    @strawberry.field(description="Some units went back into sellable stock.")
    def restocked(self) -> bool:
        return self.m.quantity_resalable > 0

    @strawberry.field(description="Units found per condition; null until received.")
    def received(self) -> ReturnLineReceipt | None:
        m = self.m
        if not (m.quantity_resalable or m.quantity_damaged or m.quantity_missing):
            return None
        return ReturnLineReceipt(resalable=m.quantity_resalable, damaged=m.quantity_damaged,
                                 missing=m.quantity_missing)

    @strawberry.field(description="For an exchange: the SKU sent instead (null: the same).")
    def exchange_sku(self) -> str | None:
        return self.m.exchange_sku


@strawberry.type(name="Return")
class ReturnType:
    m: strawberry.Private[models.Return]
    # Set when delivered by returnUpdated: the status change it reports.
    record: strawberry.Private[EventRecord | None] = None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(ids.encode("Return", self.m.id))

    @strawberry.field(description="The order number, -R and the order's return count, such "
                                  "as WEB-000042-R1.")
    def number(self) -> str:
        return self.m.number

    @strawberry.field
    async def order(self, info: Info) -> Annotated[
            "OrderType", strawberry.lazy("oms.orders.graphql.types")]:
        from oms.orders.graphql.types import OrderType
        return OrderType(m=await info.context.loaders.order.load(self.m.order_id))

    @strawberry.field(description="The return's status; in a returnUpdated event, the status "
                                  "that event moved it to.")
    def status(self) -> ReturnStatus:
        if self.record is not None:
            return ReturnStatus(self.record.payload["to"])
        return ReturnStatus(self.m.status)

    @strawberry.field
    def resolution(self) -> ReturnResolution:
        return ReturnResolution(self.m.resolution)

    @strawberry.field
    async def lines(self, info: Info) -> list[ReturnLineType]:
        return [ReturnLineType(m=ln) for ln in
                await info.context.loaders.lines_of_return.load(self.m.id)]

    @strawberry.field
    def comment(self) -> str | None:
        return self.m.comment

    @strawberry.field
    def reject_reason(self) -> str | None:
        return self.m.reject_reason

    @strawberry.field(description="Where the return label PDF is served (authorised GET).")
    def label_url(self) -> str | None:
        return self.m.label_url

    @strawberry.field
    def tracking_number(self) -> str | None:
        return self.m.tracking_number

    @strawberry.field
    def carrier(self) -> str | None:
        return self.m.carrier

    @strawberry.field
    def service(self) -> str | None:
        return self.m.service

    @strawberry.field
    def estimated_delivery(self) -> datetime | None:
        return self.m.estimated_delivery

    @strawberry.field(description="The return parcel's carrier scans, oldest first.")
    async def events(self, info: Info) -> list[TrackingEventType]:
        return [TrackingEventType(m=t) for t in  # type: ignore[arg-type]
                await info.context.loaders.tracking_of_return.load(self.m.id)]

    @strawberry.field(description="Where the parcel is addressed (set on approval).")
    async def destination(self, info: Info) -> LocationType | None:
        if self.m.destination_id is None:
            return None
        return LocationType(m=await info.context.loaders.location.load(self.m.destination_id))

    @strawberry.field(description="Where the units were taken in.")
    async def received_location(self, info: Info) -> LocationType | None:
        if self.m.received_location_id is None:
            return None
        return LocationType(m=await info.context.loaders.location.load(
            self.m.received_location_id))

    @strawberry.field(description="The return shipping fee the customer pays (0 when the "
                                  "merchant does).")
    async def shipping_fee(self, info: Info) -> Money:
        order = await info.context.loaders.order.load(self.m.order_id)
        return Money(amount=Decimal(self.m.shipping_fee), currency=order.currency)

    @strawberry.field
    async def refund_total(self, info: Info) -> Money | None:
        if self.m.refund_total is None:
            return None
        order = await info.context.loaders.order.load(self.m.order_id)
        return Money(amount=Decimal(self.m.refund_total), currency=order.currency)

    @strawberry.field
    async def exchange_order(self, info: Info) -> Annotated[
            "OrderType", strawberry.lazy("oms.orders.graphql.types")] | None:
        from oms.orders.graphql.types import OrderType
        if self.m.exchange_order_id is None:
            return None
        return OrderType(m=await info.context.loaders.order.load(self.m.exchange_order_id))

    @strawberry.field
    def created_at(self) -> datetime:
        return self.m.created_at

    @strawberry.field
    def updated_at(self) -> datetime:
        return self.m.updated_at

    @strawberry.field
    def approved_at(self) -> datetime | None:
        return self.m.approved_at

    @strawberry.field
    def received_at(self) -> datetime | None:
        return self.m.received_at

    @strawberry.field(description="The event's cursor when delivered by returnUpdated (pass "
                                  "it as `after` to resume); null elsewhere.")
    def cursor(self) -> str | None:
        return str(self.record.id) if self.record is not None else None


@strawberry.type
class ReturnPayload:
    return_: ReturnType | None = strawberry.field(name="return")
    user_errors: list[UserError]


async def return_payload(call: Callable[[], Awaitable[models.Return]]) -> ReturnPayload:
    """Run a use case; the return, or its refusal as userErrors."""
    ret, errors = await attempt(call)
    return ReturnPayload(return_=ReturnType(m=ret) if ret is not None else None,
                         user_errors=errors)


def return_id(id: strawberry.ID) -> int:
    """An id of another type is as unknown as a missing return."""
    return ids.decode("Return", id) or 0
