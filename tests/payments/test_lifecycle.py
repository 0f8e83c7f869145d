"""The payment transition tables (the gateway's book, and our record of an
order's payment), every allowed and every refused pair."""
from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from oms.core.errors import InvalidTransition
from oms.orders.sources import PaymentStatus as ApiStatus
from oms.payments.lifecycle import (PAYMENT_TRANSITIONS, RECORD_TRANSITIONS,
                                    PaymentAction as A, PaymentStatus as S,
                                    RecordAction as RA, RecordStatus as R, refund_action)

ALLOWED = {
    (S.AUTHORIZED, A.CAPTURE): S.CAPTURED,
    (S.AUTHORIZED, A.VOID): S.VOIDED,
    (S.CAPTURED, A.CAPTURE): S.CAPTURED,
    (S.CAPTURED, A.REFUND): S.CAPTURED,
}
REFUSED = [pair for pair in itertools.product(S, A) if pair not in ALLOWED]


def test_the_table_is_exactly_the_allowed_pairs():
    assert dict(PAYMENT_TRANSITIONS.pairs()) == ALLOWED


@pytest.mark.parametrize("pair, target", ALLOWED.items())
def test_an_allowed_pair_gives_its_target(pair, target):
    assert PAYMENT_TRANSITIONS.next_status(*pair) is target


@pytest.mark.parametrize("status, action", REFUSED)
def test_every_other_pair_is_refused(status, action):
    with pytest.raises(InvalidTransition) as err:
        PAYMENT_TRANSITIONS.next_status(status, action)
    assert str(err.value) == f"cannot {action.value.lower()} a payment that is {status.value}"


def test_declined_and_voided_payments_are_final():
    assert PAYMENT_TRANSITIONS.allowed_actions(S.DECLINED) == []
    assert PAYMENT_TRANSITIONS.allowed_actions(S.VOIDED) == []


# ---- our record of an order's payment (its paymentStatus) ----------------------

RECORD_ALLOWED = {
    (R.PENDING, RA.APPROVE): R.AUTHORIZED,
    (R.PENDING, RA.DECLINE): R.FAILED,
    (R.AUTHORIZED, RA.CAPTURE): R.CAPTURED,
    (R.AUTHORIZED, RA.VOID): R.VOIDED,
    (R.CAPTURED, RA.CAPTURE): R.CAPTURED,
    (R.CAPTURED, RA.REFUND_PART): R.PARTIALLY_REFUNDED,
    (R.CAPTURED, RA.REFUND_ALL): R.REFUNDED,
    (R.PARTIALLY_REFUNDED, RA.CAPTURE): R.PARTIALLY_REFUNDED,
    (R.PARTIALLY_REFUNDED, RA.REFUND_PART): R.PARTIALLY_REFUNDED,
    (R.PARTIALLY_REFUNDED, RA.REFUND_ALL): R.REFUNDED,
    (R.REFUNDED, RA.CAPTURE): R.PARTIALLY_REFUNDED,
}
RECORD_REFUSED = [pair for pair in itertools.product(R, RA) if pair not in RECORD_ALLOWED]


def test_the_record_statuses_are_the_apis_payment_statuses():
    assert [s.value for s in R] == [s.value for s in ApiStatus]


def test_the_record_table_is_exactly_the_allowed_pairs():
    assert dict(RECORD_TRANSITIONS.pairs()) == RECORD_ALLOWED


@pytest.mark.parametrize("pair, target", RECORD_ALLOWED.items())
def test_an_allowed_record_pair_gives_its_target(pair, target):
    assert RECORD_TRANSITIONS.next_status(*pair) is target


@pytest.mark.parametrize("status, action", RECORD_REFUSED)
def test_every_other_record_pair_is_refused(status, action):
    with pytest.raises(InvalidTransition) as err:
        RECORD_TRANSITIONS.next_status(status, action)
    assert str(err.value) == (f"cannot {action.value.lower().replace('_', ' ')} a payment "
                              f"that is {status.value}")


def test_failed_and_voided_records_are_final():
    assert RECORD_TRANSITIONS.allowed_actions(R.FAILED) == []
    assert RECORD_TRANSITIONS.allowed_actions(R.VOIDED) == []


@pytest.mark.parametrize("captured, refunded_after, action", [
    ("20.00", "5.00", RA.REFUND_PART), ("20.00", "19.99", RA.REFUND_PART),
    ("20.00", "20.00", RA.REFUND_ALL)])
def test_a_refund_is_all_once_nothing_captured_is_kept(captured, refunded_after, action):
    assert refund_action(captured=Decimal(captured),
                         refunded_after=Decimal(refunded_after)) is action
