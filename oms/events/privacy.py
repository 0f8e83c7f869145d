"""The right to erasure in the event log (oms.customers.privacy calls this).

Payloads carry ids and statuses, but some keep free text that people typed
(a hold or cancel reason, a carrier's scan description and place); those keys
are removed from the customer's events: the ones filed under the customer,
and those of the customer's orders (an order's events need not carry its
customer). Types, ids, statuses and times stay, so replays and the timeline
still make sense."""
from __future__ import annotations

from oms.core import sql
from oms.core.uow import current_connection

# Payload keys that may hold text people typed.
FREE_TEXT_KEYS = ("message", "description", "location", "reason")

_SCOPE = ('(customer_id = ? OR order_id IN (SELECT id FROM "order" WHERE customer_id = ?))')
_SCRUB_PG = (f"UPDATE event_log SET payload = payload - ?::text[] WHERE {_SCOPE} "
             f"AND jsonb_exists_any(payload, ?::text[])")
_SCRUB_SQLITE = ("UPDATE event_log SET payload = json_remove(payload, {paths}) "
                 f"WHERE {_SCOPE} AND ({{present}})")


async def erase_free_text(customer_id: int) -> None:
    """One UPDATE, touching only the events that hold such a key. Runs in the
    caller's unit of work and commits nothing itself."""
    conn = current_connection()
    keys = list(FREE_TEXT_KEYS)
    if sql.is_postgres(conn):
        await sql.execute(conn, _SCRUB_PG, [keys, customer_id, customer_id, keys])
        return
    paths = [f"$.{k}" for k in keys]
    text = _SCRUB_SQLITE.format(
        paths=", ".join("?" * len(paths)),
        present=" OR ".join("json_type(payload, ?) IS NOT NULL" for _ in paths))
    await sql.execute(conn, text, [*paths, customer_id, customer_id, *paths])
