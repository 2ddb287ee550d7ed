"""The local sandbox: emulated AWS + demo data (or a data file) + the gateway, as one process."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from partnerapi_ops import REPO_ROOT
from partnerapi_ops.agents_provisioning import sandbox_password_key
from partnerapi_ops.emulation import MotoServer, apply_environment, create_resources, export_state, import_state, local_environment
from partnerapi_ops.its_registry import import_registry
from partnerapi_ops.provisioning import load_fixture

DEMO_FIXTURE = REPO_ROOT / "infra" / "fixtures" / "demo.json"
DEMO_ITS_REGISTRY = REPO_ROOT / "infra" / "fixtures" / "its-demo.csv"
DEMO_CREDENTIALS = (("demo", "demo"), ("demo2", "demo2"))


def load_demo_statistics(fixture: Path) -> dict:
    """The last two months of calls, remote access, SIP calls and chats of the fixture's partners,
    stored through the ingest path (partnerapi.logic.ingest), as `partnerapi ingest` would."""
    import json

    from partnerapi_ops.demo_events import generate
    from partnerapi_ops.ingest_cli import ingest_lines

    records = generate(json.loads(Path(fixture).read_text(encoding="utf-8")))
    return ingest_lines(((number, json.dumps(record, ensure_ascii=False)) for number, record in enumerate(records, start=1)), workers=4)


@contextmanager
def emulated_aws(data: Path | None = None, seed_demo: bool = True) -> Iterator[str]:
    """moto on loopback with the template's resources; loads `data` if it exists, else the demo
    fixture; writes everything back to `data` on a clean exit. Yields the emulation's endpoint."""
    moto = MotoServer()
    endpoint = moto.start()
    apply_environment(local_environment(endpoint))
    try:
        with sandbox_password_key(data):  # agent passwords are sealed with a key file, never in `data`
            create_resources()
            if data is not None and Path(data).exists():
                import_state(Path(data))
            elif seed_demo:
                load_fixture(DEMO_FIXTURE)
                import_registry(DEMO_ITS_REGISTRY, progress=False)
                load_demo_statistics(DEMO_FIXTURE)
            yield endpoint
            if data is not None:
                export_state(Path(data))
    finally:
        moto.stop()
