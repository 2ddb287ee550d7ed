"""The page a browser gets at a service URL: the endpoint's operations, generated from its spyne declarations.

Imported only when a GET asks for it (never at cold start). The page is rendered once per endpoint with
markers in place of the URLs; each request only substitutes the URL the client reached.
"""

import html
import re
import weakref
from dataclasses import dataclass

from partnerapi.groups import GROUP_OPERATIONS
from partnerapi.soap import TNS

TITLE = "PartnerAPI v1.20"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
CONTENT_TYPES = {"1.1": "text/xml; charset=utf-8", "1.2": "application/soap+xml; charset=utf-8"}
# stand-ins for the URLs in the cached rendering, replaced in one pass (a URL containing one stays as it is)
_ADDRESS = "@@address@@"
_MAIN_ADDRESS = "@@main-address@@"
_MARKERS = re.compile(f"{_ADDRESS}|{_MAIN_ADDRESS}")

# The spec's one-line names of the operations (section 3, column «Операция»). Where that column is
# missing or copied from another row, the first sentence of the operation's own section (section 4).
DESCRIPTIONS: dict[str, str] = {
    "region_read": "Чтение регионов",
    "contact_type_read": "Чтение видов КИ",
    "role_read": "Чтение ролей",
    "call_status_type_read": "Чтение типов результатов звонка",
    "remote_status_type_read": "Чтение типов результатов УД",
    "remote_access_type_read": "Виды средств реализации удаленного доступа",
    "pay_method_type_read": "Способы оплаты за клиентов",
    "partner_read": "Чтение партнера",
    "partner_contact_read": "Чтение КИ партнера",
    "partner_contact_edit": "Изменить КИ партнера",
    "partner_role_read": "Чтение ролей партнера",
    "partner_region_read": "Чтение списка регионов партнера",
    "partner_user_read": "Чтение сотрудников партнера",
    "partner_user_read_with_birthday": "Чтение сотрудников партнера с днем рождения",
    "partner_user_add": "Добавление сотрудника партнера",
    "partner_user_set_birthday": "Изменение даты дня рождения сотрудника партнера",
    "partner_user_edit": "Изменение ФИО сотрудника партнера",
    "partner_user_delete": "Удаление сотрудника партнера",
    "partner_user_contact_read": "Чтение КИ сотрудника партнера",
    "partner_user_contact_edit": "Изменение КИ сотрудника партнера",
    "client_read": "Чтение клиентов",
    "client_read_advanced": "Чтение клиентов с дополнительными признаками",
    "client_add": "Добавление клиентов",
    "client_add_its": "Добавление клиентов с договором ИТС",
    "client_add_advanced": "Добавление клиентов с дополнительными признаками",
    "client_edit": "Изменение клиентов",
    "client_edit_its": "Изменение клиентов с договором ИТС",
    "client_edit_advanced": "Изменение клиентов с дополнительными признаками",
    "client_ITS_status_For_INN": "Получение данных о договоре сопровождения ИС:ИТС клиента",
    "client_delete": "Удаление клиентов",
    "client_contact_read": "Чтение КИ клиентов",
    "client_contact_edit": "Изменение КИ клиентов",
    "client_user_read": "Чтение сотрудников клиента",
    "client_user_read_with_birthday": "Чтение сотрудников клиента (с днем рождения)",
    "client_user_add": "Добавление сотрудника клиента",
    "client_user_edit": "Изменение ФИО сотрудника клиента",
    "client_user_set_birthday": "Изменение даты дня рождения сотрудника клиента",
    "client_user_delete": "Удаление сотрудника клиента",
    "client_user_contact_read": "Чтение КИ сотрудника клиента",
    "client_user_contact_edit": "Изменение КИ сотрудника клиента",
    "agent_partner_read": "Чтение агентов партнера",
    "agent_partner_add": "Добавление агентов партнера",
    "agent_partner_edit": "Изменение агентов партнера",
    "agent_partner_delete": "Удаление агентов партнера",
    "agent_user_read": "Чтение агентов пользователя",
    "agent_user_add": "Добавление агентов пользователя",
    "agent_user_edit": "Изменение агентов пользователя",
    "agent_user_delete": "Удаление агентов пользователя",
    "competence_read": "Чтение компетенций",
    "competence_add": "Добавление компетенции",
    "competence_stop": "Отмена компетенций",
    "account_access_email_notify": "Отправка письма уведомления о предоставлении аккаунта",
    "partner_vendor_read": "Получение списка партнеров по указанному виду экспортируемых линий",
    "client_vendor_read": "Получение списка клиентов партнера, использующего экспортируемые линии",
    "service_type_read": "Чтение видов сервисов",
    "service_type_add": "Добавление видов сервисов",
    "service_type_edit": "Изменение видов сервисов",
    "service_type_delete": "Удаление видов сервисов",
    "contract_read": "Чтение договоров",
    "contract_service_read": "Чтение сервисов по договору",
    "contract_service_add": "Добавление сервисов по договору",
    "contract_service_delete": "Удаление сервисов по договору",
    "service_read": "Чтение сервисов",
    "service_add": "Добавление сервиса",
    "service_stop": "Отмена сервисов",
    "service_edit": "Изменение сервисов",
    "statistics_read": "Чтение статистики",
    "remote_access_statistics_read": "Чтение статистики сеансов удаленного доступа",
    "sip_calls_statistics_read": "Чтение статистики звонков СИП клиента",
    "chat_history_statistics_read": "Чтение истории чата",
    "chat_history_colleagues_read": "Чтение истории чата между коллегами",
}

