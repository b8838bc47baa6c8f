"""Database engine and the per-request unit of work.

SQLite runs in WAL mode with ``synchronous=FULL`` (an acknowledged write survives a power
cut), foreign keys on, a busy timeout and ``secure_delete`` (deleted content is overwritten
with zeros, not left in free space). A purge also asks for :func:`checkpoint_after_commit`,
so the write-ahead log is copied back and truncated and no earlier page image of a purged
row stays in the ``-wal`` file. PostgreSQL's pool is sized to the worker
threadpool with no overflow: the default 5 + 10 pool starved under concurrent load.

PostgreSQL connections are pinged before use only when they have sat in the pool for
``PING_AFTER_IDLE_SECONDS`` (SQLAlchemy's ``pool_pre_ping`` pings on every checkout: one
more round trip for every request, ~10% of a list request). A connection idle for minutes
(a restarted server, a firewall's idle timeout) is found dead and replaced before a
request uses it, and a failed ping renews the whole pool; one that dies while the pool is
busy fails the request using it, which is answered 503 with Retry-After (see
``core.http``), and SQLAlchemy then renews the pool.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, orm
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from haven.core.settings import Settings, get_settings

log = logging.getLogger("haven.db")

SQLITE_BUSY_TIMEOUT_MS = 15000


def create_db_engine(settings: Settings) -> Engine:
    url = settings.database_url
    kwargs: dict[str, Any] = {"hide_parameters": True}
    if settings.is_sqlite:
        db_path = sa.engine.make_url(url).database
        if db_path and db_path != ":memory:":
            from pathlib import Path

            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {
            "check_same_thread": False,
            "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
        }
        kwargs["pool_size"] = settings.db_pool_size
        kwargs["max_overflow"] = 0
    else:
        kwargs["pool_size"] = settings.db_pool_size
        kwargs["max_overflow"] = 0
        kwargs["pool_timeout"] = 30
    engine = sa.create_engine(url, **kwargs)
    if settings.is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return  # fresh, or back in the pool moments ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi_connection, None):
                raise sa.exc.InvalidatePoolError() from exc  # reconnect, renew the pool
            raise


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


_CHECKPOINT_ASKED = "haven.db.checkpoint_asked"
_CHECKPOINT_LISTENING = "haven.db.checkpoint_listening"


def checkpoint_after_commit(session: orm.Session) -> None:
    """SQLite: once this session's transaction has committed, checkpoint the write-ahead log
    and truncate it (``PRAGMA wal_checkpoint(TRUNCATE)``, which cannot run inside a
    transaction), so no older page image of what was just deleted stays in the ``-wal``
    file. Called by purges (rare: only when something expires); a no-op on PostgreSQL.
    While it waits for readers on an older snapshot, new writers wait too (at most the busy
    timeout). A checkpoint that cannot finish in that time is logged, never raised: the
    data is committed either way."""
    if session.get_bind().dialect.name != "sqlite":
        return
    session.info[_CHECKPOINT_ASKED] = True
    if not session.info.get(_CHECKPOINT_LISTENING):
        session.info[_CHECKPOINT_LISTENING] = True
        event.listen(session, "after_commit", _checkpoint_if_asked)
        event.listen(session, "after_rollback", _forget_checkpoint)


def _checkpoint_if_asked(session: orm.Session) -> None:
    if not session.info.pop(_CHECKPOINT_ASKED, False):
        return
    bind = session.get_bind()
    try:
        checkpoint_wal(bind if isinstance(bind, Engine) else bind.engine)
    except sa.exc.DBAPIError:
        log.exception("the SQLite write-ahead log could not be checkpointed after a purge")


def _forget_checkpoint(session: orm.Session) -> None:
    session.info.pop(_CHECKPOINT_ASKED, None)


def checkpoint_wal(engine: Engine) -> bool:
    """SQLite: ``PRAGMA wal_checkpoint(TRUNCATE)`` on a connection of its own; True when the
    log was fully copied back and truncated. Always True on PostgreSQL (nothing to do)."""
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as conn:
        busy, _log_frames, _copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        conn.commit()
    if busy:
        log.warning("the SQLite write-ahead log was busy, not truncated; the next purge retries")
    return not busy


def dialect_insert(session: Session) -> Callable[..., Any]:
    """The database's own INSERT construct (for ``ON CONFLICT DO UPDATE`` upserts, which
    SQLite and PostgreSQL both have)."""
    name = session.get_bind().dialect.name
    return postgresql.insert if name == "postgresql" else sqlite.insert


@lru_cache
def get_engine() -> Engine:
    return create_db_engine(get_settings())


def new_session(engine: Engine | None = None) -> Session:
    """A session that keeps objects loaded after commit (responses are built from them)."""
    return Session(engine or get_engine(), expire_on_commit=False, autoflush=True)


class UnitOfWork:
    """One transaction per request, opened lazily on first use.

    The route class in :mod:`haven.core.http` commits it once after the endpoint succeeds
    and rolls it back on any error, before the response is sent.
    """

    def __init__(self, engine: Engine | None = None) -> None:
        self._engine = engine
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = new_session(self._engine)
        return self._session

    @property
    def started(self) -> bool:
        return self._session is not None

    def commit(self) -> None:
        if self._session is not None:
            self._session.commit()

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def finish(
        self, *, commit: bool, before_commit: Callable[[Session], None] | None = None
    ) -> None:
        """Commit (running ``before_commit`` first) or roll back, then close; one call, so a
        request pays for one hop to the worker thread pool, not three."""
        if self._session is None:
            return
        try:
            if commit:
                if before_commit is not None:
                    before_commit(self._session)
                self._session.commit()
            else:
                self._session.rollback()
        except BaseException:
            self._session.rollback()
            raise
        finally:
            self.close()


def ping(engine: Engine | None = None) -> None:
    """Raise if the database cannot answer a trivial query."""
    with (engine or get_engine()).connect() as conn:
        conn.execute(sa.text("SELECT 1"))
