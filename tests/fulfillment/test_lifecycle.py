"""The shipment transition table, every (status, action) pair. The expected
table is written out here, not derived from the code under test."""
from __future__ import annotations

import itertools

import pytest

from oms.core.errors import ErrorCode, InvalidTransition
from oms.fulfillment import lifecycle
from oms.fulfillment.lifecycle import SHIPMENT_TRANSITIONS, ShipmentAction as A, ShipmentStatus as S

STATUSES = ["PENDING", "PICKING", "PACKED", "SHIPPED", "IN_TRANSIT", "OUT_FOR_DELIVERY",
            "DELIVERED", "EXCEPTION", "CANCELLED"]
ACTIONS = ["PICK", "PACK", "SHIP", "CANCEL", "SCAN_IN_TRANSIT", "SCAN_OUT_FOR_DELIVERY",
           "SCAN_DELIVERED", "SCAN_EXCEPTION"]

_SCANS = {"SCAN_IN_TRANSIT": "IN_TRANSIT", "SCAN_OUT_FOR_DELIVERY": "OUT_FOR_DELIVERY",
          "SCAN_DELIVERED": "DELIVERED", "SCAN_EXCEPTION": "EXCEPTION"}

# status -> {action: target}; every pair not listed is refused.
EXPECTED = {
    "PENDING": {"PICK": "PICKING", "CANCEL": "CANCELLED"},
    "PICKING": {"PACK": "PACKED", "CANCEL": "CANCELLED"},
    "PACKED": {"SHIP": "SHIPPED", "CANCEL": "CANCELLED"},
    "SHIPPED": {"SCAN_IN_TRANSIT": "IN_TRANSIT", "SCAN_OUT_FOR_DELIVERY": "OUT_FOR_DELIVERY",
                "SCAN_DELIVERED": "DELIVERED", "SCAN_EXCEPTION": "EXCEPTION"},
    "IN_TRANSIT": {"SCAN_IN_TRANSIT": "IN_TRANSIT", "SCAN_OUT_FOR_DELIVERY": "OUT_FOR_DELIVERY",
                   "SCAN_DELIVERED": "DELIVERED", "SCAN_EXCEPTION": "EXCEPTION"},
    "OUT_FOR_DELIVERY": {"SCAN_IN_TRANSIT": "IN_TRANSIT",
                         "SCAN_OUT_FOR_DELIVERY": "OUT_FOR_DELIVERY",
                         "SCAN_DELIVERED": "DELIVERED", "SCAN_EXCEPTION": "EXCEPTION"},
    "EXCEPTION": {"SCAN_IN_TRANSIT": "IN_TRANSIT", "SCAN_OUT_FOR_DELIVERY": "OUT_FOR_DELIVERY",
                  "SCAN_DELIVERED": "DELIVERED", "SCAN_EXCEPTION": "EXCEPTION"},
    "DELIVERED": {},
    "CANCELLED": {},
}

ALL_PAIRS = list(itertools.product(STATUSES, ACTIONS))
ALLOWED = [(s, a, t) for s, moves in EXPECTED.items() for a, t in moves.items()]
REFUSED = [(s, a) for s, a in ALL_PAIRS if a not in EXPECTED[s]]


def test_the_statuses_and_actions_are_exactly_these():
    assert [s.value for s in S] == STATUSES
    assert [a.value for a in A] == ACTIONS
    assert set(EXPECTED) == set(STATUSES)


def test_every_pair_is_either_allowed_or_refused():
    assert len(ALL_PAIRS) == 72
    assert len(ALLOWED) == 22
    assert len(REFUSED) == 50
    assert {(s.value, a.value): t.value for (s, a), t in SHIPMENT_TRANSITIONS.pairs()} == {
        (s, a): t for s, a, t in ALLOWED}


@pytest.mark.parametrize(("status", "action", "target"), ALLOWED)
def test_an_allowed_pair_moves_to_its_target(status, action, target):
    assert lifecycle.next_status(S(status), A(action)) is S(target)
    assert SHIPMENT_TRANSITIONS.allows(S(status), A(action)) is True


@pytest.mark.parametrize(("status", "action"), REFUSED)
def test_a_pair_not_in_the_table_is_an_invalid_transition(status, action):
    assert SHIPMENT_TRANSITIONS.allows(S(status), A(action)) is False
    with pytest.raises(InvalidTransition) as exc:
        lifecycle.next_status(S(status), A(action))
    assert exc.value.code is ErrorCode.INVALID_TRANSITION
    assert exc.value.message == (
        f"cannot {action.lower().replace('_', ' ')} a shipment that is {status}")


@pytest.mark.parametrize("status", STATUSES)
def test_allowed_actions_per_status(status):
    assert {a.value for a in SHIPMENT_TRANSITIONS.allowed_actions(S(status))} == set(
        EXPECTED[status])


def test_delivered_and_cancelled_are_final():
    assert SHIPMENT_TRANSITIONS.allowed_actions(S.DELIVERED) == []
    assert SHIPMENT_TRANSITIONS.allowed_actions(S.CANCELLED) == []


def test_a_shipment_on_the_road_cannot_be_cancelled():
    for status in ("SHIPPED", "IN_TRANSIT", "OUT_FOR_DELIVERY", "EXCEPTION", "DELIVERED"):
        assert SHIPMENT_TRANSITIONS.allows(S(status), A.CANCEL) is False


def test_each_tracking_status_is_one_scan_action():
    assert {s.value: a.value for s, a in lifecycle.TRACKING_ACTIONS.items()} == {
        status: action for action, status in _SCANS.items()}
