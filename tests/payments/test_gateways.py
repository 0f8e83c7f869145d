"""The built-in gateways behave like a real one: idempotent by key, capture
up to the authorisation, refund up to the capture, void only before capture,
and an unknown outcome resolved by lookup. Their book is in the database,
emptied for each test (tests/conftest.py TABLES); races are in
test_book_races.py."""
from __future__ import annotations

from decimal import Decimal

import pytest

from oms.core.errors import (Duplicate, ErrorCode, Invalid, InvalidTransition, NotFound)
from oms.payments import (GatewayResult, GatewayTimeout, ManualGateway, PaymentDeclined,
                          PaymentGateway, ResultStatus, TestGateway, gateway_codes, gateways,
                          get_gateway)
from oms.payments.ledger import Payment
from oms.payments.lifecycle import PaymentStatus

D = Decimal
APPROVED, DECLINED = ResultStatus.APPROVED, ResultStatus.DECLINED


pytestmark = pytest.mark.usefixtures("clean_db")


@pytest.fixture
def gw() -> TestGateway:
    return TestGateway()


async def authorised(gw, amount="100.00", key="auth-1") -> GatewayResult:
    result = await gw.authorize(amount=D(amount), currency="EUR", token="tok_approve",
                                idempotency_key=key)
    assert result.approved
    return result


# -- registry -------------------------------------------------------------

def test_the_registry_knows_test_and_manual():
    assert gateway_codes() == ["manual", "test"]
    assert isinstance(get_gateway("test"), TestGateway)
    assert isinstance(get_gateway("manual"), ManualGateway)


def test_the_registry_returns_one_instance_per_process_so_state_survives():
    assert get_gateway("test") is get_gateway("test")
    assert get_gateway("manual") is get_gateway("manual")


@pytest.mark.parametrize("code", ["stripe", "", "TEST", None])
def test_an_unknown_gateway_code_is_not_found(code):
    with pytest.raises(NotFound) as err:
        get_gateway(code)
    assert err.value.code is ErrorCode.NOT_FOUND
    assert err.value.field == ["payment", "gateway"]


def test_both_gateways_satisfy_the_interface():
    assert isinstance(TestGateway(), PaymentGateway)
    assert isinstance(ManualGateway(), PaymentGateway)


# -- authorise ------------------------------------------------------------

async def test_an_approving_token_authorises_the_amount(gw):
    result = await gw.authorize(amount=D("25.50"), currency="EUR", token="tok_approve",
                                idempotency_key="k1")
    assert result == GatewayResult(APPROVED, "test_pay_1", D("25.50"), "EUR")
    assert (await gw.payment("test_pay_1")).status is PaymentStatus.AUTHORIZED
    assert (await gw.payment("test_pay_1")).authorized == D("25.50")


@pytest.mark.parametrize("token, code, message", [
    ("tok_decline", "card_declined", "the card was declined"),
    ("tok_insufficient_funds", "insufficient_funds", "the card has insufficient funds"),
])
async def test_a_declining_token_gives_a_declined_result_with_a_code(gw, token, code, message):
    result = await gw.authorize(amount=D("10.00"), currency="EUR", token=token,
                                idempotency_key="k1")
    assert result == GatewayResult(DECLINED, "test_pay_1", D("10.00"), "EUR",
                                   decline_code=code, message=message)
    assert not result.approved
    assert (await gw.payment("test_pay_1")).status is PaymentStatus.DECLINED


async def test_a_declined_result_becomes_a_payment_declined_user_error(gw):
    result = await gw.authorize(amount=D("10.00"), currency="EUR", token="tok_decline",
                                idempotency_key="k1")
    with pytest.raises(PaymentDeclined) as err:
        result.raise_if_declined()
    assert (err.value.code, err.value.decline_code, err.value.field) == (
        ErrorCode.PAYMENT_DECLINED, "card_declined", ["payment"])
    approved = await authorised(gw, key="k2")
    assert approved.raise_if_declined() is approved


async def test_a_declined_authorisation_cannot_be_captured_or_voided(gw):
    await gw.authorize(amount=D("10.00"), currency="EUR", token="tok_decline",
                       idempotency_key="k1")
    with pytest.raises(InvalidTransition):
        await gw.capture(reference="test_pay_1", amount=D("10.00"), currency="EUR",
                         idempotency_key="c1")
    with pytest.raises(InvalidTransition):
        await gw.void(reference="test_pay_1", idempotency_key="v1")


