"""account_access_email_notify: tells a client's employee, by e-mail, the number(s) and password(s) of
their active agents, through the SMTP server the partner names (data/smtp.py polices that egress).

The recipient is the employee's e-mail contact: a contact of a contact type whose name says e-mail
(«E-mail», «Email», «Электронная почта», …); contact_type_code only says who a type is for (1 clients,
2 partners, 3 employees), not what it holds. The message is Russian, UTF-8, with a text and an HTML
alternative; every value placed in the HTML is escaped.
"""

import html
import re
from typing import TYPE_CHECKING

from partnerapi.data import keys, table
from partnerapi.errors import InvalidParameter, MissingParameter, NoActiveAgents, NoEmailContact, ReferenceNotFound, UserDeleted
from partnerapi.logic import agents
from partnerapi.logic.references import Kind, resolve
from partnerapi.logic.values import blank_to_none, parse_flag, require

if TYPE_CHECKING:  # the mail modules load on the first notification, not on every cold start
    from email.message import EmailMessage

    from partnerapi.data.smtp import SmtpPolicy

SUBJECT = "Доступ к программе 1С-Коннект"
EMAIL_CONTACT_NAME = re.compile(r"e-?mail|эл(ектронн)?\.?\s*почт|^почта$", re.IGNORECASE)
# a plain ASCII addr-spec: dot-atom local part @ domain of labels; no spaces, quotes or line breaks
_ADDRESS = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
_ADDRESS_LENGTH = 254


def valid_address(value: str | None) -> str | None:
    address = (value or "").strip()
    return address if len(address) <= _ADDRESS_LENGTH and _ADDRESS.match(address) else None


def _employee_and_agents(current_partner: str, client_user_id: str) -> tuple[table.Item, list[table.Item], table.Item | None]:
    """The spec calls the parameter client_user_id and describes it as «уникальный идентификатор агента,
    которому отправляется уведомление»: an employee's ID means all their active agents, a user agent's ID
    that agent only. Either way another partner's ID is not found."""
    try:
        refs = resolve(current_partner, {"client_user_id": client_user_id, "partner_id": current_partner})
        return refs["client_user_id"], agents.active_agents_of(current_partner, refs["client_user_id"]), refs["partner_id"]
    except ReferenceNotFound as not_an_employee:
        if not_an_employee.parameter != "client_user_id":
            raise
        try:
            agent = resolve(current_partner, {"client_user_id": client_user_id}, kinds={"client_user_id": Kind.AGENT_USER})["client_user_id"]
        except ReferenceNotFound:
            raise not_an_employee from None
    refs = resolve(current_partner, {"client_user_id": agent["client_user_id"], "partner_id": current_partner})
    return refs["client_user_id"], [agent] if agent.get("agent_user_activity") else [], refs["partner_id"]


def _email_addresses(current_partner: str, user: table.Item) -> list[str]:
    contacts = table.query_all(keys.partner_pk(current_partner), keys.client_user_contact_sk(user["client_user_id"]))
    types = table.get_many((keys.CONTACT_TYPE_PK, contact["contact_type_id"]) for contact in contacts)
    found = []
    for contact in contacts:
        contact_type = types.get((keys.CONTACT_TYPE_PK, contact["contact_type_id"]))
        if contact_type is None or not EMAIL_CONTACT_NAME.search(str(contact_type.get("contact_type_name", ""))):
            continue
        address = valid_address(contact.get("contact_view"))
        if address is None:
            raise InvalidParameter(f"Адрес электронной почты сотрудника клиента «{user['client_user_id']}» «{str(contact.get('contact_view'))[:100]}» некорректен: исправьте его операцией client_user_contact_edit")
        found.append(address)
    return list(dict.fromkeys(found))


def _one_line(*parts: object) -> str:
    """Names go into headers: any run of whitespace or control characters becomes one space."""
    text = " ".join(str(part) for part in parts if part)
    return " ".join("".join(character if character.isprintable() else " " for character in text).split())


def _full_name(user: table.Item) -> str:
    return _one_line(user.get("client_user_family_name"), user.get("client_user_name"), user.get("client_user_father_name"))


def _greeting_name(user: table.Item) -> str:
    return _one_line(user.get("client_user_name"), user.get("client_user_father_name"))


