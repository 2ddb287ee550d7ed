"""Third-party clients and browsers the suite drives (PHP SoapClient, JAX-WS wsimport, Chromium).

Outside CI a missing tool skips its tests with the command that installs it; in CI (`CI=true`,
where `.ci/run` installs them) a missing tool fails them, so the suite cannot silently shrink.
"""

import os
import shutil
import subprocess

import pytest

DEBIAN_PACKAGES = "php-cli php-soap jaxws default-jdk-headless chromium chromium-driver fonts-dejavu-core"
INSTALL = f"apt-get update && apt-get install -y {DEBIAN_PACKAGES}"


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI installs it in .ci/run: {INSTALL})")
    pytest.skip(f"{reason}; install it with: {INSTALL}")


def require_commands(*commands: str) -> None:
    missing = [command for command in commands if shutil.which(command) is None]
    if missing:
        _missing(f"{', '.join(missing)} not found")


def require_php_soap() -> str:
    """The php binary, with its soap extension loaded."""
    require_commands("php")
    modules = subprocess.run(["php", "-m"], capture_output=True, text=True, check=False).stdout.lower().split()
    if "soap" not in modules:
        _missing("PHP's soap extension is not loaded (Debian package php-soap)")
    return shutil.which("php") or "php"
