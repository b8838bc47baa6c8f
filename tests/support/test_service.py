"""Peer-support rules through the service: matching on create, encounters and notes,
follow-ups, feedback, outreach, figures and the audit trail."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import AutoString

from haven.auth.schemas import Profession, Role
from haven.core import clock
from haven.core.db import new_session
from haven.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from haven.core.models import AuditEvent
from haven.core.pagination import PageParams
from haven.notifications.models import Notification
from haven.support import notes, sealing, service
from haven.support.models import (
    OutreachKey,
    OutreachTask,
    SupportEncounter,
    SupportFeedback,
    SupportFollowUp,
    SupportRecordKey,
    SupportRequest,
)
from haven.support.schemas import (
    AssignmentRequest,
    EncounterOutcome,
    EscalationCreate,
    EscalationResource,
    OnCallWindow,
    OutreachAccept,
    RequestKind,
    RequestStatus,
    RequestView,
    ResourcesUpdate,
    SupportFeedbackCreate,
    SupportRequestCreate,
    SupportTransition,
    Urgency,
)
from tests.factories.org import make_department, make_person
from tests.factories.support import (
    close_request,
    log_encounter,
    make_request,
    make_supporter,
)


def _request_row(engine: Engine, request_id: uuid.UUID) -> SupportRequest:
    with new_session(engine) as session:
        row = session.get(SupportRequest, request_id)
        assert row is not None
        return row


def _notifications(engine: Engine, user_id: uuid.UUID) -> list[Notification]:
    with new_session(engine) as session:
        return list(
            session.exec(select(Notification).where(col(Notification.user_id) == user_id)).all()
        )


# --- creation and matching -----------------------------------------------------------------


def test_a_request_is_assigned_at_once_to_an_eligible_supporter(engine: Engine) -> None:
    supporter = make_supporter(engine)
    nurse = make_person(engine, Role.staff)
    request_id = make_request(engine, nurse, urgency=Urgency.urgent)
    row = _request_row(engine, request_id)
    assert row.status == RequestStatus.assigned and row.supporter_id == supporter.id
    assert row.tier == 2 and row.kind == RequestKind.for_self
    assert row.due_at == row.created_at + timedelta(minutes=30)


def test_the_supporter_is_told_without_content(engine: Engine) -> None:
    supporter = make_supporter(engine)
    make_request(engine, make_person(engine, Role.staff), contact_details="07700 900123")
    (note,) = _notifications(engine, supporter.id)
    assert note.title == "You have a new support request"
    assert note.link == "/support/inbox"


def test_the_requester_gets_no_notification(engine: Engine) -> None:
    make_supporter(engine)
    nurse = make_person(engine, Role.staff)
    make_request(engine, nurse)
    assert _notifications(engine, nurse.id) == []


def test_without_an_eligible_supporter_the_coordinators_are_told(engine: Engine) -> None:
    make_supporter(engine, on_call=[])
    coordinator = make_person(engine, Role.support_coordinator)
    request_id = make_request(engine, make_person(engine, Role.staff))
    assert _request_row(engine, request_id).status == RequestStatus.new
    assert [n.title for n in _notifications(engine, coordinator.id)] == [
        "A support request is waiting for a supporter"
    ]


def test_not_my_department_is_respected(engine: Engine) -> None:
    dept = make_department(engine)
    make_supporter(engine, department_id=dept)
    other = make_supporter(engine, department_id=make_department(engine))
    nurse = make_person(engine, Role.staff, department_id=dept)
    request_id = make_request(engine, nurse, not_own_department=True)
    assert _request_row(engine, request_id).supporter_id == other.id


def test_a_preferred_profession_is_matched(engine: Engine) -> None:
    make_supporter(engine)
    pharmacist = make_supporter(engine, professions=[Profession.pharmacist])
    request_id = make_request(
        engine, make_person(engine, Role.staff), preferred_profession=Profession.pharmacist
    )
    assert _request_row(engine, request_id).supporter_id == pharmacist.id


def test_the_least_busy_supporter_gets_the_next_request(engine: Engine) -> None:
    first = make_supporter(engine)
    second = make_supporter(engine)
    a = make_request(engine, make_person(engine, Role.staff))
    b = make_request(engine, make_person(engine, Role.staff))
    assert {_request_row(engine, a).supporter_id, _request_row(engine, b).supporter_id} == {
        first.id,
        second.id,
    }


def test_a_supporter_at_capacity_gets_no_more(engine: Engine) -> None:
    make_supporter(engine, capacity=1)
    make_request(engine, make_person(engine, Role.staff))
    second = make_request(engine, make_person(engine, Role.staff))
    assert _request_row(engine, second).status == RequestStatus.new


def test_the_department_and_profession_at_request_time_are_kept(engine: Engine) -> None:
    dept = make_department(engine)
    nurse = make_person(engine, Role.staff, department_id=dept, profession=Profession.physician)
    row = _request_row(engine, make_request(engine, nurse))
    assert row.department_id == dept and row.profession == "physician"


def test_only_the_first_request_of_a_week_counts_a_new_person(engine: Engine) -> None:
    nurse = make_person(engine, Role.staff)
    first = make_request(engine, nurse)
    second = make_request(engine, nurse)
    assert _request_row(engine, first).first_in_week
    assert not _request_row(engine, second).first_in_week


def test_a_referral_belongs_to_the_colleague(engine: Engine) -> None:
    make_supporter(engine)
    referrer = make_person(engine, Role.staff)
    colleague = make_person(engine, Role.staff)
    with new_session(engine) as session:
        created = service.create_request(
            session,
            referrer.principal,
            data=SupportRequestCreate(
                kind=RequestKind.referral, referred_email=colleague.email, urgency=Urgency.soon
            ),
        )
        session.commit()
        assert created.id is None  # the referrer is not given the request
        row = session.exec(select(SupportRequest)).one()
        assert row.requester_id == colleague.id and row.referrer_id == referrer.id
        mine, _ = service.list_requests(
            session,
            colleague.principal,
            view=RequestView.requester,
            filters=service.RequestFilters(include_closed=True),
            params=PageParams(limit=50, cursor=None),
        )
        assert [r.id for r in mine] == [row.id]
        with pytest.raises(NotFound):
            service.get_request(session, referrer.principal, request_id=row.id)


def test_a_referral_to_an_unknown_email_is_refused(engine: Engine) -> None:
    referrer = make_person(engine, Role.staff)
    with new_session(engine) as session, pytest.raises(Unprocessable):
        service.create_request(
            session,
            referrer.principal,
            data=SupportRequestCreate(
                kind=RequestKind.referral,
                referred_email="nobody@hospital.example.org",
                urgency=Urgency.soon,
            ),
        )


def test_urgent_requests_come_back_with_the_crisis_resources(engine: Engine) -> None:
    admin = make_person(engine, Role.admin)
    first, second = make_person(engine, Role.staff), make_person(engine, Role.staff)
    with new_session(engine) as session:
        service.set_resources(
            session,
            admin.principal,
            data=ResourcesUpdate.model_validate(
                {"items": [{"kind": "crisis_line", "name": "Crisis line", "phone": "116 123"}]}
            ),
            if_match='"0"',
        )
        session.commit()
        urgent = service.create_request(
            session, first.principal, data=SupportRequestCreate(urgency=Urgency.urgent)
        )
        routine = service.create_request(
            session, second.principal, data=SupportRequestCreate(urgency=Urgency.routine)
        )
    assert [r.phone for r in urgent.crisis_resources] == ["116 123"]
    assert routine.crisis_resources == []


def test_consent_from_a_check_in_opens_one_routine_request(engine: Engine) -> None:
    make_supporter(engine)
    nurse = make_person(engine, Role.staff)
    with new_session(engine) as session:
        service.request_support_on_consent(session, nurse.principal)
        service.request_support_on_consent(session, nurse.principal)
        session.commit()
        (row,) = session.exec(select(SupportRequest)).all()
    assert (row.kind, row.urgency, row.tier, row.requester_id) == (
        "for_self",
        "routine",
        2,
        nurse.id,
    )


# --- status, assignment, escalation ------------------------------------------------------


def test_first_contact_records_the_response_time(engine: Engine) -> None:
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    clock.set_clock(lambda: start)
    supporter = make_supporter(engine)
    request_id = make_request(engine, make_person(engine, Role.staff), urgency=Urgency.urgent)
    clock.set_clock(lambda: start + timedelta(minutes=12))
    with new_session(engine) as session:
        read = service.transition_request(
            session,
            supporter.person.principal,
            request_id=request_id,
            data=SupportTransition(to=RequestStatus.contacted),
            if_match='"2"',
        )
        session.commit()
    assert read.status == RequestStatus.contacted
    assert _request_row(engine, request_id).minutes_to_first_contact == 12.0


def test_only_the_supporter_records_contact(engine: Engine) -> None:
    make_supporter(engine)
    nurse = make_person(engine, Role.staff)
    request_id = make_request(engine, nurse)
    with new_session(engine) as session, pytest.raises(Conflict):
        service.transition_request(
            session,
            nurse.principal,
            request_id=request_id,
            data=SupportTransition(to=RequestStatus.contacted),
            if_match="*",
        )


def test_the_requester_can_withdraw(engine: Engine) -> None:
    make_supporter(engine)
    nurse = make_person(engine, Role.staff)
    request_id = make_request(engine, nurse)
    close_request(engine, nurse, request_id)
    row = _request_row(engine, request_id)
    assert row.status == RequestStatus.closed and row.closed_at is not None


def test_manual_assignment_may_override_capacity_but_not_the_requester(engine: Engine) -> None:
    busy = make_supporter(engine, capacity=1)
    make_request(engine, make_person(engine, Role.staff))
    coordinator = make_person(engine, Role.support_coordinator)
    nurse_supporter = make_supporter(engine, on_call=[])
    request_id = make_request(engine, nurse_supporter.person)  # no one is on call for it
    with new_session(engine) as session:
        read = service.assign_request(
            session,
            coordinator.principal,
            request_id=request_id,
            data=AssignmentRequest(supporter_id=busy.supporter_id),
            if_match="*",
        )
        session.commit()
        assert read.supporter_id == busy.id
        with pytest.raises(Unprocessable):
            service.assign_request(
                session,
                coordinator.principal,
                request_id=request_id,
                data=AssignmentRequest(supporter_id=nurse_supporter.supporter_id),
                if_match="*",
            )


def test_escalation_records_tier_three_resource_and_time(engine: Engine) -> None:
    supporter = make_supporter(engine)
    request_id = make_request(engine, make_person(engine, Role.staff))
    with new_session(engine) as session:
        read = service.escalate_request(
            session,
            supporter.person.principal,
            request_id=request_id,
            data=EscalationCreate(resource=EscalationResource.psychology),
            if_match="*",
        )
        session.commit()
    assert (read.tier, read.status, read.escalated_resource) == (
        3,
        RequestStatus.escalated,
        EscalationResource.psychology,
    )
    assert read.escalated_at is not None


def test_the_requester_cannot_escalate(engine: Engine) -> None:
    make_supporter(engine)
    nurse = make_person(engine, Role.staff)
    request_id = make_request(engine, nurse)
    with new_session(engine) as session, pytest.raises(Forbidden):
        service.escalate_request(
            session,
            nurse.principal,
            request_id=request_id,
            data=EscalationCreate(resource=EscalationResource.chaplaincy),
            if_match="*",
        )


# --- encounters and notes ------------------------------------------------------------------


def test_an_encounter_makes_first_contact_and_schedules_follow_ups(engine: Engine) -> None:
    supporter = make_supporter(engine)
    request_id = make_request(engine, make_person(engine, Role.staff))
    log_encounter(engine, supporter, request_id)
    row = _request_row(engine, request_id)
    assert row.status == RequestStatus.active and row.first_contact_at is not None
    with new_session(engine) as session:
        due = sorted(
            f.due_on
            for f in session.exec(
                select(SupportFollowUp).where(col(SupportFollowUp.request_id) == request_id)
            ).all()
        )
    first = due[0]
    assert [(d - first).days for d in due] == [0, 6, 29]


def test_a_resolved_encounter_schedules_no_follow_up(engine: Engine) -> None:
    supporter = make_supporter(engine)
    request_id = make_request(engine, make_person(engine, Role.staff))
    log_encounter(engine, supporter, request_id, outcome=EncounterOutcome.resolved)
    with new_session(engine) as session:
        assert session.exec(select(SupportFollowUp)).all() == []


def test_only_the_assigned_supporter_logs_encounters(engine: Engine) -> None:
    make_supporter(engine)
    other = make_supporter(engine, on_call=[])
    request_id = make_request(engine, make_person(engine, Role.staff))
    with pytest.raises(NotFound):
        log_encounter(engine, other, request_id)


def test_an_encounter_in_the_future_is_refused(engine: Engine) -> None:
    supporter = make_supporter(engine)
    request_id = make_request(engine, make_person(engine, Role.staff))
    with pytest.raises(Unprocessable):
        log_encounter(engine, supporter, request_id, occurred_at=clock.now() + timedelta(hours=1))


def test_a_private_note_is_refused_when_notes_are_off(engine: Engine) -> None:
    supporter = make_supporter(engine)
    request_id = make_request(engine, make_person(engine, Role.staff))
    with pytest.raises(Unprocessable):
        log_encounter(engine, supporter, request_id, private_note="talked about sleep")


@pytest.mark.usefixtures("private_notes")
def test_a_private_note_is_sealed_at_rest(engine: Engine) -> None:
    supporter = make_supporter(engine)
    request_id = make_request(engine, make_person(engine, Role.staff))
    encounter_id = log_encounter(engine, supporter, request_id, private_note="PLAINTEXT-NOTE")
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT note_sealed FROM support_encounters")).scalar_one()
    assert stored.startswith("v2.") and "PLAINTEXT-NOTE" not in stored
    with new_session(engine) as session:
        assert session.get(SupportRecordKey, encounter_id) is not None  # its own key


@pytest.mark.usefixtures("private_notes")
def test_only_the_author_reads_the_note(engine: Engine) -> None:
    supporter = make_supporter(engine)
    nurse = make_person(engine, Role.staff)
    coordinator = make_person(engine, Role.support_coordinator)
    request_id = make_request(engine, nurse)
    log_encounter(engine, supporter, request_id, private_note="only mine")
    with new_session(engine) as session:
        for principal, expected in (
            (supporter.person.principal, "only mine"),
            (nurse.principal, None),
            (coordinator.principal, None),
        ):
            (encounter,) = service.list_encounters(session, principal, request_id=request_id)
            assert encounter.private_note == expected


@pytest.mark.usefixtures("private_notes")
def test_a_sealed_note_moved_to_another_encounter_does_not_open(engine: Engine) -> None:
    author, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    note = sealing.SealedField.private_note
    with new_session(engine) as session:
        texts = sealing.seal_texts(session, record_id=first, texts={note: "x"}, author_id=author)
        sealed = texts[note]
        sealing.seal_texts(session, record_id=second, texts={note: "y"}, author_id=author)
        for record_id, author_id in ((second, author), (first, uuid.uuid4())):
            with pytest.raises(sealing.TextUnavailable):
                sealing.open_text(
                    session, record_id=record_id, field=note, sealed=sealed, author_id=author_id
                )
        opened = sealing.open_text(
            session, record_id=first, field=note, sealed=sealed, author_id=author
        )
    assert opened == "x"


def test_a_safety_exception_escalates_at_once_to_the_coordinators(engine: Engine) -> None:
    supporter = make_supporter(engine)
    coordinator = make_person(engine, Role.support_coordinator)
    request_id = make_request(engine, make_person(engine, Role.staff))
    log_encounter(engine, supporter, request_id, safety_exception=True)
    row = _request_row(engine, request_id)
    assert row.safety_exception_at is not None and row.status == RequestStatus.escalated
    assert row.tier == 3 and row.escalated_resource == "emergency_pathway"
    assert "Urgent: a peer supporter needs you now" in [
        n.title for n in _notifications(engine, coordinator.id)
    ]


# --- feedback ------------------------------------------------------------------------------


def _closed_request(engine: Engine) -> tuple[object, uuid.UUID]:
    make_supporter(engine)
    nurse = make_person(engine, Role.staff)
    request_id = make_request(engine, nurse)
    close_request(engine, nurse, request_id)
    return nurse, request_id


def test_feedback_is_stored_without_a_link_or_an_audit_row(engine: Engine) -> None:
    nurse, request_id = _closed_request(engine)
    with new_session(engine) as session:
        before = session.exec(select(sa.func.count()).select_from(AuditEvent)).one()
        service.give_feedback(
            session,
            nurse.principal,  # type: ignore[attr-defined]
            request_id=request_id,
            data=SupportFeedbackCreate(helpful=5, comment="FEEDBACK-MARKER"),
        )
        session.commit()
        after = session.exec(select(sa.func.count()).select_from(AuditEvent)).one()
        (row,) = session.exec(select(SupportFeedback)).all()
    assert after == before
    assert set(SupportFeedback.model_fields) == {"id", "helpful", "comment_sealed", "given_on"}
    assert row.helpful == 5


def test_feedback_is_given_once_and_only_after_closing(engine: Engine) -> None:
    make_supporter(engine)
    nurse = make_person(engine, Role.staff)
    request_id = make_request(engine, nurse)
    with new_session(engine) as session, pytest.raises(Conflict):
        service.give_feedback(
            session, nurse.principal, request_id=request_id, data=SupportFeedbackCreate(helpful=4)
        )
    close_request(engine, nurse, request_id)
    with new_session(engine) as session:
        service.give_feedback(
            session, nurse.principal, request_id=request_id, data=SupportFeedbackCreate(helpful=4)
        )
        session.commit()
        with pytest.raises(Conflict):
            service.give_feedback(
                session,
                nurse.principal,
                request_id=request_id,
                data=SupportFeedbackCreate(helpful=4),
            )


def _feedback(session: Session, given_on: date, *helpful: int, comment: str | None = None) -> None:
    for value in helpful:
        feedback_id = uuid.uuid4()
        sealed = None
        if comment is not None:
            field = sealing.SealedField.comment
            sealed = sealing.seal_texts(session, record_id=feedback_id, texts={field: comment})[
                field
            ]
        session.add(
            SupportFeedback(id=feedback_id, helpful=value, comment_sealed=sealed, given_on=given_on)
        )
    session.commit()


def test_feedback_aggregates_need_five_answers_in_a_month_that_has_ended(engine: Engine) -> None:
    today = clock.today()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    with new_session(engine) as session:
        _feedback(session, last_month, 5, 4, 4, 3)
        assert service.feedback_summary(session).suppressed
        _feedback(session, last_month + timedelta(days=3), 4, comment="kind")
        summary = service.feedback_summary(session)
    assert not summary.suppressed and summary.answers == 5 and summary.months == [last_month]
    assert summary.average_helpful == 4.0 and summary.comments == ["kind"]


def test_feedback_of_the_running_month_changes_no_summary(engine: Engine) -> None:
    """Two looks a day apart, or from two start days a day apart, must not differ by one
    person's answer: only ended months of five or more answers are ever summed."""
    today = clock.today()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    older = (last_month - timedelta(days=1)).replace(day=1)
    with new_session(engine) as session:
        _feedback(session, last_month, 5, 5, 4, 4, 3)
        _feedback(session, older, 2, 2)  # too few: in no summary, whatever the range
        before = service.feedback_summary(session)
        _feedback(session, today, 1)  # this month is still running
        after = service.feedback_summary(session)
        ranges = {
            service.feedback_summary(session, since=day).answers
            for day in (
                older,
                older + timedelta(days=1),
                last_month,
                last_month + timedelta(days=1),
            )
        }
    assert (
        (before.answers, before.average_helpful)
        == (after.answers, after.average_helpful)
        == (
            5,
            4.2,
        )
    )
    # a range starting inside a month starts at the next one; the small month never counts
    assert ranges == {5, None}


