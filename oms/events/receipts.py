"""The replay guard for signed inbound webhooks: a message id is accepted once
per source. Call `accept_once` inside the unit of work that applies the
message, so a message whose effect failed (and rolled back) may be sent again."""
from __future__ import annotations

from tortoise.exceptions import IntegrityError

from oms.core.clock import now
from oms.core.errors import Conflict
from oms.core.uow import current_connection

from .models import WebhookReceipt


class Replayed(Conflict):
    """The message id was already received from this source (HTTP 409)."""


async def accept_once(source: str, message_id: str) -> None:
    try:
        await WebhookReceipt.create(source=source, message_id=message_id, received_at=now(),
                                    using_db=current_connection())
    except IntegrityError:
        raise Replayed("this message was already received (replayed)",
                       field="messageId") from None
