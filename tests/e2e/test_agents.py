"""The agents group over the wire (sandbox, zeep, both SOAP ports): partner agents and user agents —
numbers that start with 271828 and never repeat (200 concurrent adds), passwords generated or given,
returned in plain text and stored sealed, filters of the reads, edits (the dummy *_activity, no transfer
to another client), deletes that toggle access, and client_delete's cascade over user agents."""

import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest
from partnerapi.data import keys
from partnerapi.logic.agents import PASSWORD_ALPHABET, PASSWORD_LENGTH
from support.demo import (
    DEMO2_CLIENT_USER,
    DEMO_AGENT_IVAN,
    DEMO_AGENT_IVAN_INACTIVE,
    DEMO_AGENT_IVAN_PASSWORD,
    DEMO_CLIENT_ROMASHKA,
    DEMO_CLIENT_USER_OLGA,
    DEMO_CLIENT_USER_PAVEL,
    DEMO_ID,
    DEMO_USER_AGENT_OLGA,
    DEMO_USER_AGENT_OLGA_PASSWORD,
    DEMO_USER_AGENT_PAVEL_INACTIVE,
    DEMO_USER_IVAN,
    MOSCOW,
)
from support.faults import code, fault_of, plain

PORTS = ["PartnerAPISoap", "PartnerAPISoap12"]
GENERATED = re.compile(f"^[{PASSWORD_ALPHABET}]{{{PASSWORD_LENGTH}}}$")


@pytest.fixture
def agents_api(soap_client):
    return lambda port="PartnerAPISoap", login="demo": soap_client(login, login, group="agents", port=port)


@pytest.fixture
def new_partner_user(soap_client):
    def make(name: str = "Агентов") -> str:
        (user,) = plain(soap_client("demo", "demo", group="partners").partner_user_add(partner_user_name=name, partner_user_family_name="Тестовый"))
        return user["partner_user_id"]

    return make


@pytest.fixture
def new_client(soap_client):
    """new_client(users=1) → (client_id, [client_user_id, …]), a fresh client of demo in Moscow."""

    def make(users: int = 1) -> tuple[str, list[str]]:
        clients = soap_client("demo", "demo", group="clients")
        (client,) = plain(clients.client_add(client_name=f"Клиент агентов {uuid.uuid4().hex[:6]}", region_id=MOSCOW))
        ids = [plain(clients.client_user_add(client_id=client["client_id"], client_user_name=f"Сотрудник {n}"))[0]["client_user_id"] for n in range(users)]
        return client["client_id"], ids

    return make


# --- partner agents -------------------------------------------------------------------------------------


@pytest.mark.parametrize("port", PORTS)
def test_agent_partner_add_gives_the_employee_an_agent_with_the_password_and_reads_it_back(agents_api, new_partner_user, port):
    # Given an employee of the partner
    api, user = agents_api(port), new_partner_user()
    # When an agent is added for the employee with a password
    (added,) = plain(api.agent_partner_add(agent_partner_password="Пароль-1 с пробелом", partner_user_id=user))
    # Then the agent is the partner's, active, of type 1, numbered 271828…, with the password in plain text
    assert added["partner_id"] == DEMO_ID and added["partner_user_id"] == user
    assert added["agent_type"] == 1 and added["agent_partner_activity"] is True
    assert re.fullmatch(r"271828\d{6,}", added["agent_partner_number"])
    assert added["agent_partner_password"] == "Пароль-1 с пробелом"
    uuid.UUID(added["agent_partner_id"])
    # And reading it back answers the same row, password included
    assert plain(api.agent_partner_read(agent_partner_id=added["agent_partner_id"])) == [added]


@pytest.mark.parametrize("password", [None, "", "   "], ids=["nil", "empty", "blank"])
def test_an_empty_password_is_generated_strong_and_easy_to_type(agents_api, new_partner_user, password):
    api, user = agents_api(), new_partner_user()
    generated = {plain(api.agent_partner_add(agent_partner_password=password, partner_user_id=user))[0]["agent_partner_password"] for _ in range(3)}
    # Then each is 12 characters of lower-case letters and digits without look-alikes, and they differ
    assert len(generated) == 3
    for value in generated:
        assert GENERATED.match(value), value
        assert not set(value) & set("0o1li")


