"""What `partnerapi invoke` prints (partnerapi_ops.invoke_output.render), on the real results of the
functions of template.yaml run on the event files in events/ against the demo data."""

import base64
import gzip
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from partnerapi_ops import REPO_ROOT
from partnerapi_ops.invoke_output import render
from support.demo import DEMO, DEMO_USER_IVAN, FIXTURE
from support.handlers import load_event, router_in_process, template_invoker

IVAN = next(user for user in DEMO["users"] if user["partner_user_id"] == DEMO_USER_IVAN)


@pytest.fixture
def invoke(demo_data: None) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    return template_invoker()


@pytest.fixture
def result_of(invoke) -> Callable[[str, str], dict[str, Any]]:
    """result_of(function, event name) → what the function returns for events/<name>.json."""

    def run(function: str, event_name: str) -> dict[str, Any]:
        with router_in_process():
            return invoke(function, load_event(event_name))

    return run


def message_parts(printed: str) -> tuple[list[str], str]:
    """(status line + header lines, body text) of a rendered proxy response."""
    head, separator, body = printed.partition("\n\n")
    assert separator, f"no blank line between the headers and the body:\n{printed[:500]}"
    return head.splitlines(), body


def canonical(xml: bytes | str) -> bytes:
    """The document without formatting whitespace, in canonical form: equal when the content is equal."""
    parser = etree.XMLParser(remove_blank_text=True)
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    return etree.tostring(etree.fromstring(data, parser), method="c14n")


# ---------------------------------------------------------------------------------- SOAP bodies --


def test_a_gzipped_base64_response_is_printed_as_indented_readable_xml(result_of):
    # Given the router's partner_user_read answer: gzip-compressed, base64-encoded (Accept-Encoding: gzip)
    result = result_of("RouterFunction", "router_partner_user_read")
    assert result["isBase64Encoded"] and result["headers"]["Content-Encoding"] == "gzip"
    gunzipped = gzip.decompress(base64.b64decode(result["body"]))
    # When it is rendered
    head, body = message_parts(render(result))
    # Then the status line and every header come first, and the body is the same document, indented,
    # with the employee's Cyrillic name as text
    assert head[0] == "HTTP 200 OK"
    assert sorted(head[1:]) == sorted(f"{name}: {value}" for name, value in result["headers"].items())
    assert canonical(body) == canonical(gunzipped)
    assert f">{IVAN['partner_user_name']}<" in body
    assert "&#" not in body
    assert re.search(r"^\s{2,}<\w+:partner_user_id>", body, re.MULTILINE), body[:500]


def test_a_plain_text_response_is_printed_as_indented_xml_with_the_partner_name(result_of):
    # Given PartnersFunction's partner_read answer (small: neither compressed nor base64-encoded)
    result = result_of("PartnersFunction", "partners_partner_read")
    assert not result["isBase64Encoded"]
    # When it is rendered
    head, body = message_parts(render(result))
    # Then the body is the answer's document, one element per line, the name readable
    assert head[0] == "HTTP 200 OK"
    assert canonical(body) == canonical(result["body"])
    assert re.search(rf"^\s+<\w+:partner_name>{re.escape(DEMO['partner_name'])}</\w+:partner_name>$", body, re.MULTILINE), body


def test_a_soap12_answer_is_printed_as_xml_too(result_of):
    # Given the SOAP 1.2 partner_user_add answer (Content-Type application/soap+xml)
    result = result_of("PartnersFunction", "partners_partner_user_add_soap12")
    # When it is rendered
    head, body = message_parts(render(result))
    # Then its Content-Type is listed and its body is the same document, indented
    assert any(line.lower().startswith("content-type: application/soap+xml") for line in head)
    assert canonical(body) == canonical(base64.b64decode(result["body"]) if result["isBase64Encoded"] else result["body"])
    assert body.count("\n") > 3


def test_a_fault_is_printed_with_its_status_and_its_russian_message_as_text(invoke):
    # Given a POST that did not pass the authorizer: PartnersFunction answers 401 with a SOAP fault
    event = load_event("partners_partner_read")
    del event["requestContext"]["authorizer"]
    result = invoke("PartnersFunction", event)
    # When it is rendered
    head, body = message_parts(render(result))
    # Then the status line says 401 and the fault's Russian faultstring is readable
    fault_string = etree.fromstring(body.encode()).findtext(".//faultstring")
    assert head[0] == "HTTP 401 Unauthorized"
    assert any(line.startswith("WWW-Authenticate: Basic") for line in head)
    assert re.search("[А-Яа-я]", fault_string), fault_string
    assert f">{fault_string}<" in body


