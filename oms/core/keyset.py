"""Reading the `after` cursor of a keyset-paginated list back into its sort
key and row id, refusing anything the list did not hand out. Pure."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Callable

from oms.core import clock

MAX_ID = 2**31 - 1
MAX_AMOUNT = Decimal("1e15")


class InvalidCursor(ValueError):
    """An `after` cursor this sort did not produce."""


def decode_id(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise ValueError("cursor id is not an integer")
    value = int(raw)
    if not 0 <= value <= MAX_ID:
        raise ValueError("cursor id out of range")
    return value


def decode_time(raw: Any) -> datetime:
    value = datetime.fromisoformat(raw)  # TypeError unless a string
    if value.tzinfo is None:
        raise ValueError("cursor time without a time zone")
    return clock.utc(value)


def decode_amount(raw: Any) -> Decimal:
    value = Decimal(str(raw))
    if not value.is_finite() or abs(value) >= MAX_AMOUNT:
        raise ValueError("cursor amount out of range")
    return value


def decode_after(after: list[Any], decode_key: Callable[[Any], Any]) -> tuple[Any, int]:
    """(sort key, row id) of an `after` cursor's values; InvalidCursor if they are not."""
    try:
        raw_key, raw_id = after
        return decode_key(raw_key), decode_id(raw_id)
    except (ValueError, TypeError, ArithmeticError):
        raise InvalidCursor("invalid cursor") from None
