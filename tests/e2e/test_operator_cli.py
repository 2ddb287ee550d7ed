"""The operator CLI cannot misassign access: a login belongs to one partner for life, every reference
is checked, passwords come from a prompt or stdin, and every error is one line on stderr with exit 2.

Most cases run in-process (typer's CliRunner through the CLI's own error boundary) on the moto tables
of the `aws` fixture, as `partnerapi` without --data acts on the environment's tables; whether a login
still signs in is asked of `partnerapi.auth.authenticate`, the code every request goes through. The
exit codes, stderr and prompts of the real process are checked with `python -m partnerapi_ops.cli
… --data FILE` subprocesses, and a real terminal (a pty) for the hidden, confirmed prompt.
"""

import base64
import errno
import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest
from partnerapi.auth import authenticate
from partnerapi.data import credentials, keys, table
from partnerapi.data.clients import client as aws_client
from partnerapi_ops import REPO_ROOT
from partnerapi_ops.cli import app
from partnerapi_ops.emulation import import_state
from typer.testing import CliRunner

EXAMPLE = "0b6f3a52-8f4e-4c43-9a53-5d2d6f0e0001"
OTHER = "0b6f3a52-8f4e-4c43-9a53-5d2d6f0e0002"
NOBODY = "0b6f3a52-8f4e-4c43-9a53-5d2d6f0e0099"  # a partner that does not exist
KAZAN = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
PYTHONPATH = os.pathsep.join([str(REPO_ROOT / "layers" / "shared"), str(REPO_ROOT / "infra")])


def basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


def signs_in_as(login: str, password: str) -> str | None:
    """The partner a request with these credentials acts for (None: 401)."""
    return authenticate(basic(login, password))


def assert_refused(result, *fragments: str) -> str:
    """Exit 2, nothing on stdout, exactly one line on stderr, `partnerapi: …` naming the fragments."""
    stderr = result.stderr
    assert result.exit_code == 2, (result.exit_code, result.stdout, stderr)
    assert result.stdout == "", result.stdout
    assert stderr.endswith("\n") and stderr.count("\n") == 1 and stderr.startswith("partnerapi: "), stderr
    assert "Traceback" not in stderr
    for fragment in fragments:
        assert fragment in stderr, (fragment, stderr)
    return stderr


# ------------------------------------------------------------------------------------ fixtures --


@pytest.fixture
def partnerapi(aws):
    """partnerapi(*arguments, input=None) → the result of the command, run in-process on the moto tables."""
    runner = CliRunner()

    def run(*arguments: str, input: str | None = None):
        return runner.invoke(app, list(arguments), input=input)

    return run


@pytest.fixture
def ok(partnerapi):
    """ok(*arguments, input=None) → the command's JSON output; the command must succeed."""

    def run(*arguments: str, input: str | None = None) -> dict:
        result = partnerapi(*arguments, input=input)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return json.loads(result.stdout)

    return run


@pytest.fixture
def new_partner(ok):
    """new_partner(partner_id, name, login, password) → adds the partner with its first login (password on stdin)."""

    def add(partner_id: str = EXAMPLE, name: str = "ООО Пример", login: str = "example", password: str = "S3cret!") -> str:
        added = ok("partner", "add", "--id", partner_id, "--name", name, "--login", login, "--password-stdin", input=f"{password}\n")
        assert added["partner_id"] == partner_id
        return partner_id

    return add


@pytest.fixture
def two_partners(new_partner):
    """«ООО Пример» with the login `example`, «ООО Другой» with `other`."""
    new_partner(EXAMPLE, "ООО Пример", "example", "S3cret!")
    new_partner(OTHER, "ООО Другой", "other", "0ther!")


def logins_of(ok, partner_id: str) -> dict[str, str]:
    return {row["login"]: row["state"] for row in ok("partner", "show", "--partner-id", partner_id)["logins"]}


def partner_items(partner_id: str) -> list[dict]:
    return table.query_all(keys.partner_pk(partner_id))


# ---------------------------------------------------------------------- a login stays with its partner --


