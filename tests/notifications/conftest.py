"""A real SMTP server (aiosmtpd) on a free local port, collecting what it
receives; and the payments test set-up (fresh gateway book)."""
from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller

from oms.notifications.smtp import SmtpConfig
from tests.payments import conftest as payments_fixtures

# The payments set-up, shared: fresh gateways (tests/conftest.py) for every
# test here, receivable numbers from 1.
_gateways = payments_fixtures._gateways
ar_numbers = payments_fixtures.ar_numbers
pay_shop = payments_fixtures.pay_shop

SENDER = "Shop <shop@example.com>"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Inbox:
    """What the server accepted: (envelope sender, recipients, parsed message)."""

    received: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    port: int
    inbox: Inbox
    controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def config(self) -> SmtpConfig:
        return SmtpConfig.parse(self.url, SENDER)

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    server = SmtpServer(port=free_port(), inbox=Inbox())
    server.start()
    yield server
    server.stop()
