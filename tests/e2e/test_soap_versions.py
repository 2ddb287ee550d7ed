"""One WSDL, two SOAP versions, the address the client reached; zeep (both ports) and suds unchanged."""

import pytest
import requests
from lxml import etree
from support.demo import DEMO_ID
from support.faults import rows
from support.soap import SOAP11, SOAP12, TNS, envelope, post

WSDL_NS = {"wsdl": "http://schemas.xmlsoap.org/wsdl/", "soap": "http://schemas.xmlsoap.org/wsdl/soap/", "soap12": "http://schemas.xmlsoap.org/wsdl/soap12/"}


@pytest.mark.parametrize("group", ["", "reference", "partners"])
def test_wsdl_has_both_ports_at_the_address_reached(sandbox, group):
    url = sandbox.url(group)
    document = etree.fromstring(requests.get(f"{url}?wsdl", timeout=10).content)
    (service,) = document.findall("wsdl:service", WSDL_NS)
    assert service.get("name") == "PartnerAPI"
    ports = {port.get("name"): port for port in service.findall("wsdl:port", WSDL_NS)}
    assert set(ports) == {"PartnerAPISoap", "PartnerAPISoap12"}
    assert ports["PartnerAPISoap"].find("soap:address", WSDL_NS).get("location") == url
    assert ports["PartnerAPISoap12"].find("soap12:address", WSDL_NS).get("location") == url


def test_wsdl_address_follows_the_host_the_client_used(sandbox):
    response = requests.get(f"{sandbox.url()}?wsdl", headers={"Host": "partners.example:8443", "X-Forwarded-Proto": "https"}, timeout=10)
    assert b'location="https://partners.example:8443/cus/ws/PartnerAPI"' in response.content


@pytest.mark.parametrize("version, content_type, namespace", [("1.1", "text/xml", SOAP11), ("1.2", "application/soap+xml", SOAP12)])
@pytest.mark.parametrize("group", ["", "partners"])
def test_each_version_is_answered_in_its_own_version(sandbox, group, version, content_type, namespace):
    response = post(sandbox.url(group), envelope("partner_read", version=version), version=version)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(content_type)
    root = etree.fromstring(response.content)
    assert root.tag == f"{{{namespace}}}Envelope"
    assert DEMO_ID.encode() in response.content


@pytest.mark.parametrize("port", ["PartnerAPISoap", "PartnerAPISoap12"])
@pytest.mark.parametrize("group", ["", "partners"])
def test_zeep_works_on_either_port_and_url(soap_client, group, port):
    assert rows(soap_client(group=group, port=port).partner_read())[0]["partner_id"] == DEMO_ID


def test_suds_works_unchanged_with_basic_auth(sandbox):
    from suds.client import Client
    from suds.transport.https import HttpAuthenticated

    client = Client(f"{sandbox.url()}?wsdl", transport=HttpAuthenticated(username="demo", password="demo"))
    result = client.service.partner_read()
    assert DEMO_ID in str(result)
    regions = client.service.region_read()
    assert "Москва" in str(regions)


def test_soap_action_alone_routes_when_the_body_names_the_operation(sandbox):
    response = post(sandbox.url(), envelope("partner_region_read"), SOAPAction='"partner_region_read"')
    assert response.status_code == 200 and DEMO_ID.encode() in response.content


@pytest.mark.parametrize("group", ["", "partners"])
def test_the_body_names_the_operation_whatever_soap_action_says(sandbox, group):
    # Given partner_read whose SOAPAction names another (existing) operation
    response = post(sandbox.url(group), envelope("partner_read"), SOAPAction='"region_read"')
    # Then the body's operation is the one answered
    assert response.status_code == 200
    assert etree.fromstring(response.content).find(f".//{{{TNS}}}partner_readResponse") is not None


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_an_unknown_body_operation_is_not_rescued_by_soap_action(sandbox, version):
    # Given an operation PartnerAPI does not have, with a SOAPAction naming one it has
    response = post(sandbox.url(), envelope("partner_teleport", version=version), version=version, SOAPAction='"partner_read"')
    # Then it is the unknown-operation fault (spyne would dispatch on the body anyway)
    assert response.status_code == 400
    assert b"UnknownOperation" in response.content and "«partner_teleport»" in response.text


@pytest.mark.parametrize("version, namespace", [("1.1", SOAP11), ("1.2", SOAP12)])
@pytest.mark.parametrize("group", ["", "partners", "clients"])
def test_unknown_operation_is_a_client_fault_in_the_request_version(sandbox, group, version, namespace):
    response = post(sandbox.url(group), envelope("no_such_operation", version=version), version=version)
    assert response.status_code == 400
    fault = etree.fromstring(response.content).find(f".//{{{namespace}}}Fault")
    assert fault is not None, response.text
    if version == "1.1":
        assert fault.findtext("faultcode").split(":")[-1] == "Client.UnknownOperation"
    else:
        value = fault.find(f"{{{namespace}}}Code/{{{namespace}}}Subcode/{{{namespace}}}Value")
        prefix, _, local = value.text.partition(":")
        assert (value.nsmap[prefix], local) == (TNS, "UnknownOperation")