def test_partner_add_refuses_a_login_that_another_partner_has(ok, partnerapi, new_partner):
    # Given «ООО Пример» with the login `example`
    new_partner(EXAMPLE, "ООО Пример", "example", "S3cret!")
    # When a new partner is added with the same login
    result = partnerapi("partner", "add", "--id", OTHER, "--name", "ООО Другой", "--login", "example", "--password-stdin", input="Stolen1!\n")
    # Then it is refused in one line naming the owner, and nothing changed: no new partner, the login is
    # still «ООО Пример»'s and signs in with its password only
    assert_refused(result, "'example'", EXAMPLE)
    assert partner_items(OTHER) == []
    assert ok("login", "list")["logins"] == [{"login": "example", "partner_id": EXAMPLE, "state": "active"}]
    assert signs_in_as("example", "S3cret!") == EXAMPLE
    assert signs_in_as("example", "Stolen1!") is None


def test_partner_add_refuses_an_existing_partner_id(ok, partnerapi, new_partner):
    new_partner(EXAMPLE, "ООО Пример", "example")
    result = partnerapi("partner", "add", "--id", EXAMPLE, "--name", "Переименован", "--login", "fresh", "--password-stdin", input="S3cret!\n")
    assert_refused(result, f"partner {EXAMPLE} already exists", "add-login")
    # neither the name nor a new login was written
    assert ok("partner", "show", "--partner-id", EXAMPLE)["partner_name"] == "ООО Пример"
    assert credentials.get_login("fresh") is None


def test_set_password_with_another_partner_id_does_not_move_the_login(ok, partnerapi, two_partners):
    # When the operator sets the password of `example` naming the other partner
    result = partnerapi("partner", "set-password", "--login", "example", "--partner-id", OTHER, "--password-stdin", input="Moved1!\n")
    # Then it is refused, and `example` still signs in as «ООО Пример» with its old password
    assert_refused(result, "'example' belongs to partner " + EXAMPLE, OTHER)
    assert signs_in_as("example", "S3cret!") == EXAMPLE
    assert signs_in_as("example", "Moved1!") is None
    assert logins_of(ok, OTHER) == {"other": "active"}


@pytest.mark.parametrize(
    "arguments, message",
    [
        pytest.param(["--login", "nobody"], "login 'nobody' does not exist", id="unknown-login"),
        pytest.param(["--login", "example", "--partner-id", NOBODY], f"belongs to partner {EXAMPLE}, not to {NOBODY}", id="nonexistent-partner"),
    ],
)
def test_set_password_changes_only_an_existing_login_of_that_partner(partnerapi, new_partner, arguments, message):
    new_partner(EXAMPLE, "ООО Пример", "example", "S3cret!")
    assert_refused(partnerapi("partner", "set-password", *arguments, "--password-stdin", input="N3w!\n"), message)
    assert credentials.get_login("nobody") is None
    assert signs_in_as("example", "S3cret!") == EXAMPLE


def test_set_password_changes_the_password_and_nothing_else(ok, new_partner):
    new_partner(EXAMPLE, "ООО Пример", "example", "S3cret!")
    changed = ok("partner", "set-password", "--login", "example", "--partner-id", EXAMPLE, "--password-stdin", input="N3w-S3cret!\n")
    assert (changed["login"], changed["partner_id"], changed["state"]) == ("example", EXAMPLE, "active")
    assert signs_in_as("example", "N3w-S3cret!") == EXAMPLE
    assert signs_in_as("example", "S3cret!") is None


