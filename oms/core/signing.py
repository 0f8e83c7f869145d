"""Signed webhooks, both ways (partners and carriers): HMAC-SHA256 over the
message id, a Unix timestamp and the raw body, in three headers. The
timestamp bounds how long a captured call stays usable; within that window
the receiver refuses a message id it has already accepted (see
oms.events.receipts). Pure: standard library only."""
from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

from oms.core.errors import Forbidden

ID_HEADER = "OMS-Webhook-Id"
TIMESTAMP_HEADER = "OMS-Webhook-Timestamp"
SIGNATURE_HEADER = "OMS-Webhook-Signature"
TOLERANCE_SECONDS = 300
SCHEME = "v1"


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return SCHEME + "=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, message_id: str, body: bytes, *, timestamp: int | None = None
         ) -> dict[str, str]:
    """The headers that sign `body`."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {ID_HEADER: message_id, TIMESTAMP_HEADER: str(ts),
            SIGNATURE_HEADER: signature(secret, message_id, ts, body)}


def verify(secret: str, headers: Mapping[str, str], body: bytes, *,
           at: float | None = None, tolerance: int = TOLERANCE_SECONDS) -> str:
    """The message id of a correctly signed, fresh call; Forbidden otherwise.
    `headers` must look names up case-insensitively (Starlette's do)."""
    message_id = headers.get(ID_HEADER)
    stamp = headers.get(TIMESTAMP_HEADER)
    given = headers.get(SIGNATURE_HEADER)
    if not message_id or not stamp or not given:
        raise Forbidden("the call is not signed", field="signature")
    if len(message_id) > 200:
        raise Forbidden("the message id is too long", field="signature")
    try:
        ts = int(stamp)
    except ValueError:
        raise Forbidden("the timestamp is not a number", field="signature") from None
    current = time.time() if at is None else at
    if abs(current - ts) > tolerance:
        raise Forbidden("the timestamp is too old or in the future", field="signature")
    expected = signature(secret, message_id, ts, body)
    # Several signatures may be sent while a secret is rotated: any one will do.
    if not any(hmac.compare_digest(expected, part.strip()) for part in given.split(",")):
        raise Forbidden("the signature does not match", field="signature")
    return message_id