@pytest.mark.parametrize("token", [None, "", "tok_unknown"])
async def test_an_unknown_token_is_refused_and_nothing_is_recorded(gw, token):
    with pytest.raises(Invalid) as err:
        await gw.authorize(amount=D("10.00"), currency="EUR", token=token, idempotency_key="k1")
    assert err.value.field == ["payment", "token"]
    assert await gw.payments() == []
    assert await gw.lookup(idempotency_key="k1") is None


# -- unknown outcomes -----------------------------------------------------

async def test_a_timeout_after_charge_is_resolved_by_lookup_with_exactly_one_charge(gw):
    with pytest.raises(GatewayTimeout) as err:
        await gw.authorize(amount=D("40.00"), currency="EUR", token="tok_timeout_after_charge",
                           idempotency_key="k1")
    assert err.value.idempotency_key == "k1"
    found = await gw.lookup(idempotency_key="k1")
    assert found == GatewayResult(APPROVED, "test_pay_1", D("40.00"), "EUR")
    # Sending it again with the same key answers from the book: no second charge.
    again = await gw.authorize(amount=D("40.00"), currency="EUR",
                               token="tok_timeout_after_charge", idempotency_key="k1")
    assert again == found
    assert [(p.reference, p.authorized) for p in await gw.payments()] == [
        ("test_pay_1", D("40.00"))]


async def test_a_charge_that_timed_out_in_one_process_is_found_from_another(gw):
    with pytest.raises(GatewayTimeout):
        await gw.authorize(amount=D("40.00"), currency="EUR", token="tok_timeout_after_charge",
                           idempotency_key="k1")
    gateways.reset()
    other = gateways.get_gateway("test")  # another process's instance
    found = await other.lookup(idempotency_key="k1")
    assert found == GatewayResult(APPROVED, "test_pay_1", D("40.00"), "EUR")
    # Sent again from there under the same key: answered from the book, at once.
    assert await other.authorize(amount=D("40.00"), currency="EUR",
                                 token="tok_timeout_after_charge", idempotency_key="k1") == found
    assert [(p.reference, p.authorized) for p in await other.payments()] == [
        ("test_pay_1", D("40.00"))]


async def test_a_timeout_before_charge_leaves_nothing_to_find(gw):
    with pytest.raises(GatewayTimeout):
        await gw.authorize(amount=D("40.00"), currency="EUR",
                           token="tok_timeout_before_charge", idempotency_key="k1")
    assert await gw.lookup(idempotency_key="k1") is None
    assert await gw.payments() == []


async def test_lookup_of_a_key_never_used_is_none(gw):
    assert await gw.lookup(idempotency_key="never") is None


@pytest.mark.parametrize("after, captured, found", [(True, D("30.00"), True),
                                                    (False, D("0.00"), False)])
async def test_a_capture_can_time_out_before_or_after_it_takes_effect(gw, after, captured, found):
    await authorised(gw)
    gw.timeout_next_call(after_processing=after)
    with pytest.raises(GatewayTimeout):
        await gw.capture(reference="test_pay_1", amount=D("30.00"), currency="EUR",
                         idempotency_key="c1")
    assert (await gw.payment("test_pay_1")).captured == captured
    assert (await gw.lookup(idempotency_key="c1") is not None) is found
    # The timeout was one-shot: the same key now gets an answer, once.
    result = await gw.capture(reference="test_pay_1", amount=D("30.00"), currency="EUR",
                              idempotency_key="c1")
    assert (result.status, result.amount) == (APPROVED, D("30.00"))
    assert (await gw.payment("test_pay_1")).captured == D("30.00")


# -- idempotency ----------------------------------------------------------

async def test_repeating_a_key_returns_the_first_result_and_charges_once(gw):
    first = await authorised(gw, key="k1")
    for _ in range(3):
        assert await gw.authorize(amount=D("100.00"), currency="EUR", token="tok_approve",
                                  idempotency_key="k1") == first
    assert len(await gw.payments()) == 1


