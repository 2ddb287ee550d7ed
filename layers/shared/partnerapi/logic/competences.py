"""Competences: which partner agent answers on which support line (service type), with a priority.

The spec names the agent parameter `agent_id` in competence_read's signature and `agent_partner_id`
in its text, in competence_add and in the results; both names are accepted everywhere (A-notes).
A competence is stopped, not deleted: it disappears from reads, and its agent may get the same line
again. At most one live competence per agent and line (a marker item written in the same transaction).
"""


from partnerapi.data import keys, table, writes
from partnerapi.errors import CompetenceStopped, DuplicateCompetence, InvalidParameter, MissingParameter, ReferenceNotFound, ServiceTypeDeleted
from partnerapi.logic import service_types
from partnerapi.logic.references import Kind, resolve
from partnerapi.logic.values import blank_to_none, require

Row = dict[str, object]

DEFAULT_PRIORITY = 3  # spec: «prioritet – приоритет. Если не указано то 3»
PRIORITIES = range(1, 11)  # undocumented; see docs/spec-notes.md


def _priority(value: int | None) -> int | None:
    if value is not None and value not in PRIORITIES:
        raise InvalidParameter(f"Недопустимый приоритет компетенции prioritet = {value}: допустимы целые числа от {PRIORITIES.start} до {PRIORITIES.stop - 1}")
    return value


def service_type_id_of(item: table.Item) -> str:
    """The canonical ID of a service type from whichever of its three places resolve() found it in."""
    sk = str(item["SK"])
    for prefix in (keys.OWN_SERVICE_TYPE_PREFIX, keys.IMPORTED_SERVICE_TYPE_PREFIX):
        if sk.startswith(prefix):
            return sk.removeprefix(prefix)
    return sk  # a public type: its SK is the ID


def competence_row(item: table.Item) -> Row:
    return {
        "competence_id": item["competence_id"],
        "agent_partner_id": item["agent_partner_id"],
        "service_type_id": item["service_type_id"],
        "prioritet": item["prioritet"],
    }


def _agent_parameters(agent_id: str | None, agent_partner_id: str | None) -> dict[str, str | None]:
    return {"agent_id": agent_id, "agent_partner_id": agent_partner_id}


def competence_read(current_partner: str, competence_id: str | None, agent_id: str | None, service_type_id: str | None, prioritet: int | None, agent_partner_id: str | None = None) -> list[Row]:
    """Live competences; every given parameter filters (agent_id and agent_partner_id both, if both are given)."""
    _priority(prioritet)
    refs = resolve(
        current_partner,
        {"competence_id": competence_id, **_agent_parameters(agent_id, agent_partner_id), "service_type_id": service_type_id},
        kinds={"agent_id": Kind.AGENT_PARTNER},
    )
    competence = refs["competence_id"]
    agents = {refs[name]["agent_partner_id"] for name in ("agent_id", "agent_partner_id") if refs[name] is not None}
    service_type = service_type_id_of(refs["service_type_id"]) if refs["service_type_id"] is not None else None
    items = [competence] if competence is not None else table.query_all(keys.partner_pk(current_partner), keys.COMPETENCE_PREFIX)
    return [
        competence_row(item)
        for item in items
        if item.get("kind") == "competence"
        and not item.get("competence_stopped")
        and all(item["agent_partner_id"] == agent for agent in agents)
        and (service_type is None or item["service_type_id"] == service_type)
        and (prioritet is None or item["prioritet"] == prioritet)
    ]


def competence_add(current_partner: str, agent_partner_id: str | None, service_type_id: str | None, prioritet: int | None, agent_id: str | None = None) -> list[Row]:
    if blank_to_none(agent_partner_id) is None and blank_to_none(agent_id) is None:
        raise MissingParameter("Не указан агент партнера (agent_partner_id), которому назначается компетенция")
    require(service_type_id, "Не указан вид сервиса (service_type_id) компетенции")
    priority = DEFAULT_PRIORITY if prioritet is None else _priority(prioritet)
    refs = resolve(
        current_partner,
        {**_agent_parameters(agent_id, agent_partner_id), "service_type_id": service_type_id},
        kinds={"agent_id": Kind.AGENT_PARTNER},
    )
    agents = {refs[name]["agent_partner_id"]: refs[name] for name in ("agent_partner_id", "agent_id") if refs[name] is not None}
    if len(agents) > 1:
        raise InvalidParameter("agent_partner_id и agent_id указывают на разных агентов: укажите одного")
    (agent,) = agents.values()
    reference = refs["service_type_id"]
    # a vendor's line counts as deleted when its owner deleted it (A12, S7), not only by its import marker
    service_type = service_types.usable(service_type_id, reference)
    type_id = service_type["service_type_id"]
    competence_id = writes.new_id()
    pk = keys.partner_pk(current_partner)
    item = {
        "PK": pk,
        "SK": keys.competence_sk(competence_id),
        "kind": "competence",
        "competence_id": competence_id,
        "agent_partner_id": agent["agent_partner_id"],
        "service_type_id": type_id,
        "prioritet": priority,
        "competence_stopped": False,
    }
    marker = {"PK": pk, "SK": keys.competence_for_sk(agent["agent_partner_id"], type_id), "kind": "competence_for", "competence_id": competence_id}
    put, put_marker = table.put_action(item), table.put_action(marker)
    put["Put"]["ConditionExpression"] = put_marker["Put"]["ConditionExpression"] = "attribute_not_exists(PK)"
    actions = [table.condition_check(agent["PK"], agent["SK"]), service_types.still_usable(service_type), put, put_marker]
    if service_types.is_imported(reference):
        actions.append(service_types.still_usable(reference))  # the export not revoked meanwhile
    try:
        table.transact(actions)
    except table.ConditionFailed as error:
        failed = next((index for index, reason in enumerate(error.reasons) if reason == "ConditionalCheckFailed"), None)
        if failed == 1:
            raise ServiceTypeDeleted(type_id) from error
        if failed == 4:
            raise ReferenceNotFound("service_type_id", service_type_id) from error
        if failed == 3:
            existing = table.get(pk, marker["SK"]) or {}
            raise DuplicateCompetence(agent["agent_partner_id"], type_id, str(existing.get("competence_id", ""))) from error
        raise ReferenceNotFound("agent_partner_id", agent["agent_partner_id"]) from error
    return [competence_row(item)]


def competence_stop(current_partner: str, competence_id: str | None) -> list[Row]:
    """spec: «при успешной отмене компетенции, возвращается пустой результат»."""
    require(competence_id, "Не указана отменяемая компетенция (competence_id)")
    competence = resolve(current_partner, {"competence_id": competence_id})["competence_id"]
    if competence.get("competence_stopped"):
        if writes.by_this_request(competence):  # stopped by this very request's earlier execution
            return []
        raise CompetenceStopped(competence["competence_id"])
    stop = table.update_action(competence["PK"], competence["SK"], {"competence_stopped": True}, "competence_stopped = :false", {":false": False})
    marker_sk = keys.competence_for_sk(competence["agent_partner_id"], competence["service_type_id"])
    release = table.delete_action(competence["PK"], marker_sk)
    release["Delete"]["ConditionExpression"] = "competence_id = :competence"
    release["Delete"]["ExpressionAttributeValues"] = {":competence": {"S": competence["competence_id"]}}
    try:
        table.transact([stop, release])
    except table.ConditionFailed as error:
        raise CompetenceStopped(competence["competence_id"]) from error
    return []
