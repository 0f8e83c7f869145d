"""Subscription fan-out: N open graphql-transport-ws sockets, each a customer
watching orderStatusChanged of its own order, while an admin changes order
statuses (orderHold / orderReleaseHold alternating on random orders) at a
fixed rate.

Every socket first gets one push (priming: a subscription keeps some state
from its first event on), then the measured phase runs. Prints the delay from
the mutation's HTTP response arriving to the push arriving on the socket
(p50/p99), server RSS per open socket, and server RSS sampled once a second
while the measured events are delivered (it must stay flat).
Target: push p99 < 50 ms.

    .venv/bin/python bench/subscriptions_fanout.py [--sockets 1000] [--rate 50]
        [--duration 40] [--warmup 5] [--no-compression] [--profile /tmp/subs.pyspy]
        [--tracemalloc (with BENCH_FIXES=tracemalloc, see whatif_server.py)]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from websockets.asyncio.client import ClientConnection, connect

from _common import (BenchEnv, Server, banner, busy_percent, cpu_delta, machine_busy, pct,
                     place_orders, postgres_cpu, raise_nofile, setup_catalog, start_pyspy,
                     verdict, wait_pyspy, wait_quiet)

TARGET_P99_MS = 50.0
# The graphql-core 3.3 leak kept ~1.5 KB per event per subscription (each event
# here reaches one subscription), on top of the warm-up drift (statement caches
# filling on every pooled connection, LRU caches, allocator) that shows as
# ~0.7-1.2 KB/event in a 40 s run and levels off in a long run (--duration 300).
FLAT_KB_PER_EVENT = 2.0

SUBSCRIPTION = """subscription Watch($id: ID!) {
  orderStatusChanged(orderId: $id) { fromStatus toStatus cursor at order { number status } }
}"""
HOLD = """mutation Hold($id: ID!) { orderHold(id: $id, reason: "bench") {
  order { status } userErrors { code message } } }"""
RELEASE = """mutation Release($id: ID!) { orderReleaseHold(id: $id) {
  order { status } userErrors { code message } } }"""


@dataclass
class InFlight:
    sent: float
    to_status: str
    resp: float | None = None
    push: float | None = None
    failed: str | None = None


@dataclass
class Stats:
    delays_ms: list[float] = field(default_factory=list)       # push - HTTP response
    send_to_push_ms: list[float] = field(default_factory=list)  # push - request sent
    http_ms: list[float] = field(default_factory=list)
    push_first: int = 0
    missing: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    unexpected: int = 0
    wrong_status: int = 0
    pushes: int = 0
    errors_on_socket: int = 0


class Fanout:
    def __init__(self, server: Server, orders: list[dict[str, Any]], tokens: list[str], *,
                 compression: bool) -> None:
        self.server = server
        self.orders = orders
        self.tokens = tokens
        self.compression = compression
        self.sockets: list[ClientConnection | None] = [None] * len(orders)
        self.readers: list[asyncio.Task] = []
        self.inflight: dict[int, InFlight] = {}
        self.held = [False] * len(orders)
        self.stats = Stats()
        self.measuring = False
        self.closed_early = 0

    async def open_one(self, i: int) -> None:
        ws = await connect(self.server.ws_url, subprotocols=["graphql-transport-ws"],
                           open_timeout=60, ping_interval=None, close_timeout=2,
                           compression="deflate" if self.compression else None,
                           max_queue=64)
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"Authorization": f"Bearer {self.tokens[i]}"}}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if ack.get("type") != "connection_ack":
            raise RuntimeError(f"socket {i}: expected connection_ack, got {ack}")
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": SUBSCRIPTION, "operationName": "Watch",
            "variables": {"id": self.orders[i]["id"]}}}))
        self.sockets[i] = ws
        self.readers.append(asyncio.create_task(self.read(i, ws)))

    async def read(self, i: int, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                now = time.perf_counter()
                msg = json.loads(raw)
                kind = msg.get("type")
                if kind == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                    continue
                if kind != "next":
                    self.stats.errors_on_socket += 1
                    if self.stats.errors_on_socket <= 3:
                        print(f"  socket {i}: {str(msg)[:300]}", flush=True)
                    continue
                self.stats.pushes += 1
                f = self.inflight.get(i)
                if f is None or f.push is not None:
                    self.stats.unexpected += 1
                    continue
                f.push = now
                data = (msg.get("payload") or {}).get("data") or {}
                if (data.get("orderStatusChanged") or {}).get("toStatus") != f.to_status:
                    self.stats.wrong_status += 1
                self.maybe_done(i)
        except Exception:  # noqa: BLE001 - a socket closing is counted, not fatal
            pass
        finally:
            self.closed_early += 1

    async def open_all(self, concurrency: int) -> float:
        sem = asyncio.Semaphore(concurrency)
        t = time.perf_counter()

        async def one(i: int) -> None:
            async with sem:
                await self.open_one(i)

        await asyncio.gather(*(one(i) for i in range(len(self.orders))))
        return time.perf_counter() - t

    async def wait_subscribed(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as c:
            while True:
                r = (await c.get(f"http://127.0.0.1:{self.server.port}/healthz")).json()
                if r["subscribers"] >= len(self.orders) or time.monotonic() > deadline:
                    return r["subscribers"]
                await asyncio.sleep(0.2)

    def maybe_done(self, i: int) -> None:
        f = self.inflight.get(i)
        if f is None or f.resp is None or (f.push is None and f.failed is None):
            return
        del self.inflight[i]
        if f.failed:
            return
        self.held[i] = f.to_status == "ON_HOLD"
        if self.measuring:
            d = (f.push - f.resp) * 1000.0
            if d < 0:
                self.stats.push_first += 1
            self.stats.delays_ms.append(max(0.0, d))
            self.stats.send_to_push_ms.append((f.push - f.sent) * 1000.0)
            self.stats.http_ms.append((f.resp - f.sent) * 1000.0)

    async def mutate(self, client: httpx.AsyncClient, token: str, i: int) -> None:
        hold = not self.held[i]
        f = InFlight(sent=time.perf_counter(), to_status="ON_HOLD" if hold else "PENDING")
        self.inflight[i] = f
        try:
            r = await client.post(self.server.url, headers={"Authorization": f"Bearer {token}"},
                                  json={"query": HOLD if hold else RELEASE,
                                        "variables": {"id": self.orders[i]["id"]}})
            f.resp = time.perf_counter()
            body = r.json()
            payload = (body.get("data") or {}).get("orderHold" if hold else "orderReleaseHold")
            if body.get("errors"):
                f.failed = "graphql: " + str(body["errors"][0].get("message"))[:60]
            elif payload["userErrors"]:
                f.failed = "userError: " + payload["userErrors"][0]["code"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            f.resp = time.perf_counter()
            f.failed = type(exc).__name__
        if f.failed and self.measuring:
            self.stats.failures[f.failed] = self.stats.failures.get(f.failed, 0) + 1
        self.maybe_done(i)

    def sweep(self, older_than: float = 5.0) -> None:
        now = time.perf_counter()
        for i, f in list(self.inflight.items()):
            if f.resp is not None and f.push is None and now - f.resp > older_than:
                del self.inflight[i]
                self.held[i] = f.to_status == "ON_HOLD"  # the change committed anyway
                if self.measuring:
                    self.stats.missing += 1

    async def drive(self, token: str, *, rate: float, seconds: float, rng: random.Random,
                    rss_samples: list[tuple[float, int]] | None = None,
                    sequence: list[int] | None = None) -> int:
        """Issue `rate` status changes per second for `seconds` (open loop), on
        random orders, or on the orders of `sequence` in turn."""
        if sequence is not None:
            seconds = len(sequence) / rate
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
        tasks: set[asyncio.Task] = set()
        issued = 0
        n = len(self.orders)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            start = time.perf_counter()
            next_rss = start
            k = 0
            while True:
                target = start + k / rate
                now = time.perf_counter()
                if target - start >= seconds:
                    break
                if rss_samples is not None and now >= next_rss:
                    rss_samples.append((now - start, self.server.rss_bytes()))
                    next_rss += 1.0
                if target > now:
                    await asyncio.sleep(target - now)
                k += 1
                if sequence is not None:
                    i = sequence[k - 1]
                else:
                    for _ in range(20):
                        i = rng.randrange(n)
                        if i not in self.inflight:
                            break
                    else:
                        continue
                t = asyncio.create_task(self.mutate(client, token, i))
                tasks.add(t)
                t.add_done_callback(tasks.discard)
                issued += 1
                if k % 25 == 0:
                    self.sweep()
            if tasks:
                await asyncio.gather(*tasks)
            # Let the last pushes arrive.
            deadline = time.perf_counter() + 5
            while self.inflight and time.perf_counter() < deadline:
                await asyncio.sleep(0.05)
            self.sweep(older_than=0)
            if rss_samples is not None:
                rss_samples.append((time.perf_counter() - start, self.server.rss_bytes()))
        return issued

    async def close(self) -> None:
        for ws in self.sockets:
            if ws is not None:
                try:
                    await asyncio.wait_for(ws.close(), 2)
                except Exception:  # noqa: BLE001
                    pass
        for t in self.readers:
            t.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)


def slope_kb_per_min(samples: list[tuple[float, int]]) -> float:
    if len(samples) < 2:
        return 0.0
    xs = [t for t, _ in samples]
    ys = [r / 1024 for _, r in samples]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs) or 1.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den * 60


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sockets", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=50.0, help="status changes per second")
    ap.add_argument("--duration", type=float, default=40.0, help="measured seconds")
    ap.add_argument("--warmup", type=float, default=5.0,
                    help="unmeasured seconds of events after priming every socket once")
    ap.add_argument("--open-concurrency", type=int, default=50)
    ap.add_argument("--no-compression", action="store_true",
                    help="do not offer permessage-deflate (browsers do offer it)")
    ap.add_argument("--profile", metavar="PATH", help="py-spy the server during the events")
    ap.add_argument("--tracemalloc", action="store_true",
                    help="signal a bench/whatif_server.py server started with "
                         "BENCH_FIXES=tracemalloc or objcount around the measured phase")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--no-wait", action="store_true",
                    help="do not wait for the machine to be quiet before measuring")
    args = ap.parse_args()
    nofile = raise_nofile(args.sockets * 2 + 512)
    print(f"open files limit {nofile}")
    if nofile < args.sockets + 100:
        print("raise `ulimit -n` first", file=sys.stderr)
        return 2

    from oms.core import ids

    rng = random.Random(42)
    async with BenchEnv("subs", keep=args.keep) as env:
        admin = env.admin_token()
        server = await env.start_server(workers=1)
        t = time.perf_counter()
        skus = await setup_catalog(server.url, admin, products=60)
        orders = await place_orders([server.url], admin, skus, args.sockets, label="orders")
        print(f"setup: {len(orders)} orders of {len(orders)} customers, "
              f"{time.perf_counter() - t:.1f} s", flush=True)
        tokens = [env.mint(role="customer", customer_id=ids.decode("Customer", o["customer"]["id"]))
                  for o in orders]

        fan = Fanout(server, orders, tokens, compression=not args.no_compression)
        try:
            await asyncio.sleep(2)
            rss_before = server.rss_bytes()
            opened_in = await fan.open_all(args.open_concurrency)
            subscribed = await fan.wait_subscribed()
            await asyncio.sleep(2)
            rss_open = server.rss_bytes()
            per_socket = (rss_open - rss_before) / len(orders)
            print(f"opened {len(orders)} sockets in {opened_in:.1f} s; server reports "
                  f"{subscribed} subscribers", flush=True)

            if not args.no_wait:
                await wait_quiet()
            # Prime: one status change on every order, so every socket has had
            # its first push (a subscription keeps per-event state, such as its
            # latest DataLoaders, from its first event on), then a short warm-up.
            order = list(range(len(orders)))
            rng.shuffle(order)
            t = time.perf_counter()
            await fan.drive(admin, rate=args.rate, seconds=0, rng=rng, sequence=order)
            await fan.drive(admin, rate=args.rate, seconds=args.warmup, rng=rng)
            await asyncio.sleep(1)
            rss_primed = server.rss_bytes()
            print(f"primed: every socket had a push ({time.perf_counter() - t:.0f} s); server "
                  f"RSS {rss_primed / 2**20:.1f} MB", flush=True)
            fan.measuring = True
            me = psutil.Process()
            cpu0, me0 = server.cpu_seconds(), sum(me.cpu_times()[:2])
            pg0, m0 = postgres_cpu(env.db), machine_busy()
            spies = start_pyspy([server.proc.pid], args.duration - 1, args.profile) \
                if args.profile else []
            samples: list[tuple[float, int]] = []
            if args.tracemalloc:
                os.kill(server.proc.pid, signal.SIGUSR2)
                await asyncio.sleep(3)
            t0 = time.perf_counter()
            issued = await fan.drive(admin, rate=args.rate, seconds=args.duration, rng=rng,
                                     rss_samples=samples)
            wall = time.perf_counter() - t0
            cpu1, me1 = server.cpu_seconds(), sum(me.cpu_times()[:2])
            pg1, m1 = postgres_cpu(env.db), machine_busy()
            server_cpu = cpu_delta(cpu0, cpu1)
            await wait_pyspy(spies)
            if args.tracemalloc:
                os.kill(server.proc.pid, signal.SIGUSR1)
                await asyncio.sleep(10)
                print("memory report written by the server (see bench/whatif_server.py)")
            async with httpx.AsyncClient() as c:
                health = (await c.get(f"http://127.0.0.1:{server.port}/healthz")).json()
            closed_early = fan.closed_early
        finally:
            await fan.close()

    s = fan.stats
    delivered = len(s.delays_ms)
    banner(f"subscriptions: {len(orders)} sockets, {args.rate:.0f} status changes/s for "
           f"{args.duration:.0f} s (permessage-deflate "
           f"{'off' if args.no_compression else 'offered'})")
    print(f"  mutations issued         {issued} ({issued / wall:.1f}/s); failed: "
          f"{sum(s.failures.values())} {s.failures or ''}")
    print(f"  pushes delivered         {delivered} matched  ({s.missing} missing after 5 s, "
          f"{s.unexpected} unexpected, {s.wrong_status} wrong status, "
          f"{s.errors_on_socket} error messages)")
    p99 = pct(s.delays_ms, 99)
    print(f"  push delay after HTTP response  p50 {pct(s.delays_ms, 50):6.1f} ms   p99 {p99:6.1f} ms"
          f"   max {max(s.delays_ms, default=float('nan')):.1f} ms   target p99 < "
          f"{TARGET_P99_MS:.0f}  [{verdict(p99 < TARGET_P99_MS)}]")
    print(f"    ({s.push_first} of {delivered} pushes arrived before the HTTP response: "
          f"counted as 0 ms)")
    print(f"  request sent -> push     p50 {pct(s.send_to_push_ms, 50):6.1f} ms   "
          f"p99 {pct(s.send_to_push_ms, 99):6.1f} ms")
    print(f"  mutation HTTP latency    p50 {pct(s.http_ms, 50):6.1f} ms   "
          f"p99 {pct(s.http_ms, 99):6.1f} ms")
    print(f"  server RSS               {rss_before / 2**20:.1f} MB before sockets, "
          f"{rss_open / 2**20:.1f} MB with {len(orders)} subscribed sockets")
    print(f"  server RSS per socket    {per_socket / 1024:.1f} KB open and subscribed; "
          f"{(rss_primed - rss_before) / len(orders) / 1024:.1f} KB once each has had a push")
    print(f"  server CPU               {server_cpu / wall * 100:.0f}% of a core, "
          f"{server_cpu * 1000 / max(delivered, 1):.2f} ms per status change (mutation + push)")
    print(f"  bench client CPU         {(me1 - me0) / wall * 100:.0f}% of a core")
    if pg0 is not None and pg1 is not None:
        print(f"  PostgreSQL CPU           {(pg1 - pg0) / wall * 100:.0f}% of a core")
    ours = server_cpu + (me1 - me0) + ((pg1 - pg0) if pg0 is not None and pg1 is not None else 0)
    other = busy_percent(m0, m1) * (os.cpu_count() or 1) - ours / wall * 100
    print(f"  machine CPU busy         {busy_percent(m0, m1):.0f}% of {os.cpu_count()} cores; other "
          f"load ~{max(0.0, other):.0f}% of a core" + ("  (NOTE: disturbed; rerun on a quiet "
                                                       "machine)" if other > 30 else ""))
    print(f"  hub subscribers at end   {health['subscribers']} (sockets closed early: "
          f"{closed_early})")
    banner("server RSS while events are delivered (MB, one sample per second)")
    line = []
    for k, (ts, rss) in enumerate(samples):
        line.append(f"{ts:4.0f}s {rss / 2**20:6.1f}")
        if len(line) == 6 or k == len(samples) - 1:
            print("  " + "   ".join(line))
            line = []
    flat = True
    if samples:
        first, last = samples[0][1], samples[-1][1]
        half = len(samples) // 2
        growth = last - first
        per_event = growth / 1024 / max(delivered, 1)
        print(f"  growth over the run      {growth / 2**20:+.2f} MB over {delivered} delivered "
              f"events = {per_event:+.3f} KB/event; trend {slope_kb_per_min(samples):+.0f} KB/min"
              f" (second half {slope_kb_per_min(samples[half:]):+.0f} KB/min)")
        flat = per_event < FLAT_KB_PER_EVENT
        print(f"  flat (< {FLAT_KB_PER_EVENT} KB per event: no per-event leak; warm-up drift "
              f"levels off, see --duration 300)   [{verdict(flat)}]")
    if args.profile:
        from profile_summary import summarise
        banner(f"py-spy profile of the server during the events: {args.profile}")
        summarise(Path(args.profile), top=25, focus=["Hub._fan_out", "event_stream"])
    banner("summary")
    print(f"  push p99 {p99:.1f} ms (target < {TARGET_P99_MS:.0f}) [{verdict(p99 < TARGET_P99_MS)}];"
          f" p50 {pct(s.delays_ms, 50):.1f} ms; RSS/socket {per_socket / 1024:.1f} KB; "
          f"RSS growth {(samples[-1][1] - samples[0][1]) / 2**20 if samples else 0:+.2f} MB "
          f"over {delivered} events", flush=True)
    return 1 if args.strict and not (p99 < TARGET_P99_MS and flat) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
