"""The `manual` gateway, for orders paid by phone, email or on invoice: no
card processor is involved, staff record what the customer paid.

- authorize: APPROVED at once with a "manual-..." reference; nothing is
  charged, it only fixes the amount that may later be marked as paid.
- capture: marks (part of) the amount as paid when the money has arrived.
- refund: records money sent back, up to what was marked as paid.
- void: drops an authorisation nothing was marked as paid against.

It obeys the same ledger rules as any gateway (idempotency keys, capture up
to the authorisation, refund up to what was captured), so services treat it
exactly like a card gateway. Its book is in the database (oms.payments.book),
shared by every server process.
"""
from __future__ import annotations

import uuid
from decimal import Decimal

from oms.core.errors import Invalid

from . import gateway as gw
from .gateway import GatewayResult
from .book import Book
from .ledger import Payment


def _new_reference(kind: str, serial: int) -> str:
    # Random rather than the book's serial, as a processor's references are:
    # nothing can be guessed from them.
    suffix = uuid.uuid4().hex[:20]
    return f"manual-{suffix}" if kind == "pay" else f"manual-{kind}-{suffix}"


class ManualGateway:
    code = "manual"

    def __init__(self) -> None:
        self._book = Book(self.code, _new_reference)

    def check_token(self, token: str | None) -> None:
        # A card token here means the order meant to pay by card: refuse it
        # rather than "approve" a payment no one will ever collect.
        if token is not None:
            raise Invalid("the manual gateway takes no card token", field=["payment", "token"])

    async def payment(self, reference: str) -> Payment:
        return await self._book.payment(reference)

    async def authorize(self, *, amount: Decimal, currency: str, token: str | None,
                        idempotency_key: str) -> GatewayResult:
        key = gw.check_key(idempotency_key)
        amount, currency = gw.check_amount(amount), gw.check_currency(currency)
        self.check_token(token)
        return await self._book.authorize(key=key, amount=amount, currency=currency, token=None)

    async def capture(self, *, reference: str, amount: Decimal, currency: str,
                      idempotency_key: str) -> GatewayResult:
        key = gw.check_key(idempotency_key)
        amount, currency = gw.check_amount(amount), gw.check_currency(currency)
        return await self._book.capture(key=key, reference=reference, amount=amount,
                                        currency=currency)

    async def void(self, *, reference: str, idempotency_key: str) -> GatewayResult:
        return await self._book.void(key=gw.check_key(idempotency_key), reference=reference)

    async def refund(self, *, reference: str, amount: Decimal, currency: str,
                     idempotency_key: str) -> GatewayResult:
        key = gw.check_key(idempotency_key)
        amount, currency = gw.check_amount(amount), gw.check_currency(currency)
        return await self._book.refund(key=key, reference=reference, amount=amount,
                                       currency=currency)

    async def lookup(self, *, idempotency_key: str) -> GatewayResult | None:
        return await self._book.lookup(gw.check_key(idempotency_key))
