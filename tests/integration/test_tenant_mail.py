"""E-mail to requesters, sent to a real SMTP server the tests start: which changes they hear
of, in which language, with which link; retries, one delivery among racing senders, and
delivery after commit."""

import re
import time

import pytest
from sqlalchemy import func, select

from tests.builders import report
from tests.conftest import at_once, csrf_from, free_port, token
from tests.smtp import SmtpServer
from wave.extensions import db
from wave.notify import mail
from wave.notify.models import OutboundEmail
from wave.requests import lifecycle, services, triage
from wave.requests.models import ServiceRequest
from wave.timeutil import now

TENANT = {"name": "Ann Tenant", "email": "ann@tenant.example"}
PUBLIC_URL = "http://wave.example"


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def extra_settings():
    """Settings a test changes by parametrizing this fixture."""
    return {}


@pytest.fixture
def config_overrides(smtp_port, extra_settings):
    return {
        "WAVE_SMTP_HOST": "127.0.0.1",
        "WAVE_SMTP_PORT": smtp_port,
        "WAVE_SMTP_TIMEOUT": 5,
        "WAVE_MAIL_FROM": "Wave Desk <desk@wave.example>",
        "WAVE_PUBLIC_URL": PUBLIC_URL,
        # The tests send with mail.send_pending(), except the one about after-commit delivery.
        "WAVE_DELIVER_AFTER_COMMIT": False,
        **extra_settings,
    }


@pytest.fixture
def smtp(smtp_port):
    """A running SMTP server on the configured port; yields its inbox."""
    server = SmtpServer(smtp_port).start()
    yield server.inbox
    server.stop()


def tenant_request(world, **contact):
    return report(world, contact={**TENANT, **contact})


def sent(inbox, count):
    """Send what is pending and return the inbox, which must then hold `count` messages."""
    mail.send_pending()
    messages = inbox.wait_for(count, timeout=1)
    assert len(messages) == count, [m["Subject"] for m in messages]
    return messages


def queued_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboundEmail))


# ---------------------------------------------------------------- what the tenant hears
def test_taken_request_mails_its_requester(smtp, world, signed_in):
    req = tenant_request(world)
    olga = signed_in(world.olga)
    response = olga.post(f"/requests/{req.id}/take", data={"csrf_token": token(olga)})
    assert response.status_code < 400

    (message,) = sent(smtp, 1)
    assert message["To"] == TENANT["email"]
    assert message["From"] == "Wave Desk <desk@wave.example>"
    assert message["Subject"] == f"Request {req.number}: someone is on it"
    assert message["Message-ID"].endswith("@wave.example>") and message["Date"]
    assert smtp.envelopes[0].rcpt_tos == [TENANT["email"]]
    body = message.get_content()
    assert "Hello Ann Tenant," in body and "Someone is on it." in body
    assert "Test Tower · Floor 1 · 101 Office" in body and "Bin is full" in body
    assert f"{PUBLIC_URL}/t/{req.tracking_token}" in body


def test_done_mail_links_to_the_tracking_page(smtp, world, client):
    req = tenant_request(world)
    lifecycle.take(req, world.olga)
    lifecycle.complete(req, world.olga, 15, [])

    taken, done = sent(smtp, 2)
    assert done["Subject"] == f"Request {req.number}: done — please confirm"
    body = done.get_content()
    assert "Done — please confirm or reopen." in body and "Status: Done" in body
    link = re.search(re.escape(PUBLIC_URL) + r"(/t/\S+)", body).group(1)
    page = client.get(link)
    assert page.status_code == 200
    assert req.number in page.get_data(as_text=True)


def test_cancelled_mail_gives_the_reason_as_written(smtp, world):
    req = tenant_request(world)
    lifecycle.cancel(req, world.dina, "Duplicate of O'Brien & Co's report <#3>")

    (message,) = sent(smtp, 1)
    assert message["Subject"] == f"Request {req.number}: cancelled"
    # Plain text: nothing HTML-escaped.
    assert "Cancelled: Duplicate of O'Brien & Co's report <#3>" in message.get_content()


