from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from oms.catalog.graphql.types import ChannelType, ProductType
from oms.core import ids
from oms.events.record import EventRecord
from oms.graphql.common import Address, Money
from oms.graphql.context import Info
from oms.graphql.pagination import PageInfo
from oms.orders import lifecycle, models, queries, risk, sources
from oms.orders.queries import OrderFilter
from oms.orders.numbers import format_number

if TYPE_CHECKING:
    from oms.customers.graphql.types import CustomerType
    from oms.fulfillment.graphql.routing import RoutingDecisionType
    from oms.fulfillment.graphql.types import ShipmentType
    from oms.notifications.graphql.types import NotificationType
    from oms.payments.graphql.types import PaymentType, ReceivablesType
    from oms.returns.graphql.types import ReturnType

OrderStatus = strawberry.enum(lifecycle.OrderStatus, name="OrderStatus")


OrderSourceEnum = strawberry.enum(sources.OrderSource, name="OrderSource")
PaymentStatus = strawberry.enum(sources.PaymentStatus, name="PaymentStatus")
RiskCodeEnum = strawberry.enum(risk.RiskCode, name="RiskCode")


@strawberry.type
class DeliveryWindow:
    earliest: datetime | None
    latest: datetime | None


@strawberry.type(name="OrderEvent")
class OrderEventType:
    r: strawberry.Private[EventRecord]

    @strawberry.field
    def type(self) -> str:
        return self.r.type

    @strawberry.field
    def from_status(self) -> OrderStatus | None:
        f = self.r.payload.get("from")
        return OrderStatus(f) if f else None

    @strawberry.field
    def to_status(self) -> OrderStatus | None:
        t = self.r.payload.get("to")
        return OrderStatus(t) if t else None

    @strawberry.field
    def message(self) -> str | None:
        return self.r.payload.get("message")

    @strawberry.field
    def actor(self) -> str | None:
        return self.r.payload.get("actor")

    @strawberry.field
    def at(self) -> datetime:
        assert self.r.created_at is not None
        return self.r.created_at


async def load_order_line(info: Info, order_line_id: int) -> "OrderLineType":
    """An order line by id, in its order's currency (shipment, routing and
    return lines all point at one), through the request's loaders."""
    line = await info.context.loaders.order_line.load(order_line_id)
    order = await info.context.loaders.order.load(line.order_id)
    return OrderLineType(m=line, currency=order.currency)


@strawberry.type(name="OrderLine")
class OrderLineType:
    m: strawberry.Private[models.OrderLine]
    currency: strawberry.Private[str]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(ids.encode("OrderLine", self.m.id))

    @strawberry.field
    def sku(self) -> str:
        return self.m.sku

    @strawberry.field
    async def product(self, info: Info) -> ProductType | None:
        p = await info.context.loaders.product.load(self.m.product_id)
        return ProductType(m=p) if p else None

    @strawberry.field
    def quantity(self) -> int:
        return self.m.quantity

    @strawberry.field
    def unit_price(self) -> Money:
        return Money(amount=self.m.unit_price, currency=self.currency)

    @strawberry.field
    def total(self) -> Money:
        return Money(amount=self.m.total, currency=self.currency)

    @strawberry.field(description="The channel's list price, when this line was priced "
                                  "away from it (see priceOverrideReason).")
    def list_price(self) -> Money | None:
        if self.m.list_price is None:
            return None
        return Money(amount=self.m.list_price, currency=self.currency)

    @strawberry.field(description="Why staff (or an import) priced this line away from the "
                                  "channel's price list.")
    def price_override_reason(self) -> str | None:
        return self.m.price_override_reason

    @strawberry.field
    def quantity_shipped(self) -> int:
        return self.m.quantity_shipped

    @strawberry.field
    def quantity_returned(self) -> int:
        return self.m.quantity_returned


