"""The built-in gateways' book under concurrency: callers that each hold
their own gateway instance (as each server process does) and their own pooled
connection, all at once. On PostgreSQL the calls interleave inside the
database and these are the tests that matter; on SQLite Tortoise serialises
the transactions and they pass for that reason, which is the right answer
there too."""
from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from oms.core.errors import DomainError, Duplicate, InvalidTransition
from oms.payments import GatewayResult, ResultStatus, TestGateway
from oms.payments.lifecycle import PaymentStatus
from oms.payments.models import GatewayBookKey, GatewayBookPayment

D = Decimal
ROUNDS = 3
CALLERS = 10

pytestmark = pytest.mark.usefixtures("clean_db")


async def _all(calls) -> list:
    """Every call's result or DomainError, run at once."""
    return await asyncio.gather(*calls, return_exceptions=True)


def _kinds(outcomes) -> list[str]:
    for o in outcomes:
        if isinstance(o, BaseException) and not isinstance(o, DomainError):
            raise o
    return sorted(type(o).__name__ for o in outcomes)


async def _authorised(amount: str = "100.00") -> GatewayResult:
    return await TestGateway().authorize(amount=D(amount), currency="EUR",
                                         token="tok_approve", idempotency_key="auth")


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_captures_racing_past_the_authorisation_take_exactly_what_it_holds(round_):
    auth = await _authorised("100.00")
    outcomes = await _all(
        TestGateway().capture(reference=auth.reference, amount=D("30.00"), currency="EUR",
                              idempotency_key=f"ship-{i}") for i in range(CALLERS))
    assert _kinds(outcomes) == ["GatewayResult"] * 3 + ["Invalid"] * (CALLERS - 3)
    payment = await TestGateway().payment(auth.reference)
    assert (payment.status, payment.captured) == (PaymentStatus.CAPTURED, D("90.00"))
    # Exactly the winners' keys were recorded, each with its own reference.
    won = sorted(o.reference for o in outcomes if isinstance(o, GatewayResult))
    assert sorted(await GatewayBookKey.filter(key__startswith="ship-").values_list(
        "reference", flat=True)) == won
    assert len(set(won)) == 3


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_refunds_racing_past_the_capture_give_back_exactly_what_was_taken(round_):
    auth = await _authorised("100.00")
    await TestGateway().capture(reference=auth.reference, amount=D("50.00"), currency="EUR",
                                idempotency_key="ship-1")
    outcomes = await _all(
        TestGateway().refund(reference=auth.reference, amount=D("20.00"), currency="EUR",
                             idempotency_key=f"back-{i}") for i in range(CALLERS))
    assert _kinds(outcomes) == ["GatewayResult"] * 2 + ["Invalid"] * (CALLERS - 2)
    payment = await TestGateway().payment(auth.reference)
    assert (payment.captured, payment.refunded) == (D("50.00"), D("40.00"))


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_one_capture_key_sent_at_once_by_many_callers_takes_the_money_once(round_):
    auth = await _authorised("100.00")
    outcomes = await _all(
        TestGateway().capture(reference=auth.reference, amount=D("60.00"), currency="EUR",
                              idempotency_key="ship-1") for _ in range(CALLERS))
    assert _kinds(outcomes) == ["GatewayResult"] * CALLERS
    assert len(set(outcomes)) == 1  # every caller got the one answer
    assert (await TestGateway().payment(auth.reference)).captured == D("60.00")
    assert await GatewayBookKey.filter(key="ship-1").count() == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_one_authorisation_key_sent_at_once_by_many_callers_charges_once(round_):
    outcomes = await _all(
        TestGateway().authorize(amount=D("40.00"), currency="EUR", token="tok_approve",
                                idempotency_key="order-1") for _ in range(CALLERS))
    assert _kinds(outcomes) == ["GatewayResult"] * CALLERS
    (answer,) = set(outcomes)
    assert (answer.status, answer.amount) == (ResultStatus.APPROVED, D("40.00"))
    assert await GatewayBookPayment.all().values_list("reference", "authorized") == [
        (answer.reference, D("40.00"))]


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_one_key_sent_at_once_with_different_amounts_has_one_effect(round_):
    auth = await _authorised("100.00")
    outcomes = await _all(
        TestGateway().capture(reference=auth.reference, amount=D(f"{i + 1}.00"),
                              currency="EUR", idempotency_key="ship-1") for i in range(CALLERS))
    assert _kinds(outcomes) == ["Duplicate"] * (CALLERS - 1) + ["GatewayResult"]
    (won,) = [o for o in outcomes if isinstance(o, GatewayResult)]
    assert all(isinstance(o, Duplicate) for o in outcomes if o is not won)
    assert (await TestGateway().payment(auth.reference)).captured == won.amount


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_a_void_racing_captures_either_wins_alone_or_loses_to_them(round_):
    auth = await _authorised("100.00")
    outcomes = await _all(
        [TestGateway().void(reference=auth.reference, idempotency_key="cancel")]
        + [TestGateway().capture(reference=auth.reference, amount=D("10.00"), currency="EUR",
                                 idempotency_key=f"ship-{i}") for i in range(CALLERS - 1)])
    voided, captures = outcomes[0], outcomes[1:]
    payment = await TestGateway().payment(auth.reference)
    taken = sum((c.amount for c in captures if isinstance(c, GatewayResult)), D("0.00"))
    assert payment.captured == taken
    if isinstance(voided, GatewayResult):
        # Captures that came before the void would have made it fail: none did.
        assert (payment.status, taken) == (PaymentStatus.VOIDED, D("0.00"))
        assert all(isinstance(c, InvalidTransition) for c in captures)
    else:
        # A capture came first: the void is refused and every capture fits.
        assert isinstance(voided, InvalidTransition)
        assert (payment.status, taken) == (PaymentStatus.CAPTURED, D("90.00"))