def test_reassigning_is_no_news_but_hold_and_resume_are(smtp, world):
    req = tenant_request(world)
    lifecycle.assign(req, world.dina, world.olga)
    lifecycle.assign(req, world.dina, world.sam)  # from one colleague to another
    lifecycle.start(req, world.sam)
    lifecycle.hold(req, world.sam, "Waiting for a new bin")
    lifecycle.start(req, world.sam)

    subjects = [m["Subject"].split(": ", 1)[1] for m in sent(smtp, 4)]
    assert subjects == ["someone is on it", "work has started", "on hold", "work has resumed"]
    assert "On hold: Waiting for a new bin" in smtp.messages[2].get_content()


def test_closing_by_itself_is_news_but_the_tenants_own_steps_are_not(smtp, world):
    req = tenant_request(world)
    lifecycle.take(req, world.olga)
    lifecycle.complete(req, world.olga, None, [])
    lifecycle.reopen(req, "Still smells")
    lifecycle.complete(req, world.olga, None, [])
    lifecycle.confirm(req)
    lifecycle.rate(req, 5, "Thanks")
    assert queued_count() == 3  # taken, done, done again

    other = tenant_request(world, email="bob@tenant.example")
    lifecycle.take(other, world.olga)
    lifecycle.complete(other, world.olga, None, [])
    assert lifecycle.auto_close(other, days=3)  # as the worker does, outside any request

    closed = sent(smtp, 6)[-1]
    assert closed["To"] == "bob@tenant.example"
    assert closed["Subject"] == f"Request {other.number}: closed"
    assert "nobody asked for more" in closed.get_content()


def test_staff_reply_is_mailed_with_its_text(smtp, world):
    req = tenant_request(world)
    lifecycle.take(req, world.olga)
    triage.reply(req, world.olga, "We come at 3 pm.\nPlease leave the door open.")

    reply = sent(smtp, 2)[1]
    assert reply["Subject"] == f"Request {req.number}: a reply from the service team"
    lines = reply.get_content().splitlines()  # lines end in CRLF on the wire
    assert lines[2:6] == ["A reply to you:", "", "We come at 3 pm.", "Please leave the door open."]


def test_qr_report_gets_no_receipt_but_a_desk_request_does(smtp, world):
    tenant_request(world)
    assert queued_count() == 0  # they are looking at the confirmation page

    req, _created = services.create_from_desk(
        world.dina,
        category=world.trash,
        location=world.room,
        asset=None,
        description="Caller says the bin is full",
        priority="normal",
        contact=TENANT,
        photos=[],
    )
    (message,) = sent(smtp, 1)
    assert message["Subject"] == f"Request {req.number}: received"
    assert f"/t/{req.tracking_token}" in message.get_content()


def test_no_mail_for_a_request_without_an_address(smtp, world):
    req = report(world, contact={"name": "No Mail", "phone": "+49 30 1234"})
    lifecycle.take(req, world.olga)
    lifecycle.complete(req, world.olga, None, [])

    assert queued_count() == 0
    assert mail.send_pending() == 0 and smtp.messages == []


@pytest.mark.parametrize("extra_settings", [{"WAVE_SMTP_HOST": None}], ids=["smtp-off"])
def test_nothing_is_queued_when_smtp_is_not_configured(world):
    req = tenant_request(world)
    lifecycle.take(req, world.olga)
    lifecycle.complete(req, world.olga, None, [])

    assert queued_count() == 0
    assert mail.send_pending() == 0


# ---------------------------------------------------------------- language
def _russian_done_mail(smtp, world):
    req = tenant_request(world, name="Анна Петрова")
    req.requester_locale = "ru"
    req.description = "Мусор не вывезли, ёлки-палки"
    db.session.commit()
    lifecycle.take(req, world.olga)
    lifecycle.complete(req, world.olga, None, [])
    return req, sent(smtp, 2)[1]


def test_russian_requester_gets_the_mail_in_russian_intact(smtp, world):
    req, message = _russian_done_mail(smtp, world)
    body = message.get_content()
    assert "Выполнена" in body and "Status: Done" not in body  # a label translated already
    assert "Анна Петрова" in body and "Мусор не вывезли, ёлки-палки" in body  # UTF-8 intact
    assert req.number in message["Subject"]
    assert message.get_content_charset() == "utf-8"


def test_russian_requester_gets_a_russian_subject(smtp, world):
    req, message = _russian_done_mail(smtp, world)
    assert "Заявка" in message["Subject"] and req.number in message["Subject"]


