"""Shared plumbing for the benchmarks: a fresh PostgreSQL database and Redis
stream per run, `oms serve` subprocesses, a tiny GraphQL client, catalogue
setup through the public API, process-tree CPU/RSS and percentiles.

The servers run in their own processes; from `oms` this module only uses
oms.auth.tokens.mint (tokens signed with the run's secret). The in-process
parts (orders_page.py, _inproc.py) import the schema and Tortoise themselves.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
VENV_BIN = Path(sys.executable).parent
OMS_BIN = VENV_BIN / "oms"

PG_HOST = os.environ.get("BENCH_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("BENCH_PG_PORT", "5432"))
PG_USER = os.environ.get("BENCH_PG_USER", "postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

CHANNEL = "WEB"
LOCATION = "WH1"
ADDRESS = {"name": "Bench Buyer", "line1": "1 Test Street", "city": "Berlin",
           "postalCode": "10115", "country": "DE"}


# --------------------------------------------------------------------- numbers

def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); nan for no values."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def banner(title: str) -> None:
    print()
    print("=" * 72)
    print(title)
    print("=" * 72, flush=True)


def verdict(ok: bool) -> str:
    return "OK  " if ok else "MISS"


def raise_nofile(want: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(max(soft, want), hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def code_version() -> str:
    """The commit the benchmark runs against (and whether oms/ has local changes)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "oms", "migrations"],
                               cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head or 'unknown'}{' + uncommitted changes in oms/' if dirty else ''}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------- servers

