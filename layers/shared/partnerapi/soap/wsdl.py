"""One WSDL with a SOAP 1.1 and a SOAP 1.2 binding and port for the same address, as 1C and .NET publish.

spyne writes one SOAP 1.1 binding and a service element per service class; this rewrites that
document once into the usual shape (service PartnerAPI, ports PartnerAPISoap and PartnerAPISoap12)
with a placeholder address that each response replaces with the URL the client reached.
"""

from xml.sax.saxutils import escape

from lxml import etree

from partnerapi.soap import SERVICE_NAME

ADDRESS_PLACEHOLDER = "https://partnerapi.invalid/__SOAP_ADDRESS__"
_WSDL = "http://schemas.xmlsoap.org/wsdl/"
_SOAP11 = "http://schemas.xmlsoap.org/wsdl/soap/"
_SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"


def _q(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


def dual_binding_wsdl(spyne_wsdl: bytes) -> bytes:
    root = etree.fromstring(spyne_wsdl, etree.XMLParser(resolve_entities=False, no_network=True))
    for service in root.findall(_q(_WSDL, "service")):
        root.remove(service)
    port_type = root.find(_q(_WSDL, "portType"))
    port_type.set("name", f"{SERVICE_NAME}PortType")
    soap11_binding = root.find(_q(_WSDL, "binding"))
    soap11_binding.set("name", f"{SERVICE_NAME}Soap")
    soap11_binding.set("type", f"tns:{SERVICE_NAME}PortType")

    soap12_binding = etree.fromstring(etree.tostring(soap11_binding))
    soap12_binding.set("name", f"{SERVICE_NAME}Soap12")
    for element in soap12_binding.iter():
        if isinstance(element.tag, str) and element.tag.startswith(f"{{{_SOAP11}}}"):
            element.tag = _q(_SOAP12, etree.QName(element).localname)
    soap11_binding.addnext(soap12_binding)

    service = etree.SubElement(root, _q(_WSDL, "service"), name=SERVICE_NAME)
    for port_name, namespace in ((f"{SERVICE_NAME}Soap", _SOAP11), (f"{SERVICE_NAME}Soap12", _SOAP12)):
        port = etree.SubElement(service, _q(_WSDL, "port"), name=port_name, binding=f"tns:{port_name}")
        etree.SubElement(port, _q(namespace, "address"), location=ADDRESS_PLACEHOLDER)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def with_address(wsdl: bytes, url: str) -> bytes:
    return wsdl.replace(ADDRESS_PLACEHOLDER.encode(), escape(url, {'"': "&quot;"}).encode())