# --- outreach ------------------------------------------------------------------------------


def _offer(engine: Engine, people: list[uuid.UUID], key: str | None = "event-1") -> None:
    officer = make_person(engine, Role.safety_officer)
    with new_session(engine) as session:
        service.offer_outreach(
            session, officer.principal, person_ids=people, involved_ids=people, event_key=key
        )
        session.commit()


def _tasks(engine: Engine) -> list[OutreachTask]:
    with new_session(engine) as session:
        return list(session.exec(select(OutreachTask)).all())


def test_outreach_creates_one_task_per_person_for_the_coordinator(engine: Engine) -> None:
    coordinator = make_person(engine, Role.support_coordinator)
    a, b = make_person(engine, Role.staff), make_person(engine, Role.staff)
    _offer(engine, [a.id, b.id])
    assert sorted(str(t.person_id) for t in _tasks(engine)) == sorted([str(a.id), str(b.id)])
    assert [n.title for n in _notifications(engine, coordinator.id)] == [
        "You have a new outreach task"
    ]


def test_naming_the_same_staff_again_adds_no_task(engine: Engine) -> None:
    a = make_person(engine, Role.staff)
    _offer(engine, [a.id])
    _offer(engine, [a.id])
    assert len(_tasks(engine)) == 1


def test_a_decided_task_is_not_offered_again_for_the_same_event(engine: Engine) -> None:
    coordinator = make_person(engine, Role.support_coordinator)
    a = make_person(engine, Role.staff)
    _offer(engine, [a.id])
    (task,) = _tasks(engine)
    with new_session(engine) as session:
        service.decline_outreach(session, coordinator.principal, task_id=task.id, if_match="*")
        session.commit()
    _offer(engine, [a.id])
    assert len(_tasks(engine)) == 1
    _offer(engine, [a.id], key="event-2")
    assert len(_tasks(engine)) == 2


