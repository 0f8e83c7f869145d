"""What a channel may sell of a SKU under its allocation rule. Pure: no I/O.

A channel draws on the pooled available of its locations (each level's
available, never below 0, summed). A rule ring-fences that pool: the channel
sees at most `cap_quantity` units, or `cap_percent` % of the pool (rounded
down, so two channels at 50 % never promise more than the pool), and a
`buffer` of units is always kept back from it. A SKU's own rule replaces the
channel-wide one (product None). Without a rule the channel sees the pool.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from oms.core.errors import Invalid
from oms.inventory.levels import MAX_UNITS


@dataclass(frozen=True)
class AllocationRule:
    cap_quantity: int | None = None
    cap_percent: int | None = None
    buffer: int = 0


def checked_rule(cap_quantity: int | None, cap_percent: int | None,
                 buffer: int | None) -> AllocationRule:
    """A rule from user input, or INVALID naming the field at fault."""
    if cap_quantity is not None and cap_percent is not None:
        raise Invalid("give capQuantity or capPercent, not both", field="capPercent")
    if cap_quantity is not None and not 0 <= cap_quantity <= MAX_UNITS:
        raise Invalid(f"capQuantity must be between 0 and {MAX_UNITS}", field="capQuantity")
    if cap_percent is not None and not 0 <= cap_percent <= 100:
        raise Invalid("capPercent must be between 0 and 100", field="capPercent")
    buffer = 0 if buffer is None else buffer
    if not 0 <= buffer <= MAX_UNITS:
        raise Invalid(f"buffer must be between 0 and {MAX_UNITS}", field="buffer")
    return AllocationRule(cap_quantity=cap_quantity, cap_percent=cap_percent, buffer=buffer)


def pooled(level_availables: Iterable[int]) -> int:
    """The pool a channel draws on: each of its levels' available, floored at 0."""
    return sum(max(0, a) for a in level_availables)


def channel_available(pool: int, rule: AllocationRule | None) -> int:
    """What the channel may sell out of `pool` under `rule`; never below 0."""
    if rule is None:
        return max(0, pool)
    limit = pool - rule.buffer
    if rule.cap_quantity is not None:
        limit = min(limit, rule.cap_quantity)
    if rule.cap_percent is not None:
        limit = min(limit, pool * rule.cap_percent // 100)
    return max(0, limit)


def rule_for(product_id: int, rules: Mapping[int | None, AllocationRule]) -> AllocationRule | None:
    """The rule that governs one product: its own, else the channel-wide one."""
    return rules.get(product_id, rules.get(None))


def enforce(need: Mapping[int, int], available: Mapping[tuple[int, int], int],
            locations: Iterable[int], rules: Mapping[int | None, AllocationRule],
            skus: Mapping[int, str]) -> list[int]:
    """Refuse (OUT_OF_STOCK) an order that wants more of a SKU than its
    channel may sell under the rules. `need` is units per product (duplicate
    lines summed), `available` each level's available keyed (product,
    location). Returns the products a rule governs: their levels must not
    move between this check and the write (placement re-checks them)."""
    from oms.core.errors import OutOfStock

    locations = list(locations)
    ruled = []
    for product_id in sorted(need, key=lambda p: skus[p]):
        rule = rule_for(product_id, rules)
        if rule is None:
            continue
        ruled.append(product_id)
        may_sell = channel_available(
            pooled(available.get((product_id, loc), 0) for loc in locations), rule)
        if need[product_id] > may_sell:
            raise OutOfStock(f"not enough stock for {skus[product_id]} in this channel: "
                             f"{need[product_id]} wanted, {may_sell} available",
                             field=["lines", skus[product_id]])
    return ruled
