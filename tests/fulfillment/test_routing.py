"""The routing strategy, pure: every criterion, ties, capacity, safety stock,
proximity by region and country, drop-ship, exclusions, impossible orders,
and the stored form of a strategy."""
from __future__ import annotations

import random

import pytest

from oms.core.errors import ErrorCode, OutOfStock, ValidationErrors
from oms.fulfillment import routing
from oms.fulfillment.routing import Criterion as C, ReasonCode as R, Site, Strategy
from oms.inventory import allocation

A, B, X = 1, 2, 3  # product ids
SKUS = {A: "SKU-A", B: "SKU-B", X: "SKU-X"}


def sites(*codes: str, **kw) -> list[Site]:
    return [Site(id=i + 10, code=c, **kw) for i, c in enumerate(codes)]


def stock(spec: dict[tuple[int, str], int], where: list[Site]) -> dict[tuple[int, int], int]:
    ids = {s.code: s.id for s in where}
    return {(p, ids[code]): q for (p, code), q in spec.items()}


def decide(need, where, spec, **kw) -> routing.Decision:
    return routing.decide(need, where, stock(spec, where), SKUS, **kw)


def placed(d: routing.Decision, where: list[Site]) -> list[tuple[str, str, int]]:
    codes = {s.id: s.code for s in where}
    return [(SKUS[p], codes[loc], q) for p, loc, q in d.steps]


def codes_of(d: routing.Decision) -> list[tuple[str, str | None]]:
    return [(r.code.value, r.location) for r in d.reasons]


# ---- the default: today's behaviour

def test_the_first_location_that_fills_everything_wins():
    where = sites("WH1", "WH2", "WH3")
    d = decide({A: 2, B: 1}, where, {(A, "WH1"): 5, (A, "WH2"): 5, (B, "WH2"): 1})
    assert placed(d, where) == [("SKU-A", "WH2", 2), ("SKU-B", "WH2", 1)]
    assert d.locations == [11]
    assert [(r.code, r.location, r.message) for r in d.reasons] == [
        (R.SELECTED_PRIORITY, "WH2", "WH2 fills 2 SKU-A, 1 SKU-B; first by LOCATION_PRIORITY")]


def test_otherwise_each_sku_is_split_in_priority_order():
    where = sites("WH1", "WH2", "WH3")
    d = decide({A: 6, B: 2}, where, {(A, "WH1"): 4, (A, "WH2"): 1, (A, "WH3"): 1,
                                     (B, "WH3"): 2})
    assert placed(d, where) == [("SKU-A", "WH1", 4), ("SKU-A", "WH2", 1), ("SKU-A", "WH3", 1),
                                ("SKU-B", "WH3", 2)]
    assert d.locations == [10, 11, 12]
    assert codes_of(d) == [("SPLIT_PRIORITY", "WH1"), ("SPLIT_PRIORITY", "WH2"),
                           ("SPLIT_PRIORITY", "WH3")]


def test_the_default_decides_exactly_as_allocation_plan_on_random_orders():
    rng = random.Random(4)
    for _ in range(400):
        where = sites(*(f"L{i}" for i in range(rng.randint(1, 5))))
        need = {p: rng.randint(1, 6) for p in rng.sample([A, B, X], rng.randint(1, 3))}
        available = {(p, s.id): rng.randint(-1, 5) for p in (A, B, X) for s in where
                     if rng.random() < 0.7}
        ids = [s.id for s in where]
        d = routing.decide(need, where, available, SKUS)
        try:
            expected = sorted((p, loc, q) for p, parts in
                              allocation.plan(need, ids, available, SKUS).items()
                              for loc, q in parts)
        except OutOfStock as exc:
            assert not d.routed
            with pytest.raises(OutOfStock) as got:
                d.raise_if_short(SKUS)
            assert got.value.message == exc.message and got.value.field == exc.field
            continue
        assert d.routed and d.steps == expected


def test_listing_location_priority_is_the_default():
    assert routing.DEFAULT == Strategy(criteria=(C.LOCATION_PRIORITY,), safety_stock=0)


# ---- FEWEST_SHIPMENTS

def test_within_the_fewest_locations_units_are_taken_in_order():
    where = sites("WH1", "WH2", "WH3")
    spec = {(A, "WH1"): 3, (B, "WH2"): 3, (A, "WH3"): 5, (B, "WH3"): 1, (X, "WH1"): 2}
    d = decide({A: 5, B: 3, X: 2}, where, spec, strategy=Strategy((C.FEWEST_SHIPMENTS,)))
    # No two locations have SKU-A, SKU-B and SKU-X between them: all three.
    assert placed(d, where) == [("SKU-A", "WH1", 3), ("SKU-A", "WH3", 2), ("SKU-B", "WH2", 3),
                                ("SKU-X", "WH1", 2)]


