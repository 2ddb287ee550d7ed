"""Agent passwords: what is generated, what is accepted, and the sandbox's way of sealing them (a 0600
key file, AES-256-GCM bound to partner + agent); the settings that choose the key."""

import os
import re
import stat

import pytest
from partnerapi.data import secrets
from partnerapi.data.clients import reset_clients
from partnerapi.errors import InvalidParameter, SecretUnavailable
from partnerapi.logic import agents
from partnerapi.settings import SettingsError, get_settings

PARTNER, AGENT, OTHER_AGENT = "a1b2c3d4-0000-4000-8000-000000000001", "a6e00000-0000-4000-8000-000000000101", "a6e00000-0000-4000-8000-000000000102"


@pytest.fixture
def key_file(tmp_path, monkeypatch):
    """The sandbox's configuration: a fresh key file, no KMS key."""
    path = secrets.ensure_key_file(tmp_path / "keys" / "agent-passwords.key")
    monkeypatch.delenv("AGENT_PASSWORD_KEY_ARN", raising=False)
    monkeypatch.setenv("AGENT_PASSWORD_KEY_FILE", str(path))
    reset_clients()
    secrets.forget_keys()
    yield path
    reset_clients()
    secrets.forget_keys()


def use_key_file(monkeypatch, path) -> None:
    monkeypatch.setenv("AGENT_PASSWORD_KEY_FILE", str(path))
    reset_clients()
    secrets.forget_keys()


# --- generated and given passwords ---------------------------------------------------------------


def test_generated_passwords_are_long_random_and_free_of_look_alikes():
    generated = [agents.generate_password() for _ in range(2000)]
    assert len(set(generated)) == len(generated)
    for password in generated:
        assert len(password) == 12 and re.fullmatch(r"[a-z2-9]+", password)
        assert not set(password) & set("0o1lI")
    # every symbol of the alphabet shows up: the choice is not skewed to a few of them
    assert set("".join(generated)) == set(agents.PASSWORD_ALPHABET)
    assert len(agents.PASSWORD_ALPHABET) ** agents.PASSWORD_LENGTH > 2**58


@pytest.mark.parametrize("given", [None, "", "   ", "\t"])
def test_an_empty_password_is_generated(given):
    assert re.fullmatch(f"[{agents.PASSWORD_ALPHABET}]{{12}}", agents.password_or_generated(given, "agent_partner_password"))


@pytest.mark.parametrize("given", ["1", "123456", "Пароль с пробелами", "p@ss<w>rd&'\"", "x" * 64])
def test_a_given_password_is_kept_as_it_is(given):
    assert agents.password_or_generated(given, "agent_user_password") == given


@pytest.mark.parametrize("given", ["x" * 65, "line\nbreak", "nul\x00byte", "bell\x07"])
def test_a_password_too_long_or_with_control_characters_is_refused(given):
    with pytest.raises(InvalidParameter) as refused:
        agents.password_or_generated(given, "agent_user_password")
    assert "agent_user_password" in refused.value.message


# --- the key file ---------------------------------------------------------------------------------------


def test_the_key_file_is_32_random_bytes_readable_by_its_owner_only(key_file, tmp_path):
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and key_file.stat().st_size == 32
    other = secrets.ensure_key_file(tmp_path / "other.key")
    assert other.read_bytes() != key_file.read_bytes()
    # an existing key is kept, never overwritten
    before = key_file.read_bytes()
    secrets.ensure_key_file(key_file)
    assert key_file.read_bytes() == before


def test_a_key_file_readable_by_others_or_of_the_wrong_size_is_refused(key_file, monkeypatch, tmp_path):
    os.chmod(key_file, 0o644)
    with pytest.raises(SecretUnavailable) as refused:
        secrets.seal("secret", "aad")
    assert "0600" in str(refused.value)
    short = tmp_path / "short.key"
    short.write_bytes(b"x" * 16)
    short.chmod(0o600)
    use_key_file(monkeypatch, short)
    with pytest.raises(SecretUnavailable):
        secrets.seal("secret", "aad")


