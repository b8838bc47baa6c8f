"""Logging that cannot bracket: the request id on ordinary lines, nothing on quiet ones.

DESIGN.md: "Logs follow the same rules as responses: nothing in them may bracket an
anonymous action or reveal who uses support." So:

* The access log (``haven.access``, written by :class:`haven.core.middleware.RequestMiddleware`)
  records method, route template, status, duration and request id; never a person (user id,
  email, token) and, unless the operator opts in with ``HAVEN_ACCESS_LOG_CLIENT_ADDRESS``,
  never the client's address.
* Requests to **quiet** routes (declared by their domains: anonymous reporting, receipt
  sessions, check-in answers, peer support...; see :class:`haven.core.middleware.QuietRoutes`) are
  marked in the request context. They write no access-log line at all (even without address
  or time, a line's place among timed lines would date the request), and any other line
  logged while serving them (a warning, an error) carries ``[quiet]`` instead of the request
  id and a time truncated to the day. :func:`current_request_id` answers ``None`` inside
  them, so audit rows written there carry no id that a log line or response could share.
* uvicorn's own access log is off (``haven.access`` replaces it) and its error logger is
  never set below DEBUG: at its TRACE level it prints every connection's client address.
"""

from __future__ import annotations

import logging
import sys
import time
from contextvars import ContextVar
from datetime import UTC, datetime

_request_id: ContextVar[str | None] = ContextVar("haven_request_id", default=None)
_quiet: ContextVar[bool] = ContextVar("haven_quiet", default=False)

QUIET_REQUEST_ID = "quiet"


def current_request_id() -> str | None:
    """The id of the request being served; ``None`` inside quiet requests (and outside any
    request), so nothing stored while serving a quiet request can be joined to a log line."""
    if _quiet.get():
        return None
    return _request_id.get()


def bind_request(request_id: str, *, quiet: bool) -> tuple[object, object]:
    return _request_id.set(request_id), _quiet.set(quiet)


def unbind_request(tokens: tuple[object, object]) -> None:
    rid_token, quiet_token = tokens
    _request_id.reset(rid_token)  # type: ignore[arg-type]
    _quiet.reset(quiet_token)  # type: ignore[arg-type]


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _quiet.get():
            record.request_id = QUIET_REQUEST_ID
            day = datetime.fromtimestamp(record.created, UTC).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            record.created = day.timestamp()
            record.msecs = 0.0
        else:
            record.request_id = _request_id.get() or "-"
        return True


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# uvicorn logs each connection with its client address at TRACE (5); DEBUG is as low as its
# loggers may go, whatever HAVEN_LOG_LEVEL says.
_UVICORN_FLOOR = logging.DEBUG
# uvicorn's name for its level 5, known to ``logging`` only once uvicorn has configured itself.
_LEVELS = {"TRACE": 5}


def configure_logging(level: str = "INFO") -> None:
    """Send Haven's and uvicorn's logs through one handler with the request-context filter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestContextFilter())
    formatter = logging.Formatter(LOG_FORMAT, datefmt="%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    name = level.strip().upper()
    numeric = int(name) if name.isdigit() else _LEVELS.get(name, logging.getLevelName(name))
    if not isinstance(numeric, int) or numeric <= 0:
        numeric = logging.INFO
    for name in ("haven", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(numeric if name == "haven" else max(numeric, _UVICORN_FLOOR))
        logger.propagate = False
    # Haven writes its own access log (haven.access), without addresses unless asked to.
    logging.getLogger("uvicorn.access").handlers = []
    logging.getLogger("uvicorn.access").propagate = False
    logging.getLogger("uvicorn.access").disabled = True
