"""How support records enter the audit log (see the package docstring, "Audit pseudonyms").

Every read or change of a support record by a supporter or the coordinator writes an audit
row naming that actor and the record's pseudonym (:func:`notes.audit_ref`), never its id; the
requester's own actions are recorded as ``support_requester``, without their identity.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session

from haven.core import audit
from haven.core.security import Principal
from haven.support import notes
from haven.support.models import SupportRequest
from haven.support.schemas import RequestView


@dataclass(frozen=True)
class _UnnamedRequester(Principal):
    """How the audit log records a requester's (or referrer's) own actions: not by name."""

    def audit_identity(self) -> tuple[str, uuid.UUID | None]:
        return "support_requester", None


REQUESTER = _UnnamedRequester(kind="user", id=uuid.UUID(int=0))


def audit_record(
    session: Session, actor: Principal | None, action: str, record_id: uuid.UUID, kind: str
) -> None:
    audit.record_event(
        session, actor, action=action, object_type=kind, object_id=notes.audit_ref(record_id)
    )


def audit_request(
    session: Session, actor: Principal | None, action: str, request: SupportRequest
) -> None:
    audit_record(session, actor, action, request.id, "support_request")


def audit_access(
    session: Session, principal: Principal, view: RequestView, action: str, request: SupportRequest
) -> None:
    """Supporters and coordinators are audited by name; the requester is not named."""
    actor = REQUESTER if view is RequestView.requester else principal
    audit_request(session, actor, action, request)
