"""The bulk import of people from a CSV file: `haven users import` and the administrators' API
behind the import page. Re-running updates, bad rows are reported by row and column while
the good ones are imported, progress is shown, and the separation of roles holds."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from haven.auth.schemas import Role
from haven.cli import main
from tests.factories.org import Person, make_department, make_person
from tests.org.api import API
from tests.org.scim.conftest import issue_session, refresh_works
from tests.test_cli import haven

HEADER = "external_id,email,display_name,department_code,profession,roles\n"


def write(tmp_path: Path, text: str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def users_by_email(client: TestClient, admin: Person) -> dict[str, dict[str, Any]]:
    page = client.get(
        f"{API}/users", params={"limit": 200, "include_inactive": True}, headers=admin.headers
    ).json()
    return {u["email"]: u for u in page["items"]}


def test_the_command_imports_then_a_rerun_updates_instead_of_failing(
    engine: Engine, client: TestClient, admin: Person, tmp_path: Path
) -> None:
    ed = make_department(engine, name="Emergency", code="ED")
    icu = make_department(engine, name="Intensive care", code="ICU")
    first = write(
        tmp_path,
        HEADER
        + "E1,ana@hospital.example.org,Ana Lima,ED,nurse,staff\n"
        + "E2,ben@hospital.example.org,Ben Okafor,ICU,physician,staff;peer_supporter\n",
    )
    result = haven("users", "import", str(first))
    assert result.returncode == 0, result.stderr
    assert "2 row(s): 2 created, 0 updated, 0 unchanged, 0 refused" in result.stdout
    assert "Importing people: 2/2 rows (100%)" in result.stderr  # the progress line
    people = users_by_email(client, admin)
    ana, ben = people["ana@hospital.example.org"], people["ben@hospital.example.org"]
    assert (ana["display_name"], ana["department_id"], ana["profession"], ana["roles"]) == (
        "Ana Lima",
        str(ed),
        "nurse",
        ["staff"],
    )
    assert (ben["department_id"], ben["roles"]) == (str(icu), ["peer_supporter", "staff"])
    # The directory moved Ana, renamed Ben's address (same external id), and the rest stays.
    second = write(
        tmp_path,
        HEADER
        + "E1,ana@hospital.example.org,Ana Lima,ICU,nurse,staff\n"
        + "E2,ben.okafor@hospital.example.org,Ben Okafor,ICU,physician,staff;peer_supporter\n"
        + "E3,cy@hospital.example.org,Cy Ng,,,\n",
    )
    assert main(["users", "import", str(second)]) == 0
    people = users_by_email(client, admin)
    assert people["ana@hospital.example.org"]["department_id"] == str(icu)
    assert people["ben.okafor@hospital.example.org"]["id"] == ben["id"]
    assert "ben@hospital.example.org" not in people
    cy = people["cy@hospital.example.org"]
    assert (cy["department_id"], cy["profession"], cy["roles"]) == (None, "other", ["staff"])
    assert main(["users", "import", str(second)]) == 0  # a third run changes nothing


def test_bad_rows_are_reported_and_the_good_ones_imported(
    engine: Engine, client: TestClient, admin: Person, tmp_path: Path, capsys: Any
) -> None:
    make_department(engine, name="Emergency", code="ED")
    path = write(
        tmp_path,
        HEADER
        + "G1,good@hospital.example.org,Good Row,ED,nurse,staff\n"
        + "B1,not-an-address,Bad Email,ED,nurse,staff\n"  # row 3
        + "B2,b2@hospital.example.org,,XX,astronaut,staff;wizard\n"  # row 4
        + "\n"  # blank lines are skipped, and keep their number
        + "D1,dup@hospital.example.org,Twice,ED,nurse,staff\n"  # row 6
        + "D1,dup2@hospital.example.org,Twice Again,ED,nurse,staff\n"  # row 7
        + "G2,good2@hospital.example.org,Good Too,,,\n",  # row 8
    )
    assert main(["users", "import", str(path)]) == 1
    out = capsys.readouterr().out
    assert "6 row(s): 2 created, 0 updated, 0 unchanged, 4 refused" in out
    assert "row 3: email: Not an email address." in out
    for column in ("display_name", "department_code", "profession", "roles"):
        assert f"row 4: {column}:" in out
    assert "row 6: external_id: Also on row(s) 7." in out
    assert "row 7: external_id: Also on row(s) 6." in out
    assert "astronaut" not in out and "wizard" not in out  # never the values
    people = users_by_email(client, admin)
    assert {"good@hospital.example.org", "good2@hospital.example.org"} <= set(people)
    assert not {"dup@hospital.example.org", "b2@hospital.example.org"} & set(people)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("email,display_name,deparment_code\n", "Unknown column(s): deparment_code"),
        ("external_id,display_name\nX,Y\n", "Missing column(s): email"),
        ("", "The file is empty"),
        ("email,display_name\n", "no rows"),
        ('email,display_name\n"a@b.org,Unclosed\n', "not valid CSV"),
    ],
)
def test_file_errors_refuse_the_whole_file(
    engine: Engine, tmp_path: Path, capsys: Any, text: str, message: str
) -> None:
    assert main(["users", "import", str(write(tmp_path, text))]) == 2
    assert message in capsys.readouterr().err


def test_a_file_that_is_not_utf8_is_refused(engine: Engine, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("email,display_name\nzoe@hospital.example.org,Zoë\n".encode("latin-1"))
    assert main(["users", "import", str(path)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_spreadsheet_exports_are_read_as_they_come(
    engine: Engine, client: TestClient, admin: Person, tmp_path: Path
) -> None:
    # Excel in many locales: a byte-order mark, semicolons, headers as people write them.
    text = "\ufeffExternal ID;E-mail;Display Name;Roles\nX9;Zoe@Hospital.example.org;Zoë Ñ;staff\n"
    assert main(["users", "import", str(write(tmp_path, text))]) == 0
    zoe = users_by_email(client, admin)["zoe@hospital.example.org"]
    assert zoe["display_name"] == "Zoë Ñ"


def test_an_email_of_another_directory_id_is_never_relinked(
    engine: Engine, tmp_path: Path, capsys: Any
) -> None:
    assert (
        main(
            [
                "users",
                "import",
                str(write(tmp_path, HEADER + "A1,ida@hospital.example.org,Ida,,,\n")),
            ]
        )
        == 0
    )
    clash = write(tmp_path, HEADER + "A2,ida@hospital.example.org,Ida Two,,,\n", "clash.csv")
    assert main(["users", "import", str(clash)]) == 1
    assert "external_id: This email belongs to an account with another external id." in (
        capsys.readouterr().out
    )


def test_roles_are_replaced_and_privileged_ones_need_a_proposer_and_a_second_admin(
    engine: Engine, client: TestClient, admin: Person, tmp_path: Path, capsys: Any
) -> None:
    make_department(engine, name="Emergency", code="ED")
    base = write(
        tmp_path, HEADER + "R1,rae@hospital.example.org,Rae,ED,nurse,staff;peer_supporter\n"
    )
    assert main(["users", "import", str(base)]) == 0
    privileged = write(
        tmp_path, HEADER + "R1,rae@hospital.example.org,Rae,ED,nurse,safety_officer\n", "p.csv"
    )
    assert main(["users", "import", str(privileged)]) == 1
    assert "row 2: roles: Privileged roles wait" in capsys.readouterr().out
    rae = users_by_email(client, admin)["rae@hospital.example.org"]
    assert rae["roles"] == ["peer_supporter", "staff"]  # the refused row changed nothing
    assert main(["users", "import", str(privileged), f"--proposer={admin.email}"]) == 0
    rae = users_by_email(client, admin)["rae@hospital.example.org"]
    assert rae["roles"] == []  # the listed set replaces the roles; the privileged one waits
    grants = client.get(
        f"{API}/role-grants", params={"user_id": rae["id"]}, headers=admin.headers
    ).json()["items"]
    assert [(g["roles"], g["proposed_by_id"]) for g in grants] == [
        (["safety_officer"], str(admin.id))
    ]
    staff = make_person(engine, Role.staff)
    assert main(["users", "import", str(privileged), f"--proposer={staff.email}"]) == 2


def test_an_active_cell_of_false_ends_the_persons_sessions(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    person = make_person(engine, Role.staff, email="quits@hospital.example.org")
    access, refresh = issue_session(engine, person.id)
    path = write(tmp_path, "email,display_name,active\nquits@hospital.example.org,Quits,false\n")
    assert main(["users", "import", str(path)]) == 0
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {access}"}).status_code == 401
    assert not refresh_works(engine, refresh)


# --- the API behind the import page -------------------------------------------------------


def upload(client: TestClient, person: Person, text: str, name: str = "people.csv") -> Any:
    return client.post(
        f"{API}/people-imports",
        files={"file": (name, text.encode(), "text/csv")},
        headers=person.headers,
    )


def test_the_page_uploads_then_continues_batch_by_batch_until_done(
    client: TestClient, admin: Person
) -> None:
    rows = "".join(f"P{n},p{n}@hospital.example.org,Person {n},,nurse,staff\n" for n in range(130))
    started = upload(client, admin, HEADER + rows + "BAD,bad,Bad,,,\n")
    assert started.status_code == 201, started.text
    job = started.json()
    assert started.headers["location"] == f"/api/v1/people-imports/{job['id']}"
    assert (job["status"], job["total_rows"], job["processed_rows"]) == ("running", 131, 0)
    progress = []
    while job["status"] != "done":
        response = client.post(f"{API}/people-imports/{job['id']}/continue", headers=admin.headers)
        assert response.status_code == 200, response.text
        job = response.json()
        progress.append(job["processed_rows"])
    assert progress == [100, 131]
    assert (job["created_count"], job["failed_count"]) == (130, 1)
    failed = client.get(
        f"{API}/people-imports/{job['id']}/rows",
        params={"outcome": "failed"},
        headers=admin.headers,
    ).json()["items"]
    assert [(r["row_number"], r["email"], r["messages"]) for r in failed] == [
        (132, "bad", [{"field": "email", "message": "Not an email address."}])
    ]
    listed = client.get(f"{API}/people-imports", headers=admin.headers).json()["items"]
    assert [i["id"] for i in listed] == [job["id"]]
    # Continuing a finished import changes nothing.
    again = client.post(f"{API}/people-imports/{job['id']}/continue", headers=admin.headers)
    assert again.json()["processed_rows"] == 131


def test_only_the_uploader_continues_and_only_admins_see_imports(
    client: TestClient, engine: Engine, admin: Person
) -> None:
    job = upload(client, admin, HEADER + "Q1,q1@hospital.example.org,Q,,,\n").json()
    other = make_person(engine, Role.admin)
    refused = client.post(f"{API}/people-imports/{job['id']}/continue", headers=other.headers)
    assert refused.status_code == 403
    assert client.get(f"{API}/people-imports/{job['id']}", headers=other.headers).status_code == 200
    staff = make_person(engine, Role.staff)
    assert client.get(f"{API}/people-imports", headers=staff.headers).status_code == 403
    assert upload(client, staff, HEADER).status_code == 403
    missing = client.get(f"{API}/people-imports/{uuid.uuid4()}", headers=admin.headers)
    assert missing.status_code == 404


def test_a_file_error_is_a_problem_naming_the_file(client: TestClient, admin: Person) -> None:
    response = upload(client, admin, "email;display_name;colour\n")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["errors"][0]["field"] == "file"
    assert "colour" in body["detail"]


def test_nobody_changes_their_own_roles_through_an_upload(
    client: TestClient, admin: Person
) -> None:
    job = upload(
        client, admin, f"email,display_name,roles\n{admin.email},Me,admin;auditor\n"
    ).json()
    done = client.post(f"{API}/people-imports/{job['id']}/continue", headers=admin.headers).json()
    assert done["failed_count"] == 1
    [row] = client.get(f"{API}/people-imports/{job['id']}/rows", headers=admin.headers).json()[
        "items"
    ]
    assert row["messages"][0]["field"] == "roles"
