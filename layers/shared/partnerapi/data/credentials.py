"""Partner logins in their own table: only the authorizer reads it, only the operator writes it.

A record is `login` (the key) → `partner_id`, `password_hash` and `state`. A login belongs to one
partner for life: every write is conditional on the login being new or already that partner's, so
no sequence of operator commands can hand it to another partner. `disabled` logins keep their hash
and can be enabled again; `deleted` ones lose it and stay as a tombstone that reserves the login for
its partner. Neither authenticates: `get_credential` answers None for them, as for an unknown login.
"""

from typing import Any

from botocore.exceptions import ClientError

from partnerapi.data.clients import client
from partnerapi.data.table import CallCounter, from_item, to_item
from partnerapi.errors import InternalError
from partnerapi.settings import get_settings

ACTIVE, DISABLED, DELETED = "active", "disabled", "deleted"
STATES = (ACTIVE, DISABLED, DELETED)
# a partner's logins without a Scan (operator commands); template.yaml declares it on CredentialsTable
BY_PARTNER_INDEX = "ByPartner"
LOGIN_MAX_LENGTH = 64
PASSWORD_MAX_LENGTH = 128
_LISTED = ("login", "partner_id", "state")


class LoginRefused(ValueError):
    """An operator's change to a login that would break its rules (taken, unknown, deleted, malformed)."""


def login_problem(login: str) -> str | None:
    """Why `login` cannot be a login, or None. HTTP Basic carries `login:password` in one token and
    clients encode non-ASCII differently: 1–64 printable ASCII characters, no ':' and no space."""
    if not 1 <= len(login) <= LOGIN_MAX_LENGTH:
        return f"a login has 1 to {LOGIN_MAX_LENGTH} characters, {login!r} has {len(login)}"
    if ":" in login:
        return f"{login!r} contains ':', which ends the login in HTTP Basic authentication"
    if any(not "!" <= character <= "~" for character in login):
        return f"{login!r} may only contain printable ASCII characters without spaces (HTTP Basic)"
    return None


def password_problem(password: str) -> str | None:
    """Why `password` cannot be a partner's password, or None."""
    if not 1 <= len(password) <= PASSWORD_MAX_LENGTH:
        return f"a password has 1 to {PASSWORD_MAX_LENGTH} characters"
    if any(not character.isprintable() for character in password):
        return "a password may not contain control characters"
    return None


def _table() -> str:
    name = get_settings().credentials_table
    if not name:
        raise InternalError("CREDENTIALS_TABLE is not configured")
    return name


def state_of(record: dict[str, Any]) -> str:
    return record.get("state") or ACTIVE  # records written before states existed are active


def get_login(login: str) -> dict | None:
    """The login's record in any state (operator commands)."""
    CallCounter.add("get_item")
    response = client("dynamodb").get_item(TableName=_table(), Key={"login": {"S": login}}, ConsistentRead=True)
    item = response.get("Item")
    return from_item(item) if item else None


def get_credential(login: str) -> dict | None:
    """The record of a login that may sign in; None for an unknown, disabled or deleted one."""
    record = get_login(login)
    return record if record is not None and state_of(record) == ACTIVE else None


def _refusal(login: str, old: dict | None, partner_id: str | None = None) -> LoginRefused:
    """What a failed condition on `login` means, from the record as it stood (ALL_OLD)."""
    if old is None:
        return LoginRefused(f"login {login!r} does not exist")
    owner = old["partner_id"]
    if partner_id is not None and owner != partner_id:
        return LoginRefused(f"login {login!r} belongs to partner {owner}, not to {partner_id}")
    if state_of(old) == DELETED:
        return LoginRefused(f"login {login!r} of partner {owner} is deleted; `partner add-login` gives it back to that partner")
    return LoginRefused(f"login {login!r} already exists (partner {owner})")


def _write(operation: str, login: str, partner_id: str | None, **kwargs: Any) -> dict[str, Any]:
    """A conditional write of one login's record; a failed condition becomes LoginRefused."""
    try:
        return getattr(client("dynamodb"), operation)(TableName=_table(), ReturnValuesOnConditionCheckFailure="ALL_OLD", **kwargs)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        old = error.response.get("Item")
        raise _refusal(login, from_item(old) if old else None, partner_id) from None


def new_login_action(login: str, partner_id: str, password_hash: str, revive_deleted: bool = False) -> dict[str, Any]:
    """A TransactWriteItems Put of a new active login; its condition fails if the login exists (with
    `revive_deleted`: unless it is a deleted login of this same partner)."""
    condition = "attribute_not_exists(login)"
    values: dict[str, Any] = {}
    if revive_deleted:
        condition += " OR (partner_id = :partner AND #state = :deleted)"
        values = {":partner": partner_id, ":deleted": DELETED}
    put: dict[str, Any] = {
        "TableName": _table(),
        "Item": to_item({"login": login, "partner_id": partner_id, "password_hash": password_hash, "state": ACTIVE}),
        "ConditionExpression": condition,
    }
    if values:
        put["ExpressionAttributeNames"] = {"#state": "state"}
        put["ExpressionAttributeValues"] = to_item(values)
    return {"Put": put}


