"""Secrets at rest (agent passwords): AES-256-GCM under a key that is never stored in the table.

The spec returns agent passwords in plain text, so they cannot be hashed; they are sealed instead.

- AWS (`AGENT_PASSWORD_KEY_ARN`): envelope encryption with KMS. A container asks KMS for one data key
  (GenerateDataKey, AES_256) the first time it seals and re-uses it for at most `_DATA_KEY_USES`
  values; the KMS-wrapped data key travels with every sealed value. Opening unwraps the data key with
  KMS Decrypt once per container and caches it; a read of many values unwraps its distinct data keys
  in parallel. KMS binds the data keys to an encryption context, and the IAM policy allows the two
  calls only with that context.
- Sandbox (`AGENT_PASSWORD_KEY_FILE`): a 32-byte key file with mode 0600 (created by the sandbox next
  to its data file). Sealed values name the key by a fingerprint, so a value sealed with another key is
  refused before AES-GCM even runs.

The caller's `associated` text (for agent passwords: partner, kind of agent and agent id) is AES-GCM's
associated data: a sealed value copied onto another item does not open.

Sealed form, parts in base64url without padding:
`v1.kms.<wrapped data key>.<nonce>.<ciphertext+tag>` or `v1.file.<key fingerprint>.<nonce>.<ciphertext+tag>`.
"""

import base64
import hashlib
import os
import secrets
import stat
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from partnerapi.data.clients import client
from partnerapi.errors import SecretUnavailable
from partnerapi.settings import get_settings

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
KMS_CONTEXT = {"partnerapi": "agent-password"}  # the IAM policy requires exactly this context
_DATA_KEY_USES = 1 << 20  # far below AES-GCM's 2^32 random-nonce limit per key
_UNWRAPPED_CACHE = 1024
_UNWRAP_WORKERS = 8


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _aesgcm(key: bytes):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # deferred: only agent operations pay for it

    return AESGCM(key)


# --- the local key file (sandbox) -------------------------------------------------------------


