"""The audit log: append-only, chained under a key, and anchored outside the database.

Services call :func:`record_event` for every read of an identified confidential record and
every change of one. Rows name the actor and the object, never content.

The log is kept one concern a module; each name here leads to its home, and each module's
docstring holds the design of its part:

    chain          the keyed chain: every row's link under ``HAVEN_AUDIT_KEY``, the head and
                   its write lock, :func:`record_event`, :func:`list_events`, and the rows
                   written before the key (migration 0010)
    anchor_lines   an anchor line: its fields, its Ed25519 signature and key id, and the
                   same line as a syslog message
    anchoring      writing anchors: the chain's head written outside the database (the
                   anchor file under its lock, syslog), :func:`write_anchor` and the periodic
                   :func:`anchor_if_due`
    verification   :func:`verify_chain` and :func:`verify_audit_log`: every link, the head and
                   every anchor; and what none of it protects against
"""

from __future__ import annotations

from haven.core.audit.anchor_lines import ANCHOR_ACTION as ANCHOR_ACTION
from haven.core.audit.anchor_lines import ANCHOR_FORMAT as ANCHOR_FORMAT
from haven.core.audit.anchor_lines import ANCHOR_OBJECT_TYPE as ANCHOR_OBJECT_TYPE
from haven.core.audit.anchor_lines import Anchor as Anchor
from haven.core.audit.anchor_lines import BadAnchorLine as BadAnchorLine
from haven.core.audit.anchor_lines import anchor_key_id as anchor_key_id
from haven.core.audit.anchor_lines import anchor_object_id as anchor_object_id
from haven.core.audit.anchor_lines import encode_key as encode_key
from haven.core.audit.anchor_lines import make_anchor as make_anchor
from haven.core.audit.anchor_lines import parse_anchor as parse_anchor
from haven.core.audit.anchor_lines import parse_syslog_line as parse_syslog_line
from haven.core.audit.anchor_lines import send_to_syslog as send_to_syslog
from haven.core.audit.anchoring import AnchorOutcome as AnchorOutcome
from haven.core.audit.anchoring import AnchorRefused as AnchorRefused
from haven.core.audit.anchoring import anchor_if_due as anchor_if_due
from haven.core.audit.anchoring import write_anchor as write_anchor
from haven.core.audit.chain import GENESIS_HASH as GENESIS_HASH
from haven.core.audit.chain import HEAD_ID as HEAD_ID
from haven.core.audit.chain import RecordedEvent as RecordedEvent
from haven.core.audit.chain import list_events as list_events
from haven.core.audit.chain import record_event as record_event
from haven.core.audit.chain import row_hash as row_hash
from haven.core.audit.verification import AnchorReport as AnchorReport
from haven.core.audit.verification import AuditReport as AuditReport
from haven.core.audit.verification import ChainReport as ChainReport
from haven.core.audit.verification import verify_audit_log as verify_audit_log
from haven.core.audit.verification import verify_chain as verify_chain
from haven.core.models import AuditEvent as AuditEvent
