"""Idempotency-Key support for POSTs that create things: the header is read here and only here.

A retried POST with the same key and the same body (from the same caller) gets the stored
first response; the same key with another body gets 422. The first response is stored in
the request's own transaction (see :class:`haven.core.route.HavenRoute`), so a stored
response exists exactly when its change was committed. Keys live for 24 hours.

:data:`IdempotencyKey` declares the header and :func:`begin` starts the check for a caller;
the dependency routes add (``Idempotent``, :mod:`haven.auth.deps`) knows who the caller is.

The request is remembered by an HMAC of its method, path and body under a key derived from
the secret key, not by a plain hash: a body can hold short confidential text (a phone
number in a support request), and a plain SHA-256 of it, left in the database files or a
backup, would let anyone confirm a guess of that text offline.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import sqlalchemy as sa
from fastapi import Header, Request, Response
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from haven.core import clock
from haven.core.context import ReplayResponse, RequestContext
from haven.core.errors import BadRequest, Conflict, Unprocessable, field_error
from haven.core.models import IdempotencyRecord
from haven.core.settings import get_settings

KEY_LIFETIME = timedelta(hours=24)
_table = IdempotencyRecord.__table__  # type: ignore[attr-defined]
_INSERT = sa.insert(_table)
_LOOKUP = sa.select(
    _table.c.id,
    _table.c.created_at,
    _table.c.request_hash,
    _table.c.status_code,
    _table.c.response_body,
    _table.c.response_headers,
).where(_table.c.principal_key == sa.bindparam("p"), _table.c.key == sa.bindparam("k"))
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
_REPLAYED_HEADERS = ("content-type", "etag", "location")
# Fields shown once (an API key's secret, a generated password, a receipt). A stored replay
# must not keep them in clear for a day: they are dropped, and a retry of such a create is
# told it already happened instead of being shown the secret again.
ONE_TIME_SECRET_FIELDS = ("secret", "initial_password", "receipt")
_REDACTED_MARK = "x-haven-secret-withheld"


def _without_secrets(body: bytes) -> tuple[str, bool]:
    text = bytes(body).decode()
    try:
        data = json.loads(text)
    except ValueError:
        return text, False
    if not isinstance(data, dict):
        return text, False
    present = [f for f in ONE_TIME_SECRET_FIELDS if data.get(f) is not None]
    if not present:
        return text, False
    for name in present:
        data[name] = None
    return json.dumps(data), True


@dataclass(frozen=True)
class PendingKey:
    principal_key: str
    key: str
    method: str
    path: str
    request_hash: str

    def store(self, session: Session, response: Response) -> None:
        headers = {k: v for k, v in response.headers.items() if k.lower() in _REPLAYED_HEADERS}
        body, withheld = _without_secrets(bytes(response.body))
        if withheld:
            headers[_REDACTED_MARK] = "1"
        session.connection().execute(
            _INSERT,
            {
                "id": uuid.uuid4(),
                "principal_key": self.principal_key,
                "key": self.key,
                "method": self.method,
                "path": self.path,
                "request_hash": self.request_hash,
                "status_code": response.status_code,
                "response_body": body,
                "response_headers": json.dumps(headers),
                "created_at": clock.now(),
            },
        )

    def raced(self, exc: Exception) -> Conflict | None:
        """The answer when the commit failed because another request with this key was
        stored first (the key's unique constraint refused this one)."""
        if not isinstance(exc, IntegrityError):
            return None
        return Conflict(
            "Another request with this Idempotency-Key was processed at the "
            "same time. Retry to receive its result."
        )


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Retry-safe creation: a repeat with the same key and body "
        "returns the first result.",
    ),
]


async def begin(request: Request, *, principal_key: str, key: str) -> None:
    """Check the request's Idempotency-Key for the caller ``principal_key``: replay the stored
    response (raises :class:`~haven.core.context.ReplayResponse`), refuse a reused key, or
    mark the response to be stored. A route that runs its endpoint in one hop to the worker
    threads runs the look-up in that hop (see :class:`haven.core.route.HavenRoute`); any
    other route runs it now."""
    context = RequestContext.of(request)
    check = functools.partial(
        check_key,
        request=request,
        principal_key=principal_key,
        key=key,
        body=await request.body(),
    )
    if context.one_hop:
        context.idempotency_check = check
    else:
        await run_in_threadpool(check, context.unit.session)


def _request_hash_key() -> bytes:
    return hashlib.sha256(
        b"haven.idempotency.request|" + get_settings().signing_key().encode()
    ).digest()


def purge_expired(session: Session) -> int:
    """Delete stored responses past their lifetime (they can hold what a create returned)."""
    result = session.execute(
        sa.delete(_table).where(_table.c.created_at < clock.now() - KEY_LIFETIME)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def check_key(
    session: Session, *, request: Request, principal_key: str, key: str, body: bytes
) -> None:
    """Replay a stored response, refuse a reused key, or mark the request to be remembered."""
    if not _KEY_PATTERN.match(key):
        raise BadRequest(
            "Idempotency-Key must be 1 to 255 printable ASCII characters.",
            errors=[
                field_error("Idempotency-Key", "1 to 255 printable ASCII characters.", "header")
            ],
        )
    digest = hmac.new(
        _request_hash_key(),
        request.method.encode() + b" " + request.url.path.encode() + b"\n" + body,
        hashlib.sha256,
    ).hexdigest()
    record = session.connection().execute(_LOOKUP, {"p": principal_key, "k": key}).first()
    if record is not None and record.created_at < clock.now() - KEY_LIFETIME:
        session.execute(sa.delete(_table).where(_table.c.id == record.id))
        record = None
    if record is not None:
        if record.request_hash != digest:
            raise Unprocessable(
                "This Idempotency-Key was already used with a different request.",
                errors=[
                    field_error("Idempotency-Key", "Already used with another request.", "header")
                ],
            )
        headers = json.loads(record.response_headers)
        if headers.pop(_REDACTED_MARK, None):
            location = {"Location": headers["location"]} if "location" in headers else {}
            raise Conflict(
                "This request was already completed. Its one-time secret was shown in the "
                "first response only and cannot be shown again.",
                headers=location,
            )
        headers["Idempotent-Replayed"] = "true"
        raise ReplayResponse(
            Response(
                content=record.response_body,
                status_code=record.status_code,
                headers=headers,
            )
        )
    RequestContext.of(request).idempotency = PendingKey(
        principal_key=principal_key,
        key=key,
        method=request.method,
        path=request.url.path,
        request_hash=digest,
    )
