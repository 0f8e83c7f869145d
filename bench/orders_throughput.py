"""orderPlace throughput: 3-line orders from N concurrent keep-alive clients,
against one `oms serve` process and then against two.

Prints orders/s, p50/p99 latency and server CPU ms per order (user+system
CPU of the server's process tree over the measured window / orders placed).
Targets: >= 300 orders/s with one process; < 4 ms server CPU per order.

    .venv/bin/python bench/orders_throughput.py [--clients 16] [--duration 20]
        [--warmup 3] [--two ports|workers|none] [--products 60] [--customers 2000]
        [--profile /tmp/orders.pyspy]
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from _common import (ORDER_PLACE, BenchEnv, Server, banner, busy_percent, cpu_delta, gql,
                     machine_busy, order_input, pct, postgres_cpu, setup_catalog, start_pyspy,
                     verdict, wait_pyspy, wait_quiet)
from _http import HttpError, LeanClient

TARGET_ORDERS_PER_S = 300.0
TARGET_CPU_MS = 4.0


@dataclass
class Sample:
    end: float
    ms: float
    ok: bool
    error: str | None = None


@dataclass
class PhaseResult:
    label: str
    processes: int
    orders: int
    failures: int
    seconds: float
    latencies: list[float]
    server_cpu_s: float
    per_process_cpu_s: dict[int, float]
    client_cpu_s: float
    postgres_cpu_s: float | None
    errors: dict[str, int] = field(default_factory=dict)
    machine_busy_pct: float = float("nan")

    @property
    def rate(self) -> float:
        return self.orders / self.seconds

    @property
    def cpu_ms_per_order(self) -> float:
        return self.server_cpu_s * 1000.0 / max(self.orders, 1)


async def client_loop(url: str, token: str, skus: list[str], customers: int, seed: int,
                      stop_at: float, out: list[Sample]) -> None:
    rng = random.Random(seed)
    async with LeanClient(url, headers={"Authorization": f"Bearer {token}"}) as c:
        while time.perf_counter() < stop_at:
            body = {"query": ORDER_PLACE, "operationName": "Place",
                    "variables": {"input": order_input(rng, skus, customers=customers)}}
            t0 = time.perf_counter()
            err = None
            try:
                status, data = await c.post_json(body)
                if data.get("errors"):
                    err = "graphql: " + str(data["errors"][0].get("message"))[:80]
                elif data["data"]["orderPlace"]["userErrors"]:
                    err = "userError: " + data["data"]["orderPlace"]["userErrors"][0]["code"]
            except (HttpError, OSError, asyncio.TimeoutError, ValueError, KeyError,
                    TypeError) as exc:
                err = f"{type(exc).__name__}"
            t1 = time.perf_counter()
            out.append(Sample(end=t1, ms=(t1 - t0) * 1000.0, ok=err is None, error=err))


async def run_phase(label: str, servers: list[Server], token: str, skus: list[str], *,
                    clients: int, warmup: float, duration: float,
                    customers: int, database: str, profile: str | None = None,
                    quiet: bool = True) -> PhaseResult:
    if quiet:
        await wait_quiet()
    urls = [s.url for s in servers]
    samples: list[Sample] = []
    start = time.perf_counter()
    window_start = start + warmup
    stop_at = window_start + duration
    tasks = [asyncio.create_task(client_loop(urls[i % len(urls)], token, skus, customers,
                                             seed=1000 + i, stop_at=stop_at, out=samples))
             for i in range(clients)]
    await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
    me = psutil.Process()
    cpu0 = {s.port: s.cpu_seconds() for s in servers}
    pg0 = postgres_cpu(database)
    m0 = machine_busy()
    me0 = sum(me.cpu_times()[:2])
    t0 = time.perf_counter()
    spies = []
    if profile:
        pids = [pid for s in servers for pid in s.worker_pids()]
        spies = start_pyspy(pids, stop_at - t0 - 0.5, profile)
    await asyncio.sleep(max(0.0, stop_at - time.perf_counter()))
    cpu1 = {s.port: s.cpu_seconds() for s in servers}
    pg1 = postgres_cpu(database)
    m1 = machine_busy()
    me1 = sum(me.cpu_times()[:2])
    t1 = time.perf_counter()
    await asyncio.gather(*tasks)
    await wait_pyspy(spies)

    measured = [x for x in samples if t0 <= x.end <= t1]
    ok = [x for x in measured if x.ok]
    errors: dict[str, int] = {}
    for x in measured:
        if not x.ok:
            errors[x.error or "?"] = errors.get(x.error or "?", 0) + 1
    per_proc: dict[int, float] = {}
    for s in servers:
        for pid, v in cpu1[s.port].items():
            per_proc[pid] = v - cpu0[s.port].get(pid, 0.0)
    return PhaseResult(
        label=label, processes=sum(s.workers for s in servers), orders=len(ok),
        failures=len(measured) - len(ok), seconds=t1 - t0, latencies=[x.ms for x in ok],
        server_cpu_s=sum(cpu_delta(cpu0[s.port], cpu1[s.port]) for s in servers),
        per_process_cpu_s=per_proc, client_cpu_s=me1 - me0,
        postgres_cpu_s=(pg1 - pg0) if pg0 is not None and pg1 is not None else None,
        errors=errors, machine_busy_pct=busy_percent(m0, m1))


def report(r: PhaseResult, *, target_rate: float | None) -> None:
    banner(f"orderPlace, {r.label}")
    print(f"  orders placed        {r.orders} in {r.seconds:.1f} s"
          f"  ({r.failures} failed{': ' + str(r.errors) if r.errors else ''})")
    rate_line = f"  throughput           {r.rate:8.1f} orders/s"
    if target_rate is not None:
        rate_line += f"   target >= {target_rate:.0f}  [{verdict(r.rate >= target_rate)}]"
    print(rate_line)
    print(f"  latency p50 / p99    {pct(r.latencies, 50):8.1f} / {pct(r.latencies, 99):.1f} ms"
          f"   (max {max(r.latencies, default=float('nan')):.1f} ms)")
    print(f"  server CPU / order   {r.cpu_ms_per_order:8.2f} ms"
          f"   target < {TARGET_CPU_MS:.0f}  [{verdict(r.cpu_ms_per_order < TARGET_CPU_MS)}]")
    busy = {pid: v for pid, v in r.per_process_cpu_s.items() if v > 0.05}
    print(f"  server CPU by pid    " + ", ".join(
        f"{pid}: {v / r.seconds * 100:.0f}% of a core" for pid, v in sorted(busy.items())))
    print(f"  bench client CPU     {r.client_cpu_s / r.seconds * 100:.0f}% of a core"
          f"  ({r.client_cpu_s * 1000 / max(r.orders, 1):.2f} ms/order)")
    ours = r.server_cpu_s + r.client_cpu_s
    if r.postgres_cpu_s is not None:
        ours += r.postgres_cpu_s
        print(f"  PostgreSQL CPU       {r.postgres_cpu_s / r.seconds * 100:.0f}% of a core"
              f"  ({r.postgres_cpu_s * 1000 / max(r.orders, 1):.2f} ms/order, this database's "
              f"backends)")
    cores = os.cpu_count() or 1
    other = r.machine_busy_pct * cores - ours / r.seconds * 100
    print(f"  machine CPU busy     {r.machine_busy_pct:.0f}% of {cores} cores; other load "
          f"(not server/client/its PostgreSQL) ~{max(0.0, other):.0f}% of a core", flush=True)


async def sql_per_order(env: BenchEnv, skus: list[str], customers: int, show: bool) -> None:
    """Run orderPlace once in this process against the same database and
    count the SQL it sends (see _inproc.py)."""
    from _inproc import InProcess, count_sql
    rng = random.Random(99)
    async with InProcess(env.database_url, env.secret) as ip:
        await ip.execute(ORDER_PLACE, {"input": order_input(rng, skus, customers=customers)})
        rows = []
        for label, email in (("new customer", "sql-count-new@bench.example"),
                             ("same customer again", "sql-count-new@bench.example")):
            with count_sql() as c:
                await ip.execute(ORDER_PLACE, {"input": order_input(rng, skus, customers=customers,
                                                                    email=email)})
            rows.append((label, c))
    banner("SQL per orderPlace (in-process, counted at the asyncpg driver)")
    for label, c in rows:
        tx = len(c.statements) - len(c.data_statements) - len(c.pool_resets)
        print(f"  {label:<20} {len(c.data_statements)} statements + {tx} BEGIN/COMMIT + "
              f"{len(c.pool_resets)} pool resets = {len(c.statements)} round trips")
    if show:
        print(rows[0][1].report())


async def count_orders(server: Server, token: str) -> int:
    async with httpx.AsyncClient(timeout=30) as c:
        data = await gql(c, server.url, "{ orders(first: 1) { totalCount } }", token=token)
    return data["orders"]["totalCount"]


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--duration", type=float, default=20.0, help="measured seconds per phase")
    ap.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first")
    ap.add_argument("--products", type=int, default=60, help="SKUs to pick 3 lines from")
    ap.add_argument("--customers", type=int, default=2000, help="distinct buyer emails")
    ap.add_argument("--two", choices=("ports", "workers", "none"), default="ports",
                    help="second phase: `oms serve --workers 2`, two servers on two ports "
                         "with the clients split, or skip it")
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--show-sql", action="store_true", help="list the statements of one order")
    ap.add_argument("--no-wait", action="store_true",
                    help="do not wait for the machine to be quiet before each phase")
    ap.add_argument("--profile", metavar="PATH",
                    help="py-spy the one-process phase into PATH (collapsed stacks) and "
                         "print its hot spots (numbers are then perturbed a little)")
    args = ap.parse_args()

    results: list[PhaseResult] = []
    async with BenchEnv("orders", keep=args.keep) as env:
        token = env.admin_token()
        server = await env.start_server(workers=1)
        t = time.perf_counter()
        skus = await setup_catalog(server.url, token, products=args.products)
        print(f"setup: {len(skus)} products with stock, {time.perf_counter() - t:.1f} s",
              flush=True)
        results.append(await run_phase(
            "1 process", [server], token, skus, clients=args.clients, warmup=args.warmup,
            duration=args.duration, customers=args.customers, profile=args.profile,
            database=env.db, quiet=not args.no_wait))
        report(results[-1], target_rate=TARGET_ORDERS_PER_S)
        if args.profile:
            from profile_summary import summarise
            banner(f"py-spy profile of the server (one process): {args.profile}")
            summarise(Path(args.profile), top=30,
                      focus=["place_order", "_place", "handle_request", "execute_query"])
        total_before = await count_orders(server, token)
        env.stop_server(server)
        await sql_per_order(env, skus, args.customers, args.show_sql)

        if args.two != "none":
            if args.two == "workers":
                servers = [await env.start_server(workers=2)]
                label = "2 processes (oms serve --workers 2)"
            else:
                servers = [await env.start_server(workers=1), await env.start_server(workers=1)]
                label = "2 processes (two servers on two ports, clients split)"
            results.append(await run_phase(
                label, servers, token, skus, clients=args.clients, warmup=args.warmup,
                duration=args.duration, customers=args.customers, database=env.db,
                quiet=not args.no_wait))
            report(results[-1], target_rate=None)
            total = await count_orders(servers[0], token)
            print(f"  orders in database   {total} (sanity check; includes warm-up)")
            one, two = results
            print(f"  scaling 2 vs 1       {two.rate / one.rate:.2f}x")
        else:
            print(f"  orders in database   {total_before}")

    banner("summary")
    print(f"  {'phase':<52} {'orders/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms/order':>13}")
    for r in results:
        print(f"  {r.label:<52} {r.rate:9.1f} {pct(r.latencies, 50):7.1f} "
              f"{pct(r.latencies, 99):7.1f} {r.cpu_ms_per_order:13.2f}")
    one = results[0]
    ok = one.rate >= TARGET_ORDERS_PER_S and all(r.cpu_ms_per_order < TARGET_CPU_MS
                                                 for r in results)
    if any(r.machine_busy_pct * (os.cpu_count() or 1)
           - (r.server_cpu_s + r.client_cpu_s + (r.postgres_cpu_s or 0)) / r.seconds * 100 > 30
           for r in results):
        print("  NOTE: other processes used the CPU during a phase: rerun on a quiet machine")
    print(f"  targets (>= {TARGET_ORDERS_PER_S:.0f} orders/s one process, "
          f"< {TARGET_CPU_MS:.0f} ms CPU/order): {'MET' if ok else 'MISSED'}", flush=True)
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
