"""The customers list by lifetime value: customers(orderBy: {field:
LIFETIME_VALUE, direction: DESC}, first: 100) over 100,000 customers and
1,000,000 orders on PostgreSQL.

The data is written with SQL (INSERT ... SELECT generate_series): customers
in a few countries, orders spread over two years, some paid through the
ledger (with refunds), some paid elsewhere, some unpaid, some cancelled.
The figures are then computed for everyone by the OMS's own recomputation
(one statement), and `oms check-customers` confirms them. Then every
customer's RFM segment and predicted yearly value (oms.customers.segment_service:
the thresholds, then one UPDATE), timed, and one touched customer's
rescoring. The page is timed over HTTP through a real `oms serve`, walking
the first pages; the SQL one page costs is counted in-process; the
CHAMPIONS segment's first page by lifetime value and the list by predicted
yearly value are timed too. Target: p50 under 50 ms.

    .venv/bin/python bench/customers_page.py [--customers 100000] [--orders 1000000]
        [--requests 200] [--pages 5] [--no-check]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import subprocess
import sys
import time

import asyncpg
import httpx

from _common import (OMS_BIN, BenchEnv, banner, busy_percent, cpu_delta, machine_busy, pct,
                     postgres_cpu, verdict, wait_quiet)
from _inproc import InProcess, count_sql

TARGET_P50_MS = 50.0

PAGE = """query Page($after: String, $o: CustomerOrderBy, $f: CustomerFilterInput) {
  customers(first: 100, after: $after, orderBy: $o, filter: $f) {
    edges { node {
      id email name country ordersCount lifetimeValue { amount currency }
      averageOrderValue { amount } lastOrderAt
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""
BY_LTV = {"field": "LIFETIME_VALUE", "direction": "DESC"}

COUNTRIES = "ARRAY['DE','FR','NL','IT','ES','PT','BE','AT','PL','SE']"

# One channel; customers with one address each; orders on random customers
# over the last two years. Statuses: 5% cancelled, the rest spread over the
# lifecycle. Payment: 40% through the gateway (ledger entries below; a fresh
# table numbers the orders as generate_series does), of the rest half
# captured elsewhere, the others authorised or pending.
SETUP = [
    """INSERT INTO channel (code, name, kind, currency, created_at)
       VALUES ('WEB', 'Web', 'WEB', 'EUR', now())""",
    f"""INSERT INTO customer (email, name, phone, addresses, marketing_consent, created_at,
                              updated_at)
       SELECT 'c' || g || '@bench.test', 'Customer ' || g, '+49 30 ' || (1000000 + g),
              jsonb_build_array(jsonb_build_object(
                'name', 'Customer ' || g, 'line1', g || ' Bench Street', 'city', 'Berlin',
                'postalCode', '10115', 'country', ({COUNTRIES})[1 + g % 10])),
              g % 3 = 0, now() - interval '3 years', now()
       FROM generate_series(1, $1::int) g""",
    """INSERT INTO "order" (channel_id, customer_id, source, status, payment_status, currency,
                            subtotal, shipping_total, tax_total, total, shipping_address,
                            version, placed_at, updated_at)
       SELECT 1, c, 'WEB',
              CASE WHEN r < 0.05 THEN 'CANCELLED' WHEN r < 0.15 THEN 'PENDING'
                   WHEN r < 0.30 THEN 'CONFIRMED' WHEN r < 0.45 THEN 'SHIPPED'
                   ELSE 'COMPLETED' END,
              CASE WHEN g % 50 < 2 THEN 'PARTIALLY_REFUNDED' WHEN g % 5 < 2 THEN 'CAPTURED'
                   WHEN p < 0.5 THEN 'CAPTURED' WHEN p < 0.75 THEN 'AUTHORIZED'
                   ELSE 'PENDING' END,
              'EUR', t, 0, 0, t, '{"country": "DE"}'::jsonb, 1, at, at
       FROM (SELECT g, 1 + floor(random() * $1::int)::int AS c, random() AS r, random() AS p,
                    round((5 + random() * 295)::numeric, 2) AS t,
                    now() - random() * interval '730 days' AS at
             FROM generate_series(1, $2::int) g) x""",
    # The gateway-paid 40% (by id, so it is a stable share): a PAYMENT entry
    # for the total, and one in ten of them half refunded.
    """INSERT INTO receivable_entry (order_id, kind, amount, currency, created_at)
       SELECT id, 'PAYMENT', total, 'EUR', placed_at FROM "order" WHERE id % 5 < 2""",
    """INSERT INTO receivable_entry (order_id, kind, amount, currency, created_at)
       SELECT id, 'REFUND', round(total / 2, 2), 'EUR', placed_at + interval '3 days'
       FROM "order" WHERE id % 5 < 2 AND id % 50 < 2""",
]


def _numbered(text: str) -> str:
    """`?` placeholders as asyncpg's $1, $2, ..."""
    counter = iter(range(1, 10_000))
    return re.sub(r"\?", lambda _m: f"${next(counter)}", text)


async def segment_everyone(conn, customers: int) -> dict:
    """The full segment recompute (what the schedule runs), then one touched
    customer's rescoring against the stored thresholds (the consumer's work)."""
    from datetime import datetime, timezone

    from oms.customers import segment_service, segments

    at = datetime.now(timezone.utc)
    t = time.perf_counter()
    # As segment_service.recompute_all: the thresholds, then CHUNK ids per UPDATE.
    await conn.execute(_numbered(segment_service.thresholds_sql("postgres")), at)
    chunk_sql = _numbered(segment_service.score_sql("postgres", None, id_range=True))
    written, chunks = 0, []
    top = await conn.fetchval("SELECT max(id) FROM customer")
    for lo in range(0, top, segment_service.CHUNK):
        c = time.perf_counter()
        status = await conn.execute(chunk_sql, at, segments.epoch_seconds(at), lo,
                                    lo + segment_service.CHUNK)
        chunks.append((time.perf_counter() - c) * 1000)
        written += int(status.split()[-1])
    full = time.perf_counter() - t
    status = f"{written:,} customers, {len(chunks)} UPDATEs of {segment_service.CHUNK} ids, " \
             f"each p50 {pct(chunks, 50):.0f} ms, max {max(chunks):.0f} ms"
    # As the schedule records a run: the server's own schedule is not due
    # for an interval, so it does not recompute while pages are timed.
    from oms.customers import schedule
    await conn.execute("INSERT INTO scheduled_job (name, last_run_at) VALUES ($1, $2) "
                       "ON CONFLICT (name) DO UPDATE SET last_run_at = EXCLUDED.last_run_at",
                       schedule.JOB, at)
    await conn.execute("ANALYZE customer")
    one = _numbered(segment_service.score_sql("postgres", [0]))
    per_customer = []
    for cid in random.Random(7).sample(range(1, customers + 1), min(200, customers)):
        t = time.perf_counter()
        await conn.execute(one, at, segments.epoch_seconds(at), cid)
        per_customer.append((time.perf_counter() - t) * 1000)
    shares = await conn.fetch("SELECT segment, count(*) AS n FROM customer GROUP BY segment "
                              "ORDER BY count(*) DESC")
    print(f"segments for everyone in {full:.1f} s ({status}); one customer p50 "
          f"{pct(per_customer, 50):.2f} ms; "
          + ", ".join(f"{r['segment']} {r['n']:,}" for r in shares), flush=True)
    return {"full": full, "one": per_customer, "shares": [(r["segment"], r["n"]) for r in shares]}


async def build_data(env: BenchEnv, customers: int, orders: int) -> dict:
    from oms.customers.service import recompute_sql

    conn = await asyncpg.connect(env.database_url.replace("postgres://", "postgresql://"))
    try:
        t = time.perf_counter()
        await conn.execute(SETUP[0])
        await conn.execute(SETUP[1], customers)
        await conn.execute(SETUP[2], customers, orders)
        for stmt in SETUP[3:]:
            await conn.execute(stmt)
        await conn.execute("ANALYZE")
        generated = time.perf_counter() - t
        sql, _ = recompute_sql("postgres", None)
        t = time.perf_counter()
        status = await conn.execute(sql)
        recompute = time.perf_counter() - t
        await conn.execute("ANALYZE customer")
        # What the consumer does per event: one customer's figures, one statement.
        one, _ = recompute_sql("postgres", [0])
        one = one.replace("?", "$1")
        ids = random.Random(5).sample(range(1, customers + 1), min(200, customers))
        per_customer = []
        for cid in ids:
            t = time.perf_counter()
            await conn.execute(one, cid)
            per_customer.append((time.perf_counter() - t) * 1000)
        segmented = await segment_everyone(conn, customers)
        entries = await conn.fetchval("SELECT count(*) FROM receivable_entry")
        top = await conn.fetchrow("SELECT max(lifetime_value) AS top, max(orders_count) AS n "
                                  "FROM customer")
    finally:
        await conn.close()
    print(f"data: {customers:,} customers, {orders:,} orders, {entries:,} ledger entries in "
          f"{generated:.1f} s; figures recomputed for everyone in one statement ({status}) in "
          f"{recompute:.1f} s; top lifetime value {top['top']}, most orders {top['n']}",
          flush=True)
    print(f"one customer's figures (the consumer's work per event): p50 "
          f"{pct(per_customer, 50):.2f} ms, p95 {pct(per_customer, 95):.2f} ms over "
          f"{len(per_customer)} customers", flush=True)
    return {"generated": generated, "recompute": recompute, "one": per_customer,
            "segments": segmented}


def check_customers(env: BenchEnv) -> tuple[int, float, str]:
    t = time.perf_counter()
    done = subprocess.run([str(OMS_BIN), "check-customers"], env=env.env(), cwd=str(env.tmp),
                          capture_output=True, text=True, timeout=3600)
    return done.returncode, time.perf_counter() - t, done.stdout.strip().splitlines()[-1]


async def cursors_of(client: httpx.AsyncClient, url: str, order_by: dict, pages: int,
                     f: dict | None = None) -> list[str | None]:
    out: list[str | None] = [None]
    while len(out) < pages:
        r = (await client.post(url, json={"query": PAGE, "variables": {
            "after": out[-1], "o": order_by, "f": f}})).json()
        info = r["data"]["customers"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        out.append(info["endCursor"])
    return out


async def timed(client: httpx.AsyncClient, url: str, order_by: dict, cursors: list,
                n: int, f: dict | None = None) -> list[float]:
    lat = []
    for k in range(n):
        t = time.perf_counter()
        r = await client.post(url, json={"query": PAGE, "variables": {
            "after": cursors[k % len(cursors)], "o": order_by, "f": f}})
        lat.append((time.perf_counter() - t) * 1000)
        body = r.json()
        if body.get("errors") or len(body["data"]["customers"]["edges"]) == 0:
            raise RuntimeError(body.get("errors") or "empty page")
    return lat


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=200, help="timed page requests")
    ap.add_argument("--pages", type=int, default=5, help="pages walked by the timed requests")
    ap.add_argument("--no-check", action="store_true", help="skip `oms check-customers`")
    ap.add_argument("--no-wait", action="store_true",
                    help="do not wait for the machine to be quiet before timing")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = ap.parse_args()

    async with BenchEnv("customers", keep=args.keep) as env:
        shape = await build_data(env, args.customers, args.orders)
        check = None
        if not args.no_check:
            check = check_customers(env)
            print(f"oms check-customers: exit {check[0]} in {check[1]:.1f} s: {check[2]}",
                  flush=True)

        # ---- SQL per page, counted in this process at the driver.
        async with InProcess(env.database_url, env.secret) as ip:
            await ip.execute(PAGE, {"o": BY_LTV})  # warm
            with count_sql() as counted:
                data, cold_ms = await ip.execute(PAGE, {"o": BY_LTV})
            first = [e["node"] for e in data["customers"]["edges"]]
            plan_conn = await asyncpg.connect(env.database_url.replace("postgres://",
                                                                       "postgresql://"))
            try:
                page_sql = counted.data_statements[0].sql
                plan = await plan_conn.fetch(
                    "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) "
                    + page_sql.replace("$1", "101"))
            finally:
                await plan_conn.close()

        server = await env.start_server()
        url = server.url
        if not args.no_wait:
            await wait_quiet()
        headers = {"Authorization": f"Bearer {env.admin_token()}"}
        async with httpx.AsyncClient(timeout=60, headers=headers) as c:
            cursors = await cursors_of(c, url, BY_LTV, args.pages)
            await timed(c, url, BY_LTV, cursors, 20)  # warm-up
            cpu0, pg0, m0 = server.cpu_seconds(), postgres_cpu(env.db), machine_busy()
            t0 = time.perf_counter()
            lat = await timed(c, url, BY_LTV, cursors, args.requests)
            wall = time.perf_counter() - t0
            cpu1, pg1, m1 = server.cpu_seconds(), postgres_cpu(env.db), machine_busy()
            others = {}
            term = str(args.customers * 3 // 4)  # one customer's number
            for label, order_by, f in (
                    ("ORDERS_COUNT DESC", {"field": "ORDERS_COUNT", "direction": "DESC"}, None),
                    ("LAST_ORDER_AT DESC", {"field": "LAST_ORDER_AT", "direction": "DESC"},
                     None),
                    ("LTV DESC, country FR", BY_LTV, {"country": "FR"}),
                    ("LTV DESC, CHAMPIONS", BY_LTV, {"segment": "CHAMPIONS"}),
                    ("PREDICTED_YEARLY_VALUE",
                     {"field": "PREDICTED_YEARLY_VALUE", "direction": "DESC"}, None),
                    (f"LTV DESC, search '{term}'", BY_LTV, {"search": term})):
                cs = await cursors_of(c, url, order_by, 1, f)
                await timed(c, url, order_by, cs, 5, f)
                others[label] = await timed(c, url, order_by, cs, 50, f)
        server_ms = cpu_delta(cpu0, cpu1) * 1000 / args.requests

    p50, p95 = pct(lat, 50), pct(lat, 95)
    banner(f"customers(orderBy: LIFETIME_VALUE DESC, first: 100): {args.customers:,} "
           f"customers, {args.orders:,} orders")
    print(f"  data generated             {shape['generated']:.1f} s (SQL generate_series)")
    print(f"  figures for everyone       {shape['recompute']:.1f} s (one UPDATE ... FROM)")
    print(f"  figures for one customer   p50 {pct(shape['one'], 50):.2f} ms, p95 "
          f"{pct(shape['one'], 95):.2f} ms (the consumer's statement per event)")
    seg = shape["segments"]
    print(f"  segments for everyone      {seg['full']:.1f} s (thresholds by RANK() windows, "
          f"then one UPDATE ... FROM)")
    print(f"  segment of one customer    p50 {pct(seg['one'], 50):.2f} ms, p95 "
          f"{pct(seg['one'], 95):.2f} ms (against the stored thresholds)")
    if check is not None:
        print(f"  oms check-customers        exit {check[0]}, {check[1]:.1f} s: {check[2]}")
    print(f"  first page                 {first[0]['email']} {first[0]['lifetimeValue']} ... "
          f"{first[-1]['email']} {first[-1]['lifetimeValue']}")
    print(f"  SQL per page               {len(counted.data_statements)} "
          f"(in-process {cold_ms:.1f} ms):")
    print(counted.report())
    print("  its plan:")
    for row in plan:
        print(f"    {row[0]}")
    print(f"  HTTP latency               p50 {p50:.1f} ms   p95 {p95:.1f} ms   "
          f"max {max(lat):.1f} ms over {args.requests} sequential requests walking "
          f"{len(cursors)} pages ({args.requests / wall:.0f} pages/s)")
    print(f"  server CPU per page        {server_ms:.1f} ms")
    if pg0 is not None and pg1 is not None:
        print(f"  PostgreSQL CPU per page    {(pg1 - pg0) * 1000 / args.requests:.2f} ms")
    print(f"  machine CPU busy           {busy_percent(m0, m1):.0f}% of {os.cpu_count()} cores")
    for label, values in others.items():
        print(f"  {label:<26} p50 {pct(values, 50):.1f} ms   p95 {pct(values, 95):.1f} ms "
              f"(first page, 50 requests)")
    banner("summary")
    ok = p50 < TARGET_P50_MS
    print(f"  customers by lifetime value, first: 100, {args.customers:,} customers / "
          f"{args.orders:,} orders: HTTP p50 {p50:.1f} ms, p95 {p95:.1f} ms (target p50 < "
          f"{TARGET_P50_MS:.0f} ms) [{verdict(ok)}]; {len(counted.data_statements)} SQL "
          f"statement(s)/page; figures recomputed for all in {shape['recompute']:.1f} s"
          + (f"; check-customers exit {check[0]} in {check[1]:.1f} s" if check else "")
          + f"; segments for all in {shape['segments']['full']:.1f} s, CHAMPIONS page p50 "
          f"{pct(others['LTV DESC, CHAMPIONS'], 50):.1f} ms",
          flush=True)
    failed = check is not None and check[0] != 0
    return 1 if failed or (args.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