def test_fewest_shipments_takes_two_where_priority_takes_three():
    where = sites("WH1", "WH2", "WH3")
    spec = {(A, "WH1"): 1, (B, "WH2"): 1, (A, "WH3"): 2, (B, "WH3"): 0, (X, "WH2"): 1}
    need = {A: 2, B: 1, X: 1}
    assert [loc for _, loc, _ in placed(decide(need, where, spec), where)] == [
        "WH1", "WH3", "WH2", "WH2"]
    d = decide(need, where, spec, strategy=Strategy((C.FEWEST_SHIPMENTS, C.LOCATION_PRIORITY)))
    assert placed(d, where) == [("SKU-A", "WH3", 2), ("SKU-B", "WH2", 1), ("SKU-X", "WH2", 1)]
    assert codes_of(d) == [("SPLIT_FEWEST_SHIPMENTS", "WH3"), ("SPLIT_FEWEST_SHIPMENTS", "WH2")]


def test_a_tie_between_equally_small_splits_goes_to_the_first_in_order():
    where = sites("WH1", "WH2", "WH3", "WH4")
    spec = {(A, "WH1"): 1, (B, "WH2"): 1, (A, "WH3"): 1, (B, "WH4"): 1}
    d = decide({A: 1, B: 1}, where, spec, strategy=Strategy((C.FEWEST_SHIPMENTS,)))
    assert placed(d, where) == [("SKU-A", "WH1", 1), ("SKU-B", "WH2", 1)]


def test_fewest_shipments_still_prefers_a_single_location():
    where = sites("WH1", "WH2")
    d = decide({A: 1}, where, {(A, "WH1"): 1, (A, "WH2"): 1},
               strategy=Strategy((C.FEWEST_SHIPMENTS,)))
    assert placed(d, where) == [("SKU-A", "WH1", 1)]
    assert codes_of(d) == [("SELECTED_PRIORITY", "WH1")]


def test_past_its_budget_fewest_shipments_covers_greedily(monkeypatch):
    monkeypatch.setattr(routing, "MAX_SETS_TRIED", 1)
    where = sites("WH1", "WH2", "WH3")
    spec = {(A, "WH1"): 1, (B, "WH2"): 1, (A, "WH3"): 2, (B, "WH3"): 0, (X, "WH2"): 1}
    d = decide({A: 2, B: 1, X: 1}, where, spec, strategy=Strategy((C.FEWEST_SHIPMENTS,)))
    # WH2 gives the most (2 units), then WH3 covers SKU-A.
    assert placed(d, where) == [("SKU-A", "WH3", 2), ("SKU-B", "WH2", 1), ("SKU-X", "WH2", 1)]


# ---- PROXIMITY

NEAR = dict(country="US", region="CA")


def proximity_sites() -> list[Site]:
    return [Site(10, "FAR", country="DE", region="BE"), Site(11, "NATION", country="US",
                                                            region="NY"),
            Site(12, "LOCAL", country="us", region="ca"), Site(13, "NOWHERE")]


@pytest.mark.parametrize("have,chosen,code", [
    ({"FAR", "NATION", "LOCAL", "NOWHERE"}, "LOCAL", R.PROXIMITY_SAME_REGION),
    ({"FAR", "NATION", "NOWHERE"}, "NATION", R.PROXIMITY_SAME_COUNTRY),
    ({"FAR", "NOWHERE"}, "FAR", R.PROXIMITY_OTHER_COUNTRY),
    ({"NOWHERE"}, "NOWHERE", R.PROXIMITY_OTHER_COUNTRY),
])
def test_proximity_ranks_region_then_country_then_the_rest(have, chosen, code):
    where = proximity_sites()
    d = decide({A: 1}, where, {(A, c): 1 for c in have},
               strategy=Strategy((C.PROXIMITY, C.LOCATION_PRIORITY)), **NEAR)
    assert placed(d, where) == [("SKU-A", chosen, 1)]
    assert [(r.code, r.location) for r in d.reasons] == [
        (R.SELECTED_PRIORITY, chosen), (code, chosen)]


def test_priority_listed_before_proximity_wins():
    where = proximity_sites()
    d = decide({A: 1}, where, {(A, c): 1 for c in ("FAR", "LOCAL")},
               strategy=Strategy((C.LOCATION_PRIORITY, C.PROXIMITY)), **NEAR)
    assert placed(d, where) == [("SKU-A", "FAR", 1)]


