"""Each function of template.yaml, loaded the way Lambda loads it, driven by the events in events/.

The event files are what API Gateway (REST, Lambda proxy, binary media types) delivers after the
Basic authorizer; they are also the input of `partnerapi invoke <Function> --event events/<file>`.
The data is the demo fixture in moto, tables created from template.yaml (fixture `demo_data`).
"""

import base64
import fnmatch
import gzip
import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from lxml import etree
from partnerapi.http import response_from_event
from partnerapi_ops import REPO_ROOT
from support.demo import DEMO, DEMO_ID, DEMO_USER_ANNA, DEMO_USER_IVAN, MOSCOW, SPB
from support.handlers import load_event
from support.soap import envelope

TNS = "http://buhphone.com/PartnerAPI"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSDL_SOAP11 = "http://schemas.xmlsoap.org/wsdl/soap/"
WSDL_SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"
EXECUTE_API_HOST = "abc123.execute-api.eu-central-1.amazonaws.com"
REFERENCE_URL = f"https://{EXECUTE_API_HOST}/v1/cus/ws/PartnerAPI/reference"


# ----------------------------------------------------------------------------------- helpers --


def header(result: dict[str, Any], name: str) -> str | None:
    return next((value for key, value in (result.get("headers") or {}).items() if key.lower() == name.lower()), None)


def body_of(result: dict[str, Any]) -> bytes:
    """The answer's body as the client reads it (gzip undone when the function compressed it)."""
    body = response_from_event(result).body
    return gzip.decompress(body) if (header(result, "Content-Encoding") or "").lower() == "gzip" else body


def parse_envelope(result: dict[str, Any], version: str = "1.1") -> etree._Element:
    """The Body of the answer, after checking it is a SOAP envelope of the expected version."""
    root = etree.fromstring(body_of(result))
    namespace = SOAP12 if version == "1.2" else SOAP11
    assert root.tag == f"{{{namespace}}}Envelope", f"not a SOAP {version} envelope: {root.tag}"
    body = root.find(f"{{{namespace}}}Body")
    assert body is not None
    return body


def rows(body: etree._Element, row: str) -> list[dict[str, str]]:
    return [{etree.QName(field).localname: field.text or "" for field in element} for element in body.iter(f"{{{TNS}}}{row}")]


def fault_code(body: etree._Element, version: str = "1.1") -> str:
    if version == "1.2":
        values = body.findall(f"{{{SOAP12}}}Fault/{{{SOAP12}}}Code//{{{SOAP12}}}Value")
        assert values, "no SOAP 1.2 fault"
        return ".".join(value.text.strip() for value in values)
    code = body.find(f"{{{SOAP11}}}Fault/faultcode")
    assert code is not None, "no SOAP 1.1 fault"
    return code.text.strip()


def wsdl_addresses(result: dict[str, Any]) -> tuple[str, str]:
    root = etree.fromstring(body_of(result))
    soap11 = root.findall(f".//{{{WSDL_SOAP11}}}address")
    soap12 = root.findall(f".//{{{WSDL_SOAP12}}}address")
    assert len(soap11) == 1 and len(soap12) == 1
    return soap11[0].get("location"), soap12[0].get("location")


# ---------------------------------------------------------------------------------- fixtures --


@pytest.fixture
def soap_event() -> Callable[..., dict[str, Any]]:
    """soap_event(file, operation, inner, version=…, path=…) → that event file carrying another SOAP call."""

    def make(name: str, operation: str, inner: str = "", version: str = "1.1", path: str | None = None) -> dict[str, Any]:
        event = load_event(name)
        body = envelope(operation, inner, version)
        event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
        content_type = "application/soap+xml; charset=utf-8" if version == "1.2" else "text/xml; charset=utf-8"
        event["headers"] = {key: value for key, value in event["headers"].items() if key.lower() not in ("content-type", "soapaction", "content-length")}
        event["headers"]["Content-Type"] = content_type
        if version == "1.1":
            event["headers"]["SOAPAction"] = f'"{operation}"'
        event["multiValueHeaders"] = {key: [value] for key, value in event["headers"].items()}
        if path is not None:
            event["path"] = event["resource"] = event["requestContext"]["resourcePath"] = path
            event["requestContext"]["path"] = f"/{event['requestContext']['stage']}{path}"
        return event

    return make


# ------------------------------------------------------------------------------ the events --


