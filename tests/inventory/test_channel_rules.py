"""The pure allocation-rule module: what a channel may sell out of its pool
under a rule, which rule governs a SKU, and which user input makes a rule."""
from __future__ import annotations

import itertools

import pytest

from oms.core.errors import ErrorCode, Invalid
from oms.inventory.channel_rules import (AllocationRule, channel_available, checked_rule, pooled,
                                         rule_for)
from oms.inventory.levels import MAX_UNITS


# ---- checked_rule: user input to a rule, or INVALID naming the field

@pytest.mark.parametrize("cap_quantity, cap_percent, buffer, expected", [
    (None, None, None, AllocationRule()),
    (None, None, 0, AllocationRule()),
    (5, None, None, AllocationRule(cap_quantity=5)),
    (0, None, None, AllocationRule(cap_quantity=0)),
    (MAX_UNITS, None, None, AllocationRule(cap_quantity=MAX_UNITS)),
    (None, 0, None, AllocationRule(cap_percent=0)),
    (None, 50, 2, AllocationRule(cap_percent=50, buffer=2)),
    (None, 100, None, AllocationRule(cap_percent=100)),
    (None, None, MAX_UNITS, AllocationRule(buffer=MAX_UNITS)),
    (7, None, 3, AllocationRule(cap_quantity=7, buffer=3)),
])
def test_checked_rule_accepts(cap_quantity, cap_percent, buffer, expected):
    assert checked_rule(cap_quantity, cap_percent, buffer) == expected


@pytest.mark.parametrize("cap_quantity, cap_percent, buffer, field", [
    (1, 1, None, "capPercent"),  # both caps
    (0, 0, 0, "capPercent"),
    (-1, None, None, "capQuantity"),
    (MAX_UNITS + 1, None, None, "capQuantity"),
    (10 ** 30, None, None, "capQuantity"),
    (None, -1, None, "capPercent"),
    (None, 101, None, "capPercent"),
    (None, 2 ** 63, None, "capPercent"),
    (None, None, -1, "buffer"),
    (None, None, MAX_UNITS + 1, "buffer"),
    (None, None, -(10 ** 30), "buffer"),
])
def test_checked_rule_refuses(cap_quantity, cap_percent, buffer, field):
    with pytest.raises(Invalid) as exc:
        checked_rule(cap_quantity, cap_percent, buffer)
    assert exc.value.code is ErrorCode.INVALID
    assert exc.value.field == [field]


# ---- pooled: each level's available floored at 0, summed

@pytest.mark.parametrize("levels, expected", [
    ([], 0), ([0], 0), ([5], 5), ([5, 3], 8), ([-2, 3], 3), ([-2, -5], 0), ([4, 0, -1, 6], 10),
])
def test_pooled(levels, expected):
    assert pooled(levels) == expected
    assert pooled(iter(levels)) == expected  # any iterable, read once


# ---- channel_available: the pool under a rule

@pytest.mark.parametrize("pool, rule, expected", [
    # no rule: the pool
    (0, None, 0), (10, None, 10), (-3, None, 0),
    # an empty rule changes nothing
    (10, AllocationRule(), 10),
    # a fixed cap
    (10, AllocationRule(cap_quantity=4), 4), (3, AllocationRule(cap_quantity=4), 3),
    (10, AllocationRule(cap_quantity=0), 0), (10, AllocationRule(cap_quantity=10), 10),
    # a percentage, rounded down
    (10, AllocationRule(cap_percent=50), 5), (9, AllocationRule(cap_percent=50), 4),
    (1, AllocationRule(cap_percent=99), 0), (10, AllocationRule(cap_percent=100), 10),
    (10, AllocationRule(cap_percent=0), 0), (7, AllocationRule(cap_percent=33), 2),
    # a buffer kept back, never below 0
    (10, AllocationRule(buffer=3), 7), (3, AllocationRule(buffer=3), 0),
    (2, AllocationRule(buffer=3), 0), (0, AllocationRule(buffer=1), 0),
    # cap and buffer: the lower of the two limits
    (10, AllocationRule(cap_quantity=8, buffer=3), 7),
    (10, AllocationRule(cap_quantity=5, buffer=3), 5),
    (10, AllocationRule(cap_percent=50, buffer=3), 5),
    (10, AllocationRule(cap_percent=90, buffer=3), 7),
    (4, AllocationRule(cap_percent=50, buffer=3), 1),
    # a pool at the largest quantity a level holds, many levels over
    (10 * MAX_UNITS, AllocationRule(cap_percent=100), 10 * MAX_UNITS),
    (10 * MAX_UNITS, AllocationRule(cap_quantity=MAX_UNITS, buffer=MAX_UNITS), MAX_UNITS),
])
def test_channel_available(pool, rule, expected):
    assert channel_available(pool, rule) == expected


def test_two_channels_at_half_never_promise_more_than_the_pool():
    for pool, percent in itertools.product(range(0, 40), range(0, 101)):
        rule = AllocationRule(cap_percent=percent)
        other = AllocationRule(cap_percent=100 - percent)
        assert channel_available(pool, rule) + channel_available(pool, other) <= pool


def test_a_rule_never_gives_more_than_the_pool_nor_below_zero():
    rules = [None, AllocationRule()] + [
        AllocationRule(cap_quantity=q, cap_percent=p, buffer=b)
        for q, p, b in itertools.product((None, 0, 3, 50), (None, 0, 25, 100), (0, 2, 60))
        if q is None or p is None]
    for pool in range(-5, 60):
        for rule in rules:
            got = channel_available(pool, rule)
            assert 0 <= got <= max(0, pool), (pool, rule)


# ---- rule_for: a SKU's own rule replaces the channel-wide one

def test_rule_for():
    own, wide = AllocationRule(cap_quantity=1), AllocationRule(buffer=2)
    assert rule_for(7, {}) is None
    assert rule_for(7, {None: wide}) == wide
    assert rule_for(7, {7: own}) == own
    assert rule_for(7, {7: own, None: wide}) == own
    assert rule_for(8, {7: own, None: wide}) == wide
    assert rule_for(8, {7: own}) is None
