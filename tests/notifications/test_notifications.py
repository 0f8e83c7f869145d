"""Customer notifications: a receipt when the money is first taken, a notice
per shipment when it ships and when it is delivered. Always recorded on the
order; sent through a real SMTP server (aiosmtpd on a local port) when one
is configured; failed sends retried later; replayed events change nothing."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

import pytest

from oms.core.clock import now
from oms.events import consumers
from oms.events.models import EventConsumerCursor
from oms.notifications import consumer as notifications, service
from oms.notifications.models import Notification
from oms.notifications.smtp import SmtpConfig
from oms.payments import consumer as payments

from tests import factories
from tests.payments.support import deliver, place_paid, ship

from .conftest import SENDER, free_port

pytestmark = pytest.mark.usefixtures("pay_shop")

RECEIPT = """Hello Ann Lee,

Thank you for your order WEB-000001. We have received your payment.

  2 x SKU-A at 10.00 EUR = 20.00 EUR

Subtotal: 20.00 EUR
Shipping: 0.00 EUR
Tax: 0.00 EUR
Total: 20.00 EUR
Paid: 20.00 EUR
"""
SHIPPED = """Hello Ann Lee,

Your order WEB-000001 is on its way:

  2 x SKU-A
"""
DELIVERED = """Hello Ann Lee,

Your parcel for order WEB-000001 was delivered:

  2 x SKU-A
