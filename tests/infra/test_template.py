"""Checks of the SAM template (template.yaml) and of the `sam build` output.

The cfn-lint / sam binaries come from PARTNERAPI_TOOLS_BIN (default
<repo>/.tools/bin); tests that need them are skipped when they are missing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from partnerapi_ops.template import load_template

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
TOOLS_BIN = Path(os.environ.get("PARTNERAPI_TOOLS_BIN", REPO / ".tools" / "bin"))

ROUTER = "RouterFunction"
AUTHORIZER = "AuthorizerFunction"
LAYER = "SharedLayer"
AUTHORIZER_NAME = "BasicAuth"
SOAP_BASE_PATH = "/cus/ws/PartnerAPI"
SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"

# SAM policy templates a SOAP group function may use, each scoped to EntitiesTable.
GROUP_POLICY_TEMPLATES = {"DynamoDBReadPolicy", "DynamoDBCrudPolicy"}
# The one inline statement a group function may have: the agents function's use of the KMS key that
# wraps the data keys sealing agent passwords (checked by test_only_the_agents_function_uses_the_password_key).
PASSWORD_KEY = "AgentPasswordKey"
PASSWORD_KEY_USER = "AgentsFunction"
# The statistics pipeline: the SOAP group reads records and transcripts; the ingest function (no API)
# writes them from the queue.
STATISTICS = "StatisticsFunction"
INGEST = "IngestFunction"
QUEUE, DEAD_LETTER_QUEUE = "StatisticsQueue", "StatisticsDeadLetterQueue"
# Groups with write operations keep Idempotency-Key records (Powertools idempotency) in their own table.
IDEMPOTENCY_TABLE = "IdempotencyTable"
WRITE_GROUPS = {"PartnersFunction", "ClientsFunction", "AgentsFunction", "ServicesFunction"}
# Managed policies SAM attaches by itself (logs + Tracing: Active).
SAM_MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}


# --------------------------------------------------------------- helpers --
def _tool(name: str) -> Path:
    path = TOOLS_BIN / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.skip(f"{path} is not installed (set PARTNERAPI_TOOLS_BIN to the directory holding {name})")
    return path


def _tool_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("AWS_DEFAULT_REGION", "eu-central-1")  # sam validate needs a region, no credentials
    env["SAM_CLI_TELEMETRY"] = "0"
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return env


def _run(cmd: list[str | Path], timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in cmd], cwd=REPO, env=_tool_env(), capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


def _resources(template: dict[str, Any], rtype: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == rtype}


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return _resources(template, "AWS::Serverless::Function")


def _group_functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in _functions(template).items() if k not in (ROUTER, AUTHORIZER, INGEST)}


def _effective(template: dict[str, Any], name: str, prop: str) -> Any:
    """A function property as SAM sees it: own value, else Globals.Function (Layers are merged)."""
    own = template["Resources"][name].get("Properties", {}).get(prop)
    glob = template.get("Globals", {}).get("Function", {}).get(prop)
    if prop == "Layers":
        return list(glob or []) + list(own or [])
    return own if own is not None else glob


def _refs(value: Any) -> set[str]:
    """Logical ids referenced (Ref / GetAtt / ${...} in Sub) anywhere inside value."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) else str(inner).split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                text, variables = (inner[0], inner[1]) if isinstance(inner, list) else (inner, {})
                for var in re.findall(r"\$\{([^}!]+)\}", text):
                    if var not in variables:
                        found.add(var.split(".")[0])
                found |= _refs(variables)
            else:
                found |= _refs(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _refs(inner)
    return {ref for ref in found if not ref.startswith("AWS::")}


def _api_events(template: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(function, path, METHOD, event properties) for every Api event."""
    events = []
    for name, res in _functions(template).items():
        for event in res["Properties"].get("Events", {}).values():
            if event["Type"] == "Api":
                props = event["Properties"]
                events.append((name, props["Path"], props["Method"].upper(), props))
    return events


# ----------------------------------------------------------- (a), (b) lint --
def test_cfn_lint_is_clean() -> None:
    result = _run([_tool("cfn-lint"), TEMPLATE], timeout=300)
    assert result.returncode == 0, f"cfn-lint:\n{result.stdout}\n{result.stderr}"
    assert result.stdout.strip() == "", f"cfn-lint reported findings:\n{result.stdout}"


def test_sam_validate_lint_is_clean() -> None:
    result = _run([_tool("sam"), "validate", "--lint", "--template-file", TEMPLATE], timeout=300)
    assert result.returncode == 0, f"sam validate --lint:\n{result.stdout}\n{result.stderr}"
    assert "is a valid SAM Template" in result.stdout


def test_sam_validate_translates() -> None:
    """Plain `sam validate` runs the SAM translator (catches SAM-level errors cfn-lint may not)."""
    result = _run([_tool("sam"), "validate", "--template-file", TEMPLATE], timeout=300)
    assert result.returncode == 0, f"sam validate:\n{result.stdout}\n{result.stderr}"


# ------------------------------------------------------- (c) sam build, slow --
@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`sam build` (no Docker) into a temporary build dir, once per module."""
    sam = _tool("sam")
    build_dir = tmp_path_factory.mktemp("sam-build")
    result = _run([sam, "build", "--template-file", TEMPLATE, "--build-dir", build_dir, "--no-cached"], timeout=1200)
    assert result.returncode == 0, f"sam build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return build_dir


class TestSamBuild:
    pytestmark = [pytest.mark.slow]

    def test_layer_lxml_is_manylinux2014_cp311(self, build_dir: Path) -> None:
        wheels = list((build_dir / LAYER / "python").glob("lxml-*.dist-info/WHEEL"))
        assert len(wheels) == 1, f"expected one lxml dist-info in the layer, got {wheels}"
        tags = [line.split(":", 1)[1].strip() for line in wheels[0].read_text().splitlines() if line.startswith("Tag:")]
        assert tags, "lxml WHEEL file has no Tag lines"
        allowed = {"cp311-cp311-manylinux2014_x86_64", "cp311-cp311-manylinux_2_17_x86_64"}
        assert set(tags) <= allowed, f"lxml was built/downloaded for the wrong platform: {tags}"

    def test_layer_contains_partnerapi_and_deps(self, build_dir: Path) -> None:
        site = build_dir / LAYER / "python"
        assert (site / "partnerapi" / "__init__.py").is_file()
        for module in ("spyne", "lxml", "aws_lambda_powertools", "pydantic", "pydantic_core", "aws_xray_sdk"):
            assert (site / module).is_dir(), f"{module} missing from the layer"

    def test_layer_ships_bytecode_for_python311_that_lambda_never_revalidates(self, build_dir: Path) -> None:
        # /opt is read-only on Lambda: without .pyc every cold start would compile the layer
        site = build_dir / LAYER / "python"
        sources = list((site / "partnerapi").rglob("*.py")) + list((site / "spyne").rglob("*.py"))
        assert sources
        for source in sources:
            compiled = source.parent / "__pycache__" / f"{source.stem}.cpython-311.pyc"
            assert compiled.is_file(), f"{source.relative_to(site)} has no cpython-311 bytecode"
            flags = int.from_bytes(compiled.read_bytes()[4:8], "little")
            assert flags == 0b01, f"{compiled.name}: not unchecked-hash bytecode (flags {flags:#b})"
        assert not [path for path in site.rglob("*.pyc") if "cpython-311" not in path.name]

    def test_layer_does_not_ship_the_runtime_boto_stack(self, build_dir: Path) -> None:
        site = build_dir / LAYER / "python"
        for module in ("boto3", "botocore", "s3transfer"):
            assert not (site / module).exists(), f"{module} must come from the Lambda runtime, not the layer"

    def test_every_function_is_built(self, build_dir: Path, template: dict[str, Any]) -> None:
        for name in _functions(template):
            assert (build_dir / name / "app.py").is_file(), f"{name}: app.py missing from the build"


# -------------------------------------------------- (d) functions and IAM --
def test_common_function_settings(template: dict[str, Any]) -> None:
    for name in _functions(template):
        assert _effective(template, name, "Runtime") == "python3.11", name
        assert _effective(template, name, "Architectures") == ["x86_64"], name
        assert _effective(template, name, "Handler") == "app.handler", name
        assert {"Ref": LAYER} in _effective(template, name, "Layers"), name
        assert _effective(template, name, "Tracing") == "Active", name


def test_layer_is_built_with_the_makefile(template: dict[str, Any]) -> None:
    layer = template["Resources"][LAYER]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert layer["Properties"]["ContentUri"].rstrip("/") == "layers/shared"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.11"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["x86_64"]
    makefile = (REPO / "layers" / "shared" / "Makefile").read_text()
    assert "build-SharedLayer:" in makefile
    requirements = (REPO / "layers" / "shared" / "requirements.txt").read_text().lower()
    assert "boto3" not in [line.split("=")[0].split("<")[0].split(">")[0].strip() for line in requirements.splitlines()]


def test_timeouts_and_memory(template: dict[str, Any]) -> None:
    for name in _functions(template):
        expected_timeout = 10 if name == AUTHORIZER else 29
        assert _effective(template, name, "Timeout") == expected_timeout, name
        assert _effective(template, name, "MemorySize") == 512, name


def test_group_functions_touch_only_entities_table(template: dict[str, Any]) -> None:
    groups = _group_functions(template)
    assert {"ReferenceFunction", "PartnersFunction"} <= set(groups)
    for name in groups:
        policies = template["Resources"][name]["Properties"].get("Policies", [])
        assert policies, f"{name} has no policies"
        for policy in policies:
            assert isinstance(policy, dict) and len(policy) == 1, f"{name}: only SAM policy templates allowed: {policy}"
            (kind, args), = policy.items()
            if name == PASSWORD_KEY_USER and kind == "Statement":
                continue  # its KMS statement, checked on its own below
            if name == STATISTICS and kind == "Statement":
                continue  # its read of the chat bucket, checked by test_statistics_pipeline_least_privilege
            assert kind in GROUP_POLICY_TEMPLATES, f"{name}: unexpected policy {kind}"
            if args == {"TableName": {"Ref": IDEMPOTENCY_TABLE}}:
                assert name in WRITE_GROUPS and kind == "DynamoDBCrudPolicy", f"{name}: only write groups keep idempotency records"
                continue
            assert args == {"TableName": {"Ref": "EntitiesTable"}}, f"{name}: {kind} not scoped to EntitiesTable"
    for name in WRITE_GROUPS:
        policies = template["Resources"][name]["Properties"]["Policies"]
        assert {"DynamoDBCrudPolicy": {"TableName": {"Ref": IDEMPOTENCY_TABLE}}} in policies, f"{name}: Idempotency-Key needs its table"
    reference = template["Resources"]["ReferenceFunction"]["Properties"]["Policies"]
    assert reference == [{"DynamoDBReadPolicy": {"TableName": {"Ref": "EntitiesTable"}}}], "reference only reads"


def test_only_the_agents_function_uses_the_password_key(template: dict[str, Any]) -> None:
    from partnerapi.data.secrets import KMS_CONTEXT

    # Given the functions and the KMS key of the template
    key = template["Resources"][PASSWORD_KEY]
    functions = _functions(template)
    # Then the key is a retained, rotated symmetric key whose policy only delegates to the account's IAM
    assert key["Type"] == "AWS::KMS::Key"
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Retain"
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["Properties"]["KeySpec"] == "SYMMETRIC_DEFAULT" and key["Properties"]["KeyUsage"] == "ENCRYPT_DECRYPT"
    (root,) = key["Properties"]["KeyPolicy"]["Statement"]
    assert root["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
    # And no function but the agents function can name it, in its environment or its policies
    assert "AGENT_PASSWORD_KEY_ARN" not in template["Globals"]["Function"]["Environment"]["Variables"]
    for name, function in functions.items():
        properties = function["Properties"]
        if name != PASSWORD_KEY_USER:
            assert PASSWORD_KEY not in _refs(properties), f"{name} must not reach the agent password key"
    agents = functions[PASSWORD_KEY_USER]["Properties"]
    assert agents["Environment"]["Variables"]["AGENT_PASSWORD_KEY_ARN"] == {"Fn::GetAtt": [PASSWORD_KEY, "Arn"]}
    # And the agents function may only make and open data keys of that key, with the code's encryption context
    (statement_policy,) = [policy["Statement"] for policy in agents["Policies"] if "Statement" in policy]
    (statement,) = statement_policy
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert statement["Resource"] == {"Fn::GetAtt": [PASSWORD_KEY, "Arn"]}
    (context_name, context_value), = KMS_CONTEXT.items()
    assert statement["Condition"] == {"StringEquals": {f"kms:EncryptionContext:{context_name}": context_value}}


def test_router_may_only_invoke_group_functions(template: dict[str, Any]) -> None:
    props = template["Resources"][ROUTER]["Properties"]
    groups = set(_group_functions(template))
    invoked = set()
    for policy in props["Policies"]:
        (kind, args), = policy.items()
        assert kind == "LambdaInvokePolicy", f"router: unexpected policy {policy}"
        invoked |= _refs(args)
    assert invoked == groups, f"router can invoke {invoked}, group functions are {groups}"
    env = props["Environment"]["Variables"]
    for name in groups:
        group = name.removesuffix("Function").upper()
        assert env.get(f"GROUP_FUNCTION_{group}") == {"Ref": name}, f"router env lacks GROUP_FUNCTION_{group}"


def test_authorizer_only_reads_credentials(template: dict[str, Any]) -> None:
    props = template["Resources"][AUTHORIZER]["Properties"]
    assert props["Policies"] == [{"DynamoDBReadPolicy": {"TableName": {"Ref": "CredentialsTable"}}}]
    assert props["Environment"]["Variables"]["CREDENTIALS_TABLE"] == {"Ref": "CredentialsTable"}
    assert "Events" not in props, "the authorizer must not be reachable through the API"


def test_global_environment(template: dict[str, Any]) -> None:
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env["ENTITIES_TABLE"] == {"Ref": "EntitiesTable"}
    assert env["CHAT_HISTORY_BUCKET"] == {"Ref": "ChatHistoryBucket"}
    assert env["POWERTOOLS_SERVICE_NAME"] == "partnerapi"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "PartnerAPI"
    assert env["POWERTOOLS_LOGGER_LOG_EVENT"] == "false"
    assert env["LOG_LEVEL"] == "INFO"
    assert "CREDENTIALS_TABLE" not in env, "only the authorizer gets the credentials table"


# ------------------------------------------------------------- (e) API auth --
def test_api_default_authorizer(template: dict[str, Any]) -> None:
    auth = template["Resources"]["PartnerApi"]["Properties"]["Auth"]
    assert auth["DefaultAuthorizer"] == AUTHORIZER_NAME
    authorizer = auth["Authorizers"][AUTHORIZER_NAME]
    assert authorizer["FunctionArn"] == {"Fn::GetAtt": [AUTHORIZER, "Arn"]}
    assert authorizer["FunctionPayloadType"] == "REQUEST"
    # No identity source: a request without Authorization reaches the authorizer (and then the function,
    # which answers 401 in the request's SOAP version) instead of API Gateway's own SOAP-1.1-only 401.
    # API Gateway cannot cache without one; the authorizer caches its decisions itself (partnerapi/auth.py).
    assert authorizer["Identity"] == {"ReauthorizeEvery": 0}


def test_post_requires_authorizer_other_methods_and_paths_are_public(template: dict[str, Any]) -> None:
    events = _api_events(template)
    methods = {(path, method) for _, path, method, _ in events}
    groups = [g.removesuffix("Function").lower() for g in _group_functions(template)]
    soap_paths = {SOAP_BASE_PATH} | {f"{SOAP_BASE_PATH}/{group}" for group in groups}
    # GET: WSDL and service page; POST: SOAP calls; ANY: the other methods, answered 405 by the function;
    # the catch-all routes bring every other path to the router, which answers 404
    catch_all = {("/{proxy+}", "ANY"), ("/", "ANY")}
    assert methods == {(p, m) for p in soap_paths for m in ("GET", "POST", "ANY")} | catch_all
    assert {(path, method) for name, path, method, _ in events if name == ROUTER} >= catch_all
    for name, path, method, props in events:
        assert props["RestApiId"] == {"Ref": "PartnerApi"}, f"{name} {method} {path}: not on PartnerApi"
        authorizer = props.get("Auth", {}).get("Authorizer", AUTHORIZER_NAME)
        expected = AUTHORIZER_NAME if method == "POST" else "NONE"
        assert authorizer == expected, f"{name} {method} {path}: authorizer {authorizer}, expected {expected}"


_TRANSLATE = r"""
import json, sys
from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform

class NoManagedPolicies:
    def load(self):
        return {}

with open(sys.argv[1], encoding="utf-8") as handle:
    template = yaml_parse(handle.read())
for resource in template["Resources"].values():
    for key in ("CodeUri", "ContentUri"):
        if key in resource.get("Properties", {}):
            resource["Properties"][key] = "s3://placeholder/key"
print(json.dumps(transform(template, {}, NoManagedPolicies())))
"""


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    """The template after the SAM transform (what CloudFormation really gets), via the .tools venv."""
    python = _tool("python")
    probe = _run([python, "-c", "import samtranslator, samcli"], timeout=120)
    if probe.returncode != 0:
        pytest.skip(f"{python} has no samtranslator/samcli: {probe.stderr.strip()[-300:]}")
    result = _run([python, "-c", _TRANSLATE, TEMPLATE], timeout=300)
    assert result.returncode == 0, f"SAM transform failed:\n{result.stderr[-4000:]}"
    return json.loads(result.stdout)


def test_translated_methods_security(translated: dict[str, Any]) -> None:
    body = translated["Resources"]["PartnerApi"]["Properties"]["Body"]
    schemes = body["components"]["securitySchemes"]
    authorizer = schemes[AUTHORIZER_NAME]["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "request"
    assert "identitySource" not in authorizer and authorizer["authorizerResultTtlInSeconds"] == 0
    any_method = "x-amazon-apigateway-any-method"
    for path, operations in body["paths"].items():
        if path in ("/{proxy+}", "/"):
            assert set(operations) == {any_method}, f"{path}: {set(operations)}"
        else:
            assert set(operations) == {"get", "post", any_method}, f"{path}: {set(operations)}"
            assert operations["post"]["security"] == [{AUTHORIZER_NAME: []}], f"POST {path} must use {AUTHORIZER_NAME}"
            assert operations["get"].get("security") in ([{"NONE": []}], []), f"GET {path} must be public"
        assert operations[any_method].get("security") in ([{"NONE": []}], []), f"ANY {path} must be public"


def test_translated_roles_least_privilege(translated: dict[str, Any], template: dict[str, Any]) -> None:
    resources = translated["Resources"]
    allowed = {name: {"EntitiesTable"} for name in _group_functions(template)}
    allowed[ROUTER] = set(_group_functions(template))
    for name in WRITE_GROUPS:
        allowed[name] = {"EntitiesTable", IDEMPOTENCY_TABLE}
    allowed[PASSWORD_KEY_USER] = {"EntitiesTable", IDEMPOTENCY_TABLE, PASSWORD_KEY}
    allowed[STATISTICS] = {"EntitiesTable", "ChatHistoryBucket"}
    allowed[INGEST] = {"EntitiesTable", "ChatHistoryBucket", QUEUE}
    allowed[AUTHORIZER] = {"CredentialsTable"}
    for name, targets in allowed.items():
        role = resources[f"{name}Role"]["Properties"]
        assert set(role.get("ManagedPolicyArns", [])) <= SAM_MANAGED_POLICIES, f"{name}: {role['ManagedPolicyArns']}"
        statements = [s for p in role.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
        assert statements, f"{name}: no inline policy"
        for statement in statements:
            assert statement["Effect"] == "Allow"
            resource = statement["Resource"]
            assert resource != "*" and "*" not in (resource if isinstance(resource, list) else [resource])
            assert _refs(resource) <= targets, f"{name}: statement reaches {_refs(resource) - targets}"
        actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
        kms = {action for action in actions if action.startswith("kms:")}
        assert kms == ({"kms:GenerateDataKey", "kms:Decrypt"} if name == PASSWORD_KEY_USER else set()), f"{name}: KMS actions {kms}"
        if name == ROUTER:
            assert actions == {"lambda:InvokeFunction"}
        elif name == INGEST:
            sqs = {"sqs:ChangeMessageVisibility", "sqs:ChangeMessageVisibilityBatch", "sqs:DeleteMessage", "sqs:DeleteMessageBatch", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"}
            assert actions == {"dynamodb:PutItem", "s3:PutObject"} | sqs, f"{name}: {actions}"
        elif name in (AUTHORIZER, "ReferenceFunction", STATISTICS):
            writes = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
            assert not actions & writes, f"{name} must be read-only, has {actions & writes}"


# ------------------------------------------------------ gateway responses --
def _assert_soap_fault(templates: dict[str, str], faultcode: str) -> None:
    assert {"application/json", "text/xml"} <= set(templates), "SOAP body must cover the default (json) and text/xml"
    assert len(set(templates.values())) == 1, "all content types must return the same SOAP fault"
    root = ET.fromstring(next(iter(templates.values())).encode())
    assert root.tag == f"{{{SOAP_ENV_NS}}}Envelope"
    fault = root.find(f"{{{SOAP_ENV_NS}}}Body/{{{SOAP_ENV_NS}}}Fault")
    assert fault is not None
    assert fault.findtext("faultcode") == faultcode
    assert (fault.findtext("faultstring") or "").strip()


def test_gateway_responses(template: dict[str, Any]) -> None:
    responses = template["Resources"]["PartnerApi"]["Properties"]["GatewayResponses"]
    # the authorizer never denies: 401 is the functions' answer, in the request's SOAP version
    assert set(responses) == {"DEFAULT_4XX", "DEFAULT_5XX"}
    for kind, faultcode in (("DEFAULT_4XX", "soap:Client"), ("DEFAULT_5XX", "soap:Server")):
        response = responses[kind]
        assert response["ResponseParameters"]["Headers"]["Content-Type"].startswith("'text/xml"), kind
        _assert_soap_fault(response["ResponseTemplates"], faultcode)


# ------------------------------------------------------ storage resources --
def test_tables_are_protected_and_literal(template: dict[str, Any]) -> None:
    tables = _resources(template, "AWS::DynamoDB::Table")
    assert set(tables) == {"EntitiesTable", "CredentialsTable", IDEMPOTENCY_TABLE}
    # idempotency records are disposable (24 h), expire by TTL on Powertools' attribute, keyed as Powertools keys them
    idempotency = tables.pop(IDEMPOTENCY_TABLE)["Properties"]
    assert idempotency["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert idempotency["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert idempotency["BillingMode"] == "PAY_PER_REQUEST" and idempotency["SSESpecification"]["SSEEnabled"] is True
    keys = {
        "EntitiesTable": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        "CredentialsTable": [{"AttributeName": "login", "KeyType": "HASH"}],
    }
    for name, table in tables.items():
        props = table["Properties"]
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain", name
        assert props["BillingMode"] == "PAY_PER_REQUEST", name
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, name
        assert props["SSESpecification"]["SSEEnabled"] is True, name
        assert "TableName" not in props, name
        assert props["KeySchema"] == keys[name], name
        for literal in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode"):
            assert not _refs(props.get(literal)), f"{name}.{literal} must stay literal (tests feed it to moto)"
            assert "Fn::" not in json.dumps(props.get(literal)), f"{name}.{literal} must stay literal"


def test_tables_can_be_created_in_moto(template: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with moto.mock_aws():
        client = boto3.client("dynamodb")
        for name, table in _resources(template, "AWS::DynamoDB::Table").items():
            props = table["Properties"]
            literal = ("AttributeDefinitions", "KeySchema", "BillingMode", "GlobalSecondaryIndexes")
            kwargs = {k: props[k] for k in literal if k in props}
            client.create_table(TableName=name, **kwargs)
            assert client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"


def test_chat_history_bucket_is_private_encrypted_versioned(template: dict[str, Any]) -> None:
    bucket = template["Resources"]["ChatHistoryBucket"]
    props = bucket["Properties"]
    assert bucket["DeletionPolicy"] == "Retain"
    assert all(props["PublicAccessBlockConfiguration"][k] is True for k in (
        "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"))
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert sse["SSEAlgorithm"] == "AES256"
    assert props["VersioningConfiguration"]["Status"] == "Enabled"
    policies = [
        p
        for p in _resources(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": "ChatHistoryBucket"}
    ]
    assert len(policies) == 1
    statements = policies[0]["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
    ), "bucket policy must deny non-TLS access"


def test_outputs(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    wsdl = outputs["PartnerApiWsdlUrl"]["Value"]["Fn::Sub"]
    assert wsdl == "https://${PartnerApi}.execute-api.${AWS::Region}.amazonaws.com/${StageName}/cus/ws/PartnerAPI?wsdl"
    for name in _group_functions(template):
        group = name.removesuffix("Function")
        assert f"{group}GroupUrl" in outputs, f"missing output {group}GroupUrl"
        assert outputs[f"{group}GroupUrl"]["Value"]["Fn::Sub"].endswith(f"/cus/ws/PartnerAPI/{group.lower()}"), group
    for name in ("EntitiesTableName", "CredentialsTableName", "ChatHistoryBucketName"):
        assert name in outputs


# -------------------------------------------------------- statistics pipeline --
def test_statistics_pipeline_least_privilege(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    bucket_prefix = "${ChatHistoryBucket.Arn}/"
    # Given the statistics function: it reads the table and, of the bucket, only transcripts and recordings
    statistics = resources[STATISTICS]["Properties"]["Policies"]
    assert {"DynamoDBReadPolicy": {"TableName": {"Ref": "EntitiesTable"}}} in statistics
    (statements,) = [policy["Statement"] for policy in statistics if "Statement" in policy]
    (read,) = statements
    assert read["Effect"] == "Allow" and read["Action"] == "s3:GetObject"
    assert read["Resource"] == [{"Fn::Sub": f"{bucket_prefix}chats/*"}, {"Fn::Sub": f"{bucket_prefix}recordings/*"}]
    # And the ingest function: polls its own queue, puts items and transcripts, reads nothing
    ingest = resources[INGEST]["Properties"]
    assert "Events" not in ingest, "the ingest function is reached through its event source mapping only"
    assert {"SQSPollerPolicy": {"QueueName": {"Fn::GetAtt": [QUEUE, "QueueName"]}}} in ingest["Policies"]
    (writes,) = [policy["Statement"] for policy in ingest["Policies"] if "Statement" in policy]
    by_action = {statement["Action"]: statement["Resource"] for statement in writes}
    assert by_action == {"dynamodb:PutItem": {"Fn::GetAtt": ["EntitiesTable", "Arn"]}, "s3:PutObject": {"Fn::Sub": f"{bucket_prefix}chats/*"}}
    assert len(ingest["Policies"]) == 2
    # And no other function reaches the queues
    for name, function in _functions(template).items():
        if name != INGEST:
            assert not _refs(function["Properties"]) & {QUEUE, DEAD_LETTER_QUEUE}, f"{name} must not reach the statistics queues"


def test_statistics_queue_feeds_the_ingest_function_with_partial_batch_failures_and_a_dead_letter_queue(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    # Given the event source mappings of the template
    mappings = _resources(template, "AWS::Lambda::EventSourceMapping")
    (mapping,) = mappings.values()
    properties = mapping["Properties"]
    # Then the queue triggers the ingest function, which reports failed records one by one
    assert properties["EventSourceArn"] == {"Fn::GetAtt": [QUEUE, "Arn"]}
    assert properties["FunctionName"] == {"Ref": INGEST}
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 1 <= properties["BatchSize"] <= 10
    # And a message outlives a whole invocation before it is delivered again
    queue = resources[QUEUE]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * _effective(template, INGEST, "Timeout")
    # And a record that keeps failing ends in the dead-letter queue, which keeps it longer than the queue
    redrive = queue["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": [DEAD_LETTER_QUEUE, "Arn"]}
    assert 1 < redrive["maxReceiveCount"] <= 10
    dead_letter = resources[DEAD_LETTER_QUEUE]["Properties"]
    assert dead_letter["MessageRetentionPeriod"] > queue["MessageRetentionPeriod"]
    # And both queues are encrypted and refuse plain HTTP
    assert queue["SqsManagedSseEnabled"] is True and dead_letter["SqsManagedSseEnabled"] is True
    (policy,) = _resources(template, "AWS::SQS::QueuePolicy").values()
    assert {ref for queue_ref in policy["Properties"]["Queues"] for ref in _refs(queue_ref)} == {QUEUE, DEAD_LETTER_QUEUE}
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in policy["Properties"]["PolicyDocument"]["Statement"]
    )
    # And the dead-letter queue has an alarm, and the outputs tell producers where to send
    alarms = [alarm for alarm in _resources(template, "AWS::CloudWatch::Alarm").values() if DEAD_LETTER_QUEUE in _refs(alarm["Properties"]["Dimensions"])]
    assert len(alarms) == 1
    assert {"StatisticsQueueUrl", "StatisticsQueueArn", "StatisticsDeadLetterQueueUrl"} <= set(template["Outputs"])
