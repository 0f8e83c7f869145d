"""Placing the orders of a checked file, one transaction each.

Every order goes through `service.place`, each call its own transaction, so
one bad order never undoes another and nothing of a refused order is
written. Imports are idempotent by externalReference: an order the channel
already has under the reference is SKIPPED and named, so a second run of the
same file creates nothing. Results come back in file order, whatever the
concurrency, so a progress callback and a report read like the file.
"""
from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Callable

from oms.catalog import service as catalog
from oms.core.errors import DomainError, Duplicate, ErrorCode, ValidationErrors

from .. import service
from ..models import Order
from ..numbers import format_number
from ..sources import OrderSource
from .checking import Draft, Parsed
from .reading import ImportFile
from .report import Report
from .results import ImportResult, ImportStatus, RowError, Summary


class ImportMode(str, Enum):
    RESERVE = "reserve"      # placed as usual: stock is reserved
    FULFILLED = "fulfilled"  # already fulfilled elsewhere: COMPLETED, no stock moves


def _command(d: Draft, channel: str, mode: ImportMode) -> service.PlaceOrder:
    # A price from the file is what the customer paid; place() keeps the list price beside it.
    reason = "marketplace price" if d.source == OrderSource.MARKETPLACE.value else "imported price"
    return service.PlaceOrder(
        channel=channel, source=d.source, customer=d.customer,
        lines=[service.LineInput(sku=ln.sku, quantity=ln.quantity, unit_price=ln.unit_price,
                                 price_override_reason=None if ln.unit_price is None else reason)
               for ln in d.lines],
        shipping_address=d.address, shipping_method=d.shipping_method,
        delivery_earliest=d.delivery_earliest, delivery_latest=d.delivery_latest,
        instructions=d.instructions, external_reference=d.external_reference,
        payment=d.payment, placed_at=d.placed_at,
        fulfilled_elsewhere=mode is ImportMode.FULFILLED)


def _errors_of(exc: DomainError, draft: Draft) -> list[RowError]:
    """The service's errors, each on the file line of the order line it names."""
    out = []
    for e in exc.errors if isinstance(exc, ValidationErrors) else [exc]:
        line = None
        f = e.field or []
        if len(f) == 2 and f[0] == "lines":  # ["lines", sku]
            line = next((ln.line for ln in draft.lines if ln.sku == f[1]), None)
        elif len(f) > 2 and f[0] == "lines" and f[1].isdigit() and int(f[1]) < len(draft.lines):
            line = draft.lines[int(f[1])].line  # ["lines", index, what]
        out.append(RowError(e.code, e.message, e.field, line))
    return out


async def _import_one(parsed: Parsed, *, channel: str, mode: ImportMode,
                      actor: str | None) -> ImportResult:
    d = parsed.draft
    if d is None:
        return ImportResult(parsed.line_numbers, parsed.external_reference,
                            ImportStatus.FAILED, errors=parsed.errors)
    failed = ImportResult(parsed.line_numbers, d.external_reference, ImportStatus.FAILED)
    if d.channel is not None and d.channel != channel:
        return replace(failed, errors=[RowError(
            ErrorCode.INVALID, f"the order is for channel {d.channel}, the import for {channel}",
            ["channel"], parsed.line_numbers[0])])
    try:
        placed = await service.place(_command(d, channel, mode), actor=actor)
    except Duplicate as exc:
        same = await Order.filter(channel__code=channel,
                                  external_reference=d.external_reference).first() \
            if exc.field == ["externalReference"] else None
        if same is None:
            return replace(failed, errors=_errors_of(exc, d))
        number = format_number(channel, same.id)
        return ImportResult(parsed.line_numbers, d.external_reference, ImportStatus.SKIPPED,
                            order=same, order_number=number,
                            message=f"already imported as order {number}")
    except DomainError as exc:
        return replace(failed, errors=_errors_of(exc, d))
    return ImportResult(parsed.line_numbers, d.external_reference, ImportStatus.CREATED,
                        order=placed.order, order_number=format_number(channel, placed.order.id))


async def run(file: ImportFile, *, channel: str, mode: ImportMode, actor: str | None,
              concurrency: int = 1,
              on_result: Callable[[ImportResult, Summary], None] | None = None) -> Summary:
    """Import every order of `file`; `on_result` sees each result, in file
    order, with the running totals. An unknown channel raises NotFound
    before anything is imported. Up to `concurrency` orders are placed at
    once (worth it on PostgreSQL; SQLite writes one at a time anyway)."""
    await catalog.get_channel(channel)
    summary = Summary(rows=file.rows, orders=file.orders)
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(parsed: Parsed) -> ImportResult:
        async with gate:
            return await _import_one(parsed, channel=channel, mode=mode, actor=actor)

    def finish(result: ImportResult) -> None:
        summary.add(result)
        if on_result is not None:
            on_result(result, summary)

    if concurrency <= 1:
        for parsed in file.orders_iter():
            finish(await one(parsed))
        return summary
    window: deque[asyncio.Task[ImportResult]] = deque()
    try:
        for parsed in file.orders_iter():
            window.append(asyncio.ensure_future(one(parsed)))
            while len(window) >= 2 * concurrency:
                finish(await window.popleft())
        while window:
            finish(await window.popleft())
    finally:
        for task in window:
            task.cancel()
        await asyncio.gather(*window, return_exceptions=True)
    return summary


async def import_file(file: ImportFile, *, channel: str, mode: ImportMode, actor: str | None,
                      report: Path | None = None, concurrency: int = 1,
                      on_result: Callable[[ImportResult, Summary], None] | None = None
                      ) -> Summary:
    """`run`, writing each result to the report file as it comes (the CLI's path)."""
    if report is None:
        return await run(file, channel=channel, mode=mode, actor=actor,
                         concurrency=concurrency, on_result=on_result)
    with Report(report) as out:
        def seen(result: ImportResult, summary: Summary) -> None:
            out.write(result)
            if on_result is not None:
                on_result(result, summary)
        summary = await run(file, channel=channel, mode=mode, actor=actor,
                            concurrency=concurrency, on_result=seen)
        out.close(summary)
    return summary