def test_the_wsdl_answer_is_printed_decoded(result_of):
    # Given ReferenceFunction's WSDL (a GET, gzip-compressed)
    result = result_of("ReferenceFunction", "reference_wsdl")
    # When it is rendered
    _, body = message_parts(render(result))
    # Then it is the WSDL document itself
    assert canonical(body) == canonical(gzip.decompress(base64.b64decode(result["body"])))
    assert etree.QName(etree.fromstring(body.encode())).localname == "definitions"


# ----------------------------------------------------------------------------- other results --


def test_the_authorizers_policy_is_printed_as_indented_json(result_of):
    # Given the authorizer's answer to the demo credentials (a policy, not an HTTP response)
    policy = result_of("AuthorizerFunction", "authorizer_request")
    # When it is rendered
    printed = render(policy)
    # Then it is the policy as indented JSON
    assert json.loads(printed) == policy
    assert printed.startswith("{\n  ")


@pytest.mark.parametrize("event_name", ["ingest_good_batch", "ingest_batch_with_bad_record"])
def test_the_ingest_functions_batch_response_is_printed_as_json(result_of, event_name):
    # Given IngestFunction's answer to an SQS batch
    batch_response = result_of("IngestFunction", event_name)
    # When it is rendered
    printed = render(batch_response)
    # Then it is that batch response as JSON
    assert json.loads(printed) == batch_response
    assert "batchItemFailures" in printed


def test_raw_prints_the_result_as_the_function_returned_it(result_of):
    # Given a gzip-compressed, base64-encoded answer
    result = result_of("RouterFunction", "router_partner_user_read")
    # When it is rendered raw
    printed = render(result, raw=True)
    # Then it is the result itself as JSON, the body still encoded
    assert json.loads(printed) == result
    assert result["body"] in printed


# ------------------------------------------------------------------- bodies that do not decode --


def test_a_body_that_does_not_gunzip_is_shown_with_a_note_instead_of_failing():
    # Given a response that claims gzip but is not
    response = {"statusCode": 200, "headers": {"Content-Encoding": "gzip", "Content-Type": "text/plain"}, "body": base64.b64encode(b"not gzip").decode(), "isBase64Encoded": True}
    # When it is rendered
    _, body = message_parts(render(response))
    # Then the reason is said and the bytes are still shown
    assert "does not gunzip" in body
    assert "not gzip" in body


def test_binary_content_is_described_not_dumped():
    # Given a binary body
    response = {"statusCode": 200, "headers": {"Content-Type": "application/octet-stream"}, "body": base64.b64encode(bytes(range(256))).decode(), "isBase64Encoded": True}
    # When it is rendered
    _, body = message_parts(render(response))
    # Then its size is named and --raw is suggested
    assert body == "(256 bytes of binary content; --raw prints them base64-encoded)"


def test_a_json_body_is_pretty_printed_with_cyrillic_as_text():
    # Given a JSON body with Cyrillic text, escaped as json.dumps escapes it by default
    document = {"message": FIXTURE["regions"][0]["region_name"], "rows": [1, 2]}
    response = {"statusCode": 400, "headers": {"Content-Type": "application/json"}, "body": json.dumps(document)}
    # When it is rendered
    head, body = message_parts(render(response))
    # Then the body is indented JSON, the text unescaped
    assert head[0] == "HTTP 400 Bad Request"
    assert json.loads(body) == document
    assert document["message"] in body and "\n  " in body


# ------------------------------------------------------------------------- the command line --


def test_partnerapi_invoke_prints_the_partner_read_answer_as_readable_xml():
    # Given no tables in the environment (the command starts its own emulation with the demo data)
    environment = {name: value for name, value in os.environ.items() if name not in ("ENTITIES_TABLE", "CREDENTIALS_TABLE", "AWS_ENDPOINT_URL")}
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environment.get("PATH", "")])
    # When the README's `partnerapi invoke PartnersFunction --event events/partners_partner_read.json` runs
    completed = subprocess.run(
        ["partnerapi", "invoke", "PartnersFunction", "--event", "events/partners_partner_read.json"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    # Then it prints the status line and the answer as indented XML with the demo partner's name as text
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("HTTP 200 OK\n"), completed.stdout[:300]
    assert re.search(rf"^\s+<\w+:partner_name>{re.escape(DEMO['partner_name'])}</\w+:partner_name>$", completed.stdout, re.MULTILINE), completed.stdout
