"""The `test` gateway: a stand-in card processor whose answer is chosen by
the token, so every outcome (including the awkward ones) can be produced on
purpose in tests, demos and staging. Its book is in the database
(oms.payments.book), shared by every server process as a real processor's is.

Tokens:
    tok_approve                 approved
    tok_decline                 DECLINED, decline_code "card_declined"
    tok_insufficient_funds      DECLINED, decline_code "insufficient_funds"
    tok_timeout_after_charge    the authorisation is recorded, then the call
                                raises GatewayTimeout: `lookup` finds it
    tok_timeout_before_charge   GatewayTimeout and nothing recorded: `lookup`
                                finds nothing

Only the first call with a key can time out: a repeat of the key is answered
from the book, as a real gateway answers a retried request. References are
numbered by the book (test_pay_1, test_cap_2, ...), across processes.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Awaitable, Callable

from oms.core.errors import Invalid

from . import gateway as gw
from .gateway import GatewayResult, GatewayTimeout
from .book import Book
from .ledger import Payment

APPROVE = "tok_approve"
DECLINE = "tok_decline"
INSUFFICIENT_FUNDS = "tok_insufficient_funds"
TIMEOUT_AFTER_CHARGE = "tok_timeout_after_charge"
TIMEOUT_BEFORE_CHARGE = "tok_timeout_before_charge"

_DECLINES = {
    DECLINE: ("card_declined", "the card was declined"),
    INSUFFICIENT_FUNDS: ("insufficient_funds", "the card has insufficient funds"),
}
TOKENS = (APPROVE, DECLINE, INSUFFICIENT_FUNDS, TIMEOUT_AFTER_CHARGE, TIMEOUT_BEFORE_CHARGE)


class TestGateway:
    __test__ = False  # not a pytest test class, despite the name

    code = "test"

    def __init__(self) -> None:
        # Numbered by the book's serial so tests can assert exact references.
        self._book = Book(self.code, lambda kind, serial: f"test_{kind}_{serial}")
        # after_processing for this instance's next capture/void/refund, set by
        # tests: a control of the caller's process, not part of the book.
        self._next_timeout: bool | None = None

    # -- test controls -----------------------------------------------------

    def timeout_next_call(self, *, after_processing: bool) -> None:
        """Make the next new capture, void or refund time out, before or after
        it takes effect (authorisations time out by token instead)."""
        self._next_timeout = after_processing

    async def payment(self, reference: str) -> Payment:
        return await self._book.payment(reference)

    async def payments(self) -> list[Payment]:
        return await self._book.payments()

    # -- PaymentGateway ----------------------------------------------------

    def check_token(self, token: str | None) -> None:
        """Refuse a token before anything is placed or sent."""
        if token not in TOKENS:
            raise Invalid(f"the test gateway accepts the tokens {', '.join(TOKENS)}",
                          field=["payment", "token"])

    async def authorize(self, *, amount: Decimal, currency: str, token: str | None,
                        idempotency_key: str) -> GatewayResult:
        key = gw.check_key(idempotency_key)
        amount, currency = gw.check_amount(amount), gw.check_currency(currency)
        self.check_token(token)
        first_call = not await self._book.knows(key)
        if first_call and token == TIMEOUT_BEFORE_CHARGE:
            raise GatewayTimeout(idempotency_key=key)
        # Committed before the timeout is raised: a lookup from any process finds it.
        result = await self._book.authorize(key=key, amount=amount, currency=currency,
                                            token=token, decline=_DECLINES.get(token))
        if first_call and token == TIMEOUT_AFTER_CHARGE:
            raise GatewayTimeout(idempotency_key=key)
        return result

    async def capture(self, *, reference: str, amount: Decimal, currency: str,
                      idempotency_key: str) -> GatewayResult:
        key = gw.check_key(idempotency_key)
        amount, currency = gw.check_amount(amount), gw.check_currency(currency)
        return await self._maybe_timeout(key, lambda: self._book.capture(
            key=key, reference=reference, amount=amount, currency=currency))

    async def void(self, *, reference: str, idempotency_key: str) -> GatewayResult:
        key = gw.check_key(idempotency_key)
        return await self._maybe_timeout(key, lambda: self._book.void(key=key,
                                                                      reference=reference))

    async def refund(self, *, reference: str, amount: Decimal, currency: str,
                     idempotency_key: str) -> GatewayResult:
        key = gw.check_key(idempotency_key)
        amount, currency = gw.check_amount(amount), gw.check_currency(currency)
        return await self._maybe_timeout(key, lambda: self._book.refund(
            key=key, reference=reference, amount=amount, currency=currency))

    async def lookup(self, *, idempotency_key: str) -> GatewayResult | None:
        return await self._book.lookup(gw.check_key(idempotency_key))

    async def _maybe_timeout(self, key: str,
                             call: Callable[[], Awaitable[GatewayResult]]) -> GatewayResult:
        after = self._next_timeout
        if after is None or await self._book.knows(key):
            return await call()
        self._next_timeout = None
        if after:
            await call()
        raise GatewayTimeout(idempotency_key=key)
