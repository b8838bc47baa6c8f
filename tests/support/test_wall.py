"""The support wall, proved: every route of the application, called by every role, by an
API key holding every scope, by an anonymous report's session and by nobody at all, finds
no support record outside the requester, the assigned supporter and (operational fields
only) the coordinator.

The routes are enumerated from the application itself (``iter_route_contexts``), so a
route another domain adds tomorrow is walked too. Path parameters are filled with real ids
(each domain's own where the name is known, and a second time with a support request's id
in every parameter); bodies are plausible (hand-written for known routes, generated from
the OpenAPI schema for the rest). Every response is searched, errors included, for the
support records' ids (dashed and hex) and their distinctive content. The echo of the
caller's own path (a problem's ``instance``) is removed first: repeating what the caller
sent tells them nothing. The audit log is also read in full, page by page.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from haven.auth.schemas import Profession, Role, Scope, UserCreate
from haven.core import clock
from haven.core.db import new_session
from haven.notifications.models import Notification
from haven.org import service as org_service
from haven.reports import service as reports_service
from haven.support.models import OutreachTask, SupportEncounter, SupportFollowUp, SupportRequest
from tests.factories.org import PASSWORD, access_token_for, make_api_key, make_department
from tests.factories.support import ALWAYS

pytestmark = pytest.mark.usefixtures("private_notes")

MARK = uuid.uuid4().hex[:8]
CONTACT = f"WALL-CONTACT-{MARK}"
TIMES = f"WALL-TIMES-{MARK}"
NOTE = f"WALL-NOTE-{MARK}"
FEEDBACK = f"WALL-FEEDBACK-{MARK}"
REQUESTER_NAME = f"Wall Requester {MARK}"
ALL_SCOPES = list(Scope)


@dataclass
class Caller:
    label: str
    headers: dict[str, str]
    forbidden: list[str] = field(default_factory=list)
    # Not to be shown by the support endpoints (a person's name is fine in a people
    # directory, which says nothing of support; it is not fine on the coordinator's board).
    forbidden_in_support: list[str] = field(default_factory=list)

    def forbidden_at(self, url: str) -> list[str]:
        extra = self.forbidden_in_support if url.startswith("/api/v1/support") else []
        return self.forbidden + extra


@dataclass
class World:
    ids: dict[str, uuid.UUID]
    support_ids: dict[str, uuid.UUID]
    callers: list[Caller]
    requester_email: str
    outreach_person: uuid.UUID


def _person(
    engine: Engine,
    name: str,
    *roles: Role,
    department_id: uuid.UUID | None = None,
) -> tuple[uuid.UUID, dict[str, str], str]:
    email = f"{name.lower().replace(' ', '.')}@hospital.example.org"
    with new_session(engine) as session:
        created = org_service.create_user(
            session,
            None,
            data=UserCreate(
                email=email,
                display_name=name,
                roles=list(roles),
                department_id=department_id,
                profession=Profession.nurse,
                password=PASSWORD,
            ),
        )
        session.commit()
    return created.id, {"Authorization": f"Bearer {access_token_for(created.id)}"}, email


def _ok(response: Any, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200, 201, 204)), response.text
    return response.json() if response.content else None


def _report_body(department_id: uuid.UUID, harm: str = "severe") -> dict[str, Any]:
    return {
        "mode": "named",
        "kind": "incident",
        "category": "fall",
        "harm": harm,
        "occurred_on": clock.today().isoformat(),
        "department_id": str(department_id),
        "description": "A patient fell on the ward at night.",
        "contributing_factors": ["staffing"],
    }


def build_world(client: TestClient, engine: Engine) -> World:
    reports_service.receipt_throttle.reset()  # the walk's bogus receipts count as failures
    ward = make_department(engine, name=f"Ward {MARK}", code=f"W{MARK[:6]}")
    other_ward = make_department(engine)
    requester, requester_h, requester_email = _person(
        engine, REQUESTER_NAME, Role.staff, department_id=ward
    )
    supporter, supporter_h, _ = _person(
        engine, f"Wall Supporter {MARK}", Role.staff, Role.peer_supporter, department_id=other_ward
    )
    idle, idle_h, _ = _person(engine, f"Wall Idle {MARK}", Role.staff, Role.peer_supporter)
    coordinator, coordinator_h, _ = _person(
        engine, f"Wall Coordinator {MARK}", Role.support_coordinator
    )
    _, staff_h, _ = _person(engine, f"Wall Colleague {MARK}", Role.staff, department_id=ward)
    _, officer_h, _ = _person(engine, f"Wall Officer {MARK}", Role.safety_officer)
    _, lead_h, _ = _person(
        engine, f"Wall Lead {MARK}", Role.staff, Role.department_lead, department_id=ward
    )
    _, admin_h, _ = _person(engine, f"Wall Admin {MARK}", Role.admin)
    _, auditor_h, _ = _person(engine, f"Wall Auditor {MARK}", Role.auditor)
    outreach_person, _, _ = _person(engine, f"Wall Outreach {MARK}", Role.staff)
    second_outreach, _, _ = _person(engine, f"Wall Second {MARK}", Role.staff)
    # A privileged role grant waiting for a second admin (the walk's admin may confirm it).
    grantee, _, _ = _person(engine, f"Wall Grantee {MARK}", Role.staff)
    _, proposer_h, _ = _person(engine, f"Wall Proposer {MARK}", Role.admin)
    grant = _ok(
        client.patch(
            f"/api/v1/users/{grantee}",
            json={"roles": ["auditor", "staff"]},
            headers={**proposer_h, "If-Match": '"1"'},
        )
    )["pending_grant"]
    key = make_api_key(engine, ALL_SCOPES, name="every scope")
    spare_key = _ok(
        client.post(
            "/api/v1/api-keys", json={"name": "spare", "scopes": ["fhir:read"]}, headers=admin_h
        ),
        201,
    )

    # The roster: one supporter on call, one not.
    supporter_entry = _ok(
        client.post(
            "/api/v1/support/supporters",
            json={
                "user_id": str(supporter),
                "training_completed_on": "2026-01-05",
                "on_call": [w.model_dump() for w in ALWAYS],
            },
            headers=coordinator_h,
        ),
        201,
    )
    _ok(
        client.post(
            "/api/v1/support/supporters",
            json={"user_id": str(idle), "training_completed_on": "2026-01-05"},
            headers=coordinator_h,
        ),
        201,
    )

    # The request behind the wall, with an encounter, a note and follow-ups.
    _ok(
        client.post(
            "/api/v1/support/requests",
            json={"urgency": "urgent", "contact_details": CONTACT, "preferred_times": TIMES},
            headers=requester_h,
        ),
        201,
    )
    (request,) = _ok(client.get("/api/v1/support/requests/mine", headers=requester_h))["items"]
    encounter = _ok(
        client.post(
            f"/api/v1/support/requests/{request['id']}/encounters",
            json={
                "occurred_at": (clock.now() - timedelta(minutes=5)).isoformat(),
                "minutes": 25,
                "channel": "phone",
                "tier": 2,
                "outcome": "follow_up",
                "private_note": NOTE,
            },
            headers=supporter_h,
        ),
        201,
    )
    follow_ups = _ok(
        client.get(f"/api/v1/support/requests/{request['id']}/follow-ups", headers=supporter_h)
    )

    # A second request, closed, with feedback.
    closed = _ok(
        client.post("/api/v1/support/requests", json={"urgency": "routine"}, headers=requester_h),
        201,
    )
    _ok(
        client.post(
            f"/api/v1/support/requests/{closed['id']}/transitions",
            json={"to": "closed"},
            headers={**requester_h, "If-Match": "*"},
        )
    )
    _ok(
        client.post(
            f"/api/v1/support/requests/{closed['id']}/feedback",
            json={"helpful": 5, "comment": FEEDBACK},
            headers=requester_h,
        ),
        204,
    )

    # Reports whose involved staff were offered support: one accepted, one still open.
    report = _ok(client.post("/api/v1/reports", json=_report_body(ward), headers=requester_h), 201)
    second_report = _ok(
        client.post("/api/v1/reports", json=_report_body(ward, "death"), headers=officer_h), 201
    )
    _ok(
        client.put(
            f"/api/v1/reports/{report['id']}/involved-staff",
            json={"staff_ids": [str(outreach_person), str(idle)]},
            headers=officer_h,
        )
    )
    _ok(
        client.put(
            f"/api/v1/reports/{second_report['id']}/involved-staff",
            json={"staff_ids": [str(second_outreach)], "high_risk_scenarios": ["unexpected_death"]},
            headers=officer_h,
        )
    )
    tasks = _ok(client.get("/api/v1/support/outreach", headers=coordinator_h))["items"]
    accepted_task = next(t for t in tasks if t["person_id"] == str(outreach_person))
    open_task = next(t for t in tasks if t["person_id"] == str(second_outreach))
    outreach_request = _ok(
        client.post(
            f"/api/v1/support/outreach/{accepted_task['id']}/accept",
            json={"urgency": "soon"},
            headers={**coordinator_h, "If-Match": "*"},
        ),
        201,
    )

    # Other domains' records.
    review = _ok(
        client.post(
            f"/api/v1/reports/{report['id']}/just-culture-reviews",
            json={"subject": "The night-time check"},
            headers=officer_h,
        ),
        201,
    )
    lesson = _ok(
        client.post(
            "/api/v1/lessons",
            json={
                "title": "Falls at night",
                "summary": "Lower beds.",
                "report_ids": [report["id"]],
            },
            headers=officer_h,
        ),
        201,
    )
    anonymous = _ok(
        client.post(
            "/api/v1/anonymous/reports",
            json={k: v for k, v in _report_body(ward).items() if k != "mode"},
        ),
        201,
    )
    session_token = _ok(
        client.post("/api/v1/anonymous/session", json={"receipt": anonymous["receipt"]})
    )["access_token"]
    with new_session(engine) as db:
        supporter_note = db.exec(
            select(Notification).where(Notification.user_id == supporter)
        ).first()
        assert supporter_note is not None
        follow_up_rows = db.exec(select(SupportFollowUp)).all()
        encounter_rows = db.exec(select(SupportEncounter)).all()
        request_rows = db.exec(select(SupportRequest)).all()
        task_rows = db.exec(select(OutreachTask)).all()

    support_ids: dict[str, uuid.UUID] = {}
    for row in request_rows:
        support_ids[f"request {row.id}"] = row.id
    for e in encounter_rows:
        support_ids[f"encounter {e.id}"] = e.id
    for f in follow_up_rows:
        support_ids[f"follow-up {f.id}"] = f.id
    for t in task_rows:
        support_ids[f"outreach task {t.id}"] = t.id
    assert uuid.UUID(request["id"]) in support_ids.values()
    assert uuid.UUID(outreach_request["id"]) in support_ids.values()
    assert encounter["id"] and follow_ups and open_task

    ids = {
        "request_id": uuid.UUID(request["id"]),
        "follow_up_id": uuid.UUID(follow_ups[0]["id"]),
        "task_id": uuid.UUID(open_task["id"]),
        "supporter_id": uuid.UUID(supporter_entry["id"]),
        "report_id": uuid.UUID(report["id"]),
        "review_id": uuid.UUID(review["id"]),
        "lesson_id": uuid.UUID(lesson["id"]),
        "department_id": ward,
        "user_id": requester,
        "api_key_id": uuid.UUID(spare_key["id"]),
        "notification_id": supporter_note.id,
        "grant_id": uuid.UUID(grant["id"]),
    }
    support_content = [CONTACT, TIMES, NOTE, FEEDBACK]
    id_markers = [str(i) for i in support_ids.values()] + [i.hex for i in support_ids.values()]
    outsiders = id_markers + support_content
    callers = [
        Caller("staff", staff_h, outsiders),
        Caller("peer_supporter (not assigned)", idle_h, outsiders),
        Caller("safety_officer", officer_h, outsiders),
        Caller("department_lead (requester's department)", lead_h, outsiders),
        Caller("admin", admin_h, outsiders),
        Caller("auditor", auditor_h, outsiders),
        Caller("api key with every scope", {"Authorization": f"Bearer {key}"}, outsiders),
        Caller("anonymous report session", {"Authorization": f"Bearer {session_token}"}, outsiders),
        Caller("nobody signed in", {}, outsiders),
        # Inside the wall, each still misses what is not theirs.
        Caller(
            "support_coordinator",
            coordinator_h,
            [CONTACT, TIMES, NOTE, FEEDBACK],
            forbidden_in_support=[REQUESTER_NAME],
        ),
        Caller("requester", requester_h, [NOTE, FEEDBACK, str(ids["task_id"])]),
        Caller("assigned supporter", supporter_h, [FEEDBACK, str(ids["task_id"])]),
    ]
    del coordinator
    return World(ids, support_ids, callers, requester_email, outreach_person)


# --- bodies ----------------------------------------------------------------------------------


def _curated_bodies(world: World) -> dict[tuple[str, str], Any]:
    today = clock.today()
    ids = world.ids
    return {
        ("POST", "/api/v1/support/requests"): {"urgency": "urgent", "contact_details": "mine"},
        ("POST", "/api/v1/support/requests/{request_id}/transitions"): {"to": "contacted"},
        ("POST", "/api/v1/support/requests/{request_id}/assignment"): {"supporter_id": None},
        ("POST", "/api/v1/support/requests/{request_id}/escalation"): {"resource": "psychology"},
        ("POST", "/api/v1/support/requests/{request_id}/encounters"): {
            "occurred_at": clock.now().isoformat(),
            "minutes": 10,
            "channel": "phone",
            "tier": 2,
            "outcome": "follow_up",
        },
        ("POST", "/api/v1/support/requests/{request_id}/follow-ups"): {
            "due_on": (today + timedelta(days=3)).isoformat()
        },
        ("PATCH", "/api/v1/support/requests/{request_id}/follow-ups/{follow_up_id}"): {
            "due_on": (today + timedelta(days=5)).isoformat()
        },
        ("POST", "/api/v1/support/requests/{request_id}/feedback"): {"helpful": 4},
        ("POST", "/api/v1/support/outreach/{task_id}/accept"): {"urgency": "soon"},
        ("POST", "/api/v1/support/supporters"): {"user_id": str(ids["user_id"])},
        ("PATCH", "/api/v1/support/supporters/{supporter_id}"): {"capacity": 4},
        ("PUT", "/api/v1/support/supporters/me/availability"): {
            "on_call": [w.model_dump() for w in ALWAYS],
            "is_paused": False,
        },
        ("PUT", "/api/v1/support/resources"): {
            "items": [{"kind": "crisis_line", "name": "Crisis line", "phone": "116 123"}]
        },
        ("POST", "/api/v1/reports"): _report_body(ids["department_id"]),
        ("PATCH", "/api/v1/reports/{report_id}"): {"outcome_summary": "Beds were lowered."},
        ("POST", "/api/v1/reports/{report_id}/transitions"): {"to": "triaged"},
        ("PUT", "/api/v1/reports/{report_id}/involved-staff"): {
            "staff_ids": [str(world.outreach_person)],
            "high_risk_scenarios": ["unexpected_death"],
        },
        ("POST", "/api/v1/reports/{report_id}/messages"): {"body": "Any news?"},
        ("POST", "/api/v1/reports/{report_id}/just-culture-reviews"): {"subject": "Handover"},
        ("PUT", "/api/v1/reports/{report_id}/just-culture-reviews/{review_id}"): {
            "subject": "Handover"
        },
        ("POST", "/api/v1/lessons"): {
            "title": "Handover",
            "summary": "Use the checklist.",
            "report_ids": [str(ids["report_id"]), str(ids["request_id"])],
        },
        ("POST", "/api/v1/anonymous/reports"): {
            k: v for k, v in _report_body(ids["department_id"]).items() if k != "mode"
        },
        ("POST", "/api/v1/anonymous/session"): {"receipt": "0000-0000-0000-0000-0000"},
        ("POST", "/api/v1/anonymous/report/messages"): {"body": "Any news?"},
        ("PATCH", "/api/v1/users/{user_id}"): {"display_name": REQUESTER_NAME},
        ("PATCH", "/api/v1/departments/{department_id}"): {"name": f"Ward {MARK}"},
    }


def _example(
    schema: dict[str, Any], components: dict[str, Any], world: World, depth: int = 0
) -> Any:
    """A minimal plausible value for a JSON schema (required fields only); any id is a
    support request's, any email the requester's: a route that accepts them must not leak."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].split("/")[-1]], components, world, depth)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _example(options[0], components, world, depth) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and depth > 0:
        return schema["default"]
    kind = schema.get("type")
    fmt = schema.get("format")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {
            name: _example(props[name], components, world, depth + 1)
            for name in schema.get("required", [])
        }
    if kind == "array":
        return [
            _example(schema.get("items", {}), components, world, depth + 1)
            for _ in range(schema.get("minItems", 0))
        ]
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if fmt == "uuid":
        return str(world.ids["request_id"])
    if fmt == "email":
        return world.requester_email
    if fmt == "date":
        return clock.today().isoformat()
    if fmt == "date-time":
        return clock.now().isoformat()
    if "pattern" in schema and schema["pattern"].startswith("^([01]"):
        return "09:00"
    return "x" * max(1, int(schema.get("minLength", 1)))