def test_add_login_gives_an_existing_partner_another_login_but_never_one_already_taken(ok, partnerapi, two_partners):
    # When «ООО Другой» gets a second login
    added = ok("partner", "add-login", "--partner-id", OTHER, "--login", "other-1c", "--password-stdin", input="1c-Pass!\n")
    # Then both of its logins sign in as it
    assert added == {"written_to": added["written_to"], "login": "other-1c", "partner_id": OTHER, "state": "active"}
    assert signs_in_as("other-1c", "1c-Pass!") == signs_in_as("other", "0ther!") == OTHER
    # And «ООО Пример»'s login cannot be added to it, nor any login to a partner that does not exist
    assert_refused(partnerapi("partner", "add-login", "--partner-id", OTHER, "--login", "example", "--password-stdin", input="Stolen1!\n"), "'example' belongs to partner " + EXAMPLE)
    assert_refused(partnerapi("partner", "add-login", "--partner-id", NOBODY, "--login", "ghost", "--password-stdin", input="Ghost1!\n"), f"partner {NOBODY} does not exist")
    assert signs_in_as("example", "S3cret!") == EXAMPLE and signs_in_as("example", "Stolen1!") is None
    assert credentials.get_login("ghost") is None
    assert logins_of(ok, OTHER) == {"other": "active", "other-1c": "active"}


def test_a_fixture_cannot_take_another_partners_login(tmp_path, ok, partnerapi, new_partner):
    # Given «ООО Пример» with `example`
    new_partner(EXAMPLE, "ООО Пример", "example", "S3cret!")
    # When a fixture gives `example` to another partner
    fixture = tmp_path / "fixture.json"
    region = {"region_id": KAZAN, "region_name": "Казань", "region_time_zone": 3}
    fixture.write_text(json.dumps({"regions": [region], "partners": [{"partner_id": OTHER, "partner_name": "Другой", "login": "example", "password": "x"}]}), encoding="utf-8")
    # Then the load is refused before anything is written
    assert_refused(partnerapi("load", str(fixture)), "'example' belongs to partner " + EXAMPLE)
    assert table.get(keys.REGION_PK, KAZAN) is None and partner_items(OTHER) == []
    assert signs_in_as("example", "S3cret!") == EXAMPLE


def test_a_fixture_partner_without_an_id_is_the_partner_of_its_login(tmp_path, ok):
    # Given a fixture whose partner has no partner_id
    fixture = tmp_path / "fixture.json"
    fixture.write_text(json.dumps({"partners": [{"partner_name": "Фикстура", "login": "fx", "password": "fx-1"}]}), encoding="utf-8")
    # When it is loaded twice
    ok("load", str(fixture))
    ok("load", str(fixture))
    # Then there is one partner, the one its login names, and the login signs in as it
    (partner,) = ok("partner", "list")["partners"]
    assert partner["logins"] == [{"login": "fx", "state": "active"}]
    assert signs_in_as("fx", "fx-1") == partner["partner_id"]


# ----------------------------------------------------------------------- every reference is checked --


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["partner", "grant-region", "--partner-id", NOBODY, "--region-id", KAZAN], id="grant-region"),
        pytest.param(["partner", "grant-role", "--partner-id", NOBODY, "--role-id", "1"], id="grant-role"),
        pytest.param(["partner", "add-contract", "--partner-id", NOBODY, "--role-id", "1", "--start", "2026-01-01"], id="add-contract"),
        pytest.param(["partner", "show", "--partner-id", NOBODY], id="show"),
        pytest.param(["login", "list", "--partner-id", NOBODY], id="login-list"),
        pytest.param(["service-type", "add", "--name", "Линия", "--partner-id", NOBODY], id="service-type-add"),
        pytest.param(["vendor", "export", "--partner-id", NOBODY, "--service-type-id", KAZAN, "--importer-id", EXAMPLE], id="vendor-export"),
        pytest.param(["vendor", "revoke", "--partner-id", EXAMPLE, "--service-type-id", KAZAN, "--importer-id", NOBODY], id="vendor-revoke"),
    ],
)
def test_a_nonexistent_partner_is_refused_and_nothing_is_written(ok, partnerapi, new_partner, command):
    # Given a region and a role that exist, and a partner
    ok("region", "add", "--id", KAZAN, "--name", "Казань", "--time-zone", "3")
    ok("role", "add", "--id", "1", "--name", "Франчайзи")
    new_partner(EXAMPLE)
    # When a command names a partner that does not exist, Then it is refused naming it
    assert_refused(partnerapi(*command), f"partner {NOBODY} does not exist")
    # and nothing was written under that partner
    assert partner_items(NOBODY) == []


