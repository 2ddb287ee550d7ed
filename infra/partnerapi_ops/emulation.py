"""The local AWS: moto's server on loopback, resources created from template.yaml, state kept in a file.

Also points the shared layer at it through the same environment variables a Lambda gets, so the
code that runs here is the code that runs on AWS.
"""

import base64
import copy
import os
from functools import cache
from pathlib import Path
from typing import Any

from partnerapi.data.clients import client, reset_clients

from partnerapi_ops import REPO_ROOT
from partnerapi_ops.template import bucket_names, function_names, table_definitions

REGION = "eu-central-1"
LOCAL_BUCKET_NAMES = {"ChatHistoryBucket": "partnerapi-chat-history-local"}
FUNCTION_GROUPS = {"ReferenceFunction": "reference", "PartnersFunction": "partners", "ClientsFunction": "clients", "AgentsFunction": "agents", "ServicesFunction": "services", "StatisticsFunction": "statistics"}


def local_environment(endpoint_url: str | None) -> dict[str, str]:
    """What template.yaml gives each function, with local names, plus the emulation's endpoint."""
    environment = {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "sandbox",
        "AWS_SECRET_ACCESS_KEY": "sandbox",
        "ENTITIES_TABLE": "EntitiesTable",
        "CREDENTIALS_TABLE": "CredentialsTable",
        "IDEMPOTENCY_TABLE": "IdempotencyTable",
        "CHAT_HISTORY_BUCKET": LOCAL_BUCKET_NAMES["ChatHistoryBucket"],
        "POWERTOOLS_SERVICE_NAME": "partnerapi",
        "POWERTOOLS_METRICS_NAMESPACE": "PartnerAPI",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        # sandbox only (not in template.yaml): account_access_email_notify may reach SMTP servers on
        # loopback, on any port and with self-signed certificates; every other egress rule stays
        "SMTP_ALLOW_LOOPBACK": "1",
        "SMTP_VERIFY_LOOPBACK_TLS": "0",
        # set by the Lambda runtime; the X-Ray SDK then samples locally instead of building an X-Ray client
        # (a botocore session: ~0.3 s of CPU) when Powertools' Tracer imports it, tracing disabled or not
        "LAMBDA_TASK_ROOT": str(REPO_ROOT / "functions"),
    }
    for logical_id, group in FUNCTION_GROUPS.items():
        environment[f"GROUP_FUNCTION_{group.upper()}"] = logical_id
    if endpoint_url:
        environment["AWS_ENDPOINT_URL"] = endpoint_url
    return environment


def apply_environment(environment: dict[str, str]) -> None:
    os.environ.update(environment)
    reset_clients()


@cache
def _template_resources() -> tuple[dict[str, dict[str, Any]], tuple[str, ...]]:
    # each parse of template.yaml costs ~0.1 s of CPU; the sandbox needs these at every save of its data file
    return table_definitions(), tuple(bucket_names())


def local_tables() -> dict[str, dict[str, Any]]:
    """CreateTable arguments per table of template.yaml (logical id = local name), read once per process."""
    return copy.deepcopy(_template_resources()[0])


def local_buckets() -> dict[str, str]:
    """Local bucket name per bucket of template.yaml (logical id), read once per process."""
    return {logical_id: LOCAL_BUCKET_NAMES.get(logical_id, logical_id.lower()) for logical_id in _template_resources()[1]}


def create_resources() -> None:
    """Tables, buckets and queues exactly as template.yaml declares them (idempotent)."""
    dynamodb = client("dynamodb")
    existing = set(dynamodb.list_tables().get("TableNames", []))
    for logical_id, definition in local_tables().items():
        if logical_id not in existing:
            dynamodb.create_table(TableName=logical_id, **definition)
    s3 = client("s3")
    for name in local_buckets().values():
        try:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
    from partnerapi_ops.queues import create_queues

    create_queues()


def serialize_moto_dynamodb() -> None:
    """Kept for callers of the old name; the emulation applies all of partnerapi_ops.moto_dynamodb."""
    from partnerapi_ops.moto_dynamodb import serialize_moto_dynamodb as serialize

    serialize()


class MotoServer:
    """moto's server on 127.0.0.1 on a free port, for the sandbox's lifetime."""

    def __init__(self) -> None:
        import logging

        from moto.moto_server.threaded_moto_server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per emulated AWS call is noise

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.url = ""

    def start(self) -> str:
        from partnerapi_ops.moto_dynamodb import patch_moto_dynamodb

        patch_moto_dynamodb()  # the same emulation as the tests' `aws` fixture
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        return self.url

    def stop(self) -> None:
        self._server.stop()


def export_state(path: Path) -> dict[str, int]:
    """Writes every item and object to a JSON file, durably (persistence.py). Sandbox only: it reads
    moto's in-process backends."""
    from partnerapi_ops.persistence import export_data

    return export_data(Path(path))


def import_state(path: Path) -> dict[str, int]:
    """Loads a data file (export_state's format) into the emulation (load_state)."""
    from partnerapi_ops.persistence import no_gc, read_state

    with no_gc():  # a large file is millions of small objects
        return load_state(read_state(Path(path)))


def load_state(state: dict[str, Any]) -> dict[str, int]:
    """Puts the items and objects of a state (the data file's format) straight into moto's in-process
    backends, as its PutItem and PutObject handlers would: 100 000 items load in seconds instead of
    minutes over HTTP. Sandbox only."""
    from partnerapi_ops.persistence import dynamodb_request_lock, moto_backends, no_gc

    dynamodb, s3 = moto_backends()
    counts = {}
    with no_gc():
        for logical_id, items in state.get("tables", {}).items():
            for start in range(0, len(items), 1000):
                with dynamodb_request_lock():
                    for item in items[start : start + 1000]:
                        dynamodb.put_item(logical_id, item, overwrite=True)
            counts[logical_id] = len(items)
    for logical_id, objects in state.get("buckets", {}).items():
        name = LOCAL_BUCKET_NAMES.get(logical_id, logical_id.lower())
        for entry in objects:
            s3.put_object(name, entry["key"], base64.b64decode(entry["body"]))
        counts[logical_id] = len(objects)
    return counts


__all__ = [
    "MotoServer", "apply_environment", "create_resources", "export_state", "function_names", "import_state", "load_state", "local_buckets", "local_environment", "local_tables",
]  # fmt: skip