def test_event_files_are_api_gateway_proxy_events_behind_the_authorizer():
    # Given the POST event files
    for name in ("partners_partner_read", "partners_partner_user_add_soap12", "reference_region_read", "router_partner_user_read"):
        event = load_event(name)
        # Then they carry what API Gateway hands the function: base64 body, stage, host, partner_id
        assert event["isBase64Encoded"] is True, name
        assert base64.b64decode(event["body"]).lstrip().startswith(b"<?xml"), name
        assert event["requestContext"]["stage"] == "v1", name
        assert event["headers"]["Host"] == EXECUTE_API_HOST, name
        assert event["headers"]["X-Forwarded-Proto"] == "https", name
        assert event["requestContext"]["authorizer"]["partner_id"] == DEMO_ID, name
    # And the WSDL event is a GET with no authorizer context
    wsdl = load_event("reference_wsdl")
    assert wsdl["httpMethod"] == "GET" and "wsdl" in wsdl["queryStringParameters"]
    assert "authorizer" not in wsdl["requestContext"]


# ----------------------------------------------------------------------- group functions --


def test_partner_read_event_answers_the_demo_partner(invoke):
    # When PartnersFunction handles the SOAP 1.1 partner_read event
    result = invoke("PartnersFunction", load_event("partners_partner_read"))
    # Then it answers 200, SOAP 1.1, with the demo partner only
    assert result["statusCode"] == 200
    assert header(result, "Content-Type").startswith("text/xml")
    partners = rows(parse_envelope(result, "1.1"), "partner")
    assert partners == [{"partner_id": DEMO_ID, "partner_name": DEMO["partner_name"]}]


def test_partner_user_add_soap12_event_answers_in_soap12_and_adds_the_employee(invoke, soap_event):
    # Given the demo partner's employees
    before = rows(parse_envelope(invoke("PartnersFunction", soap_event("partners_partner_read", "partner_user_read"))), "partner_user")
    event = load_event("partners_partner_user_add_soap12")
    sent = etree.fromstring(base64.b64decode(event["body"]))
    name = sent.findtext(f".//{{{TNS}}}partner_user_name")

    # When PartnersFunction handles the SOAP 1.2 partner_user_add event
    result = invoke("PartnersFunction", event)

    # Then it answers 200 in SOAP 1.2 with the new employee of the demo partner
    assert result["statusCode"] == 200
    assert header(result, "Content-Type").startswith("application/soap+xml")
    (added,) = rows(parse_envelope(result, "1.2"), "partner_user")
    assert added["partner_user_name"] == name
    assert added["partner_id"] == DEMO_ID
    assert added["partner_user_id"] not in {user["partner_user_id"] for user in before}
    # And the employee is there on the next read
    after = rows(parse_envelope(invoke("PartnersFunction", soap_event("partners_partner_read", "partner_user_read"))), "partner_user")
    assert len(after) == len(before) + 1
    assert added["partner_user_id"] in {user["partner_user_id"] for user in after}


def test_region_read_event_answers_the_regions_of_the_demo_partner(invoke):
    # When ReferenceFunction handles region_read without region_id
    result = invoke("ReferenceFunction", load_event("reference_region_read"))
    # Then it answers the regions the demo partner is present in
    assert result["statusCode"] == 200
    assert header(result, "Content-Type").startswith("text/xml")
    regions = rows(parse_envelope(result), "region")
    assert {region["region_id"] for region in regions} == {MOSCOW, SPB} == set(DEMO["regions"])


def test_wsdl_event_publishes_both_ports_at_the_stage_url(invoke):
    # When ReferenceFunction handles GET ?wsdl on the execute-api host (no credentials)
    result = invoke("ReferenceFunction", load_event("reference_wsdl"))
    # Then the WSDL's SOAP 1.1 and SOAP 1.2 addresses are the URL the client reached, stage included
    assert result["statusCode"] == 200
    assert header(result, "Content-Type").startswith("text/xml")
    assert wsdl_addresses(result) == (REFERENCE_URL, REFERENCE_URL)