@pytest.mark.parametrize(
    "command, message",
    [
        pytest.param(["partner", "grant-region", "--partner-id", EXAMPLE, "--region-id", KAZAN], f"region {KAZAN} does not exist", id="region"),
        pytest.param(["partner", "grant-role", "--partner-id", EXAMPLE, "--role-id", "42"], "role 42 does not exist", id="role"),
        pytest.param(["partner", "add-contract", "--partner-id", EXAMPLE, "--role-id", "42", "--start", "2026-01-01"], "role 42 does not exist", id="contract-role"),
    ],
)
def test_a_nonexistent_region_or_role_is_refused(ok, partnerapi, new_partner, command, message):
    new_partner(EXAMPLE)
    assert_refused(partnerapi(*command), message)
    shown = ok("partner", "show", "--partner-id", EXAMPLE)
    assert (shown["regions"], shown["roles"], shown["contracts"]) == ([], [], [])


def test_granted_regions_roles_and_contracts_show_with_their_names(ok, new_partner):
    ok("region", "add", "--id", KAZAN, "--name", "Казань", "--time-zone", "3")
    ok("role", "add", "--id", "1", "--name", "Франчайзи")
    new_partner(EXAMPLE)
    ok("partner", "grant-region", "--partner-id", EXAMPLE, "--region-id", KAZAN)
    ok("partner", "grant-role", "--partner-id", EXAMPLE, "--role-id", "1")
    contract = ok("partner", "add-contract", "--partner-id", EXAMPLE, "--role-id", "1", "--start", "2026-01-01")
    shown = ok("partner", "show", "--partner-id", EXAMPLE)
    assert shown["regions"] == [{"region_id": KAZAN, "region_name": "Казань"}]
    assert shown["roles"] == [{"role_id": 1, "role_name": "Франчайзи"}]
    assert shown["contracts"] == [{"contract_id": contract["contract_id"], "role_id": 1, "contract_start_date": "2026-01-01", "contract_end_date": "0001-01-01"}]
    assert ok("partner", "list")["partners"] == [{"partner_id": EXAMPLE, "partner_name": "ООО Пример", "logins": [{"login": "example", "state": "active"}]}]


def test_vendor_export_of_a_public_line_says_why_in_one_line(ok, partnerapi, two_partners):
    public = ok("service-type", "add", "--name", "Бухгалтерия")["service_type_id"]
    assert_refused(partnerapi("vendor", "export", "--partner-id", EXAMPLE, "--service-type-id", public, "--importer-id", OTHER), "is public")
    own = ok("service-type", "add", "--name", "1С:Розница", "--partner-id", EXAMPLE)["service_type_id"]
    exported = ok("vendor", "export", "--partner-id", EXAMPLE, "--service-type-id", own, "--importer-id", OTHER)
    assert (exported["owner_partner_id"], exported["importer_partner_id"]) == (EXAMPLE, OTHER)


# ------------------------------------------------------------------------------------- bad input --


@pytest.mark.parametrize(
    "command, option",
    [
        pytest.param(["partner", "grant-region", "--partner-id", "not-a-uuid", "--region-id", KAZAN], "--partner-id", id="grant-region"),
        pytest.param(["partner", "show", "--partner-id", "42"], "--partner-id", id="show"),
        pytest.param(["partner", "add", "--id", "xyz", "--name", "Н", "--login", "n", "--password-stdin"], "--id", id="partner-add"),
        pytest.param(["vendor", "export", "--partner-id", EXAMPLE, "--service-type-id", "line", "--importer-id", OTHER], "--service-type-id", id="vendor"),
        pytest.param(["region", "add", "--name", "Казань", "--time-zone", "3", "--id", "Kazan"], "--id", id="region"),
        pytest.param(["partner", "add-contract", "--partner-id", EXAMPLE, "--role-id", "1", "--start", "01.01.2026"], "--start", id="date"),
        pytest.param(["region", "add", "--name", "Казань", "--time-zone", "15"], "--time-zone", id="time-zone"),
    ],
)
def test_a_malformed_value_is_refused_naming_the_option(partnerapi, new_partner, command, option):
    new_partner(EXAMPLE)
    assert_refused(partnerapi(*command, input="S3cret!\n"), option)
    assert table.get(keys.REGION_PK, KAZAN) is None


