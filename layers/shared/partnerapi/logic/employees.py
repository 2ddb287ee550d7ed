"""Employees, of a partner or of a client: one implementation for both groups of the spec.

The spec describes partner_user_* and client_user_* with the same semantics and only the names
changed; `EmployeeKind` carries the names, keys and messages, the functions carry the semantics.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from partnerapi.data import keys, table, writes
from partnerapi.errors import ConcurrentModification, MissingParameter, ReferenceNotFound
from partnerapi.logic.contacts import CONTACT_VIEW_LENGTH, check_contact_type
from partnerapi.logic.references import Kind, resolve
from partnerapi.logic.values import EMPTY_DATE, blank_to_none, cut, parse_date, parse_flag, require

Row = dict[str, object]

NAME_LENGTH = 100  # undocumented; see docs/spec-notes.md (P8)
_TOGGLE_ATTEMPTS = 3


@dataclass(frozen=True)
class EmployeeKind:
    prefix: str  # field-name prefix: partner_user / client_user
    owner_field: str  # partner_id / client_id
    reference: Kind
    sk: Callable[[str], str]
    list_prefix: str
    contact_sk: Callable[..., str]
    contact_list_prefix: str
    contact_codes: tuple[int, ...]
    noun: str  # «сотрудник партнера» / «сотрудник клиента»
    noun_genitive: str  # «сотрудника партнера» / «сотрудника клиента»

    @property
    def id_field(self) -> str:
        return f"{self.prefix}_id"

    @property
    def deleted_field(self) -> str:
        return f"{self.prefix}_del"

    def name_fields(self) -> tuple[str, str, str]:
        return (f"{self.prefix}_name", f"{self.prefix}_family_name", f"{self.prefix}_father_name")


def row(kind: EmployeeKind, item: table.Item, with_birthday: bool = False) -> Row:
    name, family, father = kind.name_fields()
    result: Row = {
        kind.id_field: item[kind.id_field],
        kind.owner_field: item[kind.owner_field],
        name: item.get(name),  # a name never given is nil, a cleared one "" (G2)
        family: item.get(family),
        father: item.get(father),
    }
    if with_birthday:
        birthday = item.get(f"{kind.prefix}_birthday")
        result[f"{kind.prefix}_birthday"] = date.fromisoformat(birthday) if birthday else None
    result[kind.deleted_field] = item.get(kind.deleted_field, False)
    return result


def read(kind: EmployeeKind, current_partner: str, user: table.Item | None, candidates: Callable[[], list[table.Item]], include_deleted: object, with_birthday: bool) -> list[Row]:
    """An employee asked for by ID is returned whether or not it is deleted (as client_read does)."""
    include_deleted = parse_flag(include_deleted, "include_deleted")
    if user is not None:
        return [row(kind, user, with_birthday)]
    return [row(kind, item, with_birthday) for item in candidates() if include_deleted or not item.get(kind.deleted_field, False)]


def new_item(kind: EmployeeKind, current_partner: str, owner_id: str, name: str | None, family_name: str | None, father_name: str | None) -> table.Item:
    if blank_to_none(name) is None:
        raise MissingParameter(f"Имя добавляемого {kind.noun_genitive} не должно быть пустым")
    user_id = writes.new_id()
    name_field, family_field, father_field = kind.name_fields()
    item: table.Item = {
        "PK": keys.partner_pk(current_partner),
        "SK": kind.sk(user_id),
        "kind": kind.prefix,
        kind.id_field: user_id,
        kind.owner_field: owner_id,
        name_field: cut(name, NAME_LENGTH),
        kind.deleted_field: False,
    }
    # a name part not given is not stored (nil when read); "" is stored as given
    item.update({field: cut(value, NAME_LENGTH) for field, value in ((family_field, family_name), (father_field, father_name)) if value is not None})
    return item


def resolve_one(kind: EmployeeKind, current_partner: str, given: dict[str, str | None], message: str) -> table.Item:
    """The employee named by one or more parameters (the spec sometimes names it twice); they must agree."""
    present = {name: value for name, value in given.items() if blank_to_none(value)}
    if not present:
        raise MissingParameter(message)
    refs = resolve(current_partner, present, kinds={name: kind.reference for name in present})
    users = {item[kind.id_field]: item for item in refs.values() if item}
    if len(users) > 1:
        name = list(present)[-1]
        raise ReferenceNotFound(name, str(present[name]))
    return next(iter(users.values()))


def set_birthday(kind: EmployeeKind, current_partner: str, given: dict[str, str | None], birthday: str | None) -> bool:
    user = resolve_one(kind, current_partner, given, f"Не указан {kind.noun} ({kind.id_field}), дату рождения которого нужно изменить")
    if blank_to_none(birthday) is None:
        raise MissingParameter("Не указана дата рождения (birthday)")
    parsed = parse_date(birthday, "birthday")
    value = None if parsed == EMPTY_DATE else parsed.isoformat()  # the empty date clears it
    try:
        table.update(user["PK"], user["SK"], {f"{kind.prefix}_birthday": value})
    except table.ConditionFailed as error:
        raise ReferenceNotFound(kind.id_field, user[kind.id_field]) from error
    return True


def edit(kind: EmployeeKind, current_partner: str, user_id: str | None, name: str | None, family_name: str | None, father_name: str | None) -> list[Row]:
    """nil (or omitted) leaves a field as it is; "" clears it (spec: «Неопределено» vs «»)."""
    require(user_id, f"При изменении {kind.noun_genitive} необходимо указать ссылку на изменяемого сотрудника ({kind.id_field})")
    user = resolve(current_partner, {kind.id_field: user_id})[kind.id_field]
    changes = {field: cut(value, NAME_LENGTH) for field, value in zip(kind.name_fields(), (name, family_name, father_name), strict=True) if value is not None}
    if not changes:
        return [row(kind, user)]
    try:
        updated = table.update(user["PK"], user["SK"], changes)
    except table.ConditionFailed as error:
        raise ReferenceNotFound(kind.id_field, user[kind.id_field]) from error
    return [row(kind, updated)]


def toggle_deleted(kind: EmployeeKind, current_partner: str, user_id: str | None) -> list[Row]:
    """Deletes a live employee, restores a deleted one; concurrent toggles all count (conditional writes)."""
    require(user_id, f"Не указан удаляемый {kind.noun} ({kind.id_field})")
    user = resolve(current_partner, {kind.id_field: user_id})[kind.id_field]
    if writes.by_this_request(user):  # this request toggled it already: answer as it did
        return [row(kind, user)]
    for _ in range(_TOGGLE_ATTEMPTS):
        seen = bool(user.get(kind.deleted_field, False))
        try:
            updated = table.update(user["PK"], user["SK"], {kind.deleted_field: not seen}, condition=f"{kind.deleted_field} = :seen", condition_values={":seen": seen})
            return [row(kind, updated)]
        except table.ConditionFailed:
            user = table.get(user["PK"], user["SK"])
            if user is None:
                raise ReferenceNotFound(kind.id_field, str(user_id)) from None
    raise ConcurrentModification()


def _contact_row(kind: EmployeeKind, item: table.Item) -> Row:
    return {kind.id_field: item[kind.id_field], "contact_type_id": item["contact_type_id"], "contact_view": item["contact_view"]}


def contact_read(kind: EmployeeKind, current_partner: str, user_id: str | None, contact_type_id: str | None) -> list[Row]:
    refs = resolve(current_partner, {kind.id_field: user_id, "contact_type_id": contact_type_id})
    check_contact_type(refs["contact_type_id"], kind.contact_codes)
    user = refs[kind.id_field]
    prefix = kind.contact_sk(user[kind.id_field]) if user else kind.contact_list_prefix
    items = table.query_all(keys.partner_pk(current_partner), prefix)
    if refs["contact_type_id"] is not None:
        items = [item for item in items if item["contact_type_id"] == refs["contact_type_id"]["contact_type_id"]]
    return [_contact_row(kind, item) for item in items]


def contact_edit(kind: EmployeeKind, current_partner: str, user_id: str | None, contact_type_id: str | None, contact_view: str | None) -> list[Row]:
    """Any value overwrites the old one; "" clears it."""
    require(user_id, f"Не указан {kind.noun} ({kind.id_field}), контактную информацию которого нужно изменить")
    require(contact_type_id, "Не указан вид контактной информации (contact_type_id)")
    if contact_view is None:
        raise MissingParameter("Не указано новое значение контактной информации (contact_view)")
    refs = resolve(current_partner, {kind.id_field: user_id, "contact_type_id": contact_type_id})
    check_contact_type(refs["contact_type_id"], kind.contact_codes)
    user, contact_type = refs[kind.id_field], refs["contact_type_id"]["contact_type_id"]
    item = {
        "PK": user["PK"],
        "SK": kind.contact_sk(user[kind.id_field], contact_type),
        "kind": f"{kind.prefix}_contact",
        kind.id_field: user[kind.id_field],
        "contact_type_id": contact_type,
        "contact_view": cut(contact_view, CONTACT_VIEW_LENGTH),
    }
    write = table.put_action(item) if item["contact_view"] else table.delete_action(item["PK"], item["SK"])
    try:
        table.transact([table.condition_check(user["PK"], user["SK"]), write])
    except table.ConditionFailed as error:
        raise ReferenceNotFound(kind.id_field, str(user_id)) from error
    return [_contact_row(kind, item)]
