"""The agents group keeps partners apart (over the sandbox, both SOAP ports): another partner's agent,
employee, client, client employee, competence or private service type ID is answered exactly like an
unknown or malformed ID, for every operation and every ID parameter, and nothing of either partner
changes (no e-mail is sent either); lists never show another partner's agents or competences."""

import uuid

import pytest
from support.demo import (
    DEMO2_AGENT,
    DEMO2_CLIENT_USER,
    DEMO2_ID,
    DEMO2_USER_AGENT,
    DEMO_AGENT_IVAN,
    DEMO_AGENT_IVAN_INACTIVE,
    DEMO_CLIENT_ROMASHKA,
    DEMO_CLIENT_USER_OLGA,
    DEMO_PRIVATE_LINE,
    DEMO_USER_AGENT_OLGA,
    DEMO_USER_AGENT_SERGEY,
    DEMO_USER_ANNA,
    DEMO_USER_IVAN,
    PUBLIC_CONSULTING,
)
from support.faults import code, fault_of, plain, rows
from support.mail import mail_server

PORTS = ["PartnerAPISoap", "PartnerAPISoap12"]
SMTP = {"sender_email_address": "support@second.example", "email_login": None, "email_password": None, "smtp_server": "127.0.0.1", "ssl_encryption": False}

# operation → keyword arguments, "{id}" marking the ID parameter under test; the other IDs are demo2's own
ID_PARAMETERS = [
    ("agent_partner_read", {"agent_partner_id": "{id}"}),
    ("agent_partner_read", {"partner_user_id": "{id}"}),
    ("agent_partner_add", {"agent_partner_password": "planted", "partner_user_id": "{id}"}),
    ("agent_partner_edit", {"agent_partner_id": "{id}", "agent_partner_password": "hijacked"}),
    ("agent_partner_edit", {"agent_partner_id": DEMO2_AGENT, "agent_partner_password": "moved", "partner_user_id": "{id}"}),
    ("agent_partner_delete", {"agent_partner_id": "{id}"}),
    ("agent_user_read", {"agent_user_id": "{id}"}),
    ("agent_user_read", {"client_id": "{id}"}),
    ("agent_user_read", {"client_user_id": "{id}"}),
    ("agent_user_add", {"agent_user_password": "planted", "client_user_id": "{id}"}),
    ("agent_user_edit", {"agent_user_id": "{id}", "agent_user_password": "hijacked"}),
    ("agent_user_edit", {"agent_user_id": DEMO2_USER_AGENT, "agent_user_password": "moved", "client_user_id": "{id}"}),
    ("agent_user_delete", {"agent_user_id": "{id}"}),
    ("competence_read", {"competence_id": "{id}"}),
    ("competence_read", {"agent_id": "{id}"}),
    ("competence_read", {"agent_partner_id": "{id}"}),
    ("competence_read", {"service_type_id": "{id}"}),
    ("competence_add", {"agent_partner_id": "{id}", "service_type_id": PUBLIC_CONSULTING}),
    ("competence_add", {"agent_id": "{id}", "service_type_id": PUBLIC_CONSULTING}),
    ("competence_add", {"agent_partner_id": DEMO2_AGENT, "service_type_id": "{id}"}),
    ("competence_stop", {"competence_id": "{id}"}),
    ("account_access_email_notify", {"client_user_id": "{id}", **SMTP}),
]
IDS = [f"{operation}-{next(name for name, value in template.items() if value == '{id}')}" for operation, template in ID_PARAMETERS]


@pytest.fixture(scope="module")
def demo_competence(soap_client) -> str:
    """A competence of the first partner (on a fresh agent of Anna's, so other tests' agents stay as they are)."""
    demo = soap_client("demo", "demo", group="agents")
    (agent,) = rows(demo.agent_partner_add(partner_user_id=DEMO_USER_ANNA))
    (competence,) = rows(demo.competence_add(agent_partner_id=agent["agent_partner_id"], service_type_id=PUBLIC_CONSULTING))
    return competence["competence_id"]


@pytest.fixture(scope="module")
def smtp_server():
    with mail_server() as server:
        yield server


def foreign_ids(competence_id: str) -> dict[str, str]:
    return {
        "agent_partner_id": DEMO_AGENT_IVAN,
        "agent_id": DEMO_AGENT_IVAN,
        "partner_user_id": DEMO_USER_IVAN,
        "agent_user_id": DEMO_USER_AGENT_OLGA,
        "client_id": DEMO_CLIENT_ROMASHKA,
        "client_user_id": DEMO_CLIENT_USER_OLGA,
        "competence_id": competence_id,
        "service_type_id": DEMO_PRIVATE_LINE,  # the first partner's own line, not exported to the second
    }


