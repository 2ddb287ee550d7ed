"""The sandbox and the operator CLI as a developer and an operator use them: data kept across a clean
restart, provisioning commands, fixtures, and `partnerapi invoke`."""

import json
import os
import subprocess
import sys
import uuid

import pytest
from partnerapi_ops import REPO_ROOT
from support.sandbox import start_sandbox
from support.soap import envelope, post

PYTHONPATH = os.pathsep.join([str(REPO_ROOT / "layers" / "shared"), str(REPO_ROOT / "infra")])


def run_cli(*arguments: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """`partnerapi …` as an operator runs it, with no AWS tables in the environment (`stdin`: piped in)."""
    environment = {name: value for name, value in os.environ.items() if name not in ("ENTITIES_TABLE", "CREDENTIALS_TABLE", "AWS_ENDPOINT_URL")}
    environment["PYTHONPATH"] = PYTHONPATH
    command = [sys.executable, "-m", "partnerapi_ops.cli", *arguments]
    return subprocess.run(command, cwd=REPO_ROOT, env=environment, input=stdin, capture_output=True, text=True, timeout=120, check=False)


def partnerapi(*arguments: str, stdin: str | None = None) -> dict:
    result = run_cli(*arguments, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def employees(url: str, auth: tuple[str, str]) -> str:
    response = post(url, envelope("partner_user_read", "<t:include_deleted>true</t:include_deleted>"), auth=auth)
    assert response.status_code == 200, response.text
    return response.text


def test_serve_with_data_file_keeps_everything_across_a_clean_restart(tmp_path):
    data = tmp_path / "sandbox.json"
    # Given a sandbox started with a data file that does not exist yet (so it seeds the demo data)
    first = start_sandbox("--data", str(data))
    try:
        name = f"Сохраненный-{uuid.uuid4().hex[:8]}"
        response = post(first.url("partners"), envelope("partner_user_add", f"<t:partner_user_name>{name}</t:partner_user_name>"))
        assert response.status_code == 200
    finally:
        # When it is stopped cleanly (Ctrl-C)
        assert first.stop() == 0
    assert data.exists()
    # Then a new sandbox on the same file has the employee, and the demo partners still log in
    second = start_sandbox("--data", str(data))
    try:
        assert name in employees(second.url(), ("demo", "demo"))
        assert name not in employees(second.url(), ("demo2", "demo2"))
    finally:
        second.stop()


def test_operator_provisions_a_partner_that_can_then_call_the_api(tmp_path):
    data = str(tmp_path / "env.json")
    role = partnerapi("role", "add", "--id", "7", "--name", "Тестовая роль", "--data", data)
    region = partnerapi("region", "add", "--name", "Казань", "--time-zone", "3", "--data", data)
    partner = partnerapi("partner", "add", "--name", "ООО Новый", "--login", "newpartner", "--password-stdin", "--data", data, stdin="s3cret!\n")
    partnerapi("partner", "grant-region", "--partner-id", partner["partner_id"], "--region-id", region["region_id"], "--data", data)
    partnerapi("partner", "grant-role", "--partner-id", partner["partner_id"], "--role-id", str(role["role_id"]), "--data", data)
    contract = partnerapi("partner", "add-contract", "--partner-id", partner["partner_id"], "--role-id", "7", "--start", "2026-01-01", "--data", data)
    assert contract["contract_end_date"] == "0001-01-01"

    sandbox = start_sandbox("--data", data)
    try:
        auth = ("newpartner", "s3cret!")
        read = post(sandbox.url("partners"), envelope("partner_read"), auth=auth)
        assert read.status_code == 200 and "ООО Новый" in read.text and partner["partner_id"] in read.text
        regions = post(sandbox.url(), envelope("partner_region_read"), auth=auth).text
        assert region["region_id"] in regions
        roles = post(sandbox.url(), envelope("partner_role_read"), auth=auth).text
        assert "<tns:role_id>7</tns:role_id>" in roles
        # the wrong password is refused; the demo partners are not in this environment
        assert post(sandbox.url(), envelope("partner_read"), auth=("newpartner", "wrong")).status_code == 401
        assert post(sandbox.url(), envelope("partner_read"), auth=("demo", "demo")).status_code == 401
    finally:
        sandbox.stop()


def test_load_fixture_is_idempotent_and_validated(tmp_path):
    data = str(tmp_path / "env.json")
    fixture = tmp_path / "fixture.json"
    fixture.write_text(
        json.dumps(
            {
                "regions": [{"region_id": "11111111-1111-4111-8111-111111111111", "region_name": "Омск", "region_time_zone": 6}],
                "partners": [{"partner_name": "Фикстура", "login": "fx", "password": "fx", "regions": ["11111111-1111-4111-8111-111111111111"]}],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    assert partnerapi("load", str(fixture), "--data", data)["partners"] == 1
    assert partnerapi("load", str(fixture), "--data", data)["regions"] == 1
    state = json.loads((tmp_path / "env.json").read_text(encoding="utf-8"))
    assert len([item for item in state["tables"]["EntitiesTable"] if item["SK"]["S"] == "11111111-1111-4111-8111-111111111111"]) == 1

    fixture.write_text(json.dumps({"regions": [{"region_name": "Без пояса"}]}), encoding="utf-8")
    result = run_cli("load", str(fixture), "--data", data)
    assert result.returncode != 0 and "region_time_zone" in result.stderr


@pytest.mark.parametrize("event, function", [("partners_partner_read.json", "PartnersFunction"), ("router_partner_user_read.json", "RouterFunction")])
def test_invoke_runs_a_function_of_the_template_with_an_event_file(event, function):
    if not (REPO_ROOT / "events" / event).exists():
        pytest.fail(f"events/{event} is missing")
    result = partnerapi("invoke", function, "--event", f"events/{event}", "--raw")  # --raw: the function's result as JSON
    assert result["statusCode"] == 200
    assert "Fault" not in result["body"]
