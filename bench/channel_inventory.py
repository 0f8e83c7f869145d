"""channelInventory and the availability feed over 10,000 SKUs, 5 channels and
10 locations, with channel allocation rules.

Setup: locations, channels, their links and the allocation rules go through
the GraphQL API (channelAllocationRuleSet: three channel-wide rules, timed,
each recording thousands of StockChanged events, and a few hundred SKU
rules); the 10,000 products, ~65,000 stock levels and ~5,000 reservations are
bulk-loaded with asyncpg COPY (through the API they would take many minutes
and measure nothing of interest here).

Prints:
  - SQL statements of one channelInventory(first: 100) page, counted at the
    asyncpg driver in-process, and EXPLAIN ANALYZE of the page statement;
  - channelInventory(first: 100) page latency over HTTP against one `oms serve`
    process (p50/p95 over every page of every channel, sequential requests),
    and the time to walk all 10,000 SKUs of a channel page by page;
  - availabilityFeed (JSON and CSV, all SKUs) over HTTP;
  - `oms export-availability` (CSV and JSON to a file; wall time of the
    command, Python start-up included) and the same feed built in-process.

    .venv/bin/python bench/channel_inventory.py [--skus 10000] [--rounds 2]
        [--sku-rules 300] [--keep] [--no-wait]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timezone

import asyncpg
import httpx

from _common import (OMS_BIN, PG_HOST, PG_PORT, PG_USER, BenchEnv, banner, busy_percent,
                     cpu_delta, gql, machine_busy, pct, postgres_cpu, wait_quiet)
from _inproc import InProcess, count_sql

LOCATIONS = [f"WH{i:02d}" for i in range(1, 11)]
CHANNELS = {  # code: (kind, locations in priority order)
    "WEB": ("WEB", LOCATIONS),
    "MKT-A": ("MARKETPLACE", LOCATIONS[0:4]),
    "MKT-B": ("MARKETPLACE", LOCATIONS[3:7]),
    "STORE": ("STORE", LOCATIONS[6:10]),
    "APP": ("WEB", [LOCATIONS[0], LOCATIONS[4], LOCATIONS[8]]),
}
WIDE_RULES = [("MKT-A", {"p": 50, "b": 2}), ("MKT-B", {"b": 5}), ("APP", {"q": 20})]

CHANNEL_CREATE = """mutation($i: ChannelCreateInput!) { channelCreate(input: $i) {
  channel { code } userErrors { code field message } } }"""
LOCATION_CREATE = """mutation($i: LocationCreateInput!) { locationCreate(input: $i) {
  location { code } userErrors { code field message } } }"""
LINKS_SET = """mutation($c: String!, $l: [String!]!) { channelLocationsSet(channel: $c,
  locations: $l) { channel { code } userErrors { code field message } } }"""
RULE_SET = """mutation($c: String!, $s: String, $q: Int, $p: Int, $b: Int) {
  channelAllocationRuleSet(channel: $c, sku: $s, capQuantity: $q, capPercent: $p, buffer: $b) {
    rule { buffer } userErrors { code field message } } }"""
PAGE = """query Page($c: String!, $after: String) {
  channelInventory(channel: $c, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { sku available reserved pooled } } } }"""
PAGE_COUNTED = """query Page($c: String!, $after: String) {
  channelInventory(channel: $c, first: 100, after: $after) { totalCount
    pageInfo { hasNextPage endCursor } edges { node { sku available reserved pooled } } } }"""
FEED = """query Feed($c: String!, $f: FeedFormat) { availabilityFeed(channel: $c, format: $f) {
  count content } }"""


def sku(i: int) -> str:
    return f"SKU-{i:05d}"


async def seed(env: BenchEnv, url: str, token: str, args) -> dict:
    t0 = time.perf_counter()
    async with httpx.AsyncClient(timeout=120) as c:
        for code in LOCATIONS:
            await gql(c, url, LOCATION_CREATE, {"i": {"code": code, "name": code,
                                                      "kind": "WAREHOUSE"}}, token=token)
        for code, (kind, locs) in CHANNELS.items():
            await gql(c, url, CHANNEL_CREATE, {"i": {"code": code, "name": code, "kind": kind,
                                                     "currency": "EUR"}}, token=token)
            await gql(c, url, LINKS_SET, {"c": code, "l": locs}, token=token)

    rng = random.Random(42)
    now = datetime.now(timezone.utc)
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=env.db)
    try:
        loc_id = {r["code"]: r["id"] for r in await conn.fetch("SELECT id, code FROM location")}
        ch_id = {r["code"]: r["id"] for r in await conn.fetch("SELECT id, code FROM channel")}
        await conn.copy_records_to_table(
            "product", columns=["sku", "name", "weight_grams", "created_at", "updated_at"],
            records=[(sku(i), f"Product {i}", 100 + i % 900, now, now) for i in range(args.skus)])
        pid = {r["sku"]: r["id"] for r in await conn.fetch("SELECT id, sku FROM product")}
        levels, reservations = [], []
        order = 0
        for i in range(args.skus):
            p = pid[sku(i)]
            for loc in rng.sample(LOCATIONS, rng.randint(4, 9)):
                on_hand = rng.choice([0, 0, 1, 3, 8, 20, 50, 120, 400])
                reserved = 0
                if on_hand and rng.random() < 0.08:
                    # Held by an open order of a channel this location serves.
                    reserved = rng.randint(1, on_hand)
                    owner = rng.choice([c for c, (_, locs) in CHANNELS.items() if loc in locs])
                    order += 1
                    reservations.append((order, ch_id[owner], reserved, now, loc_id[loc], p))
                safety = rng.choice([0, 0, 0, 1, 2]) if on_hand - reserved >= 2 else 0
                levels.append((p, loc_id[loc], on_hand, reserved, safety, 0, 0, now))
        await conn.copy_records_to_table(
            "stock_level", columns=["product_id", "location_id", "on_hand", "reserved",
                                    "safety_stock", "incoming", "damaged", "updated_at"],
            records=levels)
        await conn.copy_records_to_table(
            "reservation", columns=["order_id", "channel_id", "quantity", "created_at",
                                    "location_id", "product_id"], records=reservations)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    loaded = time.perf_counter() - t0

    # Rules through the API: channel-wide ones one by one (timed), SKU ones 8 at a time.
    wide_ms = []
    async with httpx.AsyncClient(timeout=300) as c:
        for code, values in WIDE_RULES:
            t = time.perf_counter()
            await gql(c, url, RULE_SET, {"c": code, **values}, token=token)
            wide_ms.append((code, (time.perf_counter() - t) * 1000))
        sem = asyncio.Semaphore(8)
        picks = rng.sample(range(args.skus), args.sku_rules * 2)

        async def one(code: str, i: int, values: dict) -> None:
            async with sem:
                await gql(c, url, RULE_SET, {"c": code, "s": sku(i), **values}, token=token)

        t = time.perf_counter()
        await asyncio.gather(
            *(one("WEB", i, {"q": rng.randint(0, 30)}) for i in picks[:args.sku_rules]),
            *(one("MKT-B", i, {"p": rng.choice([25, 50, 75]), "b": 1})
              for i in picks[args.sku_rules:]))
        sku_rules_s = time.perf_counter() - t
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=env.db)
    try:
        events = await conn.fetchval("SELECT count(*) FROM event_log")
        rules = await conn.fetchval("SELECT count(*) FROM channel_allocation_rule")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return {"levels": len(levels), "reservations": len(reservations), "loaded_s": loaded,
            "wide_ms": wide_ms, "sku_rules_s": sku_rules_s, "events": events, "rules": rules}


async def explain_page(env: BenchEnv, channel: str, after: str) -> list[str]:
    from oms.inventory import queries
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=env.db)
    try:
        ch = await conn.fetchval("SELECT id FROM channel WHERE code = $1", channel)
        sql = queries._PAGE_SQL.format(where="1 = 1 AND p.sku > ?")
        n = iter(range(1, 100))
        sql = "".join(f"${next(n)}" if ch_ == "?" else ch_ for ch_ in sql)
        rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, ch, ch, ch, ch, after, 101)
        return [r[0] for r in rows]
    finally:
        await conn.close()


async def walk(c: httpx.AsyncClient, url: str, channel: str, doc: str = PAGE
               ) -> tuple[list[float], int]:
    """Every page of a channel, in order: each page's latency (ms) and the SKUs seen."""
    lat, seen, after = [], 0, None
    while True:
        t = time.perf_counter()
        r = await c.post(url, json={"query": doc, "variables": {"c": channel, "after": after}})
        lat.append((time.perf_counter() - t) * 1000)
        body = r.json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        page = body["data"]["channelInventory"]
        seen += len(page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return lat, seen
        after = page["pageInfo"]["endCursor"]


def export(env: BenchEnv, channel: str, fmt: str) -> tuple[float, int, str]:
    out = env.tmp / f"feed-{channel}.{fmt}"
    t = time.perf_counter()
    proc = subprocess.run([str(OMS_BIN), "export-availability", "--channel", channel,
                           "--format", fmt, "--output", str(out)], env=env.env(),
                          capture_output=True, text=True, timeout=300)
    wall = (time.perf_counter() - t) * 1000
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    return wall, out.stat().st_size, proc.stderr.strip()


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--skus", type=int, default=10_000)
    ap.add_argument("--sku-rules", type=int, default=300, help="SKU rules per ruled channel")
    ap.add_argument("--rounds", type=int, default=2, help="timed walks over every channel")
    ap.add_argument("--feeds", type=int, default=3, help="timed availabilityFeed requests")
    ap.add_argument("--no-wait", action="store_true")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    async with BenchEnv("chinv", keep=args.keep) as env:
        token = env.admin_token()
        server = await env.start_server()
        shape = await seed(env, server.url, token, args)
        banner(f"setup: {args.skus} SKUs, {len(CHANNELS)} channels, {len(LOCATIONS)} locations")
        print(f"  {shape['levels']} stock levels, {shape['reservations']} reservations "
              f"(bulk COPY, {shape['loaded_s']:.1f} s with the API setup)")
        for code, ms in shape["wide_ms"]:
            print(f"  channel-wide rule on {code:<6} {ms:7.0f} ms (channelAllocationRuleSet over "
                  "HTTP, events for every SKU it moved)")
        print(f"  {2 * args.sku_rules} SKU rules in {shape['sku_rules_s']:.1f} s "
              f"(8 concurrent); {shape['rules']} rules, {shape['events']} events in the log")

        # ---- statements per page, in-process at the driver; the page's plan
        async with InProcess(env.database_url, env.secret) as ip:
            variables = {"c": "MKT-B", "after": None}
            await ip.execute(PAGE_COUNTED, variables)
            with count_sql() as counted:
                data, cold_ms = await ip.execute(PAGE_COUNTED, variables)
            inproc = []
            for _ in range(20):
                _, ms = await ip.execute(PAGE, variables)
                inproc.append(ms)
        mid = sku(args.skus // 2)
        plan = await explain_page(env, "MKT-B", mid)

        # ---- HTTP: every page of every channel, sequentially
        if not args.no_wait:
            await wait_quiet()
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(timeout=120, headers=headers) as c:
            await walk(c, server.url, "WEB")  # warm-up
            lat: list[float] = []
            walks: dict[str, list[float]] = {}
            cpu0, pg0, m0 = server.cpu_seconds(), postgres_cpu(env.db), machine_busy()
            t0 = time.perf_counter()
            for _ in range(args.rounds):
                for code in CHANNELS:
                    t = time.perf_counter()
                    page_lat, seen = await walk(c, server.url, code)
                    assert seen == args.skus, (code, seen)
                    walks.setdefault(code, []).append((time.perf_counter() - t) * 1000)
                    lat += page_lat
            wall = time.perf_counter() - t0
            cpu1, pg1, m1 = server.cpu_seconds(), postgres_cpu(env.db), machine_busy()
            counted_lat, _ = await walk(c, server.url, "MKT-B", PAGE_COUNTED)

            # ---- availabilityFeed over HTTP
            feed_ms: dict[str, list[float]] = {"JSON": [], "CSV": []}
            feed_size: dict[str, int] = {}
            for fmt in ("JSON", "CSV"):
                for _ in range(args.feeds):
                    t = time.perf_counter()
                    r = await c.post(server.url, json={"query": FEED,
                                                       "variables": {"c": "MKT-B", "f": fmt}})
                    feed_ms[fmt].append((time.perf_counter() - t) * 1000)
                    body = r.json()
                    if body.get("errors"):
                        raise RuntimeError(body["errors"])
                    assert body["data"]["availabilityFeed"]["count"] == args.skus
                    feed_size[fmt] = len(body["data"]["availabilityFeed"]["content"])

        # ---- the CLI, and the same feed built in-process
        exports = {fmt: export(env, "MKT-B", fmt) for fmt in ("csv", "json")}
        async with InProcess(env.database_url, env.secret):
            from oms.inventory import feed
            built = {}
            for fmt in (feed.FeedFormat.CSV, feed.FeedFormat.JSON):
                t = time.perf_counter()
                f = await feed.build_feed(channel="MKT-B", format=fmt)
                built[fmt.value] = ((time.perf_counter() - t) * 1000, f.count)
        pages = len(lat)
        server_ms = cpu_delta(cpu0, cpu1) * 1000 / pages

    banner("summary")
    print("channelInventory(first: 100)")
    print(f"  SQL per page (in-process, at the asyncpg driver, with totalCount): "
          f"{len(counted.data_statements)} queries")
    print(counted.report())
    print(f"  in-process schema.execute   p50 {pct(inproc, 50):.1f} ms  (no HTTP; cold "
          f"{cold_ms:.1f} ms)")
    print("  EXPLAIN ANALYZE of the page statement (MKT-B, a middle page):")
    for line in plan:
        if "Execution Time" in line or "Planning Time" in line or line.lstrip().startswith(
                ("Limit", "->  Index", "->  Nested", "->  Sort", "->  Seq")):
            print("    " + line.strip()[:140])
    print(f"  HTTP, over HTTP to one `oms serve` (sequential, keep-alive): {pages} pages "
          f"({args.rounds} walks over each of {len(CHANNELS)} channels)")
    print(f"    page latency          p50 {pct(lat, 50):.1f} ms   p95 {pct(lat, 95):.1f} ms   "
          f"p99 {pct(lat, 99):.1f} ms   max {max(lat):.1f} ms")
    print(f"    with totalCount       p50 {pct(counted_lat, 50):.1f} ms   "
          f"p95 {pct(counted_lat, 95):.1f} ms")
    print(f"    server CPU per page   {server_ms:.1f} ms;  PostgreSQL CPU per page "
          + (f"{(pg1 - pg0) * 1000 / pages:.1f} ms" if pg0 is not None and pg1 is not None
             else "n/a"))
    print(f"    machine busy          {busy_percent(m0, m1):.0f}% of {os.cpu_count()} cores "
          f"over {wall:.1f} s")
    banner(f"the full feed: all {args.skus} SKUs of a channel")
    for code, ms in walks.items():
        print(f"  paging channelInventory {code:<6} {min(ms):7.0f} ms (best of {len(ms)}; "
              f"{args.skus // 100} pages)")
    for fmt in ("JSON", "CSV"):
        print(f"  availabilityFeed {fmt:<4} HTTP  p50 {pct(feed_ms[fmt], 50):7.0f} ms  "
              f"(best {min(feed_ms[fmt]):.0f} ms; content {feed_size[fmt] / 1024:.0f} KB)")
    for fmt, (ms, count) in built.items():
        print(f"  feed.build_feed {fmt:<4} in-process {ms:7.0f} ms ({count} SKUs)")
    for fmt, (ms, size, note) in exports.items():
        print(f"  oms export-availability --format {fmt:<4} {ms:7.0f} ms wall, process start "
              f"included ({size / 1024:.0f} KB; {note})")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
