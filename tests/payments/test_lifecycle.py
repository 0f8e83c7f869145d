"""The payment transition table, every allowed and every refused pair."""
from __future__ import annotations

import itertools

import pytest

from oms.core.errors import InvalidTransition
from oms.payments.lifecycle import PAYMENT_TRANSITIONS, PaymentAction as A, PaymentStatus as S

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
