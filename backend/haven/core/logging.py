"""Logging with the request id on every line.

Requests to anonymous endpoints (and requests carrying an anonymous report's session) are
marked in the request context: they write no access-log line at all, and any other line
logged while serving them (a warning, an error) carries ``request_id=anonymous``, no client
address and a time truncated to the day, so no log line can be joined to a person by
address, by time or by id.
"""

from __future__ import annotations

import logging
import sys
import time
from contextvars import ContextVar
from datetime import UTC, datetime

_request_id: ContextVar[str | None] = ContextVar("haven_request_id", default=None)
_anonymous: ContextVar[bool] = ContextVar("haven_anonymous", default=False)

ANONYMOUS_REQUEST_ID = "anonymous"


def current_request_id() -> str | None:
    """The id of the request being served; ``None`` inside anonymous requests."""
    if _anonymous.get():
        return None
    return _request_id.get()


def is_anonymous_request() -> bool:
    return _anonymous.get()


def bind_request(request_id: str, *, anonymous: bool) -> tuple[object, object]:
    return _request_id.set(request_id), _anonymous.set(anonymous)


def unbind_request(tokens: tuple[object, object]) -> None:
    rid_token, anon_token = tokens
    _request_id.reset(rid_token)  # type: ignore[arg-type]
    _anonymous.reset(anon_token)  # type: ignore[arg-type]


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _anonymous.get():
            record.request_id = ANONYMOUS_REQUEST_ID
            day = datetime.fromtimestamp(record.created, UTC).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            record.created = day.timestamp()
            record.msecs = 0.0
        else:
            record.request_id = _request_id.get() or "-"
        return True


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure_logging(level: str = "INFO") -> None:
    """Send Haven's and uvicorn's logs through one handler with the request-id filter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestContextFilter())
    formatter = logging.Formatter(LOG_FORMAT, datefmt="%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    for name in ("haven", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level)
        logger.propagate = False
    # Haven writes its own access log (haven.access) that leaves addresses out where it must.
    logging.getLogger("uvicorn.access").handlers = []
    logging.getLogger("uvicorn.access").propagate = False
    logging.getLogger("uvicorn.access").disabled = True