async def test_repeating_a_declined_key_returns_the_same_decline(gw):
    first = await gw.authorize(amount=D("10.00"), currency="EUR", token="tok_decline",
                               idempotency_key="k1")
    assert await gw.authorize(amount=D("10.00"), currency="EUR", token="tok_decline",
                              idempotency_key="k1") == first
    assert len(await gw.payments()) == 1


async def test_an_equal_amount_written_differently_is_the_same_request(gw):
    first = await authorised(gw, amount="100.00", key="k1")
    assert await gw.authorize(amount=D("100"), currency="EUR", token="tok_approve",
                              idempotency_key="k1") == first


@pytest.mark.parametrize("change", [
    {"amount": D("100.01")},
    {"currency": "USD"},
    {"token": "tok_decline"},
])
async def test_a_key_reused_for_another_authorisation_is_refused(gw, change):
    await authorised(gw, key="k1")
    request = {"amount": D("100.00"), "currency": "EUR", "token": "tok_approve"} | change
    with pytest.raises(Duplicate) as err:
        await gw.authorize(idempotency_key="k1", **request)
    assert err.value.field == ["payment", "idempotencyKey"]
    assert len(await gw.payments()) == 1


async def test_repeated_captures_and_refunds_move_money_once(gw):
    await authorised(gw)
    capture = await gw.capture(reference="test_pay_1", amount=D("60.00"), currency="EUR",
                               idempotency_key="c1")
    assert await gw.capture(reference="test_pay_1", amount=D("60.00"), currency="EUR",
                            idempotency_key="c1") == capture
    refund = await gw.refund(reference="test_pay_1", amount=D("10.00"), currency="EUR",
                             idempotency_key="r1")
    assert await gw.refund(reference="test_pay_1", amount=D("10.00"), currency="EUR",
                           idempotency_key="r1") == refund
    payment = await gw.payment("test_pay_1")
    assert (payment.captured, payment.refunded) == (D("60.00"), D("10.00"))


async def test_a_capture_key_reused_with_another_amount_or_for_a_refund_is_refused(gw):
    await authorised(gw)
    await gw.capture(reference="test_pay_1", amount=D("60.00"), currency="EUR",
                     idempotency_key="c1")
    with pytest.raises(Duplicate):
        await gw.capture(reference="test_pay_1", amount=D("20.00"), currency="EUR",
                         idempotency_key="c1")
    with pytest.raises(Duplicate):
        await gw.refund(reference="test_pay_1", amount=D("60.00"), currency="EUR",
                        idempotency_key="c1")
    with pytest.raises(Duplicate):  # the authorisation's own key
        await gw.capture(reference="test_pay_1", amount=D("20.00"), currency="EUR",
                         idempotency_key="auth-1")
    assert (await gw.payment("test_pay_1")).captured == D("60.00")


async def test_a_refused_request_is_not_recorded_so_its_key_stays_free(gw):
    await authorised(gw)
    with pytest.raises(Invalid):
        await gw.capture(reference="test_pay_1", amount=D("500.00"), currency="EUR",
                         idempotency_key="c1")
    assert await gw.lookup(idempotency_key="c1") is None
    result = await gw.capture(reference="test_pay_1", amount=D("50.00"), currency="EUR",
                              idempotency_key="c1")
    assert result.amount == D("50.00")


# -- capture per shipment -------------------------------------------------

async def test_partial_captures_add_up_to_the_authorised_amount_and_no_further(gw):
    await authorised(gw, amount="100.00")
    first = await gw.capture(reference="test_pay_1", amount=D("60.00"), currency="EUR",
                             idempotency_key="ship-1")
    second = await gw.capture(reference="test_pay_1", amount=D("40.00"), currency="EUR",
                              idempotency_key="ship-2")
    assert first == GatewayResult(APPROVED, "test_cap_2", D("60.00"), "EUR")
    assert second == GatewayResult(APPROVED, "test_cap_3", D("40.00"), "EUR")
    payment = await gw.payment("test_pay_1")
    assert (payment.status, payment.captured) == (PaymentStatus.CAPTURED, D("100.00"))
    with pytest.raises(Invalid) as err:
        await gw.capture(reference="test_pay_1", amount=D("0.01"), currency="EUR",
                         idempotency_key="ship-3")
    assert err.value.field == ["payment", "amount"]
    assert str(err.value) == ("cannot capture 0.01: only 0.00 of the authorisation "
                              "is left to capture")
    assert (await gw.payment("test_pay_1")).captured == D("100.00")


