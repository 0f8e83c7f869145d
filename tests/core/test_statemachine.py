"""The generic transition table, on a toy door so the rules are plain."""
from __future__ import annotations

from enum import Enum

import pytest

from oms.core.errors import DomainError, ErrorCode, InvalidTransition
from oms.core.statemachine import TransitionTable


class Door(str, Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    LOCKED = "LOCKED"


class Move(str, Enum):
    CLOSE = "CLOSE"
    OPEN = "OPEN"
    LOCK = "LOCK"
    KICK_IN = "KICK_IN"


TABLE = TransitionTable[Door, Move]("door", {
    (Door.OPEN, Move.CLOSE): Door.CLOSED,
    (Door.CLOSED, Move.OPEN): Door.OPEN,
    (Door.CLOSED, Move.LOCK): Door.LOCKED,
    (Door.LOCKED, Move.KICK_IN): Door.OPEN,
})


@pytest.mark.parametrize(("status", "action", "target"), [
    (Door.OPEN, Move.CLOSE, Door.CLOSED),
    (Door.CLOSED, Move.OPEN, Door.OPEN),
    (Door.CLOSED, Move.LOCK, Door.LOCKED),
    (Door.LOCKED, Move.KICK_IN, Door.OPEN),
])
def test_an_allowed_pair_gives_its_target(status, action, target):
    assert TABLE.next_status(status, action) is target
    assert TABLE.allows(status, action) is True


@pytest.mark.parametrize(("status", "action"), [
    (Door.OPEN, Move.OPEN), (Door.OPEN, Move.LOCK), (Door.OPEN, Move.KICK_IN),
    (Door.CLOSED, Move.CLOSE), (Door.CLOSED, Move.KICK_IN),
    (Door.LOCKED, Move.OPEN), (Door.LOCKED, Move.CLOSE), (Door.LOCKED, Move.LOCK),
])
def test_a_pair_not_in_the_table_is_refused(status, action):
    assert TABLE.allows(status, action) is False
    with pytest.raises(InvalidTransition) as exc:
        TABLE.next_status(status, action)
    assert exc.value.code is ErrorCode.INVALID_TRANSITION
    assert exc.value.field is None
    assert isinstance(exc.value, DomainError)


def test_the_refusal_message_names_the_action_the_table_and_the_status():
    with pytest.raises(InvalidTransition) as exc:
        TABLE.next_status(Door.LOCKED, Move.OPEN)
    assert exc.value.message == "cannot open a door that is LOCKED"
    with pytest.raises(InvalidTransition) as exc:
        TABLE.next_status(Door.OPEN, Move.KICK_IN)
    assert exc.value.message == "cannot kick in a door that is OPEN"
    assert str(exc.value) == "cannot kick in a door that is OPEN"


def test_allowed_actions_lists_the_moves_out_of_a_status_in_table_order():
    assert TABLE.allowed_actions(Door.OPEN) == [Move.CLOSE]
    assert TABLE.allowed_actions(Door.CLOSED) == [Move.OPEN, Move.LOCK]
    assert TABLE.allowed_actions(Door.LOCKED) == [Move.KICK_IN]


def test_pairs_enumerates_the_whole_table():
    assert dict(TABLE.pairs()) == {
        (Door.OPEN, Move.CLOSE): Door.CLOSED,
        (Door.CLOSED, Move.OPEN): Door.OPEN,
        (Door.CLOSED, Move.LOCK): Door.LOCKED,
        (Door.LOCKED, Move.KICK_IN): Door.OPEN,
    }


def test_the_table_keeps_its_own_copy_of_the_transitions():
    source = {(Door.OPEN, Move.CLOSE): Door.CLOSED}
    table = TransitionTable[Door, Move]("door", source)
    source[(Door.CLOSED, Move.OPEN)] = Door.OPEN
    assert table.allows(Door.CLOSED, Move.OPEN) is False
    assert dict(table.pairs()) == {(Door.OPEN, Move.CLOSE): Door.CLOSED}


def test_an_empty_table_refuses_everything():
    table = TransitionTable[Door, Move]("door", {})
    for status in Door:
        assert table.allowed_actions(status) == []
        for action in Move:
            with pytest.raises(InvalidTransition):
                table.next_status(status, action)
