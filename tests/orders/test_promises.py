"""Delivery promises: cutoffs, weekends, holidays, time zones, windows, ship-after."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oms.core.errors import ErrorCode, Invalid
from oms.orders import promises as p
from oms.orders.promises import DeliveryPromise, ShippingMethod

PARIS = ZoneInfo("Europe/Paris")  # UTC+1 until 29 March 2026, UTC+2 after
UTC = timezone.utc
STANDARD = ShippingMethod("STD", "Standard", service_days=2, cutoff=time(14, 0),
                          timezone="Europe/Paris")


def paris(day: int, hour: int = 10, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


def end_of_paris_day(day: int, month: int = 3) -> datetime:
    return datetime.combine(date(2026, month, day), time.max, PARIS).astimezone(UTC)


def _invalid(fn, *args, **kw) -> Invalid:
    with pytest.raises(Invalid) as exc:
        fn(*args, **kw)
    assert exc.value.code is ErrorCode.INVALID
    return exc.value


# ---- business days (16 March 2026 is a Monday)

def test_weekends_and_holidays_are_not_business_days():
    assert [p.is_business_day(date(2026, 3, d)) for d in range(16, 23)] == [
        True, True, True, True, True, False, False]
    assert not p.is_business_day(date(2026, 3, 17), {date(2026, 3, 17)})


@pytest.mark.parametrize(("start", "n", "end"), [
    (date(2026, 3, 16), 0, date(2026, 3, 16)),
    (date(2026, 3, 16), 1, date(2026, 3, 17)),
    (date(2026, 3, 19), 2, date(2026, 3, 23)),   # Thu + 2 -> Mon
    (date(2026, 3, 21), 1, date(2026, 3, 23)),   # Sat + 1 -> Mon
    (date(2026, 3, 16), 5, date(2026, 3, 23)),
    (date(2026, 3, 23), -1, date(2026, 3, 20)),  # Mon - 1 -> Fri
    (date(2026, 3, 23), -2, date(2026, 3, 19)),
    (date(2026, 3, 22), -1, date(2026, 3, 20)),  # Sun - 1 -> Fri
])
def test_adding_business_days(start, n, end):
    assert p.add_business_days(start, n) == end


def test_adding_business_days_skips_holidays_both_ways():
    easter_monday = {date(2026, 4, 6)}
    assert p.add_business_days(date(2026, 4, 3), 1, easter_monday) == date(2026, 4, 7)
    assert p.add_business_days(date(2026, 4, 7), -1, easter_monday) == date(2026, 4, 3)
    assert p.business_day_on_or_after(date(2026, 4, 4), easter_monday) == date(2026, 4, 7)


# ---- ship-by and promised delivery

@pytest.mark.parametrize(("placed", "ship_day", "delivery_day"), [
    (paris(16, 10), 16, 18),         # Monday before the cutoff: ships that day
    (paris(16, 13, 59), 16, 18),
    (paris(16, 14, 0), 17, 19),      # at the cutoff is too late
    (paris(16, 15), 17, 19),
    (paris(16, 0, 0), 16, 18),
    (paris(19, 15), 20, 24),         # Thursday late: Friday, arrives Tuesday
    (paris(20, 15), 23, 25),         # Friday after the cutoff: Monday
    (paris(20, 9), 20, 24),          # Friday before: Friday, transit over the weekend
    (paris(21, 9), 23, 25),          # Saturday: the warehouse is closed
    (paris(22, 23, 59), 23, 25),     # Sunday night
])
def test_ship_by_follows_the_cutoff_and_skips_weekends(placed, ship_day, delivery_day):
    result = p.promise(STANDARD, placed)
    assert result == DeliveryPromise(ship_by=end_of_paris_day(ship_day),
                                     promised_delivery=end_of_paris_day(delivery_day),
                                     route_after=None)


def test_times_come_back_in_utc_at_the_end_of_the_local_day():
    result = p.promise(STANDARD, paris(16, 10))
    assert result.ship_by == datetime(2026, 3, 16, 22, 59, 59, 999999, tzinfo=UTC)
    assert result.ship_by.tzinfo is UTC and result.promised_delivery.tzinfo is UTC


def test_end_of_day_follows_daylight_saving_time():
    # Placed Friday 27 March (UTC+1); arrives Tuesday 31 March (UTC+2).
    result = p.promise(STANDARD, paris(27, 10))
    assert result.ship_by == datetime(2026, 3, 27, 22, 59, 59, 999999, tzinfo=UTC)
    assert result.promised_delivery == datetime(2026, 3, 31, 21, 59, 59, 999999, tzinfo=UTC)


def test_the_cutoff_is_read_on_the_methods_clock():
    placed = datetime(2026, 3, 16, 13, 30, tzinfo=UTC)  # 14:30 in Paris, 09:30 in New York
    assert p.promise(STANDARD, placed).ship_by == end_of_paris_day(17)
    ny = ShippingMethod("NY", "Ground", 3, time(14, 0), timezone="America/New_York")
    result = p.promise(ny, placed)
    assert result.ship_by == datetime(2026, 3, 17, 3, 59, 59, 999999, tzinfo=UTC)  # EDT end of 16th
    assert result.promised_delivery == datetime(2026, 3, 20, 3, 59, 59, 999999, tzinfo=UTC)


def test_handling_days_come_before_shipping():
    method = ShippingMethod("MADE", "Made to order", 2, time(14, 0), handling_days=3,
                            timezone="Europe/Paris")
    result = p.promise(method, paris(19, 10))  # Thursday: +3 business days -> Tuesday
    assert (result.ship_by, result.promised_delivery) == (end_of_paris_day(24),
                                                          end_of_paris_day(26))


def test_same_day_courier_delivers_on_the_ship_day():
    courier = ShippingMethod("COURIER", "Courier", 0, time(11, 0), timezone="Europe/Paris")
    result = p.promise(courier, paris(16, 10))
    assert result.ship_by == result.promised_delivery == end_of_paris_day(16)


def test_holidays_delay_shipping_and_transit():
    holidays = {date(2026, 3, 16), date(2026, 3, 18)}
    result = p.promise(STANDARD, paris(16, 10), holidays=holidays)
    # Closed Monday: ships Tuesday; Wednesday is no transit day: arrives Friday.
    assert (result.ship_by, result.promised_delivery) == (end_of_paris_day(17),
                                                          end_of_paris_day(20))


# ---- the customer's delivery window

def test_a_window_opening_later_moves_shipping_later_and_routing_with_it():
    result = p.promise(STANDARD, paris(16, 10), window_earliest=paris(23, 9),
                       window_latest=paris(24, 18))
    assert result.promised_delivery == end_of_paris_day(23)  # Monday the window opens
    assert result.ship_by == end_of_paris_day(19)            # Thursday, 2 business days before
    assert result.route_after == datetime(2026, 3, 18, 23, 0, tzinfo=UTC)  # Thursday 00:00 Paris


def test_routing_waits_only_as_long_as_handling_allows():
    method = ShippingMethod("MADE", "Made to order", 2, time(14, 0), handling_days=2,
                            timezone="Europe/Paris")
    result = p.promise(method, paris(16, 10), window_earliest=paris(27))
    assert result.ship_by == end_of_paris_day(25)
    assert result.route_after == paris(23, 0).astimezone(UTC)  # Wed - 2 business days = Mon


def test_a_window_opening_on_a_weekend_is_kept_on_the_next_business_day():
    result = p.promise(STANDARD, paris(16, 10), window_earliest=paris(28, 9))  # Saturday
    assert result.promised_delivery == end_of_paris_day(30)
    assert result.ship_by == end_of_paris_day(26)


def test_a_window_already_open_changes_nothing():
    plain = p.promise(STANDARD, paris(16, 10))
    assert p.promise(STANDARD, paris(16, 10), window_earliest=paris(17),
                     window_latest=paris(30)) == plain
    assert p.promise(STANDARD, paris(16, 10), window_latest=paris(18, 8)) == plain


def test_a_window_that_closes_before_the_earliest_delivery_is_refused():
    err = _invalid(p.promise, STANDARD, paris(16, 15), window_earliest=paris(16, 18),
                   window_latest=paris(18, 20))
    assert err.field == ["deliveryWindow"]
    assert err.message == ("the delivery window ends 2026-03-18, before the earliest delivery "
                           "Standard can make (2026-03-19); choose a later window or a "
                           "faster method")


def test_a_reversed_window_is_refused():
    err = _invalid(p.promise, STANDARD, paris(16), window_earliest=paris(25),
                   window_latest=paris(24))
    assert (err.field, err.message) == (["deliveryWindow"],
                                        "the delivery window ends before it starts")


def test_a_window_without_a_business_day_is_refused():
    err = _invalid(p.promise, STANDARD, paris(16), window_earliest=paris(28, 8),
                   window_latest=paris(29, 20))
    assert err.field == ["deliveryWindow"]
    assert "holds no business day" in err.message


@pytest.mark.parametrize(("kw", "field"), [
    ({"window_earliest": datetime(2026, 3, 20, 9)}, ["deliveryWindow", "earliest"]),
    ({"window_latest": datetime(2026, 3, 20, 9)}, ["deliveryWindow", "latest"]),
    ({"ship_after": datetime(2026, 3, 20, 9)}, ["shipAfter"]),
])
def test_user_times_without_a_time_zone_are_refused(kw, field):
    err = _invalid(p.promise, STANDARD, paris(16), **kw)
    assert (err.field, err.message) == (field, "a date and time with a time zone is required")


def test_a_naive_placed_at_is_a_programming_error():
    with pytest.raises(ValueError):
        p.promise(STANDARD, datetime(2026, 3, 16, 10))


# ---- ship-after

def test_an_order_to_ship_later_is_promised_from_its_ship_after_date():
    result = p.promise(STANDARD, paris(16, 10), ship_after=paris(25, 9))
    assert result == DeliveryPromise(ship_by=end_of_paris_day(25),
                                     promised_delivery=end_of_paris_day(27),
                                     route_after=paris(25, 9).astimezone(UTC))


def test_a_ship_after_date_in_the_past_changes_only_routing():
    result = p.promise(STANDARD, paris(16, 10), ship_after=paris(2, 9))
    assert (result.ship_by, result.promised_delivery) == (end_of_paris_day(16),
                                                          end_of_paris_day(18))
    assert result.route_after == paris(2, 9).astimezone(UTC)
    assert p.is_due(result.route_after, paris(16, 10))


def test_ship_after_and_a_window_take_the_later_of_the_two():
    result = p.promise(STANDARD, paris(16, 10), ship_after=paris(17, 12),
                       window_earliest=paris(25))
    assert result.ship_by == end_of_paris_day(23)
    assert result.route_after == paris(23, 0).astimezone(UTC)
    later = p.promise(STANDARD, paris(16, 10), ship_after=paris(23, 12),
                      window_earliest=paris(25))
    assert later.route_after == paris(23, 12).astimezone(UTC)


def test_is_due():
    due = paris(20, 9)
    assert p.is_due(None, paris(16))
    assert not p.is_due(due, due - timedelta(microseconds=1))
    assert p.is_due(due, due)
    assert p.is_due(due, due.astimezone(UTC) + timedelta(days=1))
    with pytest.raises(ValueError):
        p.is_due(due, datetime(2026, 3, 20, 12))


# ---- shipping methods

@pytest.mark.parametrize(("kw", "field"), [
    ({"service_days": -1}, "service_days"),
    ({"service_days": 366}, "service_days"),
    ({"service_days": 1.5}, "service_days"),
    ({"service_days": True}, "service_days"),
    ({"handling_days": -1}, "handling_days"),
    ({"cutoff": "14:00"}, "cutoff"),
    ({"cutoff": time(14, tzinfo=UTC)}, "cutoff"),
    ({"timezone": "Europe/Atlantis"}, "timezone"),
    ({"timezone": "../etc/passwd"}, "timezone"),
    ({"timezone": ""}, "timezone"),
    ({"code": "no spaces"}, "code"),
])
def test_a_bad_shipping_method_is_refused(kw, field):
    args = {"code": "STD", "name": "Standard", "service_days": 2, "cutoff": time(14),
            "timezone": "Europe/Paris", **kw}
    assert _invalid(ShippingMethod, **args).field == [field]


def test_with_a_midnight_cutoff_routing_starts_the_day_before():
    next_day = ShippingMethod("ND", "Next day", 1, time(0), timezone="Europe/Paris")
    result = p.promise(next_day, paris(16, 10), window_earliest=paris(25))
    assert result.ship_by == end_of_paris_day(24)
    assert result.route_after == paris(23, 0).astimezone(UTC)
    assert p.promise(next_day, result.route_after).ship_by == result.ship_by


def test_a_shipping_method_defaults_to_utc_and_no_handling():
    method = ShippingMethod(" STD ", "Standard", 2, time(14))
    assert (method.code, method.handling_days, method.timezone) == ("STD", 0, "UTC")


# ---- properties

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Pacific/Auckland",
         "America/Sao_Paulo"]
methods = st.builds(ShippingMethod, code=st.just("M"), name=st.just("M"),
                    service_days=st.integers(0, 10),
                    # Midnight and the last minute are the edges of "placed before the cutoff".
                    cutoff=st.sampled_from([time(0), time(14), time(23, 59)]) | st.times(),
                    handling_days=st.integers(0, 5),
                    timezone=st.sampled_from(ZONES))
instants = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31),
                        timezones=st.just(UTC))
holiday_sets = st.frozensets(st.dates(min_value=date(2023, 12, 1), max_value=date(2031, 3, 1)),
                             max_size=40)


def _local_day(moment: datetime, method: ShippingMethod) -> date:
    return moment.astimezone(ZoneInfo(method.timezone)).date()


@settings(max_examples=300, deadline=None)
@given(method=methods, placed=instants, holidays=holiday_sets,
       ship_after=st.none() | instants)
def test_ship_by_never_precedes_the_order_and_delivery_never_precedes_shipping(
        method, placed, holidays, ship_after):
    result = p.promise(method, placed, ship_after=ship_after, holidays=holidays)
    ship_day, delivery_day = _local_day(result.ship_by, method), _local_day(
        result.promised_delivery, method)
    assert ship_day >= p.business_day_on_or_after(_local_day(placed, method), holidays)
    if ship_after is not None:
        assert ship_day >= p.business_day_on_or_after(_local_day(ship_after, method), holidays)
    assert result.ship_by > placed
    assert result.promised_delivery >= result.ship_by
    assert p.is_business_day(ship_day, holidays) and p.is_business_day(delivery_day, holidays)
    assert result.ship_by.tzinfo is UTC and result.promised_delivery.tzinfo is UTC


@settings(max_examples=300, deadline=None)
@given(method=methods, placed=instants, holidays=holiday_sets,
       opens_in=st.integers(-5, 40), lasts=st.integers(0, 10))
def test_a_kept_window_is_kept_and_shipping_is_never_earlier_than_possible(
        method, placed, holidays, opens_in, lasts):
    earliest = placed + timedelta(days=opens_in)
    latest = earliest + timedelta(days=lasts)
    plain = p.promise(method, placed, holidays=holidays)
    try:
        result = p.promise(method, placed, window_earliest=earliest, window_latest=latest,
                           holidays=holidays)
    except Invalid as exc:
        assert exc.field == ["deliveryWindow"]
        # Refused only when no business day in the window can be reached.
        assert _local_day(plain.promised_delivery, method) > _local_day(latest, method) or all(
            not p.is_business_day(_local_day(earliest, method) + timedelta(days=d), holidays)
            for d in range((_local_day(latest, method) - _local_day(earliest, method)).days + 1))
        return
    delivery_day = _local_day(result.promised_delivery, method)
    assert _local_day(earliest, method) <= delivery_day <= _local_day(latest, method)
    assert result.ship_by >= plain.ship_by
    assert result.promised_delivery >= result.ship_by
    if result.route_after is not None:
        # Released at the start of handling, it still ships on the promised day.
        assert p.promise(method, result.route_after, holidays=holidays).ship_by == result.ship_by
