"""Agents: devices with a login (number + password) given to an employee of the partner (agent partner)
or of one of its clients (agent user). One implementation for both kinds, as in logic/employees.py.

- Numbers come from one atomic counter and are never reused: `271828` followed by the counter's value,
  at least six digits (271828000001, …, 271828999999, 2718281000000, …).
- Passwords are returned in plain text (spec), so they are stored sealed (data/secrets.py), bound to
  the partner, the kind of agent and the agent's id.
- *_delete toggles `*_activity` (the spec restores access with agent_user_delete after client_delete);
  a deletion answers an empty result, a restore answers the restored agent.
- User agents are also on GSI1 under their client (keys.by_client_pk), where client_delete's cascade
  finds and deactivates them (kind "agent_user", attribute agent_user_activity).
"""

import secrets as random
from dataclasses import dataclass
from typing import Any

from partnerapi.data import keys, secrets, table, writes
from partnerapi.errors import AgentTransferNotAllowed, ClientDeleted, ConcurrentModification, InvalidParameter, ReferenceNotFound, UserDeleted
from partnerapi.logic.references import resolve
from partnerapi.logic.values import blank_to_none, parse_flag, require

Row = dict[str, object]

NUMBER_PREFIX = "271828"  # spec: «Номер агента партнера начинается с 271828»
NUMBER_DIGITS = 6  # the counter's value, zero-padded to at least this many digits
COUNTER_ATTRIBUTE = "last_number"
# Generated passwords: easy to read aloud and type — lower-case letters and digits without the
# look-alikes 0/o, 1/l/i; 12 characters of 31 symbols are about 59 bits from `secrets`.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSWORD_LENGTH = 12
PASSWORD_MAX_LENGTH = 64
_TOGGLE_ATTEMPTS = 3


@dataclass(frozen=True)
class AgentKind:
    prefix: str  # agent_partner / agent_user
    agent_type: int  # spec: «1 – агент партнера, 2 – агент пользователя»
    sk: Any
    list_prefix: str
    owner_field: str  # partner_id / client_id
    user_field: str  # partner_user_id / client_user_id
    user_deleted_field: str
    user_restore_operation: str
    noun_genitive: str

    @property
    def id_field(self) -> str:
        return f"{self.prefix}_id"

    @property
    def number_field(self) -> str:
        return f"{self.prefix}_number"

    @property
    def password_field(self) -> str:
        return f"{self.prefix}_password"

    @property
    def sealed_field(self) -> str:
        return f"{self.prefix}_password_sealed"

    @property
    def activity_field(self) -> str:
        return f"{self.prefix}_activity"


PARTNER_AGENTS = AgentKind(
    prefix="agent_partner",
    agent_type=1,
    sk=keys.agent_partner_sk,
    list_prefix=keys.AGENT_PARTNER_PREFIX,
    owner_field="partner_id",
    user_field="partner_user_id",
    user_deleted_field="partner_user_del",
    user_restore_operation="partner_user_delete",
    noun_genitive="агента партнера",
)
USER_AGENTS = AgentKind(
    prefix="agent_user",
    agent_type=2,
    sk=keys.agent_user_sk,
    list_prefix=keys.AGENT_USER_PREFIX,
    owner_field="client_id",
    user_field="client_user_id",
    user_deleted_field="client_user_del",
    user_restore_operation="client_user_delete",
    noun_genitive="агента пользователя",
)


# --- numbers and passwords -----------------------------------------------------------------------


def allocate_number() -> str:
    """The next agent number; concurrent callers always get different numbers (atomic ADD)."""
    sequence = table.increment(keys.AGENT_NUMBER_PK, keys.AGENT_NUMBER_SK, COUNTER_ATTRIBUTE, "agent_number_counter")
    return f"{NUMBER_PREFIX}{sequence:0{NUMBER_DIGITS}d}"


