"""A real SMTP server on loopback (aiosmtpd) for the account_access_email_notify tests: plain, STARTTLS or
implicit TLS with a self-signed certificate made here, optional AUTH; it keeps what arrived."""

import datetime
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from support.sandbox import free_port


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 (cert file, key file), valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_file, key_file


@dataclass
class Delivery:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    encrypted: bool
    authenticated_as: str | None

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    def parts(self) -> dict[str, str]:
        """The decoded text/plain and text/html parts."""
        return {part.get_content_type(): part.get_content() for part in self.message.walk() if part.get_content_maintype() == "text"}


def _encrypted(server, session) -> bool:
    """STARTTLS sets session.ssl; implicit TLS shows only on the transport."""
    return session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None


@dataclass
class Recorder:
    deliveries: list[Delivery] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    refuse_recipients: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook name
        if self.refuse_recipients:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        login = session.auth_data if session.authenticated else None
        with self._lock:
            self.deliveries.append(Delivery(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content, _encrypted(server, session), login))
        return "250 Message accepted for delivery"


@dataclass
class MailServer:
    host: str
    port: int
    recorder: Recorder

    @property
    def deliveries(self) -> list[Delivery]:
        return self.recorder.deliveries


@contextmanager
def mail_server(
    tls: str = "none",
    certificate: tuple[Path, Path] | None = None,
    credentials: tuple[str, str] | None = None,
    auth_require_tls: bool = False,
) -> Iterator[MailServer]:
    """tls: "none" (plain), "starttls" (offered, not required) or "implicit" (TLS from the first byte)."""
    recorder = Recorder()
    context = None
    if tls != "none":
        assert certificate is not None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*map(str, certificate))
    options: dict = {"server_hostname": "mail.test.local"}
    if credentials is not None:
        login, password = credentials

        def authenticator(server, session, envelope, mechanism, auth_data):
            if isinstance(auth_data, LoginPassword):
                given = (auth_data.login.decode(), auth_data.password.decode())
                recorder.logins.append(given)
                # handled=False: aiosmtpd itself answers 235 or 535
                return AuthResult(success=given == (login, password), handled=False, auth_data=given[0])
            return AuthResult(success=False, handled=False)

        options.update(authenticator=authenticator, auth_require_tls=auth_require_tls)
    if tls == "starttls":
        options["tls_context"] = context
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, ssl_context=context if tls == "implicit" else None, **options)
    controller.start()
    try:
        yield MailServer("127.0.0.1", port, recorder)
    finally:
        controller.stop()


@contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word (for timeouts)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for connection in accepted:
            connection.close()
        listener.close()


def closed_port() -> int:
    """A loopback port nobody listens on."""
    return free_port()
