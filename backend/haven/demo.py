"""The demo organisation: departments and one person per role (two administrators, so a
privileged role grant can be confirmed by a second one), with generated passwords. Every
person holds one role: the demo holds no combination the separation of roles forbids
(``create_user`` would refuse one).

Seeding is idempotent: it runs only when no user exists yet, so a restart never adds
people or changes passwords. Passwords are generated here (none is in the repository),
printed once and written to a git-ignored logins file readable by its owner only.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlmodel import Session

from haven.auth import service as auth_service
from haven.auth.schemas import Profession, Role, UserCreate
from haven.checkins import service as checkins_service
from haven.checkins.schemas import ShiftWrite
from haven.core import clock
from haven.core.security import Principal, new_secret
from haven.debriefs import service as debriefs_service
from haven.debriefs.schemas import (
    ActionCategory,
    ActionItemCreate,
    DebriefCreate,
    DebriefKind,
    DebriefRecordWrite,
    DebriefStatus,
    DebriefTransition,
)
from haven.insights import service as insights_service
from haven.org import service as org_service
from haven.org.schemas import DepartmentCreate
from haven.reports.schemas import ContributingFactor, Shift
from haven.support import service as support_service
from haven.support.schemas import OnCallWindow, ResourcesUpdate, SupporterCreate

DEMO_DOMAIN = "haven.example.org"
DEPARTMENTS = [
    ("Emergency", "ED"),
    ("ICU", "ICU"),
    ("Medical-Surgical", "MEDSURG"),
    ("Operating Theatre", "THEATRE"),
    ("Pharmacy", "PHARM"),
    ("Paediatrics", "PAEDS"),
]
# (role, local part, display name, department code, profession)
PEOPLE = [
    (Role.staff, "staff", "Sam Okafor", "ED", Profession.nurse),
    (Role.peer_supporter, "supporter", "Priya Natarajan", "ICU", Profession.nurse),
    (Role.support_coordinator, "coordinator", "Jordan Ellis", "MEDSURG", Profession.allied_health),
    (Role.safety_officer, "safety", "Dr Maria Santos", "PHARM", Profession.pharmacist),
    (Role.department_lead, "lead", "Dr Tom Becker", "ED", Profession.physician),
    (Role.admin, "admin", "Casey Admin", None, Profession.other),
    # A second administrator: privileged role grants need one who did not propose them.
    (Role.admin, "admin2", "Alex Second-Admin", None, Profession.other),
    (Role.auditor, "auditor", "Robin Auditor", None, Profession.other),
]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    display_name: str


def seed_demo(session: Session) -> list[DemoLogin] | None:
    """Create the demo organisation; ``None`` when people already exist (nothing is changed)."""
    if auth_service.count_users(session) > 0:
        return None
    codes: dict[str, uuid.UUID] = {}
    for name, code in DEPARTMENTS:
        dep = org_service.create_department(
            session, None, data=DepartmentCreate(name=name, code=code)
        )
        codes[code] = dep.id
    logins = []
    people: dict[Role, Principal] = {}
    for role, local, display_name, dep_code, profession in PEOPLE:
        password = new_secret(12)
        email = f"{local}@{DEMO_DOMAIN}"
        created = org_service.create_user(
            session,
            None,
            data=UserCreate(
                email=email,
                display_name=display_name,
                roles=[role],
                department_id=codes[dep_code] if dep_code else None,
                profession=profession,
                password=password,
            ),
        )
        person = Principal(
            kind="user",
            id=created.id,
            roles=frozenset({role.value}),
            department_id=created.department_id,
            display_name=display_name,
        )
        people.setdefault(role, person)  # the first of a role acts for it in the demo data
        logins.append(DemoLogin(role.value, email, password, display_name))
    seed_demo_figures(session, codes)
    ids = {role: person.id for role, person in people.items()}
    _seed_support(session, ids)
    _seed_debriefs(session, people, codes["ED"])
    # The demo's past weeks are released now, as the jobs would have released them week by
    # week: the first look at insights reads stored releases instead of auditing half a year.
    insights_service.release_due_weeks(session)
    return logins


# Check-in respondents a week per department: Pharmacy's three are always suppressed, and
# Paediatrics' six are the complement that protects them. Emergency's latest week is hard.
DEMO_RESPONDENTS = {"ED": 9, "ICU": 8, "MEDSURG": 10, "THEATRE": 7, "PHARM": 3, "PAEDS": 6}
DEMO_WEEKS = 26


def seed_demo_figures(session: Session, codes: dict[str, uuid.UUID]) -> None:
    """Half a year of complete weeks of check-in answers and staffing, so insights (and
    their control charts, whose limits need a baseline) show something."""
    rng = random.Random(20261116)  # noqa: S311 - demo data, not a secret
    # up to the latest week insights may release today (its check-in period and grace over)
    last = insights_service.last_closed_week(session)
    responses = []
    shifts = []
    for back in range(DEMO_WEEKS - 1, -1, -1):
        week = last - timedelta(weeks=back)
        for code, count in DEMO_RESPONDENTS.items():
            hard = code == "ED" and back == 0
            for _ in range(count):
                stress = rng.choice([4, 5, 5]) if hard else rng.choice([1, 2, 2, 3, 3, 3, 4])
                responses.append(
                    checkins_service.LoadedResponse(
                        department_id=codes[code],
                        profession=rng.choice(["nurse", "nurse", "physician", "allied_health"]),
                        period_start=week,
                        answers={
                            "stress": stress,
                            "workload_manageable": int(not hard and rng.random() < 0.7),
                            "staffing_adequate": int(not hard and rng.random() < 0.75),
                            "supported": rng.choice([3, 4, 4, 5]),
                            "speak_up": rng.choice([3, 4, 4, 5]),
                        },
                    )
                )
            for day in range(7):
                for shift in Shift:
                    planned = 10 if shift is Shift.day else 8
                    short = 3 if code == "ED" and back == 0 else rng.choice([0, 0, 1])
                    shifts.append(
                        ShiftWrite(
                            department_id=codes[code],
                            shift_on=week + timedelta(days=day),
                            shift=shift,
                            planned_staff=planned,
                            actual_staff=planned - short,
                            patient_census=rng.randint(18, 26),
                        )
                    )
    checkins_service.load_responses(session, responses=responses)
    checkins_service.load_shifts(session, rows=shifts)


def _seed_debriefs(session: Session, people: dict[Role, Principal], emergency: uuid.UUID) -> None:
    """One debrief held two days ago with its record and two actions, one coming up."""
    officer, lead, staff = (
        people[Role.safety_officer],
        people[Role.department_lead],
        people[Role.staff],
    )
    today = clock.today()
    held = debriefs_service.create_debrief(
        session,
        officer,
        data=DebriefCreate(
            kind=DebriefKind.hot,
            title="After the night-shift fall in bay 3",
            department_id=emergency,
            facilitator_id=lead.id,
            scheduled_at=datetime.combine(today - timedelta(days=2), time(7, 30), tzinfo=UTC),
            duration_minutes=30,
            location="Emergency staff room",
            participant_ids=[staff.id],
        ),
    )
    debriefs_service.transition_debrief(
        session,
        lead,
        debrief_id=held.id,
        data=DebriefTransition(to=DebriefStatus.held),
        if_match=f'"{held.version}"',
    )
    debriefs_service.save_record(
        session,
        lead,
        debrief_id=held.id,
        data=DebriefRecordWrite(
            ground_rules_acknowledged=True,
            events=[
                "Patient transferred from a trolley to a bed at 03:10",
                "The bed alarm was not re-armed after the transfer",
                "The fall was found on the next round at 03:40",
            ],
            went_well="The patient was reassessed within minutes and the family was told.",
            was_hard="Two admissions arrived during the transfer.",
            contributing_factors=[ContributingFactor.equipment, ContributingFactor.workload],
            learnings="An alarm that depends on memory will be missed on a busy night.",
            support_offered=True,
        ),
        if_match='"1"',
    )
    for owner, category, days, text in (
        (
            lead,
            ActionCategory.forcing_function,
            30,
            "Bed alarms re-arm automatically after a transfer.",
        ),
        (staff, ActionCategory.training, 14, "Falls refresher at the night-shift huddle."),
    ):
        debriefs_service.create_debrief_action(
            session,
            officer,
            debrief_id=held.id,
            data=ActionItemCreate(
                description=text,
                owner_id=owner.id,
                due_on=today + timedelta(days=days),
                category=category,
                effectiveness_measure="Monthly spot check of 20 beds.",
            ),
        )
    debriefs_service.create_debrief(
        session,
        officer,
        data=DebriefCreate(
            kind=DebriefKind.cold,
            title="Medication handover near misses",
            department_id=emergency,
            facilitator_id=lead.id,
            scheduled_at=datetime.combine(today + timedelta(days=7), time(14, 0), tzinfo=UTC),
            location="Seminar room 2",
            participant_ids=[staff.id],
        ),
    )


def _seed_support(session: Session, ids: dict[Role, uuid.UUID]) -> None:
    """The demo peer-support program: contacts to call and one supporter, on call all week."""
    coordinator = Principal(
        kind="user",
        id=ids[Role.support_coordinator],
        roles=frozenset({Role.support_coordinator.value}),
    )
    admin = Principal(kind="user", id=ids[Role.admin], roles=frozenset({Role.admin.value}))
    support_service.set_resources(
        session,
        admin,
        data=ResourcesUpdate.model_validate(
            {
                "items": [
                    {
                        "kind": "crisis_line",
                        "name": "24-hour crisis line",
                        "phone": "116 123",
                        "hours": "24/7",
                    },
                    {
                        "kind": "employee_assistance",
                        "name": "Employee assistance (demo)",
                        "phone": "0800 000 0000",
                        "hours": "Mon-Fri 8:00-20:00",
                    },
                    {"kind": "chaplaincy", "name": "Chaplaincy (demo)", "phone": "extension 4455"},
                ]
            }
        ),
        if_match="*",
    )
    support_service.create_supporter(
        session,
        coordinator,
        data=SupporterCreate(
            user_id=ids[Role.peer_supporter],
            training_completed_on=date(2026, 1, 12),
            languages=["en"],
            capacity=5,
            on_call=[OnCallWindow(weekday=d, start="00:00", end="00:00") for d in range(7)],
        ),
    )


def write_logins(path: Path, logins: list[DemoLogin]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"logins": [asdict(login) for login in logins]}, handle, indent=2)
        handle.write("\n")


def read_logins(path: Path) -> list[DemoLogin]:
    data = json.loads(path.read_text())
    return [DemoLogin(**item) for item in data["logins"]]