def test_without_a_region_the_country_is_all_that_counts():
    where = proximity_sites()
    d = decide({A: 1}, where, {(A, c): 1 for c in ("NATION", "LOCAL")},
               strategy=Strategy((C.PROXIMITY,)), country="US")
    assert placed(d, where) == [("SKU-A", "NATION", 1)]  # both same-country: priority


def test_a_split_by_proximity_takes_the_nearest_first():
    where = proximity_sites()
    d = decide({A: 3}, where, {(A, "FAR"): 2, (A, "NATION"): 1, (A, "LOCAL"): 1,
                               (A, "NOWHERE"): 2},
               strategy=Strategy((C.PROXIMITY,)), **NEAR)
    assert placed(d, where) == [("SKU-A", "FAR", 1), ("SKU-A", "NATION", 1),
                                ("SKU-A", "LOCAL", 1)]
    assert d.locations == [12, 11, 10]


# ---- capacity, safety stock, exclusions

def test_a_location_at_its_daily_capacity_is_skipped_with_a_reason():
    where = [Site(10, "WH1", daily_capacity=3, routed_today=3),
             Site(11, "WH2", daily_capacity=3, routed_today=2), Site(12, "WH3")]
    d = decide({A: 1}, where, {(A, "WH1"): 5, (A, "WH2"): 5})
    assert placed(d, where) == [("SKU-A", "WH2", 1)]
    assert [(r.code, r.location, r.message) for r in d.reasons][0] == (
        R.SKIPPED_CAPACITY, "WH1", "WH1 has been routed 3 orders today, its daily capacity is 3")


def test_a_zero_capacity_location_takes_nothing():
    where = [Site(10, "WH1", daily_capacity=0)]
    d = decide({A: 1}, where, {(A, "WH1"): 5})
    assert not d.routed
    assert codes_of(d) == [("SKIPPED_CAPACITY", "WH1"), ("NO_LOCATION_CAN_FILL", None)]


def test_safety_stock_is_kept_back_for_routing():
    where = sites("WH1", "WH2")
    d = decide({A: 4}, where, {(A, "WH1"): 5, (A, "WH2"): 9},
               strategy=Strategy(safety_stock=2))
    assert placed(d, where) == [("SKU-A", "WH2", 4)]
    assert [(r.code, r.location, r.message) for r in d.reasons][0] == (
        R.SKIPPED_SAFETY_STOCK, "WH1",
        "WH1 would keep fewer than 2 SKU-A available (has 5, 4 wanted)")


def test_safety_stock_leaves_exactly_that_many_in_a_split():
    where = sites("WH1", "WH2")
    d = decide({A: 6}, where, {(A, "WH1"): 5, (A, "WH2"): 5}, strategy=Strategy(safety_stock=2))
    assert placed(d, where) == [("SKU-A", "WH1", 3), ("SKU-A", "WH2", 3)]


def test_safety_stock_can_make_an_order_impossible():
    where = sites("WH1")
    d = decide({A: 4}, where, {(A, "WH1"): 5}, strategy=Strategy(safety_stock=2))
    assert d.short == {A: (4, 3)}
    with pytest.raises(OutOfStock) as exc:
        d.raise_if_short(SKUS)
    assert exc.value.message == "not enough stock for SKU-A: 4 wanted, 3 available"


def test_rejecting_locations_are_left_out_with_their_reason():
    where = sites("WH1", "WH2")
    d = decide({A: 1}, where, {(A, "WH1"): 5, (A, "WH2"): 5}, rejected={10: "shelf empty"})
    assert placed(d, where) == [("SKU-A", "WH2", 1)]
    assert [(r.code, r.message) for r in d.reasons][0] == (
        R.REJECTED_BY_LOCATION, "WH1 rejected a shipment of this order: shelf empty")


# ---- drop-ship

def drop_sites() -> list[Site]:
    return [Site(10, "WH1"), Site(11, "SUP", kind="SUPPLIER"), Site(12, "SUP2", kind="SUPPLIER")]


def test_drop_ship_first_sends_what_a_supplier_carries_to_it():
    where = drop_sites()
    spec = {(A, "WH1"): 5, (B, "WH1"): 5, (B, "SUP"): 1, (B, "SUP2"): 9}
    d = decide({A: 1, B: 2}, where, spec, strategy=Strategy((C.LOCATION_PRIORITY,
                                                            C.DROP_SHIP_FIRST)))
    assert placed(d, where) == [("SKU-A", "WH1", 1), ("SKU-B", "SUP2", 2)]
    assert d.locations == [12, 10]
    assert codes_of(d) == [("DROP_SHIP", "SUP2"), ("SELECTED_PRIORITY", "WH1")]