@strawberry.type(name="Order")
class OrderType:
    m: strawberry.Private[models.Order]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(ids.encode("Order", self.m.id))

    @strawberry.field(description="Human readable, such as WEB-000042.")
    async def number(self, info: Info) -> str:
        ch = await info.context.loaders.channel.load(self.m.channel_id)
        return format_number(ch.code, self.m.id)

    @strawberry.field
    async def channel(self, info: Info) -> ChannelType:
        return ChannelType(m=await info.context.loaders.channel.load(self.m.channel_id))

    @strawberry.field
    def source(self) -> OrderSourceEnum:  # type: ignore[valid-type]
        return OrderSourceEnum(self.m.source)

    @strawberry.field
    def status(self) -> OrderStatus:
        return OrderStatus(self.m.status)

    @strawberry.field
    def payment_status(self) -> PaymentStatus:
        return PaymentStatus(self.m.payment_status)

    @strawberry.field
    async def customer(self, info: Info) -> Annotated[
            "CustomerType", strawberry.lazy("oms.customers.graphql.types")]:
        from oms.customers.graphql.types import CustomerType
        return CustomerType(m=await info.context.loaders.customer.load(self.m.customer_id))

    @strawberry.field
    async def lines(self, info: Info) -> list[OrderLineType]:
        lines = await info.context.loaders.lines_of_order.load(self.m.id)
        return [OrderLineType(m=ln, currency=self.m.currency) for ln in lines]

    @strawberry.field
    def shipping_address(self) -> Address:
        return Address.of(self.m.shipping_address)  # type: ignore[return-value]

    @strawberry.field
    def shipping_method(self) -> str | None:
        return self.m.shipping_method

    @strawberry.field
    def delivery_window(self) -> DeliveryWindow | None:
        if not (self.m.delivery_earliest or self.m.delivery_latest):
            return None
        return DeliveryWindow(earliest=self.m.delivery_earliest, latest=self.m.delivery_latest)

    @strawberry.field
    def instructions(self) -> str | None:
        return self.m.instructions

    @strawberry.field
    def external_reference(self) -> str | None:
        return self.m.external_reference

    @strawberry.field(description="Why capture put the order ON_HOLD: risk reason codes. "
                                  "Cleared when the hold is released.")
    def hold_reasons(self) -> list[RiskCodeEnum]:  # type: ignore[valid-type]
        return [RiskCodeEnum(c) for c in self.m.hold_reasons or []]

    @strawberry.field(description="End of the day the order must leave the warehouse by, "
                                  "from the channel's shipping method.")
    def ship_by(self) -> datetime | None:
        return self.m.ship_by

    @strawberry.field(description="End of the day the customer is promised delivery by.")
    def promised_delivery(self) -> datetime | None:
        return self.m.promised_delivery

    @strawberry.field(description="A confirmed order is routed to its locations at this "
                                  "time (its ship-after date); null once routed.")
    def route_after(self) -> datetime | None:
        return self.m.route_after

    @strawberry.field(description="An unconfirmed order is cancelled, and its stock "
                                  "released, at this time unless confirmed before.")
    def expires_at(self) -> datetime | None:
        return self.m.expires_at

    @strawberry.field(description="The payment's reference at the gateway or marketplace.")
    def payment_reference(self) -> str | None:
        return self.m.payment_reference

    @strawberry.field
    def subtotal(self) -> Money:
        return Money(amount=self.m.subtotal, currency=self.m.currency)

    @strawberry.field
    def shipping_total(self) -> Money:
        return Money(amount=self.m.shipping_total, currency=self.m.currency)

    @strawberry.field
    def tax_total(self) -> Money:
        return Money(amount=self.m.tax_total, currency=self.m.currency)

    @strawberry.field
    def total(self) -> Money:
        return Money(amount=self.m.total, currency=self.m.currency)

    @strawberry.field(description="What one unit of the order's currency was worth in the "
                                  "shop's base currency when the order was placed (1 in the "
                                  "base currency); customer figures convert with it.")
    def fx_rate(self) -> Decimal:
        return Decimal(str(self.m.fx_rate))

    @strawberry.field
    async def shipments(self, info: Info) -> list[Annotated[
            "ShipmentType", strawberry.lazy("oms.fulfillment.graphql.types")]]:
        from oms.fulfillment.graphql.types import ShipmentType
        return [ShipmentType(m=s) for s in
                await info.context.loaders.shipments_of_order.load(self.m.id)]

    @strawberry.field(description="The order's returns, oldest first.")
    async def returns(self, info: Info) -> list[Annotated[
            "ReturnType", strawberry.lazy("oms.returns.graphql.types")]]:
        from oms.returns.graphql.types import ReturnType
        return [ReturnType(m=r) for r in
                await info.context.loaders.returns_of_order.load(self.m.id)]

    @strawberry.field(description="The order's payments and their gateway calls.")
    async def payments(self, info: Info) -> list[Annotated[
            "PaymentType", strawberry.lazy("oms.payments.graphql.types")]]:
        from oms.payments.graphql.types import payments_of
        return await payments_of(info, self.m.id)

    @strawberry.field(description="The accounts-receivable ledger of the order: invoices, "
                                  "payments, credit notes, refunds and what is outstanding.")
    async def receivables(self, info: Info) -> Annotated[
            "ReceivablesType", strawberry.lazy("oms.payments.graphql.types")]:
        from oms.payments.graphql.types import receivables_of
        return await receivables_of(info, self.m.id, self.m.currency)

    @strawberry.field(description="Receipts and shipping and delivery notices sent (or "
                                  "recorded) for the customer, oldest first.")
    async def notifications(self, info: Info) -> list[Annotated[
            "NotificationType", strawberry.lazy("oms.notifications.graphql.types")]]:
        from oms.notifications.graphql.types import notifications_of
        return await notifications_of(info, self.m.id)

    @strawberry.field(description="Where the order was routed and why, one per attempt "
                                  "(a rejected shipment routes what it held again).")
    async def routing_decisions(self, info: Info) -> list[Annotated[
            "RoutingDecisionType", strawberry.lazy("oms.fulfillment.graphql.routing")]]:
        from oms.fulfillment.graphql.routing import RoutingDecisionType
        return [RoutingDecisionType(m=d) for d in
                await info.context.loaders.routing_decisions_of_order.load(self.m.id)]

    @strawberry.field(description="Every status change, oldest first.")
    async def events(self, info: Info) -> list[OrderEventType]:
        return [OrderEventType(r=r) for r in
                await info.context.loaders.events_of_order.load(self.m.id)]

    @strawberry.field
    def placed_at(self) -> datetime:
        return self.m.placed_at

    @strawberry.field
    def updated_at(self) -> datetime:
        return self.m.updated_at


@strawberry.type
class OrderEdge:
    cursor: str
    node: OrderType


@strawberry.type
class OrderConnection:
    edges: list[OrderEdge]
    page_info: PageInfo
    query: strawberry.Private[OrderFilter]

    @strawberry.field(description="Orders matching the filter (costs one count query).")
    async def total_count(self) -> int:
        return await queries.count(self.query)
