"""Alembic environment: one chain for SQLite and PostgreSQL.

The URL comes from the Alembic config when a caller set one (tests, ``haven db upgrade``),
otherwise from Haven's settings (``HAVEN_DATABASE_URL``). SQLite uses batch mode so that
ALTERs work there too.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from alembic.util.exc import CommandError
from sqlalchemy import Connection
from sqlmodel.sql.sqltypes import AutoString

from haven.core.db import create_db_engine
from haven.core.settings import get_settings
from haven.core.types import UTCDateTime
from haven.models import metadata

config = context.config


def _url() -> str:
    try:
        url = config.get_main_option("sqlalchemy.url")
    except CommandError:  # run by the `alembic` CLI from pyproject.toml, without an ini file
        url = None
    return url or get_settings().database_url


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Render portable SQLAlchemy types, so migrations do not depend on SQLModel's internals."""
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    if type_ == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("import haven.core.types")
        return "haven.core.types.UTCDateTime()"
    return False


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    dialect = connection.dialect.name if connection is not None else (url or "").split(":")[0]
    context.configure(
        connection=connection,
        url=url,
        target_metadata=metadata,
        render_as_batch=dialect.startswith("sqlite"),
        compare_type=True,
        render_item=_render_item,
        literal_binds=connection is None,
    )


def run_offline() -> None:
    _configure(url=_url())
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    settings = get_settings().model_copy(update={"database_url": _url()})
    engine = create_db_engine(settings)
    try:
        with engine.connect() as conn:
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
