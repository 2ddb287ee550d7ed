"""account_access_email_notify over the wire: the sandbox sends a real e-mail through a real SMTP server on
loopback (aiosmtpd) — plain, STARTTLS or implicit TLS, with or without login — and the message that
arrives is checked: recipient, subject, headers, both alternatives, the numbers and passwords of the
employee's active agents. Refused targets and failures come back as Client faults naming the cause."""

import email.utils
import uuid

import pytest
from support.demo import DEMO_CLIENT_USER_OLGA, DEMO_USER_AGENT_OLGA, DEMO_USER_AGENT_OLGA_PASSWORD, MOSCOW, USER_EMAIL, USER_PHONE
from support.faults import code, fault_of, plain
from support.mail import closed_port, mail_server, self_signed_certificate

PORTS = ["PartnerAPISoap", "PartnerAPISoap12"]
SENDER = "support@demo-franchise.example"
SUBJECT = "Доступ к программе 1С-Коннект"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def agents_api(soap_client):
    return lambda port="PartnerAPISoap": soap_client("demo", "demo", group="agents", port=port)


@pytest.fixture
def employee(soap_client, agents_api):
    """employee(email=…, passwords=[…], inactive=n) → (client_user_id, {number: password} of the active agents)."""

    def make(address: str | None = "petr.ivanov@client.example", passwords: tuple = ("first-pass",), inactive: int = 0) -> tuple[str, dict[str, str]]:
        clients = soap_client("demo", "demo", group="clients")
        (client,) = plain(clients.client_add(client_name=f"Почтовый клиент {uuid.uuid4().hex[:6]}", region_id=MOSCOW))
        (user,) = plain(clients.client_user_add(client_id=client["client_id"], client_user_name="Пётр", client_user_family_name="Иванов", client_user_father_name="Ильич"))
        user_id = user["client_user_id"]
        clients.client_user_contact_edit(client_user_id=user_id, contact_type_id=USER_PHONE, contact_view="+7 900 000-00-00")
        if address is not None:
            clients.client_user_contact_edit(client_user_id=user_id, contact_type_id=USER_EMAIL, contact_view=address)
        api = agents_api()
        active = {}
        for password in passwords:
            (agent,) = plain(api.agent_user_add(agent_user_password=password, client_user_id=user_id))
            active[agent["agent_user_number"]] = agent["agent_user_password"]
        for _ in range(inactive):
            (agent,) = plain(api.agent_user_add(agent_user_password="inactive-pass", client_user_id=user_id))
            api.agent_user_delete(agent_user_id=agent["agent_user_id"])
        return user_id, active

    return make


def notify(api, user_id, server_port, ssl=False, login=None, password=None, host="127.0.0.1", sender=SENDER):
    return api.account_access_email_notify(user_id, sender, login, password, host, server_port, ssl)


# --- what arrives -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("port", PORTS)
def test_the_employee_receives_the_numbers_and_passwords_of_their_active_agents(agents_api, employee, port):
    # Given an employee with an e-mail contact, two active agents (one password with HTML specials) and an inactive one
    user_id, active = employee(passwords=("first-pass", 'a<b>&"c\''), inactive=1)
    with mail_server() as server:
        # When the partner sends the notification through the SMTP server
        assert notify(agents_api(port), user_id, server.port) is True
        (delivery,) = server.deliveries
    # Then one message reached the employee's address from the sender
    assert delivery.mail_from == SENDER and delivery.rcpt_tos == ["petr.ivanov@client.example"]
    message = delivery.message
    delivery.raw.decode("ascii")  # 7-bit clean on the wire: encoded words, base64 bodies
    assert message["Subject"] == SUBJECT
    assert email.utils.parseaddr(message["From"])[1] == SENDER and "Демо Франчайзи" in message["From"]
    assert email.utils.parseaddr(message["To"])[1] == "petr.ivanov@client.example" and "Иванов Пётр Ильич" in message["To"]
    assert email.utils.parsedate_to_datetime(message["Date"]) is not None
    assert message["Message-ID"].endswith("@demo-franchise.example>")
    assert message.get_content_type() == "multipart/alternative"
    parts = delivery.parts()
    assert set(parts) == {"text/plain", "text/html"}
    text, html = parts["text/plain"], parts["text/html"]
    assert "Здравствуйте, Пётр Ильич!" in text and "1С-Коннект" in text
    # And both alternatives carry every active agent's number and password, the HTML escaped
    for number, password in active.items():
        assert f"Номер агента: {number}" in text and f"Пароль: {password}" in text
        assert number in html
    assert "first-pass" in html and "a&lt;b&gt;&amp;&quot;c&#x27;" in html and "a<b>" not in html
    # And nothing of the inactive agent
    assert "inactive-pass" not in text and "inactive-pass" not in html


