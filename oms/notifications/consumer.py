"""The notifications consumer of the event log: a receipt when an order's
money is first taken, a notice when each shipment ships and when it is
delivered. At least once per event; the dedupe key makes a replay a no-op.

SMTP settings are read from the environment when an event is handled (the
consumer list, oms.workers.event_consumers, takes no settings)."""
from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Callable

from oms.core import loops
from oms.events.consumers import Consumer
from oms.events.record import EventRecord
from oms.fulfillment.events import SHIPMENT_UPDATED
from oms.payments.events import PAYMENT_UPDATED
from oms.settings import Settings, load

from . import service
from .smtp import SmtpConfig
from .templates import Kind

NAME = "notifications"
_SHIPMENT_KINDS = {"SHIPPED": Kind.SHIPPED, "DELIVERED": Kind.DELIVERED}


def smtp_config(settings: Settings) -> SmtpConfig | None:
    if not settings.smtp_url:
        return None
    return SmtpConfig.parse(settings.smtp_url, settings.smtp_from)


def _from_environment() -> SmtpConfig | None:
    return smtp_config(load())


def consumer(config: Callable[[], SmtpConfig | None] = _from_environment) -> Consumer:
    async def handle(event: EventRecord) -> None:
        if event.order_id is None:
            return
        p = event.payload
        if event.type == PAYMENT_UPDATED:
            if p.get("kind") == "CAPTURE" and p.get("transaction_status") == "SUCCEEDED":
                await service.notify(Kind.RECEIPT, order_id=event.order_id,
                                     paid=Decimal(p["amount"]), config=config())
        elif event.type == SHIPMENT_UPDATED and p.get("status") in _SHIPMENT_KINDS:
            await service.notify(_SHIPMENT_KINDS[p["status"]], order_id=event.order_id,
                                 shipment_id=int(p["shipment_id"]), config=config())

    return Consumer(name=NAME, types=(PAYMENT_UPDATED, SHIPMENT_UPDATED), handle=handle)


async def retry_forever(settings: Settings, interval_seconds: float) -> None:
    config = smtp_config(settings)
    if config is None:
        return
    await loops.every(interval_seconds, partial(service.retry_due, config),
                      what="notification retries")
