"""Outgoing e-mail through the SMTP server a caller names (account_access_email_notify).

The caller chooses host and port, so this is an egress the service must police (SSRF):

- the host is resolved once; every address it resolves to is checked, and the connection goes to a
  checked address itself (never to the name again), so a DNS answer cannot change between check and use;
  TLS still verifies the certificate against the name the caller gave;
- refused: loopback, private, link-local (cloud metadata 169.254.169.254, fd00:ec2::254 included),
  unspecified, multicast, reserved and other non-global addresses, also inside IPv4-mapped / 6to4 /
  Teredo IPv6 addresses; only the mail ports 25, 465, 587 and 2525;
- the sandbox allows loopback addresses (`SMTP_ALLOW_LOOPBACK`), on any port, and nothing else more.

Encryption (`ssl_encryption`): true on 465 is implicit TLS; true on 25/587/2525 is STARTTLS, required;
true on another port (reachable only on loopback in the sandbox) is decided by who speaks first: a
server that greets is upgraded with STARTTLS, a silent one gets a TLS handshake. false still upgrades
with STARTTLS whenever the server offers it. Certificates are always verified (hostname included),
except for loopback targets when the sandbox says so (`SMTP_VERIFY_LOOPBACK_TLS=0`). The mailbox
password is sent only over an encrypted connection (or to loopback in the sandbox).

The whole delivery has one time budget (`SMTP_TIMEOUT_SECONDS`); every failure becomes a `Client`
fault naming the cause in Russian.
"""

import enum
import ipaddress
import select
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, TypeVar

from partnerapi.errors import InvalidParameter, SmtpFailed, SmtpTargetNotAllowed
from partnerapi.settings import get_settings

MAIL_PORTS = (25, 465, 587, 2525)
IMPLICIT_TLS_PORTS = frozenset({465})
STARTTLS_PORTS = frozenset({25, 587, 2525})
GREETING_WAIT_SECONDS = 1.0  # how long a server on an unknown port may stay silent before we speak TLS
LOCAL_HOSTNAME = "partnerapi.localdomain"  # EHLO name; avoids socket.getfqdn()'s reverse lookups
METADATA_ADDRESSES = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
_REPLY_LENGTH = 200

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
T = TypeVar("T")


class TlsMode(enum.Enum):
    IMPLICIT = "implicit TLS"
    STARTTLS = "STARTTLS, required"
    OPPORTUNISTIC = "STARTTLS when offered"


@dataclass(frozen=True)
class SmtpPolicy:
    allow_loopback: bool = False
    verify_loopback_tls: bool = True
    timeout_seconds: float = 10.0
    ca_file: str | None = None

    @classmethod
    def from_settings(cls) -> "SmtpPolicy":
        settings = get_settings()
        return cls(settings.smtp_allow_loopback, settings.smtp_verify_loopback_tls, float(settings.smtp_timeout_seconds), settings.smtp_ca_file or None)


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    ssl_encryption: bool
    login: str | None = None
    password: str | None = None

    @property
    def name(self) -> str:
        return f"{self.host}:{self.port}"


# --- where we may connect -----------------------------------------------------------------------


def _embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address.teredo is not None:
            return address.teredo[1]
    return None


def refusal_reason(address: Address) -> str | None:
    """Why the service must not connect to this address (None: a public address)."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return refusal_reason(embedded)
    if address in METADATA_ADDRESSES:
        return "адрес службы метаданных облака"
    if address.is_unspecified:
        return "неопределенный адрес"
    if address.is_loopback:
        return "адрес обратной петли (loopback)"
    if address.is_link_local:
        return "локальный адрес канала (link-local)"
    if address.is_multicast:
        return "групповой адрес (multicast)"
    if address.is_reserved:
        return "зарезервированный или не маршрутизируемый в Интернете адрес"
    if address.is_private:
        return "адрес частной сети"
    if not address.is_global:
        return "зарезервированный или не маршрутизируемый в Интернете адрес"
    return None


def _host_name(host: str) -> str:
    name = host.strip()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]  # an IPv6 literal as written in URLs
    if not name or len(name) > 253 or any(character.isspace() or not character.isprintable() for character in name):
        raise InvalidParameter(f"Некорректное имя SMTP-сервера (smtp_server) «{host[:100]}»")
    return name


def vet(host: str, port: int, policy: SmtpPolicy) -> list[Address]:
    """The addresses of `host` the service may connect to, in the resolver's order; refuses the target otherwise."""
    if not 1 <= port <= 65535:
        raise InvalidParameter(f"Некорректный порт SMTP (smtp_port) {port}: допустимы 1–65535")
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise SmtpFailed(f"Не удалось отправить письмо: SMTP-сервер «{host}» не найден (имя не разрешается в адрес)") from error
    addresses = list(dict.fromkeys(ipaddress.ip_address(answer[4][0].split("%", 1)[0]) for answer in answers))
    allowed, refusals = [], []
    for address in addresses:
        reason = refusal_reason(address)
        loopback = address.is_loopback or (_embedded_ipv4(address) or address).is_loopback
        if reason is None and port in MAIL_PORTS:
            allowed.append(address)
        elif loopback and policy.allow_loopback:
            allowed.append(address)  # the sandbox: loopback on any port (tests cannot bind 25)
        elif reason is not None:
            refusals.append(f"{address} — {reason}")
    if allowed:
        return allowed
    if refusals:
        raise SmtpTargetNotAllowed(
            f"SMTP-сервер «{host}» недопустим: он указывает на {'; '.join(refusals)}. "
            "Письма отправляются только через SMTP-серверы с публичными адресами в Интернете"
        )
    raise SmtpTargetNotAllowed(f"Порт SMTP {port} недопустим: разрешены порты {', '.join(map(str, MAIL_PORTS))}")


