"""The SMTP egress of account_access_email_notify (partnerapi/data/smtp.py) against real servers on
loopback: which targets are refused on AWS and in the sandbox, how ssl_encryption and the port choose
the encryption, certificate checks, and the Russian cause of every failure (refused login, timeout,
unknown host, closed port)."""

import ipaddress
import socket
import ssl
import time
from email.message import EmailMessage

import pytest
from partnerapi.data import smtp
from partnerapi.data.smtp import SmtpPolicy, SmtpTarget, TlsMode
from partnerapi.errors import InvalidParameter, SmtpFailed, SmtpTargetNotAllowed
from support.mail import closed_port, mail_server, self_signed_certificate, silent_server

AWS = SmtpPolicy(allow_loopback=False, verify_loopback_tls=True, timeout_seconds=10)
SANDBOX = SmtpPolicy(allow_loopback=True, verify_loopback_tls=False, timeout_seconds=10)
# loopback allowed as in the sandbox, but certificates checked as on AWS
CHECKED_LOOPBACK = SmtpPolicy(allow_loopback=True, verify_loopback_tls=True, timeout_seconds=10)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


def message(to: str = "olga@romashka.example") -> EmailMessage:
    letter = EmailMessage()
    letter["From"], letter["To"], letter["Subject"] = "partner@demo.example", to, "Проверка"
    letter.set_content("Номер агента: 271828000001\n")
    return letter


# --- refused targets ------------------------------------------------------------------------------

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("10.0.0.5", "частной сети"),
    ("172.16.3.4", "частной сети"),
    ("192.168.1.1", "частной сети"),
    ("fd12:3456::1", "частной сети"),
    ("169.254.169.254", "метаданных"),
    ("fd00:ec2::254", "метаданных"),
    ("169.254.10.20", "link-local"),
    ("fe80::1", "link-local"),
    ("0.0.0.0", "неопределенный"),
    ("::", "неопределенный"),
    ("224.0.0.251", "multicast"),
    ("ff02::1", "multicast"),
    ("100.64.0.1", "не маршрутизируемый"),
    ("240.0.0.1", "зарезервированный"),
    ("::ffff:10.1.2.3", "частной сети"),
    ("::ffff:169.254.169.254", "метаданных"),
    ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
]


@pytest.mark.parametrize("address, reason", REFUSED, ids=[address for address, _ in REFUSED])
def test_internal_addresses_are_refused_on_aws_before_any_connection(address, reason):
    # Given the AWS rules and an SMTP server named by an internal address, on a mail port
    # When it is vetted
    with pytest.raises(SmtpTargetNotAllowed) as refused:
        smtp.vet(address, 587, AWS)
    # Then it is refused, naming the address and why
    assert reason in refused.value.message
    assert str(ipaddress.ip_address(address)) in refused.value.message
    assert refused.value.faultcode == "Client.SmtpTargetNotAllowed"


@pytest.mark.parametrize("address", ["10.0.0.5", "169.254.169.254", "fd00:ec2::254", "192.168.0.10", "0.0.0.0"])
def test_the_sandbox_allows_loopback_only_and_still_refuses_other_internal_addresses(address):
    with pytest.raises(SmtpTargetNotAllowed):
        smtp.vet(address, 25, SANDBOX)
    assert smtp.vet("127.0.0.1", 8025, SANDBOX) == [ipaddress.ip_address("127.0.0.1")]


def test_a_name_that_resolves_to_loopback_is_refused_on_aws():
    with pytest.raises(SmtpTargetNotAllowed) as refused:
        smtp.vet("localhost", 25, AWS)
    assert "localhost" in refused.value.message and "loopback" in refused.value.message


@pytest.mark.parametrize("port", [22, 80, 443, 3306, 6379, 8025, 65535])
def test_only_mail_ports_are_allowed_for_public_addresses(port):
    # Given a public address (a literal: no DNS is needed) on a port that is not a mail port
    with pytest.raises(SmtpTargetNotAllowed) as refused:
        smtp.vet("8.8.8.8", port, AWS)
    assert f"Порт SMTP {port} недопустим" in refused.value.message
    assert "25, 465, 587, 2525" in refused.value.message


@pytest.mark.parametrize("port", [25, 465, 587, 2525])
def test_public_addresses_on_mail_ports_are_allowed(port):
    assert smtp.vet("8.8.8.8", port, AWS) == [ipaddress.ip_address("8.8.8.8")]


@pytest.mark.parametrize("port", [0, -1, 70000])
def test_an_impossible_port_is_an_invalid_parameter(port):
    with pytest.raises(InvalidParameter):
        smtp.vet("8.8.8.8", port, AWS)