def build_message(sender: str, sender_name: str, recipients: list[str], recipient_name: str, greeting_name: str, credentials: list[tuple[str, str]]) -> "EmailMessage":
    """The notification: Russian, UTF-8, text and HTML alternatives with the same content."""
    from email.headerregistry import Address
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    message = EmailMessage()
    message["Subject"] = SUBJECT
    message["From"] = Address(display_name=sender_name, addr_spec=sender)
    message["To"] = [Address(display_name=recipient_name, addr_spec=recipient) for recipient in recipients]
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[1])
    greeting = f"Здравствуйте, {greeting_name}!" if greeting_name else "Здравствуйте!"
    several = len(credentials) > 1
    lines = [greeting, "", "Вам предоставлен доступ к программе 1С-Коннект.", "", "Данные для входа:" if not several else "Данные для входа (по одному агенту на каждое устройство):"]
    for number, password in credentials:
        lines += ["", f"Номер агента: {number}", f"Пароль: {password}"]
    lines += ["", "Установите программу 1С-Коннект и войдите с этими данными. Не сообщайте пароль посторонним.", "", f"С уважением, {sender_name or sender}", "", "Письмо отправлено автоматически."]
    message.set_content("\n".join(lines) + "\n", charset="utf-8", cte="base64")
    rows_html = "".join(
        f'<tr><td style="padding:4px 12px 4px 0">Номер агента:</td><td style="padding:4px 0"><b>{html.escape(number)}</b></td></tr>'
        f'<tr><td style="padding:4px 12px 4px 0">Пароль:</td><td style="padding:4px 0"><code>{html.escape(password)}</code></td></tr>'
        for number, password in credentials
    )
    body = (
        '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>' + html.escape(SUBJECT) + "</title></head><body>"
        f"<p>{html.escape(greeting)}</p>"
        "<p>Вам предоставлен доступ к программе 1С-Коннект.</p>"
        f"<p>{'Данные для входа:' if not several else 'Данные для входа (по одному агенту на каждое устройство):'}</p>"
        f"<table>{rows_html}</table>"
        "<p>Установите программу 1С-Коннект и войдите с этими данными. Не сообщайте пароль посторонним.</p>"
        f"<p>С уважением, {html.escape(sender_name or sender)}</p>"
        '<p style="color:#777">Письмо отправлено автоматически.</p></body></html>'
    )
    message.add_alternative(body, subtype="html", charset="utf-8", cte="base64")
    return message


def account_access_email_notify(
    current_partner: str,
    client_user_id: str | None,
    sender_email_address: str | None,
    email_login: str | None,
    email_password: str | None,
    smtp_server: str | None,
    smtp_port: int | None,
    ssl_encryption: object,
    policy: "SmtpPolicy | None" = None,
) -> bool:
    """True once the SMTP server has accepted the message; every failure is a fault naming its cause."""
    require(client_user_id, "Не указан сотрудник клиента (client_user_id), которому отправляется уведомление")
    require(sender_email_address, "Не указан адрес электронной почты отправителя (sender_email_address)")
    sender = valid_address(sender_email_address)
    if sender is None:
        raise InvalidParameter(f"Некорректный адрес электронной почты отправителя (sender_email_address) «{sender_email_address[:100]}»")
    server = require(smtp_server, "Не указан SMTP-сервер (smtp_server)")
    if smtp_port is None:
        raise MissingParameter("Не указан порт SMTP (smtp_port)")
    encrypted = bool(parse_flag(ssl_encryption, "ssl_encryption"))  # nil: false (STARTTLS is still used when offered)
    user, active, partner = _employee_and_agents(current_partner, client_user_id)
    if user.get("client_user_del"):
        raise UserDeleted("client_user_id", user["client_user_id"], "client_user_delete")
    if not active:
        raise NoActiveAgents(user["client_user_id"])
    recipients = _email_addresses(current_partner, user)
    if not recipients:
        raise NoEmailContact(user["client_user_id"])
    opened = agents.rows(agents.USER_AGENTS, active)
    credentials = [(str(row["agent_user_number"]), str(row["agent_user_password"])) for row in opened]
    sender_name = _one_line((partner or {}).get("partner_name", ""))
    message = build_message(sender, sender_name, recipients, _full_name(user), _greeting_name(user), credentials)
    from partnerapi.data import smtp

    login = blank_to_none(email_login)
    smtp.send(message, smtp.SmtpTarget(server, smtp_port, encrypted, login, email_password if login else None), policy)
    return True

