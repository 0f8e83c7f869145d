"""The orders list page: orders(first: 100) with number, status, total,
customer email, lines and shipments (with their location), over ~1,000
orders of 3 lines, many of them shipped.

Prints the SQL statements one page costs (counted in-process at the asyncpg
driver while the same document runs against the real schema and database)
and the HTTP latency of the page over many requests.
Target: at most 6 SQL statements per page.

    .venv/bin/python bench/orders_page.py [--orders 1000] [--confirm 0.6] [--ship 0.4]
        [--requests 200] [--profile /tmp/page.pyspy]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from pathlib import Path

import httpx

from _common import (BenchEnv, Server, banner, busy_percent, cpu_delta, gql, machine_busy, pct,
                     place_orders, postgres_cpu, run_mutations, setup_catalog, start_pyspy,
                     verdict, wait_pyspy, wait_quiet)
from _inproc import InProcess, count_sql

TARGET_STATEMENTS = 6

PAGE = """query Page($after: String) {
  orders(first: 100, after: $after) {
    edges { node {
      number status total { amount } customer { email }
      lines { sku quantity unitPrice { amount } }
      shipments { status location { code } }
    } }
  }
}"""
CURSORS = """query Cursors($after: String) {
  orders(first: 100, after: $after) { pageInfo { hasNextPage endCursor } } }"""
CONFIRM = """mutation($id: ID!) { orderConfirm(id: $id) {
  order { status shipments { id } } userErrors { code field message } } }"""
PICK = """mutation($id: ID!) { shipmentPick(id: $id) { shipment { status }
  userErrors { code field message } } }"""
PACK = """mutation($id: ID!) { shipmentPack(id: $id) { shipment { status }
  userErrors { code field message } } }"""
SHIP = """mutation($id: ID!) { shipmentShip(id: $id) { shipment { status }
  userErrors { code field message } } }"""


async def build_data(env: BenchEnv, servers: list[Server], token: str, args) -> dict:
    urls = [s.url for s in servers]
    t = time.perf_counter()
    skus = await setup_catalog(urls[0], token, products=80)
    orders = await place_orders(urls, token, skus, args.orders, customers=args.customers,
                                label="orders placed")
    rng = random.Random(3)
    ids = [o["id"] for o in orders]
    confirm = rng.sample(ids, int(len(ids) * args.confirm))
    ship = set(rng.sample(confirm, min(len(confirm), int(len(ids) * args.ship))))
    confirmed = await run_mutations(urls, token, [(CONFIRM, {"id": i}) for i in confirm],
                                    label="orders confirmed")
    shipments = [s["id"] for oid, data in zip(confirm, confirmed) if oid in ship
                 for s in data["orderConfirm"]["order"]["shipments"]]
    for doc, label in ((PICK, "picked"), (PACK, "packed"), (SHIP, "shipped")):
        await run_mutations(urls, token, [(doc, {"id": s}) for s in shipments],
                            label=f"shipments {label}")
    print(f"setup: {len(orders)} orders, {len(confirm)} confirmed (with shipments), "
          f"{len(ship)} shipped ({len(shipments)} shipments), {time.perf_counter() - t:.1f} s",
          flush=True)
    return {"orders": len(orders), "confirmed": len(confirm), "shipped": len(ship),
            "shipments": len(shipments)}


async def page_cursors(server: Server, token: str) -> list[str | None]:
    cursors: list[str | None] = [None]
    async with httpx.AsyncClient(timeout=60) as c:
        while True:
            data = await gql(c, server.url, CURSORS, {"after": cursors[-1]}, token=token)
            info = data["orders"]["pageInfo"]
            if not info["hasNextPage"]:
                return cursors
            cursors.append(info["endCursor"])


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orders", type=int, default=1000)
    ap.add_argument("--customers", type=int, default=300, help="distinct buyers")
    ap.add_argument("--confirm", type=float, default=0.6,
                    help="fraction of orders confirmed (routed into shipments)")
    ap.add_argument("--ship", type=float, default=0.4,
                    help="fraction of orders whose shipments are picked, packed and shipped")
    ap.add_argument("--requests", type=int, default=200, help="timed HTTP page requests")
    ap.add_argument("--profile", metavar="PATH", help="py-spy the server during the requests")
    ap.add_argument("--no-wait", action="store_true",
                    help="do not wait for the machine to be quiet before timing")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = ap.parse_args()

    async with BenchEnv("page", keep=args.keep) as env:
        token = env.admin_token()
        # Two processes make the setup faster; one serves the measured requests.
        setup_servers = [await env.start_server(), await env.start_server()]
        shape = await build_data(env, setup_servers, token, args)
        env.stop_server(setup_servers[1])
        server = setup_servers[0]
        cursors = await page_cursors(server, token)
        print(f"{len(cursors)} pages of 100 orders", flush=True)

        # ---- SQL statements per page, counted in this process at the driver.
        async with InProcess(env.database_url, env.secret) as ip:
            await ip.execute(PAGE, {"after": None})  # warm: prepared statements, caches
            counts = []
            first_report = None
            for label, cursor in (("first page", None), ("middle page", cursors[len(cursors) // 2]),
                                  ("last page", cursors[-1])):
                with count_sql() as c:
                    data, ms = await ip.execute(PAGE, {"after": cursor})
                nodes = [e["node"] for e in data["orders"]["edges"]]
                with_ship = sum(1 for n in nodes if n["shipments"])
                counts.append((label, len(c.data_statements), len(c.statements), len(nodes),
                               with_ship, ms))
                if first_report is None:
                    first_report = c.report()
            t = time.perf_counter()
            for cursor in cursors * 2:
                await ip.execute(PAGE, {"after": cursor})
            inproc_ms = (time.perf_counter() - t) * 1000 / (len(cursors) * 2)

        # ---- The HTTP path.
        if not args.no_wait:
            await wait_quiet()
        lat: list[float] = []
        sizes: list[int] = []
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(timeout=60, headers=headers) as c:
            for cursor in cursors:  # warm-up
                await c.post(server.url, json={"query": PAGE, "variables": {"after": cursor}})
            cpu0, pg0, m0 = server.cpu_seconds(), postgres_cpu(env.db), machine_busy()
            spies = start_pyspy([server.proc.pid], 8, args.profile) if args.profile else []
            t0 = time.perf_counter()
            for k in range(args.requests):
                cursor = cursors[k % len(cursors)]
                t = time.perf_counter()
                r = await c.post(server.url, json={"query": PAGE, "variables": {"after": cursor}})
                lat.append((time.perf_counter() - t) * 1000)
                body = r.json()
                if body.get("errors"):
                    raise RuntimeError(body["errors"])
                sizes.append(len(r.content))
            wall = time.perf_counter() - t0
            cpu1, pg1, m1 = server.cpu_seconds(), postgres_cpu(env.db), machine_busy()
            await wait_pyspy(spies)
        server_ms = cpu_delta(cpu0, cpu1) * 1000 / args.requests
    banner(f"orders(first: 100) page: {shape['orders']} orders, {shape['confirmed']} with "
           f"shipments, {shape['shipped']} shipped")
    print("  SQL per page (in-process, counted at the asyncpg driver):")
    for label, data_n, all_n, nodes, with_ship, ms in counts:
        print(f"    {label:<12} {data_n:3d} queries, {all_n:3d} statements incl. asyncpg pool "
              f"resets   ({nodes} orders, {with_ship} with shipments; {ms:.0f} ms cold)")
    data_n, all_n = counts[0][1], counts[0][2]
    worst_data = max(c[1] for c in counts)
    worst_all = max(c[2] for c in counts)
    print(f"  queries per page         {worst_data}   target <= {TARGET_STATEMENTS}  "
          f"[{verdict(worst_data <= TARGET_STATEMENTS)}]")
    print(f"  statements incl. resets  {worst_all}   target <= {TARGET_STATEMENTS}  "
          f"[{verdict(worst_all <= TARGET_STATEMENTS)}]" + (
              "   (each pool release runs 'SELECT pg_advisory_unlock_all(); CLOSE ALL; "
              "UNLISTEN *; RESET ALL')" if worst_all > worst_data else ""))
    print("  statements of the first page:")
    print(first_report)
    print(f"  in-process execution     {inproc_ms:.1f} ms per page (schema.execute, no HTTP)")
    print(f"  HTTP latency             p50 {pct(lat, 50):.1f} ms   p99 {pct(lat, 99):.1f} ms   "
          f"over {args.requests} sequential requests ({args.requests / wall:.1f} pages/s); "
          f"response {sum(sizes) / len(sizes) / 1024:.0f} KB")
    print(f"  server CPU per page      {server_ms:.1f} ms")
    if pg0 is not None and pg1 is not None:
        print(f"  PostgreSQL CPU per page  {(pg1 - pg0) * 1000 / args.requests:.1f} ms")
    print(f"  machine CPU busy         {busy_percent(m0, m1):.0f}% of {os.cpu_count()} cores")
    if args.profile:
        from profile_summary import summarise
        banner(f"py-spy profile of the server during the page requests: {args.profile}")
        summarise(Path(args.profile), top=25)
    banner("summary")
    print(f"  queries/page {worst_data} (target <= {TARGET_STATEMENTS}) "
          f"[{verdict(worst_data <= TARGET_STATEMENTS)}]; with pool resets {worst_all}; "
          f"HTTP p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms; "
          f"server CPU {server_ms:.1f} ms/page", flush=True)
    return 1 if args.strict and worst_data > TARGET_STATEMENTS else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
