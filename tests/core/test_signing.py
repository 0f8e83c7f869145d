"""Webhook signatures: a correct, fresh signature gives the message id; any
change to the body, id, timestamp or secret, a stale or future timestamp, or
missing headers is refused. Receipts refuse a message id the second time."""
from __future__ import annotations

import pytest

from oms.core import signing
from oms.core.errors import Forbidden
from oms.core.uow import unit_of_work
from oms.events.models import WebhookReceipt
from oms.events.receipts import Replayed, accept_once

SECRET = "s3cret"
BODY = b'{"status":"DELIVERED"}'
T = 1_800_000_000


def test_a_signed_call_verifies_to_its_message_id():
    headers = signing.sign(SECRET, "msg-1", BODY, timestamp=T)
    assert set(headers) == {"OMS-Webhook-Id", "OMS-Webhook-Timestamp", "OMS-Webhook-Signature"}
    assert headers["OMS-Webhook-Signature"].startswith("v1=")
    assert signing.verify(SECRET, headers, BODY, at=T + 10) == "msg-1"


def test_any_of_several_signatures_may_match_while_a_secret_rotates():
    headers = signing.sign(SECRET, "msg-1", BODY, timestamp=T)
    old = signing.signature("old", "msg-1", T, BODY)
    headers["OMS-Webhook-Signature"] = f"{old}, {headers['OMS-Webhook-Signature']}"
    assert signing.verify(SECRET, headers, BODY, at=T) == "msg-1"


@pytest.mark.parametrize("tamper", ["body", "id", "timestamp", "secret", "stale", "future",
                                    "no-signature", "no-id", "no-timestamp", "bad-timestamp"])
def test_tampered_stale_or_unsigned_calls_are_refused(tamper):
    headers = signing.sign(SECRET, "msg-1", BODY, timestamp=T)
    body, secret, at = BODY, SECRET, T
    if tamper == "body":
        body = BODY.replace(b"DELIVERED", b"EXCEPTION")
    elif tamper == "id":
        headers["OMS-Webhook-Id"] = "msg-2"
    elif tamper == "timestamp":
        headers["OMS-Webhook-Timestamp"] = str(T + 1)
    elif tamper == "secret":
        secret = "other"
    elif tamper == "stale":
        at = T + signing.TOLERANCE_SECONDS + 1
    elif tamper == "future":
        at = T - signing.TOLERANCE_SECONDS - 1
    elif tamper == "bad-timestamp":
        headers["OMS-Webhook-Timestamp"] = "soon"
    else:
        del headers[{"no-signature": "OMS-Webhook-Signature", "no-id": "OMS-Webhook-Id",
                     "no-timestamp": "OMS-Webhook-Timestamp"}[tamper]]
    with pytest.raises(Forbidden):
        signing.verify(secret, headers, body, at=at)


async def test_a_message_id_is_accepted_once_per_source(clean_db):
    async with unit_of_work():
        await accept_once("carrier:oms-post", "m1")
    async with unit_of_work():
        await accept_once("partner:3PL-1", "m1")  # another source may use the same id
    with pytest.raises(Replayed):
        async with unit_of_work():
            await accept_once("carrier:oms-post", "m1")
    assert await WebhookReceipt.all().count() == 2


async def test_a_message_whose_effect_failed_may_be_sent_again(clean_db):
    with pytest.raises(RuntimeError):
        async with unit_of_work():
            await accept_once("carrier:oms-post", "m2")
            raise RuntimeError("the effect failed")
    async with unit_of_work():
        await accept_once("carrier:oms-post", "m2")
    assert await WebhookReceipt.filter(message_id="m2").count() == 1