def test_the_host_is_resolved_once_and_the_connection_goes_to_the_vetted_address(monkeypatch):
    # Given a name whose DNS answer changes between two lookups (DNS rebinding): loopback first, then metadata
    answers = iter(["127.0.0.1", "169.254.169.254"])
    lookups = []
    real = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):
        if host == "rebind.test":
            lookups.append(host)
            return real(next(answers), port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with mail_server() as server:
        # When a message is sent to that name (loopback allowed, as in the sandbox)
        smtp.send(message(), SmtpTarget("rebind.test", server.port, False), SANDBOX)
        # Then the name was looked up once and the message reached the server at the vetted address
        assert lookups == ["rebind.test"]
        assert len(server.deliveries) == 1


# --- how ssl_encryption and the port choose the encryption --------------------------------------------


@pytest.mark.parametrize(
    "ssl_encryption, port, greets, mode",
    [
        (True, 465, True, TlsMode.IMPLICIT),
        (True, 587, False, TlsMode.STARTTLS),
        (True, 25, False, TlsMode.STARTTLS),
        (True, 2525, False, TlsMode.STARTTLS),
        (False, 465, False, TlsMode.OPPORTUNISTIC),
        (False, 587, True, TlsMode.OPPORTUNISTIC),
        (True, 10465, False, TlsMode.IMPLICIT),  # a silent server on another port (sandbox only)
        (True, 10587, True, TlsMode.STARTTLS),  # a greeting server on another port (sandbox only)
    ],
)
def test_tls_mode(ssl_encryption, port, greets, mode):
    assert smtp.tls_mode(ssl_encryption, port, lambda: greets) is mode


def test_certificates_are_checked_everywhere_but_on_loopback_in_the_sandbox():
    public, loopback = ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address("127.0.0.1")
    for policy, address in ((AWS, public), (SANDBOX, public), (CHECKED_LOOPBACK, loopback), (AWS, loopback)):
        context = smtp.tls_context(policy, address)
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname, (policy, address)
        assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    relaxed = smtp.tls_context(SANDBOX, loopback)
    assert relaxed.verify_mode == ssl.CERT_NONE and not relaxed.check_hostname


# --- delivery over each kind of connection ----------------------------------------------------------------


def test_plain_delivery_without_login():
    with mail_server() as server:
        smtp.send(message(), SmtpTarget("127.0.0.1", server.port, False), SANDBOX)
        (delivery,) = server.deliveries
        assert delivery.rcpt_tos == ["olga@romashka.example"] and delivery.mail_from == "partner@demo.example"
        assert not delivery.encrypted and delivery.authenticated_as is None
        assert "271828000001" in delivery.parts()["text/plain"]


def test_ssl_false_still_upgrades_with_starttls_when_the_server_offers_it(certificate):
    with mail_server("starttls", certificate) as server:
        smtp.send(message(), SmtpTarget("127.0.0.1", server.port, False), SANDBOX)
        assert [delivery.encrypted for delivery in server.deliveries] == [True]


def test_ssl_true_uses_starttls_with_a_server_that_greets(certificate):
    with mail_server("starttls", certificate, credentials=("mailer", "s3cret"), auth_require_tls=True) as server:
        smtp.send(message(), SmtpTarget("localhost", server.port, True, "mailer", "s3cret"), SANDBOX)
        (delivery,) = server.deliveries
        assert delivery.encrypted and delivery.authenticated_as == "mailer"


def test_ssl_true_speaks_tls_from_the_first_byte_to_a_silent_server(certificate):
    # (aiosmtpd advertises AUTH over implicit TLS only with auth_require_tls off: it tracks STARTTLS only)
    with mail_server("implicit", certificate, credentials=("mailer", "s3cret")) as server:
        smtp.send(message(), SmtpTarget("127.0.0.1", server.port, True, "mailer", "s3cret"), SANDBOX)
        (delivery,) = server.deliveries
        assert delivery.encrypted and delivery.authenticated_as == "mailer"


def test_ssl_true_refuses_a_server_without_starttls():
    with mail_server() as server, pytest.raises(SmtpFailed) as failed:
        smtp.send(message(), SmtpTarget("127.0.0.1", server.port, True), SANDBOX)
    assert "не поддерживает шифрование STARTTLS" in failed.value.message
    assert server.deliveries == []


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_a_self_signed_certificate_is_refused_when_certificates_are_checked(certificate, tls):
    # Given a TLS server whose certificate no trusted authority signed, and certificate checks on
    with mail_server(tls, certificate) as server, pytest.raises(SmtpFailed) as failed:
        smtp.send(message(), SmtpTarget("localhost", server.port, True), CHECKED_LOOPBACK)
    # Then nothing is sent and the cause is the certificate
    assert "сертификат SMTP-сервера" in failed.value.message and "не прошел проверку" in failed.value.message
    assert server.deliveries == []


def test_a_certificate_signed_by_the_configured_authority_is_accepted(certificate):
    trusted = SmtpPolicy(allow_loopback=True, verify_loopback_tls=True, timeout_seconds=10, ca_file=str(certificate[0]))
    with mail_server("implicit", certificate) as server:
        smtp.send(message(), SmtpTarget("localhost", server.port, True), trusted)
        assert len(server.deliveries) == 1


def test_a_certificate_for_another_name_is_refused(certificate, monkeypatch):
    # Given a trusted certificate for localhost, and another name that resolves to the same server
    trusted = SmtpPolicy(allow_loopback=True, verify_loopback_tls=True, timeout_seconds=10, ca_file=str(certificate[0]))
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *rest, **kw: real("127.0.0.1" if host == "mail.other.test" else host, *rest, **kw))
    # When a message is sent to that other name
    with mail_server("implicit", certificate) as server, pytest.raises(SmtpFailed) as failed:
        smtp.send(message(), SmtpTarget("mail.other.test", server.port, True), trusted)
    # Then the certificate does not match the name and nothing is sent
    assert "не прошел проверку" in failed.value.message
    assert server.deliveries == []


