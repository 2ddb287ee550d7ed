"""Operator tooling: the `partnerapi` CLI, the local sandbox and the AWS emulation it runs on.

Not part of the Lambda layer: nothing here runs on AWS.
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"
