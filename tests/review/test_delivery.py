"""Delivery of the physician summary: inbox at sign-off, and mail through the durable outbox to a
real SMTP server on loopback (aiosmtpd), with retries, attempts shown, and a worker in the app."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import time
from datetime import datetime, timedelta, timezone

from aiosmtpd.smtp import AuthResult
from pypdf import PdfReader

from server.db.models import Visit
from server.db.review_models import DeliveryAttempt, Disclosure, OutboxMessage, OutboxStatus
from server.services import delivery
from tests.review import scripts

PHIL_MAIL = "phil@clinic.test"


async def signed_off(push_visit, desk, post_form, nurse, patient) -> Visit:
    visit = await push_visit(nurse, patient, scripts.febrile_reaction())
    assert (await post_form(desk, f"/review/visits/{visit.id}/sign-off", {"note": "Reviewed.", "alerts_reviewed": "on"})).status_code == 303
    return visit


def pdf_attachment(message) -> bytes:
    parts = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    assert len(parts) == 1
    return parts[0].get_payload(decode=True)


async def test_sign_off_mails_the_pdf_to_the_physician_and_shows_the_attempt(
    push_visit, desk, post_form, nurse_ana, patient_pat, physician_phil, settings, smtp_server
):
    physician_phil.email = PHIL_MAIL
    await physician_phil.save()
    smtp_server.start()
    visit = await signed_off(push_visit, desk, post_form, nurse_ana, patient_pat)

    sent = await delivery.deliver_due(settings=dataclasses.replace(settings, extra=smtp_server.settings_extra()))

    assert sent == 1
    [message] = smtp_server.mailbox.messages
    assert smtp_server.mailbox.recipients == [[PHIL_MAIL]]
    assert message["Subject"] == "Reviewed home infusion visit summary" and "Testperson" not in message["Subject"]
    text = PdfReader(io.BytesIO(pdf_attachment(message))).pages[0].extract_text()
    assert "Testperson, Pat" in text and "LE12A" in text and "Reviewed." in text
    outbox = await OutboxMessage.get(visit_id=visit.id)
    assert outbox.status == OutboxStatus.SENT and outbox.attempts == 1
    assert await Disclosure.filter(visit_id=visit.id, channel="email", recipient=PHIL_MAIL).count() == 1
    page = (await desk.get(f"/review/visits/{visit.id}")).text
    assert f"Mail to {PHIL_MAIL}" in page and "sent" in page and "accepted by the mail server" in page


async def test_mail_is_retried_with_backoff_after_the_smtp_server_was_down(
    push_visit, desk, post_form, nurse_ana, patient_pat, physician_phil, settings, smtp_server
):
    physician_phil.email = PHIL_MAIL
    await physician_phil.save()
    visit = await signed_off(push_visit, desk, post_form, nurse_ana, patient_pat)
    with_smtp = dataclasses.replace(settings, extra=smtp_server.settings_extra())
    now = datetime.now(timezone.utc)

    assert await delivery.deliver_due(settings=with_smtp, now=now) == 0  # nothing listens on the port yet
    waiting = await OutboxMessage.get(visit_id=visit.id)
    assert waiting.status == OutboxStatus.PENDING and waiting.attempts == 1
    assert waiting.next_attempt_at >= now + timedelta(seconds=59)
    assert await delivery.deliver_due(settings=with_smtp, now=now + timedelta(seconds=30)) == 0  # not due yet
    smtp_server.start()
    assert await delivery.deliver_due(settings=with_smtp, now=now + timedelta(minutes=2)) == 1

    attempts = await DeliveryAttempt.filter(message_id=waiting.id).order_by("id").values_list("outcome", flat=True)
    assert attempts == ["failed", "sent"] and len(smtp_server.mailbox.messages) == 1
    page = (await desk.get(f"/review/visits/{visit.id}")).text
    assert "ConnectionRefusedError" in page and "accepted by the mail server" in page


async def test_backoff_doubles_to_an_hour_and_gives_up_after_the_last_attempt():
    assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3, 7, 8)] == [60, 120, 240, 3600, 3600]


async def test_starttls_when_configured_is_required_never_skipped(
    push_visit, desk, post_form, nurse_ana, patient_pat, physician_phil, settings, smtp_server
):
    physician_phil.email = PHIL_MAIL
    await physician_phil.save()
    smtp_server.start()  # a plain server: it offers no STARTTLS
    visit = await signed_off(push_visit, desk, post_form, nurse_ana, patient_pat)
    extra = smtp_server.settings_extra(IVLOG_SMTP_STARTTLS="true")

    assert await delivery.deliver_due(settings=dataclasses.replace(settings, extra=extra)) == 0

    assert smtp_server.mailbox.messages == []
    attempt = await DeliveryAttempt.get(message__visit_id=visit.id)
    assert attempt.outcome == "failed" and "STARTTLS" in attempt.detail


async def test_the_configured_smtp_user_logs_in_before_sending(
    push_visit, desk, post_form, nurse_ana, patient_pat, physician_phil, settings, smtp_server
):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    physician_phil.email = PHIL_MAIL
    await physician_phil.save()
    smtp_server.start(authenticator=authenticator, auth_require_tls=False)  # loopback only
    await signed_off(push_visit, desk, post_form, nurse_ana, patient_pat)
    extra = smtp_server.settings_extra(IVLOG_SMTP_USER="ivlog", IVLOG_SMTP_PASSWORD="s3cret")

    assert await delivery.deliver_due(settings=dataclasses.replace(settings, extra=extra)) == 1
    assert logins == [(b"ivlog", b"s3cret")] and len(smtp_server.mailbox.messages) == 1


async def test_without_an_smtp_host_the_attempt_says_so_and_the_message_waits(
    push_visit, desk, post_form, nurse_ana, patient_pat, physician_phil, settings
):
    physician_phil.email = PHIL_MAIL
    await physician_phil.save()
    visit = await signed_off(push_visit, desk, post_form, nurse_ana, patient_pat)

    assert await delivery.deliver_due(settings=settings) == 0

    message = await OutboxMessage.get(visit_id=visit.id)
    assert message.status == OutboxStatus.PENDING and "IVLOG_SMTP_HOST" in message.last_error


async def test_a_physician_without_an_address_gets_the_inbox_only(
    push_visit, desk, post_form, nurse_ana, patient_pat, physician_phil, client_factory
):
    visit = await signed_off(push_visit, desk, post_form, nurse_ana, patient_pat)
    assert not await OutboxMessage.exists(visit_id=visit.id)

    phil = await client_factory(physician_phil)
    home = (await phil.get("/physician")).text
    assert "1 unread" in home and f"/visits/{visit.id}/summary" in home
    await phil.get(f"/visits/{visit.id}/summary")
    assert "0 unread" in (await phil.get("/physician")).text


async def test_a_fresh_worker_delivers_a_message_left_pending_before_a_restart(
    push_visit, desk, post_form, nurse_ana, patient_pat, physician_phil, settings, smtp_server
):
    physician_phil.email = PHIL_MAIL
    await physician_phil.save()
    visit = await signed_off(push_visit, desk, post_form, nurse_ana, patient_pat)  # pending: no SMTP so far
    assert (await OutboxMessage.get(visit_id=visit.id)).status == OutboxStatus.PENDING
    smtp_server.start()
    worker = delivery.DeliveryWorker(dataclasses.replace(
        settings, extra=smtp_server.settings_extra(IVLOG_SMTP_POLL_S="0.05")))

    worker.start()
    try:
        deadline = time.monotonic() + 30
        while not smtp_server.mailbox.messages and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        await worker.stop()

    assert len(smtp_server.mailbox.messages) == 1
    assert (await OutboxMessage.get(visit_id=visit.id)).status == OutboxStatus.SENT


async def test_the_physicians_inbox_flags_a_reaction_and_lists_only_reviewed_visits(
    push_visit, desk, post_form, nurse_ana, patient_pat, physician_phil, client_factory
):
    reacted = await push_visit(nurse_ana, patient_pat, scripts.febrile_reaction())
    await post_form(desk, f"/review/visits/{reacted.id}/sign-off", {"note": "", "alerts_reviewed": "on"})
    waiting = await push_visit(nurse_ana, patient_pat, scripts.tolerated())  # ended, not yet reviewed

    home = (await (await client_factory(physician_phil)).get("/physician")).text

    row = home.split(f'/visits/{reacted.id}/summary"')[0].rsplit("<tr>", 1)[1]
    assert "reaction, grade" in row
    assert str(waiting.id) not in home  # neither in the inbox nor under "Reviewed visits"