def test_the_demo_agent_reads_with_its_fixture_password(agents_api):
    (ivan,) = plain(agents_api().agent_partner_read(agent_partner_id=DEMO_AGENT_IVAN))
    assert ivan["agent_partner_password"] == DEMO_AGENT_IVAN_PASSWORD and ivan["partner_user_id"] == DEMO_USER_IVAN


def test_200_concurrent_adds_get_200_distinct_numbers(soap_client, sandbox, new_partner_user, new_client):
    # Given an employee of the partner and one of a client, and one zeep client per thread
    user = new_partner_user()
    _, (client_user,) = new_client()

    def add(index: int) -> str:
        api = soap_client("demo", "demo", group="agents", port=PORTS[index % 2])
        if index % 4 < 2:
            return plain(api.agent_partner_add(partner_user_id=user))[0]["agent_partner_number"]
        return plain(api.agent_user_add(client_user_id=client_user))[0]["agent_user_number"]

    for port in PORTS:  # build the zeep clients (WSDL) before the burst
        soap_client("demo", "demo", group="agents", port=port)
    # When 200 adds of both kinds run at once
    with ThreadPoolExecutor(max_workers=32) as pool:
        numbers = list(pool.map(add, range(200)))
    # Then they got 200 different numbers, each 271828 followed by digits
    assert len(set(numbers)) == 200
    assert all(re.fullmatch(r"271828\d{6,}", number) for number in numbers)
    # And no agent of the partner shares a number with another
    api = soap_client("demo", "demo", group="agents")
    everyone = [row["agent_partner_number"] for row in plain(api.agent_partner_read())] + [row["agent_user_number"] for row in plain(api.agent_user_read())]
    assert len(everyone) == len(set(everyone))


def test_agent_partner_read_filters_by_id_activity_and_employee(agents_api, new_partner_user):
    # Given two employees: the first with an active and a deleted agent, the second with one agent
    api = agents_api()
    first, second = new_partner_user(), new_partner_user()
    active = plain(api.agent_partner_add(partner_user_id=first))[0]["agent_partner_id"]
    deleted = plain(api.agent_partner_add(partner_user_id=first))[0]["agent_partner_id"]
    other = plain(api.agent_partner_add(partner_user_id=second))[0]["agent_partner_id"]
    assert plain(api.agent_partner_delete(agent_partner_id=deleted)) == []

    def ids(**filters) -> set[str]:
        return {row["agent_partner_id"] for row in plain(api.agent_partner_read(**filters))}

    # Then each filter narrows, and the filters combine
    assert ids(partner_user_id=first) == {active, deleted}
    assert ids(partner_user_id=first, agent_partner_activity=True) == {active}
    assert ids(partner_user_id=first, agent_partner_activity=False) == {deleted}
    assert ids(partner_user_id=second) == {other}
    assert {active, deleted, other} <= ids()
    assert active in ids(agent_partner_activity=True) and deleted not in ids(agent_partner_activity=True)
    assert ids(agent_partner_id=deleted) == {deleted}
    assert ids(agent_partner_id=deleted, agent_partner_activity=True) == set()
    assert ids(agent_partner_id=active, partner_user_id=second) == set()
    assert DEMO_AGENT_IVAN_INACTIVE in ids(agent_partner_activity=False)


def test_agent_partner_add_needs_an_employee_and_refuses_a_deleted_one(agents_api, soap_client, new_partner_user):
    api = agents_api()
    # Without an employee: the missing parameter is named
    fault = fault_of(api.agent_partner_add, agent_partner_password="x")
    assert code(fault) == "Client.MissingParameter" and "partner_user_id" in fault.message
    # A deleted employee gets no agent
    user = new_partner_user()
    soap_client("demo", "demo", group="partners").partner_user_delete(partner_user_id=user)
    fault = fault_of(api.agent_partner_add, partner_user_id=user)
    assert code(fault) == "Client.UserDeleted" and user in fault.message and "partner_user_delete" in fault.message
    assert plain(api.agent_partner_read(partner_user_id=user)) == []