# --- the walk --------------------------------------------------------------------------------


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute):
            found.extend((method, str(ctx.path)) for method in sorted(route.methods or ()))
    return found


_PARAM = re.compile(r"\{([a-z_]+)\}")


def _fillings(path: str, world: World) -> Iterator[str]:
    names = _PARAM.findall(path)
    if not names:
        yield path
        return
    natural = path
    for name in names:
        natural = natural.replace(
            "{" + name + "}", str(world.ids.get(name, world.ids["request_id"]))
        )
    yield natural
    hostile = _PARAM.sub(str(world.ids["request_id"]), path)
    if hostile != natural:
        yield hostile


def _call(
    client: TestClient,
    method: str,
    path: str,
    url: str,
    caller: Caller,
    world: World,
    openapi: dict[str, Any],
    curated: dict[tuple[str, str], Any],
) -> Any:
    headers = (
        {**caller.headers, "If-Match": "*"}
        if method in ("PATCH", "PUT", "POST")
        else caller.headers
    )
    operation = openapi["paths"].get(path, {}).get(method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {})
    if "application/x-www-form-urlencoded" in content:
        return client.request(
            method,
            url,
            data={"username": world.requester_email, "password": "not it"},
            headers=headers,
        )
    if "application/json" in content:
        body = curated.get((method, path))
        if body is None:
            body = _example(
                content["application/json"]["schema"], openapi["components"]["schemas"], world
            )
        return client.request(method, url, json=body, headers=headers)
    return client.request(method, url, headers=headers)


