"""E-mail: stored in outbound_emails by the transaction of the change it tells of, sent once
that commits (a background task) and swept up by the worker (delivery.send_pending).

Off until WAVE_SMTP_HOST is set: then nothing is stored, so the table does not fill with
mail nobody will send. Each e-mail is claimed by one conditional UPDATE before it is sent,
so two senders never both send it; only a sender that dies between the server's "250 OK" and
its own commit leaves a claim that goes stale and is sent again (at least once, not at most).
A failed e-mail is tried again 1, 5, 30 and 120 minutes after it was written, then left
unsent with its last error; a mail server refusing the address for good ends it at once.
"""

import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update

from wave.extensions import db
from wave.notify import delivery
from wave.notify.models import OutboundEmail
from wave.timeutil import now

MAX_ATTEMPTS = 5
RETRY_AFTER = [timedelta(minutes=m) for m in (0, 1, 5, 30, 120)]
"""How long after it was written an e-mail with that many failed attempts is tried again:
a mail server restarting for a few minutes must not use up all five attempts."""
CLAIM_TIMEOUT = timedelta(minutes=5)
BATCH = 100


def enabled() -> bool:
    """Whether Wave sends e-mail at all (an SMTP host is configured)."""
    return bool(current_app.config.get("WAVE_SMTP_HOST"))


KEEP = timedelta(days=30)
"""How long sent (or given-up) e-mails stay in the outbox, to answer "did they get it?"."""


def prune(moment) -> int:
    """Forget e-mails sent, or given up on, more than KEEP ago. Commits."""
    old = moment - KEEP
    result = db.session.execute(
        delete(OutboundEmail).where(
            or_(
                OutboundEmail.sent_at < old,
                and_(
                    OutboundEmail.sent_at.is_(None),
                    OutboundEmail.attempts >= MAX_ATTEMPTS,
                    OutboundEmail.created_at < old,
                ),
            )
        )
    )
    db.session.commit()
    return result.rowcount


def queue(to: str, subject: str, body: str, request_id: int | None = None):
    """Store an e-mail to be sent after the current transaction commits (not committed).
    Returns the OutboundEmail, or None (nothing stored) when e-mail is off."""
    if not enabled():
        return None
    email = OutboundEmail(
        to_address=to.strip(),
        subject=" ".join(subject.split())[:255],  # one line: a header
        body=body,
        request_id=request_id,
    )
    db.session.add(email)
    delivery.after_commit("mail")
    return email


@delivery.sender("mail")
def send_pending() -> int:
    """Send the e-mails that are due (up to a batch) over one SMTP connection, each claimed
    first so it goes out once however many senders run. Commits after each e-mail.
    Returns how many were sent."""
    if not enabled():
        return 0
    sent = 0
    connection = _Connection(current_app.config)
    try:
        for email_id in _due_ids():
            email = _claim(email_id)
            if email is None:
                continue  # another sender has it
            outcome = _deliver(connection, email)
            if outcome == "stop":
                break  # no server, or it refuses us: the next sweep tries again
            sent += outcome == "sent"
    finally:
        connection.close()
    return sent


# Failures of one e-mail (its address, its content): the connection still serves the others.
_THIS_EMAIL = (
    ValueError,  # a header that cannot be written, no recipient
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPDataError,
    smtplib.SMTPNotSupportedError,  # an internationalised address the server cannot take
)


def _deliver(connection, email: OutboundEmail) -> str:
    """Send one claimed e-mail and record the outcome (commits): "sent", "failed", or "stop"
    when the server cannot be reached or refuses this sender."""
    try:
        message = _message(email, connection.config)
    except ValueError as exc:  # a header that cannot be written (the address)
        _failed(email, exc, permanent=True)
        return "failed"
    try:
        smtp = connection.open()
    except Exception as exc:  # whatever it is, the claim must be released
        _failed(email, exc, permanent=False)
        return "stop"
    try:
        smtp.send_message(message)
    except _THIS_EMAIL as exc:
        _failed(email, exc, permanent=_permanent(exc))
        return "failed"
    except Exception as exc:  # the connection broke: never reuse it
        connection.drop()
        _failed(email, exc, permanent=False)
        return "stop"
    db.session.execute(
        update(OutboundEmail).where(OutboundEmail.id == email.id).values(sent_at=now())
    )
    db.session.commit()
    return "sent"