# --- talking to the server -----------------------------------------------------------------------


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            raise TimeoutError("SMTP time budget spent")
        return left


class _ConnectedSMTP(smtplib.SMTP):
    """smtplib over a socket we connected ourselves (to a vetted address); TLS checks `server_name`."""

    def __init__(self, sock: socket.socket, server_name: str, timeout: float) -> None:
        super().__init__(local_hostname=LOCAL_HOSTNAME, timeout=timeout)
        self._host = server_name  # smtplib's name for STARTTLS's server_hostname
        self._connected = sock

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return self._connected


def _connect(addresses: list[Address], port: int, deadline: _Deadline) -> tuple[socket.socket, Address]:
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((str(address), port), timeout=deadline.remaining()), address
        except OSError as failure:  # try the next address of the name
            error = failure
    assert error is not None
    raise error


def tls_mode(ssl_encryption: bool, port: int, greets_first: Callable[[], bool]) -> TlsMode:
    if not ssl_encryption:
        return TlsMode.OPPORTUNISTIC
    if port in IMPLICIT_TLS_PORTS:
        return TlsMode.IMPLICIT
    if port in STARTTLS_PORTS:
        return TlsMode.STARTTLS
    return TlsMode.STARTTLS if greets_first() else TlsMode.IMPLICIT


def _greets_first(sock: socket.socket, deadline: _Deadline) -> bool:
    readable, _, _ = select.select([sock], [], [], min(GREETING_WAIT_SECONDS, deadline.remaining()))
    return bool(readable)


def tls_context(policy: SmtpPolicy, address: Address) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=policy.ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if address.is_loopback and policy.allow_loopback and not policy.verify_loopback_tls:
        context.check_hostname = False  # sandbox only: self-signed test servers on loopback
        context.verify_mode = ssl.CERT_NONE
    return context


def _step(smtp: smtplib.SMTP, deadline: _Deadline, action: Callable[[], T]) -> T:
    """One exchange with the server, within what is left of the time budget."""
    if smtp.sock is not None:
        smtp.sock.settimeout(deadline.remaining())
    return action()


def _deliver(message: EmailMessage, target: SmtpTarget, addresses: list[Address], policy: SmtpPolicy, deadline: _Deadline) -> None:
    sock, address = _connect(addresses, target.port, deadline)
    loopback = address.is_loopback or (_embedded_ipv4(address) or address).is_loopback
    context = tls_context(policy, address)
    smtp: _ConnectedSMTP | None = None
    try:
        mode = tls_mode(target.ssl_encryption, target.port, lambda: _greets_first(sock, deadline))
        if mode is TlsMode.IMPLICIT:
            sock.settimeout(deadline.remaining())
            sock = context.wrap_socket(sock, server_hostname=target.host)
        smtp = _ConnectedSMTP(sock, target.host, deadline.remaining())
        _step(smtp, deadline, lambda: smtp.connect(target.host, target.port))
        _step(smtp, deadline, smtp.ehlo_or_helo_if_needed)
        encrypted = mode is TlsMode.IMPLICIT
        if mode is not TlsMode.IMPLICIT and smtp.has_extn("starttls"):
            _step(smtp, deadline, lambda: smtp.starttls(context=context))
            _step(smtp, deadline, smtp.ehlo)
            encrypted = True
        elif mode is TlsMode.STARTTLS:
            raise SmtpFailed(
                f"Не удалось отправить письмо: SMTP-сервер «{target.name}» не поддерживает шифрование STARTTLS, "
                "а ssl_encryption = true. Для SSL с первого байта используйте порт 465"
            )
        if target.login:
            if not encrypted and not loopback:
                raise SmtpFailed(
                    f"Не удалось отправить письмо: SMTP-сервер «{target.name}» не предлагает шифрование, "
                    "а пароль почтовой учетной записи открытым текстом не передается"
                )
            _step(smtp, deadline, lambda: smtp.login(target.login, target.password or ""))
        refused = _step(smtp, deadline, lambda: smtp.send_message(message))
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)
        try:
            _step(smtp, deadline, smtp.quit)
        except (smtplib.SMTPException, OSError):
            pass  # the message is accepted; a rude goodbye changes nothing
    finally:
        if smtp is not None:
            smtp.close()
        else:
            sock.close()