def test_the_desk_writes_to_a_caller_in_the_language_it_chose(smtp, world, signed_in):
    dina = signed_in(world.dina)  # an English page
    page = dina.get("/requests/new").get_data(True)
    assert '<option selected value="en">English</option>' in page  # the desk's, unless changed
    data = {
        "csrf_token": csrf_from(page),
        "place": f"l{world.room.id}",
        "category": str(world.trash.id),
        "description": "Звонила арендатор: мусор не вывезли",
        "priority": "normal",
        "name": "Анна Петрова",
        "email": TENANT["email"],
        "language": "xx",
    }
    refused = dina.post("/requests/new", data=data)
    html = refused.get_data(True)
    assert refused.status_code == 422 and queued_count() == 0
    assert "Not a valid choice" in html[html.index('id="field-language"') :]
    assert 'value="Анна Петрова"' in html  # the rest is kept

    response = dina.post("/requests/new", data={**data, "language": "ru"})
    assert response.status_code == 303
    req = db.session.scalar(select(ServiceRequest).order_by(ServiceRequest.id.desc()))
    assert (req.source, req.requester_locale) == ("desk", "ru")
    (message,) = sent(smtp, 1)
    assert "Заявка" in message["Subject"] and req.number in message["Subject"]


# ---------------------------------------------------------------- sending
def test_server_down_keeps_the_mail_and_a_later_try_sends_it_once(world, smtp_port, frozen):
    frozen.at(now())
    req = tenant_request(world)
    lifecycle.take(req, world.olga)

    assert mail.send_pending() == 0  # nobody listens on the port
    email = db.session.scalar(select(OutboundEmail))
    assert (email.attempts, email.sent_at, email.claimed_at) == (1, None, None)
    assert email.last_error and len(email.last_error) <= 500

    server = SmtpServer(smtp_port).start()
    try:
        assert mail.send_pending() == 0  # not due again before a minute has passed
        frozen.advance(minutes=2)
        assert mail.send_pending() == 1
        assert mail.send_pending() == 0
        assert len(server.inbox.wait_for(2, timeout=0.5)) == 1
    finally:
        server.stop()
    db.session.refresh(email)
    assert email.sent_at is not None and email.attempts == 1


def test_two_senders_at_once_deliver_each_mail_once(app, world, smtp_port):
    for n in range(8):
        mail.queue(f"tenant{n}@tenant.example", f"Mail {n}", "Hello")
    db.session.commit()
    server = SmtpServer(smtp_port, delay=0.02).start()
    try:
        counts, errors = at_once(app, mail.send_pending, timeout=30)
    finally:
        server.stop()
    assert not errors and sum(counts) == 8
    subjects = sorted(m["Subject"] for m in server.inbox.messages)
    assert subjects == sorted(f"Mail {n}" for n in range(8))


@pytest.mark.parametrize("extra_settings", [{"WAVE_DELIVER_AFTER_COMMIT": True}], ids=["live"])
def test_mail_leaves_after_commit_without_a_sweep(smtp, world):
    req = tenant_request(world)
    lifecycle.take(req, world.olga)

    (message,) = smtp.wait_for(1, timeout=5)
    assert message["Subject"] == f"Request {req.number}: someone is on it"
    assert _sent_at_within(5) is not None  # the background task has finished with the row


def _sent_at_within(seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = db.session.scalar(select(OutboundEmail.sent_at))
        db.session.rollback()
        if value is not None:
            return value
        time.sleep(0.05)
    return None


def test_the_outbox_forgets_old_sent_and_given_up_mail(world, frozen):
    from datetime import UTC, datetime, timedelta

    from wave.notify.models import OutboundEmail

    start = frozen.at(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    rows = {
        "sent long ago": OutboundEmail(sent_at=start, attempts=1),
        "given up long ago": OutboundEmail(attempts=mail.MAX_ATTEMPTS),
        "still trying": OutboundEmail(attempts=2),
        "sent lately": OutboundEmail(sent_at=start + timedelta(days=20), attempts=1),
    }
    for row in rows.values():
        row.to_address, row.subject, row.body, row.created_at = "a@b.example", "S", "B", start
    db.session.add_all(rows.values())
    db.session.commit()
    assert mail.prune(start + timedelta(days=31)) == 2
    left = {r.id for r in db.session.scalars(select(OutboundEmail))}
    assert left == {rows["still trying"].id, rows["sent lately"].id}
