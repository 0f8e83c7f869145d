"""The order transition table, every (status, action) pair, and how an order
follows its shipments. The expected table is written out here, not derived
from the code under test."""
from __future__ import annotations

import itertools

import pytest

from oms.core.errors import ErrorCode, InvalidTransition
from oms.orders import lifecycle
from oms.orders.lifecycle import ORDER_TRANSITIONS, OrderAction as A, OrderStatus as S

STATUSES = ["PENDING", "ON_HOLD", "CONFIRMED", "PROCESSING", "PARTIALLY_SHIPPED", "SHIPPED",
            "DELIVERED", "COMPLETED", "CANCELLED"]
ACTIONS = ["CONFIRM", "HOLD", "RELEASE_TO_PENDING", "RELEASE_TO_CONFIRMED",
           "RELEASE_TO_PROCESSING", "CANCEL",
           "RECORD_FULFILLED", "START_FULFILMENT", "SHIP_PART", "SHIP_ALL", "DELIVER_ALL", "COMPLETE"]

# status -> {action: target}; every pair not listed is refused.
EXPECTED = {
    "PENDING": {"CONFIRM": "CONFIRMED", "HOLD": "ON_HOLD", "CANCEL": "CANCELLED",
                "RECORD_FULFILLED": "COMPLETED"},
    "ON_HOLD": {"RELEASE_TO_PENDING": "PENDING", "RELEASE_TO_CONFIRMED": "CONFIRMED",
                "RELEASE_TO_PROCESSING": "PROCESSING", "CANCEL": "CANCELLED"},
    "CONFIRMED": {"HOLD": "ON_HOLD", "CANCEL": "CANCELLED", "START_FULFILMENT": "PROCESSING",
                  "SHIP_PART": "PARTIALLY_SHIPPED", "SHIP_ALL": "SHIPPED"},
    "PROCESSING": {"HOLD": "ON_HOLD", "CANCEL": "CANCELLED", "SHIP_PART": "PARTIALLY_SHIPPED",
                   "SHIP_ALL": "SHIPPED"},
    "PARTIALLY_SHIPPED": {"SHIP_ALL": "SHIPPED"},
    "SHIPPED": {"DELIVER_ALL": "DELIVERED"},
    "DELIVERED": {"COMPLETE": "COMPLETED"},
    "COMPLETED": {},
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
    assert len(ALL_PAIRS) == 108
    assert len(ALLOWED) == 20
    assert len(REFUSED) == 88
    assert {(s.value, a.value): t.value for (s, a), t in ORDER_TRANSITIONS.pairs()} == {
        (s, a): t for s, a, t in ALLOWED}


@pytest.mark.parametrize(("status", "action", "target"), ALLOWED)
def test_an_allowed_pair_moves_to_its_target(status, action, target):
    assert lifecycle.next_status(S(status), A(action)) is S(target)
    assert ORDER_TRANSITIONS.next_status(S(status), A(action)) is S(target)
    assert ORDER_TRANSITIONS.allows(S(status), A(action)) is True


@pytest.mark.parametrize(("status", "action"), REFUSED)
def test_a_pair_not_in_the_table_is_an_invalid_transition(status, action):
    assert ORDER_TRANSITIONS.allows(S(status), A(action)) is False
    with pytest.raises(InvalidTransition) as exc:
        lifecycle.next_status(S(status), A(action))
    assert exc.value.code is ErrorCode.INVALID_TRANSITION
    assert exc.value.code.value == "INVALID_TRANSITION"
    assert exc.value.message.startswith(f"cannot {action.lower().replace('_', ' ')} a")
    assert exc.value.message.endswith(f" order that is {status}")


@pytest.mark.parametrize("status", STATUSES)
def test_allowed_actions_per_status(status):
    assert [a.value for a in ORDER_TRANSITIONS.allowed_actions(S(status))] == list(
        EXPECTED[status])


def test_completed_and_cancelled_are_final():
    for status in ("COMPLETED", "CANCELLED"):
        assert ORDER_TRANSITIONS.allowed_actions(S(status)) == []


def test_a_released_hold_goes_back_where_it_came_from():
    assert lifecycle.RELEASE_ACTION == {S.PENDING: A.RELEASE_TO_PENDING,
                                        S.CONFIRMED: A.RELEASE_TO_CONFIRMED,
                                        S.PROCESSING: A.RELEASE_TO_PROCESSING}


# ---- following the shipments

@pytest.mark.parametrize(("shipments", "action"), [
    ([], None),
    (["CANCELLED"], None),
    (["CANCELLED", "CANCELLED"], None),
    (["PENDING"], None),
    (["PENDING", "PENDING"], None),
    (["PENDING", "CANCELLED"], None),
    (["PICKING"], "START_FULFILMENT"),
    (["PACKED"], "START_FULFILMENT"),
    (["PENDING", "PACKED"], "START_FULFILMENT"),
    (["CANCELLED", "PICKING"], "START_FULFILMENT"),
    (["SHIPPED", "PENDING"], "SHIP_PART"),
    (["IN_TRANSIT", "PICKING"], "SHIP_PART"),
    (["DELIVERED", "PENDING"], "SHIP_PART"),
    (["EXCEPTION", "PACKED"], "SHIP_PART"),
    (["SHIPPED"], "SHIP_ALL"),
    (["IN_TRANSIT"], "SHIP_ALL"),
    (["OUT_FOR_DELIVERY"], "SHIP_ALL"),
    (["EXCEPTION"], "SHIP_ALL"),
    (["SHIPPED", "CANCELLED"], "SHIP_ALL"),
    (["DELIVERED", "SHIPPED"], "SHIP_ALL"),
    (["DELIVERED", "EXCEPTION"], "SHIP_ALL"),
    (["OUT_FOR_DELIVERY", "DELIVERED"], "SHIP_ALL"),
    (["DELIVERED"], "DELIVER_ALL"),
    (["DELIVERED", "DELIVERED"], "DELIVER_ALL"),
    (["DELIVERED", "CANCELLED"], "DELIVER_ALL"),
])
def test_action_for_shipments(shipments, action):
    got = lifecycle.action_for_shipments(shipments)
    assert (got.value if got else None) == action


def test_action_for_shipments_takes_any_iterable():
    assert lifecycle.action_for_shipments(iter(["SHIPPED", "SHIPPED"])) is A.SHIP_ALL
    assert lifecycle.action_for_shipments(s for s in ["PICKING"]) is A.START_FULFILMENT


@pytest.mark.parametrize(("status", "shipments", "actions"), [
    ("CONFIRMED", [], []),
    ("CONFIRMED", ["PENDING"], []),
    ("CONFIRMED", ["PICKING"], ["START_FULFILMENT"]),
    ("CONFIRMED", ["PICKING", "PENDING"], ["START_FULFILMENT"]),
    ("PROCESSING", ["PACKED", "PENDING"], []),
    ("CONFIRMED", ["SHIPPED", "PENDING"], ["SHIP_PART"]),
    ("PROCESSING", ["SHIPPED", "PACKED"], ["SHIP_PART"]),
    ("PARTIALLY_SHIPPED", ["SHIPPED", "PACKED"], []),
    ("CONFIRMED", ["SHIPPED"], ["SHIP_ALL"]),
    ("PROCESSING", ["SHIPPED"], ["SHIP_ALL"]),
    ("PARTIALLY_SHIPPED", ["SHIPPED", "IN_TRANSIT"], ["SHIP_ALL"]),
    ("SHIPPED", ["SHIPPED", "IN_TRANSIT"], []),
    ("SHIPPED", ["DELIVERED", "SHIPPED"], []),
    ("SHIPPED", ["DELIVERED"], ["DELIVER_ALL"]),
    ("SHIPPED", ["DELIVERED", "DELIVERED"], ["DELIVER_ALL"]),
    # One step may carry an order through SHIPPED to DELIVERED: two events.
    ("CONFIRMED", ["DELIVERED"], ["SHIP_ALL", "DELIVER_ALL"]),
    ("PROCESSING", ["DELIVERED"], ["SHIP_ALL", "DELIVER_ALL"]),
    ("PARTIALLY_SHIPPED", ["DELIVERED", "DELIVERED"], ["SHIP_ALL", "DELIVER_ALL"]),
    ("PARTIALLY_SHIPPED", ["DELIVERED", "CANCELLED"], ["SHIP_ALL", "DELIVER_ALL"]),
    ("DELIVERED", ["DELIVERED"], []),
    ("COMPLETED", ["DELIVERED"], []),
    # Orders not being fulfilled never move with their shipments.
    ("PENDING", ["SHIPPED"], []),
    ("PENDING", ["PICKING"], []),
    ("ON_HOLD", ["PICKING"], []),
    ("ON_HOLD", ["DELIVERED"], []),
    ("CANCELLED", ["CANCELLED"], []),
    ("CANCELLED", ["DELIVERED"], []),
])
def test_catch_up_actions(status, shipments, actions):
    assert [a.value for a in lifecycle.catch_up_actions(S(status), shipments)] == actions


def test_catch_up_actions_replay_through_the_table():
    """Each returned action is legal from the status the previous one reached."""
    for status in STATUSES:
        for shipments in (["PICKING"], ["SHIPPED", "PENDING"], ["SHIPPED"], ["DELIVERED"]):
            current = S(status)
            for action in lifecycle.catch_up_actions(current, shipments):
                current = ORDER_TRANSITIONS.next_status(current, action)
