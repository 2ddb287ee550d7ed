"""AgentsFunction loaded the way Lambda loads it (template.yaml), driven by events/agents_*.json, with the
demo fixture in moto and passwords sealed with KMS (the AWS path): a read answers the plain password,
the router reaches the function, the SMTP time budget holds inside the function, and a KMS failure is
a Server fault that reveals nothing."""

import base64
import copy
import gzip
import json
from typing import Any

from lxml import etree
from partnerapi.data import secrets
from partnerapi.data.clients import reset_clients
from partnerapi.http import response_from_event
from support.demo import DEMO_AGENT_IVAN, DEMO_AGENT_IVAN_PASSWORD, DEMO_CLIENT_ROMASHKA, DEMO_CLIENT_USER_OLGA, DEMO_ID, DEMO_USER_AGENT_OLGA, DEMO_USER_IVAN
from support.handlers import load_event
from support.mail import silent_server
from support.soap import envelope

TNS = "http://buhphone.com/PartnerAPI"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"


def with_call(event: dict[str, Any], operation: str, inner: str, path: str | None = None) -> dict[str, Any]:
    """The same API Gateway event carrying another SOAP 1.1 call (optionally to another path)."""
    event = copy.deepcopy(event)
    body = envelope(operation, inner)
    event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    for headers in (event["headers"], event["multiValueHeaders"]):
        for name in [name for name in headers if name.lower() in ("soapaction", "content-length")]:
            del headers[name]
    event["headers"]["SOAPAction"] = f'"{operation}"'
    event["multiValueHeaders"]["SOAPAction"] = [f'"{operation}"']
    if path is not None:
        event["path"] = event["resource"] = event["requestContext"]["resourcePath"] = path
        event["requestContext"]["path"] = f"/v1{path}"
    return event


def body_of(result: dict[str, Any]) -> etree._Element:
    raw = response_from_event(result).body
    encoding = next((value for name, value in (result.get("headers") or {}).items() if name.lower() == "content-encoding"), "")
    root = etree.fromstring(gzip.decompress(raw) if encoding == "gzip" else raw)
    assert root.tag == f"{{{SOAP11}}}Envelope"
    return root.find(f"{{{SOAP11}}}Body")


def rows(body: etree._Element, row: str) -> list[dict[str, str]]:
    return [{etree.QName(field).localname: field.text or "" for field in element} for element in body.iter(f"{{{TNS}}}{row}")]


def fault(body: etree._Element) -> tuple[str, str]:
    element = body.find(f"{{{SOAP11}}}Fault")
    assert element is not None, "no SOAP fault"
    return element.findtext("faultcode").strip(), element.findtext("faultstring")


def test_the_event_is_an_api_gateway_proxy_event_behind_the_authorizer():
    event = load_event("agents_agent_partner_read")
    assert event["path"] == "/cus/ws/PartnerAPI/agents" and event["httpMethod"] == "POST" and event["isBase64Encoded"] is True
    assert event["requestContext"]["authorizer"]["partner_id"] == DEMO_ID
    assert b"<tns:agent_partner_read>" in base64.b64decode(event["body"])


def test_agent_partner_read_event_answers_the_agent_with_its_password(invoke):
    # When AgentsFunction handles the agent_partner_read event (Ivan's agent)
    result = invoke("AgentsFunction", load_event("agents_agent_partner_read"))
    # Then it answers 200 with that agent, its password opened through KMS
    assert result["statusCode"] == 200
    (agent,) = rows(body_of(result), "agent_partner")
    assert agent["agent_partner_id"] == DEMO_AGENT_IVAN and agent["agent_partner_password"] == DEMO_AGENT_IVAN_PASSWORD
    assert agent["partner_user_id"] == DEMO_USER_IVAN and agent["partner_id"] == DEMO_ID
    assert agent["agent_type"] == "1" and agent["agent_partner_activity"] == "true" and agent["agent_partner_number"].startswith("271828")


def test_the_router_reaches_the_agents_function(invoke, in_process_router):
    event = with_call(load_event("agents_agent_partner_read"), "agent_user_read", f"<t:client_id>{DEMO_CLIENT_ROMASHKA}</t:client_id>", path="/cus/ws/PartnerAPI")
    result = invoke("RouterFunction", event)
    assert result["statusCode"] == 200
    assert DEMO_USER_AGENT_OLGA in {row["agent_user_id"] for row in rows(body_of(result), "agent_user")}


def test_the_smtp_time_budget_holds_inside_the_function(invoke, monkeypatch):
    # Given a function whose SMTP budget is 1 s and an SMTP server that never answers
    monkeypatch.setenv("SMTP_TIMEOUT_SECONDS", "1")
    reset_clients()
    with silent_server() as port:
        inner = (
            f"<t:client_user_id>{DEMO_CLIENT_USER_OLGA}</t:client_user_id><t:sender_email_address>support@demo.example</t:sender_email_address>"
            f"<t:email_login xsi:nil='true'/><t:email_password xsi:nil='true'/><t:smtp_server>127.0.0.1</t:smtp_server><t:smtp_port>{port}</t:smtp_port>"
            "<t:ssl_encryption>false</t:ssl_encryption>"
        )
        # When the notification is sent through it
        result = invoke("AgentsFunction", with_call(load_event("agents_agent_partner_read"), "account_access_email_notify", inner))
    # Then the caller gets a Client fault naming the timeout
    code, message = fault(body_of(result))
    assert code.endswith("Client.SmtpFailed") and "не ответил за 1 с" in message


def test_a_kms_failure_is_a_server_fault_with_the_request_id_and_no_password(invoke, monkeypatch):
    # Given the function's KMS key ARN names no key
    monkeypatch.setenv("AGENT_PASSWORD_KEY_ARN", "arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-4000-8000-000000000000")
    reset_clients()
    secrets.forget_keys()
    # When an agent is read
    result = invoke("AgentsFunction", load_event("agents_agent_partner_read"))
    # Then it is a Server fault with the request id, and no trace of the password
    assert result["statusCode"] == 500
    code, message = fault(body_of(result))
    assert code.endswith("Server.SecretUnavailable") and "Идентификатор запроса" in message and "KMS" not in message
    assert DEMO_AGENT_IVAN_PASSWORD not in json.dumps(result)
