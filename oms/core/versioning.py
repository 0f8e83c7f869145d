"""Optimistic concurrency: a row changes only if nobody changed it since it
was read, so the loser of a race gets CONFLICT instead of silently
overwriting the winner (house rule 7)."""
from __future__ import annotations

from typing import Any

from tortoise.models import Model

from .errors import Conflict


async def save_if_unchanged(row: Model, what: str, **changes: Any) -> None:
    """UPDATE row SET changes, version+1 WHERE id AND version match; else CONFLICT.
    On success the in-memory row reflects the change."""
    version: int = row.version  # type: ignore[attr-defined]
    updated = await type(row).filter(id=row.pk, version=version).update(
        version=version + 1, **changes)
    if not updated:
        raise Conflict(f"the {what} was changed by someone else; reload and retry", field="id")
    row.version = version + 1  # type: ignore[attr-defined]
    for key, value in changes.items():
        setattr(row, key, value)
