"""Which StockChanged events a set of touched levels raises. Pure: no I/O.

A level's available feeds every channel its location serves, so a change is
one event per (sku, channel), plus one with no channel for a location that
serves none (a dashboard watching all stock still hears of it)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from oms.events.record import Event

STOCK_CHANGED = "StockChanged"


@dataclass
class Topics:
    """Where stock events go: each location's code and the channels it serves."""

    code_of: dict[int, str] = field(default_factory=dict)
    channels_of: dict[int, set[str | None]] = field(default_factory=lambda: defaultdict(set))

    def add(self, location_id: int, code: str, channel: str | None) -> None:
        self.code_of[location_id] = code
        self.channels_of[location_id].add(channel)


def stock_changed(touched: Iterable[tuple[str, int]], topics: Topics) -> list[Event]:
    """`touched` holds (sku, location id) pairs; events come in a stable order."""
    out: list[Event] = []
    seen: set[tuple[str, str | None]] = set()
    for sku, loc_id in sorted(set(touched), key=lambda t: (t[0], topics.code_of[t[1]])):
        for ch in sorted(topics.channels_of[loc_id], key=lambda c: c or ""):
            if (sku, ch) not in seen:
                seen.add((sku, ch))
                out.append(Event(type=STOCK_CHANGED, sku=sku, channel=ch,
                                 location=topics.code_of[loc_id]))
    return out