def _due_ids() -> list[int]:
    moment = now()
    due = or_(
        *(
            and_(OutboundEmail.attempts == n, OutboundEmail.created_at <= moment - delay)
            for n, delay in enumerate(RETRY_AFTER[:MAX_ATTEMPTS])
        )
    )
    ids = db.session.scalars(
        select(OutboundEmail.id)
        .where(OutboundEmail.sent_at.is_(None), _unclaimed(moment), due)
        .order_by(OutboundEmail.id)
        .limit(BATCH)
    ).all()
    db.session.commit()  # end the read: each claim below is its own short transaction
    return list(ids)


def _unclaimed(moment):
    stale = moment - CLAIM_TIMEOUT
    return or_(OutboundEmail.claimed_at.is_(None), OutboundEmail.claimed_at < stale)


def _claim(email_id: int) -> OutboundEmail | None:
    """Take one e-mail for this sender (commits): the UPDATE matches only while it is unsent,
    has attempts left and nobody else holds it, so of two senders exactly one gets rowcount 1.
    """
    moment = now()
    result = db.session.execute(
        update(OutboundEmail)
        .where(
            OutboundEmail.id == email_id,
            OutboundEmail.sent_at.is_(None),
            OutboundEmail.attempts < MAX_ATTEMPTS,
            _unclaimed(moment),
        )
        .values(claimed_at=moment)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.get(OutboundEmail, email_id, populate_existing=True)


def _failed(email: OutboundEmail, exc: Exception, permanent: bool) -> None:
    """Release the claim, count the attempt (all of them when retrying cannot help) and keep
    why (commits)."""
    attempts = MAX_ATTEMPTS if permanent else OutboundEmail.attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:500]
    db.session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == email.id)
        .values(claimed_at=None, attempts=attempts, last_error=error)
        .execution_options(synchronize_session=False)
    )
    current_app.logger.warning("e-mail %s to %s not sent: %s", email.id, email.to_address, error)
    db.session.commit()


def _permanent(exc: Exception) -> bool:
    """Trying again will not help: the server refuses the address or the message for good
    (5xx), or cannot take an internationalised address."""
    if isinstance(exc, ValueError | smtplib.SMTPNotSupportedError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return False


def _message(email: OutboundEmail, config) -> EmailMessage:
    sender = config["WAVE_MAIL_FROM"]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = format_datetime(now())
    # The same id every time this e-mail is tried: a copy sent twice (after a crash) is one
    # message to the reader's mail program.
    created = int(email.created_at.timestamp())
    message["Message-ID"] = f"<wave.{email.id}.{created}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies to a robot
    # Quoted-printable: 7-bit safe on any server, readable where the text is English.
    message.set_content(email.body, charset="utf-8", cte="quoted-printable")
    return message


class _Connection:
    """One SMTP connection for a batch, opened when the first e-mail is ready to go."""

    def __init__(self, config):
        self.config = config
        self.smtp = None

    def open(self) -> smtplib.SMTP:
        if self.smtp is None:
            self.smtp = _connect(self.config)
        return self.smtp

    def drop(self) -> None:
        """Forget a connection that failed mid-conversation: it is never reused."""
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None

    def close(self) -> None:
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()
        self.smtp = None


def _connect(config) -> smtplib.SMTP:
    host, port = config["WAVE_SMTP_HOST"], config["WAVE_SMTP_PORT"]
    timeout = config["WAVE_SMTP_TIMEOUT"]
    if config.get("WAVE_SMTP_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config.get("WAVE_SMTP_STARTTLS") and not config.get("WAVE_SMTP_SSL"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("WAVE_SMTP_USER"):
            smtp.login(config["WAVE_SMTP_USER"], config.get("WAVE_SMTP_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp
