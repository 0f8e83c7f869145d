"""A stock level's quantities and what follows from them. Pure: no I/O.

available = onHand - reserved - safetyStock - damaged, never below 0 when
read. Damaged units are on hand (they are on the shelf) but never sold.
A level is low on stock when it has a threshold and its available is at or
below it; a change that makes a level low raises one LowStock event.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from enum import Enum
from typing import Any, Mapping

from oms.events.record import Event

LOW_STOCK = "LowStock"

# available in SQL, over a stock_level row aliased `t` (without the floor at 0:
# compared with a positive quantity it makes no difference).
AVAILABLE_SQL = "({t}.on_hand - {t}.reserved - {t}.safety_stock - {t}.damaged)"

# No quantity of a level grows past this (the columns are 32-bit on PostgreSQL).
MAX_UNITS = 1_000_000_000



class MovementKind(str, Enum):
    """What a ledger row records."""

    EXPECTED = "EXPECTED"  # incoming up, under a reference
    RECEIPT = "RECEIPT"  # on hand up (and incoming down when it was expected)
    ADJUSTMENT = "ADJUSTMENT"
    COUNT = "COUNT"  # a cycle count's variance
    DAMAGE = "DAMAGE"  # available units marked damaged
    WRITE_OFF = "WRITE_OFF"  # damaged units leave on hand
    SAFETY_STOCK = "SAFETY_STOCK"
    TRANSFER_OUT = "TRANSFER_OUT"
    TRANSFER_IN = "TRANSFER_IN"
    RESERVE = "RESERVE"
    RELEASE = "RELEASE"
    SALE = "SALE"


# The quantities a ledger row records, each with a delta, a before and an after.
QUANTITIES = ("on_hand", "reserved", "damaged", "incoming", "safety_stock")


def available(on_hand: int, reserved: int, safety_stock: int, damaged: int) -> int:
    return max(0, on_hand - reserved - safety_stock - damaged)


def is_low(available_units: int, threshold: int | None) -> bool:
    return threshold is not None and available_units <= threshold


@dataclass(frozen=True)
class Delta:
    """What one change adds to each quantity of a level (negative: takes)."""

    on_hand: int = 0
    reserved: int = 0
    damaged: int = 0
    incoming: int = 0
    safety_stock: int = 0

    def items(self) -> list[tuple[str, int]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self)]

    def __bool__(self) -> bool:
        return any(v for _, v in self.items())


@dataclass(frozen=True)
class Figures:
    """A level's quantities at one moment."""

    on_hand: int
    reserved: int
    damaged: int
    incoming: int
    safety_stock: int
    low_stock_threshold: int | None = None

    @classmethod
    def of(cls, row: Mapping[str, Any] | Any) -> "Figures":
        """From a row (mapping) or a model with the level's columns."""
        get = row.get if isinstance(row, Mapping) else lambda k: getattr(row, k)
        return cls(on_hand=int(get("on_hand")), reserved=int(get("reserved")),
                   damaged=int(get("damaged")), incoming=int(get("incoming")),
                   safety_stock=int(get("safety_stock")),
                   low_stock_threshold=get("low_stock_threshold"))

    @property
    def available(self) -> int:
        return available(self.on_hand, self.reserved, self.safety_stock, self.damaged)

    @property
    def low_stock(self) -> bool:
        return is_low(self.available, self.low_stock_threshold)

    def before(self, delta: Delta) -> "Figures":
        """These figures as they were before `delta` was applied."""
        return Figures(on_hand=self.on_hand - delta.on_hand,
                       reserved=self.reserved - delta.reserved,
                       damaged=self.damaged - delta.damaged,
                       incoming=self.incoming - delta.incoming,
                       safety_stock=self.safety_stock - delta.safety_stock,
                       low_stock_threshold=self.low_stock_threshold)


def low_stock_event(sku: str, location: str, before: Figures, after: Figures) -> Event | None:
    """The LowStock event when a change made the level low, else None."""
    if after.low_stock and not before.low_stock:
        return Event(type=LOW_STOCK, sku=sku, location=location,
                     payload={"available": after.available,
                              "threshold": after.low_stock_threshold})
    return None


def moves_channels(before: Figures, after: Figures) -> bool:
    """Whether a channel's figures (its available or reserved) may have moved."""
    return before.available != after.available or before.reserved != after.reserved
