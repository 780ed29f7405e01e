"""Mailing the physician summary through a durable outbox, and the worker that drains it.

An `OutboxMessage` is written at the sign-off's release (`release.py`). The worker, started in
the app's lifespan, polls: it releases new sign-offs, then claims each due message with a lease
(a conditional UPDATE, so two server processes never both send it), renders the summary "as
signed" to PDF, and sends it. Every attempt is stored with what the mail server said and shown
to the pharmacist; a failure is retried with exponential backoff (1 min doubling to 1 h) up to
MAX_ATTEMPTS. Nothing lives only in memory: a restart picks up where the table says.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from tortoise.expressions import Q

from server import audit
from server.db.models import Visit
from server.db.review_models import DeliveryAttempt, DisclosureChannel, OutboxMessage, OutboxStatus
from server.services import disclosures, pdf, release
from server.services.local_time import LocalTime
from server.services.smtp_transport import SmtpConfig, SmtpNotConfigured, send
from server.services.summary import build_summary, file_name, signoff_seq
from server.settings import Settings

logger = logging.getLogger("ivlog.delivery")

MAX_ATTEMPTS = 8
BACKOFF_BASE_S = 60
BACKOFF_CAP_S = 3600
LEASE = timedelta(minutes=5)
BATCH = 20
DEFAULT_POLL_S = 15.0
STOP_GRACE_S = 5.0
SENDING_ERRORS = (SmtpNotConfigured, smtplib.SMTPException, OSError)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 1, 2, 4 ... minutes, at most an hour."""
    return timedelta(seconds=min(BACKOFF_BASE_S * 2 ** max(attempts - 1, 0), BACKOFF_CAP_S))


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


async def compose(message: OutboxMessage, settings: Settings, sender: str) -> EmailMessage:
    """The mail: no patient detail in the subject or body, the summary "as signed" as a PDF attachment."""
    visit = await Visit.get(id=message.visit_id)
    summary = await build_summary(visit, clock=LocalTime(settings.timezone),
                                  through_seq=await signoff_seq(message.review_event_id))
    document = await pdf.summary_pdf(summary)
    day = summary.clock.day(summary.state["time_in"]) or "visit"
    mail = EmailMessage()
    mail["From"], mail["To"] = sender, message.to_address
    mail["Subject"] = "Reviewed home infusion visit summary"
    mail["Date"], mail["Message-ID"] = formatdate(localtime=False), make_msgid(domain="ivlog.invalid")
    mail.set_content(
        f"A pharmacist reviewed a home infusion visit ({day}) of one of your patients.\n"
        "The one-page summary is attached as a PDF and is also in your ivlog inbox.\n\n"
        "This message contains confidential patient information. If you are not the intended\n"
        "recipient, delete it and tell the sender.\n")
    mail.add_attachment(document, maintype="application", subtype="pdf", filename=file_name(summary, "pdf"))
    return mail


async def claim(message: OutboxMessage, now: datetime) -> bool:
    """Take the message for one attempt, unless another worker holds a live lease on it."""
    free = Q(locked_until=None) | Q(locked_until__lt=now)
    taken = await OutboxMessage.filter(free, id=message.id, status=OutboxStatus.PENDING).update(locked_until=now + LEASE)
    return bool(taken)


async def _record(message: OutboxMessage, *, now: datetime, outcome: str, detail: str) -> None:
    await DeliveryAttempt.create(message=message, at=now, outcome=outcome, detail=detail)
    actor = audit.Actor(user_id=message.released_by_id, organization_id=message.organization_id)
    await audit.record("delivery.attempt", actor=actor, outcome="ok" if outcome == "sent" else "failed",
                       object_type="outbox_message", object_id=message.id, detail={"attempt": message.attempts})


async def _sent(message: OutboxMessage, now: datetime) -> None:
    message.attempts += 1
    message.status, message.sent_at, message.locked_until, message.last_error = OutboxStatus.SENT, now, None, ""
    await message.save(update_fields=["attempts", "status", "sent_at", "locked_until", "last_error"])
    await _record(message, now=now, outcome="sent", detail="accepted by the mail server")
    await message.fetch_related("visit", "recipient", "released_by")
    await disclosures.record(visit=message.visit, channel=DisclosureChannel.EMAIL, by=message.released_by,
                             recipient_user=message.recipient, recipient=message.to_address,
                             review_event_id=message.review_event_id)


async def _failed(message: OutboxMessage, now: datetime, detail: str) -> None:
    message.attempts += 1
    gave_up = message.attempts >= MAX_ATTEMPTS
    message.status = OutboxStatus.FAILED if gave_up else OutboxStatus.PENDING
    message.next_attempt_at = now + backoff(message.attempts)
    message.locked_until, message.last_error = None, detail
    await message.save(update_fields=["attempts", "status", "next_attempt_at", "locked_until", "last_error"])
    await _record(message, now=now, outcome="failed", detail=detail + (" (gave up)" if gave_up else ""))
    logger.warning("summary mail failed message=%s attempt=%s", message.id, message.attempts)


async def attempt(message: OutboxMessage, *, settings: Settings, now: datetime) -> bool:
    """One try at sending a claimed message; True when the mail server accepted it."""
    try:
        config = SmtpConfig.from_settings(settings)
        await send(await compose(message, settings, config.sender), config)
    except SENDING_ERRORS as error:
        await _failed(message, now, f"{type(error).__name__}: {error}"[:500])
        return False
    except Exception as error:  # a bug (the PDF would not render): record it, retry, tell the logs
        logger.exception("summary mail could not be prepared message=%s", message.id)
        await _failed(message, now, f"internal error ({type(error).__name__}); reported to the operators")
        return False
    await _sent(message, now)
    return True


async def deliver_due(*, settings: Settings, now: datetime | None = None) -> int:
    """Try every message whose time has come; returns how many were sent."""
    now = now or _utcnow()
    due = await OutboxMessage.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now) \
        .order_by("next_attempt_at").limit(BATCH)
    sent = 0
    for message in due:
        if await claim(message, now):
            sent += await attempt(message, settings=settings, now=now)
    return sent


class DeliveryWorker:
    """The app's background task: release sign-offs and drain the outbox every poll interval."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.poll_s = float(settings.extra.get("IVLOG_SMTP_POLL_S") or DEFAULT_POLL_S)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ivlog-delivery")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, STOP_GRACE_S)
            except TimeoutError:
                logger.warning("delivery worker stopped mid-attempt; the outbox retries it after restart")

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), self.poll_s)
                return
            except TimeoutError:
                pass
            await self.run_once()

    async def run_once(self) -> None:
        try:
            await release.release_signoffs()
            await deliver_due(settings=self.settings)
        except Exception:  # the worker must outlive any one bad message or a database hiccup
            logger.exception("delivery worker pass failed; retrying at the next poll")
