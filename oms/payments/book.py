"""The built-in gateways' book, in the database, so every server process
shares it the way every client of a remote processor shares the processor's:
an authorisation made through one process is captured by another's consumer,
and a restart loses nothing. The rules are the pure ones in `ledger`.

Each write is one short transaction of the gateway's own, on a connection of
its own from the pool, never inside the caller's unit of work: the gateway is
"remote", and callers must not hold a transaction across a gateway call
anyway (house rule 6), so a call made inside one is refused as a bug.

Two processes calling at once cannot break the rules:
- One key, one effect: the key row is unique per gateway. The loser of two
  concurrent first uses fails to insert it, rolls back everything it did,
  and answers as a replay of the winner's request (or DUPLICATE).
- Amounts: the payment row is locked (FOR UPDATE on PostgreSQL) while the
  rule is checked, and written back with a compare-and-set on its version,
  so a change checked against figures that moved meanwhile is not written
  (SQLite, where the lock is a no-op) and the whole call is tried again.
"""
from __future__ import annotations

from contextlib import asynccontextmanager
from decimal import Decimal
from typing import AsyncIterator, Awaitable, Callable

from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from oms.core.errors import Conflict

from . import ledger
from .gateway import GatewayResult, ResultStatus
from .ledger import Payment
from .lifecycle import PaymentStatus
from .models import GatewayBookKey, GatewayBookPayment

# How many times a call lost to a concurrent one is tried again before the
# caller is told so. With the row lock it is retried at most once.
ATTEMPTS = 5


class _Changed(Exception):
    """The payment moved between the check and the write: try the call again."""


class Book:
    def __init__(self, gateway: str, new_reference: Callable[[str, int], str]) -> None:
        self.gateway = gateway
        # new_reference(kind, serial) -> a reference; kind is pay/cap/ref/void and
        # serial the id of the key row being written, unique in the book.
        self._new_reference = new_reference

    # -- reading -----------------------------------------------------------

    async def lookup(self, key: str) -> GatewayResult | None:
        row = await self._first(key)
        return _result(row) if row else None

    async def knows(self, key: str) -> bool:
        return await GatewayBookKey.exists(gateway=self.gateway, key=key)

    async def payment(self, reference: str) -> Payment:
        row = await GatewayBookPayment.get_or_none(gateway=self.gateway, reference=reference)
        if row is None:
            raise ledger.not_found(reference)
        return _payment(row)

    async def payments(self) -> list[Payment]:
        rows = await GatewayBookPayment.filter(gateway=self.gateway).order_by("id")
        return [_payment(row) for row in rows]

    # -- writing -----------------------------------------------------------

    async def authorize(self, *, key: str, amount: Decimal, currency: str, token: str | None,
                        decline: tuple[str, str] | None = None) -> GatewayResult:
        """Record an authorisation, approved, or declined with (code, message)."""
        request = ledger.request("authorize", amount, currency, token)

        async def record() -> GatewayResult:
            if decline is None:
                status, code, message = ResultStatus.APPROVED, None, None
            else:
                (code, message), status = decline, ResultStatus.DECLINED
            row = await self._remember(key, request, "pay", status, amount, currency,
                                       decline_code=code, message=message)
            await GatewayBookPayment.create(
                gateway=self.gateway, reference=row.reference, currency=currency,
                authorized=amount, status=(PaymentStatus.AUTHORIZED if decline is None
                                           else PaymentStatus.DECLINED).value)
            return _result(row)

        return await self._call(key, request, record)

    async def capture(self, *, key: str, reference: str, amount: Decimal,
                      currency: str) -> GatewayResult:
        return await self._change(
            key, ledger.request("capture", reference, amount, currency), reference, "cap",
            lambda p: ledger.capture(p, amount, currency), amount)

    async def refund(self, *, key: str, reference: str, amount: Decimal,
                     currency: str) -> GatewayResult:
        return await self._change(
            key, ledger.request("refund", reference, amount, currency), reference, "ref",
            lambda p: ledger.refund(p, amount, currency), amount)

    async def void(self, *, key: str, reference: str) -> GatewayResult:
        return await self._change(key, ledger.request("void", reference), reference, "void",
                                  ledger.void, None)

    # -- helpers -----------------------------------------------------------

    async def _change(self, key: str, request: str, reference: str, kind: str,
                      rule: Callable[[Payment], Payment], amount: Decimal | None
                      ) -> GatewayResult:
        """A capture, refund or void: the rule applied to the locked payment,
        written only if the payment is still what the rule was shown."""
        async def record() -> GatewayResult:
            row = await (GatewayBookPayment.filter(gateway=self.gateway, reference=reference)
                         .select_for_update().get_or_none())
            if row is None:
                raise ledger.not_found(reference)
            # Holding the lock now, see the key again: a call with it may have
            # committed while this one waited for the row.
            if (first := await self._first(key)) is not None:
                return _replay(first, request)
            after = rule(_payment(row))
            written = await GatewayBookPayment.filter(id=row.id, version=row.version).update(
                status=after.status.value, captured=after.captured, refunded=after.refunded,
                version=row.version + 1)
            if not written:
                raise _Changed()
            # A void answers with the whole authorisation it released.
            answered = after.authorized if amount is None else amount
            return _result(await self._remember(key, request, kind, ResultStatus.APPROVED,
                                                answered, after.currency))

        return await self._call(key, request, record)

    async def _call(self, key: str, request: str,
                    record: Callable[[], Awaitable[GatewayResult]]) -> GatewayResult:
        """A replay of the key, else `record` in a transaction of its own;
        tried again when a concurrent call got there first."""
        for _ in range(ATTEMPTS):
            try:
                async with _own_transaction():
                    if (first := await self._first(key)) is not None:
                        return _replay(first, request)
                    return await record()
            except (IntegrityError, _Changed):
                continue  # rolled back: the next round sees what the other call did
        raise Conflict("the payment was changed by another request at the same time; "
                       "send the same request again", field=["payment"])

    async def _first(self, key: str) -> GatewayBookKey | None:
        return await GatewayBookKey.get_or_none(gateway=self.gateway, key=key)

    async def _remember(self, key: str, request: str, kind: str, status: ResultStatus,
                        amount: Decimal, currency: str, *, decline_code: str | None = None,
                        message: str | None = None) -> GatewayBookKey:
        """The key row, with the reference made from its id (the insert raises
        IntegrityError when another call recorded the key first)."""
        row = await GatewayBookKey.create(
            gateway=self.gateway, key=key, request=request, status=status.value,
            amount=amount, currency=currency, decline_code=decline_code, message=message)
        row.reference = self._new_reference(kind, row.id)
        await row.save(update_fields=["reference"])
        return row


@asynccontextmanager
async def _own_transaction() -> AsyncIterator[None]:
    if isinstance(connections.get("default"), TransactionalDBClient):
        raise RuntimeError("a payment gateway was called inside a database transaction: "
                           "commit first (house rule 6)")
    async with in_transaction("default"):
        yield


def _payment(row: GatewayBookPayment) -> Payment:
    return Payment(row.reference, row.currency, Decimal(row.authorized),
                   PaymentStatus(row.status), Decimal(row.captured), Decimal(row.refunded))


def _replay(first: GatewayBookKey, request: str) -> GatewayResult:
    ledger.check_replay(first.request, request)
    return _result(first)


def _result(row: GatewayBookKey) -> GatewayResult:
    assert row.reference is not None, "a key row is given its reference as it is written"
    return GatewayResult(ResultStatus(row.status), row.reference, Decimal(row.amount),
                         row.currency, decline_code=row.decline_code, message=row.message)
