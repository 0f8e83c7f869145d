"""What a received return refunds by default. Pure: standard library and
oms.core only.

For each returned line, the units physically back (resalable + damaged) at
the line's unit price, plus that share of the order's tax; plus the order's
original shipping when the policy refunds it and this return brings back the
last of the order's delivered units; minus the return shipping fee when the
customer pays for the label. Never below zero, never above what is left to
refund (captured - already refunded).

Tax is shared out in two steps, each by cumulative rounding (half up to the
cent), so the parts always add up exactly:
- the order's tax over its lines, in line order, in proportion to their totals;
- a line's tax over its units: the first k units of a line carry
  round(line_tax * k / quantity). A return of units a+1..b refunds
  round(line_tax * b / q) - round(line_tax * a / q), so however a line comes
  back (one unit now, two later), its refunds add up to exactly the line
  total plus its tax, and the last unit absorbs the rounding.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Sequence

from oms.core.money import CENT

ZERO = Decimal("0.00")


def half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _cumulative_share(total: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """round(total * part / whole), half up; zero when there is no whole."""
    if whole == 0:
        return ZERO
    return half_up(total * part / whole)


def line_taxes(line_totals: Sequence[tuple[int, Decimal]], tax_total: Decimal
               ) -> dict[int, Decimal]:
    """The order's tax shared over its lines (id, total), in id order, in
    proportion to their totals; the shares add up to tax_total exactly."""
    ordered = sorted(line_totals)
    subtotal = sum((total for _, total in ordered), ZERO)
    shares: dict[int, Decimal] = {}
    running, taken = ZERO, ZERO
    for line_id, total in ordered:
        running += total
        upto = _cumulative_share(tax_total, running, subtotal)
        shares[line_id] = upto - taken
        taken = upto
    if subtotal == 0 and ordered:
        # Nothing to weigh by (every line free): the tax goes on the last line.
        shares[ordered[-1][0]] = tax_total
    return shares


def units_tax(line_tax: Decimal, *, quantity: int, before: int, units: int) -> Decimal:
    """The tax of units before+1 .. before+units of a line of `quantity` units."""
    if quantity <= 0 or units <= 0:
        return ZERO
    upto = min(before + units, quantity)
    return (_cumulative_share(line_tax, Decimal(upto), Decimal(quantity))
            - _cumulative_share(line_tax, Decimal(min(before, quantity)), Decimal(quantity)))


@dataclass(frozen=True)
class LineBack:
    """A returned line: its units physically back in this return, and how
    many of the line's units earlier refunds already paid back."""

    line_id: int
    unit_price: Decimal
    quantity: int     # ordered
    units: int        # back in this return (resalable + damaged)
    before: int = 0   # refunded by earlier returns of the same order


@dataclass(frozen=True)
class RefundTerms:
    """What the order and the return's policy say about the money."""

    line_totals: Sequence[tuple[int, Decimal]]   # every line of the order
    tax_total: Decimal
    shipping_total: Decimal
    refund_original_shipping: bool
    completes_order: bool           # this return brings back the last delivered units
    customer_fee: Decimal           # the return label's price when the customer pays it
    refundable: Decimal             # captured - refunded, what the gateway may still give back


@dataclass(frozen=True)
class RefundBreakdown:
    items: Decimal
    tax: Decimal
    shipping: Decimal
    fee: Decimal
    # items + tax + shipping - fee, before the floor at zero and the cap.
    gross: Decimal
    amount: Decimal

    @property
    def capped(self) -> bool:
        return self.amount < max(self.gross, ZERO)


def default_refund(lines: Sequence[LineBack], terms: RefundTerms) -> RefundBreakdown:
    taxes = line_taxes(terms.line_totals, terms.tax_total)
    items, tax = ZERO, ZERO
    for line in lines:
        if line.units <= 0:
            continue
        items += line.unit_price * line.units
        tax += units_tax(taxes.get(line.line_id, ZERO), quantity=line.quantity,
                         before=line.before, units=line.units)
    shipping = terms.shipping_total if (terms.refund_original_shipping
                                        and terms.completes_order) else ZERO
    fee = max(terms.customer_fee, ZERO)
    gross = items + tax + shipping - fee
    amount = min(max(gross, ZERO), max(terms.refundable, ZERO))
    return RefundBreakdown(items=items, tax=tax, shipping=shipping, fee=fee, gross=gross,
                           amount=amount.quantize(CENT))