def test_wsdl_event_on_a_custom_domain_has_no_stage_prefix(invoke):
    # Given the WSDL request reaching a custom domain (its base path mapping removes the stage)
    event = load_event("reference_wsdl")
    event["headers"]["Host"] = "api.partner.example"
    event["multiValueHeaders"]["Host"] = ["api.partner.example"]
    event["requestContext"]["domainName"] = "api.partner.example"
    # When ReferenceFunction answers it
    result = invoke("ReferenceFunction", event)
    # Then both addresses are on the custom domain, without /v1
    expected = "https://api.partner.example/cus/ws/PartnerAPI/reference"
    assert wsdl_addresses(result) == (expected, expected)


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("context", ["no-authorizer-context", "authorizer-found-no-partner"])
def test_group_function_without_a_partner_answers_401_in_the_request_version(invoke, soap_event, version, context):
    # Given a POST that did not pass the authorizer, or that the authorizer passed on with no partner
    event = soap_event("partners_partner_read", "partner_read", version=version)
    if context == "no-authorizer-context":
        del event["requestContext"]["authorizer"]
    else:
        event["requestContext"]["authorizer"] = {"partner_id": "", "principalId": "anonymous"}
    # When PartnersFunction handles it
    result = invoke("PartnersFunction", event)
    # Then it answers 401 with a Basic challenge and a Client (Sender) fault in the request's version, revealing no partner
    assert result["statusCode"] == 401
    assert header(result, "WWW-Authenticate").startswith("Basic realm=")
    assert header(result, "Content-Type").startswith("application/soap+xml" if version == "1.2" else "text/xml")
    body = parse_envelope(result, version)
    assert fault_code(body, version).startswith("soap:Sender" if version == "1.2" else "soap:Client")
    assert rows(body, "partner") == []


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_group_function_refuses_another_groups_operation_naming_its_url(invoke, soap_event, version):
    # Given client_read (group clients) sent to the partners function's URL on the execute-api host
    event = soap_event("partners_partner_read", "client_read", version=version)
    # When PartnersFunction handles it
    result = invoke("PartnersFunction", event)
    # Then it is the one unknown-operation fault, naming the clients URL and the single URL the client can reach
    assert result["statusCode"] == 400
    body = parse_envelope(result, version)
    assert fault_code(body, version).endswith("UnknownOperation")
    text = "".join(body.itertext())
    base = f"https://{EXECUTE_API_HOST}/v1/cus/ws/PartnerAPI"
    assert f"отправьте её на {base}/clients или {base}" in text, text


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_group_function_answers_other_methods_405_in_the_request_version(invoke, soap_event, version):
    # Given a PUT to a group URL (the API's ANY method, no authorizer)
    event = soap_event("partners_partner_read", "partner_read", version=version)
    event["httpMethod"] = "PUT"
    del event["requestContext"]["authorizer"]
    # When PartnersFunction handles it
    result = invoke("PartnersFunction", event)
    # Then it is 405 naming the allowed methods, a Client (Sender) fault in the request's version
    assert result["statusCode"] == 405
    assert header(result, "Allow") == "GET, HEAD, POST"
    assert fault_code(parse_envelope(result, version), version).endswith("MethodNotAllowed")


def test_group_function_answers_a_hostile_event_with_a_client_fault(invoke):
    # Given the partner_read event with a DOCTYPE declaring an external entity
    event = load_event("partners_partner_read")
    hostile = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + base64.b64decode(event["body"]).split(b"?>", 1)[1]
    event["body"] = base64.b64encode(hostile).decode()
    # When PartnersFunction handles it
    result = invoke("PartnersFunction", event)
    # Then it answers a SOAP Client fault, never the partner
    assert result["statusCode"] == 400
    body = parse_envelope(result)
    assert fault_code(body).startswith("soap:Client")
    assert rows(body, "partner") == []


# ---------------------------------------------------------------------------------- router --


def test_router_event_reaches_the_partners_function(invoke, in_process_router):
    # When RouterFunction handles partner_user_read on the single URL
    result = invoke("RouterFunction", load_event("router_partner_user_read"))
    # Then the partners function's answer comes back: the demo partner's live employees
    assert result["statusCode"] == 200
    assert header(result, "Content-Type").startswith("text/xml")
    users = rows(parse_envelope(result), "partner_user")
    assert {user["partner_user_id"] for user in users} == {DEMO_USER_IVAN, DEMO_USER_ANNA}
    assert {user["partner_id"] for user in users} == {DEMO_ID}


def test_router_answers_soap12_for_a_soap12_request(invoke, in_process_router, soap_event):
    # Given a SOAP 1.2 partner_read on the single URL
    event = soap_event("router_partner_user_read", "partner_read", version="1.2")
    # When RouterFunction handles it
    result = invoke("RouterFunction", event)
    # Then the answer is SOAP 1.2 with the demo partner
    assert result["statusCode"] == 200
    assert header(result, "Content-Type").startswith("application/soap+xml")
    assert rows(parse_envelope(result, "1.2"), "partner") == [{"partner_id": DEMO_ID, "partner_name": DEMO["partner_name"]}]


