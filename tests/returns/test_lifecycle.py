"""The return transition table, every (status, action) pair, and the fixed
lists. The expected table is written out here, not derived from the code."""
from __future__ import annotations

import itertools

import pytest

from oms.core.errors import ErrorCode, InvalidTransition
from oms.returns import lifecycle
from oms.returns.lifecycle import RETURN_TRANSITIONS, ReturnAction as A, ReturnStatus as S

STATUSES = ["REQUESTED", "APPROVED", "REJECTED", "IN_TRANSIT", "RECEIVED", "REFUNDED",
            "EXCHANGED", "CLOSED"]
ACTIONS = ["APPROVE", "REJECT", "SCAN", "RECEIVE", "REFUND", "EXCHANGE", "CLOSE"]

# status -> {action: target}; every pair not listed is refused.
EXPECTED = {
    "REQUESTED": {"APPROVE": "APPROVED", "REJECT": "REJECTED", "CLOSE": "CLOSED"},
    "APPROVED": {"SCAN": "IN_TRANSIT", "RECEIVE": "RECEIVED", "CLOSE": "CLOSED"},
    "REJECTED": {},
    "IN_TRANSIT": {"SCAN": "IN_TRANSIT", "RECEIVE": "RECEIVED"},
    "RECEIVED": {"REFUND": "REFUNDED", "EXCHANGE": "EXCHANGED", "CLOSE": "CLOSED"},
    "REFUNDED": {},
    "EXCHANGED": {},
    "CLOSED": {},
}

ALL_PAIRS = list(itertools.product(STATUSES, ACTIONS))
ALLOWED = [(s, a, t) for s, moves in EXPECTED.items() for a, t in moves.items()]
REFUSED = [(s, a) for s, a in ALL_PAIRS if a not in EXPECTED[s]]


def test_the_statuses_and_actions_are_exactly_these():
    assert [s.value for s in S] == STATUSES
    assert [a.value for a in A] == ACTIONS
    assert set(EXPECTED) == set(STATUSES)
    assert len(ALLOWED) + len(REFUSED) == len(STATUSES) * len(ACTIONS) == 56


@pytest.mark.parametrize("status,action,target", ALLOWED)
def test_allowed(status, action, target):
    assert lifecycle.next_status(S(status), A(action)) is S(target)
    assert RETURN_TRANSITIONS.allows(S(status), A(action))


@pytest.mark.parametrize("status,action", REFUSED)
def test_refused(status, action):
    assert not RETURN_TRANSITIONS.allows(S(status), A(action))
    with pytest.raises(InvalidTransition) as exc:
        lifecycle.next_status(S(status), A(action))
    assert exc.value.code is ErrorCode.INVALID_TRANSITION
    assert exc.value.message == f"cannot {action.lower()} a return that is {status}"


def test_the_table_has_no_other_pairs():
    assert sorted((s.value, a.value, t.value) for (s, a), t in RETURN_TRANSITIONS.pairs()) == \
        sorted(ALLOWED)


def test_the_fixed_lists():
    assert [r.value for r in lifecycle.ReturnReason] == [
        "DAMAGED_IN_TRANSIT", "DEFECTIVE", "WRONG_ITEM", "NOT_AS_DESCRIBED", "TOO_SMALL",
        "TOO_LARGE", "ARRIVED_LATE", "CHANGED_MIND", "OTHER"]
    assert [c.value for c in lifecycle.ItemCondition] == ["RESALABLE", "DAMAGED", "MISSING"]
    assert [r.value for r in lifecycle.ReturnResolution] == ["REFUND", "EXCHANGE"]
    assert [p.value for p in lifecycle.ReturnShippingPayer] == ["MERCHANT", "CUSTOMER"]