def test_without_a_key_an_open_task_absorbs_the_new_involved_staff(engine: Engine) -> None:
    a, b = make_person(engine, Role.staff), make_person(engine, Role.staff)
    _offer(engine, [a.id], key=None)
    _offer(engine, [a.id, b.id], key=None)
    tasks = {t.person_id: t for t in _tasks(engine)}
    assert len(tasks) == 2 and set(tasks[a.id].involved_ids) == {str(a.id), str(b.id)}


def test_the_stored_fingerprint_names_no_event_and_no_task(engine: Engine) -> None:
    a = make_person(engine, Role.staff)
    _offer(engine, [a.id], key="the-opaque-event-key")
    with new_session(engine) as session:
        (key,) = session.exec(select(OutreachKey)).all()
    assert set(OutreachKey.model_fields) == {"fingerprint", "expires_on"}
    assert "the-opaque-event-key" not in key.fingerprint and str(a.id) not in key.fingerprint


def test_accepted_outreach_is_matched_without_the_involved_staff(engine: Engine) -> None:
    coordinator = make_person(engine, Role.support_coordinator)
    involved_supporter = make_supporter(engine)
    other = make_supporter(engine)
    person = make_person(engine, Role.staff)
    # The involved supporter is idle; the other is busier, and still the one chosen.
    make_request(engine, make_person(engine, Role.staff))
    _offer_with(engine, [person.id], [person.id, involved_supporter.id])
    (task,) = _tasks(engine)
    with new_session(engine) as session:
        read = service.accept_outreach(
            session, coordinator.principal, task_id=task.id, data=OutreachAccept(), if_match="*"
        )
        session.commit()
        reasons = {
            e.user_id: e.reason
            for e in service.candidates(session, coordinator.principal, request_id=read.id).excluded
        }
    assert read.kind == RequestKind.outreach and read.supporter_id == other.id
    assert reasons[involved_supporter.id] == "involved_in_event"


