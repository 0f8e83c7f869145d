"""The read side of payments: an order's payment, and DataLoader batch
functions (oms.graphql.loaders)."""
from __future__ import annotations

from decimal import Decimal

from oms.core.batches import grouped_by

from . import accounts
from .accounts import Figures
from .models import Payment, PaymentTransaction, ReceivableEntry


async def payment_of(order_id: int) -> Payment | None:
    """The order's payment (its latest, should there be more than one)."""
    return await Payment.filter(order_id=order_id).order_by("-id").first()


async def payments_of_orders(order_ids: list[int]) -> list[list[Payment]]:
    return await grouped_by(Payment, "order_id", order_ids)


async def transactions_of_payments(payment_ids: list[int]) -> list[list[PaymentTransaction]]:
    return await grouped_by(PaymentTransaction, "payment_id", payment_ids)


async def receivables_of_orders(
        order_ids: list[int]) -> list[tuple[Figures, list[ReceivableEntry]]]:
    """Each order's figures and entries, from one query."""
    return [(accounts.figures((e.kind, Decimal(str(e.amount))) for e in rows), rows)
            for rows in await grouped_by(ReceivableEntry, "order_id", order_ids)]
