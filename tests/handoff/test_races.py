"""Several senders at once (several server processes): every due delivery is
sent exactly once, because the claim's conditional UPDATE has one winner.
Meaningful on PostgreSQL, where the senders really run side by side."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from oms.handoff import delivery, service
from oms.handoff.delivery import SendPolicy
from oms.handoff.models import PartnerDelivery, PartnerDeliveryAttempt

from .shop import Clock, confirmed, drain

pytestmark = pytest.mark.usefixtures("partner_shop")


async def test_concurrent_claims_have_one_winner():
    await confirmed([("SKU-A", 1)])
    await drain()
    (d,) = await PartnerDelivery.all()
    clock = Clock()
    won = await asyncio.gather(*(service.claim(d.id, at=clock.at, lease=timedelta(minutes=1))
                                 for _ in range(10)))
    assert [w.attempts for w in won if w is not None] == [1]
    await d.refresh_from_db()
    assert (d.status, d.attempts) == ("SENDING", 1)


async def test_concurrent_senders_send_each_delivery_once():
    for n in range(6):
        await confirmed([("SKU-A", 1)], email=f"c{n}@example.com")
    await drain()
    queued = sorted(await PartnerDelivery.all().values_list("id", flat=True))
    assert len(queued) == 6
    received: list[str] = []

    async def partner(request: httpx.Request) -> httpx.Response:
        received.append(request.headers["OMS-Webhook-Id"])
        await asyncio.sleep(0.01)  # the others run meanwhile
        return httpx.Response(200)

    clock = Clock()
    async with httpx.AsyncClient(transport=httpx.MockTransport(partner)) as client:
        sent = await asyncio.gather(*(delivery.send_due(client=client, clock=clock,
                                                        policy=SendPolicy(jitter=None))
                                      for _ in range(4)))
    assert sorted(i for ids in sent for i in ids) == queued
    assert len(received) == len(set(received)) == 6
    rows = await PartnerDelivery.all().values_list("status", "attempts")
    assert rows == [("ACKNOWLEDGED", 1)] * 6
    assert await PartnerDeliveryAttempt.all().count() == 6