def test_a_password_too_long_or_unprintable_is_refused(agents_api, new_partner_user):
    api, user = agents_api(), new_partner_user()
    for password in ("x" * 65, "tab\tinside"):
        fault = fault_of(api.agent_partner_add, agent_partner_password=password, partner_user_id=user)
        assert code(fault) == "Client.InvalidParameter" and "agent_partner_password" in fault.message
    assert plain(api.agent_partner_read(partner_user_id=user)) == []


@pytest.mark.parametrize("port", PORTS)
def test_agent_partner_edit_changes_the_password_and_the_employee_and_ignores_the_dummy_activity(agents_api, new_partner_user, port):
    # Given an agent of one employee
    api = agents_api(port)
    first, second = new_partner_user(), new_partner_user()
    (agent,) = plain(api.agent_partner_add(agent_partner_password="old-password", partner_user_id=first))
    agent_id = agent["agent_partner_id"]

    # When nothing is given but the ID (and the dummy activity=false): nothing changes
    assert plain(api.agent_partner_edit(agent_partner_id=agent_id, agent_partner_activity=False)) == [agent]
    # When a new password is given: it is the password now
    (edited,) = plain(api.agent_partner_edit(agent_partner_id=agent_id, agent_partner_password="new-password"))
    assert edited == {**agent, "agent_partner_password": "new-password"}
    # When an empty password is given: a new one is generated
    (regenerated,) = plain(api.agent_partner_edit(agent_partner_id=agent_id, agent_partner_password=""))
    assert GENERATED.match(regenerated["agent_partner_password"])
    # When another employee is given: the agent is theirs, number unchanged
    (moved,) = plain(api.agent_partner_edit(agent_partner_id=agent_id, partner_user_id=second))
    assert moved == {**regenerated, "partner_user_id": second}
    # And all of it is what a read shows, the agent still active
    assert plain(api.agent_partner_read(agent_partner_id=agent_id)) == [moved]
    assert moved["agent_partner_activity"] is True and moved["agent_partner_number"] == agent["agent_partner_number"]


def test_agent_partner_edit_needs_the_agent_and_refuses_a_deleted_employee(agents_api, soap_client, new_partner_user):
    api = agents_api()
    fault = fault_of(api.agent_partner_edit, agent_partner_password="x")
    assert code(fault) == "Client.MissingParameter" and "agent_partner_id" in fault.message
    user, deleted_user = new_partner_user(), new_partner_user()
    soap_client("demo", "demo", group="partners").partner_user_delete(partner_user_id=deleted_user)
    (agent,) = plain(api.agent_partner_add(partner_user_id=user))
    fault = fault_of(api.agent_partner_edit, agent_partner_id=agent["agent_partner_id"], agent_partner_password="changed", partner_user_id=deleted_user)
    assert code(fault) == "Client.UserDeleted"
    assert plain(api.agent_partner_read(agent_partner_id=agent["agent_partner_id"])) == [agent]  # nothing changed, password neither


@pytest.mark.parametrize("port", PORTS)
def test_agent_partner_delete_answers_empty_and_a_second_call_restores_access(agents_api, new_partner_user, port):
    api = agents_api(port)
    (agent,) = plain(api.agent_partner_add(partner_user_id=new_partner_user()))
    # When the agent is deleted: the answer is empty and the agent has no access
    assert plain(api.agent_partner_delete(agent_partner_id=agent["agent_partner_id"])) == []
    (deleted,) = plain(api.agent_partner_read(agent_partner_id=agent["agent_partner_id"]))
    assert deleted == {**agent, "agent_partner_activity": False}
    # When it is deleted again: its access is back and the restored agent is the answer
    assert plain(api.agent_partner_delete(agent_partner_id=agent["agent_partner_id"])) == [agent]
    assert plain(api.agent_partner_read(agent_partner_id=agent["agent_partner_id"])) == [agent]


