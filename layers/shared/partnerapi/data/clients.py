"""boto3 clients, created on first use and cached (cold starts stay lean, tests can swap endpoints)."""

import threading
from collections.abc import Callable
from functools import cache
from typing import Any

from botocore.config import Config

from partnerapi.settings import get_settings

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=2, read_timeout=10)
# the router waits for a group function as long as API Gateway waits (29 s): a shorter read timeout
# would make botocore invoke the function a second time while the first still runs
_SERVICE_CONFIGS = {"lambda": Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=2, read_timeout=35)}
# called with (service, client) for every new client: the fault-injection harness attaches here
_creation_hooks: list[Callable[[str, Any], None]] = []


class _Attempts(threading.local):
    """Whether an attempt of the current storage call may have been executed without us learning its
    outcome (a read timeout, a dropped connection, a 5xx): botocore then retries, and a condition that
    fails on the retry may have failed because of our own first attempt."""

    ambiguous = False


attempts = _Attempts()


def _observe_attempt(response: Any = None, caught_exception: Exception | None = None, **_: Any) -> None:
    from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError

    if caught_exception is not None:
        # a request that never reached the service cannot have been executed
        if not isinstance(caught_exception, ConnectTimeoutError | EndpointConnectionError):
            attempts.ambiguous = True
    elif response is not None and response[0].status_code >= 500:
        attempts.ambiguous = True
    return None  # an observer: botocore's own retry handler decides


_session_lock = threading.Lock()


@cache
def _session() -> Any:
    """One boto3 session per process: each new session parses botocore's service models and endpoint
    data again (~0.15 s a client), which every reset_clients() would otherwise pay."""
    import boto3  # deferred: only code paths that touch AWS pay for it

    return boto3.session.Session()


@cache
def client(service: str) -> Any:
    with _session_lock:  # a boto3 session is not safe for concurrent client creation
        created = _session().client(service, endpoint_url=get_settings().aws_endpoint_url, config=_SERVICE_CONFIGS.get(service, _CONFIG))
    if service == "dynamodb":
        created.meta.events.register_first("needs-retry.dynamodb", _observe_attempt)
    for hook in _creation_hooks:
        hook(service, created)
    return created


def add_creation_hook(hook: Callable[[str, Any], None]) -> None:
    """Runs `hook(service, client)` on every client created from now on (tests inject faults with it)."""
    _creation_hooks.append(hook)


def remove_creation_hook(hook: Callable[[str, Any], None]) -> None:
    if hook in _creation_hooks:
        _creation_hooks.remove(hook)


def reset_clients() -> None:
    """Forget cached clients and settings (tests and the sandbox switch endpoints)."""
    client.cache_clear()
    get_settings.cache_clear()
