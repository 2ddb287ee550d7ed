"""ServicesFunction (and the router in front of it), loaded the way Lambda loads them from template.yaml,
driven by events/services_service_type_read.json against the demo data in moto."""

import base64
import gzip
from typing import Any

import pytest
from lxml import etree
from partnerapi.http import response_from_event
from support.demo import DEMO_ID, DEMO_PRIVATE_LINE, DEMO_VENDOR_LINE, PUBLIC_ARCHIVED, PUBLIC_CONSULTING
from support.handlers import load_event, router_in_process, template_invoker
from support.soap import envelope

TNS = "http://buhphone.com/PartnerAPI"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def body_of(result: dict[str, Any]) -> bytes:
    """The body as the client reads it (the event accepts gzip, so larger answers come compressed)."""
    body = response_from_event(result).body
    encoding = next((value for key, value in (result.get("headers") or {}).items() if key.lower() == "content-encoding"), "")
    return gzip.decompress(body) if encoding.lower() == "gzip" else body


def answer(result: dict[str, Any]) -> etree._Element:
    assert result["statusCode"] == 200, result
    root = etree.fromstring(body_of(result))
    assert root.tag == f"{{{SOAP11}}}Envelope"
    return root


def service_types(root: etree._Element) -> dict[str, dict[str, str | None]]:
    """Rows by id; a column is its text, None when it is nil (xsi:nil="true")."""
    found = [{etree.QName(field).localname: None if field.get(XSI_NIL) == "true" else field.text or "" for field in row} for row in root.iter(f"{{{TNS}}}service_type")]
    return {row["service_type_id"]: row for row in found}


@pytest.fixture
def invoke(demo_data):
    with router_in_process():
        yield template_invoker()


def test_the_event_is_a_services_call_of_the_demo_partner():
    event = load_event("services_service_type_read")
    assert event["path"] == "/cus/ws/PartnerAPI/services" and event["httpMethod"] == "POST"
    assert event["requestContext"]["authorizer"]["partner_id"] == DEMO_ID
    assert b"service_type_read" in base64.b64decode(event["body"])


def test_services_function_answers_the_demo_partners_service_types_deleted_included(invoke):
    # When ServicesFunction handles service_type_read(include_deleted=true) for the demo partner
    types = service_types(answer(invoke("ServicesFunction", load_event("services_service_type_read"))))
    # Then it answers the public types (the deleted one too) and the partner's own lines
    assert {PUBLIC_CONSULTING, PUBLIC_ARCHIVED, DEMO_VENDOR_LINE, DEMO_PRIVATE_LINE} <= set(types)
    assert types[PUBLIC_ARCHIVED]["service_type_del"] == "true"
    assert types[DEMO_VENDOR_LINE]["partner_id"] == DEMO_ID
    assert types[PUBLIC_CONSULTING]["partner_id"] is None  # a public type has no owner: the column is there, nil


def test_router_hands_a_services_operation_to_the_services_function(invoke):
    # Given the same call on the single URL
    event = load_event("services_service_type_read")
    event["path"] = event["resource"] = event["requestContext"]["resourcePath"] = "/cus/ws/PartnerAPI"
    # When RouterFunction handles it
    result = invoke("RouterFunction", event)
    # Then the answer is the services function's
    assert service_types(answer(result)) == service_types(answer(invoke("ServicesFunction", load_event("services_service_type_read"))))


def test_a_refused_services_call_is_a_client_fault(invoke):
    # Given service_type_add from the second demo partner, which is not a franchisee
    event = load_event("services_service_type_read")
    event["body"] = base64.b64encode(envelope("service_type_add", "<t:service_type_name>Линия</t:service_type_name>")).decode()
    event["headers"]["SOAPAction"] = '"service_type_add"'
    event["requestContext"]["authorizer"]["partner_id"] = event["requestContext"]["authorizer"]["principalId"] = "a1b2c3d4-0000-4000-8000-000000000002"
    # When ServicesFunction handles it
    result = invoke("ServicesFunction", event)
    # Then it answers the Client.NotFranchisee fault
    root = etree.fromstring(body_of(result))
    assert root.findtext(f".//{{{SOAP11}}}Fault/faultcode").endswith("Client.NotFranchisee")
