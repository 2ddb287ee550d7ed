"""Raw SOAP requests for tests that must control the exact bytes on the wire."""

import requests

TNS = "http://buhphone.com/PartnerAPI"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"


def envelope(operation: str, inner: str = "", version: str = "1.1") -> bytes:
    namespace = SOAP12 if version == "1.2" else SOAP11
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><s:Envelope xmlns:s='{namespace}' xmlns:t='{TNS}' "
        f"xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'><s:Body><t:{operation}>{inner}</t:{operation}></s:Body></s:Envelope>"
    ).encode()


def post(url: str, body: bytes, auth: tuple[str, str] | None = ("demo", "demo"), version: str = "1.1", **headers: str) -> requests.Response:
    content_type = "application/soap+xml; charset=utf-8" if version == "1.2" else "text/xml; charset=utf-8"
    return requests.post(url, data=body, auth=auth, headers={"Content-Type": content_type, **headers}, timeout=30)
