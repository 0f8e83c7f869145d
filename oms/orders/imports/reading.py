"""Reading an import file: checked and counted first, then streamed order by order.

A file is read twice, streamed both times: `read_path` / `read_text` check
the header and count rows and orders (an unusable file raises
`ImportFileError` before anything is imported), then `ImportFile.orders_iter()`
yields one order at a time. Memory grows by one short string per order (the
references seen, to find a reference used in two places), never with rows.
A row or line that cannot be read is a per-order FAILED result with its line
number, never an exception.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from .checking import Parsed, parse_order
from .records import ImportFileError, ImportFormat, groups, records

Opener = Callable[[], BinaryIO]


@dataclass(frozen=True)
class ImportFile:
    format: ImportFormat
    opener: Opener
    rows: int
    orders: int
    # References found in more than one place: the first line of each place.
    split: dict[str, list[int]]

    def orders_iter(self) -> Iterator[Parsed]:
        with self.opener() as stream:
            for group in groups(records(stream, self.format), self.format):
                yield parse_order(group, self.format, self.split)


def read(opener: Opener, fmt: ImportFormat) -> ImportFile:
    """Check the file and count it (first pass); ImportFileError if unusable."""
    seen: dict[str, int] = {}
    split: dict[str, list[int]] = {}
    rows = orders = objects = 0
    with opener() as stream:
        for group in groups(records(stream, fmt), fmt):
            orders += 1
            rows += group.rows
            objects += sum(1 for r in group if r.data is not None)
            ref, first = group[0].ref, group[0].first
            if ref is None:
                continue
            if ref in seen:
                split.setdefault(ref, [seen[ref]]).append(first)
            else:
                seen[ref] = first
    if orders == 0:
        raise ImportFileError("the file has no orders")
    if fmt is ImportFormat.JSONL and objects == 0:
        raise ImportFileError("no line of the file is a JSON object: is it JSON lines "
                              "(one order object per line)?")
    return ImportFile(fmt, opener, rows, orders, split)


def format_of(path: Path) -> ImportFormat:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return ImportFormat.CSV
    if suffix in (".jsonl", ".ndjson"):
        return ImportFormat.JSONL
    raise ImportFileError(f"cannot tell the format of {path.name} from its extension: "
                          "name it .csv or .jsonl, or give the format")


def read_path(path: Path, fmt: ImportFormat | None = None) -> ImportFile:
    fmt = fmt or format_of(path)
    if not path.is_file():
        raise ImportFileError(f"{path} is not a readable file")
    try:
        return read(lambda: open(path, "rb"), fmt)
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None


def read_text(content: str, fmt: ImportFormat) -> ImportFile:
    data = content.encode("utf-8", "surrogatepass")
    return read(lambda: io.BytesIO(data), fmt)
