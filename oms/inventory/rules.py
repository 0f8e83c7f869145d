"""Allocation rule use cases: ring-fence what a channel may sell.

A rule change moves no stock, but it moves the channel's available for the
SKUs it governs: in the same transaction it records one StockChanged event
(topic: the channel) per SKU whose figure actually moved, computed from the
pool before and after (the pool itself does not change here). Rule changes
of one channel are serialised by a lock on the channel's row (PostgreSQL;
SQLite has one writer at a time), so the "before" each one sees is the rule
the previous one wrote.
"""
from __future__ import annotations

from typing import Any, Iterable

from tortoise.expressions import Q

from oms.catalog import service as catalog
from oms.catalog.models import Channel, Product
from oms.core import sql
from oms.core.clock import now
from oms.core.errors import Invalid, NotFound
from oms.core.uow import UnitOfWork, publish_after_commit, unit_of_work
from oms.events import outbox
from oms.events.record import Event

from . import queries
from .channel_rules import AllocationRule, channel_available, checked_rule, rule_for
from .models import ChannelAllocationRule
from .stock_events import STOCK_CHANGED

RULE_FIELDS = (("cap_quantity", "capQuantity"), ("cap_percent", "capPercent"),
               ("buffer", "buffer"))

# The event log's one-statement write binds 9 parameters per event and a
# statement takes at most 10,000 (oms.core.sql): a channel-wide rule over
# thousands of SKUs writes its events in batches of this many, still in the
# rule's transaction, handed to the publisher after commit like the others.
EVENT_BATCH = 1000


def _whole_numbers(values: dict[str, Any]) -> None:
    """Whole numbers or None (checked_rule checks the ranges): a bool or a
    float is refused here, not stored as 1 or truncated."""
    for name, field in RULE_FIELDS:
        value = values[name]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise Invalid(f"{field} must be a whole number", field=field)


async def rules_of(channel_id: int, product_ids: Iterable[int] | None = None
                   ) -> dict[int | None, AllocationRule]:
    """A channel's rules by product id (None: the channel-wide rule); with
    `product_ids`, only theirs and the channel-wide one (what rule_for needs
    for those products), however many SKU rules the channel has."""
    qs = ChannelAllocationRule.filter(channel_id=channel_id)
    if product_ids is not None:
        qs = qs.filter(Q(product_id__in=list(product_ids)) | Q(product_id__isnull=True))
    rows = await qs.values("product_id", "cap_quantity", "cap_percent", "buffer")
    return {r["product_id"]: queries.rule_of(r) for r in rows}


async def _scope(uow: UnitOfWork, channel: str, sku: str | None
                 ) -> tuple[Channel, Product | None]:
    ch = await catalog.get_channel(channel)
    product = await catalog.get_product(sku) if sku is not None else None
    if sql.is_postgres(uow.conn):
        # NO KEY UPDATE: orders inserted for the channel (FOR KEY SHARE) are not blocked.
        await sql.fetch(uow.conn, "SELECT id FROM channel WHERE id = ? FOR NO KEY UPDATE",
                        [ch.id])
    return ch, product


async def _record_moves(uow: UnitOfWork, ch: Channel, product: Product | None,
                        before: dict[int | None, AllocationRule],
                        after: dict[int | None, AllocationRule]) -> None:
    """One StockChanged per SKU whose channel available moved, by SKU."""
    pooled = await queries.pools(uow.conn, ch.id, product.id if product else None)
    moved = []
    for product_id, (sku, pool) in pooled.items():
        was = channel_available(pool, rule_for(product_id, before))
        now_ = channel_available(pool, rule_for(product_id, after))
        if was != now_:
            moved.append((sku, was, now_))
    events = [Event(type=STOCK_CHANGED, channel=ch.code, sku=sku,
                    payload={"available": now_, "previous": was, "cause": "ALLOCATION_RULE"})
              for sku, was, now_ in sorted(moved)]
    if len(events) <= EVENT_BATCH:
        for event in events:
            uow.record(event)
        return
    for i in range(0, len(events), EVENT_BATCH):
        publish_after_commit(await outbox.write(uow.conn, events[i:i + EVENT_BATCH]))


async def set_allocation_rule(*, channel: str, sku: str | None, cap_quantity: int | None,
                              cap_percent: int | None, buffer: int | None,
                              actor: str | None) -> ChannelAllocationRule:
    """Create or replace the rule of a channel for one SKU (sku None: the
    channel-wide rule, for every SKU without its own)."""
    _whole_numbers({"cap_quantity": cap_quantity, "cap_percent": cap_percent, "buffer": buffer})
    rule = checked_rule(cap_quantity, cap_percent, buffer)
    async with unit_of_work() as uow:
        ch, product = await _scope(uow, channel, sku)
        product_id = product.id if product else None
        before = await rules_of(ch.id, None if product_id is None else [product_id])
        values = {"cap_quantity": rule.cap_quantity, "cap_percent": rule.cap_percent,
                  "buffer": rule.buffer, "actor": actor, "updated_at": now()}
        row = await ChannelAllocationRule.get_or_none(channel_id=ch.id, product_id=product_id)
        if row is None:
            row = await ChannelAllocationRule.create(channel_id=ch.id, product_id=product_id,
                                                     **values)
        else:
            row.update_from_dict(values)
            await row.save(update_fields=list(values))
        await _record_moves(uow, ch, product, before, {**before, product_id: rule})
        return row


async def remove_allocation_rule(*, channel: str, sku: str | None,
                                 actor: str | None) -> ChannelAllocationRule:
    """Drop a channel's rule for one SKU (it falls back to the channel-wide
    rule) or the channel-wide rule (sku None). The rule as it was (`actor`,
    who removes it, is for the caller's audit: the row is gone)."""
    async with unit_of_work() as uow:
        ch, product = await _scope(uow, channel, sku)
        product_id = product.id if product else None
        row = await ChannelAllocationRule.get_or_none(channel_id=ch.id, product_id=product_id)
        if row is None:
            what = f"for {sku}" if sku is not None else "channel-wide"
            raise NotFound(f"{ch.code} has no allocation rule {what}",
                           field="sku" if sku is not None else "channel")
        before = await rules_of(ch.id, None if product_id is None else [product_id])
        await ChannelAllocationRule.filter(id=row.id).delete()
        after = dict(before)
        after.pop(product_id, None)
        await _record_moves(uow, ch, product, before, after)
        return row