def _leaks(response: Any, url: str, forbidden: list[str]) -> list[str]:
    text = response.text.replace(url, "<own path>")
    text += " " + " ".join(f"{k}: {v}" for k, v in response.headers.items())
    return [marker for marker in forbidden if marker in text]


def test_no_route_shows_a_support_record_to_anyone_outside_the_wall(
    app: FastAPI, client: TestClient, engine: Engine
) -> None:
    world = build_world(client, engine)
    openapi = app.openapi()
    curated = _curated_bodies(world)
    routes = _routes(app)
    support_routes = [r for r in routes if r[1].startswith("/api/v1/support")]
    assert len(support_routes) >= 29
    cases = 0
    leaks: list[str] = []
    for caller in world.callers:
        for method, path in routes:
            for url in _fillings(path, world):
                response = _call(client, method, path, url, caller, world, openapi, curated)
                cases += 1
                # 501 is a deliberate answer (SCIM's search across resource types), not a crash
                deliberate = response.status_code == 501 and url.endswith("/scim/v2/.search")
                assert response.status_code < 500 or deliberate, (
                    caller.label,
                    method,
                    url,
                    response.text,
                )
                for marker in _leaks(response, url, caller.forbidden_at(url)):
                    leaks.append(
                        f"{caller.label}: {method} {url} -> {response.status_code} shows {marker}"
                    )
    print(
        f"\nsupport wall: {cases} route x caller cases "
        f"({len(routes)} routes, {len(world.callers)} callers)"
    )
    assert leaks == []
    assert cases >= len(routes) * len(world.callers)


