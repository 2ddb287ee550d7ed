"""Environment variables as a validated, immutable model, read on first use (never at import).

A frozen dataclass rather than a pydantic model: pydantic's import and schema build cost ~90 ms of
every cold start (bench/cold_start.py), a third of the budget over the floor of a SOAP function.
The checks are the same: types, bounds, and a clear error naming the variable.
"""

import os
from dataclasses import dataclass, fields
from functools import lru_cache


class SettingsError(ValueError):
    """A malformed environment variable: the function cannot start."""


@dataclass(frozen=True)
class Settings:
    entities_table: str = ""
    credentials_table: str = ""
    chat_history_bucket: str = ""
    aws_endpoint_url: str | None = None
    # SOAP request bodies above this size are refused before parsing.
    max_request_bytes: int = 1024 * 1024

    def __post_init__(self) -> None:
        for name, maximum in (("entities_table", 255), ("credentials_table", 255), ("chat_history_bucket", 63)):
            if len(getattr(self, name)) > maximum:
                raise SettingsError(f"{ENVIRONMENT_NAMES[name]} is longer than {maximum} characters")
        if not 4096 <= self.max_request_bytes <= 10 * 1024 * 1024:
            raise SettingsError("MAX_REQUEST_BYTES must be between 4096 and 10485760")
        if self.aws_endpoint_url is not None and not self.aws_endpoint_url.startswith(("http://", "https://")):
            raise SettingsError("AWS_ENDPOINT_URL must be an http(s) URL")


ENVIRONMENT_NAMES = {
    "entities_table": "ENTITIES_TABLE",
    "credentials_table": "CREDENTIALS_TABLE",
    "chat_history_bucket": "CHAT_HISTORY_BUCKET",
    "aws_endpoint_url": "AWS_ENDPOINT_URL",
    "max_request_bytes": "MAX_REQUEST_BYTES",
}


def _convert(field_type: object, name: str, raw: str) -> object:
    if field_type in (int, "int"):
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    return raw


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    values = {}
    for field in fields(Settings):
        name = ENVIRONMENT_NAMES[field.name]
        raw = os.environ.get(name)
        if raw:
            values[field.name] = _convert(field.type, name, raw)
    return Settings(**values)
