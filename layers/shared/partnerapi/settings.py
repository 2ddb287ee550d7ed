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
    # Powertools' idempotency records of the Idempotency-Key header (partnerapi/idempotency.py)
    idempotency_table: str = ""
    aws_endpoint_url: str | None = None
    # SOAP request bodies above this size are refused before parsing.
    max_request_bytes: int = 1024 * 1024
    # Agent passwords are sealed with a KMS data key (AWS) or with a local 32-byte key file (sandbox).
    agent_password_key_arn: str = ""
    agent_password_key_file: str = ""
    # account_access_email_notify: total time budget of one SMTP delivery, and the sandbox's exceptions
    # (loopback targets on any port, optionally without certificate checks) to the egress rules.
    smtp_timeout_seconds: int = 10
    smtp_allow_loopback: bool = False
    smtp_verify_loopback_tls: bool = True
    smtp_ca_file: str = ""

    def __post_init__(self) -> None:
        for name, maximum in (("entities_table", 255), ("credentials_table", 255), ("idempotency_table", 255), ("chat_history_bucket", 63)):
            if len(getattr(self, name)) > maximum:
                raise SettingsError(f"{ENVIRONMENT_NAMES[name]} is longer than {maximum} characters")
        if not 4096 <= self.max_request_bytes <= 10 * 1024 * 1024:
            raise SettingsError("MAX_REQUEST_BYTES must be between 4096 and 10485760")
        if self.aws_endpoint_url is not None and not self.aws_endpoint_url.startswith(("http://", "https://")):
            raise SettingsError("AWS_ENDPOINT_URL must be an http(s) URL")
        if self.agent_password_key_arn and self.agent_password_key_file:
            raise SettingsError("set AGENT_PASSWORD_KEY_ARN (AWS) or AGENT_PASSWORD_KEY_FILE (sandbox), not both")
        if not 1 <= self.smtp_timeout_seconds <= 25:
            raise SettingsError("SMTP_TIMEOUT_SECONDS must be between 1 and 25 (the API answers within 29 s)")


ENVIRONMENT_NAMES = {
    "entities_table": "ENTITIES_TABLE",
    "credentials_table": "CREDENTIALS_TABLE",
    "chat_history_bucket": "CHAT_HISTORY_BUCKET",
    "idempotency_table": "IDEMPOTENCY_TABLE",
    "aws_endpoint_url": "AWS_ENDPOINT_URL",
    "max_request_bytes": "MAX_REQUEST_BYTES",
    "agent_password_key_arn": "AGENT_PASSWORD_KEY_ARN",
    "agent_password_key_file": "AGENT_PASSWORD_KEY_FILE",
    "smtp_timeout_seconds": "SMTP_TIMEOUT_SECONDS",
    "smtp_allow_loopback": "SMTP_ALLOW_LOOPBACK",
    "smtp_verify_loopback_tls": "SMTP_VERIFY_LOOPBACK_TLS",
    "smtp_ca_file": "SMTP_CA_FILE",
}


def _convert(field_type: object, name: str, raw: str) -> object:
    if field_type in (bool, "bool"):
        if raw.lower() in ("1", "true", "yes"):
            return True
        if raw.lower() in ("0", "false", "no"):
            return False
        raise SettingsError(f"{name} must be 1 or 0, got {raw!r}")
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