def test_the_whole_audit_log_names_no_support_record(
    app: FastAPI, client: TestClient, engine: Engine
) -> None:
    world = build_world(client, engine)
    auditor = next(c for c in world.callers if c.label == "auditor")
    markers = [str(i) for i in world.support_ids.values()] + [
        i.hex for i in world.support_ids.values()
    ]
    cursor = None
    pages = 0
    seen_support_events = 0
    while True:
        url = "/api/v1/audit?limit=200" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=auditor.headers)
        assert page.status_code == 200
        assert [m for m in markers if m in page.text] == []
        body = page.json()
        seen_support_events += sum(
            1 for e in body["items"] if e["object_type"].startswith("support")
        )
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen_support_events > 0  # accesses are audited, under pseudonyms
    for support_id in world.support_ids.values():
        filtered = client.get(f"/api/v1/audit?object_id={support_id}", headers=auditor.headers)
        assert filtered.json()["items"] == []


def test_report_pages_are_the_same_whatever_became_of_the_offer(
    client: TestClient, engine: Engine
) -> None:
    world = build_world(client, engine)
    officer = next(c for c in world.callers if c.label == "safety_officer")
    lead = next(c for c in world.callers if c.label.startswith("department_lead"))
    coordinator = next(c for c in world.callers if c.label == "support_coordinator")
    report_id = world.ids["report_id"]
    pages = [
        (officer, f"/api/v1/reports/{report_id}"),
        (officer, f"/api/v1/reports/{report_id}/involved-staff"),
        (lead, f"/api/v1/reports/{report_id}"),
    ]
    before = [client.get(url, headers=c.headers).json() for c, url in pages]
    # The coordinator declines the open task and closes the outreach request.
    task_id = world.ids["task_id"]
    assert (
        client.post(
            f"/api/v1/support/outreach/{task_id}/decline",
            headers={**coordinator.headers, "If-Match": "*"},
        ).status_code
        == 200
    )
    after = [client.get(url, headers=c.headers).json() for c, url in pages]
    assert after == before