def test_restoring_an_agent_of_a_deleted_employee_is_refused(agents_api, soap_client, new_partner_user):
    api, partners = agents_api(), soap_client("demo", "demo", group="partners")
    user = new_partner_user()
    (agent,) = plain(api.agent_partner_add(partner_user_id=user))
    api.agent_partner_delete(agent_partner_id=agent["agent_partner_id"])
    partners.partner_user_delete(partner_user_id=user)
    fault = fault_of(api.agent_partner_delete, agent_partner_id=agent["agent_partner_id"])
    assert code(fault) == "Client.UserDeleted"
    assert plain(api.agent_partner_read(agent_partner_id=agent["agent_partner_id"]))[0]["agent_partner_activity"] is False
    # restoring the employee first (partner_user_delete again) lets the agent's access be restored
    partners.partner_user_delete(partner_user_id=user)
    assert plain(api.agent_partner_delete(agent_partner_id=agent["agent_partner_id"]))[0]["agent_partner_activity"] is True


# --- user agents ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("port", PORTS)
def test_agent_user_add_places_the_agent_at_the_employees_client(agents_api, new_client, port):
    # Given a client with an employee
    api = agents_api(port)
    client, (user,) = new_client()
    # When an agent is added for the employee
    (agent,) = plain(api.agent_user_add(agent_user_password="user-pass-1", client_user_id=user))
    # Then it is a user agent (type 2) at the employee's client, active, with the password
    assert agent["client_id"] == client and agent["client_user_id"] == user
    assert agent["agent_type"] == 2 and agent["agent_user_activity"] is True and agent["agent_user_password"] == "user-pass-1"
    assert re.fullmatch(r"271828\d{6,}", agent["agent_user_number"])
    assert plain(api.agent_user_read(agent_user_id=agent["agent_user_id"])) == [agent]


def test_agent_user_read_filters_by_id_client_activity_and_employee(agents_api, new_client):
    api = agents_api()
    client, (first, second) = new_client(users=2)
    other_client, (stranger,) = new_client()
    a1 = plain(api.agent_user_add(client_user_id=first))[0]["agent_user_id"]
    a2 = plain(api.agent_user_add(client_user_id=first))[0]["agent_user_id"]
    b1 = plain(api.agent_user_add(client_user_id=second))[0]["agent_user_id"]
    c1 = plain(api.agent_user_add(client_user_id=stranger))[0]["agent_user_id"]
    api.agent_user_delete(agent_user_id=a2)

    def ids(**filters) -> set[str]:
        return {row["agent_user_id"] for row in plain(api.agent_user_read(**filters))}

    assert ids(client_id=client) == {a1, a2, b1}
    assert ids(client_id=client, agent_user_activity=True) == {a1, b1}
    assert ids(client_id=client, agent_user_activity=False) == {a2}
    assert ids(client_user_id=first) == {a1, a2}
    assert ids(client_user_id=first, agent_user_activity=True) == {a1}
    assert ids(client_id=other_client) == {c1}
    assert ids(client_id=other_client, client_user_id=first) == set()  # both filters, they do not meet
    assert ids(agent_user_id=b1) == {b1}
    assert ids(agent_user_id=b1, client_id=other_client) == set()
    assert {a1, a2, b1, c1} <= ids()
    assert DEMO_USER_AGENT_PAVEL_INACTIVE in ids(agent_user_activity=False)
    assert {row["agent_user_password"] for row in plain(api.agent_user_read(agent_user_id=DEMO_USER_AGENT_OLGA))} == {DEMO_USER_AGENT_OLGA_PASSWORD}