# Parameters without which an operation answers Client.MissingParameter (the spec's signatures as
# decided in docs/spec-notes.md; spyne declares every parameter minOccurs=0, so the WSDL cannot say).
# A tuple inside names one parameter the spec gives two names: either may be given.
REQUIRED: dict[str, tuple[str | tuple[str, ...], ...]] = {
    "partner_contact_edit": ("region_id", "contact_type_id", "contact_view"),
    "partner_user_add": ("partner_user_name",),
    "partner_user_set_birthday": (("partner_user_id", "client_id"), "birthday"),
    "partner_user_edit": ("partner_user_id",),
    "partner_user_delete": ("partner_user_id",),
    "partner_user_contact_edit": ("partner_user_id", "contact_type_id", "contact_view"),
    "client_add": ("client_name", "region_id"),
    "client_add_its": ("client_name", "region_id"),
    "client_add_advanced": ("client_name", "region_id"),
    "client_edit": ("client_id", "client_name"),
    "client_edit_its": ("client_id", "client_name"),
    "client_edit_advanced": ("client_id", "client_name"),
    "client_delete": ("client_id",),
    "client_contact_edit": ("client_id", "contact_type_id", "contact_view"),
    "client_user_add": ("client_id", "client_user_name"),
    "client_user_edit": ("client_user_id",),
    "client_user_set_birthday": ("client_user_id", "birthday"),
    "client_user_delete": ("client_user_id",),
    "client_user_contact_edit": ("client_user_id", "contact_type_id", "contact_view"),
    "agent_partner_add": ("partner_user_id",),
    "agent_partner_edit": ("agent_partner_id",),
    "agent_partner_delete": ("agent_partner_id",),
    "agent_user_add": ("client_user_id",),
    "agent_user_edit": ("agent_user_id",),
    "agent_user_delete": ("agent_user_id",),
    "competence_add": (("agent_partner_id", "agent_id"), "service_type_id"),
    "competence_stop": ("competence_id",),
    "account_access_email_notify": ("client_user_id", "sender_email_address", "smtp_server", "smtp_port"),
    "client_vendor_read": ("service_type_id",),
    "service_type_add": ("service_type_name",),
    "service_type_edit": ("service_type_id", "service_type_name"),
    "service_type_delete": ("service_type_id",),
    "contract_service_add": ("service_type_id",),
    "contract_service_delete": ("service_type_id",),
    "service_add": ("client_id", "service_partner_id", "agent_user_id", "service_type_id"),
    "service_stop": ("service_id",),
    "service_edit": ("service_id",),
    "chat_history_statistics_read": ("client_user_id", "service_id", "period_from", "period_to"),
    "chat_history_colleagues_read": ("Colleague1_id", "Colleague2_id", "period_from", "period_to"),
}