def test_router_reaches_the_reference_function_too(invoke, in_process_router, soap_event):
    # Given region_read sent to the single URL
    event = soap_event("router_partner_user_read", "region_read")
    # When RouterFunction handles it
    result = invoke("RouterFunction", event)
    # Then the reference group answers it
    assert result["statusCode"] == 200
    assert {region["region_id"] for region in rows(parse_envelope(result), "region")} == set(DEMO["regions"])


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_router_answers_an_unknown_operation_with_a_client_fault(invoke, in_process_router, soap_event, version):
    # Given an operation PartnerAPI does not have
    event = soap_event("router_partner_user_read", "partner_teleport", version=version)
    event["headers"].pop("SOAPAction", None)
    # When RouterFunction handles it
    result = invoke("RouterFunction", event)
    # Then it answers a Client (Sender) fault in the request's SOAP version naming the operation
    assert result["statusCode"] == 400
    body = parse_envelope(result, version)
    code = fault_code(body, version)
    assert code.startswith("soap:Sender" if version == "1.2" else "soap:Client")
    assert "partner_teleport" in etree.tostring(body, encoding="unicode")


def test_router_wsdl_lists_the_single_url_at_the_stage(invoke):
    # Given GET ?wsdl on the single URL
    event = load_event("reference_wsdl")
    event["path"] = event["resource"] = "/cus/ws/PartnerAPI"
    # When RouterFunction answers it
    result = invoke("RouterFunction", event)
    # Then both ports point at the single URL, stage included
    expected = f"https://{EXECUTE_API_HOST}/v1/cus/ws/PartnerAPI"
    assert result["statusCode"] == 200
    assert wsdl_addresses(result) == (expected, expected)


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("path", ["/cus/ws/PartnerAPI/no_such_group", "/cus/ws", "/"])
def test_router_answers_an_unknown_path_404_in_the_request_version(invoke, soap_event, version, path):
    # Given a request that reached the router through the API's catch-all route (no authorizer there)
    event = soap_event("router_partner_user_read", "partner_read", version=version)
    event["path"] = path
    event["resource"] = event["requestContext"]["resourcePath"] = "/" if path == "/" else "/{proxy+}"
    del event["requestContext"]["authorizer"]
    # When RouterFunction handles it
    result = invoke("RouterFunction", event)
    # Then it is 404, a Client (Sender) fault in the request's version naming the path and the service's address
    assert result["statusCode"] == 404
    body = parse_envelope(result, version)
    assert fault_code(body, version).endswith("NotFound")
    text = "".join(body.itertext())
    assert path in text and "/cus/ws/PartnerAPI?wsdl" in text


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_router_answers_a_request_without_a_partner_401_before_invoking_anything(invoke, soap_event, version):
    # Given a POST the authorizer passed on with no partner
    event = soap_event("router_partner_user_read", "partner_read", version=version)
    event["requestContext"]["authorizer"] = {"partner_id": "", "principalId": "anonymous"}
    # When RouterFunction handles it (no invoker is set up: invoking a group function would fail)
    result = invoke("RouterFunction", event)
    # Then it answers 401 with the Basic challenge, in the request's version
    assert result["statusCode"] == 401
    assert header(result, "WWW-Authenticate").startswith("Basic realm=")
    assert fault_code(parse_envelope(result, version), version).endswith("Unauthenticated")


@pytest.mark.parametrize(("version", "advice", "retry_after"), [("1.1", {"retryAfterSeconds": "7"}, "7"), ("1.2", {}, "1")])
def test_router_answers_a_throttled_group_function_429_with_retry_after(invoke, soap_event, version, advice, retry_after):
    # Given Lambda refuses to invoke the group function: the account's concurrency is exhausted
    from botocore.stub import Stubber
    from partnerapi.data.clients import client

    event = soap_event("router_partner_user_read", "partner_read", version=version)
    lambda_client = client("lambda")
    with Stubber(lambda_client) as stubbed:
        stubbed.add_client_error("invoke", service_error_code="TooManyRequestsException", service_message="Rate Exceeded.", http_status_code=429, modeled_fields=advice)
        # When RouterFunction handles the call (through the real Lambda invoker)
        result = invoke("RouterFunction", event)
        stubbed.assert_no_pending_responses()
    # Then the caller gets 429 with Retry-After (Lambda's advice, else 1 s), a Receiver fault in the request's version
    assert result["statusCode"] == 429
    assert header(result, "Retry-After") == retry_after
    body = parse_envelope(result, version)
    assert fault_code(body, version) == ("soap:Receiver.pa:Throttled" if version == "1.2" else "soap:Server.Throttled")
    assert f"через {retry_after} с" in "".join(body.itertext())


# ------------------------------------------------------------------------------ authorizer --


