"""The published WSDL: one service PartnerAPI, a SOAP 1.1 and a SOAP 1.2 port, every operation of the
endpoint's groups (and only those), the address of each response, and loadable by a real client (zeep)."""

import pytest
from lxml import etree
from partnerapi.groups import GROUP_OPERATIONS, OPERATION_GROUP
from partnerapi.soap.endpoint import SERVICE_CLASSES, SoapEndpoint
from partnerapi.soap.wsdl import ADDRESS_PLACEHOLDER, with_address

WSDL = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP11 = "http://schemas.xmlsoap.org/wsdl/soap/"
WSDL_SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"
TNS = "http://buhphone.com/PartnerAPI"
BINDING_NAMESPACE = {"PartnerAPISoap": WSDL_SOAP11, "PartnerAPISoap12": WSDL_SOAP12}
URL = "https://abc123.execute-api.eu-central-1.amazonaws.com/v1/cus/ws/PartnerAPI/partners"


@pytest.fixture(scope="module")
def endpoints() -> dict[str, SoapEndpoint]:
    """The single-URL endpoint (all groups) and one endpoint per group, built once for the module."""
    return {"all": SoapEndpoint.for_all(), **{group: SoapEndpoint.for_group(group) for group in GROUP_OPERATIONS}}


@pytest.fixture
def wsdl_of(endpoints):
    """wsdl_of(name, url=URL) → the parsed WSDL that endpoint answers at `url`."""

    def parse(name: str, url: str = URL) -> etree._Element:
        return etree.fromstring(with_address(endpoints[name].wsdl(), url))

    return parse


def expected_operations(name: str) -> set[str]:
    groups = GROUP_OPERATIONS if name == "all" else {name: GROUP_OPERATIONS[name]}
    return {operation for operations in groups.values() for operation in operations}


