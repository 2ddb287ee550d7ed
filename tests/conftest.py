"""Shared fixtures.

- `aws`: moto in-process, environment as a Lambda gets it, tables and bucket created from
  template.yaml's own definitions (so tests and infrastructure cannot drift).
- `demo_data`: `aws` plus the demo fixture.
- `sandbox`: the real local server (`partnerapi serve`) in a subprocess, for tests over HTTP.
- `soap_client`: zeep clients against the sandbox (either port, any credentials), cached.
"""

from collections.abc import Iterator

import pytest
from moto import mock_aws
from partnerapi.data.clients import client as aws_client
from partnerapi.data.clients import reset_clients
from partnerapi.data.table import CallCounter
from partnerapi_ops import REPO_ROOT
from partnerapi_ops.emulation import create_resources, local_environment
from partnerapi_ops.moto_dynamodb import patch_moto_dynamodb
from partnerapi_ops.provisioning import load_fixture
from partnerapi_ops.sandbox import DEMO_FIXTURE
from support.sandbox import Sandbox, start_sandbox

EVENTS = REPO_ROOT / "events"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in local_environment(None).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    reset_clients()
    with mock_aws():
        patch_moto_dynamodb()  # the sandbox's emulation (emulation.MotoServer), so tests see what it serves
        create_resources()
        # agent passwords are sealed as on AWS: KMS data keys (moto), not the sandbox's key file
        monkeypatch.setenv("AGENT_PASSWORD_KEY_ARN", aws_client("kms").create_key(Description="agent passwords (tests)")["KeyMetadata"]["Arn"])
        monkeypatch.delenv("AGENT_PASSWORD_KEY_FILE", raising=False)
        reset_clients()
        CallCounter.reset()
        yield
    reset_clients()


@pytest.fixture
def demo_data(aws: None) -> None:
    load_fixture(DEMO_FIXTURE)
    CallCounter.reset()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    running = start_sandbox()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def soap_client(sandbox: Sandbox):
    """soap_client(login, password, group='', port='PartnerAPISoap') → a zeep service proxy."""
    import requests
    from zeep import Client
    from zeep.transports import Transport

    cache = {}

    def make(login: str = "demo", password: str = "demo", group: str = "", port: str = "PartnerAPISoap"):
        key = (login, password, group, port)
        if key not in cache:
            session = requests.Session()
            session.auth = requests.auth.HTTPBasicAuth(login, password)
            client = Client(f"{sandbox.url(group)}?wsdl", transport=Transport(session=session))
            cache[key] = client.bind("PartnerAPI", port)
        return cache[key]

    return make
