"""Return mutations: policy, request, approve, reject, withdraw, tracking,
receipt. Resolvers decode ids and translate; the use cases decide."""
from __future__ import annotations

import strawberry

from oms.auth.tokens import Role
from oms.catalog.models import Channel
from oms.core import ids
from oms.graphql.context import OPERATORS, SETUP, Info, customer_scope, require
from oms.graphql.errors import UserError, attempt
from oms.returns import receiving, service, tracking
from oms.returns.policy import ReceivedEntry, RequestedLine

from .inputs import ReturnPolicyInput, ReturnReceiveLineInput, ReturnRequestInput, \
    ReturnTrackingInput
from .types import ReturnPayload, ReturnPolicyType, return_id, return_payload


@strawberry.type
class ReturnPolicyPayload:
    policy: ReturnPolicyType | None
    user_errors: list[UserError]


def _line_id(id: strawberry.ID) -> int:
    return ids.decode("OrderLine", id) or 0


@strawberry.type
class ReturnMutation:
    @strawberry.mutation(description="Create or replace a channel's return policy (admin).")
    async def return_policy_set(self, info: Info, channel: str,
                                input: ReturnPolicyInput) -> ReturnPolicyPayload:
        actor = require(info, *SETUP)

        async def call():
            await service.set_policy(
                channel=channel, window_days=input.window_days,
                final_sale_skus=input.final_sale_skus,
                return_shipping_payer=input.return_shipping_payer.value,
                return_shipping_fee=input.return_shipping_fee,
                refund_original_shipping=input.refund_original_shipping,
                return_location=input.return_location, carrier=input.carrier,
                service=input.service, actor=actor.label)
            currency = (await Channel.filter(code=channel).values_list("currency", flat=True))[0]
            return ReturnPolicyType(p=await service.policy_for(channel), currency=currency)

        policy, errors = await attempt(call)
        return ReturnPolicyPayload(policy=policy, user_errors=errors)

    @strawberry.mutation(description="Ask to return delivered units of an order: a customer "
                                     "for their own orders, staff for any. Refused, changing "
                                     "nothing, outside the channel's return policy.")
    async def return_request(self, info: Info, input: ReturnRequestInput) -> ReturnPayload:
        actor = require(info, *OPERATORS, Role.CUSTOMER)
        lines = [RequestedLine(order_line_id=_line_id(ln.order_line_id), quantity=ln.quantity,
                               reason=ln.reason.value, exchange_sku=ln.exchange_sku)
                 for ln in input.lines]
        return await return_payload(lambda: service.request_return(
            order_id=ids.decode("Order", input.order_id) or 0, lines=lines,
            resolution=input.resolution.value, comment=input.comment,
            as_customer=customer_scope(actor), actor=actor.label))

    @strawberry.mutation(description="APPROVED, with a return label (PDF at labelUrl) and a "
                                     "tracking number.")
    async def return_approve(self, info: Info, id: strawberry.ID) -> ReturnPayload:
        actor = require(info, *OPERATORS)
        return await return_payload(lambda: service.approve_return(return_id(id),
                                                                   actor=actor.label))

    @strawberry.mutation
    async def return_reject(self, info: Info, id: strawberry.ID, reason: str) -> ReturnPayload:
        actor = require(info, *OPERATORS)
        return await return_payload(lambda: service.reject_return(
            return_id(id), reason=reason, actor=actor.label))

    @strawberry.mutation(description="CLOSED: a customer withdraws their own REQUESTED or "
                                     "APPROVED return; staff may also close a RECEIVED one.")
    async def return_cancel(self, info: Info, id: strawberry.ID) -> ReturnPayload:
        actor = require(info, *OPERATORS, Role.CUSTOMER)
        return await return_payload(lambda: service.cancel_return(
            return_id(id), as_customer=customer_scope(actor), actor=actor.label))

    @strawberry.mutation(description="A scan of the return parcel (by returnId or "
                                     "trackingNumber); applied once, kept in time order.")
    async def return_tracking_record(self, info: Info,
                                     input: ReturnTrackingInput) -> ReturnPayload:
        actor = require(info, *OPERATORS)
        return await return_payload(lambda: tracking.record_scan(
            return_id=return_id(input.return_id) if input.return_id is not None else None,
            tracking_number=input.tracking_number, status=input.status.value,
            description=input.description, location=input.location,
            occurred_at=input.occurred_at, estimated_delivery=input.estimated_delivery,
            dedupe_key=input.event_id, actor=actor.label))

    @strawberry.mutation(description="Inspect the parcel: every expected unit RESALABLE "
                                     "(back into the location's stock), DAMAGED (on hand as "
                                     "damaged) or MISSING; several entries per line allowed.")
    async def return_receive(self, info: Info, id: strawberry.ID,
                             lines: list[ReturnReceiveLineInput],
                             location: str) -> ReturnPayload:
        actor = require(info, *OPERATORS)
        entries = [ReceivedEntry(order_line_id=_line_id(ln.order_line_id),
                                 quantity=ln.quantity, condition=ln.condition.value)
                   for ln in lines]
        return await return_payload(lambda: receiving.receive_return(
            return_id(id), lines=entries, location=location, actor=actor.label))
