"""The partners group: the current partner, its contacts, roles, regions and employees."""

import uuid
from datetime import date

from partnerapi.data import keys, table
from partnerapi.errors import ConcurrentModification, ContactTypeNotAllowed, MissingParameter, ReferenceNotFound, RegionNotAvailable
from partnerapi.logic.reference import CONTACT_CODE_PARTNER, CONTACT_CODE_USER
from partnerapi.logic.references import Kind, resolve
from partnerapi.logic.values import EMPTY_DATE, blank_to_none, cut, parse_date, parse_flag, require

Row = dict[str, object]

CONTACT_VIEW_LENGTH = 500  # spec: «будут сохранены только первые 500»
USER_NAME_LENGTH = 100  # undocumented; see docs/spec-notes.md
PARTNER_CONTACT_CODES = (CONTACT_CODE_PARTNER,)
# partner_user_contact_read documents code 3, partner_user_contact_edit code 2: both are accepted.
PARTNER_USER_CONTACT_CODES = (CONTACT_CODE_USER, CONTACT_CODE_PARTNER)
_TOGGLE_ATTEMPTS = 3


def _check_contact_type(contact_type: table.Item | None, allowed: tuple[int, ...]) -> None:
    if contact_type is not None and contact_type["contact_type_code"] not in allowed:
        raise ContactTypeNotAllowed(contact_type["contact_type_id"], allowed)


# --- the partner itself -------------------------------------------------------------------


def partner_read(current_partner: str, partner_id: str | None) -> list[Row]:
    resolve(current_partner, {"partner_id": partner_id})
    profile = table.get(keys.partner_pk(current_partner), keys.PROFILE_SK)
    if profile is None:
        raise ReferenceNotFound("partner_id", current_partner)
    return [{"partner_id": profile["partner_id"], "partner_name": profile["partner_name"]}]


def _contact_row(item: table.Item) -> Row:
    return {
        "partner_id": item["partner_id"],
        "region_id": item["region_id"],
        "contact_type_id": item["contact_type_id"],
        "contact_view": item["contact_view"],
    }


def partner_contact_read(current_partner: str, partner_id: str | None, region_id: str | None, contact_type_id: str | None) -> list[Row]:
    refs = resolve(current_partner, {"partner_id": partner_id, "region_id": region_id, "contact_type_id": contact_type_id})
    _check_contact_type(refs["contact_type_id"], PARTNER_CONTACT_CODES)
    prefix = keys.CONTACT_PREFIX
    if refs["region_id"] is not None:
        prefix = keys.partner_contact_sk(refs["region_id"]["region_id"], "")
    items = table.query_all(keys.partner_pk(current_partner), prefix)
    if refs["contact_type_id"] is not None:
        items = [item for item in items if item["contact_type_id"] == refs["contact_type_id"]["contact_type_id"]]
    return [_contact_row(item) for item in items]


def partner_contact_edit(current_partner: str, region_id: str | None, contact_type_id: str | None, contact_view: str | None) -> list[Row]:
    require(region_id, "Не указан регион (region_id), контактную информацию которого нужно изменить")
    require(contact_type_id, "Не указан вид контактной информации (contact_type_id)")
    if contact_view is None:
        raise MissingParameter("Не указано новое значение контактной информации (contact_view)")
    refs = resolve(current_partner, {"region_id": region_id, "contact_type_id": contact_type_id})
    region, contact_type = refs["region_id"]["region_id"], refs["contact_type_id"]["contact_type_id"]
    _check_contact_type(refs["contact_type_id"], PARTNER_CONTACT_CODES)
    pk = keys.partner_pk(current_partner)
    item = {
        "PK": pk,
        "SK": keys.partner_contact_sk(region, contact_type),
        "kind": "partner_contact",
        "partner_id": current_partner,
        "region_id": region,
        "contact_type_id": contact_type,
        "contact_view": cut(contact_view, CONTACT_VIEW_LENGTH),
    }
    write = table.put_action(item) if item["contact_view"] else table.delete_action(item["PK"], item["SK"])
    try:
        # region availability is a condition of the write itself, so a revoked region can never slip in
        table.transact([table.condition_check(pk, keys.partner_region_sk(region)), write])
    except table.ConditionFailed as error:
        raise RegionNotAvailable(region) from error
    return [_contact_row(item)]


