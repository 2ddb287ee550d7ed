"""A SOAP endpoint for one group (or all of them): WSDL, version by Content-Type, guard, then spyne.

Each endpoint owns two spyne applications over the same services, one per SOAP version, and
answers each request in the version its Content-Type names.
"""

import gzip
import io
import logging
import threading
from importlib import import_module
from typing import Any

import spyne.const
from spyne import Application, Fault
from spyne.const.http import HTTP_400
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication

from partnerapi.data import writes
from partnerapi.errors import PartnerApiError
from partnerapi.groups import GROUP_OPERATIONS, WRITE_OPERATIONS
from partnerapi.http import HttpRequest, HttpResponse, accepts_gzip, payload_size
from partnerapi.settings import get_settings
from partnerapi.soap import SERVICE_NAME, TNS
from partnerapi.soap.envelope import (
    HostileInput,
    append_fault,
    content_type_of,
    fault_document,
    inspect,
    method_not_allowed,
    unauthenticated,
    unknown_operation,
    version_of,
)
from partnerapi.soap.flat_rows import FlatRowsSoap11, FlatRowsSoap12
from partnerapi.soap.service_base import PARTNER_KEY, REQUEST_ID_KEY, SERVER_FAULT_KEY, WRITE_SEED_KEY
from partnerapi.soap.wsdl import ADDRESS_PLACEHOLDER, dual_binding_wsdl, with_address

# group → "module:ServiceClass"; modules load only for the groups an endpoint serves
SERVICE_CLASSES: dict[str, str] = {
    "reference": "partnerapi.soap.reference_service:ReferenceService",
    "partners": "partnerapi.soap.partners_service:PartnersService",
    "clients": "partnerapi.soap.clients_service:ClientsService",
    "agents": "partnerapi.soap.agents_service:AgentsService",
    "services": "partnerapi.soap.services_service:ServicesService",
    "statistics": "partnerapi.soap.statistics_service:StatisticsService",
}
_XML_HEADERS = {"Cache-Control": "no-store"}
# Lambda's synchronous response payload is at most 6 MB (6 291 456 bytes), JSON framing included.
RESPONSE_LIMIT = 6 * 1024 * 1024 - 16 * 1024
GZIP_MINIMUM = 1024  # smaller bodies gain nothing from compression
HEADER_IDEMPOTENCY_KEY = "idempotency-key"