# Fields only the requester and their supporter see: the coordinator's shape has none of them.
NOT_FOR_THE_COORDINATOR = ("contact_details", "preferred_times", "requester_name")


def _shapes_answered(spec: dict[str, Any], operation: dict[str, Any]) -> list[dict[str, Any]]:
    """The response schemas an operation's success may take (a union's members, a page's
    items), resolved through ``$ref``."""
    schemas = spec["components"]["schemas"]

    def resolve(schema: dict[str, Any]) -> list[dict[str, Any]]:
        if "$ref" in schema:
            return resolve(schemas[schema["$ref"].rsplit("/", 1)[-1]])
        if "oneOf" in schema or "anyOf" in schema:
            return [
                s for member in schema.get("oneOf", schema.get("anyOf")) for s in resolve(member)
            ]
        items = schema.get("properties", {}).get("items")
        if items is not None and "next_cursor" in schema["properties"]:
            return resolve(items["items"])
        return [schema]

    found = []
    for status_code, response in operation.get("responses", {}).items():
        if status_code.startswith("2"):
            for content in response.get("content", {}).values():
                found += resolve(content["schema"])
    return found


def test_the_coordinators_shape_has_no_field_for_what_they_may_not_see(app: FastAPI) -> None:
    """The wall as types: a request is answered in one schema per viewer, told apart by
    ``view``. The coordinator's schema has no field for contact details, preferred times or
    the requester's name at all, so no forgotten condition can fill one in."""
    spec = app.openapi()
    schemas = spec["components"]["schemas"]
    coordinator = schemas["CoordinatorRequestRead"]
    assert coordinator["properties"]["view"]["const"] == "coordinator"
    assert [f for f in NOT_FOR_THE_COORDINATOR if f in coordinator["properties"]] == []
    assert "audit_ref" in coordinator["required"]
    # The other two viewers do see them (so the check above is looking at the right names).
    assert "contact_details" in schemas["RequesterRequestRead"]["properties"]
    assert "requester_name" in schemas["SupporterRequestRead"]["properties"]
    # Every support answer that can be a coordinator's view of a request is that schema.
    coordinator_views = 0
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1/support"):
            continue
        for operation in operations.values():
            for shape in _shapes_answered(spec, operation):
                view = shape.get("properties", {}).get("view", {})
                if view.get("const") == "coordinator":
                    coordinator_views += 1
                    assert shape is coordinator, path
    # The board, one request, its moves, assignment, escalation and accepted outreach.
    assert coordinator_views >= 6