def test_agent_user_edit_cannot_move_an_agent_to_another_clients_employee(agents_api, new_client):
    # Given an agent at one client, an employee of another client and a colleague at the same client
    api = agents_api()
    client, (owner, colleague) = new_client(users=2)
    _, (stranger,) = new_client()
    (agent,) = plain(api.agent_user_add(agent_user_password="keep-me", client_user_id=owner))
    # When the agent is edited to the other client's employee
    fault = fault_of(api.agent_user_edit, agent_user_id=agent["agent_user_id"], agent_user_password="changed", client_user_id=stranger)
    # Then it is refused in Russian, naming the agent, its client and the employee; nothing changed
    assert code(fault) == "Client.AgentTransferNotAllowed"
    assert agent["agent_user_id"] in fault.message and client in fault.message and stranger in fault.message
    assert "передача агентов" in fault.message
    assert plain(api.agent_user_read(agent_user_id=agent["agent_user_id"])) == [agent]
    # And a colleague at the same client may take it over (the dummy activity ignored)
    (moved,) = plain(api.agent_user_edit(agent_user_id=agent["agent_user_id"], agent_user_activity=False, client_user_id=colleague))
    assert moved == {**agent, "client_user_id": colleague}


def test_agent_user_add_refuses_a_deleted_employee(agents_api, soap_client, new_client):
    api = agents_api()
    _, (user,) = new_client()
    soap_client("demo", "demo", group="clients").client_user_delete(client_user_id=user)
    fault = fault_of(api.agent_user_add, client_user_id=user)
    assert code(fault) == "Client.UserDeleted" and "client_user_delete" in fault.message
    assert plain(api.agent_user_read(client_user_id=user)) == []


@pytest.mark.parametrize("port", PORTS)
def test_agent_user_delete_answers_empty_and_a_second_call_restores_access(agents_api, new_client, port):
    api = agents_api(port)
    _, (user,) = new_client()
    (agent,) = plain(api.agent_user_add(client_user_id=user))
    assert plain(api.agent_user_delete(agent_user_id=agent["agent_user_id"])) == []
    assert plain(api.agent_user_read(agent_user_id=agent["agent_user_id"])) == [{**agent, "agent_user_activity": False}]
    assert plain(api.agent_user_delete(agent_user_id=agent["agent_user_id"])) == [agent]


def test_client_delete_deactivates_the_clients_agents_and_its_restore_leaves_them_inactive(agents_api, soap_client, new_client):
    # Given a client with two employees and three active agents, and another client's agent
    api, clients = agents_api(), soap_client("demo", "demo", group="clients")
    client, (first, second) = new_client(users=2)
    _, (bystander,) = new_client()
    agents = [plain(api.agent_user_add(client_user_id=user))[0] for user in (first, first, second)]
    (other,) = plain(api.agent_user_add(client_user_id=bystander))

    # When the client is deleted
    assert plain(clients.client_delete(client_id=client))[0]["client_del"] is True
    # Then every agent of the client has lost its access, the other client's agent has not
    after_delete = plain(api.agent_user_read(client_id=client))
    assert {row["agent_user_id"] for row in after_delete} == {agent["agent_user_id"] for agent in agents}
    assert all(row["agent_user_activity"] is False for row in after_delete)
    assert plain(api.agent_user_read(agent_user_id=other["agent_user_id"]))[0]["agent_user_activity"] is True
    # And the deleted client's employees get no new agents, nor their agents access back
    fault = fault_of(api.agent_user_add, client_user_id=first)
    assert code(fault) == "Client.ClientDeleted" and client in fault.message
    fault = fault_of(api.agent_user_delete, agent_user_id=agents[0]["agent_user_id"])
    assert code(fault) == "Client.ClientDeleted"

    # When the client is restored (client_delete again)
    assert plain(clients.client_delete(client_id=client))[0]["client_del"] is False
    # Then its agents stay inactive (spec: «пользователи клиента и их устройства не восстанавливаются»)
    assert all(row["agent_user_activity"] is False for row in plain(api.agent_user_read(client_id=client)))
    # And access comes back by hand: the employee first (client_user_delete), then the agent (agent_user_delete)
    fault = fault_of(api.agent_user_delete, agent_user_id=agents[0]["agent_user_id"])
    assert code(fault) == "Client.UserDeleted"
    clients.client_user_delete(client_user_id=first)
    (restored,) = plain(api.agent_user_delete(agent_user_id=agents[0]["agent_user_id"]))
    assert restored == agents[0]
    assert {row["agent_user_id"] for row in plain(api.agent_user_read(client_id=client, agent_user_activity=True))} == {agents[0]["agent_user_id"]}


