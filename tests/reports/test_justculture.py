"""The just-culture guide: the pure function against an independent oracle over every
combination of answers, and the review endpoints."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.reports.justculture import OUTCOMES, evaluate
from haven.reports.schemas import JcQuestion
from tests.core.test_http import assert_problem
from tests.factories.org import Person
from tests.factories.reports import create_review, report_url, review_payload, submit_named
from tests.reports.test_visibility import audit_events

Answer = bool | None
QUESTIONS = [
    "deliberate_harm",
    "substance_abuse",
    "ill_health",
    "protocols_existed",
    "protocols_workable",
    "knowingly_departed",
    "peers_would_act_same",
    "missed_training",
    "supervision_lacking",
    "mitigating_circumstances",
]


def oracle(a: dict[str, Answer]) -> tuple[str | None, str | None]:
    """NHS England, "A just culture guide" (2018), box by box. Returns (outcome letter,
    next unanswered question); a question is reached only once all before it are answered
    without reaching an outcome."""
    # 1. Deliberate harm test.
    if a["deliberate_harm"] is None:
        return None, "deliberate_harm"
    if a["deliberate_harm"] is True:
        return "A", None
    # 2. Health test: substance abuse, then physical or mental ill health.
    if a["substance_abuse"] is None:
        return None, "substance_abuse"
    if a["substance_abuse"] is True:
        return "B", None
    if a["ill_health"] is None:
        return None, "ill_health"
    if a["ill_health"] is True:
        return "C", None
    # 3. Foresight test: "no" to any of the three -> D.
    if a["protocols_existed"] is None:
        return None, "protocols_existed"
    if a["protocols_existed"] is False:
        return "D", None
    if a["protocols_workable"] is None:
        return None, "protocols_workable"
    if a["protocols_workable"] is False:
        return "D", None
    if a["knowingly_departed"] is None:
        return None, "knowingly_departed"
    if a["knowingly_departed"] is False:
        return "D", None
    # 4. Substitution test: "yes" to any of the three -> E.
    if a["peers_would_act_same"] is None:
        return None, "peers_would_act_same"
    if a["peers_would_act_same"] is True:
        return "E", None
    if a["missed_training"] is None:
        return None, "missed_training"
    if a["missed_training"] is True:
        return "E", None
    if a["supervision_lacking"] is None:
        return None, "supervision_lacking"
    if a["supervision_lacking"] is True:
        return "E", None
    # 5. Mitigating circumstances: yes -> F, no -> G.
    if a["mitigating_circumstances"] is None:
        return None, "mitigating_circumstances"
    return ("F" if a["mitigating_circumstances"] else "G"), None


def test_the_questions_are_asked_in_the_guides_order() -> None:
    assert [q.value for q in JcQuestion] == QUESTIONS


def test_evaluate_agrees_with_the_guide_for_every_combination_of_answers() -> None:
    combinations = 0
    mismatches = []
    for values in itertools.product((True, False, None), repeat=len(QUESTIONS)):
        answers = dict(zip(QUESTIONS, values, strict=True))
        expected = oracle(answers)
        got = evaluate({JcQuestion(q): v for q, v in answers.items()})
        actual = (got.outcome, got.next_question.value if got.next_question else None)
        if actual != expected:
            mismatches.append((answers, expected, actual))
        combinations += 1
    assert combinations == 3**10
    assert mismatches[:5] == []


def test_evaluate_treats_a_missing_answer_as_unknown() -> None:
    assert evaluate({}).next_question == JcQuestion.deliberate_harm
    only_later = evaluate({JcQuestion.mitigating_circumstances: True})
    assert (only_later.outcome, only_later.next_question) == (None, JcQuestion.deliberate_harm)


def test_every_outcome_is_reachable() -> None:
    reached = {
        evaluate({JcQuestion(q): v for q, v in zip(QUESTIONS, values, strict=True)}).outcome
        for values in itertools.product((True, False), repeat=len(QUESTIONS))
    }
    assert reached == set("ABCDEFG")


def test_four_of_the_seven_outcomes_point_away_from_individual_action() -> None:
    assert sorted(OUTCOMES) == list("ABCDEFG")
    away = {letter for letter, o in OUTCOMES.items() if o.points_away_from_individual_action}
    assert away == {"C", "D", "E", "F"}


def test_every_outcome_has_a_title_and_guidance() -> None:
    for letter, outcome in OUTCOMES.items():
        assert outcome.letter == letter
        assert outcome.title and outcome.guidance


# --- the review endpoints --------------------------------------------------------------------


def answers(**given: bool | None) -> dict[str, dict[str, Any]]:
    return {q: {"answer": v, "evidence": f"Evidence for {q}."} for q, v in given.items()}


TO_D = dict(deliberate_harm=False, substance_abuse=False, ill_health=False, protocols_existed=False)


@pytest.fixture
def report_id(client: TestClient, reporter: Person, department: uuid.UUID) -> str:
    return str(submit_named(client, reporter, department)["id"])


def reviews_url(report_id: str, *parts: str) -> str:
    return report_url(report_id, "/".join(["/just-culture-reviews", *parts]))


def put_review(
    client: TestClient,
    officer: Person,
    report_id: str,
    review_id: str,
    if_match: str | None,
    **body: Any,
) -> Any:
    headers = dict(officer.headers)
    if if_match is not None:
        headers["If-Match"] = if_match
    return client.put(
        reviews_url(report_id, review_id), json=review_payload(**body), headers=headers
    )


def test_officer_creates_a_review_and_the_outcome_is_computed(
    client: TestClient, officer: Person, report_id: str
) -> None:
    response = create_review(client, officer, report_id, answers=answers(**TO_D))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["outcome"]["letter"] == "D"
    assert body["outcome"]["points_away_from_individual_action"] is True
    assert body["next_question"] is None
    assert body["is_complete"] is False
    assert body["version"] == 1 and response.headers["etag"] == '"1"'
    assert body["answers"]["protocols_existed"] == {
        "answer": False,
        "evidence": "Evidence for protocols_existed.",
    }


def test_an_unfinished_review_names_the_next_question(
    client: TestClient, officer: Person, report_id: str
) -> None:
    body = create_review(
        client, officer, report_id, answers=answers(deliberate_harm=False, substance_abuse=None)
    ).json()
    assert body["outcome"] is None
    assert body["next_question"] == "substance_abuse"


@pytest.mark.parametrize("field", ["recommendation", "outcome", "letter"])
def test_the_outcome_cannot_be_typed(
    client: TestClient, officer: Person, report_id: str, field: str
) -> None:
    response = create_review(client, officer, report_id, **{field: "A"})
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == [field]


def test_unknown_question_is_422(client: TestClient, officer: Person, report_id: str) -> None:
    response = create_review(client, officer, report_id, answers=answers(was_it_their_fault=True))
    assert_problem(response, 422)


def test_completing_needs_an_outcome(client: TestClient, officer: Person, report_id: str) -> None:
    response = create_review(
        client,
        officer,
        report_id,
        answers=answers(deliberate_harm=False),
        system_factors=["staffing"],
        complete=True,
    )
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["answers"]


def test_completing_needs_a_system_factor(
    client: TestClient, officer: Person, report_id: str
) -> None:
    response = create_review(
        client, officer, report_id, answers=answers(**TO_D), system_factors=[], complete=True
    )
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["system_factors"]


def test_a_review_with_an_outcome_and_a_system_factor_completes(
    client: TestClient, officer: Person, report_id: str
) -> None:
    response = create_review(
        client,
        officer,
        report_id,
        answers=answers(**TO_D),
        system_factors=["policy_procedure"],
        complete=True,
    )
    assert response.status_code == 201, response.text
    assert response.json()["is_complete"] is True


def test_refused_completion_stores_nothing(
    client: TestClient, officer: Person, report_id: str
) -> None:
    create_review(client, officer, report_id, complete=True)
    assert client.get(reviews_url(report_id), headers=officer.headers).json() == []


def test_reviews_are_listed_per_report(
    client: TestClient, officer: Person, reporter: Person, department: uuid.UUID, report_id: str
) -> None:
    first = create_review(client, officer, report_id, subject="First action").json()
    second = create_review(client, officer, report_id, subject="Second omission").json()
    other = str(submit_named(client, reporter, department)["id"])
    create_review(client, officer, other, subject="Elsewhere")
    listed = client.get(reviews_url(report_id), headers=officer.headers).json()
    assert [r["id"] for r in listed] == [first["id"], second["id"]]


def test_update_needs_if_match(client: TestClient, officer: Person, report_id: str) -> None:
    review = create_review(client, officer, report_id).json()
    assert_problem(put_review(client, officer, report_id, review["id"], None), 428)


def test_stale_update_is_412_and_changes_nothing(
    client: TestClient, officer: Person, report_id: str
) -> None:
    review = create_review(client, officer, report_id).json()
    ok = put_review(client, officer, report_id, review["id"], '"1"', answers=answers(**TO_D))
    assert ok.status_code == 200, ok.text
    stale = put_review(
        client, officer, report_id, review["id"], '"1"', answers=answers(deliberate_harm=True)
    )
    assert_problem(stale, 412)
    (current,) = client.get(reviews_url(report_id), headers=officer.headers).json()
    assert (current["version"], current["outcome"]["letter"]) == (2, "D")


def test_each_version_is_kept_as_a_revision(
    client: TestClient, officer: Person, report_id: str
) -> None:
    review = create_review(client, officer, report_id).json()
    put_review(client, officer, report_id, review["id"], '"1"', answers=answers(**TO_D))
    put_review(
        client,
        officer,
        report_id,
        review["id"],
        '"2"',
        answers=answers(**TO_D),
        system_factors=["training"],
        complete=True,
    )
    revisions = client.get(
        reviews_url(report_id, review["id"], "revisions"), headers=officer.headers
    ).json()
    assert [(r["version"], r["recommendation"], r["is_complete"]) for r in revisions] == [
        (1, None, False),
        (2, "D", False),
        (3, "D", True),
    ]


def test_facts_that_emerge_change_the_outcome(
    client: TestClient, officer: Person, report_id: str
) -> None:
    review = create_review(client, officer, report_id, answers=answers(**TO_D)).json()
    updated = put_review(
        client,
        officer,
        report_id,
        review["id"],
        '"1"',
        answers=answers(**{**TO_D, "ill_health": True}),
    ).json()
    assert updated["outcome"]["letter"] == "C"
    assert updated["version"] == 2


def test_review_under_another_report_is_404(
    client: TestClient, officer: Person, reporter: Person, department: uuid.UUID, report_id: str
) -> None:
    review = create_review(client, officer, report_id).json()
    other = str(submit_named(client, reporter, department)["id"])
    assert_problem(put_review(client, officer, other, review["id"], '"1"'), 404)
    assert_problem(
        client.get(reviews_url(other, review["id"], "revisions"), headers=officer.headers), 404
    )


def test_review_of_a_missing_report_is_404(client: TestClient, officer: Person) -> None:
    assert_problem(create_review(client, officer, str(uuid.uuid4())), 404)


def test_reviews_are_audited(
    client: TestClient, engine: Engine, officer: Person, report_id: str
) -> None:
    review = create_review(client, officer, report_id).json()
    put_review(client, officer, report_id, review["id"], '"1"')
    client.get(reviews_url(report_id), headers=officer.headers)
    actions = [r.action for r in audit_events(engine) if r.action.startswith("report.jc_")]
    assert actions == [
        "report.jc_review_created",
        "report.jc_review_updated",
        "report.jc_reviews_read",
    ]


def test_review_idempotency_key_replays_the_first_result(
    client: TestClient, officer: Person, report_id: str
) -> None:
    headers = {**officer.headers, "Idempotency-Key": "review-1"}
    first = client.post(reviews_url(report_id), json=review_payload(), headers=headers)
    again = client.post(reviews_url(report_id), json=review_payload(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert len(client.get(reviews_url(report_id), headers=officer.headers).json()) == 1
