"""Routing decisions per second: oms.fulfillment.routing.decide (pure, one
core) for orders of 1 to 10 lines over 20 locations, per strategy.

Stock is random but seeded: each SKU sits at about half the locations with
0-12 units, so some orders fill from one location and others must split
(the share that split is printed). A few locations are at their daily
capacity. End-to-end placement, which also reserves and writes, is what
bench/orders_throughput.py measures; routing is a small part of it.

    .venv/bin/python bench/routing_decisions.py [--seconds 1.0] [--seed 7]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from oms.fulfillment import routing  # noqa: E402
from oms.fulfillment.routing import Criterion as C, Site, Strategy  # noqa: E402

LOCATIONS = 20
SKUS = 200

STRATEGIES = {
    "default (LOCATION_PRIORITY)": routing.DEFAULT,
    "FEWEST_SHIPMENTS": Strategy((C.FEWEST_SHIPMENTS, C.LOCATION_PRIORITY)),
    "PROXIMITY+FEWEST+DROP_SHIP, safety 2": Strategy(
        (C.PROXIMITY, C.FEWEST_SHIPMENTS, C.DROP_SHIP_FIRST), safety_stock=2),
}


def _world(rng: random.Random):
    regions = [("FR", "IDF"), ("FR", "ARA"), ("DE", "BE"), ("DE", "BY"), ("NL", None)]
    sites = []
    for i in range(LOCATIONS):
        country, region = regions[i % len(regions)]
        sites.append(Site(id=i + 1, code=f"L{i + 1:02d}",
                          kind="SUPPLIER" if i % 7 == 6 else "WAREHOUSE",
                          country=country, region=region,
                          daily_capacity=50 if i % 5 == 4 else None,
                          routed_today=50 if i % 10 == 9 else 3))
    available = {(p, s.id): rng.randint(0, 12) for p in range(1, SKUS + 1) for s in sites
                 if rng.random() < 0.5}
    skus = {p: f"SKU-{p:04d}" for p in range(1, SKUS + 1)}
    return sites, available, skus


def _orders(rng: random.Random, lines: int, n: int) -> list[dict[int, int]]:
    return [{p: rng.randint(1, 4) for p in rng.sample(range(1, SKUS + 1), lines)}
            for _ in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=1.0, help="per strategy and order size")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    sites, available, skus = _world(rng)
    print(f"{LOCATIONS} locations, {SKUS} SKUs; {args.seconds:.1f}s per cell, one core")
    print(f"{'strategy':40} {'lines':>5} {'decisions/s':>12} {'us each':>8} "
          f"{'split':>6} {'short':>6}")
    summary = []
    for name, strategy in STRATEGIES.items():
        for lines in range(1, 11):
            orders = _orders(rng, lines, 500)
            done = split = short = 0
            start = time.perf_counter()
            deadline = start + args.seconds
            while time.perf_counter() < deadline:
                for need in orders:
                    d = routing.decide(need, sites, available, skus, strategy=strategy,
                                       country="FR", region="ARA")
                    done += 1
                    split += len(d.locations) > 1
                    short += not d.routed
            elapsed = time.perf_counter() - start
            rate = done / elapsed
            summary.append((name, lines, rate))
            print(f"{name:40} {lines:>5} {rate:>12,.0f} {1e6 / rate:>8.1f} "
                  f"{split / done:>6.0%} {short / done:>6.0%}")
    print("\nsummary")
    print("strategy / lines: decisions per second")
    for name, lines, rate in summary:
        if lines in (1, 5, 10):
            print(f"{name}, {lines} lines: {rate:,.0f}/s")


if __name__ == "__main__":
    main()
