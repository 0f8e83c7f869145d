"""The partner delivery transition table, every allowed and every refused
pair, and the retry schedule."""
from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest

from oms.core.errors import InvalidTransition
from oms.handoff import lifecycle
from oms.handoff.lifecycle import DeliveryAction as A, DeliveryStatus as S

EXPECTED = {
    (S.PENDING, A.CLAIM): S.SENDING,
    (S.RETRYING, A.CLAIM): S.SENDING,
    (S.SENDING, A.CLAIM): S.SENDING,
    (S.SENDING, A.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.SENDING, A.FAIL): S.RETRYING,
    (S.SENDING, A.GIVE_UP): S.FAILED,
    (S.RETRYING, A.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.FAILED, A.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.RETRYING, A.RETRY): S.RETRYING,
    (S.FAILED, A.RETRY): S.RETRYING,
    (S.PENDING, A.WITHDRAW): S.CANCELLED,
    (S.RETRYING, A.WITHDRAW): S.CANCELLED,
    (S.FAILED, A.WITHDRAW): S.CANCELLED,
    (S.SENDING, A.WITHDRAW): S.CANCELLED,
}


@pytest.mark.parametrize("status,action", list(product(S, A)))
def test_every_pair(status, action):
    if (status, action) in EXPECTED:
        assert lifecycle.next_status(status, action) is EXPECTED[(status, action)]
    else:
        with pytest.raises(InvalidTransition) as exc:
            lifecycle.next_status(status, action)
        assert exc.value.message == (f"cannot {action.value.lower().replace('_', ' ')} a "
                                     f"partner delivery that is {status.value}")


def test_the_table_is_exactly_the_expected_one():
    assert dict(lifecycle.DELIVERY_TRANSITIONS.pairs()) == EXPECTED


def test_acknowledged_and_cancelled_are_final():
    for final in (S.ACKNOWLEDGED, S.CANCELLED):
        assert lifecycle.DELIVERY_TRANSITIONS.allowed_actions(final) == []


def test_moves_of_single_target_actions():
    assert lifecycle.move(A.CLAIM) == ([S.PENDING, S.SENDING, S.RETRYING], S.SENDING)
    assert lifecycle.move(A.ACKNOWLEDGE) == ([S.SENDING, S.RETRYING, S.FAILED], S.ACKNOWLEDGED)
    assert lifecycle.move(A.RETRY) == ([S.RETRYING, S.FAILED], S.RETRYING)
    assert lifecycle.move(A.WITHDRAW) == ([S.PENDING, S.SENDING, S.RETRYING, S.FAILED],
                                          S.CANCELLED)


def test_the_retry_schedule_doubles_from_five_seconds_up_to_an_hour():
    delays = [lifecycle.retry_delay(n, jitter=None).total_seconds() for n in range(1, 16)]
    assert delays == [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560,
                      3600, 3600, 3600, 3600, 3600]


def test_a_huge_attempt_number_stays_at_the_cap():
    assert lifecycle.retry_delay(10_000, jitter=None) == timedelta(hours=1)


def test_jitter_draws_between_half_and_all_of_the_delay():
    assert lifecycle.retry_delay(3, jitter=lambda: 0.0) == timedelta(seconds=10)
    assert lifecycle.retry_delay(3, jitter=lambda: 0.5) == timedelta(seconds=15)
    assert lifecycle.retry_delay(3, jitter=lambda: 1.0) == timedelta(seconds=20)
    assert lifecycle.retry_delay(12, base=1, cap=60, jitter=lambda: 0.0) == timedelta(seconds=30)


def test_attempt_numbers_start_at_one():
    with pytest.raises(ValueError):
        lifecycle.retry_delay(0)


def test_the_last_allowed_failure_gives_up():
    assert [lifecycle.after_failure(n, 3) for n in (1, 2, 3, 4)] == [A.FAIL, A.FAIL,
                                                                       A.GIVE_UP, A.GIVE_UP]
    assert lifecycle.after_failure(14) is A.FAIL
    assert lifecycle.after_failure(15) is A.GIVE_UP