# values in the sample requests, by XML Schema type; IDs are the service's UUIDs
_SAMPLE_BY_TYPE = {"date": "2024-01-31", "dateTime": "2024-01-31T10:00:00+03:00", "integer": "1", "int": "1", "boolean": "true"}
_SAMPLE_ID = "6f1d3c1e-0b6a-4d47-9a59-1f0c5d1a0001"
_SAMPLE_BY_NAME = {"sender_email_address": "partner@example.com", "smtp_server": "smtp.example.com", "smtp_port": "587"}

_CSS = """
body{font:15px/1.45 "DejaVu Sans","Liberation Sans",Arial,sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
body>header,body>nav,body>main{max-width:1100px;margin:0 auto;padding:0 24px}
header{padding-top:20px}
h1{margin:0 0 4px;font-size:28px}
h2{margin:28px 0 8px;font-size:20px}
h3{margin:16px 0 6px;font-size:15px}
code,pre{font-family:"DejaVu Sans Mono","Liberation Mono",monospace;font-size:13px}
pre{background:#fff;border:1px solid #d5d9e0;border-radius:4px;padding:8px 10px;overflow-x:auto;margin:4px 0}
pre.http{background:#eef1f5}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:8px 12px}
.groups a,.groups strong{margin-right:12px}
#toc ol{columns:2;column-gap:32px;margin:4px 0 12px;padding-left:28px}
#toc li{break-inside:avoid}
section.operation{background:#fff;border:1px solid #d5d9e0;border-radius:6px;padding:4px 18px 14px;margin:18px 0}
table{border-collapse:collapse;margin:4px 0}
th,td{border:1px solid #d5d9e0;padding:3px 10px;text-align:left;vertical-align:top}
th{background:#eef1f5}
.required{font-weight:bold}
.muted{color:#5b6472}
"""


@dataclass(frozen=True)
class Field:
    name: str
    type_name: str  # xs:string, xs:date, …
    local_type: str  # string, date, …


@dataclass(frozen=True)
class Operation:
    name: str
    group: str
    parameters: tuple[Field, ...]
    result_type: Field  # the <operation>Result element: an array of rows or one value
    row: str | None  # the row element of an array result
    columns: tuple[Field, ...]


_pages: "weakref.WeakKeyDictionary[object, str]" = weakref.WeakKeyDictionary()


def service_page(endpoint, public_url: str) -> bytes:
    """UTF-8 HTML describing `endpoint` (a SoapEndpoint) as reached at `public_url` (no query)."""
    page = _pages.get(endpoint)
    if page is None:
        page = _pages[endpoint] = _render(endpoint)
    address = public_url.rstrip("/")
    urls = {_ADDRESS: html.escape(address), _MAIN_ADDRESS: html.escape(_main_address(endpoint.groups, address))}
    return _MARKERS.sub(lambda marker: urls[marker.group()], page).encode("utf-8")


def _main_address(groups: tuple[str, ...], address: str) -> str:
    """The URL of the all-operations endpoint: a group's URL is that URL plus `/<group>`."""
    if len(groups) == 1 and address.endswith(f"/{groups[0]}"):
        return address[: -len(groups[0]) - 1]
    return address


def operations(endpoint) -> list[Operation]:
    """The endpoint's operations in the spec's order, as its SOAP 1.1 application declares them."""
    method_map = endpoint._app("1.1").app.interface.service_method_map
    return [_operation(method_map[f"{{{TNS}}}{name}"][0], group) for group in endpoint.groups for name in GROUP_OPERATIONS[group]]


def _field(name: str, model) -> Field:
    local = model.get_type_name()
    prefix = "xs" if model.get_namespace() == XSD else "tns"
    return Field(name, f"{prefix}:{local}", local)


def _operation(descriptor, group: str) -> Operation:
    from spyne.model.complex import Array

    parameters = tuple(_field(name, model) for name, model in descriptor.in_message._type_info.items())
    ((result_name, result_model),) = descriptor.out_message._type_info.items()
    row, columns = None, ()
    if issubclass(result_model, Array):
        ((row, row_model),) = result_model._type_info.items()
        columns = tuple(_field(name, model) for name, model in row_model._type_info.items())
    return Operation(descriptor.name, group, parameters, _field(result_name, result_model), row, columns)


