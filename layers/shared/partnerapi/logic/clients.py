"""The clients group: clients with their ITS data, their contacts and their employees."""


from partnerapi.data import keys, table, writes
from partnerapi.errors import ClientDeleted, ConcurrentModification, InvalidParameter, MissingParameter, ReferenceNotFound, RegionNotAvailable
from partnerapi.logic import employees, its
from partnerapi.logic.contacts import CONTACT_CODE_CLIENT, CONTACT_CODE_USER, CONTACT_VIEW_LENGTH, check_contact_type
from partnerapi.logic.references import Kind, resolve
from partnerapi.logic.values import blank_to_none, cut, parse_flag, require

Row = dict[str, object]

# spec: «будут сохранены только первые 50 / 255 / 12 / 9»
NAME_LENGTH, FULL_NAME_LENGTH, INN_LENGTH, KPP_LENGTH = 50, 255, 12, 9
ADDIT_ATTRIBUTE_LENGTH = 255  # undocumented; see docs/spec-notes.md
PAY_METHODS = range(0, 5)  # pay_method_type_read's fixed list
CASCADE_CHUNK = 99  # TransactWriteItems takes 100 actions; one is the client's condition check

EMPTY_NAME = "Наименование добавляемого клиента не должно быть пустым"
NO_REGION = "При добавлении клиента не указан регион"
NO_CLIENT = "При изменении клиентов необходимо указать ссылку на изменяемого клиента"

CLIENT_USERS = employees.EmployeeKind(
    prefix="client_user",
    owner_field="client_id",
    reference=Kind.CLIENT_USER,
    sk=keys.client_user_sk,
    list_prefix=keys.CLIENT_USER_PREFIX,
    contact_sk=keys.client_user_contact_sk,
    contact_list_prefix=keys.CLIENT_USER_CONTACT_PREFIX,
    contact_codes=(CONTACT_CODE_USER,),
    noun="сотрудник клиента",
    noun_genitive="сотрудника клиента",
)

_FIELDS = ("client_name", "client_full_name", "region_id", "client_del", "client_inn", "client_kpp", "client_reg_num", "pay_method_id", "addit_attribute", "client_new_id")


def client_row(item: table.Item) -> Row:
    row: Row = {"client_id": item["client_id"]}
    row.update({field: item.get(field) for field in _FIELDS})
    row["client_del"] = bool(item.get("client_del", False))
    return row


def _reg_number(value: str | None) -> str | None:
    """None: not given; "": cleared; else a valid number (spec: «Не корректный регистрационный номер»)."""
    if value is None or not value.strip():
        return value if value is None else ""
    normalized = its.normalize_reg_number(value)
    if normalized is None:
        raise InvalidParameter(its.INVALID_REG_NUMBER_MESSAGE)
    return normalized


def _pay_method(value: int | None) -> int | None:
    if value is not None and value not in PAY_METHODS:
        raise InvalidParameter(f"Недопустимый способ оплаты pay_method_type_id = {value}: допустимы коды 0–4 (pay_method_type_read)")
    return value


def _available_region(current_partner: str, region: table.Item) -> dict:
    """A condition for the write: the region must (still) be one the partner works in."""
    return table.condition_check(keys.partner_pk(current_partner), keys.partner_region_sk(region["region_id"]))


# --- reading ----------------------------------------------------------------------------------


def client_read(current_partner: str, client_id: str | None, region_id: str | None, include_deleted: object, addit_attribute: str | None = None) -> list[Row]:
    """With client_id: that client, deleted or not. Otherwise the partner's clients, filtered."""
    include_deleted = parse_flag(include_deleted, "include_deleted")
    refs = resolve(current_partner, {"client_id": client_id, "region_id": region_id})
    if refs["client_id"] is not None:
        return [client_row(refs["client_id"])]
    region = refs["region_id"]
    if region is not None and table.get(keys.partner_pk(current_partner), keys.partner_region_sk(region["region_id"])) is None:
        raise RegionNotAvailable(region["region_id"])  # spec: «Можно указать только доступный регион»
    rows = []
    for page in table.query_pages(keys.partner_pk(current_partner), keys.CLIENT_PREFIX):
        for item in page:
            if not include_deleted and item.get("client_del"):
                continue
            if region is not None and item.get("region_id") != region["region_id"]:
                continue
            # "" also selects clients never given an attribute (stored without one, read as nil)
            if addit_attribute is not None and (item.get("addit_attribute") or "") != addit_attribute:
                continue
            rows.append(client_row(item))
    return rows


