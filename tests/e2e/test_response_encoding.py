"""Responses are gzip-compressed for clients that accept it (zeep and requests do by default)."""

import gzip

import pytest
import requests
from support.faults import rows
from support.soap import envelope


@pytest.mark.parametrize("group", ["", "clients"])
def test_a_client_that_accepts_gzip_gets_gzip(sandbox, group):
    body = envelope("client_read", "<t:include_deleted>true</t:include_deleted>")
    response = requests.post(sandbox.url(group), data=body, auth=("demo", "demo"), headers={"Content-Type": "text/xml; charset=utf-8", "Accept-Encoding": "gzip"}, stream=True, timeout=30)
    raw = response.raw.read(decode_content=False)
    assert response.headers["Content-Encoding"] == "gzip"
    assert b"client_readResponse" in gzip.decompress(raw)


@pytest.mark.parametrize("accept", ["identity", "gzip;q=0", ""])
def test_a_client_that_does_not_accept_gzip_gets_plain_xml(sandbox, accept):
    body = envelope("client_read")
    response = requests.post(sandbox.url("clients"), data=body, auth=("demo", "demo"), headers={"Content-Type": "text/xml; charset=utf-8", "Accept-Encoding": accept}, timeout=30)
    assert "Content-Encoding" not in response.headers
    assert response.content.startswith(b"<?xml")


def test_zeep_reads_compressed_responses_transparently(soap_client):
    assert len(rows(soap_client(group="clients").client_read(None, None, True))) >= 2