def generate_password() -> str:
    return "".join(random.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def password_or_generated(value: str | None, parameter: str) -> str:
    """spec: «Если пустой — генерируется автоматически». nil, "" and blanks are empty."""
    if blank_to_none(value) is None:
        return generate_password()
    if len(value) > PASSWORD_MAX_LENGTH:
        raise InvalidParameter(f"Пароль агента ({parameter}) длиннее {PASSWORD_MAX_LENGTH} символов")
    if not value.isprintable():
        raise InvalidParameter(f"Пароль агента ({parameter}) содержит непечатаемые символы")
    return value


def associated_data(kind: AgentKind, partner_id: str, agent_id: str) -> str:
    """What a sealed password is bound to: it opens only on this agent of this partner."""
    return f"partnerapi/{kind.password_field}/{partner_id}/{agent_id}"


def seal_password(kind: AgentKind, partner_id: str, agent_id: str, password: str) -> str:
    return secrets.seal(password, associated_data(kind, partner_id, agent_id))


def _partner_of(item: table.Item) -> str:
    return str(item["PK"]).removeprefix("PARTNER#")


def rows(kind: AgentKind, items: list[table.Item]) -> list[Row]:
    """Result rows with the passwords opened (distinct KMS data keys are unwrapped once, in parallel)."""
    passwords = secrets.open_many([(item[kind.sealed_field], associated_data(kind, _partner_of(item), item[kind.id_field])) for item in items])
    return [row(kind, item, password) for item, password in zip(items, passwords, strict=True)]


def row(kind: AgentKind, item: table.Item, password: str) -> Row:
    return {
        kind.id_field: item[kind.id_field],
        kind.number_field: item[kind.number_field],
        "agent_type": kind.agent_type,
        kind.password_field: password,
        kind.owner_field: item[kind.owner_field],
        kind.activity_field: bool(item.get(kind.activity_field, False)),
        kind.user_field: item[kind.user_field],
    }


def new_item(kind: AgentKind, partner_id: str, agent_id: str, number: str, password: str, owner_id: str, user_id: str, active: bool = True) -> table.Item:
    """The stored form of an agent (also used by operator provisioning)."""
    item: table.Item = {
        "PK": keys.partner_pk(partner_id),
        "SK": kind.sk(agent_id),
        "kind": kind.prefix,
        kind.id_field: agent_id,
        kind.number_field: number,
        "agent_type": kind.agent_type,
        kind.sealed_field: seal_password(kind, partner_id, agent_id, password),
        kind.owner_field: owner_id,
        kind.activity_field: active,
        kind.user_field: user_id,
    }
    if kind is USER_AGENTS:
        item["GSI1PK"] = keys.by_client_pk(partner_id, owner_id)
        item["GSI1SK"] = kind.sk(agent_id)
    return item


# --- conditions shared by the writes ----------------------------------------------------------------


def _live_user(kind: AgentKind, user: table.Item) -> dict:
    return table.condition_check(user["PK"], user["SK"], f"{kind.user_deleted_field} = :false", {":false": False})


def _live_client(partner_id: str, client_id: str) -> dict:
    # a live client, still: once client_delete has marked it, no agent can escape its cascade
    return table.condition_check(keys.partner_pk(partner_id), keys.client_sk(client_id), "client_del = :false AND attribute_not_exists(cascade_pending)", {":false": False})


def _client_is_deleted(partner_id: str, client_id: str) -> bool:
    client = table.get(keys.partner_pk(partner_id), keys.client_sk(client_id))
    return client is None or bool(client.get("client_del")) or bool(client.get("cascade_pending"))


def _check_user_live(kind: AgentKind, user: table.Item) -> None:
    if user.get(kind.user_deleted_field):
        raise UserDeleted(kind.user_field, user[kind.user_field], kind.user_restore_operation)


def _failed_action(error: table.ConditionFailed) -> int | None:
    """Index of the transaction action whose condition failed."""
    return next((index for index, reason in enumerate(error.reasons) if reason == "ConditionalCheckFailed"), None)


# --- reading ------------------------------------------------------------------------------------------


def _filter(kind: AgentKind, items: list[table.Item], activity: bool | None, user: table.Item | None) -> list[table.Item]:
    return [
        item
        for item in items
        if item.get("kind") == kind.prefix
        and (activity is None or bool(item.get(kind.activity_field)) is activity)
        and (user is None or item[kind.user_field] == user[kind.user_field])
    ]


def agent_partner_read(current_partner: str, agent_partner_id: str | None, activity: object, partner_user_id: str | None) -> list[Row]:
    """Every given parameter filters; an agent asked for by ID is returned only if the other filters agree."""
    active = parse_flag(activity, PARTNER_AGENTS.activity_field)
    refs = resolve(current_partner, {"agent_partner_id": agent_partner_id, "partner_user_id": partner_user_id})
    agent = refs["agent_partner_id"]
    items = [agent] if agent is not None else table.query_all(keys.partner_pk(current_partner), keys.AGENT_PARTNER_PREFIX)
    return rows(PARTNER_AGENTS, _filter(PARTNER_AGENTS, items, active, refs["partner_user_id"]))


def agent_user_read(current_partner: str, agent_user_id: str | None, client_id: str | None, activity: object, client_user_id: str | None) -> list[Row]:
    active = parse_flag(activity, USER_AGENTS.activity_field)
    refs = resolve(current_partner, {"agent_user_id": agent_user_id, "client_id": client_id, "client_user_id": client_user_id})
    agent, client, user = refs["agent_user_id"], refs["client_id"], refs["client_user_id"]
    if client is not None and user is not None and user["client_id"] != client["client_id"]:
        return []  # both filters given and they do not meet
    client_id = client["client_id"] if client is not None else user["client_id"] if user is not None else None
    if agent is not None:
        items = [agent] if client_id is None or agent["client_id"] == client_id else []
    elif client_id is not None:
        items = table.query_all(keys.by_client_pk(current_partner, client_id), keys.AGENT_USER_PREFIX, index=keys.BY_CLIENT_INDEX)
    else:
        items = table.query_all(keys.partner_pk(current_partner), keys.AGENT_USER_PREFIX)
    return rows(USER_AGENTS, _filter(USER_AGENTS, items, active, user))


# --- adding ---------------------------------------------------------------------------------------------


def _added_by_this_request(kind: AgentKind, current_partner: str, agent_id: str) -> list[Row] | None:
    """The answer of this very request's earlier execution, if it already stored the agent: a
    re-executed add must neither take another number nor seal the password again."""
    existing = table.get(keys.partner_pk(current_partner), kind.sk(agent_id))
    return rows(kind, [existing]) if writes.by_this_request(existing) else None


def _put_new(item: table.Item) -> dict:
    put = table.put_action(item)
    put["Put"]["ConditionExpression"] = "attribute_not_exists(PK)"
    return put


def agent_partner_add(current_partner: str, agent_partner_password: str | None, partner_user_id: str | None) -> list[Row]:
    require(partner_user_id, "Не указан сотрудник партнера (partner_user_id), которому передается агент")
    password = password_or_generated(agent_partner_password, PARTNER_AGENTS.password_field)
    user = resolve(current_partner, {"partner_user_id": partner_user_id})["partner_user_id"]
    _check_user_live(PARTNER_AGENTS, user)
    agent_id = writes.new_id()
    if (earlier := _added_by_this_request(PARTNER_AGENTS, current_partner, agent_id)) is not None:
        return earlier
    item = new_item(PARTNER_AGENTS, current_partner, agent_id, allocate_number(), password, current_partner, user["partner_user_id"])
    try:
        table.transact([_live_user(PARTNER_AGENTS, user), _put_new(item)])
    except table.ConditionFailed as error:
        raise UserDeleted("partner_user_id", user["partner_user_id"], PARTNER_AGENTS.user_restore_operation) from error
    return [row(PARTNER_AGENTS, item, password)]


def agent_user_add(current_partner: str, agent_user_password: str | None, client_user_id: str | None) -> list[Row]:
    """The agent goes to the employee's client (spec: «Сотрудник должен принадлежать клиенту, у которого находится данный агент»)."""
    require(client_user_id, "Не указан сотрудник клиента (client_user_id), которому передается агент")
    password = password_or_generated(agent_user_password, USER_AGENTS.password_field)
    user = resolve(current_partner, {"client_user_id": client_user_id})["client_user_id"]
    client_id = user["client_id"]
    if _client_is_deleted(current_partner, client_id):
        raise ClientDeleted(client_id, "добавить агент его сотруднику")
    _check_user_live(USER_AGENTS, user)
    agent_id = writes.new_id()
    if (earlier := _added_by_this_request(USER_AGENTS, current_partner, agent_id)) is not None:
        return earlier
    item = new_item(USER_AGENTS, current_partner, agent_id, allocate_number(), password, client_id, user["client_user_id"])
    try:
        table.transact([_live_client(current_partner, client_id), _live_user(USER_AGENTS, user), _put_new(item)])
    except table.ConditionFailed as error:
        if _failed_action(error) == 0:
            raise ClientDeleted(client_id, "добавить агент его сотруднику") from error
        raise UserDeleted("client_user_id", user["client_user_id"], USER_AGENTS.user_restore_operation) from error
    return [row(USER_AGENTS, item, password)]


# --- editing ---------------------------------------------------------------------------------------------


def _edit(kind: AgentKind, current_partner: str, agent_id: str | None, password: str | None, activity: object, user_id: str | None) -> list[Row]:
    """nil leaves a field as it is; an empty password is a new generated one; *_activity is the spec's
    «фиктивный параметр»: checked for being a boolean, then ignored."""
    require(agent_id, f"При изменении {kind.noun_genitive} необходимо указать ссылку на изменяемый агент ({kind.id_field})")
    parse_flag(activity, kind.activity_field)
    new_password = None if password is None else password_or_generated(password, kind.password_field)
    refs = resolve(current_partner, {kind.id_field: agent_id, kind.user_field: user_id})
    agent, user = refs[kind.id_field], refs[kind.user_field]
    if writes.by_this_request(agent):  # this request changed it already (its password sealed anew): answer as it did
        return rows(kind, [agent])
    changes: table.Item = {}
    actions = []
    if user is not None and user[kind.user_field] != agent[kind.user_field]:
        if kind is USER_AGENTS and user["client_id"] != agent["client_id"]:
            raise AgentTransferNotAllowed(agent[kind.id_field], agent["client_id"], user["client_user_id"])
        _check_user_live(kind, user)
        changes[kind.user_field] = user[kind.user_field]
        actions.append(_live_user(kind, user))
    if new_password is not None:
        changes[kind.sealed_field] = seal_password(kind, current_partner, agent[kind.id_field], new_password)
    if not changes:
        return rows(kind, [agent])
    actions.append(table.update_action(agent["PK"], agent["SK"], changes))
    try:
        table.transact(actions)
    except table.ConditionFailed as error:
        if user is not None and _failed_action(error) == 0:
            raise UserDeleted(kind.user_field, user[kind.user_field], kind.user_restore_operation) from error
        raise ReferenceNotFound(kind.id_field, str(agent_id)) from error
    updated = {**agent, **changes}
    return [row(kind, updated, new_password)] if new_password is not None else rows(kind, [updated])


def agent_partner_edit(current_partner: str, agent_partner_id: str | None, password: str | None, activity: object, partner_user_id: str | None) -> list[Row]:
    return _edit(PARTNER_AGENTS, current_partner, agent_partner_id, password, activity, partner_user_id)


def agent_user_edit(current_partner: str, agent_user_id: str | None, password: str | None, activity: object, client_user_id: str | None) -> list[Row]:
    """spec: «Пользователь должен быть сотрудником компании в которой находится агент, то есть данная
    операция не осуществляет передачу агентов»."""
    return _edit(USER_AGENTS, current_partner, agent_user_id, password, activity, client_user_id)


# --- deleting: a toggle of the activity -------------------------------------------------------------------


def _restore_conditions(kind: AgentKind, current_partner: str, agent: table.Item) -> list[dict]:
    user_key = (keys.partner_pk(current_partner), keys.partner_user_sk(agent[kind.user_field]) if kind is PARTNER_AGENTS else keys.client_user_sk(agent[kind.user_field]))
    user_live = table.condition_check(*user_key, f"{kind.user_deleted_field} = :false", {":false": False})
    if kind is USER_AGENTS:
        return [_live_client(current_partner, agent["client_id"]), user_live]
    return [user_live]


def _toggle(kind: AgentKind, current_partner: str, agent_id: str | None) -> list[Row]:
    """An active agent is deactivated (empty result, spec: «при успешно удалении должно вернуть пустой
    результат»); an inactive one gets its access back (the restored agent is returned), unless its
    employee or, for a user agent, its client is deleted."""
    require(agent_id, f"Не указан удаляемый агент ({kind.id_field})")
    agent = resolve(current_partner, {kind.id_field: agent_id})[kind.id_field]
    if writes.by_this_request(agent):  # this request toggled it already: answer as it did
        return rows(kind, [agent]) if agent.get(kind.activity_field) else []
    for _ in range(_TOGGLE_ATTEMPTS):
        active = bool(agent.get(kind.activity_field))
        flip = table.update_action(agent["PK"], agent["SK"], {kind.activity_field: not active}, f"{kind.activity_field} = :seen", {":seen": active})
        conditions = [] if active else _restore_conditions(kind, current_partner, agent)
        try:
            table.transact([*conditions, flip])
        except table.ConditionFailed as error:
            failed = _failed_action(error)
            if kind is USER_AGENTS and conditions and failed == 0:
                raise ClientDeleted(agent["client_id"], "восстановить доступ агента его сотрудника") from error
            if conditions and failed == len(conditions) - 1:
                raise UserDeleted(kind.user_field, agent[kind.user_field], kind.user_restore_operation) from error
            agent = table.get(agent["PK"], agent["SK"])  # someone toggled it meanwhile: look again
            if agent is None:
                raise ReferenceNotFound(kind.id_field, str(agent_id)) from None
            continue
        return [] if active else rows(kind, [{**agent, kind.activity_field: True}])
    raise ConcurrentModification()


def agent_partner_delete(current_partner: str, agent_partner_id: str | None) -> list[Row]:
    return _toggle(PARTNER_AGENTS, current_partner, agent_partner_id)


def agent_user_delete(current_partner: str, agent_user_id: str | None) -> list[Row]:
    """spec (client_delete): «доступа их устройств к программе можно восстановить вручную через операции
    client_user_delete и agent_user_delete»."""
    return _toggle(USER_AGENTS, current_partner, agent_user_id)


def active_agents_of(current_partner: str, client_user: table.Item) -> list[table.Item]:
    """The employee's active user agents (for the access notification)."""
    items = table.query_all(keys.by_client_pk(current_partner, client_user["client_id"]), keys.AGENT_USER_PREFIX, index=keys.BY_CLIENT_INDEX)
    return _filter(USER_AGENTS, items, True, client_user)