def required_names(operation: str) -> dict[str, tuple[str, ...]]:
    """parameter → the names it can be given under, for each parameter `operation` cannot do without."""
    result: dict[str, tuple[str, ...]] = {}
    for entry in REQUIRED.get(operation, ()):
        names = (entry,) if isinstance(entry, str) else entry
        for name in names:
            result[name] = names
    return result


def _sample_value(field: Field) -> str:
    if field.name in _SAMPLE_BY_NAME:
        return _SAMPLE_BY_NAME[field.name]
    if field.local_type == "string" and field.name.lower().endswith("_id"):
        return _SAMPLE_ID
    return _SAMPLE_BY_TYPE.get(field.local_type, "строка")


def sample_envelope(operation: Operation, version: str) -> str:
    """A request a client can send as it is: required parameters with sample values, the others nil
    (the spec: an optional parameter is given as null)."""
    from lxml import etree

    soap = SOAP12 if version == "1.2" else SOAP11
    required = required_names(operation.name)
    values: dict[str, str | None] = {}  # None: nil
    for parameter in operation.parameters:
        names = required.get(parameter.name)
        # one name of a parameter the spec names twice is enough
        given = names is not None and not any(values.get(name) for name in names)
        values[parameter.name] = _sample_value(parameter) if given else None
    nsmap = {"soap": soap, **({"xsi": XSI} if None in values.values() else {}), "tns": TNS}
    envelope = etree.Element(f"{{{soap}}}Envelope", nsmap=nsmap)
    call = etree.SubElement(etree.SubElement(envelope, f"{{{soap}}}Body"), f"{{{TNS}}}{operation.name}")
    for name, value in values.items():
        element = etree.SubElement(call, f"{{{TNS}}}{name}")
        if value is None:
            element.set(f"{{{XSI}}}nil", "true")
        else:
            element.text = value
    return etree.tostring(envelope, pretty_print=True, encoding="unicode")


def _http_headers(operation: str, version: str) -> str:
    lines = [f"POST {_ADDRESS}", f"Content-Type: {CONTENT_TYPES[version]}"]
    if version == "1.1":
        lines.append(f'SOAPAction: "{html.escape(operation)}"')
    return "\n".join(lines)


def _render(endpoint) -> str:
    ops = operations(endpoint)
    single_group = endpoint.groups[0] if len(endpoint.groups) == 1 else None
    heading = f"группа {single_group}" if single_group else "все операции"
    parts = [
        '<!DOCTYPE html>\n<html lang="ru">\n<head>\n<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(TITLE)} — {html.escape(heading)}</title>",
        f"<style>{_CSS}</style>\n</head>\n<body>\n<header>",
        f"<h1>{html.escape(TITLE)}</h1>",
        "<p>Веб-сервис для работы партнеров с Учетной системой. Эта страница описывает операции, доступные по этому адресу "
        f"({html.escape(heading)}: {len(ops)}).</p>",
        f'<p>Адрес сервиса: <code id="address">{_ADDRESS}</code><br>WSDL: <a id="wsdl" href="{_ADDRESS}?wsdl">{_ADDRESS}?wsdl</a></p>',
        '<p class="note">Операции вызываются только запросом <strong>POST</strong> на адрес сервиса (SOAP 1.1 или SOAP 1.2, '
        "версия определяется по Content-Type), с аутентификацией <strong>HTTP Basic</strong>: логин и пароль партнера. "
        "Ответ операции — массив строк с перечисленными колонками. Необязательный параметр можно не передавать "
        'или передать пустым значением (xsi:nil="true").</p>',
        _group_links(single_group),
        "</header>",
        _table_of_contents(ops, single_group),
        "<main>",
        *(_operation_section(operation) for operation in ops),
        "</main>\n</body>\n</html>\n",
    ]
    return "\n".join(parts)