# --- adding and editing -------------------------------------------------------------------------


def client_add(
    current_partner: str,
    client_name: str | None,
    region_id: str | None,
    client_inn: str | None = None,
    client_kpp: str | None = None,
    client_full_name: str | None = None,
    client_reg_num: str | None = None,
    pay_method_type_id: int | None = None,
    addit_attribute: str | None = None,
) -> list[Row]:
    if blank_to_none(client_name) is None:
        raise MissingParameter(EMPTY_NAME)
    require(region_id, NO_REGION)
    reg_number = _reg_number(client_reg_num)
    pay_method = _pay_method(pay_method_type_id)
    region = resolve(current_partner, {"region_id": region_id})["region_id"]
    client_id = writes.new_id()
    item = {
        "PK": keys.partner_pk(current_partner),
        "SK": keys.client_sk(client_id),
        "kind": "client",
        "client_id": client_id,
        "client_new_id": writes.new_id(),
        "partner_id": current_partner,
        "client_name": cut(client_name, NAME_LENGTH),
        "region_id": region["region_id"],
        "client_del": False,
        # spec: «По умолчанию при наличии договора ИТС … «Оплата за 12 месяцев», иначе «Оплата взимается ежемесячно»»
        "pay_method_id": pay_method if pay_method is not None else its.default_pay_method_type_id(reg_number or None),
    }
    optional = {
        "client_full_name": cut(client_full_name, FULL_NAME_LENGTH),
        "client_inn": cut(client_inn, INN_LENGTH),
        "client_kpp": cut(client_kpp, KPP_LENGTH),
        "client_reg_num": reg_number,
        "addit_attribute": cut(addit_attribute, ADDIT_ATTRIBUTE_LENGTH),
    }
    # what was not given is not stored and reads as nil; "" is stored as given (docs/spec-notes.md G2)
    item.update({field: value for field, value in optional.items() if value is not None})
    put = table.put_action(item)
    put["Put"]["ConditionExpression"] = "attribute_not_exists(PK)"
    try:
        table.transact([_available_region(current_partner, region), put])
    except table.ConditionFailed as error:
        raise RegionNotAvailable(region["region_id"]) from error
    return [client_row(item)]


def client_edit(
    current_partner: str,
    client_id: str | None,
    client_name: str | None,
    region_id: str | None = None,
    client_inn: str | None = None,
    client_kpp: str | None = None,
    client_full_name: str | None = None,
    client_reg_num: str | None = None,
    pay_method_type_id: int | None = None,
    addit_attribute: str | None = None,
) -> list[Row]:
    """client_name always replaces the name; for the rest nil leaves a field, "" clears it."""
    require(client_id, NO_CLIENT)
    if blank_to_none(client_name) is None:
        raise MissingParameter(EMPTY_NAME)
    reg_number = _reg_number(client_reg_num)
    pay_method = _pay_method(pay_method_type_id)
    refs = resolve(current_partner, {"client_id": client_id, "region_id": region_id})
    client, region = refs["client_id"], refs["region_id"]
    changes = {"client_name": cut(client_name, NAME_LENGTH)}
    for field, value, length in (
        ("client_inn", client_inn, INN_LENGTH),
        ("client_kpp", client_kpp, KPP_LENGTH),
        ("client_full_name", client_full_name, FULL_NAME_LENGTH),
        ("addit_attribute", addit_attribute, ADDIT_ATTRIBUTE_LENGTH),
    ):
        if value is not None:
            changes[field] = cut(value, length)
    if reg_number is not None:
        changes["client_reg_num"] = reg_number
    if pay_method is not None:
        changes["pay_method_id"] = pay_method
    actions = []
    if region is not None:
        changes["region_id"] = region["region_id"]
        actions.append(_available_region(current_partner, region))
    actions.append(table.update_action(client["PK"], client["SK"], changes))
    try:
        table.transact(actions)
    except table.ConditionFailed as error:
        if region is not None and "ConditionalCheckFailed" in error.reasons[:1]:
            raise RegionNotAvailable(region["region_id"]) from error
        raise ReferenceNotFound("client_id", client["client_id"]) from error
    return [client_row({**client, **changes})]


