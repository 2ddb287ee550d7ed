"""Load CloudFormation / SAM YAML templates with plain PyYAML.

CloudFormation's short-form tags (``!Ref``, ``!Sub``, ``!GetAtt`` ...) are
turned into their long JSON form (``{"Ref": ...}``, ``{"Fn::Sub": ...}``,
``{"Fn::GetAtt": [resource, attribute]}``) so a loaded template looks exactly
like the JSON CloudFormation itself works with. Literal properties (e.g. a
table's ``KeySchema``) come back as plain dicts/lists/strings and can be passed
straight to boto3 / moto.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["CfnYamlLoader", "load_template"]

# Tags whose long form is not simply "Fn::<Tag>".
_SPECIAL_NAMES = {"Ref": "Ref", "Condition": "Condition"}


class CfnYamlLoader(yaml.SafeLoader):
    """SafeLoader that understands CloudFormation intrinsic-function tags."""


def _construct_cfn_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = _SPECIAL_NAMES.get(tag_suffix, f"Fn::{tag_suffix}")
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            # !GetAtt Resource.Attribute (attribute may itself contain dots)
            resource, _, attribute = str(value).partition(".")
            value = [resource, attribute]
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CfnYamlLoader.add_multi_constructor("!", _construct_cfn_tag)


def load_template(path: str | Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM YAML template into a dict (intrinsics in long form)."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=CfnYamlLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a CloudFormation template (top level is {type(data).__name__})")
    return data
