from __future__ import annotations

from datetime import datetime, timezone


def now() -> datetime:
    return datetime.now(timezone.utc)


_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)
_LATEST = datetime.max.replace(tzinfo=timezone.utc)


def utc(value: datetime) -> datetime:
    """`value` in UTC (naive means UTC). A time within a day of year 1 or
    9999 whose offset takes it past the calendar's ends is clamped there:
    as a filter bound it still means "from the beginning" / "to the end"."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:
        return _EARLIEST if value.year == 1 else _LATEST
