"""Partner logins in their own table: only the authorizer reads it, only the operator writes it."""

from partnerapi.data.clients import client
from partnerapi.data.table import CallCounter, from_item, to_item
from partnerapi.errors import InternalError
from partnerapi.settings import get_settings


def _table() -> str:
    name = get_settings().credentials_table
    if not name:
        raise InternalError("CREDENTIALS_TABLE is not configured")
    return name


def get_credential(login: str) -> dict | None:
    CallCounter.add("get_item")
    response = client("dynamodb").get_item(TableName=_table(), Key={"login": {"S": login}}, ConsistentRead=True)
    item = response.get("Item")
    return from_item(item) if item else None


def put_credential(login: str, partner_id: str, password_hash: str) -> None:
    client("dynamodb").put_item(TableName=_table(), Item=to_item({"login": login, "partner_id": partner_id, "password_hash": password_hash}))