def test_agent_user_add_needs_an_employee(agents_api):
    fault = fault_of(agents_api().agent_user_add, agent_user_password="x")
    assert code(fault) == "Client.MissingParameter" and "client_user_id" in fault.message


# --- the single URL, the WSDL ----------------------------------------------------------------------------------


@pytest.mark.parametrize("port", PORTS)
def test_every_agents_operation_is_reachable_through_the_single_url(soap_client, port):
    single = soap_client("demo", "demo", port=port)
    assert DEMO_AGENT_IVAN in {row["agent_partner_id"] for row in plain(single.agent_partner_read())}
    assert DEMO_USER_AGENT_OLGA in {row["agent_user_id"] for row in plain(single.agent_user_read(client_id=DEMO_CLIENT_ROMASHKA))}
    assert isinstance(plain(single.competence_read()), list)
    fault = fault_of(single.account_access_email_notify, DEMO2_CLIENT_USER, "a@b.example", None, None, "10.1.2.3", 587, True)
    assert code(fault) == "Client.ReferenceNotFound"  # demo2's employee: not found for demo, before any SMTP


def test_the_wsdl_has_the_spec_parameters_in_the_spec_order(soap_client):
    api = soap_client("demo", "demo", group="agents")
    expected = {
        "agent_partner_read": ["agent_partner_id", "agent_partner_activity", "partner_user_id"],
        "agent_partner_add": ["agent_partner_password", "partner_user_id"],
        "agent_partner_edit": ["agent_partner_id", "agent_partner_password", "agent_partner_activity", "partner_user_id"],
        "agent_partner_delete": ["agent_partner_id"],
        "agent_user_read": ["agent_user_id", "client_id", "agent_user_activity", "client_user_id"],
        "agent_user_add": ["agent_user_password", "client_user_id"],
        "agent_user_edit": ["agent_user_id", "agent_user_password", "agent_user_activity", "client_user_id"],
        "agent_user_delete": ["agent_user_id"],
        "competence_read": ["competence_id", "agent_id", "service_type_id", "prioritet", "agent_partner_id"],
        "competence_add": ["agent_partner_id", "service_type_id", "prioritet", "agent_id"],
        "competence_stop": ["competence_id"],
        "account_access_email_notify": ["client_user_id", "sender_email_address", "email_login", "email_password", "smtp_server", "smtp_port", "ssl_encryption"],
    }
    binding = api._binding
    for operation, parameters in expected.items():
        body = binding.get(operation).input.body
        assert [name for name, _ in body.type.elements] == parameters, operation


# --- passwords at rest -------------------------------------------------------------------------------------------