async def test_a_capture_beyond_what_is_left_is_refused_whole(gw):
    await authorised(gw, amount="100.00")
    await gw.capture(reference="test_pay_1", amount=D("60.00"), currency="EUR",
                     idempotency_key="ship-1")
    with pytest.raises(Invalid):
        await gw.capture(reference="test_pay_1", amount=D("40.01"), currency="EUR",
                         idempotency_key="ship-2")
    assert (await gw.payment("test_pay_1")).captured == D("60.00")


async def test_capture_in_another_currency_is_refused(gw):
    await authorised(gw)
    with pytest.raises(Invalid) as err:
        await gw.capture(reference="test_pay_1", amount=D("10.00"), currency="USD",
                         idempotency_key="c1")
    assert err.value.field == ["payment", "currency"]


async def test_unknown_references_are_not_found(gw):
    with pytest.raises(NotFound) as err:
        await gw.capture(reference="test_pay_9", amount=D("1.00"), currency="EUR",
                         idempotency_key="c1")
    assert err.value.field == ["payment", "reference"]
    with pytest.raises(NotFound):
        await gw.refund(reference="nope", amount=D("1.00"), currency="EUR", idempotency_key="r1")
    with pytest.raises(NotFound):
        await gw.void(reference="nope", idempotency_key="v1")


async def test_the_book_is_shared_by_every_instance_as_by_every_process(gw):
    await authorised(gw)
    other = TestGateway()  # what another server process holds
    assert await other.lookup(idempotency_key="auth-1") == GatewayResult(
        APPROVED, "test_pay_1", D("100.00"), "EUR")
    result = await other.capture(reference="test_pay_1", amount=D("60.00"), currency="EUR",
                                 idempotency_key="c1")
    assert result == GatewayResult(APPROVED, "test_cap_2", D("60.00"), "EUR")
    assert await gw.capture(reference="test_pay_1", amount=D("60.00"), currency="EUR",
                            idempotency_key="c1") == result
    assert (await gw.payment("test_pay_1")).captured == D("60.00")


async def test_each_gateway_keeps_its_own_book(gw):
    await authorised(gw, key="k1")
    manual = ManualGateway()
    assert await manual.lookup(idempotency_key="k1") is None
    with pytest.raises(NotFound):
        await manual.void(reference="test_pay_1", idempotency_key="v1")
    # The same key at another gateway is another request, not a replay.
    auth = await manual.authorize(amount=D("5.00"), currency="EUR", token=None,
                                  idempotency_key="k1")
    assert auth.reference.startswith("manual-")
    assert [(p.reference, p.authorized) for p in await gw.payments()] == [
        ("test_pay_1", D("100.00"))]


async def test_the_book_survives_a_restart_of_the_process(gw):
    await authorised(gw)
    gateways.reset()  # a new process: new instances, the same book
    restarted = gateways.get_gateway("test")
    assert restarted is not gw
    assert await restarted.lookup(idempotency_key="auth-1") == GatewayResult(
        APPROVED, "test_pay_1", D("100.00"), "EUR")
    result = await restarted.capture(reference="test_pay_1", amount=D("100.00"),
                                     currency="EUR", idempotency_key="c1")
    assert result == GatewayResult(APPROVED, "test_cap_2", D("100.00"), "EUR")
    assert await restarted.payments() == [Payment("test_pay_1", "EUR", D("100.00"),
                                                  PaymentStatus.CAPTURED, D("100.00"))]


async def test_a_gateway_called_inside_a_database_transaction_is_refused(gw):
    from tortoise.transactions import in_transaction

    async with in_transaction():
        with pytest.raises(RuntimeError) as err:
            await authorised(gw)
    assert "inside a database transaction" in str(err.value)
    assert await gw.lookup(idempotency_key="auth-1") is None


# -- refund ---------------------------------------------------------------

