"""Environment variables as a validated model, read on first use (never at import)."""

import os
from functools import lru_cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    entities_table: str = Field(default="", max_length=255)
    credentials_table: str = Field(default="", max_length=255)
    chat_history_bucket: str = Field(default="", max_length=63)
    aws_endpoint_url: str | None = None
    # SOAP request bodies above this size are refused before parsing.
    max_request_bytes: int = Field(default=1024 * 1024, ge=4096, le=10 * 1024 * 1024)


ENVIRONMENT_NAMES = {
    "entities_table": "ENTITIES_TABLE",
    "credentials_table": "CREDENTIALS_TABLE",
    "chat_history_bucket": "CHAT_HISTORY_BUCKET",
    "aws_endpoint_url": "AWS_ENDPOINT_URL",
    "max_request_bytes": "MAX_REQUEST_BYTES",
}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    values = {field: os.environ[name] for field, name in ENVIRONMENT_NAMES.items() if os.environ.get(name)}
    return Settings.model_validate(values)