def test_passwords_are_stored_sealed_and_open_only_with_the_sandbox_key(sandbox, agents_api, new_partner_user, tmp_path, monkeypatch):
    from partnerapi.data import secrets
    from partnerapi.data.clients import reset_clients
    from partnerapi.logic.agents import PARTNER_AGENTS, associated_data

    # Given an agent added with a known password
    (agent,) = plain(agents_api().agent_partner_add(agent_partner_password="never-in-the-table", partner_user_id=new_partner_user()))
    # When its item is read raw from the sandbox's table
    dynamodb = boto3.client("dynamodb", endpoint_url=sandbox.moto_endpoint, region_name="eu-central-1", aws_access_key_id="sandbox", aws_secret_access_key="sandbox")
    raw = dynamodb.get_item(TableName="EntitiesTable", Key={"PK": {"S": keys.partner_pk(DEMO_ID)}, "SK": {"S": keys.agent_partner_sk(agent["agent_partner_id"])}})["Item"]
    # Then the password is nowhere in it, only its sealed form
    assert "never-in-the-table" not in json.dumps(raw, ensure_ascii=False)
    sealed = raw["agent_partner_password_sealed"]["S"]
    assert sealed.startswith("v1.file.") and "agent_partner_password" not in raw
    # And the sandbox's key (a 0600 file outside the table) opens it, for this agent only
    key_file = Path(next(line.split("AGENT_PASSWORD_KEY_FILE=", 1)[1].strip() for line in sandbox.output if "AGENT_PASSWORD_KEY_FILE=" in line))
    assert key_file.stat().st_mode & 0o777 == 0o600 and key_file.stat().st_size == 32
    monkeypatch.delenv("AGENT_PASSWORD_KEY_ARN", raising=False)
    monkeypatch.setenv("AGENT_PASSWORD_KEY_FILE", str(key_file))
    reset_clients()
    secrets.forget_keys()
    assert secrets.open_sealed(sealed, associated_data(PARTNER_AGENTS, DEMO_ID, agent["agent_partner_id"])) == "never-in-the-table"
    with pytest.raises(secrets.SecretUnavailable):
        secrets.open_sealed(sealed, associated_data(PARTNER_AGENTS, DEMO_ID, DEMO_AGENT_IVAN))
    # And another key does not open it
    other = secrets.ensure_key_file(tmp_path / "other.key")
    monkeypatch.setenv("AGENT_PASSWORD_KEY_FILE", str(other))
    reset_clients()
    with pytest.raises(secrets.SecretUnavailable):
        secrets.open_sealed(sealed, associated_data(PARTNER_AGENTS, DEMO_ID, agent["agent_partner_id"]))
    secrets.forget_keys()
    reset_clients()


def test_the_demo_employees_keep_their_agents(agents_api):
    api = agents_api()
    assert {row["client_user_id"] for row in plain(api.agent_user_read(client_user_id=DEMO_CLIENT_USER_OLGA))} == {DEMO_CLIENT_USER_OLGA}
    assert plain(api.agent_user_read(client_user_id=DEMO_CLIENT_USER_PAVEL, agent_user_activity=True)) == []


def test_a_sandbox_with_a_data_file_keeps_passwords_readable_across_a_restart_and_the_file_holds_none(tmp_path):
    from support.sandbox import start_sandbox
    from support.soap import envelope, post

    data = tmp_path / "state.json"
    # Given a sandbox on a new data file, where an agent is added with a known password
    first = start_sandbox("--data", str(data))
    try:
        added = post(first.url("agents"), envelope("agent_partner_add", f"<t:agent_partner_password>kept-across-restarts</t:agent_partner_password><t:partner_user_id>{DEMO_USER_IVAN}</t:partner_user_id>"))
        assert added.status_code == 200 and "kept-across-restarts" in added.text
    finally:
        assert first.stop() == 0
    # Then the data file holds no password in plain text, and its key lives beside it, readable by its owner only
    key = data.with_name(data.name + ".agent-passwords.key")
    assert data.exists() and key.exists() and key.stat().st_mode & 0o777 == 0o600
    state = data.read_text(encoding="utf-8")
    assert "kept-across-restarts" not in state and DEMO_AGENT_IVAN_PASSWORD not in state and DEMO_USER_AGENT_OLGA_PASSWORD not in state
    # And a new sandbox on the same file reads the password back
    second = start_sandbox("--data", str(data))
    try:
        read = post(second.url("agents"), envelope("agent_partner_read", f"<t:partner_user_id>{DEMO_USER_IVAN}</t:partner_user_id>"))
        assert read.status_code == 200 and "kept-across-restarts" in read.text and DEMO_AGENT_IVAN_PASSWORD in read.text
    finally:
        second.stop()