async def test_refunds_add_up_to_what_was_captured_and_no_further(gw):
    await authorised(gw, amount="100.00")
    await gw.capture(reference="test_pay_1", amount=D("70.00"), currency="EUR",
                     idempotency_key="ship-1")
    for i, amount in enumerate(["30.00", "25.00", "15.00"], start=1):
        result = await gw.refund(reference="test_pay_1", amount=D(amount), currency="EUR",
                                 idempotency_key=f"r{i}")
        assert (result.status, result.amount) == (APPROVED, D(amount))
    assert (await gw.payment("test_pay_1")).refunded == D("70.00")
    with pytest.raises(Invalid) as err:
        await gw.refund(reference="test_pay_1", amount=D("0.01"), currency="EUR",
                        idempotency_key="r4")
    assert str(err.value) == "cannot refund 0.01: only 0.00 of what was captured is left to refund"


async def test_a_refund_beyond_the_captured_amount_is_refused_even_if_authorised(gw):
    await authorised(gw, amount="100.00")
    await gw.capture(reference="test_pay_1", amount=D("50.00"), currency="EUR",
                     idempotency_key="ship-1")
    await gw.refund(reference="test_pay_1", amount=D("20.00"), currency="EUR",
                    idempotency_key="r1")
    with pytest.raises(Invalid):
        await gw.refund(reference="test_pay_1", amount=D("30.01"), currency="EUR",
                        idempotency_key="r2")
    assert (await gw.payment("test_pay_1")).refunded == D("20.00")


async def test_nothing_can_be_refunded_before_a_capture(gw):
    await authorised(gw)
    with pytest.raises(InvalidTransition) as err:
        await gw.refund(reference="test_pay_1", amount=D("1.00"), currency="EUR",
                        idempotency_key="r1")
    assert str(err.value) == "cannot refund a payment that is AUTHORIZED"


# -- void -----------------------------------------------------------------

async def test_void_releases_an_uncaptured_authorisation(gw):
    await authorised(gw, amount="100.00")
    result = await gw.void(reference="test_pay_1", idempotency_key="v1")
    assert result == GatewayResult(APPROVED, "test_void_2", D("100.00"), "EUR")
    assert (await gw.payment("test_pay_1")).status is PaymentStatus.VOIDED
    assert await gw.void(reference="test_pay_1", idempotency_key="v1") == result
    with pytest.raises(InvalidTransition):
        await gw.void(reference="test_pay_1", idempotency_key="v2")
    with pytest.raises(InvalidTransition):
        await gw.capture(reference="test_pay_1", amount=D("1.00"), currency="EUR",
                         idempotency_key="c1")


async def test_void_is_refused_once_anything_was_captured(gw):
    await authorised(gw)
    await gw.capture(reference="test_pay_1", amount=D("1.00"), currency="EUR",
                     idempotency_key="c1")
    with pytest.raises(InvalidTransition) as err:
        await gw.void(reference="test_pay_1", idempotency_key="v1")
    assert str(err.value) == "cannot void a payment that is CAPTURED"
    assert (await gw.payment("test_pay_1")).status is PaymentStatus.CAPTURED


# -- input checks ---------------------------------------------------------

BAD_AMOUNTS = [D("-1.00"), D("0"), D("0.00"), D("1.005"), D("NaN"), D("sNaN"), D("Infinity"),
               D("1E+400"), 10.5, 10, "10.00", None]


@pytest.mark.parametrize("amount", BAD_AMOUNTS, ids=repr)
@pytest.mark.parametrize("gateway_class", [TestGateway, ManualGateway])
async def test_bad_amounts_are_refused_by_every_operation(gateway_class, amount):
    gateway = gateway_class()
    token = "tok_approve" if gateway_class is TestGateway else None
    with pytest.raises(Invalid) as err:
        await gateway.authorize(amount=amount, currency="EUR", token=token, idempotency_key="a0")
    assert err.value.field == ["payment", "amount"]
    auth = await gateway.authorize(amount=D("10.00"), currency="EUR", token=token,
                                   idempotency_key="a1")
    for call in (gateway.capture, gateway.refund):
        with pytest.raises(Invalid) as err:
            await call(reference=auth.reference, amount=amount, currency="EUR",
                       idempotency_key="x1")
        assert err.value.field == ["payment", "amount"]
    assert await gateway.lookup(idempotency_key="a0") is None
    assert await gateway.lookup(idempotency_key="x1") is None


