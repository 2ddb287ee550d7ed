"""A group function handed the same API Gateway event twice (what happens when the router's Lambda
invocation is retried after it ran) applies the write once and answers the same both times: the write
seed is API Gateway's request id. Another request id is another write (the control)."""

import base64
import copy
import gzip
import uuid
from typing import Any

from lxml import etree
from partnerapi.http import response_from_event
from partnerapi.soap import TNS
from support.handlers import load_event
from support.soap import envelope


def answer_rows(result: dict[str, Any], row: str) -> list[dict[str, str]]:
    response = response_from_event(result)
    body = gzip.decompress(response.body) if response.headers.get("Content-Encoding") == "gzip" else response.body
    return [{etree.QName(field).localname: field.text or "" for field in element} for element in etree.fromstring(body).iter(f"{{{TNS}}}{row}")]


def partners_event(operation: str, inner: str = "", request_id: str | None = None) -> dict[str, Any]:
    event = copy.deepcopy(load_event("partners_partner_read"))
    event["body"], event["isBase64Encoded"] = base64.b64encode(envelope(operation, inner)).decode(), True
    event["headers"]["SOAPAction"] = f'"{operation}"'
    event["requestContext"]["requestId"] = request_id or str(uuid.uuid4())
    return event


def employees(invoke) -> list[dict[str, str]]:
    return answer_rows(invoke("PartnersFunction", partners_event("partner_user_read", "<t:include_deleted>true</t:include_deleted>")), "partner_user")


def test_an_add_delivered_twice_with_one_request_id_adds_one_employee(invoke):
    # Given one partner_user_add event
    name = f"Повтор {uuid.uuid4().hex[:8]}"
    event = partners_event("partner_user_add", f"<t:partner_user_name>{name}</t:partner_user_name>")
    # When the function handles it twice (a retried invocation of the router)
    first = answer_rows(invoke("PartnersFunction", event), "partner_user")
    second = answer_rows(invoke("PartnersFunction", event), "partner_user")
    # Then both answers are the same employee, and one employee has that name
    assert first == second and len(first) == 1
    assert [user["partner_user_id"] for user in employees(invoke) if user["partner_user_name"] == name] == [first[0]["partner_user_id"]]
    # And another request id with the same body is another employee (the seed, not the body, decides)
    third = answer_rows(invoke("PartnersFunction", partners_event("partner_user_add", f"<t:partner_user_name>{name}</t:partner_user_name>")), "partner_user")
    assert third[0]["partner_user_id"] != first[0]["partner_user_id"]
    assert len([user for user in employees(invoke) if user["partner_user_name"] == name]) == 2


def test_a_toggle_delivered_twice_with_one_request_id_flips_once(invoke):
    # Given a live employee
    (user,) = answer_rows(invoke("PartnersFunction", partners_event("partner_user_add", "<t:partner_user_name>Тумблер</t:partner_user_name>")), "partner_user")
    toggle = partners_event("partner_user_delete", f"<t:partner_user_id>{user['partner_user_id']}</t:partner_user_id>")
    # When one delete event is handled twice
    first = answer_rows(invoke("PartnersFunction", toggle), "partner_user")
    second = answer_rows(invoke("PartnersFunction", toggle), "partner_user")
    # Then the employee is deleted (not deleted and restored), and both answers say so
    assert first == second and first[0]["partner_user_del"] == "true"
    (stored,) = [row for row in employees(invoke) if row["partner_user_id"] == user["partner_user_id"]]
    assert stored["partner_user_del"] == "true"
    # And a new request toggles it back (the control)
    invoke("PartnersFunction", partners_event("partner_user_delete", f"<t:partner_user_id>{user['partner_user_id']}</t:partner_user_id>"))
    (stored,) = [row for row in employees(invoke) if row["partner_user_id"] == user["partner_user_id"]]
    assert stored["partner_user_del"] == "false"
