"""The local sandbox: emulated AWS + demo data (or a data file) + the gateway, as one process."""

import signal
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from partnerapi_ops import REPO_ROOT
from partnerapi_ops.agents_provisioning import sandbox_password_key
from partnerapi_ops.emulation import MotoServer, apply_environment, create_resources, export_state, import_state, local_environment
from partnerapi_ops.its_registry import import_registry
from partnerapi_ops.provisioning import load_fixture

DEMO_FIXTURE = REPO_ROOT / "infra" / "fixtures" / "demo.json"
DEMO_ITS_REGISTRY = REPO_ROOT / "infra" / "fixtures" / "its-demo.csv"
DEMO_CREDENTIALS = (("demo", "demo"), ("demo2", "demo2"))


def load_demo_statistics(fixture: Path) -> dict[str, int]:
    """The last two months of calls, remote access, SIP calls and chats of the fixture's partners:
    validated and turned into items and chat transcripts by the ingest function's own code
    (partnerapi.logic.ingest), so they are what `partnerapi ingest` stores, then loaded straight into
    the emulation as a data file is. Through the API (~1000 conditional puts over HTTP) they took
    ~10 s of CPU, most of a first start. A record id seen before is skipped, as ingest skips it."""
    import base64
    import json

    from partnerapi.data.table import table_name, to_item
    from partnerapi.events import ChatSession, ColleagueChatSession, parse_record
    from partnerapi.logic import ingest

    from partnerapi_ops.demo_events import generate
    from partnerapi_ops.emulation import load_state

    items: list[dict[str, Any]] = []
    transcripts: list[dict[str, str]] = []
    claimed: set[str] = set()  # marker keys: one record per id
    for record in map(parse_record, generate(json.loads(Path(fixture).read_text(encoding="utf-8")))):
        if isinstance(record, ChatSession | ColleagueChatSession):
            body, key = ingest.transcript_bytes(record), ingest.transcript_key(record)
            data = ingest.chat_index_item(record, key, len(body))
            marker, rest = ingest.marker_item(record, data), [data]
            transcript = {"key": key, "body": base64.b64encode(body).decode()}
        else:
            data, marker, month = ingest.items_of(record)
            rest, transcript = [data, month], None
        if marker["PK"] in claimed:
            continue
        claimed.add(marker["PK"])
        items += [marker, *rest]
        if transcript:
            transcripts.append(transcript)
    return load_state({"tables": {table_name(): [to_item(item) for item in items]}, "buckets": {"ChatHistoryBucket": transcripts}})


@contextmanager
def emulated_aws(data: Path | None = None, seed_demo: bool = True, holder: dict[str, Any] | None = None) -> Iterator[str]:
    """moto on loopback with the template's resources; loads `data` if it exists, else the demo
    fixture; writes everything back to `data` on a clean exit. Yields the emulation's endpoint.

    With `data`, holds its lock (persistence.DataFileLock, described by `holder`) throughout: raises
    persistence.DataFileBusy before anything starts if another process holds the file."""
    from partnerapi_ops.persistence import holding

    with ExitStack() as stack:
        lock = stack.enter_context(holding(Path(data), **(holder or {}))) if data is not None else None
        moto = MotoServer()
        endpoint = moto.start()
        stack.callback(moto.stop)
        apply_environment(local_environment(endpoint))
        with sandbox_password_key(data):  # agent passwords are sealed with a key file, never in `data`
            create_resources()
            if data is not None and Path(data).exists():
                import_state(Path(data))
            elif seed_demo:
                load_fixture(DEMO_FIXTURE)
                import_registry(DEMO_ITS_REGISTRY, progress=False)
                load_demo_statistics(DEMO_FIXTURE)
            if lock is not None:
                lock.describe(environment=operator_environment(endpoint))  # how a refused command can act on it instead
            yield endpoint
            if data is not None:
                export_state(Path(data))


def operator_environment(endpoint: str) -> str:
    """What `partnerapi …` (without --data) needs to act on this emulation, as one shell assignment list."""
    environment = local_environment(endpoint)
    names = ("AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ENTITIES_TABLE", "CREDENTIALS_TABLE")
    return " ".join(f"{name}={environment[name]}" for name in names)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # Ctrl-C, kill / systemd / docker stop, a closed terminal


def listen(host: str, port: int) -> socket.socket:
    """The sandbox's listening socket, bound before anything else starts so that a busy port is
    reported at once (OSError). Requests that arrive during start-up wait in its backlog."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: a restart need not wait for TIME_WAIT
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def serve(app: Any, sock: socket.socket, grace_seconds: float = 5) -> None:
    """uvicorn on `sock` until SIGINT, SIGTERM or SIGHUP: it stops accepting, gives running requests
    `grace_seconds` (a second signal: none) and returns, so the caller can save the data file."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            # uvicorn's own re-raises the signal after shutdown (exit code -15, data unsaved) and ignores SIGHUP;
            # these handlers stay installed, so a signal during the final save only repeats the request to stop
            for number in STOP_SIGNALS:
                signal.signal(number, self.handle_exit)
            yield

        def handle_exit(self, sig: int, frame: Any) -> None:
            self.force_exit = self.should_exit
            self.should_exit = True

    Server(uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=grace_seconds)).run(sockets=[sock])
