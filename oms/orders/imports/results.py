"""What importing one order came to, and the running totals of a file.

A result is per order, never per row: a CSV order of several rows is one
result naming all its lines, and each error names the line it is about."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from oms.core.errors import ErrorCode

from ..models import Order


class ImportStatus(str, Enum):
    CREATED = "CREATED"
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class RowError:
    code: ErrorCode
    message: str
    field: list[str] | None = None
    line: int | None = None  # the file line it is about, when one is


@dataclass(frozen=True)
class ImportResult:
    line_numbers: list[int]
    external_reference: str | None
    status: ImportStatus
    order: Order | None = None
    order_number: str | None = None
    message: str | None = None
    errors: list[RowError] = field(default_factory=list)


@dataclass
class Summary:
    rows: int
    orders: int
    created: int = 0
    skipped: int = 0
    failed: int = 0

    def add(self, result: ImportResult) -> None:
        name = result.status.value.lower()
        setattr(self, name, getattr(self, name) + 1)

    @property
    def done(self) -> int:
        return self.created + self.skipped + self.failed