@pytest.mark.parametrize(
    "login, reason",
    [
        pytest.param("exa:mple", "contains ':'", id="colon"),
        pytest.param("exa mple", "printable ASCII", id="space"),
        pytest.param("пример", "printable ASCII", id="cyrillic"),
        pytest.param("tab\there", "printable ASCII", id="control"),
        pytest.param("x" * 65, "1 to 64 characters", id="too-long"),
        pytest.param("", "1 to 64 characters", id="empty"),
    ],
)
def test_a_login_http_basic_cannot_carry_is_refused(ok, partnerapi, new_partner, login, reason):
    # When a partner is added, or given a login, that HTTP Basic cannot carry
    assert_refused(partnerapi("partner", "add", "--name", "ООО Пример", "--login", login, "--password-stdin", input="S3cret!\n"), "login refused", reason)
    new_partner(OTHER, "ООО Другой", "other")
    assert_refused(partnerapi("partner", "add-login", "--partner-id", OTHER, "--login", login, "--password-stdin", input="S3cret!\n"), reason)
    # Then no partner and no login but the one added properly exist
    assert [partner["partner_id"] for partner in ok("partner", "list")["partners"]] == [OTHER]
    assert [row["login"] for row in ok("login", "list")["logins"]] == ["other"]


def test_a_blank_name_is_one_line_from_the_models_validation(ok, partnerapi):
    assert_refused(partnerapi("partner", "add", "--name", "", "--login", "example", "--password-stdin", input="S3cret!\n"), "invalid input: partner_name")
    assert_refused(partnerapi("region", "add", "--name", "К" * 101, "--time-zone", "3"), "invalid input: region_name")
    assert ok("partner", "list")["partners"] == []


# -------------------------------------------------------------------------------------- passwords --


def test_password_stdin_takes_the_first_line_without_its_line_ending(ok, new_partner):
    ok("partner", "add", "--id", EXAMPLE, "--name", "ООО Пример", "--login", "example", "--password-stdin", input="with spaces & : colon\r\nsecond line\n")
    assert signs_in_as("example", "with spaces & : colon") == EXAMPLE
    assert signs_in_as("example", "second line") is None


@pytest.mark.parametrize(
    "arguments, stdin, message",
    [
        pytest.param(["--password-stdin"], "", "stdin is empty", id="empty-stdin"),
        pytest.param(["--password-stdin"], "\n", "password refused", id="empty-line"),
        pytest.param(["--password", "S3cret!"], None, "--password is not accepted", id="on-the-command-line"),
        pytest.param([], "S3cret!\nS3cret!\n", "--password-stdin", id="no-terminal-to-prompt-on"),
    ],
)
def test_a_password_only_from_the_prompt_or_stdin(ok, partnerapi, arguments, stdin, message):
    stderr = assert_refused(partnerapi("partner", "add", "--name", "ООО Пример", "--login", "example", *arguments, input=stdin), message)
    assert "S3cret!" not in stderr
    assert ok("partner", "list")["partners"] == [] and credentials.get_login("example") is None


# ----------------------------------------------------------------------------- disable, enable, delete --


def test_a_disabled_login_does_not_sign_in_until_it_is_enabled_again(ok, partnerapi, two_partners):
    # When `example` is disabled
    assert ok("login", "disable", "--login", "example")["state"] == "disabled"
    # Then it does not sign in; the other partner's login does; the list shows it
    assert signs_in_as("example", "S3cret!") is None
    assert signs_in_as("other", "0ther!") == OTHER
    assert logins_of(ok, EXAMPLE) == {"example": "disabled"}
    # And a new password does not bring it back, but enabling it does, with that password
    ok("partner", "set-password", "--login", "example", "--password-stdin", input="N3w!\n")
    assert signs_in_as("example", "N3w!") is None
    assert ok("login", "enable", "--login", "example")["state"] == "active"
    assert signs_in_as("example", "N3w!") == EXAMPLE


