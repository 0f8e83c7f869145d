"""orderImport: the bulk import (oms.orders.imports) for small batches.

The whole content is checked and counted before anything is imported; too
large a batch, an unusable file or an unknown channel is a userError and
imports nothing. Otherwise every order is placed on its own and reported in
`results`: a failed order is a result with errors, not a userError."""
from __future__ import annotations

import strawberry

from oms.core.errors import DomainError
from oms.graphql.context import OPERATORS, Info, require
from oms.graphql.errors import ErrorCode, UserError, user_errors
from oms.orders import imports

from .types import OrderType

MAX_ORDERS = 500
MAX_CONTENT_BYTES = 1 << 20

ImportFormat = strawberry.enum(imports.ImportFormat, name="ImportFormat",
                               description="CSV (one row per order line) or JSON lines "
                                           "(one order object per line).")
ImportMode = strawberry.enum(imports.ImportMode, name="ImportMode",
                             description="RESERVE: placed as usual, stock reserved. "
                                         "FULFILLED: recorded as fulfilled elsewhere "
                                         "(COMPLETED, lines shipped, no stock moves).")
OrderImportStatus = strawberry.enum(imports.ImportStatus, name="OrderImportStatus")


@strawberry.type
class OrderImportError:
    code: ErrorCode
    field: list[str] | None
    message: str
    line_number: int | None = strawberry.field(
        description="The line of the content this error is about, when it is one line.")


@strawberry.type
class OrderImportResult:
    line_numbers: list[int] = strawberry.field(
        description="The content's lines (from 1; a CSV header is line 1) of this order.")
    external_reference: str | None
    status: OrderImportStatus  # type: ignore[valid-type]
    message: str | None = strawberry.field(description="Why it was SKIPPED.")
    errors: list[OrderImportError]
    order_id: strawberry.Private[int | None]

    @strawberry.field(description="The order created, or the one imported before (SKIPPED).")
    async def order(self, info: Info) -> OrderType | None:
        if self.order_id is None:
            return None
        found = await info.context.loaders.order.load(self.order_id)
        return OrderType(m=found) if found else None


@strawberry.type
class OrderImportPayload:
    results: list[OrderImportResult]
    created: int
    skipped: int
    failed: int
    user_errors: list[UserError]


def _refused(exc: DomainError) -> OrderImportPayload:
    return OrderImportPayload(results=[], created=0, skipped=0, failed=0,
                              user_errors=user_errors(exc))


def _result(r: imports.ImportResult) -> OrderImportResult:
    return OrderImportResult(
        line_numbers=r.line_numbers, external_reference=r.external_reference,
        status=r.status, message=r.message, order_id=r.order.id if r.order else None,
        errors=[OrderImportError(code=e.code, field=e.field, message=e.message,
                                 line_number=e.line) for e in r.errors])


@strawberry.type
class OrderImportMutation:
    @strawberry.mutation(description=(
        f"Import up to {MAX_ORDERS} orders ({MAX_CONTENT_BYTES // 1024} KB) of CSV or JSON "
        "lines into a channel, as `oms import-orders` does: idempotent by "
        "externalReference (an order already imported is SKIPPED), each order placed or "
        "refused on its own."))
    async def order_import(
            self, info: Info, channel: str,
            format: ImportFormat,  # type: ignore[valid-type]
            content: str,
            mode: ImportMode | None = imports.ImportMode.RESERVE,  # type: ignore[valid-type]
    ) -> OrderImportPayload:
        actor = require(info, *OPERATORS)
        size = len(content.encode("utf-8", "surrogatepass"))
        if size > MAX_CONTENT_BYTES:
            return _refused(DomainError(
                f"content is {size} bytes; orderImport takes at most {MAX_CONTENT_BYTES} "
                "(use `oms import-orders` for larger files)", field="content"))
        try:
            file = imports.read_text(content, imports.ImportFormat(format.value))
        except imports.ImportFileError as exc:
            return _refused(DomainError(str(exc), field="content"))
        if file.orders > MAX_ORDERS:
            return _refused(DomainError(
                f"content has {file.orders} orders; orderImport takes at most {MAX_ORDERS} "
                "(use `oms import-orders` for larger files)", field="content"))
        results: list[imports.ImportResult] = []
        loaders = info.context.loaders

        def collect(r: imports.ImportResult, _totals: imports.Summary) -> None:
            results.append(r)
            if r.order is not None:
                loaders.order.prime(r.order.id, r.order)

        try:
            summary = await imports.run(file, channel=channel,
                                        mode=imports.ImportMode(mode.value) if mode else
                                        imports.ImportMode.RESERVE,
                                        actor=actor.label, on_result=collect)
        except DomainError as exc:  # an unknown channel: nothing was imported
            return _refused(exc)
        return OrderImportPayload(results=[_result(r) for r in results],
                                  created=summary.created, skipped=summary.skipped,
                                  failed=summary.failed, user_errors=[])

