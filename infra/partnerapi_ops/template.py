"""Reads template.yaml: table definitions for the emulation, function code for local invocation."""

import copy
import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from partnerapi_ops import TEMPLATE_PATH


class _CloudFormationLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml: ~10× faster
    """Tolerates the short-form intrinsic functions (!Ref, !Sub, !GetAtt …) as plain data."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    """Short form → CloudFormation's long (JSON) form: `!Ref X` → {"Ref": "X"}, `!GetAtt A.B` → {"Fn::GetAtt": ["A", "B"]}."""
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            resource, _, attribute = str(value).partition(".")
            value = [resource, attribute]
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)


@lru_cache(maxsize=8)
def _parsed(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    """One parse per version of the file (the sandbox reads the template on every save and start)."""
    with open(path, encoding="utf-8") as handle:
        template = yaml.load(handle, Loader=_CloudFormationLoader)
    if not isinstance(template, dict) or "Resources" not in template:
        raise ValueError(f"{path} is not a CloudFormation template")
    return template


def load_template(path: str | Path = TEMPLATE_PATH) -> dict[str, Any]:
    status = Path(path).stat()
    return copy.deepcopy(_parsed(str(path), status.st_mtime_ns, status.st_size))


def resources_of_type(resource_type: str, path: Path = TEMPLATE_PATH) -> dict[str, dict[str, Any]]:
    return {name: resource for name, resource in load_template(path)["Resources"].items() if resource["Type"] == resource_type}


def table_definitions(path: Path = TEMPLATE_PATH) -> dict[str, dict[str, Any]]:
    """CreateTable arguments per logical id, taken from the template's own properties."""
    allowed = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "BillingMode", "StreamSpecification")
    definitions = {}
    for name, resource in resources_of_type("AWS::DynamoDB::Table", path).items():
        properties = resource["Properties"]
        definitions[name] = {key: properties[key] for key in allowed if key in properties}
    return definitions


def bucket_names(path: Path = TEMPLATE_PATH) -> list[str]:
    return list(resources_of_type("AWS::S3::Bucket", path))


def function_names(path: Path = TEMPLATE_PATH) -> list[str]:
    return list(resources_of_type("AWS::Serverless::Function", path))


def load_handler(logical_id: str, path: Path = TEMPLATE_PATH) -> Any:
    """Imports a function's handler the way Lambda would: CodeUri folder + Handler module.attribute."""
    template = load_template(path)
    resource = template["Resources"].get(logical_id)
    if resource is None or resource["Type"] != "AWS::Serverless::Function":
        raise KeyError(f"{logical_id} is not a function of {path.name}; functions: {', '.join(function_names(path))}")
    properties = {**template.get("Globals", {}).get("Function", {}), **resource["Properties"]}
    module_name, _, attribute = properties["Handler"].rpartition(".")
    source = path.parent / properties["CodeUri"] / f"{module_name.replace('.', '/')}.py"
    spec = importlib.util.spec_from_file_location(f"partnerapi_function_{logical_id}", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, attribute)
