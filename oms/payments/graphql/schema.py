"""Payment mutations: refunds, and money marked as paid by hand. Resolvers
translate; oms.payments.service decides."""
from __future__ import annotations

from decimal import Decimal

import strawberry

from oms.core import ids
from oms.graphql.context import OPERATORS, Info, require
from oms.graphql.errors import UserError, attempt
from oms.orders.graphql.types import OrderType
from oms.payments import service

from .types import PaymentTransactionType, PaymentType


@strawberry.type
class PaymentPayload:
    order: OrderType | None
    payment: PaymentType | None
    transaction: PaymentTransactionType | None = strawberry.field(
        description="The gateway call this made (or, for a replayed key, the first one).")
    user_errors: list[UserError]


def _order_id(id: strawberry.ID) -> int:
    return ids.decode("Order", id) or 0


async def _payload(call) -> PaymentPayload:
    done, errors = await attempt(call)
    if done is None:
        return PaymentPayload(order=None, payment=None, transaction=None, user_errors=errors)
    return PaymentPayload(order=OrderType(m=done.order), payment=PaymentType(m=done.payment),
                          transaction=PaymentTransactionType(m=done.transaction,
                                                             currency=done.payment.currency),
                          user_errors=[])


@strawberry.type
class PaymentMutation:
    @strawberry.mutation(description="Record money received for an order paid by phone, "
                                     "email or invoice (the manual gateway), in instalments "
                                     "up to the order total.")
    async def payment_mark_paid(self, info: Info, order_id: strawberry.ID, amount: Decimal,
                                idempotency_key: str,
                                reference: str | None = None) -> PaymentPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: service.mark_paid(
            _order_id(order_id), amount=amount, reference=reference,
            idempotency_key=idempotency_key, actor=actor.label))

    @strawberry.mutation(description="Give back part of what was captured; never more than "
                                     "captured minus refunded.")
    async def payment_refund(self, info: Info, order_id: strawberry.ID, amount: Decimal,
                             idempotency_key: str, reason: str | None = None) -> PaymentPayload:
        actor = require(info, *OPERATORS)
        return await _payload(lambda: service.refund(
            _order_id(order_id), amount=amount, reason=reason,
            idempotency_key=idempotency_key, actor=actor.label))
