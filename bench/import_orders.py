"""Bulk import throughput: `oms import-orders` on a 10,000-row file.

Generates a file of 10,000 rows: about 4,000 orders of 1-4 lines each (the
line count drawn uniformly, seeded; the last order is cut to end on exactly
10,000 rows), 2,000 repeat customers, 200 SKUs. Creates a fresh PostgreSQL
database (`oms_bench_import_<pid>_<rand>`, migrated by `oms migrate`), sets
up channels, a warehouse, the SKUs with prices and ample stock through the
services, and imports the file through the CLI's own code path
(`imports.read_path` + `imports.import_file` with a --report file, at
the CLI's default concurrency unless told otherwise; only the progress bar
is left out) into:

  - a channel in mode reserve (orders placed, stock reserved),
  - another channel in mode fulfilled (COMPLETED, no stock moves),
  - the first channel again (an idempotent re-run: every order SKIPPED).

Prints orders/s and rows/s for each (wall time, including the file's first
checking pass and the report), this process's CPU and PostgreSQL's CPU per
order. The database is dropped at exit (`--keep` keeps it).

    .venv/bin/python bench/import_orders.py [--rows 10000] [--format csv|jsonl]
        [--concurrency 8 [1 ...]] [--keep]
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from _common import (ADDRESS, BenchEnv, banner, busy_percent, machine_busy, postgres_cpu,
                     wait_quiet)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from oms.orders import imports  # noqa: E402

PRODUCTS = 200
CUSTOMERS = 2000
LOCATION = "WH1"
CLI_CONCURRENCY = 8  # `oms import-orders` on PostgreSQL


def sku(i: int) -> str:
    return f"IMP-{i:04d}"


def generate(path: Path, fmt: imports.ImportFormat, rows: int, seed: int = 11) -> int:
    """Write `rows` rows of orders of 1-4 lines; the number of orders."""
    rng = random.Random(seed)
    orders: list[tuple[str, str, list[tuple[str, int, str | None]]]] = []
    left = rows
    while left > 0:
        n = min(rng.randint(1, 4), left)
        left -= n
        c = rng.randrange(CUSTOMERS)
        lines = [(sku(p), rng.randint(1, 3), f"{rng.randint(3, 80)}.{rng.randint(0, 99):02d}"
                  if rng.random() < 0.3 else None) for p in rng.sample(range(PRODUCTS), n)]
        orders.append((f"MKT-{len(orders) + 1:07d}", f"buyer{c}@bench.example", lines))
    if fmt is imports.ImportFormat.CSV:
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["external_reference", "source", "placed_at", "email", "name", "line1",
                        "city", "postal_code", "country", "sku", "quantity", "unit_price"])
            for ref, email, lines in orders:
                for i, (s, q, price) in enumerate(lines):
                    first = i == 0
                    w.writerow([ref, "IMPORT" if first else "",
                                "2026-01-15T10:00:00Z" if first else "", email if first else "",
                                "Bench Buyer" if first else "", ADDRESS["line1"] if first else "",
                                ADDRESS["city"] if first else "",
                                ADDRESS["postalCode"] if first else "",
                                ADDRESS["country"] if first else "", s, q, price or ""])
    else:
        with path.open("w") as fh:
            for ref, email, lines in orders:
                fh.write(json.dumps({
                    "externalReference": ref, "placedAt": "2026-01-15T10:00:00Z",
                    "customer": {"email": email, "name": "Bench Buyer"},
                    "shippingAddress": ADDRESS,
                    "lines": [{"sku": s, "quantity": q, **({"unitPrice": p} if p else {})}
                              for s, q, p in lines]}) + "\n")
    return len(orders)


async def setup(channels: list[str]) -> None:
    from oms.catalog import service as catalog
    from oms.inventory import service as inventory

    for code in channels:
        await catalog.create_channel(code=code, name=code.title(), kind="MARKETPLACE",
                                     currency="EUR")
    await catalog.create_location(code=LOCATION, name="Warehouse", kind="WAREHOUSE")
    for code in channels:
        await catalog.set_channel_locations(channel=code, locations=[LOCATION])
    for i in range(PRODUCTS):
        await catalog.upsert_product(sku=sku(i), name=f"Import product {i}", weight_grams=200,
                                     prices=[catalog.PriceInput(channel=c,
                                                                amount=Decimal(f"{5 + i % 40}.90"))
                                             for c in channels])
        await inventory.receive(sku=sku(i), location=LOCATION, quantity=1_000_000)


@dataclass
class Phase:
    label: str
    summary: imports.Summary
    seconds: float
    cpu_s: float
    pg_cpu_s: float | None
    busy: float

    def line(self) -> str:
        s = self.summary
        per = max(s.orders, 1)
        pg = f", PostgreSQL {self.pg_cpu_s * 1000 / per:.2f} ms" if self.pg_cpu_s else ""
        return (f"{self.label:<34} {s.orders / self.seconds:8.1f} orders/s "
                f"{s.rows / self.seconds:8.1f} rows/s  ({self.seconds:.1f} s; "
                f"{s.created} created, {s.skipped} skipped, {s.failed} failed; CPU per order: "
                f"importer {self.cpu_s * 1000 / per:.2f} ms{pg}; machine {self.busy:.0f}% busy)")


async def phase(label: str, env: BenchEnv, file: Path, *, channel: str,
                mode: imports.ImportMode, concurrency: int) -> Phase:
    await wait_quiet()
    report = env.tmp / f"report-{channel}-{mode.value}.csv"
    busy0, cpu0, pg0 = machine_busy(), time.process_time(), postgres_cpu(env.db)
    t0 = time.perf_counter()
    orders = imports.read_path(file)
    summary = await imports.import_file(orders, channel=channel, mode=mode,
                                        actor="bench:import-orders", report=report,
                                        concurrency=concurrency)
    seconds = time.perf_counter() - t0
    cpu, pg1 = time.process_time() - cpu0, postgres_cpu(env.db)
    result = Phase(label, summary, seconds, cpu, pg1 - pg0 if pg0 is not None and pg1 else None,
                   busy_percent(busy0, machine_busy()))
    print(result.line(), flush=True)
    if summary.failed:
        print(f"  {summary.failed} failed: see {report}", flush=True)
    return result


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    ap.add_argument("--concurrency", type=int, nargs="+", default=[CLI_CONCURRENCY])
    ap.add_argument("--keep", action="store_true", help="keep the database")
    args = ap.parse_args()
    fmt = imports.ImportFormat(args.format)

    from tortoise import Tortoise

    from oms import db
    from oms.inventory.models import Reservation

    async with BenchEnv("import", keep=args.keep) as env:
        file = env.tmp / f"orders.{fmt.value}"
        orders = generate(file, fmt, args.rows)
        print(f"{file.name}: {args.rows} rows, {orders} orders of 1-4 lines, "
              f"{file.stat().st_size / 1e6:.1f} MB", flush=True)
        runs = [(mode, c) for c in args.concurrency for mode in imports.ImportMode]
        channels = {(mode, c): f"{mode.value[:4].upper()}{c}" for mode, c in runs}
        await Tortoise.init(config=db.tortoise_config(env.database_url,
                                                      pool_size=max(args.concurrency) + 2))
        try:
            await setup(list(channels.values()))
            banner(f"import-orders, {args.rows} rows, PostgreSQL")
            phases = []
            for mode, c in runs:
                phases.append(await phase(f"{mode.value}, concurrency {c}", env, file,
                                          channel=channels[(mode, c)], mode=mode,
                                          concurrency=c))
            again = channels[(imports.ImportMode.RESERVE, args.concurrency[0])]
            phases.append(await phase(f"re-run (all skipped), concurrency "
                                      f"{args.concurrency[0]}", env, file, channel=again,
                                      mode=imports.ImportMode.RESERVE,
                                      concurrency=args.concurrency[0]))
            reserved = await Reservation.all().count()
            print(f"reservations held: {reserved} (from the reserve-mode runs only)")
        finally:
            await Tortoise.close_connections()
        banner("summary")
        for p in phases:
            print(p.line())
        ok = all(p.summary.failed == 0 for p in phases) and phases[-1].summary.created == 0
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
