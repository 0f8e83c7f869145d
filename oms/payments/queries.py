"""The read side of payments: DataLoader batch functions (oms.graphql.loaders)."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from . import accounts
from .accounts import Figures
from .models import Payment, PaymentTransaction, ReceivableEntry


async def _grouped(model: Any, key: str, ids: list[int]) -> list[list[Any]]:
    groups: dict[int, list[Any]] = defaultdict(list)
    for row in await model.filter(**{f"{key}__in": ids}).order_by("id"):
        groups[getattr(row, key)].append(row)
    return [groups.get(i, []) for i in ids]


async def payments_of_orders(order_ids: list[int]) -> list[list[Payment]]:
    return await _grouped(Payment, "order_id", order_ids)


async def transactions_of_payments(payment_ids: list[int]) -> list[list[PaymentTransaction]]:
    return await _grouped(PaymentTransaction, "payment_id", payment_ids)


async def receivables_of_orders(
        order_ids: list[int]) -> list[tuple[Figures, list[ReceivableEntry]]]:
    """Each order's figures and entries, from one query."""
    return [(accounts.figures((e.kind, Decimal(str(e.amount))) for e in rows), rows)
            for rows in await _grouped(ReceivableEntry, "order_id", order_ids)]