def _offer_with(engine: Engine, people: list[uuid.UUID], involved: list[uuid.UUID]) -> None:
    officer = make_person(engine, Role.safety_officer)
    with new_session(engine) as session:
        service.offer_outreach(
            session, officer.principal, person_ids=people, involved_ids=involved, event_key="e"
        )
        session.commit()


def test_a_decided_task_cannot_be_decided_again(engine: Engine) -> None:
    coordinator = make_person(engine, Role.support_coordinator)
    _offer(engine, [make_person(engine, Role.staff).id])
    (task,) = _tasks(engine)
    with new_session(engine) as session:
        service.decline_outreach(session, coordinator.principal, task_id=task.id, if_match="*")
        session.commit()
        with pytest.raises(Conflict):
            service.accept_outreach(
                session, coordinator.principal, task_id=task.id, data=OutreachAccept(), if_match="*"
            )


# --- audit ---------------------------------------------------------------------------------


def _audit_rows(engine: Engine) -> list[AuditEvent]:
    with new_session(engine) as session:
        return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all())


def test_a_supporters_read_is_audited_under_a_pseudonym(engine: Engine) -> None:
    supporter = make_supporter(engine)
    request_id = make_request(engine, make_person(engine, Role.staff))
    with new_session(engine) as session:
        service.get_request(session, supporter.person.principal, request_id=request_id)
        session.commit()
    row = _audit_rows(engine)[-1]
    assert (row.action, row.actor_id, row.object_type) == (
        "support_request.read",
        supporter.id,
        "support_request",
    )
    assert row.object_id == notes.audit_ref(request_id) != request_id