def partner_role_read(current_partner: str) -> list[Row]:
    items = table.query_all(keys.partner_pk(current_partner), keys.ROLE_PREFIX)
    return [{"partner_id": current_partner, "role_id": str(item["role_id"])} for item in items]


def partner_region_read(current_partner: str) -> list[Row]:
    items = table.query_all(keys.partner_pk(current_partner), keys.REGION_PREFIX)
    return [{"partner_id": current_partner, "region_id": item["region_id"]} for item in items]


# --- employees ------------------------------------------------------------------------------


def _user_row(item: table.Item, with_birthday: bool = False) -> Row:
    row: Row = {
        "partner_user_id": item["partner_user_id"],
        "partner_id": item["partner_id"],
        "partner_user_name": item.get("partner_user_name", ""),
        "partner_user_family_name": item.get("partner_user_family_name", ""),
        "partner_user_father_name": item.get("partner_user_father_name", ""),
        "partner_user_del": item.get("partner_user_del", False),
    }
    if with_birthday:
        birthday = item.get("partner_user_birthday")
        row["partner_user_birthday"] = date.fromisoformat(birthday) if birthday else None
    return row


def partner_user_read(current_partner: str, partner_user_id: str | None, include_deleted: str | bool | None, with_birthday: bool = False) -> list[Row]:
    include_deleted = parse_flag(include_deleted, "include_deleted")
    user = resolve(current_partner, {"partner_user_id": partner_user_id})["partner_user_id"]
    if user is not None:
        # like client_read: an employee asked for by ID is returned whether or not it is deleted
        return [_user_row(user, with_birthday)]
    items = table.query_all(keys.partner_pk(current_partner), keys.USER_PREFIX)
    return [_user_row(item, with_birthday) for item in items if include_deleted or not item.get("partner_user_del", False)]


def partner_user_add(current_partner: str, name: str | None, family_name: str | None, father_name: str | None) -> list[Row]:
    if blank_to_none(name) is None:
        raise MissingParameter("Имя добавляемого сотрудника партнера не должно быть пустым")
    user_id = str(uuid.uuid4())
    item = {
        "PK": keys.partner_pk(current_partner),
        "SK": keys.partner_user_sk(user_id),
        "kind": "partner_user",
        "partner_user_id": user_id,
        "partner_id": current_partner,
        "partner_user_name": cut(name, USER_NAME_LENGTH),
        "partner_user_family_name": cut(family_name or "", USER_NAME_LENGTH),
        "partner_user_father_name": cut(father_name or "", USER_NAME_LENGTH),
        "partner_user_del": False,
    }
    table.put(item, condition="attribute_not_exists(PK)")
    return [_user_row(item)]


def partner_user_set_birthday(current_partner: str, partner_user_id: str | None, client_id: str | None, birthday: str | None) -> bool:
    """The spec names the parameter client_id in the signature and partner_user_id in the table: both are taken."""
    given = {name: value for name, value in (("partner_user_id", partner_user_id), ("client_id", client_id)) if blank_to_none(value)}
    if not given:
        raise MissingParameter("Не указан сотрудник партнера (partner_user_id), дату рождения которого нужно изменить")
    if blank_to_none(birthday) is None:
        raise MissingParameter("Не указана дата рождения (birthday)")
    refs = resolve(current_partner, given, kinds={"client_id": Kind.PARTNER_USER})
    users = {item["partner_user_id"]: item for item in refs.values() if item}
    if len(users) > 1:
        raise ReferenceNotFound("client_id", str(given["client_id"]))
    (user_id,) = users
    parsed = parse_date(birthday, "birthday")
    value = None if parsed == EMPTY_DATE else parsed.isoformat()  # the empty date clears it
    try:
        table.update(keys.partner_pk(current_partner), keys.partner_user_sk(user_id), {"partner_user_birthday": value})
    except table.ConditionFailed as error:
        raise ReferenceNotFound("partner_user_id", user_id) from error
    return True


