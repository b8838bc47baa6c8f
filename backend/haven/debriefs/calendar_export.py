"""The caller's upcoming debriefs as an iCalendar feed: the kind of session, the
department, the place and a link, never the title or anything about the event."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar, Event
from sqlmodel import Session, col, select

from haven.core import clock
from haven.core.security import Principal
from haven.core.settings import get_settings
from haven.debriefs import policy
from haven.debriefs.loading import debrief_link
from haven.debriefs.models import Debrief
from haven.debriefs.schemas import DebriefKind, DebriefStatus
from haven.org import service as org_service

MAX_CALENDAR_EVENTS = 200
KIND_LABELS = {
    DebriefKind.hot: "Hot debrief",
    DebriefKind.cold: "Debrief",
    DebriefKind.open_forum: "Open forum",
    DebriefKind.huddle: "Safety huddle",
}


def calendar_for(session: Session, principal: Principal) -> bytes:
    """The caller's upcoming debriefs (as facilitator or participant) as iCalendar.

    Hospital calendars are widely shared, so an entry says only the kind of session, the
    department, the place and a link: never the title or anything about the event.
    Cancelled sessions stay in the feed as CANCELLED, so a calendar that imported them
    updates.
    """
    now = clock.now()
    rows = session.exec(
        select(Debrief)
        .where(
            policy.takes_part(principal),
            col(Debrief.status).in_([DebriefStatus.scheduled.value, DebriefStatus.cancelled.value]),
            col(Debrief.scheduled_at) >= now - timedelta(hours=8),
        )
        .order_by(col(Debrief.scheduled_at), col(Debrief.id))
        .limit(MAX_CALENDAR_EVENTS)
    ).all()
    names = org_service.department_names(session, list({r.department_id for r in rows}))
    base = get_settings().public_url.rstrip("/")
    calendar = Calendar()
    calendar.add("prodid", "-//Haven//Debriefs//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Haven debriefs")
    for debrief in rows:
        url = f"{base}{debrief_link(debrief.id)}"
        event = Event()
        event.add("uid", f"{debrief.id}@haven")
        event.add("dtstamp", now)
        event.add("dtstart", debrief.scheduled_at)
        event.add("dtend", debrief.scheduled_at + timedelta(minutes=debrief.duration_minutes))
        department = names.get(debrief.department_id, "")
        label = KIND_LABELS[DebriefKind(debrief.kind)]
        event.add("summary", f"{label}: {department}" if department else label)
        if debrief.location:
            event.add("location", debrief.location)
        event.add("description", f"Details and the ground rules are in Haven: {url}")
        event.add("url", url)
        event.add("sequence", debrief.version)
        cancelled = debrief.status == DebriefStatus.cancelled.value
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
