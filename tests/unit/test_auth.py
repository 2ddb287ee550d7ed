"""HTTP Basic authentication (`partnerapi.auth`): password hashes, the header parser, the lookup."""

import base64

import pytest
from partnerapi.auth import RecentDecisions, authenticate, authorizer, hash_password, parse_basic, verify_password
from partnerapi.data.credentials import get_credential, put_credential

PARTNER = "a1b2c3d4-0000-4000-8000-0000000000aa"


def basic(raw: bytes | str) -> str:
    raw = raw.encode("utf-8") if isinstance(raw, str) else raw
    return "Basic " + base64.b64encode(raw).decode()


@pytest.fixture(scope="module")
def stored() -> str:
    """One scrypt hash of a password with non-ASCII characters (hashing is deliberately slow)."""
    return hash_password("пароль:с двоеточием")


# --------------------------------------------------------------------------------- hashing --


def test_hash_verifies_the_same_password(stored):
    assert verify_password("пароль:с двоеточием", stored)


@pytest.mark.parametrize("wrong", ["", "пароль", "пароль:с двоеточием ", "ПАРОЛЬ:с двоеточием", "парол:с двоеточием"])
def test_hash_rejects_any_other_password(stored, wrong):
    assert not verify_password(wrong, stored)


def test_hash_is_salted_and_never_the_plain_password():
    # When the same password is hashed twice
    first, second = hash_password("demo"), hash_password("demo")
    # Then the hashes differ (random salt), both verify, and neither contains the password
    assert first != second
    assert verify_password("demo", first) and verify_password("demo", second)
    assert "demo" not in first and "demo" not in second


def test_same_salt_gives_the_same_hash():
    salt = b"0123456789abcdef"
    assert hash_password("demo", salt) == hash_password("demo", salt)
    assert hash_password("demo", salt) != hash_password("demo2", salt)


def _tamper(encoded: str, index: int, value: str) -> str:
    parts = encoded.split("$")
    parts[index] = value
    return "$".join(parts)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda h: _tamper(h, 0, "bcrypt"), id="other-scheme"),
        pytest.param(lambda h: _tamper(h, 1, "3"), id="cost-not-power-of-two"),
        pytest.param(lambda h: _tamper(h, 1, "abc"), id="cost-not-a-number"),
        pytest.param(lambda h: _tamper(h, 4, base64.b64encode(b"another salt 16b").decode()), id="other-salt"),
        pytest.param(lambda h: _tamper(h, 4, "!!!"), id="salt-not-base64"),
        pytest.param(lambda h: _tamper(h, 5, base64.b64encode(b"\0" * 32).decode()), id="other-digest"),
        pytest.param(lambda h: _tamper(h, 5, ""), id="empty-digest"),
        pytest.param(lambda h: h.rsplit("$", 1)[0], id="missing-field"),
        pytest.param(lambda h: h + "$extra", id="extra-field"),
        pytest.param(lambda h: "", id="empty"),
        pytest.param(lambda h: "demo", id="plain-password-stored"),
    ],
)
def test_tampered_hash_never_verifies(tamper):
    encoded = hash_password("demo")
    assert verify_password("demo", tamper(encoded)) is False


@pytest.mark.parametrize("index", [1, 3], ids=["n", "p"])
def test_hash_with_an_overflowing_cost_never_verifies(index):
    encoded = _tamper(hash_password("demo"), index, str(2**64))
    assert verify_password("demo", encoded) is False


# ------------------------------------------------------------------------------ the header --


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(basic("demo:demo"), ("demo", "demo"), id="plain"),
        pytest.param("basic " + base64.b64encode(b"demo:demo").decode(), ("demo", "demo"), id="lower-case-scheme"),
        pytest.param("  Basic   " + base64.b64encode(b"demo:demo").decode() + "  ", ("demo", "demo"), id="extra-spaces"),
        pytest.param(basic("demo:pa:ss:word"), ("demo", "pa:ss:word"), id="password-with-colons"),
        pytest.param(basic("demo:"), ("demo", ""), id="empty-password"),
        pytest.param(basic("партнер:пароль"), ("партнер", "пароль"), id="utf8-login"),
        pytest.param(basic("caf\u00e9:x".encode("latin-1")), ("caf\u00e9", "x"), id="latin1-fallback"),
    ],
)
def test_parse_basic_reads_login_and_password(header, expected):
    assert parse_basic(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="none"),
        pytest.param("", id="empty"),
        pytest.param("ZGVtbzpkZW1v", id="no-scheme"),
        pytest.param("Basic", id="scheme-only"),
        pytest.param("Basic ", id="scheme-and-space"),
        pytest.param("Bearer ZGVtbzpkZW1v", id="other-scheme"),
        pytest.param("Digest username=demo", id="digest"),
        pytest.param("Basic !!!not-base64!!!", id="bad-base64"),
        pytest.param("Basic ZGVtbzpkZW1", id="bad-padding"),
        pytest.param(basic("demodemo"), id="no-colon"),
        pytest.param(basic(":demo"), id="empty-login"),
    ],
)
def test_parse_basic_refuses_malformed_headers(header):
    assert parse_basic(header) is None


# -------------------------------------------------------------------------- authentication --


