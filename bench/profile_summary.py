"""Summarise a py-spy `--format raw` (collapsed stacks) profile: the hottest
functions by self time and by inclusive time, and an optional breakdown of
inclusive time for chosen functions.

    .venv/bin/python bench/profile_summary.py PROFILE.txt [--top 30] [--only oms/]
        [--focus place_order --focus execute_query]

The benchmarks write such profiles with `--profile PATH` (py-spy must be
installed in the venv; it samples the server process from outside).
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]+)(?::(?P<line>\d+))?\)$")

# Whole-stack markers checked first: work that is worth naming whatever
# library it happens in.
PHASES = [
    ("GraphQL validation (graphql-core validate)", "validate (graphql/validation/validate.py"),
    ("GraphQL parsing", "parse (graphql/language/parser.py"),
]
# Otherwise the innermost frame from one of these libraries names the bucket;
# C code and syscalls (socket send, json) count for the Python frame calling them.
GROUPS = [  # (label, package directory as py-spy prints it)
    ("asyncpg (driver; includes socket send syscalls)", "asyncpg"),
    ("pypika (SQL building)", "pypika_tortoise"),
    ("tortoise ORM", "tortoise"),
    ("redis-py", "redis"),
    ("websockets", "websockets"),
    ("graphql-core (execution)", "graphql"),
    ("strawberry", "strawberry"),
    ("email_validator / dns", "email_validator"),
    ("phonenumbers", "phonenumbers"),
    ("pycountry", "pycountry"),
    ("jwt", "jwt"),
    ("oms (application code)", "oms"),
    ("starlette", "starlette"),
    ("uvicorn / httptools", "uvicorn"),
    ("json", "json"),
    ("asyncio (event loop, epoll, sockets)", "asyncio"),
]


def short(frame: str) -> str:
    m = FRAME.match(frame)
    if not m:
        return frame
    path = m.group("file")
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{m.group('func')} ({path})"


def load(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        line = line.strip()
        if not line:
            continue
        stack, _, count = line.rpartition(" ")
        try:
            n = int(count)
        except ValueError:
            continue
        frames = [f for f in stack.split(";") if f]
        # py-spy puts the thread/process first when asked to; drop non-frames.
        frames = [f for f in frames if FRAME.match(f)]
        stacks.append((frames, n))
    return stacks


def group_of(frame: str) -> str | None:
    m = FRAME.match(frame)
    if not m:
        return None
    path = m.group("file")
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    elif "/work/main/" in path:
        path = path.split("/work/main/", 1)[1]
    elif "/lib/python3" in path:
        path = path.split("/lib/python3", 1)[1].split("/", 1)[-1]
    top = path.split("/", 1)[0]
    for label, package in GROUPS:
        if top == package:
            return label
    return None


def summarise(path: Path, *, top: int = 25, only: str | None = None,
              focus: list[str] | None = None, out=sys.stdout) -> None:
    stacks = load(path)
    total = sum(n for _, n in stacks)
    if not total:
        print(f"{path}: no samples", file=out)
        return
    self_t: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    groups_self: Counter[str] = Counter()
    for frames, n in stacks:
        if not frames:
            continue
        leaf = frames[-1]
        self_t[short(leaf)] += n
        g = None
        for label, marker in PHASES:
            if any(marker in f for f in frames):
                g = label
                break
        if g is None:
            for f in reversed(frames):
                g = group_of(f)
                if g:
                    break
        groups_self[g or "other (stdlib)"] += n
        for f in set(short(f) for f in frames):
            incl[f] += n

    def keep(name: str) -> bool:
        return only is None or only in name

    print(f"profile {path}: {total} samples", file=out)
    print("\n  where the time goes (validation/parsing first, else innermost library frame):",
          file=out)
    for label, n in groups_self.most_common():
        print(f"    {n / total * 100:5.1f}%  {label}", file=out)
    print(f"\n  top {top} by self time{' (' + only + ')' if only else ''}:", file=out)
    for name, n in [x for x in self_t.most_common() if keep(x[0])][:top]:
        print(f"    {n / total * 100:5.1f}%  {name}", file=out)
    print(f"\n  top {top} by inclusive time{' (' + only + ')' if only else ''}:", file=out)
    for name, n in [x for x in incl.most_common() if keep(x[0])][:top]:
        print(f"    {n / total * 100:5.1f}%  {name}", file=out)
    for fn in focus or []:
        # What the function's inclusive time is spent in: its direct callees.
        callees: Counter[str] = Counter()
        own = 0
        for frames, n in stacks:
            names = [short(f) for f in frames]
            idx = [i for i, nm in enumerate(names) if nm.startswith(fn + " ")]
            if not idx:
                continue
            i = idx[0]
            if i + 1 < len(names):
                callees[names[i + 1]] += n
            else:
                own += n
        if not callees and not own:
            continue
        sub = sum(callees.values()) + own
        print(f"\n  inside {fn} ({sub / total * 100:.1f}% inclusive):", file=out)
        if own:
            print(f"    {own / total * 100:5.1f}%  (self)", file=out)
        for name, n in callees.most_common(15):
            print(f"    {n / total * 100:5.1f}%  {name}", file=out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("profile", type=Path)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--only", help="list only functions whose location contains this")
    ap.add_argument("--focus", action="append", help="break down this function's callees")
    a = ap.parse_args()
    summarise(a.profile, top=a.top, only=a.only, focus=a.focus)
    return 0


if __name__ == "__main__":
    sys.exit(main())