def ensure_key_file(path: Path) -> Path:
    """Creates a fresh random key file readable by its owner only, unless one exists already."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _read_key_file(path)  # an existing file must be a valid key
        return path
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(secrets.token_bytes(KEY_BYTES))
    return path


def _read_key_file(path: Path) -> bytes:
    try:
        info = path.stat()
        key = path.read_bytes()
    except OSError as error:
        raise SecretUnavailable(f"agent password key file {path} cannot be read: {error.strerror}") from error
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise SecretUnavailable(f"agent password key file {path} is readable by others (mode {stat.S_IMODE(info.st_mode):o}); it must be 0600")
    if len(key) != KEY_BYTES:
        raise SecretUnavailable(f"agent password key file {path} must hold exactly {KEY_BYTES} bytes")
    return key


def _fingerprint(key: bytes) -> str:
    return hashlib.sha256(b"partnerapi-key-id" + key).hexdigest()[:16]


# --- the sealer ------------------------------------------------------------------------------------


@dataclass
class _DataKey:
    plaintext: bytes
    wrapped: bytes
    uses: int = 0


class _Sealer:
    """Per-process state: the current KMS data key, unwrapped data keys, the key file's key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data_keys: dict[str, _DataKey] = {}  # KMS key ARN → current data key
        self._unwrapped: OrderedDict[tuple[str, bytes], bytes] = OrderedDict()
        self._file_keys: dict[str, bytes] = {}

    # KMS
    def _kms_error(self, what: str, error: Exception) -> SecretUnavailable:
        code = error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else type(error).__name__
        return SecretUnavailable(f"KMS {what} failed: {code}")

    def _current_data_key(self, key_arn: str) -> _DataKey:
        with self._lock:
            current = self._data_keys.get(key_arn)
            if current is None or current.uses >= _DATA_KEY_USES:
                try:
                    answer = client("kms").generate_data_key(KeyId=key_arn, KeySpec="AES_256", EncryptionContext=KMS_CONTEXT)
                except (ClientError, BotoCoreError) as error:
                    raise self._kms_error("GenerateDataKey", error) from error
                current = self._data_keys[key_arn] = _DataKey(answer["Plaintext"], answer["CiphertextBlob"])
                self._remember(key_arn, current.wrapped, current.plaintext)
            current.uses += 1
            return current

    def _remember(self, key_arn: str, wrapped: bytes, plaintext: bytes) -> None:
        self._unwrapped[(key_arn, wrapped)] = plaintext
        self._unwrapped.move_to_end((key_arn, wrapped))
        while len(self._unwrapped) > _UNWRAPPED_CACHE:
            self._unwrapped.popitem(last=False)

    def _cached(self, key_arn: str, wrapped: bytes) -> bytes | None:
        with self._lock:
            return self._unwrapped.get((key_arn, wrapped))

    def _unwrap(self, key_arn: str, wrapped: bytes) -> bytes:
        cached = self._cached(key_arn, wrapped)
        if cached is not None:
            return cached
        try:
            answer = client("kms").decrypt(CiphertextBlob=wrapped, KeyId=key_arn, EncryptionContext=KMS_CONTEXT)
        except (ClientError, BotoCoreError) as error:
            raise self._kms_error("Decrypt", error) from error
        with self._lock:
            self._remember(key_arn, wrapped, answer["Plaintext"])
        return answer["Plaintext"]

    # key file
    def _file_key(self, path: str) -> bytes:
        with self._lock:
            key = self._file_keys.get(path)
            if key is None:
                key = self._file_keys[path] = _read_key_file(Path(path))
            return key

    def forget(self) -> None:
        with self._lock:
            self._data_keys.clear()
            self._unwrapped.clear()
            self._file_keys.clear()

    # sealing and opening
    def seal(self, plaintext: str, associated: str) -> str:
        settings = get_settings()
        nonce = secrets.token_bytes(NONCE_BYTES)
        if settings.agent_password_key_arn:
            data_key = self._current_data_key(settings.agent_password_key_arn)
            sealed = _aesgcm(data_key.plaintext).encrypt(nonce, plaintext.encode("utf-8"), associated.encode("utf-8"))
            return ".".join((VERSION, "kms", _b64(data_key.wrapped), _b64(nonce), _b64(sealed)))
        if settings.agent_password_key_file:
            key = self._file_key(settings.agent_password_key_file)
            sealed = _aesgcm(key).encrypt(nonce, plaintext.encode("utf-8"), associated.encode("utf-8"))
            return ".".join((VERSION, "file", _fingerprint(key), _b64(nonce), _b64(sealed)))
        raise SecretUnavailable("no key for agent passwords: set AGENT_PASSWORD_KEY_ARN (AWS) or AGENT_PASSWORD_KEY_FILE (sandbox)")

    def open_many(self, values: list[tuple[str, str]]) -> list[str]:
        """Opens (sealed, associated) pairs in order; distinct KMS data keys are unwrapped in parallel."""
        parsed = [_parse(sealed) for sealed, _ in values]
        associated = [text for _, text in values]
        settings = get_settings()
        keys: dict[tuple[str, str], bytes] = {}
        wrapped = {part for scheme, part, _, _ in parsed if scheme == "kms"}
        if wrapped:
            if not settings.agent_password_key_arn:
                raise SecretUnavailable("a password sealed with KMS cannot be opened: AGENT_PASSWORD_KEY_ARN is not set")
            arn = settings.agent_password_key_arn
            missing = [part for part in wrapped if self._cached(arn, _unb64(part)) is None]
            if len(missing) > 1:
                with ThreadPoolExecutor(max_workers=min(_UNWRAP_WORKERS, len(missing))) as pool:
                    list(pool.map(lambda part: self._unwrap(arn, _unb64(part)), missing))
            for part in wrapped:
                keys[("kms", part)] = self._unwrap(arn, _unb64(part))
        if any(scheme == "file" for scheme, _, _, _ in parsed):
            if not settings.agent_password_key_file:
                raise SecretUnavailable("a password sealed with a key file cannot be opened: AGENT_PASSWORD_KEY_FILE is not set")
            key = self._file_key(settings.agent_password_key_file)
            keys[("file", _fingerprint(key))] = key
        opened = []
        for (scheme, part, nonce, sealed), text in zip(parsed, associated, strict=True):
            key = keys.get((scheme, part))
            if key is None:
                raise SecretUnavailable("a password was sealed with another key file than AGENT_PASSWORD_KEY_FILE")
            opened.append(_open(key, nonce, sealed, text))
        return opened


def _parse(sealed: str) -> tuple[str, str, bytes, bytes]:
    parts = sealed.split(".") if isinstance(sealed, str) else []
    if len(parts) != 5 or parts[0] != VERSION or parts[1] not in ("kms", "file"):
        raise SecretUnavailable("a stored password is not in the sealed form")
    try:
        return parts[1], parts[2], _unb64(parts[3]), _unb64(parts[4])
    except ValueError as error:
        raise SecretUnavailable("a stored password is not in the sealed form") from error


def _open(key: bytes, nonce: bytes, sealed: bytes, associated: str) -> str:
    from cryptography.exceptions import InvalidTag

    try:
        return _aesgcm(key).decrypt(nonce, sealed, associated.encode("utf-8")).decode("utf-8")
    except InvalidTag as error:
        raise SecretUnavailable("a stored password does not open with this key and owner (tampered, moved or another key)") from error


_SEALER = _Sealer()


def seal(plaintext: str, associated: str) -> str:
    return _SEALER.seal(plaintext, associated)


def open_sealed(sealed: str, associated: str) -> str:
    return _SEALER.open_many([(sealed, associated)])[0]


def open_many(values: list[tuple[str, str]]) -> list[str]:
    return _SEALER.open_many(values)


def forget_keys() -> None:
    """Drops every cached key (tests switch keys; the sandbox never needs it)."""
    _SEALER.forget()
