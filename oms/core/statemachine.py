"""Transition tables: the only place a status may change.

A table maps (status, action) to the next status. Anything not in the table is
refused with INVALID_TRANSITION, so the set of legal moves is data a test can
enumerate, not a chain of ifs.
"""
from __future__ import annotations

from enum import Enum
from typing import Generic, Iterable, Mapping, TypeVar

from .errors import InvalidTransition

S = TypeVar("S", bound=Enum)
A = TypeVar("A", bound=Enum)


class TransitionTable(Generic[S, A]):
    def __init__(self, name: str, transitions: Mapping[tuple[S, A], S]) -> None:
        self.name = name
        self._transitions = dict(transitions)

    def next_status(self, status: S, action: A) -> S:
        try:
            return self._transitions[(status, action)]
        except KeyError:
            article = "an" if self.name[:1] in "aeiou" else "a"
            raise InvalidTransition(
                f"cannot {action.value.lower().replace('_', ' ')} {article} {self.name} that is "
                f"{status.value}", field=None) from None

    def allows(self, status: S, action: A) -> bool:
        return (status, action) in self._transitions

    def allowed_actions(self, status: S) -> list[A]:
        return [a for (s, a) in self._transitions if s == status]

    def pairs(self) -> Iterable[tuple[tuple[S, A], S]]:
        return self._transitions.items()
