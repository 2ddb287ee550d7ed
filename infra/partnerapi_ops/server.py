"""The sandbox's HTTP server: FastAPI in front of the local gateway (dev only, never on Lambda)."""

import threading
from typing import Any

from partnerapi_ops.gateway import LocalGateway


def create_app(gateway: LocalGateway) -> Any:
    from fastapi import FastAPI, Request, Response
    from starlette.concurrency import run_in_threadpool

    app = FastAPI(title="PartnerAPI sandbox", docs_url=None, redoc_url=None, openapi_url=None)

    @app.api_route("/{path:path}", methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
    async def proxy(request: Request, path: str) -> Response:
        body = await request.body()
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