def test_without_drop_ship_first_a_supplier_is_an_ordinary_location():
    where = [Site(11, "SUP", kind="SUPPLIER"), Site(10, "WH1")]
    spec = {(A, "WH1"): 5, (B, "WH1"): 5, (B, "SUP"): 9}
    assert placed(decide({A: 1, B: 2}, where, spec), where) == [
        ("SKU-A", "WH1", 1), ("SKU-B", "WH1", 2)]
    # Listed last, a supplier gets only what warehouses cannot fill.
    where = [Site(10, "WH1"), Site(11, "SUP", kind="SUPPLIER")]
    spec = {(A, "WH1"): 5, (B, "WH1"): 1, (B, "SUP"): 9}
    assert placed(decide({A: 1, B: 2}, where, spec), where) == [
        ("SKU-A", "WH1", 1), ("SKU-B", "WH1", 1), ("SKU-B", "SUP", 1)]


def test_a_supplier_that_cannot_give_a_sku_whole_does_not_drop_ship_it():
    where = drop_sites()
    d = decide({B: 3}, where, {(B, "WH1"): 2, (B, "SUP"): 2},
               strategy=Strategy((C.DROP_SHIP_FIRST,)))
    assert placed(d, where) == [("SKU-B", "WH1", 2), ("SKU-B", "SUP", 1)]
    assert codes_of(d) == [("SPLIT_PRIORITY", "WH1"), ("SPLIT_PRIORITY", "SUP")]


# ---- impossible orders

def test_an_order_no_location_can_fill_is_short_with_every_reason():
    where = sites("WH1", "WH2")
    d = decide({A: 3, B: 9}, where, {(A, "WH1"): 1, (A, "WH2"): 1, (B, "WH2"): 9})
    assert not d.routed and d.steps == [] and d.locations == []
    assert d.short == {A: (3, 2)}
    assert [(r.code, r.message) for r in d.reasons] == [
        (R.NO_LOCATION_CAN_FILL, "no allowed location can give 3 SKU-A (2 available to route)")]


def test_no_locations_at_all_is_short():
    d = routing.decide({A: 1}, [], {}, SKUS)
    assert d.short == {A: (1, 0)}


# ---- assigning units to order lines

def test_units_are_spread_over_lines_by_line_id_from_locations_by_id():
    steps = [(A, 11, 3), (A, 10, 2), (B, 11, 1)]
    lines = [(101, A, 4), (100, A, 1), (102, B, 1)]
    assert routing.assign_lines(steps, lines) == {
        10: [(100, 1), (101, 1)], 11: [(101, 3), (102, 1)]}


# ---- the stored form

def test_a_strategy_round_trips_through_its_json():
    s = Strategy((C.PROXIMITY, C.FEWEST_SHIPMENTS, C.DROP_SHIP_FIRST), safety_stock=3)
    assert s.to_dict() == {"criteria": ["PROXIMITY", "FEWEST_SHIPMENTS", "DROP_SHIP_FIRST"],
                           "safetyStock": 3}
    assert routing.strategy_from_dict(s.to_dict()) == s
    assert routing.strategy_from_dict(None) is routing.DEFAULT
    assert routing.strategy_from_dict({"criteria": ["PROXIMITY"]}) == Strategy((C.PROXIMITY,))


def test_every_mistake_in_a_strategy_is_reported_at_once():
    with pytest.raises(ValidationErrors) as exc:
        routing.strategy_from_dict({"criteria": ["PROXIMITY", "NEAREST", "PROXIMITY"],
                                    "safetyStock": -1})
    assert [(e.code, e.field, e.message) for e in exc.value.errors] == [
        (ErrorCode.INVALID, ["criteria", "1"],
         "unknown criterion 'NEAREST'; one of LOCATION_PRIORITY, FEWEST_SHIPMENTS, "
         "PROXIMITY, DROP_SHIP_FIRST"),
        (ErrorCode.INVALID, ["criteria", "2"], "PROXIMITY is listed twice"),
        (ErrorCode.INVALID, ["safetyStock"],
         "safetyStock must be a whole number from 0 to 1,000,000")]


@pytest.mark.parametrize("data,field", [
    ({"criteria": []}, ["criteria"]), ({}, ["criteria"]),
    ({"criteria": ["PROXIMITY"], "safetyStock": True}, ["safetyStock"]),
    ({"criteria": ["PROXIMITY"], "safetyStock": 1_000_001}, ["safetyStock"]),
    ([], ["routingStrategy"]),
])
def test_a_bad_strategy_is_refused(data, field):
    with pytest.raises(Exception) as exc:
        routing.strategy_from_dict(data)
    assert exc.value.code is ErrorCode.INVALID and exc.value.field == field