@pytest.fixture
def credential(aws):
    """credential(login, password, partner) → stores the login's hash in CredentialsTable (moto)."""

    def put(login: str = "partner-login", password: str = "s3cret:пароль", partner: str = PARTNER) -> tuple[str, str]:
        put_credential(login, partner, hash_password(password))
        return login, password

    return put


def test_authenticate_gives_the_partner_of_the_right_credentials(credential):
    login, password = credential()
    assert authenticate(basic(f"{login}:{password}")) == PARTNER


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(lambda login, password: basic(f"{login}:wrong"), id="wrong-password"),
        pytest.param(lambda login, password: basic(f"nobody:{password}"), id="unknown-login"),
        pytest.param(lambda login, password: basic(f"{login.upper()}:{password}"), id="login-case"),
        pytest.param(lambda login, password: basic(f"{login}:{password[:-1]}"), id="password-prefix"),
        pytest.param(lambda login, password: None, id="no-header"),
        pytest.param(lambda login, password: "Basic %%%", id="garbage"),
    ],
)
def test_authenticate_refuses_anything_else(credential, header):
    login, password = credential()
    assert authenticate(header(login, password)) is None


def test_stored_credential_is_not_the_plain_password(credential):
    # When a credential is stored
    login, password = credential()
    item = get_credential(login)
    # Then the table keeps the partner and a salted hash, never the password itself
    assert item["partner_id"] == PARTNER
    assert password not in str(item)
    assert item["password_hash"] != password
    assert verify_password(password, item["password_hash"])


def test_two_partners_with_the_same_password_are_told_apart(credential):
    other = "a1b2c3d4-0000-4000-8000-0000000000bb"
    credential("first", "same-password", PARTNER)
    credential("second", "same-password", other)
    assert authenticate(basic("first:same-password")) == PARTNER
    assert authenticate(basic("second:same-password")) == other
    assert get_credential("first")["password_hash"] != get_credential("second")["password_hash"]


# ------------------------------------------------------------------------------ the authorizer --


class ManualClock:
    """A clock the test moves: the decision cache's expiry without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def decisions():
    """(RecentDecisions on a manual clock, the clock)."""
    clock = ManualClock()
    return RecentDecisions(ttl_seconds=3.0, clock=clock), clock


def authorizer_event(header: str | None) -> dict:
    headers = {"Authorization": header} if header is not None else {}
    return {"type": "REQUEST", "methodArn": "arn:aws:execute-api:eu-central-1:123456789012:abc123/v1/POST/cus/ws/PartnerAPI", "headers": headers}


@pytest.mark.parametrize("header", [None, "Basic %%%", basic("nobody:x")], ids=["no-header", "garbage", "unknown-login"])
def test_authorizer_lets_bad_credentials_through_with_no_partner(aws, decisions, header):
    # When the authorizer judges a request without valid credentials
    policy = authorizer(authorizer_event(header), decisions[0])
    # Then it allows it with an empty partner_id (the function answers 401 in the request's SOAP version)
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert policy["context"] == {"partner_id": ""}


def test_authorizer_names_the_partner_of_valid_credentials(credential, decisions):
    login, password = credential()
    policy = authorizer(authorizer_event(basic(f"{login}:{password}")), decisions[0])
    assert policy["context"] == {"partner_id": PARTNER}
    assert policy["principalId"] == PARTNER


def test_a_repeated_header_is_answered_without_reading_the_table_again(credential, decisions, monkeypatch):
    # Given a valid header judged once
    cache, _ = decisions
    login, password = credential()
    header = basic(f"{login}:{password}")
    assert cache.partner_id(header) == PARTNER
    # When the credentials table can no longer be read, Then the same header is still answered (no scrypt, no read)
    monkeypatch.setattr("partnerapi.auth.get_credential", lambda login: pytest.fail("the table was read again"))
    assert cache.partner_id(header) == PARTNER


def test_a_changed_password_takes_effect_once_the_decision_expires(credential, decisions):
    # Given the partner's header judged valid
    cache, clock = decisions
    login, password = credential()
    header = basic(f"{login}:{password}")
    assert cache.partner_id(header) == PARTNER
    # When the password changes
    put_credential(login, PARTNER, hash_password("new password"))
    # Then the old header keeps its decision for at most the cache's lifetime, and is refused after it
    clock.now += 2.9
    assert cache.partner_id(header) == PARTNER
    clock.now += 0.2
    assert cache.partner_id(header) is None
    # And the new password is accepted at once: another header is another decision
    assert cache.partner_id(basic(f"{login}:new password")) == PARTNER


def test_the_cache_stays_within_its_size(credential, monkeypatch):
    # Given a cache of 4 decisions
    cache = RecentDecisions(ttl_seconds=3.0, clock=ManualClock(), max_entries=4)
    login, password = credential()
    # When 10 different wrong headers and then the right one are judged
    for attempt in range(10):
        assert cache.partner_id(basic(f"{login}:wrong-{attempt}")) is None
    assert cache.partner_id(basic(f"{login}:{password}")) == PARTNER
    # Then it holds no more than 4 decisions, the newest among them
    assert len(cache) == 4
    monkeypatch.setattr("partnerapi.auth.get_credential", lambda login: pytest.fail("the newest decision was dropped"))
    assert cache.partner_id(basic(f"{login}:{password}")) == PARTNER