def test_a_deleted_login_never_signs_in_and_only_its_own_partner_can_have_it_back(ok, partnerapi, two_partners):
    # When `example` is deleted
    assert ok("login", "delete", "--login", "example")["state"] == "deleted"
    # Then it signs in no more, cannot be enabled or given a password, and no partner can take it
    assert signs_in_as("example", "S3cret!") is None
    assert "password_hash" not in credentials.get_login("example")
    assert_refused(partnerapi("login", "enable", "--login", "example"), "is deleted")
    assert_refused(partnerapi("partner", "set-password", "--login", "example", "--password-stdin", input="N3w!\n"), "is deleted")
    assert_refused(partnerapi("partner", "add", "--id", NOBODY, "--name", "Новый", "--login", "example", "--password-stdin", input="N3w!\n"), "'example'")
    assert_refused(partnerapi("partner", "add-login", "--partner-id", OTHER, "--login", "example", "--password-stdin", input="N3w!\n"), "belongs to partner " + EXAMPLE)
    assert signs_in_as("example", "N3w!") is None
    assert ok("login", "list", "--partner-id", EXAMPLE)["logins"] == [{"login": "example", "partner_id": EXAMPLE, "state": "deleted"}]
    # And its own partner can have it back, with a new password
    ok("partner", "add-login", "--partner-id", EXAMPLE, "--login", "example", "--password-stdin", input="Back-Again1\n")
    assert signs_in_as("example", "Back-Again1") == EXAMPLE and signs_in_as("example", "S3cret!") is None


def test_disable_enable_delete_of_an_unknown_login_are_refused(partnerapi):
    for action in ("disable", "enable", "delete"):
        assert_refused(partnerapi("login", action, "--login", "nobody"), "login 'nobody' does not exist")
    assert credentials.get_login("nobody") is None


@pytest.mark.parametrize("with_index", [True, False], ids=["ByPartner-index", "table-without-index"])
def test_a_partners_logins_are_a_query_of_the_index_and_a_scan_only_without_it(ok, two_partners, with_index):
    # Given the credentials table with or without the ByPartner index (a table created before it existed)
    dynamodb = aws_client("dynamodb")
    name = os.environ["CREDENTIALS_TABLE"]
    indexes = {index["IndexName"] for index in dynamodb.describe_table(TableName=name)["Table"].get("GlobalSecondaryIndexes", [])}
    if with_index and credentials.BY_PARTNER_INDEX not in indexes:
        dynamodb.update_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": "partner_id", "AttributeType": "S"}, {"AttributeName": "login", "AttributeType": "S"}],
            GlobalSecondaryIndexUpdates=[
                {
                    "Create": {
                        "IndexName": credentials.BY_PARTNER_INDEX,
                        "KeySchema": [{"AttributeName": "partner_id", "KeyType": "HASH"}, {"AttributeName": "login", "KeyType": "RANGE"}],
                        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["state"]},
                    }
                }
            ],
        )
    if not with_index and credentials.BY_PARTNER_INDEX in indexes:
        dynamodb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": credentials.BY_PARTNER_INDEX}}])
    ok("partner", "add-login", "--partner-id", OTHER, "--login", "other-1c", "--password-stdin", input="1c-Pass!\n")
    calls: list[str] = []

    def record(model, **kwargs) -> None:
        calls.append(model.name)

    dynamodb.meta.events.register("before-call.dynamodb", record)
    try:
        # When a partner's logins are listed
        listed = ok("login", "list", "--partner-id", OTHER)["logins"]
    finally:
        dynamodb.meta.events.unregister("before-call.dynamodb", record)
    # Then they are that partner's only, in every state, without a hash; with the index no Scan is made
    assert listed == [{"login": "other", "partner_id": OTHER, "state": "active"}, {"login": "other-1c", "partner_id": OTHER, "state": "active"}]
    assert ("Scan" not in calls) if with_index else ("Scan" in calls), calls


# ---------------------------------------------------------------------------------- the error boundary --