"""


async def _drain(config) -> None:
    await consumers.drain([payments.consumer(), notifications.consumer(lambda: config)])


async def _journey(config) -> int:
    """Placed with tok_approve, shipped (captured), then delivered."""
    o = (await place_paid([("SKU-A", 2)])).placement.order
    (s,) = await factories.shipments_of(o.id)
    await ship(s.id)
    await _drain(config)
    await deliver(s.id)
    await _drain(config)
    return o.id


async def _rows() -> list[tuple]:
    return list(await Notification.all().order_by("id").values_list(
        "kind", "channel", "recipient", "subject", "status", "attempts", "dedupe_key"))


async def test_without_smtp_every_notice_is_recorded_on_the_order():
    order_id = await _journey(None)
    assert await _rows() == [
        ("SHIPPED", "EMAIL", "ann@example.com", "Your order WEB-000001 has shipped",
         "RECORDED", 0, "SHIPPED:1:1"),
        ("RECEIPT", "EMAIL", "ann@example.com", "Receipt for order WEB-000001",
         "RECORDED", 0, "RECEIPT:1:-"),
        ("DELIVERED", "EMAIL", "ann@example.com", "Your order WEB-000001 was delivered",
         "RECORDED", 0, "DELIVERED:1:1")]
    bodies = await Notification.filter(order_id=order_id).order_by("id").values_list(
        "body", flat=True)
    assert bodies == [SHIPPED, RECEIPT, DELIVERED]
    assert await Notification.filter(sent_at__isnull=False).count() == 0


async def test_with_smtp_each_notice_arrives_at_the_smtp_server(smtp_server):
    await _journey(smtp_server.config)
    # SMTP carries lines ended by CRLF.
    received = [(sender, rcpts, m["From"], m["To"], m["Subject"],
                 m.get_content().replace("\r\n", "\n"))
                for sender, rcpts, m in smtp_server.inbox.received]
    assert received == [
        ("shop@example.com", ["ann@example.com"], SENDER, "ann@example.com",
         "Your order WEB-000001 has shipped", SHIPPED),
        ("shop@example.com", ["ann@example.com"], SENDER, "ann@example.com",
         "Receipt for order WEB-000001", RECEIPT),
        ("shop@example.com", ["ann@example.com"], SENDER, "ann@example.com",
         "Your order WEB-000001 was delivered", DELIVERED)]
    assert [(r[0], r[4], r[5]) for r in await _rows()] == [
        ("SHIPPED", "SENT", 1), ("RECEIPT", "SENT", 1), ("DELIVERED", "SENT", 1)]
    assert await Notification.filter(sent_at__isnull=True).count() == 0


async def test_replayed_events_neither_record_nor_send_anything_twice(smtp_server):
    await _journey(smtp_server.config)
    rows = await _rows()
    await EventConsumerCursor.filter(name__in=["payments", "notifications"]).update(last_id=0)
    await _drain(smtp_server.config)
    assert await _rows() == rows
    assert len(smtp_server.inbox.received) == 3


async def test_a_failed_send_is_kept_and_retried_after_its_delay(smtp_server, monkeypatch):
    down = SmtpConfig.parse(f"smtp://127.0.0.1:{free_port()}", SENDER)  # nobody listens
    o = (await place_paid([("SKU-A", 2)])).placement.order
    (s,) = await factories.shipments_of(o.id)
    await ship(s.id)
    await _drain(down)
    assert [(r[0], r[4], r[5]) for r in await _rows()] == [("SHIPPED", "FAILED", 1),
                                                           ("RECEIPT", "FAILED", 1)]
    failed = await Notification.first()
    assert failed.error and failed.sent_at is None
    # Not due yet: nothing is tried.
    assert await service.retry_due(smtp_server.config) == 0
    # 30 seconds after the first failure it is.
    real_now = now()
    monkeypatch.setattr(service, "now", lambda: real_now + timedelta(seconds=31))
    assert await service.retry_due(smtp_server.config) == 2
    assert [(r[0], r[4], r[5]) for r in await _rows()] == [("SHIPPED", "SENT", 2),
                                                           ("RECEIPT", "SENT", 2)]
    assert [m["Subject"] for _s, _r, m in smtp_server.inbox.received] == [
        "Your order WEB-000001 has shipped", "Receipt for order WEB-000001"]
    assert await service.retry_due(smtp_server.config) == 0


async def test_a_split_order_gets_one_receipt_and_a_notice_per_shipment():
    o = (await place_paid([("SKU-A", 1), ("SKU-C", 2)])).placement.order
    wh1, wh2 = await factories.shipments_of(o.id)
    await ship(wh1.id)
    await ship(wh2.id)
    await _drain(None)
    assert [(r[0], r[6]) for r in await _rows()] == [
        ("SHIPPED", f"SHIPPED:{o.id}:{wh1.id}"), ("SHIPPED", f"SHIPPED:{o.id}:{wh2.id}"),
        ("RECEIPT", f"RECEIPT:{o.id}:-")]
    first, second, receipt = await Notification.all().order_by("id")
    assert first.body.splitlines()[2:5] == [
        "Part of your order WEB-000001 is on its way:", "", "  1 x SKU-A"]
    assert second.body.splitlines()[2:5] == [
        "Part of your order WEB-000001 is on its way:", "", "  2 x SKU-C"]
    # The receipt names the first money taken (the first shipment's capture).
    assert receipt.body.splitlines()[-1] == "Paid: 10.00 EUR"


async def test_the_tracking_number_is_in_the_shipping_notice():
    from oms.fulfillment.models import Shipment

    o = (await place_paid([("SKU-A", 2)])).placement.order
    (s,) = await factories.shipments_of(o.id)
    await Shipment.filter(id=s.id).update(carrier="oms-post", service="STANDARD",
                                          tracking_number="RR123456785FR")
    await ship(s.id)
    await _drain(None)
    shipped = await Notification.get(kind="SHIPPED")
    assert shipped.body == SHIPPED + "\nTracking number: RR123456785FR (oms-post STANDARD)\n"


def test_smtp_urls():
    assert SmtpConfig.parse("smtp://mail.example.com", "a@b") == SmtpConfig(
        host="mail.example.com", port=25, sender="a@b")
    assert SmtpConfig.parse("smtps://ann:p%40ss@mail.example.com:2465", "a@b") == SmtpConfig(
        host="mail.example.com", port=2465, sender="a@b", use_tls=True, username="ann",
        password="p@ss")
    with pytest.raises(ValueError):
        SmtpConfig.parse("http://mail.example.com", "a@b")


def test_money_in_the_receipt_is_exact():
    from oms.notifications import templates

    view = templates.OrderView(number="WEB-000007", customer_name=None, currency="EUR",
                               lines=(templates.Line("SKU-B", 3, D("25.50"), D("76.50")),),
                               subtotal=D("76.50"), shipping_total=D("4.90"),
                               tax_total=D("0.00"), total=D("81.40"))
    message = templates.receipt(view, paid=D("81.40"))
    assert message.subject == "Receipt for order WEB-000007"
    assert message.body.splitlines() == [
        "Hello,", "", "Thank you for your order WEB-000007. We have received your payment.", "",
        "  3 x SKU-B at 25.50 EUR = 76.50 EUR", "", "Subtotal: 76.50 EUR",
        "Shipping: 4.90 EUR", "Tax: 0.00 EUR", "Total: 81.40 EUR", "Paid: 81.40 EUR"]