# --- deleting: a toggle with a cascade ------------------------------------------------------------


def _dependents(current_partner: str, client_id: str) -> list[table.Item]:
    return table.query_all(keys.by_client_pk(current_partner, client_id), index=keys.BY_CLIENT_INDEX)


def _cascade_action(item: table.Item) -> dict | None:
    """What deleting the client does to one of its dependents (spec: client_delete)."""
    if item.get("kind") == "client_user" and not item.get("client_user_del"):
        return table.update_action(item["PK"], item["SK"], {"client_user_del": True})
    if item.get("kind") == "agent_user" and item.get("agent_user_activity"):
        return table.update_action(item["PK"], item["SK"], {"agent_user_activity": False})
    if item.get("kind") == "service" and not item.get("service_stopped"):
        return table.update_action(item["PK"], item["SK"], {"service_stopped": True})
    return None


def client_delete(current_partner: str, client_id: str | None) -> list[Row]:
    """Deleting marks the client, its employees, their agents and subscriptions; calling again restores
    the client only. The client is marked first together with a `cascade_pending` flag, then the
    dependents in transactions of ≤ 100 actions, each conditional on that flag, then the flag is
    cleared: a failure half-way leaves a client that reads as deleted and whose next client_delete
    finishes the cascade instead of restoring it."""
    require(client_id, "Не указан удаляемый клиент (client_id)")
    client = resolve(current_partner, {"client_id": client_id})["client_id"]
    pk, sk = client["PK"], client["SK"]
    if writes.by_this_request(client) and not client.get("cascade_pending"):
        return [client_row(client)]  # this request deleted or restored it already: answer as it did
    if client.get("client_del") and not client.get("cascade_pending"):
        try:
            restored = table.update(pk, sk, {"client_del": False}, condition="client_del = :true AND attribute_not_exists(cascade_pending)", condition_values={":true": True})
        except table.ConditionFailed as error:
            raise ConcurrentModification() from error
        return [client_row(restored)]
    if not client.get("cascade_pending"):
        try:
            table.update(pk, sk, {"client_del": True, "cascade_pending": True}, condition="client_del = :false AND attribute_not_exists(cascade_pending)", condition_values={":false": False})
        except table.ConditionFailed as error:
            raise ConcurrentModification() from error
    actions = [action for item in _dependents(current_partner, client["client_id"]) if (action := _cascade_action(item))]
    for start in range(0, len(actions), CASCADE_CHUNK):
        guard = table.condition_check(pk, sk, "attribute_exists(cascade_pending)")
        try:
            table.transact([guard, *actions[start : start + CASCADE_CHUNK]])
        except table.ConditionFailed as error:
            raise ConcurrentModification() from error
    finished = table.update(pk, sk, {"cascade_pending": None}, condition="attribute_exists(PK)")
    return [client_row(finished)]


# --- contacts ---------------------------------------------------------------------------------------


def _client_contact_row(item: table.Item) -> Row:
    return {"client_id": item["client_id"], "contact_type_id": item["contact_type_id"], "contact_view": item["contact_view"]}


def client_contact_read(current_partner: str, client_id: str | None, contact_type_id: str | None) -> list[Row]:
    refs = resolve(current_partner, {"client_id": client_id, "contact_type_id": contact_type_id})
    check_contact_type(refs["contact_type_id"], (CONTACT_CODE_CLIENT,))
    client = refs["client_id"]
    prefix = keys.client_contact_sk(client["client_id"]) if client else keys.CLIENT_CONTACT_PREFIX
    items = table.query_all(keys.partner_pk(current_partner), prefix)
    if refs["contact_type_id"] is not None:
        items = [item for item in items if item["contact_type_id"] == refs["contact_type_id"]["contact_type_id"]]
    return [_client_contact_row(item) for item in items]