class _ClientFaultFilter(logging.Filter):
    """spyne logs every fault with a traceback; a caller's mistake is not a server error."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else record.msg
        return not (isinstance(error, Fault) and str(error.faultcode).startswith("Client"))


for _name in ("spyne.application", "spyne.server._base", "spyne.server.wsgi"):
    logging.getLogger(_name).addFilter(_ClientFaultFilter())
logging.getLogger("spyne.application.client").setLevel(logging.CRITICAL)
# spyne runs a full gc.collect() when a request context closes (at most once a second) to release
# file handles of its file types; we have none, and a full collection is pure latency on a request.
spyne.const.MIN_GC_INTERVAL = float("inf")
# spyne warns whenever a second application shares a name; ours do on purpose (one per SOAP version)
logging.getLogger("spyne.util.appreg").setLevel(logging.ERROR)


class _SharedFaults:
    """spyne's faults written by the builder of the hand-made ones (envelope.append_fault): in SOAP 1.2
    spyne leaves subcodes unqualified (SAAJ refuses the fault) and adds an empty Role."""

    soap_version = "1.1"

    def serialize(self, ctx: Any, message: str) -> None:
        super().serialize(ctx, message)
        if ctx.out_error is not None:
            # spyne's namespace clean-up drops the subcodes' prefix (used in text only): the fault is written again after it
            del ctx.out_body_doc[:]
            self.fault_to_parent(ctx, type(ctx.out_error), ctx.out_error, ctx.out_body_doc, "")

    def fault_to_parent(self, ctx: Any, cls: type, inst: Fault, parent: Any, ns: str, **_: Any) -> None:
        append_fault(parent, self.soap_version, str(inst.faultcode), str(inst.faultstring or ""), inst.lang)


class Soap11Faults(_SharedFaults, FlatRowsSoap11):
    soap_version = "1.1"


class Soap12WithSenderStatus(_SharedFaults, FlatRowsSoap12):
    """SOAP 1.2 part 2, 7.5.1: a Sender fault travels with HTTP 400 (spyne sends 500 for every fault)."""

    soap_version = "1.2"

    def fault_to_http_response_code(self, fault: Exception) -> str:
        if isinstance(fault, Fault) and str(fault.faultcode).startswith("Client"):
            return HTTP_400
        return super().fault_to_http_response_code(fault)


def _service_class(group: str) -> type:
    module, _, name = SERVICE_CLASSES[group].partition(":")
    return getattr(import_module(module), name)


class SoapEndpoint:
    def __init__(self, groups: tuple[str, ...]):
        self.groups = groups
        self.services = [_service_class(group) for group in groups]
        self.operations = frozenset(op for group in groups for op in GROUP_OPERATIONS[group])
        self._apps: dict[str, WsgiApplication] = {}
        self._wsdl: bytes | None = None
        self._lock = threading.Lock()
        self._app("1.1")  # built at init: the common case pays nothing on the first request

    @classmethod
    def for_group(cls, group: str) -> "SoapEndpoint":
        return cls((group,))

    @classmethod
    def for_all(cls) -> "SoapEndpoint":
        return cls(tuple(SERVICE_CLASSES))

    def _app(self, version: str) -> WsgiApplication:
        app = self._apps.get(version)
        if app is None:
            with self._lock:
                app = self._apps.get(version)
                if app is None:
                    in_protocol, out_protocol = (Soap12WithSenderStatus, Soap12WithSenderStatus) if version == "1.2" else (Soap11, Soap11Faults)
                    application = Application(self.services, tns=TNS, name=SERVICE_NAME, in_protocol=in_protocol(validator="soft"), out_protocol=out_protocol())
                    app = self._apps[version] = WsgiApplication(application, max_content_length=10 * 1024 * 1024)
        return app

    def wsdl(self) -> bytes:
        if self._wsdl is None:
            with self._lock:
                if self._wsdl is None:
                    interface = self._app("1.1").doc.wsdl11
                    interface.build_interface_document(ADDRESS_PLACEHOLDER)
                    self._wsdl = dual_binding_wsdl(interface.get_interface_document())
        return self._wsdl

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Never raises: anything unexpected becomes a `Server` fault and a log line with the request id."""
        try:
            return self._fit(request, self._handle(request))
        except Exception:
            from partnerapi.observability import logger

            logger().exception("unhandled error", extra={"request_id": request.request_id})
            version = version_of(request.content_type) or "1.1"
            return self._fault(version, "Server", f"Внутренняя ошибка сервиса. Идентификатор запроса: {request.request_id}", 500)

    def _handle(self, request: HttpRequest) -> HttpResponse:
        # a refusal before the body is read is answered in the version the Content-Type names
        version = version_of(request.content_type) or "1.1"
        if request.method in ("GET", "HEAD"):
            if any(name.lower() == "wsdl" for name in request.query):
                body = with_address(self.wsdl(), request.public_url)
                return HttpResponse(200, b"" if request.method == "HEAD" else body, {"Content-Type": "text/xml; charset=utf-8"})
            from partnerapi.soap.service_page import service_page  # only a browser pays for the page's import

            page = service_page(self, request.public_url)
            return HttpResponse(200, b"" if request.method == "HEAD" else page, {"Content-Type": "text/html; charset=utf-8"})
        if request.method != "POST":
            return self._refuse(version, method_not_allowed(request.method, request.public_url))
        if request.partner_id is None:  # before the guard: an anonymous caller learns nothing about it
            return self._refuse(version, unauthenticated())
        try:
            soap = inspect(request.body, request.content_type, get_settings().max_request_bytes)
        except HostileInput as refusal:
            return self._refuse(version, refusal)
        refusal = unknown_operation(soap, self.operations, self._service_url(request.public_url))
        if refusal is not None:  # spyne would answer it with an English Client.ResourceNotFound and HTTP 500
            return self._refuse(soap.version, refusal)
        if soap.operation in WRITE_OPERATIONS and HEADER_IDEMPOTENCY_KEY in request.headers:
            return self._call_idempotent(soap.version, request)
        # API Gateway's request id: the same if the router has to invoke this function again
        return self._call_spyne(soap.version, request, request.gateway_request_id or request.request_id)

    def _service_url(self, public_url: str) -> str:
        """The single URL, from the URL this endpoint was reached at (a group's URL ends with its name)."""
        base, _, last = public_url.rstrip("/").rpartition("/")
        return base if last in self.groups and len(self.groups) == 1 else public_url.rstrip("/")

    def _call_idempotent(self, version: str, request: HttpRequest) -> HttpResponse:
        from partnerapi import idempotency

        try:
            key = idempotency.idempotency_key(request.headers) or ""
            seed = writes.idempotency_seed(key, request.body)
            return idempotency.replay_or_run(str(request.partner_id), key, request.body, lambda: self._call_spyne(version, request, seed))
        except PartnerApiError as error:
            return self._fault(version, error.faultcode, error.message, getattr(error, "status", 400))

    def _call_spyne(self, version: str, request: HttpRequest, write_seed: str = "") -> HttpResponse:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": content_type_of(version),  # the guard admitted UTF-8 only
            "CONTENT_LENGTH": str(len(request.body)),
            "wsgi.input": io.BytesIO(request.body),
            "wsgi.url_scheme": "https",
            "PATH_INFO": request.path,
            "QUERY_STRING": "",
            "SERVER_NAME": request.headers.get("host", "localhost").split(":")[0],
            "SERVER_PORT": "443",
            "HTTP_HOST": request.headers.get("host", "localhost"),
            "HTTP_SOAPACTION": request.headers.get("soapaction", ""),
            PARTNER_KEY: request.partner_id,
            REQUEST_ID_KEY: request.request_id,
            WRITE_SEED_KEY: write_seed,
        }
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"], captured["headers"] = status, headers

        body = b"".join(self._app(version)(environ, start_response))
        headers = {name: value for name, value in captured["headers"] if name.lower() != "content-length"}
        headers["Content-Type"] = content_type_of(version)
        headers.update(_XML_HEADERS)
        return HttpResponse(int(captured["status"].split()[0]), body, headers, server_fault=bool(environ.get(SERVER_FAULT_KEY)))

    def _fit(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """gzip when the client accepts it; a response that still exceeds Lambda's limit becomes a fault
        the caller can act on, never a gateway error."""
        if len(response.body) >= GZIP_MINIMUM and accepts_gzip(request.headers):
            compressed = gzip.compress(response.body, compresslevel=6)
            response = HttpResponse(response.status, compressed, {**response.headers, "Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        if payload_size(response.body) <= RESPONSE_LIMIT:
            return response
        version = version_of(request.content_type) or "1.1"
        message = (
            f"Ответ слишком велик для одного запроса ({len(response.body)} байт после кодирования). "
            "Включите сжатие ответа (Accept-Encoding: gzip) или сузьте отбор (например, по региону)"
        )
        return self._fault(version, "Client.ResponseTooLarge", message, 400)

    @classmethod
    def _refuse(cls, version: str, refusal: HostileInput) -> HttpResponse:
        return cls._fault(version, refusal.faultcode, refusal.message, refusal.status, refusal.headers, refusal.not_understood)

    @staticmethod
    def _fault(version: str, faultcode: str, message: str, status: int, extra: dict[str, str] | None = None, not_understood: tuple[tuple[str, str], ...] = ()) -> HttpResponse:
        headers = {"Content-Type": content_type_of(version), **_XML_HEADERS, **(extra or {})}
        return HttpResponse(status, fault_document(version, faultcode, message, not_understood), headers)