def test_the_demo_employee_olga_gets_her_agent(agents_api):
    with mail_server() as server:
        assert notify(agents_api(), DEMO_CLIENT_USER_OLGA, server.port) is True
        (delivery,) = server.deliveries
    assert delivery.rcpt_tos == ["vasilieva@romashka.example"]
    assert f"Пароль: {DEMO_USER_AGENT_OLGA_PASSWORD}" in delivery.parts()["text/plain"]


def test_a_user_agents_id_notifies_about_that_agent_only(agents_api, employee):
    # spec: «client_user_id – уникальный идентификатор агента, которому отправляется уведомление»
    user_id, active = employee(passwords=("one-pass", "two-pass"))
    api = agents_api()
    (agent,) = [row for row in plain(api.agent_user_read(client_user_id=user_id)) if row["agent_user_password"] == "two-pass"]
    with mail_server() as server:
        assert notify(api, agent["agent_user_id"], server.port) is True
        text = server.deliveries[0].parts()["text/plain"]
    assert "two-pass" in text and "one-pass" not in text
    assert DEMO_USER_AGENT_OLGA not in text


# --- encryption and login ------------------------------------------------------------------------------------------


def test_starttls_with_login(agents_api, employee, certificate):
    user_id, _ = employee()
    with mail_server("starttls", certificate, credentials=("mailer@demo", "Smtp-Pa55"), auth_require_tls=True) as server:
        assert notify(agents_api(), user_id, server.port, ssl=True, login="mailer@demo", password="Smtp-Pa55") is True
        (delivery,) = server.deliveries
    assert delivery.encrypted and delivery.authenticated_as == "mailer@demo"


def test_implicit_tls_with_login(agents_api, employee, certificate):
    user_id, _ = employee()
    with mail_server("implicit", certificate, credentials=("mailer@demo", "Smtp-Pa55")) as server:
        assert notify(agents_api("PartnerAPISoap12"), user_id, server.port, ssl=True, login="mailer@demo", password="Smtp-Pa55") is True
        (delivery,) = server.deliveries
    assert delivery.encrypted and delivery.authenticated_as == "mailer@demo"


def test_without_ssl_encryption_starttls_is_still_used_when_offered(agents_api, employee, certificate):
    user_id, _ = employee()
    with mail_server("starttls", certificate) as server:
        assert notify(agents_api(), user_id, server.port, ssl=False) is True
        assert [delivery.encrypted for delivery in server.deliveries] == [True]


# --- failures: Client faults with the cause ----------------------------------------------------------------------


def test_a_refused_login_is_a_client_fault_naming_it(agents_api, employee, certificate):
    user_id, _ = employee()
    with mail_server("starttls", certificate, credentials=("mailer@demo", "Smtp-Pa55")) as server:
        fault = fault_of(notify, agents_api(), user_id, server.port, True, "mailer@demo", "wrong")
        assert server.deliveries == []
    assert code(fault) == "Client.SmtpFailed" and "отклонил логин или пароль" in fault.message


def test_an_unknown_host_is_a_client_fault_naming_it(agents_api, employee):
    user_id, _ = employee()
    fault = fault_of(notify, agents_api("PartnerAPISoap12"), user_id, 587, True, host="no-such-smtp.invalid")
    assert code(fault) == "Client.SmtpFailed" and "«no-such-smtp.invalid» не найден" in fault.message


def test_a_closed_port_is_a_client_fault(agents_api, employee):
    user_id, _ = employee()
    fault = fault_of(notify, agents_api(), user_id, closed_port())
    assert code(fault) == "Client.SmtpFailed" and "отказал в соединении" in fault.message


