"""The `test` gateway: an in-memory card processor whose answer is chosen by
the token, so every outcome (including the awkward ones) can be produced on
purpose in tests, demos and staging. Pure: no I/O.

Tokens:
    tok_approve                 approved
    tok_decline                 DECLINED, decline_code "card_declined"
    tok_insufficient_funds      DECLINED, decline_code "insufficient_funds"
    tok_timeout_after_charge    the authorisation is recorded, then the call
                                raises GatewayTimeout: `lookup` finds it
    tok_timeout_before_charge   GatewayTimeout and nothing recorded: `lookup`
                                finds nothing

Only the first call with a key can time out: a repeat of the key is answered
from the book, as a real gateway answers a retried request.
"""
from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Callable

from oms.core.errors import Invalid

from . import gateway as gw
from .gateway import GatewayResult, GatewayTimeout
from .ledger import Ledger, Payment

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
        counter = itertools.count(1)
        # Numbered per instance so tests can assert exact references.
        self._ledger = Ledger(lambda kind: f"test_{kind}_{next(counter)}")
        # (after_processing,) for the next capture/void/refund, set by tests.
        self._next_timeout: bool | None = None

    # -- test controls -----------------------------------------------------

    def timeout_next_call(self, *, after_processing: bool) -> None:
        """Make the next new capture, void or refund time out, before or after
        it takes effect (authorisations time out by token instead)."""
        self._next_timeout = after_processing

    def payment(self, reference: str) -> Payment:
        return self._ledger.payment(reference)

    def payments(self) -> list[Payment]:
        return self._ledger.payments()

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
        first_call = not self._ledger.knows(key)
        if first_call and token == TIMEOUT_BEFORE_CHARGE:
            raise GatewayTimeout(idempotency_key=key)
        result = self._ledger.authorize(key=key, amount=amount, currency=currency,
                                        token=token, decline=_DECLINES.get(token))
        if first_call and token == TIMEOUT_AFTER_CHARGE:
            raise GatewayTimeout(idempotency_key=key)
        return result

    async def capture(self, *, reference: str, amount: Decimal, currency: str,
                      idempotency_key: str) -> GatewayResult:
        key = gw.check_key(idempotency_key)
        amount, currency = gw.check_amount(amount), gw.check_currency(currency)
        return self._maybe_timeout(key, lambda: self._ledger.capture(
            key=key, reference=reference, amount=amount, currency=currency))

    async def void(self, *, reference: str, idempotency_key: str) -> GatewayResult:
        key = gw.check_key(idempotency_key)
        return self._maybe_timeout(key, lambda: self._ledger.void(key=key, reference=reference))

    async def refund(self, *, reference: str, amount: Decimal, currency: str,
                     idempotency_key: str) -> GatewayResult:
        key = gw.check_key(idempotency_key)
        amount, currency = gw.check_amount(amount), gw.check_currency(currency)
        return self._maybe_timeout(key, lambda: self._ledger.refund(
            key=key, reference=reference, amount=amount, currency=currency))

    async def lookup(self, *, idempotency_key: str) -> GatewayResult | None:
        return self._ledger.lookup(gw.check_key(idempotency_key))

    def _maybe_timeout(self, key: str, call: Callable[[], GatewayResult]) -> GatewayResult:
        after = self._next_timeout
        if after is None or self._ledger.knows(key):
            return call()
        self._next_timeout = None
        if after:
            call()
        raise GatewayTimeout(idempotency_key=key)