@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    workers: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def processes(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.proc.pid)
            return [root] + root.children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def cpu_seconds(self) -> dict[int, float]:
        """user+system CPU seconds per live process of the server's tree."""
        out: dict[int, float] = {}
        for p in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                t = p.cpu_times()
                out[p.pid] = t.user + t.system
        return out

    def rss_bytes(self) -> int:
        total = 0
        for p in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                total += p.memory_info().rss
        return total

    def worker_pids(self) -> list[int]:
        """The processes that serve requests (the root itself with one worker)."""
        procs = self.processes()
        if self.workers == 1:
            return [procs[0].pid] if procs else []
        # uvicorn's supervisor spawns the workers; skip multiprocessing helpers.
        out = []
        for p in procs[1:]:
            with contextlib.suppress(psutil.NoSuchProcess):
                if "resource_tracker" not in " ".join(p.cmdline()):
                    out.append(p.pid)
        return out

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (all cores)."""
    t = psutil.cpu_times()
    idle = t.idle + getattr(t, "iowait", 0.0)
    total = sum(t)
    return total - idle, total


def busy_percent(before: tuple[float, float], after: tuple[float, float]) -> float:
    """Machine CPU busy between two machine_busy() samples, in % of all cores."""
    db, dt = after[0] - before[0], after[1] - before[1]
    return 100.0 * db / dt if dt > 0 else float("nan")


def postgres_cpu(database: str | None = None) -> float | None:
    """CPU seconds of the PostgreSQL backends serving `database` (all of the
    cluster's processes when None). Backends that ended in between are lost,
    so sample around a phase whose connections stay open."""
    total, seen = 0.0, False
    for p in psutil.process_iter(["name", "cmdline"]):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            if not (p.info["name"] or "").startswith("postgres"):
                continue
            if database is not None and f" {database} " not in " ".join(p.info["cmdline"] or []):
                continue
            t = p.cpu_times()
            total += t.user + t.system
            seen = True
    return total if seen else None


async def wait_quiet(max_busy: float = 15.0, window: float = 3.0, timeout: float = 120.0) -> float:
    """Wait until the machine is mostly idle (other people's test runs share
    it); returns the last busy % seen. Gives up after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    waited = False
    while True:
        a = machine_busy()
        await asyncio.sleep(window)
        busy = busy_percent(a, machine_busy())
        if busy <= max_busy:
            if waited:
                print(f"machine quiet again ({busy:.0f}% busy)", flush=True)
            return busy
        if time.monotonic() > deadline:
            print(f"WARNING: machine still {busy:.0f}% busy after waiting {timeout:.0f} s; "
                  f"figures will be disturbed by other load", flush=True)
            return busy
        if not waited:
            print(f"machine {busy:.0f}% busy with other work; waiting for it to calm down "
                  f"(up to {timeout:.0f} s)...", flush=True)
            waited = True


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two samples by processes alive at the second
    (a process that appeared in between counts from zero)."""
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


class BenchEnv:
    """One benchmark run's isolated world. Use as `async with BenchEnv("x") as env`."""

    def __init__(self, name: str, *, keep: bool = False) -> None:
        tag = f"{os.getpid()}_{secrets.token_hex(3)}"
        self.name = name
        self.db = f"oms_bench_{name}_{tag}"
        self.stream = f"oms:bench:{name}:{tag}"
        self.secret = secrets.token_urlsafe(48)
        self.keep = keep
        self.tmp = Path(tempfile.mkdtemp(prefix=f"oms-bench-{name}-"))
        self.servers: list[Server] = []

    @property
    def database_url(self) -> str:
        return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.db}"

    def env(self) -> dict[str, str]:
        e = dict(os.environ)
        e.update(OMS_DATABASE_URL=self.database_url, OMS_REDIS_URL=REDIS_URL,
                 OMS_REDIS_STREAM=self.stream, OMS_JWT_SECRET=self.secret,
                 OMS_DATA_DIR=str(self.tmp / "data"), OMS_GRAPHIQL="false",
                 PYTHONUNBUFFERED="1")
        return e

    def admin_token(self) -> str:
        return self.mint(role="admin")

    def mint(self, *, role: str, customer_id: int | None = None) -> str:
        from oms.auth.tokens import Role, mint
        return mint(self.secret, role=Role(role), customer_id=customer_id,
                    subject=None if customer_id else f"bench-{role}")

    async def __aenter__(self) -> "BenchEnv":
        print(f"code {code_version()}; database {self.db}, redis stream {self.stream}",
              flush=True)
        if os.environ.get("BENCH_SERVER_CMD") or os.environ.get("BENCH_FIXES"):
            print(f"WHAT-IF RUN: server command {os.environ.get('BENCH_SERVER_CMD') or 'oms'}, "
                  f"BENCH_FIXES={os.environ.get('BENCH_FIXES', '')!r} (not the baseline)",
                  flush=True)
        proc = await asyncio.create_subprocess_exec(
            str(OMS_BIN), "migrate", env=self.env(), cwd=str(self.tmp),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"oms migrate failed:\n{out.decode(errors='replace')}")
        return self

    async def __aexit__(self, exc_type: Any, *exc: Any) -> None:
        await self.close(keep_logs=exc_type is not None)

    async def start_server(self, *, workers: int = 1, port: int | None = None,
                           timeout: float = 60.0) -> Server:
        port = port or free_port()
        log_path = self.tmp / f"server-{port}.log"
        log = open(log_path, "wb")
        # BENCH_SERVER_CMD replaces `oms` (e.g. to try a patched build of the app).
        # Relative paths in it are taken from the current directory (the server
        # itself runs in the run's temporary directory).
        base = [os.path.abspath(a) if not os.path.isabs(a) and os.path.exists(a) else a
                for a in shlex.split(os.environ["BENCH_SERVER_CMD"])] if os.environ.get(
            "BENCH_SERVER_CMD") else [str(OMS_BIN)]
        proc = subprocess.Popen(
            [*base, "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers)],
            env=self.env(), cwd=str(self.tmp), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)  # own process group: stopped as one
        server = Server(proc=proc, port=port, workers=workers, log_path=log_path)
        self.servers.append(server)
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"oms serve exited ({proc.returncode}):\n"
                                       f"{server.log_tail()}")
                try:
                    r = await client.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                    if r.status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"oms serve not ready after {timeout}s:\n"
                                       f"{server.log_tail()}")
                await asyncio.sleep(0.2)
        if workers > 1:
            # Wait until every worker has its own listener up.
            while len(server.worker_pids()) < workers and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            await asyncio.sleep(1.5)
        return server

    def stop_server(self, server: Server) -> None:
        proc = server.proc
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        # Stragglers of our own group (workers) after the supervisor died.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        if server in self.servers:
            self.servers.remove(server)

    async def close(self, keep_logs: bool = False) -> None:
        for server in list(self.servers):
            self.stop_server(server)
        if self.keep:
            print(f"kept database {self.db}, stream {self.stream}, server logs in {self.tmp}")
            return
        if keep_logs:
            print(f"server logs kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        await drop_database(self.db)
        with contextlib.suppress(Exception):
            import redis.asyncio as aioredis
            r = aioredis.from_url(REDIS_URL)
            await r.delete(self.stream)
            await r.aclose()
        print(f"cleaned up: stopped servers, dropped {self.db}, deleted {self.stream}",
              flush=True)


async def drop_database(name: str) -> None:
    import asyncpg
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


# --------------------------------------------------------------------- GraphQL

class GraphQLFailure(RuntimeError):
    pass


async def gql(client: httpx.AsyncClient, url: str, query: str,
              variables: dict[str, Any] | None = None, *, token: str | None = None,
              check_user_errors: bool = True) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = await client.post(url, json={"query": query, "variables": variables or {}},
                          headers=headers)
    try:
        body = r.json()
    except ValueError:
        raise GraphQLFailure(f"HTTP {r.status_code}: {r.text[:500]}") from None
    if body.get("errors"):
        raise GraphQLFailure(f"{body['errors']}")
    data = body["data"]
    if check_user_errors:
        for key, payload in data.items():
            if isinstance(payload, dict) and payload.get("userErrors"):
                raise GraphQLFailure(f"{key}: {payload['userErrors']}")
    return data


CHANNEL_CREATE = """mutation($input: ChannelCreateInput!) {
  channelCreate(input: $input) { channel { code } userErrors { code field message } } }"""
LOCATION_CREATE = """mutation($input: LocationCreateInput!) {
  locationCreate(input: $input) { location { code } userErrors { code field message } } }"""
CHANNEL_LOCATIONS_SET = """mutation($channel: String!, $locations: [String!]!) {
  channelLocationsSet(channel: $channel, locations: $locations) {
    channel { code } userErrors { code field message } } }"""
PRODUCT_UPSERT = """mutation($input: ProductUpsertInput!) {
  productUpsert(input: $input) { product { sku } userErrors { code field message } } }"""
STOCK_RECEIVE = """mutation($sku: String!, $location: String!, $quantity: Int!) {
  stockReceive(sku: $sku, location: $location, quantity: $quantity, reference: "bench") {
    stockItem { sku } userErrors { code field message } } }"""

ORDER_PLACE = """mutation Place($input: OrderPlaceInput!) {
  orderPlace(input: $input) {
    order { id number status total { amount currency } customer { id } }
    userErrors { code field message } } }"""


def sku(i: int) -> str:
    return f"BENCH-{i:04d}"


async def setup_catalog(url: str, token: str, *, products: int, stock: int = 1_000_000,
                        concurrency: int = 8) -> list[str]:
    """One WEB channel served by one warehouse, `products` SKUs priced in it,
    each with `stock` units on hand. Everything through the GraphQL API."""
    async with httpx.AsyncClient(timeout=60) as c:
        await gql(c, url, CHANNEL_CREATE, {"input": {"code": CHANNEL, "name": "Web shop",
                                                     "kind": "WEB", "currency": "EUR"}},
                  token=token)
        await gql(c, url, LOCATION_CREATE, {"input": {"code": LOCATION, "name": "Warehouse 1",
                                                      "kind": "WAREHOUSE", "address": ADDRESS}},
                  token=token)
        await gql(c, url, CHANNEL_LOCATIONS_SET, {"channel": CHANNEL, "locations": [LOCATION]},
                  token=token)
        skus = [sku(i) for i in range(products)]
        sem = asyncio.Semaphore(concurrency)

        async def one(i: int, s: str) -> None:
            async with sem:
                await gql(c, url, PRODUCT_UPSERT, {"input": {
                    "sku": s, "name": f"Bench product {i}", "weightGrams": 250 + i,
                    "prices": [{"channel": CHANNEL, "amount": f"{5 + i % 40}.90"}]}}, token=token)
                await gql(c, url, STOCK_RECEIVE, {"sku": s, "location": LOCATION,
                                                  "quantity": stock}, token=token)

        await asyncio.gather(*(one(i, s) for i, s in enumerate(skus)))
    return skus


def order_input(rng, skus: list[str], *, customers: int, lines: int = 3,
                email: str | None = None) -> dict[str, Any]:
    chosen = rng.sample(skus, lines)
    n = rng.randrange(customers)
    return {
        "channel": CHANNEL, "source": "WEB",
        "customer": {"email": email or f"buyer{n}@bench.example", "name": f"Buyer {n}"},
        "lines": [{"sku": s, "quantity": rng.randint(1, 3)} for s in chosen],
        "shippingAddress": ADDRESS,
    }


@dataclass
class Stopwatch:
    started: float = field(default_factory=time.perf_counter)

    def ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000.0


# --------------------------------------------------------------------- profiling

def start_pyspy(pids: list[int], seconds: float, path: Path | str,
                rate: int = 200) -> list[subprocess.Popen]:
    """Sample the given processes with py-spy (collapsed stacks, one file per
    pid: PATH, or PATH.<pid> when several) for `seconds`. Summarise with
    bench/profile_summary.py."""
    exe = VENV_BIN / "py-spy"
    if not exe.exists():
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
    procs = []
    for pid in pids:
        out = str(path) if len(pids) == 1 else f"{path}.{pid}"
        procs.append(subprocess.Popen(
            [str(exe), "record", "--pid", str(pid), "--duration", str(max(1, int(seconds))),
             "--rate", str(rate), "--format", "raw", "--output", out],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return procs


async def wait_pyspy(procs: list[subprocess.Popen], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    for p in procs:
        while p.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        if p.poll() is None:
            p.terminate()


async def place_orders(urls: list[str], token: str, skus: list[str], n: int, *,
                       concurrency: int = 16, customers: int | None = None, seed: int = 7,
                       label: str = "orders") -> list[dict[str, Any]]:
    """Place `n` 3-line orders through orderPlace, spread over `urls`; each
    order has its own customer unless `customers` caps the pool. Returns the
    orderPlace payloads' `order` objects in placement order."""
    import random
    rng = random.Random(seed)
    inputs = []
    for i in range(n):
        email = f"buyer{i}@bench.example" if customers is None else None
        inputs.append(order_input(rng, skus, customers=customers or n, email=email))
    results: list[dict[str, Any] | None] = [None] * n
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    started = time.perf_counter()
    done = 0

    async def worker(k: int) -> None:
        nonlocal done
        async with httpx.AsyncClient(timeout=60) as c:
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                data = await gql(c, urls[k % len(urls)], ORDER_PLACE, {"input": inputs[i]},
                                 token=token)
                results[i] = data["orderPlace"]["order"]
                done += 1
                if done % 250 == 0:
                    print(f"  {label}: {done}/{n} ({time.perf_counter() - started:.0f} s)",
                          flush=True)

    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    return [r for r in results if r is not None]


async def run_mutations(urls: list[str], token: str, calls: list[tuple[str, dict[str, Any]]], *,
                        concurrency: int = 16, label: str = "mutations") -> list[dict[str, Any]]:
    """Run (document, variables) pairs with `concurrency` workers; the data of each."""
    results: list[dict[str, Any] | None] = [None] * len(calls)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(calls)):
        queue.put_nowait(i)
    started = time.perf_counter()
    done = 0

    async def worker(k: int) -> None:
        nonlocal done
        async with httpx.AsyncClient(timeout=60) as c:
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                doc, variables = calls[i]
                results[i] = await gql(c, urls[k % len(urls)], doc, variables, token=token)
                done += 1
                if done % 500 == 0:
                    print(f"  {label}: {done}/{len(calls)} ({time.perf_counter() - started:.0f} s)",
                          flush=True)

    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    return [r for r in results if r is not None]