def test_the_requesters_own_actions_are_not_audited_under_their_identity(engine: Engine) -> None:
    make_supporter(engine)
    nurse = make_person(engine, Role.staff)
    request_id = make_request(engine, nurse)
    with new_session(engine) as session:
        service.get_request(session, nurse.principal, request_id=request_id)
        session.commit()
    close_request(engine, nurse, request_id)
    rows = [r for r in _audit_rows(engine) if r.object_type == "support_request"]
    assert rows and all(r.actor_id != nurse.id for r in rows)
    assert {r.actor_type for r in rows if r.action != "support_request.read"} <= {
        "support_requester",
        "user",
    }
    assert all(r.object_id != request_id for r in _audit_rows(engine))


# --- figures -------------------------------------------------------------------------------


def test_weekly_figures_count_per_department_and_week(engine: Engine) -> None:
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    clock.set_clock(lambda: monday)
    dept = make_department(engine)
    supporter = make_supporter(engine, capacity=10)
    nurse = make_person(engine, Role.staff, department_id=dept)
    fast = make_request(engine, nurse, urgency=Urgency.urgent)
    make_request(engine, nurse, urgency=Urgency.routine)
    make_request(engine, make_person(engine, Role.staff, department_id=dept))
    clock.set_clock(lambda: monday + timedelta(minutes=20))
    log_encounter(engine, supporter, fast, occurred_at=monday + timedelta(minutes=20))
    with new_session(engine) as session:
        (week,) = [
            f
            for f in service.weekly_figures(
                session, start=date(2026, 11, 25), end=date(2026, 11, 29)
            )
            if f.department_id == dept
        ]
    assert week.week_start == date(2026, 11, 23)
    assert (week.requests, week.requesters, week.first_contacts, week.within_target) == (3, 2, 1, 1)
    assert week.median_minutes_to_first_contact == 20.0


