"""Payments end to end over a real `oms serve` process: an order placed with
an approving test card is authorised and confirmed; shipping it captures it
(the server's payments consumer), delivering it completes it once the
ledger balances; the receipt and the shipping and delivery notices reach a
real SMTP server (aiosmtpd, in this test process) and are recorded on the
order. A declined card cancels its order."""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from tests.notifications.conftest import Inbox, SmtpServer, free_port

from .harness import PACK, PICK, SHIP, TRACK, Server, setup_shop, until

SENDER = "Shop <shop@example.com>"

PLACE = """mutation($token: String!) { orderPlace(input: {channel: "WEB", source: WEB,
  customer: {email: "ann@example.com", name: "Ann"}, lines: [{sku: "TEE", quantity: 2}],
  shippingAddress: {line1: "1 Rue de Rivoli", city: "Paris", postalCode: "75001",
                    country: "FR"}, payment: {gateway: "test", token: $token}}) {
  order { id number status paymentStatus total { amount } shipments { id } }
  userErrors { code field message } } }"""

ORDER = """query($id: ID!) { order(id: $id) { status paymentStatus
  payments { status authorized { amount } captured { amount }
             transactions { kind amount { amount } status } }
  receivables { invoiced { amount } paid { amount } outstanding { amount } balanced
                entries { kind number amount { amount } } }
  notifications { kind recipient subject status } } }"""


async def _until(read: Callable[[], Awaitable[Any]], done: Callable[[Any], bool],
                 timeout: float = 30.0) -> Any:
    """Read until `done` holds (the server's consumers run in the background)."""
    async def check():
        value = await read()
        return value if done(value) else None
    return await until(check, "the server's consumers", timeout, interval=0.1)


async def _order(server: Server, order_id: str) -> dict:
    return (await server.ok(ORDER, {"id": order_id}))["order"]


async def test_a_card_order_is_captured_delivered_notified_and_completed(server_group):
    smtp = SmtpServer(port=free_port(), inbox=Inbox())
    smtp.start()
    try:
        (server,) = await server_group.start(1, env={
            "OMS_SMTP_URL": smtp.url, "OMS_SMTP_FROM": SENDER,
            "OMS_CONSUMER_INTERVAL_SECONDS": "0.1"})
        await setup_shop(server)
        placed = (await server.ok(PLACE, {"token": "tok_approve"}))["orderPlace"]["order"]
        assert (placed["number"], placed["status"], placed["paymentStatus"],
                placed["total"]["amount"]) == ("WEB-000001", "CONFIRMED", "AUTHORIZED", "39.80")
        (shipment,) = placed["shipments"]
        for step in (PICK, PACK, SHIP):
            await server.ok(step, {"id": shipment["id"]})
        shipped = await _until(lambda: _order(server, placed["id"]),
                               lambda o: o["paymentStatus"] == "CAPTURED")
        assert shipped["payments"] == [{
            "status": "CAPTURED", "authorized": {"amount": "39.80"},
            "captured": {"amount": "39.80"},
            "transactions": [
                {"kind": "AUTHORIZE", "amount": {"amount": "39.80"}, "status": "SUCCEEDED"},
                {"kind": "CAPTURE", "amount": {"amount": "39.80"}, "status": "SUCCEEDED"}]}]
        await server.ok(TRACK, {"id": shipment["id"], "s": "DELIVERED"})
        done = await _until(lambda: _order(server, placed["id"]),
                            lambda o: o["status"] == "COMPLETED"
                            and len(o["notifications"]) == 3
                            and all(n["status"] == "SENT" for n in o["notifications"]))
        assert done["receivables"] == {
            "invoiced": {"amount": "39.80"}, "paid": {"amount": "39.80"},
            "outstanding": {"amount": "0.00"}, "balanced": True,
            "entries": [{"kind": "INVOICE", "number": "INV-000001",
                         "amount": {"amount": "39.80"}},
                        {"kind": "PAYMENT", "number": None, "amount": {"amount": "39.80"}}]}
        assert done["notifications"] == [
            {"kind": "SHIPPED", "recipient": "ann@example.com",
             "subject": "Your order WEB-000001 has shipped", "status": "SENT"},
            {"kind": "RECEIPT", "recipient": "ann@example.com",
             "subject": "Receipt for order WEB-000001", "status": "SENT"},
            {"kind": "DELIVERED", "recipient": "ann@example.com",
             "subject": "Your order WEB-000001 was delivered", "status": "SENT"}]
        mails = [(rcpts, m["From"], m["To"], m["Subject"], m.get_content().replace("\r\n", "\n"))
                 for _sender, rcpts, m in smtp.inbox.received]
        assert [m[:4] for m in mails] == [
            (["ann@example.com"], SENDER, "ann@example.com", "Your order WEB-000001 has shipped"),
            (["ann@example.com"], SENDER, "ann@example.com", "Receipt for order WEB-000001"),
            (["ann@example.com"], SENDER, "ann@example.com",
             "Your order WEB-000001 was delivered")]
        assert "  2 x TEE at 19.90 EUR = 39.80 EUR\n" in mails[1][4]
        assert mails[1][4].endswith("Total: 39.80 EUR\nPaid: 39.80 EUR\n")
    finally:
        smtp.stop()


async def test_a_declined_card_cancels_the_order(server):
    await setup_shop(server)
    payload = (await server.gql(PLACE, {"token": "tok_decline"}))["data"]["orderPlace"]
    assert payload["userErrors"] == [{"code": "PAYMENT_DECLINED", "field": ["payment"],
                                      "message": "the card was declined"}]
    assert (payload["order"]["status"], payload["order"]["paymentStatus"]) == (
        "CANCELLED", "FAILED")
