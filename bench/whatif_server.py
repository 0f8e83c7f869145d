"""`oms` with candidate performance fixes applied by monkeypatching, so their
effect can be measured before anyone changes oms/. Benchmark-only.

    BENCH_FIXES=validation,reset \\
    BENCH_SERVER_CMD=".venv/bin/python bench/whatif_server.py" \\
    .venv/bin/python bench/orders_throughput.py --two none

Fixes (comma separated in BENCH_FIXES; each is a no-op where oms/ already
does the same):
  validation  the depth/alias limiter factories return the same rule classes
              every time, so Strawberry's ValidationCache can hit (built per
              request, QueryDepthLimiter/MaxAliasesLimiter create new rule
              classes, every cache key is new and every request is validated).
  reset       give asyncpg's pool a no-op `reset`, so releasing a connection
              no longer sends 'SELECT pg_advisory_unlock_all(); CLOSE ALL;
              UNLISTEN *; RESET ALL' (one extra round trip per pool release).

Diagnostics (also in BENCH_FIXES):
  tracemalloc SIGUSR2 runs gc.collect() and starts tracemalloc; SIGUSR1 runs
              gc.collect() and writes what was allocated since and is still
              alive, grouped by traceback, to $BENCH_TRACEMALLOC_OUT (default
              /tmp/oms-bench/tracemalloc.txt). Slows the server down a lot.
  objcount    cheap alternative: SIGUSR2 counts live objects by type after
              gc.collect(), SIGUSR1 writes which types grew since to
              $BENCH_OBJCOUNT_OUT (default /tmp/oms-bench/objcount.txt).
  gcstats     time every garbage collection; SIGUSR2 resets, SIGUSR1 writes
              count / total / max pause per generation to $BENCH_GCSTATS_OUT
              (default /tmp/oms-bench/gcstats.txt).
subscriptions_fanout.py --tracemalloc sends the two signals around its
measured phase (use one of these diagnostics at a time).
  gcfreeze    (a fix) gc.freeze() once the app has started, and a higher
              gen-0 threshold, so full collections stop walking the long-lived
              start-up objects.

Only one-process servers see the patches (`--workers N` spawns fresh
interpreters): use two servers on two ports for multi-process what-ifs.
"""
from __future__ import annotations

import os
import sys

FIXES = set(filter(None, os.environ.get("BENCH_FIXES", "").split(",")))
KNOWN = {"validation", "reset", "tracemalloc", "objcount", "gcstats", "gcfreeze"}


def _patch_reset() -> None:
    from oms import db

    original = db._pg_credentials

    async def _no_reset(conn) -> None:  # the app keeps no session state on connections
        return None

    def credentials(db_url: str, pool_size: int):
        creds = original(db_url, pool_size)
        creds.setdefault("reset", _no_reset)  # no-op if oms already sets one
        return creds

    db._pg_credentials = credentials


def _patch_validation() -> None:
    """Make the limiter factories in oms.graphql.schema return the same rule
    classes every time (the rest of build_schema is untouched; a no-op if
    build_schema no longer calls the limiters per request)."""
    from strawberry.extensions import AddValidationRules, MaxAliasesLimiter, QueryDepthLimiter

    from oms.graphql import schema as S

    rules: dict[tuple, list] = {}

    def depth_limiter(max_depth: int, **kw):
        key = ("depth", max_depth, tuple(sorted(kw.items())))
        if key not in rules:
            rules[key] = QueryDepthLimiter(max_depth=max_depth, **kw).validation_rules
        return AddValidationRules(rules[key])

    def alias_limiter(max_alias_count: int):
        key = ("aliases", max_alias_count)
        if key not in rules:
            rules[key] = MaxAliasesLimiter(max_alias_count=max_alias_count).validation_rules
        return AddValidationRules(rules[key])

    S.QueryDepthLimiter = depth_limiter
    S.MaxAliasesLimiter = alias_limiter


def _install_tracemalloc() -> None:
    import gc
    import signal
    import tracemalloc

    out = os.environ.get("BENCH_TRACEMALLOC_OUT", "/tmp/oms-bench/tracemalloc.txt")

    def start(*_a) -> None:
        gc.collect()
        tracemalloc.start(int(os.environ.get("BENCH_TRACEMALLOC_FRAMES", "8")))  # from now on

    def dump(*_a) -> None:
        gc.collect()
        snap = tracemalloc.take_snapshot()
        tracemalloc.stop()
        snap = snap.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        stats = snap.statistics("traceback")
        total = sum(st.size for st in stats)
        lines = [f"allocated since SIGUSR2 and still alive after gc.collect(): "
                 f"{total / 1024:.1f} KiB in {sum(st.count for st in stats)} blocks"]
        for st in stats[:20]:
            lines.append(f"\n{st.size / 1024:.1f} KiB in {st.count} blocks:")
            frames = [f for f in st.traceback if "/asyncio/" not in f.filename
                      and "/typer/" not in f.filename and "/uvicorn/main" not in f.filename]
            for f in frames[-8:]:
                lines.append(f"    {f.filename}:{f.lineno}")
        os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
        with open(out, "w") as fh:
            fh.write("\n".join(lines) + "\n")

    signal.signal(signal.SIGUSR2, start)
    signal.signal(signal.SIGUSR1, dump)