def test_weekly_figures_take_the_median_per_department_in_sql(engine: Engine) -> None:
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    clock.set_clock(lambda: monday)
    odd, even = make_department(engine), make_department(engine)
    supporter = make_supporter(engine, capacity=20)
    waits = {odd: [10, 40, 20], even: [70, 10, 30, 20]}
    made = {
        dept: [
            make_request(engine, make_person(engine, Role.staff, department_id=dept))
            for _ in minutes
        ]
        for dept, minutes in waits.items()
    }
    make_request(engine, make_person(engine, Role.staff, department_id=odd))  # never reached
    for dept, minutes in waits.items():
        for request_id, wait in zip(made[dept], minutes, strict=True):
            at = monday + timedelta(minutes=wait)
            clock.set_clock(lambda at=at: at)
            log_encounter(engine, supporter, request_id, occurred_at=at)
    with new_session(engine) as session:
        figures = {
            f.department_id: f
            for f in service.weekly_figures(
                session, start=date(2026, 11, 23), end=date(2026, 11, 29)
            )
        }
    assert (figures[odd].requests, figures[odd].first_contacts) == (4, 3)
    assert figures[odd].median_minutes_to_first_contact == 20.0
    assert (figures[even].requests, figures[even].first_contacts) == (4, 4)
    assert figures[even].median_minutes_to_first_contact == 25.0


