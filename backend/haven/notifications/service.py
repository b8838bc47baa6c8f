"""Notification rules: write to inboxes, queue emails, deliver them after the request."""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Iterable
from datetime import timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from haven.auth import service as auth_service
from haven.core import clock
from haven.core.db import new_session
from haven.core.errors import NotFound
from haven.core.pagination import PageParams, paginate
from haven.core.security import Principal
from haven.core.settings import SmtpSettings, get_settings
from haven.notifications.models import EmailOutbox, Notification
from haven.notifications.schemas import NotificationRead, UnreadCount

log = logging.getLogger("haven.notifications")

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8


def notify(
    session: Session,
    *,
    user_ids: Iterable[uuid.UUID],
    kind: str,
    title: str,
    link: str | None = None,
    email: bool = True,
) -> None:
    """Tell people something happened. ``title`` must carry no confidential content."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return
    now = clock.now()
    for user_id in ids:
        session.add(
            Notification(user_id=user_id, kind=kind, title=title, link=link, created_at=now)
        )
    settings = get_settings()
    if not (email and settings.smtp.enabled):
        return
    for person in auth_service.users_by_id(session, ids).values():
        if not person.is_active:
            continue
        url = f"{settings.public_url.rstrip('/')}{link or '/'}"
        session.add(
            EmailOutbox(
                to_address=person.email,
                subject=f"Haven: {title}",
                body=f"{title}\n\nSign in to Haven to see it: {url}\n",
                created_at=now,
                next_attempt_at=now,
            )
        )


def queue_email(
    session: Session, *, to_address: str, subject: str, body: str, secret: bool = False
) -> bool:
    """Queue an email to an address that is not a person's account (e.g. an emergency
    pathway's mailbox), delivered like the others. False when email is not configured.
    ``secret``: the body holds a secret (a password reset link) and is emptied once sent."""
    if not get_settings().smtp.enabled:
        return False
    now = clock.now()
    session.add(
        EmailOutbox(
            to_address=to_address,
            subject=subject[:200],
            body=body,
            created_at=now,
            next_attempt_at=now,
            is_secret=secret,
        )
    )
    return True


def _read(row: Notification) -> NotificationRead:
    return NotificationRead.model_validate(row)


def list_notifications(
    session: Session, principal: Principal, *, params: PageParams, unread_only: bool = False
) -> tuple[list[NotificationRead], str | None]:
    stmt = select(Notification).where(col(Notification.user_id) == principal.id)
    if unread_only:
        stmt = stmt.where(col(Notification.read_at).is_(None))
    rows, cursor = paginate(
        session,
        stmt,
        keys=[col(Notification.created_at), col(Notification.id)],
        params=params,
        descending=True,
    )
    return [_read(r) for r in rows], cursor


def unread_count(session: Session, principal: Principal) -> UnreadCount:
    count = session.exec(
        select(sa.func.count())
        .select_from(Notification)
        .where(col(Notification.user_id) == principal.id, col(Notification.read_at).is_(None))
    ).one()
    return UnreadCount(unread=int(count))


def mark_read(
    session: Session, principal: Principal, *, notification_id: uuid.UUID
) -> NotificationRead:
    row = session.get(Notification, notification_id)
    if row is None or row.user_id != principal.id:
        raise NotFound("No such notification.")
    if row.read_at is None:
        row.read_at = clock.now()
        session.add(row)
    return _read(row)


def mark_all_read(session: Session, principal: Principal) -> None:
    session.execute(
        sa.update(Notification)
        .where(col(Notification.user_id) == principal.id, col(Notification.read_at).is_(None))
        .values(read_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def _send(smtp: SmtpSettings, message: EmailMessage) -> None:
    assert smtp.host is not None
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds) as client:
        if smtp.starttls:
            client.starttls()
        if smtp.username and smtp.password is not None:
            client.login(smtp.username, smtp.password.get_secret_value())
        client.send_message(message)


def deliver_pending_emails(engine: Engine, *, limit: int = 50) -> int:
    """Send queued emails; safe to run in several processes at once. Returns how many went."""
    smtp = get_settings().smtp
    if not smtp.enabled:
        return 0
    now = clock.now()
    with new_session(engine) as session:
        # Lease the rows (claimed with SKIP LOCKED on PostgreSQL) so no other deliverer takes
        # them, then send outside any transaction.
        rows = session.exec(
            select(EmailOutbox)
            .where(col(EmailOutbox.sent_at).is_(None), col(EmailOutbox.next_attempt_at) <= now)
            .order_by(col(EmailOutbox.created_at))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        claimed = []
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = now + LEASE
            session.add(row)
            claimed.append((row.id, row.to_address, row.subject, row.body, row.attempts))
        session.commit()
    sent = 0
    for row_id, to_address, subject, body, attempts in claimed:
        message = EmailMessage()
        message["From"] = smtp.sender
        message["To"] = to_address
        message["Subject"] = subject
        message.set_content(body)
        error = None
        try:
            _send(smtp, message)
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("email delivery failed (attempt %s): %s", attempts, type(exc).__name__)
        with new_session(engine) as session:
            pending = session.get(EmailOutbox, row_id)
            if pending is None:
                continue
            if error is None:
                pending.sent_at = clock.now()
                if pending.is_secret:
                    pending.body = ""
                sent += 1
            else:
                pending.last_error = error
                backoff = timedelta(minutes=2 ** min(attempts, MAX_ATTEMPTS))
                pending.next_attempt_at = clock.now() + backoff
            session.add(pending)
            session.commit()
    return sent
