"""The accounts-receivable ledger: invoices, payments applied, credit notes
and refunds per order (the rules are in oms.payments.accounts).

Entries are only appended, in the unit of work that records the gateway's
answer, so the ledger moves exactly when the money does. Invoices and
credit notes are numbered from a counter per kind, bumped with one
statement in that same transaction: numbers are consecutive per kind and
never issued twice, whatever the number of processes.
"""
from __future__ import annotations

from decimal import Decimal

from oms.core import sql
from oms.core.clock import now
from oms.core.uow import current_connection

from . import accounts
from .accounts import EntryKind, Figures
from .models import ReceivableEntry

_NEXT_NUMBER = (
    "INSERT INTO receivable_sequence (kind, last_number) VALUES (?, 1)"
    " ON CONFLICT (kind) DO UPDATE SET last_number = receivable_sequence.last_number + 1"
    " RETURNING last_number")


async def _next_number(kind: EntryKind) -> str:
    rows = await sql.fetch(current_connection(), _NEXT_NUMBER, [kind.value])
    return accounts.document_number(kind, int(rows[0]["last_number"]))


async def post(*, order_id: int, currency: str, entries: list[tuple[EntryKind, Decimal]],
               transaction_id: int | None, shipment_id: int | None = None,
               reference: str | None = None) -> list[ReceivableEntry]:
    """Append entries (call inside the unit of work recording the payment)."""
    at = now()
    written = []
    for kind, amount in entries:
        number = await _next_number(kind) if kind in accounts.NUMBERED else None
        written.append(await ReceivableEntry.create(
            order_id=order_id, kind=kind.value, number=number, amount=amount,
            currency=currency, transaction_id=transaction_id, shipment_id=shipment_id,
            reference=reference, created_at=at, using_db=current_connection()))
    return written


async def figures_of(order_ids: list[int]) -> dict[int, Figures]:
    """Each order's figures, from one query."""
    rows = await ReceivableEntry.filter(order_id__in=order_ids).values_list(
        "order_id", "kind", "amount")
    grouped: dict[int, list[tuple[str, Decimal]]] = {i: [] for i in order_ids}
    for order_id, kind, amount in rows:
        grouped[order_id].append((kind, Decimal(str(amount))))
    return {i: accounts.figures(entries) for i, entries in grouped.items()}


async def figures(order_id: int) -> Figures:
    return (await figures_of([order_id]))[order_id]