def test_weekly_figures_leave_out_other_weeks(engine: Engine) -> None:
    make_request(engine, make_person(engine, Role.staff))
    today = clock.today()
    with new_session(engine) as session:
        assert (
            service.weekly_figures(
                session, start=today + timedelta(days=14), end=today + timedelta(days=30)
            )
            == []
        )


def test_program_metrics_show_response_against_target(engine: Engine) -> None:
    start = clock.now()
    clock.set_clock(lambda: start)
    supporter = make_supporter(engine)
    request_id = make_request(engine, make_person(engine, Role.staff), urgency=Urgency.urgent)
    clock.set_clock(lambda: start + timedelta(minutes=45))
    log_encounter(engine, supporter, request_id, occurred_at=start + timedelta(minutes=45))
    with new_session(engine) as session:
        metrics = service.program_metrics(session, since=clock.today() - timedelta(days=1))
    urgent = next(m for m in metrics.by_urgency if m.urgency == Urgency.urgent)
    assert (urgent.requests, urgent.first_contacts, urgent.within_target) == (1, 1, 0)
    assert urgent.median_minutes_to_first_contact == 45.0 and urgent.target_minutes == 30
    assert metrics.feedback.suppressed


def test_on_call_windows_follow_the_organisation_time_zone(engine: Engine) -> None:
    admin = make_person(engine, Role.admin)
    from haven.org import service as org_service
    from haven.org.schemas import OrganisationUpdate

    with new_session(engine) as session:
        org_service.update_organisation(
            session,
            admin.principal,
            data=OrganisationUpdate(time_zone="Pacific/Auckland"),
            if_match="*",
        )
        session.commit()
    # 20:00 UTC on a Monday is 09:00 (NZDT) on Tuesday in Auckland.
    clock.set_clock(lambda: datetime(2026, 11, 23, 20, 0, tzinfo=UTC))
    make_supporter(engine, on_call=[OnCallWindow(weekday=1, start="08:00", end="10:00")])
    request_id = make_request(engine, make_person(engine, Role.staff))
    assert _request_row(engine, request_id).status == RequestStatus.assigned


def test_encounter_rows_hold_no_free_text_besides_the_sealed_note() -> None:
    text_columns = {
        name
        for name, column in SupportEncounter.__table__.columns.items()  # type: ignore[attr-defined]
        if isinstance(column.type, (sa.String, sa.Text, AutoString))
    }
    assert text_columns == {"channel", "outcome", "note_sealed"}