# --- failures: each with its cause -----------------------------------------------------------------------


def test_a_refused_login_names_the_login_and_the_servers_answer(certificate):
    with mail_server("starttls", certificate, credentials=("mailer", "s3cret")) as server, pytest.raises(SmtpFailed) as failed:
        smtp.send(message(), SmtpTarget("127.0.0.1", server.port, True, "mailer", "wrong"), SANDBOX)
    assert failed.value.faultcode == "Client.SmtpFailed"
    assert "отклонил логин или пароль" in failed.value.message and "535" in failed.value.message
    assert server.deliveries == []


def test_a_login_to_a_server_without_auth_is_refused_with_the_cause():
    with mail_server() as server, pytest.raises(SmtpFailed) as failed:
        smtp.send(message(), SmtpTarget("127.0.0.1", server.port, False, "mailer", "s3cret"), SANDBOX)
    assert "не поддерживает вход по логину и паролю" in failed.value.message


def test_a_server_that_never_answers_times_out_within_the_budget():
    quick = SmtpPolicy(allow_loopback=True, verify_loopback_tls=False, timeout_seconds=1)
    with silent_server() as port:
        started = time.monotonic()
        with pytest.raises(SmtpFailed) as failed:
            smtp.send(message(), SmtpTarget("127.0.0.1", port, False), quick)
        elapsed = time.monotonic() - started
    assert "не ответил за 1 с" in failed.value.message and "время ожидания" in failed.value.message
    assert elapsed < 3


def test_an_implicit_tls_handshake_that_never_completes_times_out():
    quick = SmtpPolicy(allow_loopback=True, verify_loopback_tls=False, timeout_seconds=2)
    with silent_server() as port, pytest.raises(SmtpFailed) as failed:
        smtp.send(message(), SmtpTarget("127.0.0.1", port, True), quick)  # silent: TLS is tried, never answered
    assert "не ответил за 2 с" in failed.value.message


def test_an_unknown_host_is_named():
    with pytest.raises(SmtpFailed) as failed:
        smtp.send(message(), SmtpTarget("no-such-host.invalid", 587, True), AWS)
    assert "«no-such-host.invalid» не найден" in failed.value.message


def test_a_closed_port_is_a_refused_connection():
    with pytest.raises(SmtpFailed) as failed:
        smtp.send(message(), SmtpTarget("127.0.0.1", closed_port(), False), SANDBOX)
    assert "отказал в соединении" in failed.value.message


def test_a_refused_recipient_is_named():
    with mail_server() as server:
        server.recorder.refuse_recipients = True
        letter = message("nobody@invalid")
        with pytest.raises(SmtpFailed) as failed:
            smtp.send(letter, SmtpTarget("127.0.0.1", server.port, False), SANDBOX)
    assert "nobody@invalid" in failed.value.message and "получателя" in failed.value.message


@pytest.mark.parametrize("host", ["", "   ", "mail example.com", "a\r\nb", "x" * 300])
def test_a_malformed_host_name_is_an_invalid_parameter(host):
    with pytest.raises(InvalidParameter):
        smtp.send(message(), SmtpTarget(host, 587, True), AWS)