@pytest.mark.parametrize(
    "host, port, cause",
    [
        ("10.0.0.1", 587, "частной сети"),
        ("192.168.1.10", 25, "частной сети"),
        ("169.254.169.254", 25, "метаданных"),
        ("fd00:ec2::254", 465, "метаданных"),
        ("0.0.0.0", 25, "неопределенный"),
        ("224.0.0.1", 25, "multicast"),
        ("8.8.8.8", 22, "Порт SMTP 22 недопустим"),
        ("8.8.8.8", 80, "Порт SMTP 80 недопустим"),
    ],
)
def test_internal_targets_and_non_mail_ports_are_refused_even_in_the_sandbox(agents_api, employee, host, port, cause):
    user_id, _ = employee()
    fault = fault_of(notify, agents_api(), user_id, port, False, host=host)
    assert code(fault) == "Client.SmtpTargetNotAllowed" and cause in fault.message


def test_an_employee_without_an_email_contact_is_a_client_fault(agents_api, employee):
    user_id, _ = employee(address=None)
    with mail_server() as server:
        fault = fault_of(notify, agents_api(), user_id, server.port)
        assert server.deliveries == []
    assert code(fault) == "Client.NoEmailContact" and user_id in fault.message and "client_user_contact_edit" in fault.message


def test_an_employee_without_active_agents_is_a_client_fault(agents_api, employee):
    user_id, _ = employee(passwords=(), inactive=1)
    with mail_server() as server:
        fault = fault_of(notify, agents_api(), user_id, server.port)
        assert server.deliveries == []
    assert code(fault) == "Client.NoActiveAgents"


def test_a_deleted_employee_is_not_notified(agents_api, employee, soap_client):
    user_id, _ = employee()
    soap_client("demo", "demo", group="clients").client_user_delete(client_user_id=user_id)
    with mail_server() as server:
        fault = fault_of(notify, agents_api(), user_id, server.port)
        assert server.deliveries == []
    assert code(fault) == "Client.UserDeleted"


@pytest.mark.parametrize("sender", ["not-an-address", "a@b", "support@demo.example\r\nBcc: spy@evil.example", "Поддержка <support@demo.example>"])
def test_a_malformed_sender_is_refused_before_anything_is_sent(agents_api, employee, sender):
    user_id, _ = employee()
    with mail_server() as server:
        fault = fault_of(notify, agents_api(), user_id, server.port, sender=sender)
        assert server.deliveries == []
    assert code(fault) == "Client.InvalidParameter" and "sender_email_address" in fault.message


@pytest.mark.parametrize(
    "arguments, missing",
    [
        ((None, SENDER, None, None, "127.0.0.1", 25, False), "client_user_id"),
        ((DEMO_CLIENT_USER_OLGA, None, None, None, "127.0.0.1", 25, False), "sender_email_address"),
        ((DEMO_CLIENT_USER_OLGA, SENDER, None, None, None, 25, False), "smtp_server"),
        ((DEMO_CLIENT_USER_OLGA, SENDER, None, None, "127.0.0.1", None, False), "smtp_port"),
    ],
)
def test_missing_parameters_are_named(agents_api, arguments, missing):
    fault = fault_of(agents_api().account_access_email_notify, *arguments)
    assert code(fault) == "Client.MissingParameter" and missing in fault.message


def test_a_line_break_in_the_employees_name_cannot_add_a_header_or_a_recipient(agents_api, employee, soap_client):
    # Given an employee whose name was edited to carry a header of its own
    user_id, _ = employee()
    soap_client("demo", "demo", group="clients").client_user_edit(client_user_id=user_id, client_user_name="Пётр\nBcc: spy@evil.example")
    with mail_server() as server:
        # When the employee is notified
        assert notify(agents_api(), user_id, server.port) is True
        (delivery,) = server.deliveries
    # Then the message went to the employee only, with no header but the ones the service writes
    assert delivery.rcpt_tos == ["petr.ivanov@client.example"]
    assert "Bcc" not in delivery.message and "spy@evil.example" in delivery.message["To"]  # only inside the display name
    assert email.utils.parseaddr(delivery.message["To"])[1] == "petr.ivanov@client.example"
