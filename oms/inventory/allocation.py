"""Which locations give an order its units. Pure: no I/O.

Rule: the first location, in the channel's priority order, that can fill the
whole order; otherwise each SKU is split across locations in priority order.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from oms.core.errors import OutOfStock

Plan = dict[int, list[tuple[int, int]]]  # product_id -> [(location_id, qty)]


def plan(need: Mapping[int, int], locations: list[int],
         available: Mapping[tuple[int, int], int], skus: Mapping[int, str]) -> Plan:
    """`need` is summed per product; `available` is keyed (product, location)."""
    for loc in locations:
        if all(available.get((p, loc), 0) >= q for p, q in need.items()):
            return {p: [(loc, q)] for p, q in need.items()}
    result: Plan = {}
    for p, q in sorted(need.items(), key=lambda kv: skus[kv[0]]):
        remaining = q
        parts: list[tuple[int, int]] = []
        for loc in locations:
            take = min(remaining, max(0, available.get((p, loc), 0)))
            if take > 0:
                parts.append((loc, take))
                remaining -= take
            if remaining == 0:
                break
        if remaining:
            raise OutOfStock(f"not enough stock for {skus[p]}: {q} wanted, "
                             f"{q - remaining} available", field=["lines", skus[p]])
        result[p] = parts
    return result


def spread_over_lines(parts: list[tuple[int, int]],
                      lines: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Assign a product's location parts to its order lines (line_id, qty),
    in order: [(line_id, location_id, qty)]."""
    if sum(q for _, q in parts) < sum(q for _, q in lines):
        raise ValueError("the location parts hold fewer units than the lines need")
    out: list[tuple[int, int, int]] = []
    parts = list(parts)
    i = 0
    left_in_part = parts[0][1] if parts else 0
    for line_id, qty in lines:
        while qty > 0:
            take = min(qty, left_in_part)
            out.append((line_id, parts[i][0], take))
            qty -= take
            left_in_part -= take
            if left_in_part == 0 and i + 1 < len(parts):
                i += 1
                left_in_part = parts[i][1]
    return out


def reservation_steps(wants: "Iterable[tuple[int, str, int]]", locations: list[int],
                      available: Mapping[tuple[int, int], int]) -> list[tuple[int, int, int]]:
    """What to reserve for an order's (product id, sku, quantity) lines:
    [(product id, location id, qty)] sorted by (product, location), the order
    every stock writer locks rows in. Duplicate lines of a SKU are summed first."""
    if not locations:
        raise OutOfStock("the channel has no stock locations", field="channel")
    need, skus = need_of(wants)
    chosen = plan(need, locations, available, skus)
    return sorted((p, loc, q) for p, parts in chosen.items() for loc, q in parts)


def need_of(wants: "Iterable[tuple[int, str, int]]") -> tuple[dict[int, int], dict[int, str]]:
    """Units wanted per product (duplicate lines of a SKU summed) and each
    product's SKU, from (product id, sku, quantity) lines."""
    need: dict[int, int] = {}
    skus: dict[int, str] = {}
    for product_id, sku, quantity in wants:
        need[product_id] = need.get(product_id, 0) + quantity
        skus[product_id] = sku
    return need, skus
