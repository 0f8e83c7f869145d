"""Inbound expectations: what a level's `incoming` is made of, per reference.

The stock use cases (oms.inventory.service) call these inside their unit of
work, always before they change the level, so writers lock an expectation
row, then the level row, never the other way round.
"""
from __future__ import annotations

from oms.core import sql


async def add(conn, product_id: int, location_id: int, reference: str, quantity: int) -> None:
    """Expect `quantity` more under `reference` (reopening it if it was closed)."""
    await sql.execute(
        conn, "INSERT INTO inbound_expectation (product_id, location_id, reference, expected,"
              " received, remaining, created_at, closed_at)"
              " VALUES (?, ?, ?, ?, 0, ?, CURRENT_TIMESTAMP, NULL)"
              " ON CONFLICT (product_id, location_id, reference) DO UPDATE SET"
              " expected = inbound_expectation.expected + excluded.expected,"
              " remaining = inbound_expectation.remaining + excluded.remaining, closed_at = NULL",
        [product_id, location_id, reference, quantity, quantity])


async def take(conn, product_id: int, location_id: int, reference: str, quantity: int) -> int:
    """Receive `quantity` under `reference`: how many of them were expected
    (and so leave `incoming`). Receiving all that remains, or more, closes it;
    without an open expectation nothing was expected."""
    lock = " FOR UPDATE" if sql.is_postgres(conn) else ""  # SQLite: one writer at a time
    rows = await sql.fetch(
        conn, "SELECT id, remaining FROM inbound_expectation WHERE product_id = ?"
              f" AND location_id = ? AND reference = ? AND remaining > 0{lock}",
        [product_id, location_id, reference])
    if not rows:
        return 0
    taken = min(quantity, int(rows[0]["remaining"]))
    await sql.execute(
        conn, "UPDATE inbound_expectation SET received = received + ?, remaining = remaining - ?,"
              " closed_at = CASE WHEN remaining = ? THEN CURRENT_TIMESTAMP ELSE closed_at END"
              " WHERE id = ?", [quantity, taken, taken, rows[0]["id"]])
    return taken
