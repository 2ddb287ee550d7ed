"""The chat history bucket (chat transcripts, call recordings), with the low-level S3 client.

S3 `ClientError` codes become domain results or exceptions here, as data/table.py does for DynamoDB.
"""

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from partnerapi.data.clients import client
from partnerapi.data.table import CallCounter
from partnerapi.errors import InternalError, StorageUnavailable
from partnerapi.settings import get_settings

_RETRYABLE = frozenset({"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "ConditionalRequestConflict"})
PRESIGNED_URL_SECONDS = 3600
_READERS = 8  # parallel GetObject calls of one request


def bucket_name() -> str:
    name = get_settings().chat_history_bucket
    if not name:
        raise InternalError("CHAT_HISTORY_BUCKET is not configured")
    return name


def _call(operation: str, **kwargs: Any) -> dict[str, Any]:
    CallCounter.add(f"s3.{operation}")
    try:
        return getattr(client("s3"), operation)(Bucket=bucket_name(), **kwargs)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in _RETRYABLE:
            raise StorageUnavailable(f"S3 {operation}: {code}") from error
        raise


def put_new(key: str, body: bytes, content_type: str = "application/json; charset=utf-8") -> bool:
    """Writes an object unless one exists under the key (S3 conditional write, If-None-Match: *).
    False when it already existed: a redelivered record does not write a second version."""
    try:
        _call("put_object", Key=key, Body=body, ContentType=content_type, IfNoneMatch="*")
    except ClientError as error:
        if error.response.get("Error", {}).get("Code", "") == "PreconditionFailed":
            return False
        raise
    return True


def read(key: str) -> bytes:
    return _call("get_object", Key=key)["Body"].read()


def read_many(keys: Iterable[str]) -> list[bytes]:
    """The objects' bodies in the order of `keys`, read in parallel."""
    wanted = list(keys)
    if len(wanted) <= 1:
        return [read(key) for key in wanted]
    client("s3")  # created once, before the threads share it (boto3 clients are thread-safe)
    with ThreadPoolExecutor(max_workers=min(_READERS, len(wanted))) as pool:
        return list(pool.map(read, wanted))


def presigned_url(key: str, seconds: int = PRESIGNED_URL_SECONDS) -> str:
    """A time-limited GET link to one object; signed locally, no call to S3."""
    return client("s3").generate_presigned_url("get_object", Params={"Bucket": bucket_name(), "Key": key}, ExpiresIn=seconds)
