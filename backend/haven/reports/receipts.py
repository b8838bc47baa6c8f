"""Receipts of anonymous reports: the code shown once, how it is stored (a 4-character
locator plus an argon2id hash, never in clear), the failed look-ups counted per locator, and
the exchange of a receipt for a short session on its one report.

Nothing here learns who is calling: per-client limits are counted in the router, by a key
that forgets the address (haven.core.limits).
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Sequence
from datetime import timedelta

from sqlmodel import Session, col, select

from haven.core.errors import Unauthorized
from haven.core.security import (
    SessionKind,
    burn_password_check,
    declare_session_kind,
    encode_token,
    hash_password,
    verify_password,
)
from haven.core.settings import get_settings
from haven.reports.models import Report
from haven.reports.schemas import ReportMode, ReportSession

RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
RECEIPT_CHARS = 20  # 100 bits; the 4-character locator is stored, the other 80 bits only hashed
LOCATOR_CHARS = 4
# An anonymous report's follow-up session: scoped to one report, carries no identity; the
# audit log names its holder "anonymous_reporter", never with an id.
REPORT_SESSION = declare_session_kind(
    SessionKind(
        kind="report_session", audience="haven-report-session", audit_actor="anonymous_reporter"
    )
)
_CROCKFORD_FIXES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_receipt() -> tuple[str, str]:
    """A fresh receipt: the raw characters and the grouped form shown to the reporter."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_CHARS))
    shown = "-".join(raw[i : i + 4] for i in range(0, RECEIPT_CHARS, 4))
    return raw, shown


def stored_receipt(raw: str) -> dict[str, str]:
    """The report's columns that keep a receipt: its locator, and the rest only hashed."""
    return {"receipt_locator": raw[:LOCATOR_CHARS], "receipt_hash": hash_password(raw)}


def normalise_receipt(receipt: str) -> str | None:
    raw = re.sub(r"[\s-]", "", receipt.upper()).translate(_CROCKFORD_FIXES)
    if len(raw) != RECEIPT_CHARS or any(c not in RECEIPT_ALPHABET for c in raw):
        return None
    return raw


class _ReceiptThrottle:
    """Failed receipt look-ups per locator (the report being guessed), in memory only, over
    the last minute. It never refuses anyone by itself: the right receipt always opens its
    report, so knowing (or guessing) a reporter's locator and failing on it cannot lock the
    reporter out. What it does: once a locator is *hot* (``receipt_failures_per_minute``
    failures), each further failure there is flagged on the error, and the router's
    per-client limit then makes that client wait a whole window (haven.core.limits). A
    distributed guesser gets one try per address per window on a hot locator; guessing the
    80 unstored bits stays hopeless either way.

    There is no process-wide bucket: it let one client's bad receipts make every reporter's
    follow-up answer 429. Per-client counting (by a key that forgets the address) is done in
    the router: the service never learns who is calling."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_locator: dict[str, deque[float]] = {}

    def fail(self, locator: str, limit: int) -> bool:
        """Count a failure on ``locator``; whether the locator was already hot."""
        now = time.monotonic()
        with self._lock:
            stamps = self._by_locator.get(locator)
            if stamps is None:
                if len(self._by_locator) >= 50_000:
                    self._by_locator = {
                        k: v for k, v in self._by_locator.items() if v and v[-1] > now - 60
                    }
                if len(self._by_locator) >= 50_000:  # bounded memory over hot-locator memory
                    self._by_locator.clear()
                stamps = self._by_locator[locator] = deque(maxlen=256)
            while stamps and stamps[0] <= now - 60:
                stamps.popleft()
            hot = len(stamps) >= limit
            stamps.append(now)
            return hot

    def reset(self) -> None:
        with self._lock:
            self._by_locator.clear()


receipt_throttle = _ReceiptThrottle()


class ReceiptNotRecognised(Unauthorized):
    """The uniform refusal of a receipt. ``on_hot_locator``: the receipt's locator has been
    failing often (the refusal's body and headers are the same either way)."""

    def __init__(self, *, on_hot_locator: bool = False) -> None:
        super().__init__("That receipt does not match a report.", title="Receipt not recognised")
        self.on_hot_locator = on_hot_locator


def open_report_session(session: Session, *, receipt: str) -> ReportSession:
    """Exchange a receipt for a short session on that one report (uniform 401 otherwise)."""
    settings = get_settings().reports
    raw = normalise_receipt(receipt)
    match: Report | None = None
    candidates: Sequence[Report] = []
    if raw is not None:
        candidates = session.exec(
            select(Report).where(
                col(Report.receipt_locator) == raw[:LOCATOR_CHARS],
                col(Report.mode) == ReportMode.anonymous.value,
            )
        ).all()
    for candidate in candidates:
        if candidate.receipt_hash and verify_password(candidate.receipt_hash, raw or ""):
            match = candidate
    if not candidates:
        # The same slow hash either way: timing says nothing about which part was wrong.
        burn_password_check(raw or receipt)
    if match is None:
        hot = raw is not None and receipt_throttle.fail(
            raw[:LOCATOR_CHARS], settings.receipt_failures_per_minute
        )
        raise ReceiptNotRecognised(on_hot_locator=hot)
    lifetime = timedelta(minutes=settings.session_minutes)
    token = encode_token(
        subject=str(match.id),
        audience=REPORT_SESSION.audience,
        token_type=REPORT_SESSION.kind,
        lifetime=lifetime,
    )
    return ReportSession(
        access_token=token, expires_in=int(lifetime.total_seconds()), report_id=match.id
    )