def test_sealed_with_the_key_file_opens_only_with_it_and_only_for_its_owner(key_file, monkeypatch, tmp_path):
    # Given a password sealed for one agent of one partner
    owner = agents.associated_data(agents.PARTNER_AGENTS, PARTNER, AGENT)
    sealed = secrets.seal("Пароль-1", owner)
    # Then the sealed form names the scheme, holds no plain text, and differs each time (random nonce)
    assert re.fullmatch(r"v1\.file\.[0-9a-f]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", sealed)
    assert "Пароль" not in sealed and sealed != secrets.seal("Пароль-1", owner)
    assert secrets.open_sealed(sealed, owner) == "Пароль-1"
    # And it does not open for another agent, another kind of agent, or another partner
    for other in (
        agents.associated_data(agents.PARTNER_AGENTS, PARTNER, OTHER_AGENT),
        agents.associated_data(agents.USER_AGENTS, PARTNER, AGENT),
        agents.associated_data(agents.PARTNER_AGENTS, "a1b2c3d4-0000-4000-8000-000000000002", AGENT),
    ):
        with pytest.raises(SecretUnavailable):
            secrets.open_sealed(sealed, other)
    # And a tampered value does not open
    head, tail = sealed.rsplit(".", 1)
    tampered = f"{head}.{'A' if tail[0] != 'A' else 'B'}{tail[1:]}"
    with pytest.raises(SecretUnavailable):
        secrets.open_sealed(tampered, owner)
    # And another key file does not open it
    use_key_file(monkeypatch, secrets.ensure_key_file(tmp_path / "another.key"))
    with pytest.raises(SecretUnavailable) as refused:
        secrets.open_sealed(sealed, owner)
    assert "another key" in str(refused.value)


def test_without_a_key_nothing_is_sealed(monkeypatch):
    monkeypatch.delenv("AGENT_PASSWORD_KEY_ARN", raising=False)
    monkeypatch.delenv("AGENT_PASSWORD_KEY_FILE", raising=False)
    reset_clients()
    with pytest.raises(SecretUnavailable) as refused:
        secrets.seal("secret", "aad")
    assert "AGENT_PASSWORD_KEY_ARN" in str(refused.value)
    reset_clients()


@pytest.mark.parametrize("value", ["", "v2.file.x.y.z", "v1.rot13.a.b.c", "plain-text-password", "v1.file.a.b"])
def test_anything_but_the_sealed_form_is_refused(key_file, value):
    with pytest.raises(SecretUnavailable):
        secrets.open_sealed(value, "aad")


# --- settings --------------------------------------------------------------------------------------------


def test_the_key_is_either_kms_or_a_file(monkeypatch):
    monkeypatch.setenv("AGENT_PASSWORD_KEY_ARN", "arn:aws:kms:eu-central-1:123456789012:key/x")
    monkeypatch.setenv("AGENT_PASSWORD_KEY_FILE", "/tmp/key")
    get_settings.cache_clear()
    with pytest.raises(SettingsError):
        get_settings()
    get_settings.cache_clear()


@pytest.mark.parametrize("raw, expected", [("1", True), ("true", True), ("0", False), ("no", False)])
def test_smtp_flags_read_as_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("SMTP_ALLOW_LOOPBACK", raw)
    get_settings.cache_clear()
    assert get_settings().smtp_allow_loopback is expected
    get_settings.cache_clear()


@pytest.mark.parametrize("name, raw", [("SMTP_ALLOW_LOOPBACK", "maybe"), ("SMTP_TIMEOUT_SECONDS", "0"), ("SMTP_TIMEOUT_SECONDS", "60")])
def test_malformed_smtp_settings_stop_the_function(monkeypatch, name, raw):
    monkeypatch.setenv(name, raw)
    get_settings.cache_clear()
    with pytest.raises(SettingsError):
        get_settings()
    get_settings.cache_clear()
