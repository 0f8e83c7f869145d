"""The default refund of a received return (oms.returns.refunds), to the cent."""
from __future__ import annotations

from decimal import Decimal

from oms.returns.refunds import (LineBack, RefundTerms, default_refund, line_taxes,
                                 units_tax)

D = Decimal


def terms(**kw) -> RefundTerms:
    base = dict(line_totals=[(1, D("29.97"))], tax_total=D("5.99"), shipping_total=D("4.90"),
                refund_original_shipping=False, completes_order=False,
                customer_fee=D("0.00"), refundable=D("1000.00"))
    return RefundTerms(**{**base, **kw})


def line(units: int, before: int = 0, *, line_id: int = 1, price: str = "9.99",
         quantity: int = 3) -> LineBack:
    return LineBack(line_id=line_id, unit_price=D(price), quantity=quantity, units=units,
                    before=before)


def test_one_unit_then_the_other_two_refund_exactly_the_line_and_its_tax():
    first = default_refund([line(1)], terms())
    second = default_refund([line(2, before=1)], terms())
    assert (first.items, first.tax, first.amount) == (D("9.99"), D("2.00"), D("11.99"))
    assert (second.items, second.tax, second.amount) == (D("19.98"), D("3.99"), D("23.97"))
    assert first.amount + second.amount == D("29.97") + D("5.99") == D("35.96")


def test_two_units_then_one_and_three_single_units_add_up_the_same():
    assert [default_refund([line(2)], terms()).amount,
            default_refund([line(1, before=2)], terms()).amount] == [D("23.97"), D("11.99")]
    singles = [default_refund([line(1, before=b)], terms()).amount for b in range(3)]
    assert singles == [D("11.99"), D("11.98"), D("11.99")]
    assert sum(singles) == D("35.96")


def test_a_full_return_refunds_the_line_total_and_its_tax():
    b = default_refund([line(3)], terms())
    assert (b.items, b.tax, b.shipping, b.fee, b.gross, b.amount, b.capped) == (
        D("29.97"), D("5.99"), D("0.00"), D("0.00"), D("35.96"), D("35.96"), False)


def test_tax_is_shared_over_lines_by_their_totals_adding_up_exactly():
    assert line_taxes([(2, D("5.01")), (1, D("29.97"))], D("7.00")) == {
        1: D("6.00"), 2: D("1.00")}
    # Three equal lines, 1.00 of tax: 0.33, 0.34 (cumulative 0.67), 0.33.
    assert line_taxes([(1, D("1.00")), (2, D("1.00")), (3, D("1.00"))], D("1.00")) == {
        1: D("0.33"), 2: D("0.34"), 3: D("0.33")}
    # No order tax, no line tax; free lines put any tax on the last one.
    assert line_taxes([(1, D("10.00"))], D("0.00")) == {1: D("0.00")}
    assert line_taxes([(1, D("0.00")), (2, D("0.00"))], D("0.50")) == {
        1: D("0.00"), 2: D("0.50")}


def test_unit_tax_rounds_half_up_and_the_last_unit_absorbs_the_rest():
    assert units_tax(D("0.05"), quantity=2, before=0, units=1) == D("0.03")
    assert units_tax(D("0.05"), quantity=2, before=1, units=1) == D("0.02")
    # More units than are left on the line are capped at the line.
    assert units_tax(D("0.05"), quantity=2, before=1, units=5) == D("0.02")
    assert units_tax(D("0.05"), quantity=2, before=0, units=0) == D("0.00")


def test_two_lines_of_an_order_with_tax():
    t = terms(line_totals=[(1, D("29.97")), (2, D("5.01"))], tax_total=D("7.00"))
    b = default_refund([line(1), line(1, line_id=2, price="5.01", quantity=1)], t)
    # 9.99 + 5.01; tax round(6.00 / 3) = 2.00 and all of line 2's 1.00.
    assert (b.items, b.tax, b.amount) == (D("15.00"), D("3.00"), D("18.00"))


def test_the_customer_paid_return_label_comes_off_the_refund():
    b = default_refund([line(1)], terms(customer_fee=D("4.50")))
    assert (b.fee, b.gross, b.amount) == (D("4.50"), D("7.49"), D("7.49"))


def test_a_fee_above_what_came_back_refunds_nothing():
    b = default_refund([line(1)], terms(customer_fee=D("15.00")))
    assert (b.gross, b.amount) == (D("-3.01"), D("0.00"))


def test_original_shipping_only_when_the_policy_says_and_the_order_is_all_back():
    assert default_refund([line(3)], terms(refund_original_shipping=True)).amount == D("35.96")
    assert default_refund([line(3)], terms(completes_order=True)).amount == D("35.96")
    b = default_refund([line(3)], terms(refund_original_shipping=True, completes_order=True))
    assert (b.shipping, b.amount) == (D("4.90"), D("40.86"))


def test_never_above_what_is_left_to_refund():
    b = default_refund([line(3)], terms(refundable=D("20.00")))
    assert (b.gross, b.amount, b.capped) == (D("35.96"), D("20.00"), True)
    assert default_refund([line(3)], terms(refundable=D("-1.00"))).amount == D("0.00")


def test_units_not_back_refund_nothing():
    b = default_refund([line(0)], terms())
    assert (b.items, b.tax, b.amount) == (D("0.00"), D("0.00"), D("0.00"))
