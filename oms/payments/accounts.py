"""The sums behind payments: what a shipment captures, which receivable
documents a capture or a refund writes, and an order's receivable figures.
Pure: standard library and `oms.core` only.

The accounts-receivable ledger holds positive amounts; the kind says which
side of the balance an entry is on:

    INVOICE      the customer owes us          (+ outstanding)
    PAYMENT      money received against it     (- outstanding)
    CREDIT_NOTE  we owe less                   (- outstanding)
    REFUND       money sent back               (+ outstanding)

so outstanding = invoiced - credited - (paid - refunded), and an order
balances when that is exactly zero.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Iterable

ZERO = Decimal("0.00")


class EntryKind(str, Enum):
    INVOICE = "INVOICE"
    PAYMENT = "PAYMENT"
    CREDIT_NOTE = "CREDIT_NOTE"
    REFUND = "REFUND"


# The documents that carry a number, and its prefix.
NUMBERED = {EntryKind.INVOICE: "INV", EntryKind.CREDIT_NOTE: "CN"}


def document_number(kind: EntryKind, n: int) -> str:
    return f"{NUMBERED[kind]}-{n:06d}"


@dataclass(frozen=True)
class Figures:
    invoiced: Decimal = ZERO
    paid: Decimal = ZERO
    refunded: Decimal = ZERO
    credited: Decimal = ZERO

    @property
    def outstanding(self) -> Decimal:
        return self.invoiced - self.credited - (self.paid - self.refunded)

    @property
    def balanced(self) -> bool:
        return self.outstanding == ZERO


def figures(entries: Iterable[tuple[str, Decimal]]) -> Figures:
    """An order's figures from its entries' (kind, amount)."""
    sums = {kind: ZERO for kind in EntryKind}
    for kind, amount in entries:
        sums[EntryKind(kind)] += amount
    return Figures(invoiced=sums[EntryKind.INVOICE], paid=sums[EntryKind.PAYMENT],
                   refunded=sums[EntryKind.REFUND], credited=sums[EntryKind.CREDIT_NOTE])


def entries_for_capture(*, invoice_per_capture: bool, amount: Decimal, order_total: Decimal,
                        invoiced_so_far: Decimal) -> list[tuple[EntryKind, Decimal]]:
    """What a capture writes. A card payment is captured per shipment, and
    each capture is what that shipment invoices, settled at once. Money
    marked as paid by hand (phone, email, invoice orders) arrives in
    instalments against one invoice for the whole order, raised with the
    first of them."""
    if invoice_per_capture:
        return [(EntryKind.INVOICE, amount), (EntryKind.PAYMENT, amount)]
    entries: list[tuple[EntryKind, Decimal]] = []
    if invoiced_so_far == ZERO:
        entries.append((EntryKind.INVOICE, order_total))
    entries.append((EntryKind.PAYMENT, amount))
    return entries


def entries_for_refund(amount: Decimal) -> list[tuple[EntryKind, Decimal]]:
    """A refund lowers what is owed (credit note) and sends the money back."""
    return [(EntryKind.CREDIT_NOTE, amount), (EntryKind.REFUND, amount)]


def shipment_capture(*, line_value: Decimal, is_last: bool, authorized: Decimal,
                     committed: Decimal) -> Decimal:
    """What a shipment captures when it ships: its lines' value, and the
    last shipment of the order whatever is left of the authorisation
    (shipping, tax, rounding), so the captures of a fully shipped order add
    up to exactly what was authorised. `committed` is what earlier captures
    took or may have taken (answered or not). Never more than is left."""
    remaining = max(authorized - committed, ZERO)
    return remaining if is_last else min(line_value, remaining)