@pytest.mark.parametrize("currency", ["eur", "EURO", "", None, "E1R"])
async def test_bad_currencies_are_refused(gw, currency):
    with pytest.raises(Invalid) as err:
        await gw.authorize(amount=D("1.00"), currency=currency, token="tok_approve",
                           idempotency_key="k1")
    assert err.value.field == ["payment", "currency"]


@pytest.mark.parametrize("key", ["", " ", " k1", "k" * 129, None])
async def test_bad_idempotency_keys_are_refused(gw, key):
    with pytest.raises(Invalid) as err:
        await gw.authorize(amount=D("1.00"), currency="EUR", token="tok_approve",
                           idempotency_key=key)
    assert err.value.field == ["payment", "idempotencyKey"]
    with pytest.raises(Invalid):
        await gw.lookup(idempotency_key=key)


async def test_a_128_character_key_and_a_one_cent_amount_are_accepted(gw):
    result = await gw.authorize(amount=D("0.01"), currency="EUR", token="tok_approve",
                                idempotency_key="k" * 128)
    assert result.amount == D("0.01")


# -- manual ---------------------------------------------------------------

async def test_manual_authorise_approves_without_charging_and_capture_marks_as_paid():
    manual = ManualGateway()
    auth = await manual.authorize(amount=D("80.00"), currency="GBP", token=None,
                                  idempotency_key="order-7")
    assert (auth.status, auth.amount, auth.currency) == (APPROVED, D("80.00"), "GBP")
    assert auth.reference.startswith("manual-") and len(auth.reference) == len("manual-") + 20
    payment = await manual.payment(auth.reference)
    assert (payment.status, payment.captured) == (PaymentStatus.AUTHORIZED, D("0.00"))

    # The invoice is paid in two instalments: each is marked as paid.
    await manual.capture(reference=auth.reference, amount=D("50.00"), currency="GBP",
                         idempotency_key="paid-1")
    paid = await manual.capture(reference=auth.reference, amount=D("30.00"), currency="GBP",
                                idempotency_key="paid-2")
    assert paid.approved and paid.reference.startswith("manual-cap-")
    assert (await manual.payment(auth.reference)).captured == D("80.00")
    assert await manual.lookup(idempotency_key="paid-2") == paid
    with pytest.raises(Invalid):
        await manual.capture(reference=auth.reference, amount=D("0.01"), currency="GBP",
                             idempotency_key="paid-3")


async def test_manual_refund_up_to_what_was_paid_and_void_only_before_payment():
    manual = ManualGateway()
    auth = await manual.authorize(amount=D("80.00"), currency="GBP", token=None,
                                  idempotency_key="order-7")
    await manual.capture(reference=auth.reference, amount=D("50.00"), currency="GBP",
                         idempotency_key="paid-1")
    await manual.refund(reference=auth.reference, amount=D("50.00"), currency="GBP",
                        idempotency_key="back-1")
    with pytest.raises(Invalid):
        await manual.refund(reference=auth.reference, amount=D("0.01"), currency="GBP",
                            idempotency_key="back-2")
    with pytest.raises(InvalidTransition):
        await manual.void(reference=auth.reference, idempotency_key="void-1")

    other = await manual.authorize(amount=D("20.00"), currency="GBP", token=None,
                                   idempotency_key="order-8")
    voided = await manual.void(reference=other.reference, idempotency_key="void-2")
    assert (voided.status, voided.amount) == (APPROVED, D("20.00"))
    assert (await manual.payment(other.reference)).status is PaymentStatus.VOIDED


async def test_manual_is_idempotent_and_refuses_a_card_token():
    manual = ManualGateway()
    first = await manual.authorize(amount=D("80.00"), currency="GBP", token=None,
                                   idempotency_key="order-7")
    assert await manual.authorize(amount=D("80.00"), currency="GBP", token=None,
                                  idempotency_key="order-7") == first
    assert await manual.lookup(idempotency_key="order-7") == first
    with pytest.raises(Duplicate):
        await manual.authorize(amount=D("81.00"), currency="GBP", token=None,
                               idempotency_key="order-7")
    with pytest.raises(Invalid) as err:
        await manual.authorize(amount=D("80.00"), currency="GBP", token="tok_approve",
                               idempotency_key="order-8")
    assert err.value.field == ["payment", "token"]