def test_an_unexpected_error_is_one_line_and_debug_adds_the_traceback(partnerapi, monkeypatch):
    from partnerapi_ops import provisioning

    def broken() -> list:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(provisioning, "list_partners", broken)
    assert_refused(partnerapi("partner", "list"), "unexpected RuntimeError: disk on fire", "--debug")
    debug = partnerapi("--debug", "partner", "list")
    assert debug.exit_code == 2 and "Traceback" in debug.stderr and debug.stderr.rstrip().endswith("partnerapi: unexpected RuntimeError: disk on fire (--debug shows the traceback)")


def test_a_dynamodb_error_is_one_line(partnerapi, monkeypatch):
    from partnerapi.settings import get_settings

    # Given a credentials table that does not exist (a wrong CREDENTIALS_TABLE)
    monkeypatch.setenv("CREDENTIALS_TABLE", "NoSuchTable")
    get_settings.cache_clear()
    try:
        # Then the command's error is DynamoDB's, in one line
        assert_refused(partnerapi("login", "list"), "AWS: ", "ResourceNotFoundException")
    finally:
        get_settings.cache_clear()  # monkeypatch restores the variable after the test; the settings follow


# --------------------------------------------------------------------------------- the real process --


def operator_environment() -> dict[str, str]:
    """An operator's environment: no AWS tables, no emulation of the test process."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_") and name not in ("ENTITIES_TABLE", "CREDENTIALS_TABLE", "PARTNERAPI_DEBUG")}
    return {**environment, "PYTHONPATH": PYTHONPATH}


def run_cli(data: Path, *arguments: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """`partnerapi … --data FILE` as a separate process (stdin: the text, or nothing: /dev/null)."""
    return subprocess.run(
        [sys.executable, "-m", "partnerapi_ops.cli", *arguments, "--data", str(data)],
        cwd=REPO_ROOT,
        env=operator_environment(),
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def assert_process_refused(completed: subprocess.CompletedProcess, *fragments: str) -> None:
    assert completed.returncode == 2, (completed.stdout, completed.stderr)
    assert completed.stdout == ""
    lines = completed.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("partnerapi: ") and "Traceback" not in completed.stderr, completed.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def test_the_process_refuses_each_misassignment_in_one_line_with_exit_2(tmp_path, aws):
    data = tmp_path / "env.json"
    # Given «ООО Пример» (login `example`) and «ООО Другой» (login `other`) in a data file
    for partner_id, name, login, password in ((EXAMPLE, "ООО Пример", "example", "S3cret!"), (OTHER, "ООО Другой", "other", "0ther!")):
        added = run_cli(data, "partner", "add", "--id", partner_id, "--name", name, "--login", login, "--password-stdin", stdin=f"{password}\n")
        assert added.returncode == 0, added.stderr
    before = data.read_bytes()
    # When each misassignment of the issue is tried, Then each is refused in one line, with exit 2
    assert_process_refused(run_cli(data, "partner", "add", "--name", "ООО Новый", "--login", "example", "--password-stdin", stdin="x1!\n"), "'example'", EXAMPLE)
    assert_process_refused(run_cli(data, "partner", "set-password", "--login", "example", "--partner-id", OTHER, "--password-stdin", stdin="x1!\n"), "belongs to partner")
    assert_process_refused(run_cli(data, "partner", "set-password", "--login", "ghost", "--partner-id", NOBODY, "--password-stdin", stdin="x1!\n"), "'ghost' does not exist")
    assert_process_refused(run_cli(data, "partner", "grant-region", "--partner-id", NOBODY, "--region-id", KAZAN), f"partner {NOBODY} does not exist")
    assert_process_refused(run_cli(data, "partner", "grant-region", "--partner-id", "not-a-uuid", "--region-id", KAZAN), "--partner-id")
    assert_process_refused(run_cli(data, "partner", "add-login", "--partner-id", OTHER, "--login", "a:b", "--password-stdin", stdin="x1!\n"), "':'")
    assert_process_refused(run_cli(data, "partner", "add", "--name", "ООО Новый", "--login", "fresh"), "--password-stdin")  # stdin is no terminal
    assert_process_refused(run_cli(data, "load", str(tmp_path / "missing.json")), "missing.json")
    # And nothing changed: the file is as it was, `login list` shows each login with its own partner
    assert data.read_bytes() == before
    listed = run_cli(data, "login", "list")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["logins"] == [
        {"login": "example", "partner_id": EXAMPLE, "state": "active"},
        {"login": "other", "partner_id": OTHER, "state": "active"},
    ]
    # and with the file's data, each login signs in as its own partner with its own password
    import_state(data)
    assert signs_in_as("example", "S3cret!") == EXAMPLE and signs_in_as("example", "x1!") is None
    assert signs_in_as("other", "0ther!") == OTHER


def test_python_dash_m_and_the_console_script_show_the_help_and_refuse_an_unknown_command():
    completed = subprocess.run([sys.executable, "-m", "partnerapi_ops.cli", "--help"], cwd=REPO_ROOT, env=operator_environment(), capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0 and "partner" in completed.stdout and "login" in completed.stdout
    unknown = subprocess.run([sys.executable, "-m", "partnerapi_ops.cli", "partner", "move"], cwd=REPO_ROOT, env=operator_environment(), capture_output=True, text=True, timeout=120, check=False)
    assert_process_refused(unknown, "move", "partnerapi partner --help")


def read_until(terminal: int, expected: str, seen: bytearray, start: int = 0, timeout: float = 120) -> int:
    """Reads the terminal's output until `expected` appears after `start` (or the timeout: the process is
    stuck); returns where it ends. getpass writes the prompt's last character after turning echo off and
    discarding pending input, so waiting for the whole prompt means nothing typed is lost."""
    while (found := seen.find(expected.encode(), start)) < 0:
        ready, _, _ = select.select([terminal], [], [], timeout)
        assert ready, f"no {expected!r} on the terminal; it shows {bytes(seen)!r}"
        try:
            chunk = os.read(terminal, 1024)
        except OSError as error:  # EIO: the process closed the terminal
            assert error.errno == errno.EIO, error
            chunk = b""
        assert chunk, f"the terminal closed before {expected!r}; it showed {bytes(seen)!r}"
        seen.extend(chunk)
    return found + len(expected)


def test_the_password_prompt_is_hidden_confirmed_and_read_from_the_terminal(tmp_path, aws):
    import fcntl
    import termios

    data = tmp_path / "env.json"
    controller, terminal = os.openpty()

    def own_terminal() -> None:  # a session of its own with the pty as its terminal (/dev/tty), as in a shell
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    # Given `partner add` without --password-stdin on a terminal, its output captured as `$(…)` would
    process = subprocess.Popen(
        [sys.executable, "-m", "partnerapi_ops.cli", "partner", "add", "--id", EXAMPLE, "--name", "ООО Пример", "--login", "example", "--data", str(data)],
        cwd=REPO_ROOT,
        env=operator_environment(),
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=terminal,
        preexec_fn=own_terminal,
    )
    os.close(terminal)
    seen = bytearray()
    try:
        # When the operator types the password, then mistypes it when asked to confirm
        at = read_until(controller, "Password: ", seen)
        os.write(controller, b"Typed-S3cret\n")
        at = read_until(controller, "Repeat for confirmation: ", seen, at)
        os.write(controller, b"Typo-S3cret\n")
        # Then it is asked for again; typed twice the same, it is taken
        at = read_until(controller, "do not match", seen, at)
        at = read_until(controller, "Password: ", seen, at)
        os.write(controller, b"Typed-S3cret\n")
        read_until(controller, "Repeat for confirmation: ", seen, at)
        os.write(controller, b"Typed-S3cret\n")
        stdout, _ = process.communicate(timeout=180)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(controller)
    # Then the partner is added, stdout is only the result, and the password never showed on the terminal
    assert process.returncode == 0, bytes(seen)
    assert json.loads(stdout)["partner_id"] == EXAMPLE
    assert b"S3cret" not in seen
    # and it is the login's password
    import_state(data)
    assert signs_in_as("example", "Typed-S3cret") == EXAMPLE
    assert signs_in_as("example", "Typo-S3cret") is None