def _reply(error: Any) -> str:
    text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
    text = " ".join(text.split())[:_REPLY_LENGTH]
    return f"{error.smtp_code} {text}".strip()


def send(message: EmailMessage, target: SmtpTarget, policy: SmtpPolicy | None = None) -> None:
    """Delivers the message or raises SmtpTargetNotAllowed / SmtpFailed naming the cause."""
    policy = policy or SmtpPolicy.from_settings()
    host = _host_name(target.host)
    target = SmtpTarget(host, target.port, target.ssl_encryption, target.login, target.password)
    deadline = _Deadline(policy.timeout_seconds)
    addresses = vet(host, target.port, policy)
    where = f"SMTP-сервер «{target.name}»"
    try:
        _deliver(message, target, addresses, policy, deadline)
    except (SmtpFailed, SmtpTargetNotAllowed):
        raise
    except smtplib.SMTPAuthenticationError as error:
        raise SmtpFailed(f"Не удалось отправить письмо: {where} отклонил логин или пароль почтовой учетной записи ({_reply(error)})") from error
    except smtplib.SMTPNotSupportedError as error:
        raise SmtpFailed(f"Не удалось отправить письмо: {where} не поддерживает вход по логину и паролю (AUTH), а email_login указан") from error
    except smtplib.SMTPSenderRefused as error:
        raise SmtpFailed(f"Не удалось отправить письмо: {where} отклонил адрес отправителя «{error.sender}» ({_reply(error)})") from error
    except smtplib.SMTPRecipientsRefused as error:
        refused = ", ".join(f"«{recipient}» ({code} {' '.join(reply.decode('utf-8', 'replace').split())[:_REPLY_LENGTH]})" for recipient, (code, reply) in error.recipients.items())
        raise SmtpFailed(f"Не удалось отправить письмо: {where} отклонил адрес получателя {refused}") from error
    except smtplib.SMTPDataError as error:
        raise SmtpFailed(f"Не удалось отправить письмо: {where} не принял письмо ({_reply(error)})") from error
    except smtplib.SMTPServerDisconnected as error:
        if isinstance(error.__context__, TimeoutError):  # smtplib reports a read timeout as a lost connection
            raise SmtpFailed(f"Не удалось отправить письмо: {where} не ответил за {policy.timeout_seconds:g} с (превышено время ожидания)") from error
        raise SmtpFailed(f"Не удалось отправить письмо: {where} разорвал соединение") from error
    except smtplib.SMTPResponseException as error:
        raise SmtpFailed(f"Не удалось отправить письмо: {where} ответил ошибкой ({_reply(error)})") from error
    except smtplib.SMTPException as error:
        raise SmtpFailed(f"Не удалось отправить письмо: ошибка протокола SMTP при работе с {where}") from error
    except ssl.SSLCertVerificationError as error:
        raise SmtpFailed(f"Не удалось отправить письмо: сертификат {where.replace('SMTP-сервер', 'SMTP-сервера')} не прошел проверку ({error.verify_message})") from error
    except TimeoutError as error:
        raise SmtpFailed(f"Не удалось отправить письмо: {where} не ответил за {policy.timeout_seconds:g} с (превышено время ожидания)") from error
    except ssl.SSLError as error:
        raise SmtpFailed(f"Не удалось отправить письмо: не удалось установить защищенное соединение (TLS) с {where.replace('SMTP-сервер', 'SMTP-сервером')} ({error.reason or 'ошибка TLS'})") from error
    except ConnectionRefusedError as error:
        raise SmtpFailed(f"Не удалось отправить письмо: {where} отказал в соединении (порт закрыт)") from error
    except OSError as error:
        raise SmtpFailed(f"Не удалось отправить письмо: не удалось соединиться с {where.replace('SMTP-сервер', 'SMTP-сервером')} ({error.strerror or type(error).__name__})") from error
