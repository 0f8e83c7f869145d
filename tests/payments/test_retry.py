"""`call_once`: a timed-out call is resolved by looking its key up, a bounded
number of times, and is never sent again under another key."""
from __future__ import annotations

from decimal import Decimal

import pytest

from oms.core.errors import Invalid
from oms.payments import (GatewayResult, GatewayTimeout, OutcomeUnknown, ResultStatus,
                          TestGateway, call_once)

D = Decimal
NO_WAIT = (0, 0, 0)

pytestmark = pytest.mark.usefixtures("clean_db")  # the test gateway's book


class Recorder:
    """A fake sleep that records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


async def test_an_answered_call_is_returned_without_a_lookup():
    gw, sleep = TestGateway(), Recorder()
    result = await call_once(gw, "k1", lambda key: gw.authorize(
        amount=D("10.00"), currency="EUR", token="tok_approve", idempotency_key=key), sleep=sleep)
    assert result == GatewayResult(ResultStatus.APPROVED, "test_pay_1", D("10.00"), "EUR")
    assert sleep.delays == []


async def test_a_decline_is_returned_as_it_is():
    gw = TestGateway()
    result = await call_once(gw, "k1", lambda key: gw.authorize(
        amount=D("10.00"), currency="EUR", token="tok_decline", idempotency_key=key),
        lookup_delays=NO_WAIT, sleep=Recorder())
    assert (result.status, result.decline_code) == (ResultStatus.DECLINED, "card_declined")


async def test_a_timeout_after_charge_resolves_to_the_charge_sent_once():
    gw, sleep, keys = TestGateway(), Recorder(), []

    def send(key):
        keys.append(key)
        return gw.authorize(amount=D("40.00"), currency="EUR", token="tok_timeout_after_charge",
                            idempotency_key=key)

    result = await call_once(gw, "order-1-auth", send, lookup_delays=(0.5, 2.0), sleep=sleep)
    assert result == GatewayResult(ResultStatus.APPROVED, "test_pay_1", D("40.00"), "EUR")
    assert keys == ["order-1-auth"]          # sent once, with the caller's key
    assert sleep.delays == [0.5]             # the first lookup found it
    assert len(await gw.payments()) == 1     # exactly one charge


async def test_a_timed_out_capture_is_found_by_lookup_and_taken_once():
    gw = TestGateway()
    auth = await gw.authorize(amount=D("100.00"), currency="EUR", token="tok_approve",
                              idempotency_key="a1")
    gw.timeout_next_call(after_processing=True)
    result = await call_once(gw, "ship-1", lambda key: gw.capture(
        reference=auth.reference, amount=D("60.00"), currency="EUR", idempotency_key=key),
        lookup_delays=NO_WAIT, sleep=Recorder())
    assert (result.status, result.amount) == (ResultStatus.APPROVED, D("60.00"))
    assert (await gw.payment(auth.reference)).captured == D("60.00")


async def test_when_nothing_is_found_the_outcome_stays_unknown_after_bounded_lookups():
    gw, sleep, sent = TestGateway(), Recorder(), []

    def send(key):
        sent.append(key)
        return gw.authorize(amount=D("40.00"), currency="EUR",
                            token="tok_timeout_before_charge", idempotency_key=key)

    with pytest.raises(OutcomeUnknown) as err:
        await call_once(gw, "k1", send, lookup_delays=(0.5, 2.0, 5.0), sleep=sleep)
    assert isinstance(err.value, GatewayTimeout)
    assert err.value.idempotency_key == "k1"
    assert sent == ["k1"]                    # never re-sent
    assert sleep.delays == [0.5, 2.0, 5.0]   # three lookups, then it gives up
    assert await gw.payments() == []


class SlowGateway:
    """Times out, and its lookups time out or find nothing until the charge settles."""

    code = "slow"

    def __init__(self, answers) -> None:
        self.answers = list(answers)
        self.lookups = 0
        self.sends = 0

    async def send(self, key):
        self.sends += 1
        raise GatewayTimeout(idempotency_key=key)

    async def lookup(self, *, idempotency_key):
        self.lookups += 1
        answer = self.answers.pop(0)
        if answer == "timeout":
            raise GatewayTimeout(idempotency_key=idempotency_key)
        return answer


SETTLED = GatewayResult(ResultStatus.APPROVED, "slow_1", D("5.00"), "EUR")


async def test_lookups_that_time_out_or_find_nothing_yet_are_retried_until_found():
    gw = SlowGateway(["timeout", None, SETTLED])
    result = await call_once(gw, "k1", gw.send, lookup_delays=NO_WAIT, sleep=Recorder())
    assert result is SETTLED
    assert (gw.sends, gw.lookups) == (1, 3)


async def test_lookups_stop_at_the_bound_even_if_the_answer_would_come_later():
    gw = SlowGateway(["timeout", None, None, SETTLED])
    with pytest.raises(OutcomeUnknown):
        await call_once(gw, "k1", gw.send, lookup_delays=NO_WAIT, sleep=Recorder())
    assert (gw.sends, gw.lookups) == (1, 3)


async def test_a_refused_request_propagates_without_a_lookup():
    gw, sleep = TestGateway(), Recorder()
    with pytest.raises(Invalid):
        await call_once(gw, "k1", lambda key: gw.authorize(
            amount=D("-1.00"), currency="EUR", token="tok_approve", idempotency_key=key),
            sleep=sleep)
    assert sleep.delays == []
