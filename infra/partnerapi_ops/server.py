"""The sandbox's HTTP server: FastAPI in front of the local gateway (dev only, never on Lambda)."""

import threading
from typing import Any

from partnerapi.settings import get_settings
from partnerapi.soap.envelope import content_type_of, fault_document, request_too_large, version_of

from partnerapi_ops.gateway import LocalGateway


async def read_capped(request: Any, limit: int) -> bytes | None:
    """The body, or None once it is known to exceed `limit`: from Content-Length before reading a
    byte, else (chunked) as soon as the bytes read pass it. API Gateway refuses too, before any function."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(gateway: LocalGateway) -> Any:
    from fastapi import FastAPI, Request, Response
    from starlette.concurrency import run_in_threadpool

    app = FastAPI(title="PartnerAPI sandbox", docs_url=None, redoc_url=None, openapi_url=None)

    @app.api_route("/{path:path}", methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
    async def proxy(request: Request, path: str) -> Response:
        limit = get_settings().max_request_bytes
        body = await read_capped(request, limit)
        if body is None:
            # the rest of the body stays unread, so the connection cannot carry another request
            version = version_of(request.headers.get("content-type", "")) or "1.1"
            refusal = request_too_large(limit)
            headers = {"Content-Type": content_type_of(version), "Cache-Control": "no-store", "Connection": "close"}
            return Response(content=fault_document(version, refusal.faultcode, refusal.message), status_code=refusal.status, headers=headers)
        peer = request.client.host if request.client else "127.0.0.1"
        headers = dict(request.headers)
        headers.setdefault("x-forwarded-proto", request.url.scheme)
        result = await run_in_threadpool(gateway.handle, request.method, "/" + path, dict(request.query_params), headers, body, peer)
        return Response(content=result.body, status_code=result.status, headers=result.headers)

    return app


class BackgroundServer:
    """uvicorn in a thread; used by the tests and benchmarks to run the real HTTP server."""

    def __init__(self, gateway: LocalGateway, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        self._server = uvicorn.Server(uvicorn.Config(create_app(gateway), host=host, port=port, log_level="warning", access_log=False))
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self.url = ""

    def start(self) -> str:
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the sandbox server did not start")
            self._thread.join(0.02)
        host, port = self._server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"http://{host}:{port}"
        return self.url

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
