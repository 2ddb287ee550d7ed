"""Lambda's 6 MB response limit: gzip when accepted, and a Client fault instead of a gateway error."""

import base64
import gzip

import pytest
from lxml import etree
from partnerapi.http import HttpRequest, HttpResponse, accepts_gzip, payload_size, response_to_event
from partnerapi.soap import endpoint as endpoint_module
from partnerapi.soap.endpoint import SoapEndpoint


@pytest.fixture(scope="module")
def endpoint():
    return SoapEndpoint.for_group("reference")


def request(accept_encoding: str = "", content_type: str = "text/xml; charset=utf-8") -> HttpRequest:
    return HttpRequest(method="POST", path="/cus/ws/PartnerAPI/reference", headers={"accept-encoding": accept_encoding, "content-type": content_type}, request_id="r-1")


@pytest.mark.parametrize(
    "header, expected",
    [("gzip", True), ("gzip, deflate", True), ("deflate, gzip;q=0.5", True), ("*", True), ("gzip;q=0", False), ("identity", False), ("", False), ("gzip;q=x", False)],
)
def test_accepts_gzip(header, expected):
    assert accepts_gzip({"accept-encoding": header}) is expected


def test_large_bodies_are_compressed_when_accepted(endpoint):
    body = ("<x>" + "Ж" * 5000 + "</x>").encode()
    response = endpoint._fit(request("gzip"), HttpResponse(200, body, {"Content-Type": "text/xml"}))
    assert response.headers["Content-Encoding"] == "gzip" and gzip.decompress(response.body) == body
    assert endpoint._fit(request("identity"), HttpResponse(200, body, {})).body == body
    assert "Content-Encoding" not in endpoint._fit(request("gzip"), HttpResponse(200, b"<x/>", {})).headers


@pytest.mark.parametrize("content_type, fault_path", [("text/xml", ".//faultstring"), ("application/soap+xml", ".//{http://www.w3.org/2003/05/soap-envelope}Text")])
def test_a_response_over_the_lambda_limit_becomes_a_client_fault(endpoint, monkeypatch, content_type, fault_path):
    monkeypatch.setattr(endpoint_module, "RESPONSE_LIMIT", 10_000)
    huge = bytes(range(256)) * 100  # incompressible enough to stay over the limit
    response = endpoint._fit(request("", content_type), HttpResponse(200, huge, {}))
    assert response.status == 400
    message = etree.fromstring(response.body).findtext(fault_path)
    assert "Ответ слишком велик" in message and "Accept-Encoding: gzip" in message


def test_large_and_binary_bodies_travel_base64_with_a_predictable_size():
    text = HttpResponse(200, b"<x/>", {})
    assert response_to_event(text)["isBase64Encoded"] is False
    large = HttpResponse(200, "Ж".encode() * 50_000, {})
    event = response_to_event(large)
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == large.body
    assert len(event["body"]) == payload_size(large.body)