def explain_refusal(login: str, partner_id: str | None = None) -> LoginRefused:
    """Why a `new_login_action` of `login` (for `partner_id`) failed, from the login as it stands."""
    return _refusal(login, get_login(login), partner_id)


def put_credential(login: str, partner_id: str, password_hash: str) -> None:
    """Creates the login for `partner_id`, or sets its password if it is already that partner's (a
    fixture loaded again). Its state stays as the operator left it. Another partner's login: LoginRefused."""
    _write(
        "update_item",
        login,
        partner_id,
        Key={"login": {"S": login}},
        UpdateExpression="SET partner_id = :partner, password_hash = :hash",
        ConditionExpression="attribute_not_exists(login) OR partner_id = :partner",
        ExpressionAttributeValues=to_item({":partner": partner_id, ":hash": password_hash}),
    )


def set_password(login: str, password_hash: str, partner_id: str | None = None) -> dict[str, Any]:
    """Changes the password of an existing, not deleted login (of `partner_id`, if given); a disabled
    login stays disabled. Returns the login's record without the hash."""
    condition = "attribute_exists(login) AND (attribute_not_exists(#state) OR #state <> :deleted)"
    values: dict[str, Any] = {":hash": password_hash, ":deleted": DELETED}
    if partner_id is not None:
        condition += " AND partner_id = :partner"
        values[":partner"] = partner_id
    response = _write(
        "update_item",
        login,
        partner_id,
        Key={"login": {"S": login}},
        UpdateExpression="SET password_hash = :hash",
        ConditionExpression=condition,
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues=to_item(values),
        ReturnValues="ALL_NEW",
    )
    return _listed(from_item(response["Attributes"]))


def set_state(login: str, state: str) -> dict[str, Any]:
    """Disables or enables an existing, not deleted login, or deletes one (its hash goes: a deleted
    login can never sign in again, only be given back to its partner with a new password)."""
    if state not in STATES:
        raise ValueError(f"unknown login state {state!r}")
    update = "SET #state = :state" + (" REMOVE password_hash" if state == DELETED else "")
    condition = "attribute_exists(login)" if state == DELETED else "attribute_exists(login) AND (attribute_not_exists(#state) OR #state <> :deleted)"
    values = {":state": state} if state == DELETED else {":state": state, ":deleted": DELETED}
    response = _write(
        "update_item",
        login,
        None,
        Key={"login": {"S": login}},
        UpdateExpression=update,
        ConditionExpression=condition,
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues=to_item(values),
        ReturnValues="ALL_NEW",
    )
    return _listed(from_item(response["Attributes"]))


def _listed(record: dict[str, Any]) -> dict[str, Any]:
    """A record as the operator sees it: never the hash."""
    return {"login": record["login"], "partner_id": record["partner_id"], "state": state_of(record)}


def _pages(operation: str, **kwargs: Any) -> list[dict[str, Any]]:
    paginator = client("dynamodb").get_paginator(operation)
    return [_listed(from_item(item)) for page in paginator.paginate(TableName=_table(), **kwargs) for item in page.get("Items", [])]


def logins_of(partner_id: str) -> list[dict[str, Any]]:
    """The partner's logins in every state, by login: a Query of the ByPartner index, or, on a table
    created before that index existed, a paginated Scan (operator commands only, never a request)."""
    projection = {"ProjectionExpression": "login, partner_id, #state", "ExpressionAttributeNames": {"#state": "state"}}
    try:
        found = _pages(
            "query",
            IndexName=BY_PARTNER_INDEX,
            KeyConditionExpression="partner_id = :partner",
            ExpressionAttributeValues={":partner": {"S": partner_id}},
            **projection,
        )
    except ClientError as error:
        # AWS says ValidationException for a missing index, moto ResourceNotFoundException
        if error.response.get("Error", {}).get("Code") not in ("ValidationException", "ResourceNotFoundException"):
            raise
        found = _pages("scan", FilterExpression="partner_id = :partner", ExpressionAttributeValues={":partner": {"S": partner_id}}, **projection)
    return sorted(found, key=lambda record: record["login"])


def all_logins() -> list[dict[str, Any]]:
    """Every login in every state, by partner then login (a paginated Scan: operator commands only)."""
    found = _pages("scan", ProjectionExpression="login, partner_id, #state", ExpressionAttributeNames={"#state": "state"})
    return sorted(found, key=lambda record: (record["partner_id"], record["login"]))
