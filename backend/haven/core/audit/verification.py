"""Verification: the chain checked link by link with the key, and against every anchor.

**Verification** (:func:`verify_audit_log`: ``haven audit verify``, GET /api/v1/audit/verify)
checks every link with the key, the head, and every anchor line: its signature, that the chain
still reaches its sequence number (else rows were removed from the end, or the log was wiped
and restarted), that the row there carries its MAC (else the chain was rewritten, even by
someone holding the key), and that every anchor the chain records for this writer (and for
every writer the file names) has its line (else the file was cut, replaced or removed). The
verifier takes a shared lock on the anchor file while it reads it and the head, so an anchor
being written is seen whole or not at all.

**What it does not protect against.** Someone holding the key and the database can rewrite
everything after the last anchor; someone who can also rewrite the anchor file (and holds
the signing key, or removes lines and rows together) can roll both back to an earlier
anchor. The syslog copy on another host, or an append-only file (``chattr +a``), is what
protects the anchors themselves. Verification checks the anchor file it is given, not syslog:
lines collected from syslog are checked with ``haven audit verify --anchor-file``.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import Session, col, select

from haven.core.audit.anchor_lines import (
    ANCHOR_ACTION,
    ANCHOR_OBJECT_TYPE,
    Anchor,
    BadAnchorLine,
    parse_anchor,
    parse_syslog_line,
)
from haven.core.audit.anchoring import _anchor_lock
from haven.core.audit.chain import (
    _READ_HEAD,
    _ROWS_BEYOND_HEAD,
    GENESIS_HASH,
    _link_hash,
    _row_content,
)
from haven.core.models import AuditEvent
from haven.core.settings import Settings, get_settings


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str | None


@dataclass(frozen=True)
class _AnchorRow:
    """A row ``audit.anchored``: the chain's own record that a writer anchored it there."""

    seq: int
    name: str
    occurred_at: datetime


@dataclass(frozen=True)
class _Walk:
    report: ChainReport
    macs: dict[int, str]  # the MACs of verified rows that anchors name
    anchor_rows: list[_AnchorRow]  # in the verified part of the chain


def _rows(session: Session, *, up_to: int, batch: int = 1000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.seq) > last, col(AuditEvent.seq) <= up_to)
            .order_by(col(AuditEvent.seq))
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def _anchor_row(row: AuditEvent) -> _AnchorRow | None:
    if row.action != ANCHOR_ACTION or row.object_type != ANCHOR_OBJECT_TYPE:
        return None
    name = (row.detail or {}).get("name")
    return _AnchorRow(row.seq, name, row.occurred_at) if isinstance(name, str) else None


def _walk(session: Session, key: bytes, head: tuple[int, str] | None, wanted: set[int]) -> _Walk:
    """Check every link up to the head read before (rows a concurrent append adds later
    belong to a later head), collecting what the anchors need."""
    macs: dict[int, str] = {}
    anchor_rows: list[_AnchorRow] = []

    def done(ok: bool, checked: int, broken: int | None, reason: str | None) -> _Walk:
        return _Walk(ChainReport(ok, checked, broken, reason), macs, anchor_rows)

    if head is None:
        return done(False, 0, None, "the chain head is missing")
    head_seq, head_hash = head
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for row in _rows(session, up_to=head_seq):
        if row.seq != expected_seq:
            return done(False, checked, expected_seq, f"row {expected_seq} is missing")
        if row.prev_hash != expected_prev:
            return done(False, checked, row.seq, "the link to the previous row is broken")
        if not hmac.compare_digest(_link_hash(row.prev_hash, _row_content(row), key), row.hash):
            return done(
                False,
                checked,
                row.seq,
                "the row's content does not match its keyed hash (edited, or written "
                "without the audit key)",
            )
        if row.seq in wanted:
            macs[row.seq] = row.hash
        marker = _anchor_row(row)
        if marker is not None:
            anchor_rows.append(marker)
        expected_prev = row.hash
        expected_seq += 1
        checked += 1
    if head_seq != checked or head_hash != expected_prev:
        return done(False, checked, checked + 1, "rows at the end of the chain are missing")
    beyond = session.execute(_ROWS_BEYOND_HEAD).scalar_one()
    if beyond:
        return done(
            False,
            checked,
            checked + 1,
            f"{beyond} row(s) lie beyond the chain's head (added without extending the chain)",
        )
    return done(True, checked, None, None)


def _read_head(session: Session) -> tuple[int, str] | None:
    head = session.execute(_READ_HEAD).one_or_none()
    return (head.last_seq, head.last_hash) if head is not None else None


def verify_chain(session: Session) -> ChainReport:
    """Every link checked with the audit key, and the head; no anchors (see
    :func:`verify_audit_log`)."""
    return _walk(session, get_settings().audit_key(), _read_head(session), set()).report


@dataclass(frozen=True)
class AnchorReport:
    ok: bool
    checked: int  # anchor lines compared with the chain
    last_seq: int | None
    last_at: datetime | None
    unanchored_rows: int  # rows after the last anchor: what no anchor protects yet
    first_broken_seq: int | None
    reason: str | None


