"""The process's event publisher, installed by the app lifespan (or a test).

Not a client created at import: only a slot the lifespan fills and empties.
Without one, events are still in the log and reach subscribers through the
hub's log polling.
"""
from __future__ import annotations

from typing import Callable

from .record import EventRecord

Publisher = Callable[[list[EventRecord]], None]
_publisher: Publisher | None = None


def install(publisher: Publisher | None) -> None:
    global _publisher
    _publisher = publisher


def publish(records: list[EventRecord]) -> None:
    if records and _publisher is not None:
        _publisher(records)