def client_contact_edit(current_partner: str, client_id: str | None, contact_type_id: str | None, contact_view: str | None) -> list[Row]:
    require(client_id, "Не указан клиент (client_id), контактную информацию которого нужно изменить")
    require(contact_type_id, "Не указан вид контактной информации (contact_type_id)")
    if contact_view is None:
        raise MissingParameter("Не указано новое значение контактной информации (contact_view)")
    refs = resolve(current_partner, {"client_id": client_id, "contact_type_id": contact_type_id})
    check_contact_type(refs["contact_type_id"], (CONTACT_CODE_CLIENT,))
    client, contact_type = refs["client_id"], refs["contact_type_id"]["contact_type_id"]
    item = {
        "PK": client["PK"],
        "SK": keys.client_contact_sk(client["client_id"], contact_type),
        "kind": "client_contact",
        "client_id": client["client_id"],
        "contact_type_id": contact_type,
        "contact_view": cut(contact_view, CONTACT_VIEW_LENGTH),
    }
    write = table.put_action(item) if item["contact_view"] else table.delete_action(item["PK"], item["SK"])
    try:
        table.transact([table.condition_check(client["PK"], client["SK"]), write])
    except table.ConditionFailed as error:
        raise ReferenceNotFound("client_id", client["client_id"]) from error
    return [_client_contact_row(item)]


# --- employees ---------------------------------------------------------------------------------------


def client_user_read(current_partner: str, client_user_id: str | None, client_id: str | None, include_deleted: object, with_birthday: bool = False) -> list[Row]:
    refs = resolve(current_partner, {"client_user_id": client_user_id, "client_id": client_id})
    user, client = refs["client_user_id"], refs["client_id"]
    if user is not None and client is not None and user["client_id"] != client["client_id"]:
        return []  # both filters given and they do not meet

    def candidates() -> list[table.Item]:
        if client is not None:
            items = table.query_all(keys.by_client_pk(current_partner, client["client_id"]), keys.CLIENT_USER_PREFIX, index=keys.BY_CLIENT_INDEX)
            return [item for item in items if item.get("kind") == "client_user"]
        return table.query_all(keys.partner_pk(current_partner), keys.CLIENT_USER_PREFIX)

    return employees.read(CLIENT_USERS, current_partner, user, candidates, include_deleted, with_birthday)


def client_user_add(current_partner: str, client_id: str | None, name: str | None, family_name: str | None, father_name: str | None) -> list[Row]:
    require(client_id, "Не указан клиент (client_id), которому добавляется сотрудник")
    client = resolve(current_partner, {"client_id": client_id})["client_id"]
    if client.get("client_del"):
        raise ClientDeleted(client["client_id"])
    item = employees.new_item(CLIENT_USERS, current_partner, client["client_id"], name, family_name, father_name)
    item["GSI1PK"] = keys.by_client_pk(current_partner, client["client_id"])
    item["GSI1SK"] = item["SK"]
    put = table.put_action(item)
    put["Put"]["ConditionExpression"] = "attribute_not_exists(PK)"
    # a live client, still: once client_delete has marked it, no new employee can escape its cascade
    live = table.condition_check(client["PK"], client["SK"], "client_del = :false AND attribute_not_exists(cascade_pending)", {":false": False})
    try:
        table.transact([live, put])
    except table.ConditionFailed as error:
        raise ClientDeleted(client["client_id"]) from error
    return [employees.row(CLIENT_USERS, item)]


def client_user_edit(current_partner: str, client_user_id: str | None, name: str | None, family_name: str | None, father_name: str | None) -> list[Row]:
    return employees.edit(CLIENT_USERS, current_partner, client_user_id, name, family_name, father_name)


def client_user_set_birthday(current_partner: str, client_user_id: str | None, birthday: str | None) -> bool:
    return employees.set_birthday(CLIENT_USERS, current_partner, {"client_user_id": client_user_id}, birthday)


def client_user_delete(current_partner: str, client_user_id: str | None) -> list[Row]:
    return employees.toggle_deleted(CLIENT_USERS, current_partner, client_user_id)


def client_user_contact_read(current_partner: str, client_user_id: str | None, contact_type_id: str | None) -> list[Row]:
    return employees.contact_read(CLIENT_USERS, current_partner, client_user_id, contact_type_id)


def client_user_contact_edit(current_partner: str, client_user_id: str | None, contact_type_id: str | None, contact_view: str | None) -> list[Row]:
    return employees.contact_edit(CLIENT_USERS, current_partner, client_user_id, contact_type_id, contact_view)


def client_its_status_for_inn(reg_number: str | None, inn: str | None) -> list[Row]:
    return its.client_its_status_for_inn(reg_number, inn)