def partner_user_edit(current_partner: str, partner_user_id: str | None, name: str | None, family_name: str | None, father_name: str | None) -> list[Row]:
    """nil (or omitted) leaves a field as it is; "" clears it (spec: «Неопределено» vs «»)."""
    require(partner_user_id, "При изменении сотрудника партнера необходимо указать ссылку на изменяемого сотрудника (partner_user_id)")
    user = resolve(current_partner, {"partner_user_id": partner_user_id})["partner_user_id"]
    changes = {
        field: cut(value, USER_NAME_LENGTH)
        for field, value in (
            ("partner_user_name", name),
            ("partner_user_family_name", family_name),
            ("partner_user_father_name", father_name),
        )
        if value is not None
    }
    if not changes:
        return [_user_row(user)]
    try:
        updated = table.update(user["PK"], user["SK"], changes)
    except table.ConditionFailed as error:
        raise ReferenceNotFound("partner_user_id", user["partner_user_id"]) from error
    return [_user_row(updated)]


def partner_user_delete(current_partner: str, partner_user_id: str | None) -> list[Row]:
    """Toggles the deletion mark: deletes a live employee, restores a deleted one."""
    require(partner_user_id, "Не указан удаляемый сотрудник партнера (partner_user_id)")
    user = resolve(current_partner, {"partner_user_id": partner_user_id})["partner_user_id"]
    for _ in range(_TOGGLE_ATTEMPTS):
        current = bool(user.get("partner_user_del", False))
        try:
            # the condition makes two concurrent toggles both count instead of one being lost
            updated = table.update(
                user["PK"],
                user["SK"],
                {"partner_user_del": not current},
                condition="partner_user_del = :seen",
                condition_values={":seen": current},
            )
            return [_user_row(updated)]
        except table.ConditionFailed:
            user = table.get(user["PK"], user["SK"])
            if user is None:
                raise ReferenceNotFound("partner_user_id", str(partner_user_id)) from None
    raise ConcurrentModification()


def _user_contact_row(item: table.Item) -> Row:
    return {"partner_user_id": item["partner_user_id"], "contact_type_id": item["contact_type_id"], "contact_view": item["contact_view"]}


def partner_user_contact_read(current_partner: str, partner_user_id: str | None, contact_type_id: str | None) -> list[Row]:
    refs = resolve(current_partner, {"partner_user_id": partner_user_id, "contact_type_id": contact_type_id})
    _check_contact_type(refs["contact_type_id"], PARTNER_USER_CONTACT_CODES)
    user = refs["partner_user_id"]
    prefix = keys.partner_user_contact_sk(user["partner_user_id"]) if user else keys.USER_CONTACT_PREFIX
    items = table.query_all(keys.partner_pk(current_partner), prefix)
    if refs["contact_type_id"] is not None:
        items = [item for item in items if item["contact_type_id"] == refs["contact_type_id"]["contact_type_id"]]
    return [_user_contact_row(item) for item in items]


def partner_user_contact_edit(current_partner: str, partner_user_id: str | None, contact_type_id: str | None, contact_view: str | None) -> list[Row]:
    """Any value overwrites the old one; "" clears it."""
    require(partner_user_id, "Не указан сотрудник партнера (partner_user_id), контактную информацию которого нужно изменить")
    require(contact_type_id, "Не указан вид контактной информации (contact_type_id)")
    if contact_view is None:
        raise MissingParameter("Не указано новое значение контактной информации (contact_view)")
    refs = resolve(current_partner, {"partner_user_id": partner_user_id, "contact_type_id": contact_type_id})
    _check_contact_type(refs["contact_type_id"], PARTNER_USER_CONTACT_CODES)
    user, contact_type = refs["partner_user_id"], refs["contact_type_id"]["contact_type_id"]
    item = {
        "PK": user["PK"],
        "SK": keys.partner_user_contact_sk(user["partner_user_id"], contact_type),
        "kind": "partner_user_contact",
        "partner_user_id": user["partner_user_id"],
        "contact_type_id": contact_type,
        "contact_view": cut(contact_view, CONTACT_VIEW_LENGTH),
    }
    write = table.put_action(item) if item["contact_view"] else table.delete_action(item["PK"], item["SK"])
    try:
        table.transact([table.condition_check(user["PK"], user["SK"]), write])
    except table.ConditionFailed as error:
        raise ReferenceNotFound("partner_user_id", str(partner_user_id)) from error
    return [_user_contact_row(item)]
