"""Which locations give an order its units (pure)."""
from __future__ import annotations

import pytest

from oms.core.errors import ErrorCode, OutOfStock
from oms.inventory.allocation import plan, spread_over_lines

A, B, C = 1, 2, 3  # product ids
SKUS = {A: "SKU-A", B: "SKU-B", C: "SKU-C"}
WH1, WH2, WH3 = 10, 20, 30  # location ids


# ---- one location that fills the whole order

def test_the_first_location_in_priority_that_fills_everything_wins():
    available = {(A, WH1): 5, (B, WH1): 2, (A, WH2): 5, (B, WH2): 5, (A, WH3): 9, (B, WH3): 9}
    assert plan({A: 5, B: 3}, [WH1, WH2, WH3], available, SKUS) == {A: [(WH2, 5)],
                                                                    B: [(WH2, 3)]}


def test_priority_is_the_order_of_the_list_not_the_ids():
    available = {(A, WH1): 5, (A, WH2): 5, (A, WH3): 5}
    assert plan({A: 3}, [WH3, WH1, WH2], available, SKUS) == {A: [(WH3, 3)]}
    assert plan({A: 3}, [WH2, WH3, WH1], available, SKUS) == {A: [(WH2, 3)]}


def test_exactly_enough_is_enough():
    assert plan({A: 5, B: 1}, [WH1], {(A, WH1): 5, (B, WH1): 1}, SKUS) == {
        A: [(WH1, 5)], B: [(WH1, 1)]}


def test_a_level_that_does_not_exist_counts_as_zero():
    assert plan({A: 1, B: 1}, [WH1, WH2], {(A, WH1): 3, (A, WH2): 1, (B, WH2): 1}, SKUS) == {
        A: [(WH2, 1)], B: [(WH2, 1)]}


# ---- otherwise each SKU is split in priority order

def test_each_sku_is_split_across_locations_in_priority_order():
    available = {(A, WH1): 5, (B, WH1): 2, (A, WH2): 5, (B, WH2): 5}
    assert plan({A: 8, B: 3}, [WH1, WH2], available, SKUS) == {
        A: [(WH1, 5), (WH2, 3)], B: [(WH1, 2), (WH2, 1)]}


def test_a_split_takes_a_sku_whole_from_the_first_location_that_has_it():
    # No single location has both; each SKU comes from the first place it is.
    available = {(A, WH1): 4, (B, WH2): 4, (C, WH3): 4}
    assert plan({A: 4, B: 1, C: 2}, [WH1, WH2, WH3], available, SKUS) == {
        A: [(WH1, 4)], B: [(WH2, 1)], C: [(WH3, 2)]}


def test_a_split_skips_empty_locations_and_stops_once_filled():
    available = {(A, WH1): 0, (A, WH2): 2, (A, WH3): 7, (B, WH1): 1}
    assert plan({A: 6, B: 1}, [WH1, WH2, WH3], available, SKUS) == {
        A: [(WH2, 2), (WH3, 4)], B: [(WH1, 1)]}


def test_negative_availability_gives_nothing():
    # Safety stock above what is free makes available negative; it is not a debt.
    available = {(A, WH1): -3, (A, WH2): 2, (A, WH3): 2, (B, WH1): 1}
    assert plan({A: 4, B: 1}, [WH1, WH2, WH3], available, SKUS) == {
        A: [(WH2, 2), (WH3, 2)], B: [(WH1, 1)]}


# ---- not enough anywhere

def test_out_of_stock_names_the_sku_and_counts_what_there_is():
    available = {(A, WH1): 5, (B, WH1): 4, (B, WH2): 3}
    with pytest.raises(OutOfStock) as exc:
        plan({A: 1, B: 9}, [WH1, WH2], available, SKUS)
    assert exc.value.code is ErrorCode.OUT_OF_STOCK
    assert exc.value.message == "not enough stock for SKU-B: 9 wanted, 7 available"
    assert exc.value.field == ["lines", "SKU-B"]


def test_out_of_stock_names_the_first_short_sku_in_sku_order():
    with pytest.raises(OutOfStock) as exc:
        plan({C: 2, B: 2, A: 1}, [WH1], {(A, WH1): 1}, SKUS)
    assert exc.value.message == "not enough stock for SKU-B: 2 wanted, 0 available"
    assert exc.value.field == ["lines", "SKU-B"]


def test_stock_at_locations_not_serving_the_channel_does_not_count():
    with pytest.raises(OutOfStock) as exc:
        plan({A: 2}, [WH1], {(A, WH1): 1, (A, WH2): 50}, SKUS)
    assert exc.value.message == "not enough stock for SKU-A: 2 wanted, 1 available"


def test_no_locations_means_nothing_is_available():
    with pytest.raises(OutOfStock) as exc:
        plan({A: 1}, [], {(A, WH1): 5}, SKUS)
    assert exc.value.message == "not enough stock for SKU-A: 1 wanted, 0 available"


# ---- a product's parts spread over its order lines

def test_one_part_one_line():
    assert spread_over_lines([(WH1, 3)], [(100, 3)]) == [(100, WH1, 3)]


def test_one_part_over_two_lines_of_the_same_sku():
    assert spread_over_lines([(WH1, 5)], [(100, 2), (101, 3)]) == [(100, WH1, 2),
                                                                   (101, WH1, 3)]


def test_two_parts_over_one_line():
    assert spread_over_lines([(WH1, 2), (WH2, 3)], [(100, 5)]) == [(100, WH1, 2),
                                                                   (100, WH2, 3)]


def test_parts_and_lines_crossing_each_other_in_order():
    assert spread_over_lines([(WH1, 3), (WH2, 4)], [(100, 2), (101, 5)]) == [
        (100, WH1, 2), (101, WH1, 1), (101, WH2, 4)]
    assert spread_over_lines([(WH1, 1), (WH2, 1), (WH3, 2)], [(100, 3), (101, 1)]) == [
        (100, WH1, 1), (100, WH2, 1), (100, WH3, 1), (101, WH3, 1)]


def test_no_lines_no_assignment():
    assert spread_over_lines([(WH1, 3)], []) == []
    assert spread_over_lines([], []) == []


def test_a_line_with_nothing_left_gets_nothing():
    assert spread_over_lines([(WH1, 2)], [(100, 0), (101, 2)]) == [(101, WH1, 2)]
