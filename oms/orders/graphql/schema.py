"""Orders: queries and mutations. Resolvers translate; services decide."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from functools import partial

import strawberry

from oms.auth.tokens import Role
from oms.core import ids
from oms.graphql.common import AddressInput
from oms.graphql.context import OPERATORS, READERS, Info, customer_scope, require
from oms.graphql.errors import UserError, attempt
from oms.graphql.pagination import keyset_page
from oms.orders import queries, service
from oms.orders.models import Order
from oms.orders.queries import OrderFilter
from oms.payments import service as payments

from .types import (OrderConnection, OrderEdge, OrderSourceEnum, OrderStatus, OrderType,
                    PaymentStatus, RiskCodeEnum)


@strawberry.enum
class OrderSortField(Enum):
    PLACED_AT = "PLACED_AT"
    TOTAL = "TOTAL"
    NUMBER = "NUMBER"
    UPDATED_AT = "UPDATED_AT"


@strawberry.enum
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.input
class OrderFilterInput:
    status: list[OrderStatus] | None = None
    channel: str | None = None
    customer_id: strawberry.ID | None = None
    placed_from: datetime | None = None
    placed_to: datetime | None = None
    search: str | None = None
    hold_reason: RiskCodeEnum | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Orders held for this risk reason (with status ON_HOLD: "
                                  "the holds list).")


@strawberry.input
class OrderOrderBy:
    field: OrderSortField = OrderSortField.PLACED_AT
    direction: SortDirection = SortDirection.DESC


@strawberry.input
class CustomerInput:
    email: str
    name: str | None = None
    phone: str | None = None


@strawberry.input
class OrderLineInput:
    sku: str
    quantity: int
    unit_price: Decimal | None = strawberry.field(
        default=None, description="Staff only: a price other than the channel's; needs "
                                  "priceOverrideReason.")
    price_override_reason: str | None = None


@strawberry.input
class DeliveryWindowInput:
    earliest: datetime | None = None
    latest: datetime | None = None


@strawberry.input
class PaymentInput:
    gateway: str = strawberry.field(description=(
        "Without a status: the gateway that authorises the order total here, at placement "
        "(`test`, `manual`). With a status: where the money was taken (any name)."))
    token: str | None = strawberry.field(default=None, description=(
        "The card token for the gateway (the `test` gateway: tok_approve, tok_decline, "
        "tok_insufficient_funds, tok_timeout_after_charge, tok_timeout_before_charge)."))
    reference: str | None = strawberry.field(
        default=None, description="The payment's id where it was taken (a storefront's PSP, "
                                  "a marketplace).")
    status: PaymentStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="AUTHORIZED or CAPTURED when the money was already taken "
                                  "elsewhere (needs reference). Web orders with an authorised "
                                  "payment are confirmed at once.")


@strawberry.input
class OrderPlaceInput:
    channel: str
    source: OrderSourceEnum  # type: ignore[valid-type]
    customer: CustomerInput
    lines: list[OrderLineInput]
    shipping_address: AddressInput
    shipping_method: str | None = None
    delivery_window: DeliveryWindowInput | None = None
    instructions: str | None = None
    external_reference: str | None = None
    idempotency_key: str | None = None
    payment: PaymentInput | None = None
    ship_after: datetime | None = strawberry.field(
        default=None, description="Not to be routed (picked, shipped) before this time.")


@strawberry.type
class OrderPayload:
    order: OrderType | None
    user_errors: list[UserError]




async def orders_connection(info: Info, *, customer_id: int | None = None,
                            filter: OrderFilterInput | None = None,
                            order_by: OrderOrderBy | None = None,
                            first: int | None = None, after: str | None = None) -> OrderConnection:
    actor = require(info, *READERS, Role.CUSTOMER)
    own = customer_scope(actor)
    f = filter or OrderFilterInput()
    wanted_customer = customer_id
    if f.customer_id is not None:
        wanted_customer = ids.decode("Customer", f.customer_id) or -1
    if own is not None:
        # A customer sees only their own orders, whatever the filter says.
        wanted_customer = own if wanted_customer in (None, own) else -1
    query = OrderFilter(statuses=[s.value for s in f.status] if f.status else None,
                        channel=f.channel, customer_id=wanted_customer,
                        placed_from=f.placed_from, placed_to=f.placed_to, search=f.search,
                        hold_reason=f.hold_reason.value if f.hold_reason else None)
    ob = order_by or OrderOrderBy()
    sort = ob.field.value
    pairs, page_info = await keyset_page(
        partial(queries.page, query, sort=sort, descending=ob.direction is SortDirection.DESC),
        first=first, after=after, cursor_values=lambda o: queries.cursor_values(o, sort))
    return OrderConnection(edges=[OrderEdge(cursor=c, node=OrderType(m=o)) for c, o in pairs],
                           query=query, page_info=page_info)


async def visible_order(info: Info, order_id: int | None) -> Order | None:
    """The order if it exists and the caller may see it; a foreign order
    looks exactly like a missing one."""
    if order_id is None:
        return None
    actor = require(info, *READERS, Role.CUSTOMER)
    order = await info.context.loaders.order.load(order_id)
    if order is None:
        return None
    own = customer_scope(actor)
    if own is not None and order.customer_id != own:
        return None
    return order


@strawberry.type
class OrderQuery:
    @strawberry.field
    async def order(self, info: Info, id: strawberry.ID | None = None,
                    number: str | None = None) -> OrderType | None:
        require(info, *READERS, Role.CUSTOMER)
        if id is not None:
            order = await visible_order(info, ids.decode("Order", id))
        elif number is not None:
            found = await queries.by_number(number)
            order = await visible_order(info, found.id if found else None)
        else:
            order = None
        return OrderType(m=order) if order else None

    @strawberry.field
    async def orders(self, info: Info, filter: OrderFilterInput | None = None,
                     order_by: OrderOrderBy | None = None, first: int | None = None,
                     after: str | None = None) -> OrderConnection:
        return await orders_connection(info, filter=filter, order_by=order_by, first=first,
                                       after=after)


def _payment(p: PaymentInput | None) -> dict | None:
    if p is None:
        return None
    return {"gateway": p.gateway, "token": p.token, "reference": p.reference,
            "status": p.status.value if p.status else None}


def _order_id(id: strawberry.ID) -> int:
    # An id of the wrong type is as unknown as a missing order.
    return ids.decode("Order", id) or 0


async def _payload(call) -> OrderPayload:
    order, errors = await attempt(call)
    return OrderPayload(order=OrderType(m=order) if order else None, user_errors=errors)


@strawberry.type
class OrderMutation:
    @strawberry.mutation
    async def order_place(self, info: Info, input: OrderPlaceInput) -> OrderPayload:
        actor = require(info, *OPERATORS)
        window = input.delivery_window
        cmd = service.PlaceOrder(
            channel=input.channel, source=input.source.value,
            customer=service.CustomerInput(email=input.customer.email, name=input.customer.name,
                                           phone=input.customer.phone),
            lines=[service.LineInput(sku=ln.sku, quantity=ln.quantity, unit_price=ln.unit_price,
                                     price_override_reason=ln.price_override_reason)
                   for ln in input.lines],
            shipping_address=input.shipping_address.to_dict(),
            shipping_method=input.shipping_method,
            delivery_earliest=window.earliest if window else None,
            delivery_latest=window.latest if window else None,
            instructions=input.instructions, external_reference=input.external_reference,
            idempotency_key=input.idempotency_key,
            payment=_payment(input.payment), ship_after=input.ship_after)
        # Placed (and committed) first, then its payment authorised outside
        # any transaction; a decline comes back beside the cancelled order.
        authorised, errors = await attempt(
            lambda: payments.place_and_authorize(cmd, actor=actor.label))
        if authorised is None:
            return OrderPayload(order=None, user_errors=errors)
        placed = authorised.placement
        # The response usually shows the order's channel and customer: placement
        # already holds both, so the loaders need not read them again.
        loaders = info.context.loaders
        if placed.channel is not None:
            loaders.channel.prime(placed.channel.id, placed.channel)
        if placed.customer is not None:
            loaders.customer.prime(placed.customer.id, placed.customer)
        return OrderPayload(order=OrderType(m=placed.order),
                            user_errors=[UserError.of(e) for e in authorised.errors])

    @strawberry.mutation
    async def order_confirm(self, info: Info, id: strawberry.ID) -> OrderPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: service.confirm_order(_order_id(id), actor=actor.label))

    @strawberry.mutation
    async def order_hold(self, info: Info, id: strawberry.ID, reason: str) -> OrderPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: service.hold_order(_order_id(id), reason=reason,
                                                         actor=actor.label))

    @strawberry.mutation
    async def order_release_hold(self, info: Info, id: strawberry.ID) -> OrderPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: service.release_hold(_order_id(id), actor=actor.label))

    @strawberry.mutation
    async def order_cancel(self, info: Info, id: strawberry.ID,
                           reason: str | None = None) -> OrderPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: service.cancel_order(_order_id(id), reason=reason,
                                                           actor=actor.label))
