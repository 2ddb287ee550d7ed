"""The partners group: the current partner, its contacts, roles, regions and employees."""

from partnerapi.data import keys, table
from partnerapi.errors import MissingParameter, ReferenceNotFound, RegionNotAvailable
from partnerapi.logic import employees
from partnerapi.logic.contacts import CONTACT_CODE_PARTNER, CONTACT_CODE_USER, CONTACT_VIEW_LENGTH, check_contact_type
from partnerapi.logic.references import Kind, resolve
from partnerapi.logic.values import cut, require

Row = dict[str, object]

PARTNER_CONTACT_CODES = (CONTACT_CODE_PARTNER,)

PARTNER_USERS = employees.EmployeeKind(
    prefix="partner_user",
    owner_field="partner_id",
    reference=Kind.PARTNER_USER,
    sk=keys.partner_user_sk,
    list_prefix=keys.USER_PREFIX,
    contact_sk=keys.partner_user_contact_sk,
    contact_list_prefix=keys.USER_CONTACT_PREFIX,
    # partner_user_contact_read documents code 3, partner_user_contact_edit code 2: both are accepted (P5).
    contact_codes=(CONTACT_CODE_USER, CONTACT_CODE_PARTNER),
    noun="сотрудник партнера",
    noun_genitive="сотрудника партнера",
)


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
    check_contact_type(refs["contact_type_id"], PARTNER_CONTACT_CODES)
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
    check_contact_type(refs["contact_type_id"], PARTNER_CONTACT_CODES)
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


def partner_user_read(current_partner: str, partner_user_id: str | None, include_deleted: str | bool | None, with_birthday: bool = False) -> list[Row]:
    user = resolve(current_partner, {"partner_user_id": partner_user_id})["partner_user_id"]
    everyone = lambda: table.query_all(keys.partner_pk(current_partner), keys.USER_PREFIX)  # noqa: E731
    return employees.read(PARTNER_USERS, current_partner, user, everyone, include_deleted, with_birthday)


def partner_user_add(current_partner: str, name: str | None, family_name: str | None, father_name: str | None) -> list[Row]:
    item = employees.new_item(PARTNER_USERS, current_partner, current_partner, name, family_name, father_name)
    table.put(item, condition="attribute_not_exists(PK)")
    return [employees.row(PARTNER_USERS, item)]


def partner_user_set_birthday(current_partner: str, partner_user_id: str | None, client_id: str | None, birthday: str | None) -> bool:
    """The spec names the parameter client_id in the signature and partner_user_id in the table: both are taken (P4)."""
    return employees.set_birthday(PARTNER_USERS, current_partner, {"partner_user_id": partner_user_id, "client_id": client_id}, birthday)


def partner_user_edit(current_partner: str, partner_user_id: str | None, name: str | None, family_name: str | None, father_name: str | None) -> list[Row]:
    return employees.edit(PARTNER_USERS, current_partner, partner_user_id, name, family_name, father_name)


def partner_user_delete(current_partner: str, partner_user_id: str | None) -> list[Row]:
    return employees.toggle_deleted(PARTNER_USERS, current_partner, partner_user_id)


def partner_user_contact_read(current_partner: str, partner_user_id: str | None, contact_type_id: str | None) -> list[Row]:
    return employees.contact_read(PARTNER_USERS, current_partner, partner_user_id, contact_type_id)


def partner_user_contact_edit(current_partner: str, partner_user_id: str | None, contact_type_id: str | None, contact_view: str | None) -> list[Row]:
    return employees.contact_edit(PARTNER_USERS, current_partner, partner_user_id, contact_type_id, contact_view)