def _install_objcount() -> None:
    import gc
    import signal
    from collections import Counter

    out = os.environ.get("BENCH_OBJCOUNT_OUT", "/tmp/oms-bench/objcount.txt")
    state: dict = {}

    def count() -> Counter:
        gc.collect()
        return Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects())

    def baseline(*_a) -> None:
        state["base"] = count()

    def dump(*_a) -> None:
        now = count()
        base = state.get("base", Counter())
        grown = sorted(((now[k] - base[k], k) for k in now if now[k] > base[k]), reverse=True)
        lines = [f"gc-tracked objects: {sum(base.values())} at SIGUSR2, {sum(now.values())} now "
                 f"(after gc.collect)"]
        lines += [f"  {d:+8d}  {k}" for d, k in grown[:30]]
        os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
        with open(out, "w") as fh:
            fh.write("\n".join(lines) + "\n")

    signal.signal(signal.SIGUSR2, baseline)
    signal.signal(signal.SIGUSR1, dump)


_applied: set[str] = set()


def apply_fixes() -> set[str]:
    """Apply the BENCH_FIXES patches in this process (idempotent). The
    in-process parts of the benchmarks call it too, so a what-if run counts
    SQL with the same fixes as its server."""
    unknown = FIXES - KNOWN
    if unknown:
        raise SystemExit(f"unknown BENCH_FIXES {sorted(unknown)}; known: {sorted(KNOWN)}")
    if "reset" in FIXES and "reset" not in _applied:
        _patch_reset()
        _applied.add("reset")
    if "validation" in FIXES and "validation" not in _applied:
        _patch_validation()
        _applied.add("validation")
    if "gcfreeze" in FIXES and "gcfreeze" not in _applied:
        _patch_gcfreeze()
        _applied.add("gcfreeze")
    return _applied


def _install_gcstats() -> None:
    import gc
    import signal
    import time

    out = os.environ.get("BENCH_GCSTATS_OUT", "/tmp/oms-bench/gcstats.txt")
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    started: dict[str, float] = {}

    def callback(phase: str, info: dict) -> None:
        if phase == "start":
            started["t"] = time.perf_counter()
        elif "t" in started:
            pauses[info["generation"]].append((time.perf_counter() - started.pop("t")) * 1000)

    gc.callbacks.append(callback)

    def reset(*_a) -> None:
        for v in pauses.values():
            v.clear()

    def dump(*_a) -> None:
        lines = [f"tracked objects now: {len(gc.get_objects())}; thresholds {gc.get_threshold()}"]
        for gen, v in pauses.items():
            if v:
                lines.append(f"gen {gen}: {len(v)} collections, {sum(v):.1f} ms total, "
                             f"max {max(v):.1f} ms, mean {sum(v) / len(v):.2f} ms")
            else:
                lines.append(f"gen {gen}: none")
        os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
        with open(out, "w") as fh:
            fh.write("\n".join(lines) + "\n")

    signal.signal(signal.SIGUSR2, reset)
    signal.signal(signal.SIGUSR1, dump)


def _patch_gcfreeze() -> None:
    import gc

    import oms.app

    original = oms.app.create_app

    def create_app(settings):
        app = original(settings)
        lifespan = app.router.lifespan_context

        import contextlib

        @contextlib.asynccontextmanager
        async def frozen(a):
            async with lifespan(a) as state:
                gc.collect()
                gc.freeze()
                gc.set_threshold(20_000, 20, 20)
                yield state

        app.router.lifespan_context = frozen
        return app

    oms.app.create_app = create_app


def main() -> None:
    apply_fixes()
    if "tracemalloc" in FIXES:
        _install_tracemalloc()
    elif "objcount" in FIXES:
        _install_objcount()
    elif "gcstats" in FIXES:
        _install_gcstats()
    print(f"whatif_server: fixes applied: {sorted(FIXES) or 'none'}", flush=True)
    from oms.cli import main as oms_main
    sys.argv[0] = "oms"
    oms_main()


if __name__ == "__main__":
    main()
