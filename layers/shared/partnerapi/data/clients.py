"""boto3 clients, created on first use and cached (cold starts stay lean, tests can swap endpoints)."""

from functools import cache
from typing import Any

from botocore.config import Config

from partnerapi.settings import get_settings

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=2, read_timeout=10)


@cache
def client(service: str) -> Any:
    import boto3  # deferred: only code paths that touch AWS pay for it

    return boto3.session.Session().client(service, endpoint_url=get_settings().aws_endpoint_url, config=_CONFIG)


def reset_clients() -> None:
    """Forget cached clients and settings (tests and the sandbox switch endpoints)."""
    client.cache_clear()
    get_settings.cache_clear()
