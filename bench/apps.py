"""The two anchors the benchmark measures Haven against, served by the same Python.

* ``echo``: a bare FastAPI endpoint that validates the report body and echoes it: the
  framework's ceiling.
* ``naive``: a minimal FastAPI + SQLModel endpoint that inserts the same row into the same
  table with the same database settings and no auth, in the usual tutorial pattern
  (add, commit, refresh, return the row): the naive insert.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlmodel import Session

from haven.core import clock
from haven.core.db import create_db_engine
from haven.core.settings import get_settings
from haven.main import TELEMETRY_OFF
from haven.reports.models import Report
from haven.reports.schemas import ReportCreate


def echo_app() -> FastAPI:
    app = FastAPI(telemetry=TELEMETRY_OFF)

    @app.post("/echo/reports", status_code=201)
    async def echo(data: ReportCreate) -> ReportCreate:
        return data

    return app


def naive_app() -> FastAPI:
    engine = create_db_engine(get_settings())
    app = FastAPI(telemetry=TELEMETRY_OFF)

    @app.post("/naive/reports", status_code=201)
    def insert(data: ReportCreate) -> dict[str, Any]:
        with Session(engine) as session:
            row = Report.model_validate(
                data.model_dump(mode="json"),
                update={"submitted_on": clock.today(), "status": "submitted", "source": "web"},
            )
            session.add(row)
            session.commit()
            session.refresh(row)
            return row.model_dump(mode="json")

    return app