def q(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


ENDPOINT_NAMES = ["all", *GROUP_OPERATIONS]


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_one_service_partnerapi_with_a_soap11_and_a_soap12_port(wsdl_of, name):
    # Given the WSDL of the endpoint
    root = wsdl_of(name)
    # Then it has exactly one service, PartnerAPI, with the two usual ports
    (service,) = root.findall(q(WSDL, "service"))
    assert service.get("name") == "PartnerAPI"
    ports = {port.get("name"): port for port in service.findall(q(WSDL, "port"))}
    assert set(ports) == {"PartnerAPISoap", "PartnerAPISoap12"}
    bindings = {binding.get("name"): binding for binding in root.findall(q(WSDL, "binding"))}
    for port_name, port in ports.items():
        # And each port uses the binding of its SOAP version, at the client's URL
        binding = bindings[port.get("binding").split(":")[-1]]
        namespace = BINDING_NAMESPACE[port_name]
        assert binding.find(q(namespace, "binding")) is not None, f"{port_name} is not bound to {namespace}"
        assert [address.get("location") for address in port.findall(q(namespace, "address"))] == [URL]


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_both_bindings_list_exactly_the_operations_of_the_endpoint_groups(wsdl_of, name):
    root = wsdl_of(name)
    bindings = {binding.get("name"): binding for binding in root.findall(q(WSDL, "binding"))}
    assert set(bindings) == set(BINDING_NAMESPACE)
    for binding_name, namespace in BINDING_NAMESPACE.items():
        operations = [operation.get("name") for operation in bindings[binding_name].findall(q(WSDL, "operation"))]
        # Then every operation of the endpoint's groups is there once, and nothing else
        assert sorted(operations) == sorted(expected_operations(name)), binding_name
        # And each is declared in the binding's own SOAP version
        for operation in bindings[binding_name].findall(q(WSDL, "operation")):
            assert operation.find(q(namespace, "operation")) is not None, (binding_name, operation.get("name"))
            assert operation.find(f"{q(WSDL, 'input')}/{q(namespace, 'body')}").get("use") == "literal"


def test_group_endpoint_lists_only_its_group(wsdl_of):
    # Given the partners group's WSDL
    text = etree.tostring(wsdl_of("partners"), encoding="unicode")
    # Then no operation of another group appears in it
    for operation, group in OPERATION_GROUP.items():
        if group != "partners":
            assert f'name="{operation}"' not in text, operation


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_port_type_declares_the_same_operations_with_messages(wsdl_of, name):
    root = wsdl_of(name)
    (port_type,) = root.findall(q(WSDL, "portType"))
    messages = {message.get("name") for message in root.findall(q(WSDL, "message"))}
    declared = {operation.get("name"): operation for operation in port_type.findall(q(WSDL, "operation"))}
    assert set(declared) == expected_operations(name)
    for operation in declared.values():
        for direction in ("input", "output"):
            assert operation.find(q(WSDL, direction)).get("message").split(":")[-1] in messages


def test_with_address_puts_the_url_in_both_ports_and_escapes_it(endpoints):
    # Given a URL with characters that are markup in XML
    url = 'https://api.partner.example/cus/ws/PartnerAPI?a=1&b=<2>&c="3"'
    # When the WSDL is answered at that URL
    document = with_address(endpoints["partners"].wsdl(), url)
    # Then it is still well-formed XML, the placeholder is gone, and both ports carry the exact URL
    root = etree.fromstring(document)
    assert ADDRESS_PLACEHOLDER.encode() not in document
    assert b"&b=" not in document  # the raw ampersand was escaped
    locations = [element.get("location") for element in root.iter(q(WSDL_SOAP11, "address"), q(WSDL_SOAP12, "address"))]
    assert locations == [url, url]


def test_with_address_leaves_the_cached_wsdl_untouched(endpoints):
    endpoint = endpoints["reference"]
    with_address(endpoint.wsdl(), "https://one.example/x")
    assert ADDRESS_PLACEHOLDER.encode() in endpoint.wsdl()
    assert b"https://one.example/x" not in endpoint.wsdl()


@pytest.mark.parametrize(("name", "port"), [(name, port) for name in ("all", "partners") for port in BINDING_NAMESPACE])
def test_zeep_loads_the_wsdl_and_binds_both_ports(endpoints, tmp_path, name, port):
    from zeep import Client

    # Given the WSDL saved to a file, as a client would download it
    path = tmp_path / "PartnerAPI.wsdl"
    path.write_bytes(with_address(endpoints[name].wsdl(), URL))
    # When zeep loads it
    client = Client(str(path))
    # Then it sees the service with both ports, at the URL, with every operation of the endpoint
    service = client.wsdl.services["PartnerAPI"]
    assert set(service.ports) == set(BINDING_NAMESPACE)
    bound = service.ports[port]
    assert bound.binding_options["address"] == URL
    assert set(bound.binding.all()) == expected_operations(name)
    # And the SOAP version of each port is the one its name promises
    assert type(bound.binding).__name__ == ("Soap12Binding" if port == "PartnerAPISoap12" else "Soap11Binding")


def test_zeep_builds_a_request_for_an_operation(endpoints, tmp_path):
    from zeep import Client

    path = tmp_path / "PartnerAPI.wsdl"
    path.write_bytes(with_address(endpoints["all"].wsdl(), URL))
    client = Client(str(path))
    message = client.create_message(client.bind("PartnerAPI", "PartnerAPISoap"), "partner_user_add", partner_user_name="Мария")
    # The request element is the operation in the service's namespace, with the parameter inside
    (body,) = message.findall("{http://schemas.xmlsoap.org/soap/envelope/}Body")
    (call,) = list(body)
    assert call.tag == q(TNS, "partner_user_add")
    assert call.findtext(q(TNS, "partner_user_name")) == "Мария"


# -------------------------------------------------------------------------- the registry --


@pytest.mark.parametrize("group", list(GROUP_OPERATIONS))
def test_registry_names_exactly_the_spyne_methods_of_each_group(endpoints, group):
    # The router dispatches by GROUP_OPERATIONS without loading spyne: it must match the services
    (service,) = endpoints[group].services
    assert set(service.public_methods) == set(GROUP_OPERATIONS[group])
    assert len(GROUP_OPERATIONS[group]) == len(set(GROUP_OPERATIONS[group]))


def test_every_group_has_a_service_class_and_operations_are_unique_across_groups():
    assert set(SERVICE_CLASSES) == set(GROUP_OPERATIONS)
    everything = [operation for operations in GROUP_OPERATIONS.values() for operation in operations]
    assert len(everything) == len(set(everything)) == len(OPERATION_GROUP)


def test_endpoint_serves_the_operations_of_its_groups(endpoints):
    assert endpoints["all"].operations == frozenset(OPERATION_GROUP)
    for group, operations in GROUP_OPERATIONS.items():
        assert endpoints[group].operations == frozenset(operations)
