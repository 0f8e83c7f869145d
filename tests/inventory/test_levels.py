"""A level's figures (pure): available, low stock, and what a change did."""
from __future__ import annotations

import pytest

from oms.events.record import Event
from oms.inventory.levels import (Delta, Figures, MovementKind, available, is_low,
                                  low_stock_event, moves_channels)


@pytest.mark.parametrize(("on_hand", "reserved", "safety", "damaged", "expected"), [
    (10, 0, 0, 0, 10),
    (10, 3, 0, 0, 7),
    (10, 3, 2, 0, 5),
    (10, 3, 2, 1, 4),
    (10, 0, 0, 10, 0),
    (10, 3, 5, 2, 0),  # exactly nothing left
    (10, 3, 9, 2, 0),  # safety stock above what is free: never below 0
    (0, 0, 4, 0, 0),
])
def test_available_is_on_hand_less_reserved_safety_stock_and_damaged_never_below_0(
        on_hand, reserved, safety, damaged, expected):
    assert available(on_hand, reserved, safety, damaged) == expected
    assert Figures(on_hand, reserved, damaged, 0, safety).available == expected


@pytest.mark.parametrize(("units", "threshold", "low"), [
    (0, None, False), (5, None, False),  # no threshold: never low
    (0, 0, True), (1, 0, False),
    (4, 5, True), (5, 5, True), (6, 5, False),
])
def test_low_at_or_below_the_threshold(units, threshold, low):
    assert is_low(units, threshold) is low
    assert Figures(units, 0, 0, 0, 0, threshold).low_stock is low


def test_figures_before_a_delta():
    after = Figures(on_hand=8, reserved=2, damaged=1, incoming=4, safety_stock=3,
                    low_stock_threshold=5)
    delta = Delta(on_hand=5, reserved=-1, damaged=1, incoming=-5, safety_stock=3)
    assert after.before(delta) == Figures(on_hand=3, reserved=3, damaged=0, incoming=9,
                                          safety_stock=0, low_stock_threshold=5)
    assert after.before(Delta()) == after


def test_delta_lists_every_quantity_and_is_false_when_nothing_moves():
    assert Delta(damaged=2).items() == [("on_hand", 0), ("reserved", 0), ("damaged", 2),
                                        ("incoming", 0), ("safety_stock", 0)]
    assert not Delta()
    assert Delta(incoming=-1)


def _f(available_units: int, threshold: int | None) -> Figures:
    return Figures(on_hand=available_units, reserved=0, damaged=0, incoming=0, safety_stock=0,
                   low_stock_threshold=threshold)


@pytest.mark.parametrize(("before", "after", "raised"), [
    (_f(6, 5), _f(5, 5), True),  # crosses to the threshold
    (_f(9, 5), _f(0, 5), True),
    (_f(5, 5), _f(4, 5), False),  # was low already
    (_f(4, 5), _f(6, 5), False),  # recovers
    (_f(6, 5), _f(6, 5), False),
    (_f(6, None), _f(1, None), False),  # no threshold
    (_f(3, None), _f(3, 5), True),  # a new threshold makes it low
    (_f(3, 2), _f(3, 3), True),  # a raised threshold makes it low
    (_f(3, 3), _f(3, None), False),  # a cleared threshold
])
def test_low_stock_is_raised_once_when_a_change_makes_the_level_low(before, after, raised):
    event = low_stock_event("SKU-A", "WH1", before, after)
    if raised:
        assert event == Event(type="LowStock", sku="SKU-A", location="WH1",
                              payload={"available": after.available,
                                       "threshold": after.low_stock_threshold})
    else:
        assert event is None


@pytest.mark.parametrize(("before", "after", "moved"), [
    (Figures(5, 0, 0, 0, 0), Figures(6, 0, 0, 0, 0), True),
    (Figures(5, 0, 0, 0, 0), Figures(5, 1, 0, 0, 0), True),  # reserved: the channel's figure
    (Figures(5, 0, 0, 0, 0), Figures(5, 0, 0, 7, 0), False),  # incoming only
    (Figures(5, 0, 2, 0, 0), Figures(3, 0, 0, 0, 0), False),  # a write-off
    (Figures(2, 0, 0, 0, 5), Figures(4, 0, 0, 0, 5), False),  # still 0 available
])
def test_channels_hear_of_a_change_of_available_or_reserved(before, after, moved):
    assert moves_channels(before, after) is moved


def test_movement_kinds():
    assert [k.value for k in MovementKind] == [
        "EXPECTED", "RECEIPT", "ADJUSTMENT", "COUNT", "DAMAGE", "WRITE_OFF", "SAFETY_STOCK",
        "TRANSFER_OUT", "TRANSFER_IN", "RESERVE", "RELEASE", "SALE"]