def agents_state(soap_client, login: str) -> tuple:
    """Everything the agents group shows a partner: agents of both kinds (passwords included) and competences."""
    api = soap_client(login, login, group="agents")
    return (
        sorted(plain(api.agent_partner_read()), key=lambda row: row["agent_partner_id"]),
        sorted(plain(api.agent_user_read()), key=lambda row: row["agent_user_id"]),
        sorted(plain(api.competence_read()), key=lambda row: row["competence_id"]),
    )


def _arguments(template: dict, value: str, smtp_port: int) -> dict:
    arguments = {name: (value if argument == "{id}" else argument) for name, argument in template.items()}
    if "smtp_server" in arguments:
        arguments["smtp_port"] = smtp_port
    return arguments


@pytest.mark.parametrize("port", PORTS)
@pytest.mark.parametrize("operation, template", ID_PARAMETERS, ids=IDS)
def test_foreign_ids_are_answered_like_unknown_ids_and_change_nothing(soap_client, demo_competence, smtp_server, port, operation, template):
    # Given both partners' agents and competences as they are
    before = (agents_state(soap_client, "demo"), agents_state(soap_client, "demo2"))
    intruder = getattr(soap_client("demo2", "demo2", group="agents", port=port), operation)
    (parameter,) = [name for name, argument in template.items() if argument == "{id}"]
    foreign, unknown, malformed = foreign_ids(demo_competence)[parameter], str(uuid.uuid4()), "12345"

    # When the second partner uses the first partner's ID, an unknown ID and a malformed one
    faults = [fault_of(intruder, **_arguments(template, value, smtp_server.port)) for value in (foreign, unknown, malformed)]

    # Then the three faults are one and the same, naming only what the caller sent
    assert {code(fault) for fault in faults} == {"Client.ReferenceNotFound"}
    messages = {fault.message.replace(value, "<id>") for fault, value in zip(faults, (foreign, unknown, malformed), strict=True)}
    assert len(messages) == 1 and parameter in faults[0].message
    # And nothing of either partner changed, and no e-mail left
    assert (agents_state(soap_client, "demo"), agents_state(soap_client, "demo2")) == before
    assert smtp_server.deliveries == []


def test_a_foreign_user_agent_id_given_as_the_notified_employee_is_not_found_either(soap_client, smtp_server):
    demo2 = soap_client("demo2", "demo2", group="agents")
    fault = fault_of(demo2.account_access_email_notify, DEMO_USER_AGENT_OLGA, "support@second.example", None, None, "127.0.0.1", smtp_server.port, False)
    assert code(fault) == "Client.ReferenceNotFound" and DEMO_USER_AGENT_OLGA in fault.message
    assert smtp_server.deliveries == []


@pytest.mark.parametrize("port", PORTS)
def test_lists_of_the_second_partner_never_show_the_first_partners_agents_or_competences(soap_client, demo_competence, port):
    demo2 = soap_client("demo2", "demo2", group="agents", port=port)
    partner_agents = plain(demo2.agent_partner_read()) + plain(demo2.agent_partner_read(agent_partner_activity=False))
    user_agents = plain(demo2.agent_user_read()) + plain(demo2.agent_user_read(agent_user_activity=True))
    competences = plain(demo2.competence_read()) + plain(demo2.competence_read(service_type_id=PUBLIC_CONSULTING))
    # Then it sees its own agents
    assert DEMO2_AGENT in {row["agent_partner_id"] for row in partner_agents}
    assert DEMO2_USER_AGENT in {row["agent_user_id"] for row in user_agents}
    assert {row["client_user_id"] for row in user_agents} >= {DEMO2_CLIENT_USER}
    # And nothing of the first partner's
    assert {row["partner_id"] for row in partner_agents} == {DEMO2_ID}
    assert not {row["agent_partner_id"] for row in partner_agents} & {DEMO_AGENT_IVAN, DEMO_AGENT_IVAN_INACTIVE}
    assert not {row["agent_user_id"] for row in user_agents} & {DEMO_USER_AGENT_OLGA, DEMO_USER_AGENT_SERGEY}
    assert demo_competence not in {row["competence_id"] for row in competences}
    assert DEMO_AGENT_IVAN not in {row["agent_partner_id"] for row in competences}
