"""Delivery promises: when an order must ship and when it will arrive. Pure.

Days are counted in the shipping method's time zone (where the warehouse and
its carrier pickup are), because "before 14:00" and "next business day" mean
the warehouse's clock, not the server's or the customer's. Weekends and the
given holidays are not business days, for shipping and for transit alike:
carriers quote service levels in business days. Times come back in UTC.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Collection
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from oms.core import validation as v
from oms.core.errors import Invalid

MAX_DAYS = 365  # a longer service level or handling time is a typo, not a plan


@dataclass(frozen=True)
class ShippingMethod:
    code: str
    name: str
    service_days: int       # business days in transit
    cutoff: time            # local time; orders placed before it ship the same business day
    handling_days: int = 0  # business days to pick and pack before it can ship
    timezone: str = "UTC"   # IANA name, e.g. Europe/Paris

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", v.code(self.code, "code"))
        for name in ("service_days", "handling_days"):
            days = getattr(self, name)
            if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_DAYS:
                raise Invalid(f"{name} must be a whole number of days from 0 to {MAX_DAYS}",
                              field=name)
        if not isinstance(self.cutoff, time) or self.cutoff.tzinfo is not None:
            raise Invalid("cutoff must be a local time of day such as 14:00", field="cutoff")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise Invalid(f"unknown time zone {self.timezone!r}; use an IANA name such as "
                          "Europe/Paris", field="timezone") from None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class DeliveryPromise:
    ship_by: datetime            # end of the local business day the parcel must leave on
    promised_delivery: datetime  # end of the local business day it arrives by
    # Not to be routed before this (None: route now): the customer's
    # ship-after date, or a later start when the promise waits for their
    # delivery window, so the parcel does not arrive before the window opens.
    route_after: datetime | None


# ---- business days

def is_business_day(day: date, holidays: Collection[date] = frozenset()) -> bool:
    return day.weekday() < 5 and day not in holidays


def business_day_on_or_after(day: date, holidays: Collection[date] = frozenset()) -> date:
    while not is_business_day(day, holidays):
        day += timedelta(days=1)
    return day


def add_business_days(day: date, n: int, holidays: Collection[date] = frozenset()) -> date:
    """`n` business days after `day` (n may be negative); `day` itself need not be one."""
    step = timedelta(days=1 if n >= 0 else -1)
    for _ in range(abs(n)):
        day += step
        while not is_business_day(day, holidays):
            day += step
    return day


# ---- the promise

def promise(method: ShippingMethod, placed_at: datetime, *,
            window_earliest: datetime | None = None, window_latest: datetime | None = None,
            ship_after: datetime | None = None,
            holidays: Collection[date] = frozenset()) -> DeliveryPromise:
    """Ship-by and promised delivery for an order placed at `placed_at`.

    An order with a ship-after date is treated as if placed then. A customer
    window that opens after the earliest possible delivery moves the
    shipment later so it lands in the window; a window that closes before
    the earliest possible delivery cannot be kept and is refused
    (INVALID on deliveryWindow) rather than silently broken.
    """
    _aware(placed_at, "placedAt", programmer=True)
    for value, path in ((window_earliest, ["deliveryWindow", "earliest"]),
                        (window_latest, ["deliveryWindow", "latest"]),
                        (ship_after, ["shipAfter"])):
        _aware(value, path)
    if None not in (window_earliest, window_latest) and window_latest < window_earliest:
        raise Invalid("the delivery window ends before it starts", field="deliveryWindow")

    zone = method.zone
    released = max(placed_at, ship_after) if ship_after else placed_at
    earliest_ship = _earliest_ship_day(method, released, holidays)
    ship_day = earliest_ship
    delivery = add_business_days(ship_day, method.service_days, holidays)

    closes = window_latest.astimezone(zone).date() if window_latest is not None else None
    if window_earliest is not None:
        opens = business_day_on_or_after(window_earliest.astimezone(zone).date(), holidays)
        if closes is not None and opens > closes:
            raise Invalid("the delivery window holds no business day (nothing is delivered on "
                          "weekends and holidays); widen it", field="deliveryWindow")
        if opens > delivery:
            ship_day = max(earliest_ship, add_business_days(opens, -method.service_days, holidays))
            delivery = add_business_days(ship_day, method.service_days, holidays)
    if closes is not None and delivery > closes:
        raise Invalid(
            f"the delivery window ends {closes.isoformat()}, "
            f"before the earliest delivery {method.name} can make "
            f"({delivery.isoformat()}); choose a later window or a faster method",
            field="deliveryWindow")

    route_after = ship_after
    if ship_day > earliest_ship:
        # Start of the day its handling has to begin for it to leave on ship_day.
        start = add_business_days(ship_day, -method.handling_days, holidays)
        if method.cutoff == time.min:  # nothing leaves on the day it comes in
            start -= timedelta(days=1)
        route_after = max(filter(None, (ship_after, _start_of(start, zone))))
    return DeliveryPromise(
        ship_by=_end_of(ship_day, zone), promised_delivery=_end_of(delivery, zone),
        route_after=route_after.astimezone(timezone.utc) if route_after else None)


def is_due(ship_after: datetime | None, now: datetime) -> bool:
    """Whether a CONFIRMED order held for its ship-after date may be routed now."""
    _aware(now, "now", programmer=True)
    if ship_after is None:
        return True
    _aware(ship_after, "shipAfter", programmer=True)
    return now >= ship_after


def _earliest_ship_day(method: ShippingMethod, released: datetime,
                       holidays: Collection[date]) -> date:
    local = released.astimezone(method.zone)
    day = local.date()
    if not (is_business_day(day, holidays) and local.time() < method.cutoff):
        # Placed after the cutoff, or on a day the warehouse is closed.
        day = business_day_on_or_after(day + timedelta(days=1), holidays)
    return add_business_days(day, method.handling_days, holidays)


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, zone)


def _end_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.max, zone).astimezone(timezone.utc)


def _aware(value: datetime | None, field: str | list[str], *, programmer: bool = False) -> None:
    if value is None or (value.tzinfo is not None and value.utcoffset() is not None):
        return
    if programmer:  # our own clock: a bug, not a user's mistake
        raise ValueError(f"{field} must be a time-zone-aware datetime")
    raise Invalid("a date and time with a time zone is required", field=field)
