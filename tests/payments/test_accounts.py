"""The sums behind payments (pure): receivable figures, the documents a
capture or a refund writes, and what each shipment captures."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from oms.payments import accounts
from oms.payments.accounts import EntryKind as K


def test_figures_and_the_balance():
    f = accounts.figures([("INVOICE", D("20.00")), ("PAYMENT", D("5.00")),
                          ("CREDIT_NOTE", D("2.00")), ("REFUND", D("1.00"))])
    assert (f.invoiced, f.paid, f.credited, f.refunded) == (D("20.00"), D("5.00"),
                                                            D("2.00"), D("1.00"))
    # 20 - 2 - (5 - 1)
    assert (f.outstanding, f.balanced) == (D("14.00"), False)
    empty = accounts.figures([])
    assert (empty.outstanding, empty.balanced) == (D("0.00"), True)


def test_an_overpaid_order_does_not_balance():
    f = accounts.figures([("INVOICE", D("10.00")), ("PAYMENT", D("10.01"))])
    assert (f.outstanding, f.balanced) == (D("-0.01"), False)


def test_a_card_capture_invoices_and_settles_its_own_amount():
    assert accounts.entries_for_capture(invoice_per_capture=True, amount=D("7.98"),
                                        order_total=D("17.98"), invoiced_so_far=D("10.00")) \
        == [(K.INVOICE, D("7.98")), (K.PAYMENT, D("7.98"))]


def test_money_marked_as_paid_invoices_the_order_once():
    first = accounts.entries_for_capture(invoice_per_capture=False, amount=D("5.00"),
                                         order_total=D("20.00"), invoiced_so_far=D("0.00"))
    later = accounts.entries_for_capture(invoice_per_capture=False, amount=D("15.00"),
                                         order_total=D("20.00"), invoiced_so_far=D("20.00"))
    assert first == [(K.INVOICE, D("20.00")), (K.PAYMENT, D("5.00"))]
    assert later == [(K.PAYMENT, D("15.00"))]


def test_a_refund_writes_a_credit_note_and_a_refund():
    assert accounts.entries_for_refund(D("3.00")) == [(K.CREDIT_NOTE, D("3.00")),
                                                      (K.REFUND, D("3.00"))]


def test_document_numbers():
    assert accounts.document_number(K.INVOICE, 1) == "INV-000001"
    assert accounts.document_number(K.CREDIT_NOTE, 1234567) == "CN-1234567"


@pytest.mark.parametrize("line_value, is_last, committed, expected", [
    ("10.00", False, "0.00", "10.00"),   # its lines
    ("10.00", True, "7.98", "12.02"),    # the last takes the rest (shipping, tax, rounding)
    ("10.00", False, "15.00", "5.00"),   # never more than is left
    ("10.00", True, "22.00", "0.00"),    # nothing left
])
def test_what_a_shipment_captures(line_value, is_last, committed, expected):
    assert accounts.shipment_capture(line_value=D(line_value), is_last=is_last,
                                     authorized=D("20.00"), committed=D(committed)) \
        == D(expected)


def test_every_process_runs_the_payment_and_notification_work():
    from oms import workers
    from oms.settings import Settings

    assert {"payments", "notifications"} <= {c.name for c in workers.event_consumers()}
    off = Settings(recovery_interval_seconds=0)
    on = Settings(recovery_interval_seconds=30)
    mail = Settings(recovery_interval_seconds=30, smtp_url="smtp://127.0.0.1:2525")
    # The payment recovery loop, and with SMTP the email retries.
    assert len(workers.background_loops(on)) - len(workers.background_loops(off)) == 1
    assert len(workers.background_loops(mail)) - len(workers.background_loops(off)) == 2
    with pytest.raises(ValueError):
        Settings(smtp_url="mail.example.com")
