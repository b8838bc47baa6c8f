"""Periodic work: ``run_due_jobs`` runs every due job once; ``haven serve`` runs it in a
background thread every ``HAVEN_JOBS_INTERVAL_SECONDS`` and ``haven jobs run-once`` by hand.

Every job runs in its own transaction, so one failing job neither undoes nor blocks the
others. Any number of processes may run the jobs at once: on PostgreSQL each job claims its
rows with ``FOR UPDATE SKIP LOCKED`` (two runners never take the same row); on SQLite each
job takes the database's write lock before it reads, so runners go one after the other.
The audit chain is anchored outside the database after the other jobs, when
``HAVEN_AUDIT_ANCHOR_INTERVAL_SECONDS`` has passed and it changed (see haven.core.audit).
Emails are sent last, outside any transaction.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import Engine

from haven.auth import service as auth_service
from haven.checkins import service as checkins_service
from haven.core import audit, idempotency
from haven.core.db import new_session
from haven.insights import service as insights_service
from haven.notifications import service as notifications_service
from haven.support import service as support_service

log = logging.getLogger("haven.jobs")


def run_due_jobs(engine: Engine) -> dict[str, int]:
    """Run every periodic job once; returns how many items each one handled (-1: failed)."""
    results: dict[str, int] = {}
    jobs = [
        *support_service.PERIODIC_JOBS,
        ("idempotency_keys_purged", idempotency.purge_expired),
        ("role_grants_expired", auth_service.expire_role_grants),
        ("api_keys_expired", auth_service.expire_api_keys),
    ]
    for name, job in jobs:
        try:
            with new_session(engine) as session:
                results[name] = job(session)
                session.commit()
        except Exception:
            log.exception("periodic job %s failed; it runs again next time", name)
            results[name] = -1
    try:
        # Check-in answers still waiting in this process when their period ended; each
        # batch is written in a transaction of its own (see haven.checkins).
        results["checkin_answers_written"] = checkins_service.write_ended_periods(engine)
    except Exception:
        log.exception("writing ended check-in periods failed; it runs again next time")
        results["checkin_answers_written"] = -1
    try:
        # After the check-in answers of ended periods are written: a closed week is
        # released once, with everything that arrived in it (see haven.insights.release).
        with new_session(engine) as session:
            results["insight_weeks_released"] = insights_service.release_due_weeks(session)
            session.commit()
    except Exception:
        log.exception("releasing insight weeks failed; it runs again next time")
        results["insight_weeks_released"] = -1
    try:
        # After the other jobs, so their audit rows are in this anchor (see haven.core.audit).
        results["audit_anchored"] = audit.anchor_if_due(engine)
    except Exception:
        log.exception("anchoring the audit chain failed; it runs again next time")
        results["audit_anchored"] = -1
    try:
        results["emails_sent"] = notifications_service.deliver_pending_emails(engine)
    except Exception:
        log.exception("email delivery failed; it runs again next time")
        results["emails_sent"] = -1
    return results


class JobRunner:
    """A daemon thread that runs :func:`run_due_jobs` every ``interval`` seconds."""

    def __init__(self, engine: Engine, interval: float) -> None:
        self._engine = engine
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="haven-jobs", daemon=True)

    def start(self) -> JobRunner:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                results = run_due_jobs(self._engine)
            except Exception:  # never let the thread die
                log.exception("periodic jobs failed")
                continue
            if any(results.values()):
                log.info("periodic jobs: %s", results)


def start_background_jobs(engine: Engine, interval_seconds: int) -> JobRunner | None:
    """Start the runner (``None`` when the interval is 0: jobs are then run elsewhere)."""
    if interval_seconds <= 0:
        return None
    return JobRunner(engine, interval_seconds).start()
