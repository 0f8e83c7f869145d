"""The per-order report of an import: CSV for a .csv path, else JSON.

Written as results arrive, one entry per order in file order, so a long
import holds no results in memory and an interrupted one still shows how far
it got (its JSON summary is then null).
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from .records import ImportFileError
from .results import ImportResult, Summary

REPORT_COLUMNS = ["line_numbers", "external_reference", "status", "order_number",
                  "error_code", "error_field", "error_line", "message"]


def report_row(r: ImportResult) -> dict[str, Any]:
    """One flat report row per order; several errors are joined with " | "."""
    def joined(values: list[Any]) -> str:
        return " | ".join("" if x is None else str(x) for x in values)
    return {"line_numbers": " ".join(map(str, r.line_numbers)),
            "external_reference": r.external_reference or "", "status": r.status.value,
            "order_number": r.order_number or "",
            "error_code": joined([e.code.value for e in r.errors]),
            "error_field": joined([".".join(e.field) if e.field else None for e in r.errors]),
            "error_line": joined([e.line for e in r.errors]),
            "message": r.message or joined([e.message for e in r.errors])}


def report_json(r: ImportResult) -> dict[str, Any]:
    return {"lineNumbers": r.line_numbers, "externalReference": r.external_reference,
            "status": r.status.value, "orderNumber": r.order_number, "message": r.message,
            "errors": [{"code": e.code.value, "field": e.field, "message": e.message,
                        "lineNumber": e.line} for e in r.errors]}


class Report:
    """The per-order report, written as results arrive: CSV for a .csv path,
    else JSON ({"results": [...], "summary": {...}})."""

    def __init__(self, path: Path) -> None:
        if path.suffix.lower() not in (".csv", ".json"):
            raise ImportFileError(f"the report {path.name} must end in .csv or .json")
        self.path = path
        self.is_csv = path.suffix.lower() == ".csv"
        self._fh: Any = None
        self._count = 0

    def __enter__(self) -> "Report":
        try:
            self._fh = open(self.path, "w", newline="" if self.is_csv else None,
                            encoding="utf-8")
        except OSError as exc:
            raise ImportFileError(f"cannot write the report {self.path}: "
                                  f"{exc.strerror or exc}") from None
        if self.is_csv:
            self._csv = csv.DictWriter(self._fh, REPORT_COLUMNS)
            self._csv.writeheader()
        else:
            self._fh.write('{"results": [')
        return self

    def write(self, result: ImportResult) -> None:
        if self.is_csv:
            self._csv.writerow(report_row(result))
        else:
            self._fh.write(("," if self._count else "") + "\n  "
                           + json.dumps(report_json(result), ensure_ascii=False))
        self._count += 1

    def close(self, summary: Summary | None) -> None:
        if not self.is_csv:
            totals = None if summary is None else {
                "rows": summary.rows, "orders": summary.orders, "created": summary.created,
                "skipped": summary.skipped, "failed": summary.failed}
            self._fh.write(f'\n],\n"summary": {json.dumps(totals)}}}\n')
        self._fh.close()

    def __exit__(self, *exc: Any) -> None:
        if self._fh is not None and not self._fh.closed:
            self.close(None)
