"""Sending a notification by email over SMTP (aiosmtplib), configured by
OMS_SMTP_URL: smtp://[user:pass@]host[:port] (STARTTLS when the server
offers it) or smtps://[user:pass@]host[:port] (TLS from the first byte).
Only network I/O here: callers send outside any database transaction."""
from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

import aiosmtplib

TIMEOUT_SECONDS = 30.0


class SmtpError(Exception):
    """The message was not accepted; the notification is retried later."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    use_tls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str, sender: str) -> "SmtpConfig":
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("OMS_SMTP_URL must be smtp://[user:pass@]host[:port] "
                             "or smtps://...")
        tls = parts.scheme == "smtps"
        return cls(host=parts.hostname, port=parts.port or (465 if tls else 25), sender=sender,
                   use_tls=tls,
                   username=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None)


def build(config: SmtpConfig, *, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config.host)
    message.set_content(body)
    return message


async def send(config: SmtpConfig, *, to: str, subject: str, body: str) -> None:
    try:
        await aiosmtplib.send(build(config, to=to, subject=subject, body=body),
                              hostname=config.host, port=config.port,
                              username=config.username, password=config.password,
                              use_tls=config.use_tls, start_tls=None if not config.use_tls
                              else False, timeout=TIMEOUT_SECONDS)
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise SmtpError(str(exc) or type(exc).__name__) from exc