def _group_links(current: str | None) -> str:
    links = ['<strong aria-current="page">все операции</strong>' if current is None else f'<a href="{_MAIN_ADDRESS}">все операции</a>']
    for group in GROUP_OPERATIONS:
        name = html.escape(group)
        links.append(f'<strong aria-current="page">{name}</strong>' if group == current else f'<a href="{_MAIN_ADDRESS}/{name}">{name}</a>')
    return f'<nav class="groups" aria-label="Адреса групп операций">Адреса групп: {" ".join(links)}</nav>'


def _table_of_contents(ops: list[Operation], single_group: str | None) -> str:
    parts = ['<nav id="toc" aria-label="Операции">', "<h2>Операции</h2>"]
    groups = [single_group] if single_group else list(dict.fromkeys(operation.group for operation in ops))
    for group in groups:
        if not single_group:
            parts.append(f"<h3>{html.escape(group)}</h3>")
        parts.append("<ol>")
        for operation in ops:
            if operation.group == group:
                name = html.escape(operation.name)
                description = DESCRIPTIONS.get(operation.name)
                suffix = f" — {html.escape(description)}" if description else ""
                parts.append(f'<li><a href="#op-{name}"><code>{name}</code></a>{suffix}</li>')
        parts.append("</ol>")
    parts.append("</nav>")
    return "\n".join(parts)


def _parameter_rows(operation: Operation) -> str:
    required = required_names(operation.name)
    rows = []
    for parameter in operation.parameters:
        names = required.get(parameter.name)
        if names is None:
            need = "необязательный"
        elif len(names) == 1:
            need = '<span class="required">обязательный</span>'
        else:
            others = ", ".join(html.escape(name) for name in names if name != parameter.name)
            need = f'<span class="required">обязательный</span> (или {others})'
        rows.append(f"<tr><td><code>{html.escape(parameter.name)}</code></td><td><code>{html.escape(parameter.type_name)}</code></td><td>{need}</td></tr>")
    return "\n".join(rows)


def _operation_section(operation: Operation) -> str:
    name = html.escape(operation.name)
    description = DESCRIPTIONS.get(operation.name)
    parts = [f'<section class="operation" id="op-{name}" data-operation="{name}">', f"<h2>{name}</h2>"]
    if description:
        parts.append(f'<p class="description">{html.escape(description)}</p>')
    parts.append(f'<p class="muted">Группа: <a href="{_MAIN_ADDRESS}/{html.escape(operation.group)}">{html.escape(operation.group)}</a></p>')
    parts.append("<h3>Параметры</h3>")
    if operation.parameters:
        parts.append('<table class="parameters">\n<thead><tr><th>Имя</th><th>Тип</th><th>Обязательность</th></tr></thead>\n<tbody>')
        parts.append(_parameter_rows(operation))
        parts.append("</tbody>\n</table>")
    else:
        parts.append("<p>Параметров нет.</p>")
    parts.append("<h3>Результат</h3>")
    result = f"<code>{html.escape(operation.name)}Response/{html.escape(operation.result_type.name)}</code>"
    if operation.row is not None:
        parts.append(f"<p>{result}: массив элементов <code>{html.escape(operation.row)}</code>, колонки по порядку:</p>")
        parts.append('<table class="columns">\n<thead><tr><th>№</th><th>Колонка</th><th>Тип</th></tr></thead>\n<tbody>')
        for number, column in enumerate(operation.columns, 1):
            parts.append(f"<tr><td>{number}</td><td><code>{html.escape(column.name)}</code></td><td><code>{html.escape(column.type_name)}</code></td></tr>")
        parts.append("</tbody>\n</table>")
    else:
        parts.append(f'<p>{result}: одно значение типа <code class="result-type">{html.escape(operation.result_type.type_name)}</code>.</p>')
    for version in ("1.1", "1.2"):
        parts.append(f"<h3>Пример запроса SOAP {version}</h3>")
        parts.append(f'<pre class="http" data-soap-version="{version}">{_http_headers(operation.name, version)}</pre>')
        parts.append(f'<pre class="envelope" data-soap-version="{version}">{html.escape(sample_envelope(operation, version), quote=False)}</pre>')
    parts.append("</section>")
    return "\n".join(parts)
