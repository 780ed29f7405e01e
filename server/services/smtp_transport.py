"""Sending one mail through the configured SMTP server (IVLOG_SMTP_* settings).

The seam between the outbox and the network: `SmtpConfig.from_settings` reads the settings,
`send` speaks SMTP (STARTTLS when configured, login when a user is set) in a worker thread.
Errors are raised to the caller, which records each attempt and retries.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from server.settings import Settings

TRUE = {"1", "true", "yes", "on"}
TIMEOUT_S = 30


class SmtpNotConfigured(RuntimeError):
    """No IVLOG_SMTP_HOST: mail cannot be sent until an operator sets one."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    starttls: bool = False
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        extra = settings.extra
        host = extra.get("IVLOG_SMTP_HOST", "")
        if not host:
            raise SmtpNotConfigured("SMTP is not configured (set IVLOG_SMTP_HOST and IVLOG_SMTP_FROM).")
        starttls = extra.get("IVLOG_SMTP_STARTTLS", "").strip().lower() in TRUE
        port = int(extra.get("IVLOG_SMTP_PORT") or (587 if starttls else 25))
        return cls(host=host, port=port, sender=extra.get("IVLOG_SMTP_FROM", "ivlog@localhost"), starttls=starttls,
                   user=extra.get("IVLOG_SMTP_USER", ""), password=extra.get("IVLOG_SMTP_PASSWORD", ""))


def send_now(message: EmailMessage, config: SmtpConfig) -> None:
    """Blocking send. With STARTTLS configured, a server that cannot do it is an error, never plain text."""
    with smtplib.SMTP(config.host, config.port, timeout=TIMEOUT_S) as smtp:
        smtp.ehlo()
        if config.starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if config.user:
            smtp.login(config.user, config.password)
        smtp.send_message(message)


async def send(message: EmailMessage, config: SmtpConfig) -> None:
    await asyncio.to_thread(send_now, message, config)
