"""Resolving a received return: returnRefund and returnExchange (staff and
admin). Resolvers decode and translate; oms.returns.resolution decides."""
from __future__ import annotations

from decimal import Decimal

import strawberry

from oms.graphql.context import OPERATORS, Info, require
from oms.returns import resolution

from .types import ReturnPayload, return_id, return_payload


@strawberry.type
class ReturnResolutionMutation:
    @strawberry.mutation(description="REFUNDED: give the money back through the order's "
                                     "payment gateway. Without `amount`, the units back at "
                                     "their price with their share of tax (and the original "
                                     "shipping or less the label fee, per policy); an explicit "
                                     "amount (e.g. goodwill for missing units) is at most what "
                                     "is left to refund. Idempotent: a repeat refunds once.")
    async def return_refund(self, info: Info, id: strawberry.ID,
                            amount: Decimal | None = None) -> ReturnPayload:
        actor = require(info, *OPERATORS)
        return await return_payload(lambda: resolution.refund_return(
            return_id(id), amount=amount, actor=actor.label))

    @strawberry.mutation(description="EXCHANGED: place a replacement order for the units back "
                                     "(the exchange SKU or the same), at no charge, reserving "
                                     "stock; shown as the return's exchangeOrder. Idempotent.")
    async def return_exchange(self, info: Info, id: strawberry.ID) -> ReturnPayload:
        actor = require(info, *OPERATORS)
        return await return_payload(lambda: resolution.exchange_return(
            return_id(id), actor=actor.label))