@dataclass(frozen=True)
class AuditReport:
    chain: ChainReport
    anchors: AnchorReport

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.anchors.ok

    @property
    def reason(self) -> str | None:
        return self.chain.reason or self.anchors.reason

    @property
    def first_broken_seq(self) -> int | None:
        if self.chain.first_broken_seq is not None:
            return self.chain.first_broken_seq
        return self.anchors.first_broken_seq


@dataclass
class _Loaded:
    anchors: list[Anchor]
    problem: str | None = None
    missing: bool = False


def _load_anchors(paths: Sequence[Path], public_key: Ed25519PublicKey | None) -> _Loaded:
    loaded = _Loaded(anchors=[])
    if public_key is None:
        loaded.problem = (
            "no anchor key is configured (HAVEN_AUDIT_ANCHOR_PUBLIC_KEY), so no anchor can be "
            "checked"
        )
        return loaded
    found = 0
    for path in paths:
        label = f" of {path.name}" if len(paths) > 1 else ""
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            continue
        found += 1
        with handle:
            for number, raw in enumerate(handle, start=1):
                text = raw.decode("utf-8", "replace").strip()
                if not text:
                    continue
                text = parse_syslog_line(text) or text  # a line collected from syslog
                try:
                    loaded.anchors.append(parse_anchor(text, public_key))
                except BadAnchorLine as exc:
                    loaded.problem = loaded.problem or f"anchor line {number}{label} {exc}"
    loaded.missing = found == 0
    return loaded


def _when(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def _check_anchors(walk: _Walk, loaded: _Loaded, own_name: str) -> AnchorReport:
    problems: list[tuple[str, int | None]] = []
    if loaded.problem:
        problems.append((loaded.problem, None))
    verified = walk.report.checked
    checked = 0
    last_match = 0
    for anchor in sorted(loaded.anchors, key=lambda a: a.seq):
        if anchor.seq > verified:
            if walk.report.ok:
                problems.append(
                    (
                        f"the anchor of {_when(anchor.at)} says the chain reached row "
                        f"{anchor.seq}, but it ends at row {verified}: rows were removed from "
                        "its end, or it was wiped and started again",
                        verified + 1,
                    )
                )
            continue  # else the chain's own break is the reason
        checked += 1
        if hmac.compare_digest(walk.macs.get(anchor.seq, ""), anchor.mac):
            last_match = max(last_match, anchor.seq)
        else:
            problems.append(
                (
                    f"row {anchor.seq} does not match the anchor of {_when(anchor.at)}: the "
                    f"chain was rewritten between row {last_match + 1} and row {anchor.seq}",
                    last_match + 1,
                )
            )
    held = {(a.name, a.seq) for a in loaded.anchors}
    names = {own_name} | {a.name for a in loaded.anchors}
    lost = [r for r in walk.anchor_rows if r.name in names and (r.name, r.seq) not in held]
    if lost:
        first = lost[0]
        where = f"the first at row {first.seq} by {first.name} ({_when(first.occurred_at)})"
        if loaded.missing:
            reason = (
                f"the anchor file is missing, yet the chain records {len(lost)} anchor(s), {where}"
            )
        else:
            reason = (
                f"the anchor file lacks {len(lost)} anchor(s) the chain records, {where}: "
                "lines were removed or the file was replaced"
            )
        problems.append((reason, None))
    last = max(loaded.anchors, key=lambda a: (a.seq, a.at), default=None)
    covered = min(last.seq, verified) if last is not None else 0
    return AnchorReport(
        ok=not problems,
        checked=checked,
        last_seq=last.seq if last is not None else None,
        last_at=last.at if last is not None else None,
        unanchored_rows=max(verified - covered, 0),
        first_broken_seq=problems[0][1] if problems else None,
        reason=problems[0][0] if problems else None,
    )


def verify_audit_log(
    session: Session,
    *,
    settings: Settings | None = None,
    anchor_files: Sequence[Path] | None = None,
    public_key: Ed25519PublicKey | None = None,
) -> AuditReport:
    """The chain checked with the key, and against every anchor. ``anchor_files`` replaces
    the configured file (e.g. lines collected from syslog); ``public_key`` the configured
    key."""
    settings = settings or get_settings()
    key = settings.audit_key()
    public_key = public_key or settings.audit_anchor_public_key()
    configured = settings.audit.anchor_file
    assert configured is not None  # filled in by Settings
    if anchor_files is None:
        # Shared with the writer: the file and the head are read at one moment, so an anchor
        # being written (its row committed, its line not yet) is not mistaken for a lost one.
        with _anchor_lock(configured, exclusive=False):
            loaded = _load_anchors([configured], public_key)
            head = _read_head(session)
    else:
        loaded = _load_anchors(list(anchor_files), public_key)
        head = _read_head(session)
    walk = _walk(session, key, head, {a.seq for a in loaded.anchors})
    return AuditReport(walk.report, _check_anchors(walk, loaded, settings.audit.anchor_name))
