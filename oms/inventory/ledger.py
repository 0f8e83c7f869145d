"""How a stock level changes and how the ledger says so.

A change is one `UPDATE stock_level SET x = x + delta ... WHERE <guard>
RETURNING <the level after>`: the guard makes it safe under concurrency on
SQLite and PostgreSQL alike, and the returned row gives the ledger row its
figures before (after minus delta, exact because the update is atomic) and
after, without another read.

Writers that build their own statement (order placement) return
`returning(alias)` and pass each row to `Change.of` and `movement`, or
compute the same figures in SQL.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from oms.core import sql
from oms.events.record import Event

from .levels import MAX_UNITS, QUANTITIES, Delta, Figures, low_stock_event, moves_channels
from .models import StockLevel, StockMovement

LEVEL_COLUMNS = ("id", "product_id", "location_id", "on_hand", "reserved", "damaged",
                 "incoming", "safety_stock", "low_stock_threshold", "updated_at")


def returning(alias: str = "stock_level") -> str:
    """The level's columns, for a RETURNING (or SELECT) list."""
    return ", ".join(f"{alias}.{c}" for c in LEVEL_COLUMNS)


async def change(conn, product_id: int, location_id: int, delta: Delta, *,
                 guard: str | None = None, params: Sequence[Any] = (),
                 assign: Mapping[str, Any] | None = None) -> dict | None:
    """Add `delta` to a level where `guard` (SQL over stock_level's columns,
    with `?` for `params`) holds, and no quantity would pass MAX_UNITS; set
    the columns in `assign` too. The level after, or None when there is no
    such level or it refused."""
    moved = [(name, d) for name, d in delta.items() if d]
    assigned = list((assign or {}).items())
    sets = "".join(f"{name} = {name} + ?, " for name, _ in moved)
    sets += "".join(f"{name} = ?, " for name, _ in assigned)
    conditions = [f"{name} + ? <= {MAX_UNITS}" for name, d in moved if d > 0]
    if guard:
        conditions.append(f"({guard})")
    rows = await sql.fetch(
        conn, f"UPDATE stock_level SET {sets}updated_at = CURRENT_TIMESTAMP"
              " WHERE product_id = ? AND location_id = ?"
              + "".join(f" AND {c}" for c in conditions) + f" RETURNING {returning()}",
        [*(d for _, d in moved), *(value for _, value in assigned), product_id, location_id,
         *(d for _, d in moved if d > 0), *params])
    return rows[0] if rows else None


async def lock(conn, product_id: int, location_id: int) -> dict | None:
    """A level as it is, locked until commit (on SQLite the transaction is the
    only writer already): for the changes that set a quantity rather than add
    to it, which must know what they replace."""
    rows = await sql.fetch(
        conn, f"SELECT {', '.join(LEVEL_COLUMNS)} FROM stock_level"
              " WHERE product_id = ? AND location_id = ?"
              + (" FOR UPDATE" if sql.is_postgres(conn) else ""), [product_id, location_id])
    return rows[0] if rows else None


def level(row: Mapping[str, Any]) -> StockLevel:
    """The StockLevel a RETURNING row describes, without reading it again."""
    return StockLevel._init_from_db(**{c: row[c] for c in LEVEL_COLUMNS})


@dataclass(frozen=True)
class Change:
    """One level's change: where, what moved, and its figures around it."""

    sku: str
    location: str  # the location's code, for events
    product_id: int
    location_id: int
    delta: Delta
    before: Figures
    after: Figures

    @classmethod
    def of(cls, sku: str, location: str, row: Mapping[str, Any], delta: Delta) -> "Change":
        """From the level after (a RETURNING row) and the delta applied."""
        after = Figures.of(row)
        before = after.before(delta)
        return cls(sku=sku, location=location, product_id=int(row["product_id"]),
                   location_id=int(row["location_id"]), delta=delta, before=before, after=after)

    @property
    def moves_channels(self) -> bool:
        return moves_channels(self.before, self.after)

    def low_stock_event(self) -> Event | None:
        return low_stock_event(self.sku, self.location, self.before, self.after)


def movement(c: Change, *, kind: str, reference: str | None = None, reason: str | None = None,
             actor: str | None = None) -> StockMovement:
    """The ledger row for a change: what moved, from which quantity to which."""
    figures: dict[str, int] = {}
    for q in QUANTITIES:
        figures[f"{q}_delta"] = getattr(c.delta, q)
        figures[f"{q}_before"] = getattr(c.before, q)
        figures[f"{q}_after"] = getattr(c.after, q)
    return StockMovement(product_id=c.product_id, location_id=c.location_id, kind=kind,
                         reference=reference, reason=reason, actor=actor, **figures)