def test_authorizer_allows_the_demo_credentials(invoke):
    # Given the REQUEST authorizer event with demo:demo
    event = load_event("authorizer_request")
    # When AuthorizerFunction handles it
    policy = invoke("AuthorizerFunction", event)
    # Then it allows execute-api:Invoke and hands the demo partner's id on
    assert policy["principalId"] == DEMO_ID
    assert policy["context"]["partner_id"] == DEMO_ID
    (statement,) = policy["policyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "execute-api:Invoke"
    # And the cached decision covers every method and path of the same API stage
    arn_prefix = event["methodArn"].rsplit("/POST/", 1)[0]
    assert fnmatch.fnmatchcase(event["methodArn"], statement["Resource"])
    assert fnmatch.fnmatchcase(f"{arn_prefix}/GET/cus/ws/PartnerAPI/reference", statement["Resource"])
    assert not fnmatch.fnmatchcase(event["methodArn"].replace("/v1/", "/v2/"), statement["Resource"])


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("from-file", id="bad-password-event"),
        pytest.param(None, id="no-header"),
        pytest.param("Basic " + base64.b64encode(b"nobody:demo").decode(), id="unknown-login"),
        pytest.param("Bearer ZGVtbzpkZW1v", id="not-basic"),
        pytest.param("Basic !!!not-base64!!!", id="bad-base64"),
    ],
)
def test_authorizer_passes_bad_credentials_on_without_a_partner(invoke, authorization):
    # Given a REQUEST authorizer event with a bad credential (or none)
    event = load_event("authorizer_request_bad_password")
    if authorization != "from-file":
        event["headers"].pop("Authorization")
        if authorization is not None:
            event["headers"]["Authorization"] = authorization
    # When AuthorizerFunction handles it
    policy = invoke("AuthorizerFunction", event)
    # Then it lets the request through with no partner, so the function answers 401 in the request's SOAP version
    (statement,) = policy["policyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert policy["context"] == {"partner_id": ""}
    assert policy["principalId"] != DEMO_ID


# ------------------------------------------------------------------------ partnerapi invoke --


def test_cli_invoke_runs_an_event_file_against_a_fresh_demo_emulation():
    # Given no tables in the environment (so the CLI starts its own emulation with the demo data)
    env = {name: value for name, value in os.environ.items() if name not in ("ENTITIES_TABLE", "CREDENTIALS_TABLE", "AWS_ENDPOINT_URL")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT / "layers" / "shared"), str(REPO_ROOT / "infra")])
    # When `partnerapi invoke PartnersFunction --event events/partners_partner_read.json --raw` runs
    completed = subprocess.run(
        [sys.executable, "-m", "partnerapi_ops.cli", "invoke", "PartnersFunction", "--event", "events/partners_partner_read.json", "--raw"],
        check=False,
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    # Then it prints the function's result as JSON (--raw: as the function returned it): 200 with the demo partner
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["statusCode"] == 200
    assert DEMO["partner_name"] in body_of(result).decode("utf-8")
    assert rows(parse_envelope(result), "partner") == [{"partner_id": DEMO_ID, "partner_name": DEMO["partner_name"]}]


# ------------------------------------------------------------------------- internal errors --


@pytest.mark.parametrize("failure", [RuntimeError("disk on fire"), KeyError("secret_key")])
def test_an_internal_error_is_a_server_fault_with_the_request_id_and_a_log_line(invoke, monkeypatch, capsys, failure):
    # Given the logic fails in a way no caller could cause
    from partnerapi.logic import partners

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise failure

    monkeypatch.setattr(partners, "partner_read", broken)
    from partnerapi import observability

    observability.logger().registered_handler.stream = sys.stdout  # stdout, where Lambda collects logs: capsys's now
    event = load_event("partners_partner_read")
    # When the function is invoked
    result = invoke("PartnersFunction", event)
    # Then the caller gets a Server fault naming the request id, with no trace of the error itself
    body = parse_envelope(result)
    assert result["statusCode"] == 500
    assert fault_code(body).endswith("Server")
    text = body_of(result).decode()
    request_id = event["requestContext"]["requestId"]
    assert "Идентификатор запроса" in text and "Traceback" not in text and "disk on fire" not in text and "secret_key" not in text
    # And the log has one structured line with the request id and the traceback
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    errors = [line for line in logged if line.get("level") == "ERROR"]
    assert errors and any(str(line.get("request_id")) in text for line in errors)
    assert any(type(failure).__name__ in line.get("exception", "") for line in errors)
    # the function's request id is the API Gateway request's correlation id in every log line
    assert all(line.get("correlation_id") == request_id for line in errors)
