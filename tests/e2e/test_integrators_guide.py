"""docs/integrators.md's snippets run as written: each fenced block marked `test="…"` is extracted, pointed at the
real sandbox and run with its real client (Python with this venv, PHP, Java through wsimport); the test checks
the exit status and the lines it prints."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support.demo import DEMO
from support.external_tools import require_commands, require_php_soap

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "integrators.md"
PLACEHOLDER_URL = "http://127.0.0.1:8000/cus/ws/PartnerAPI"
FENCE = re.compile(r"^```(?P<language>\w+)(?P<info>[^\n]*)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)
UNKNOWN_CLIENT = "Не удалось преобразовать значение параметра client_id в ссылку: объект «no-such-client» не найден"
PARTNER_NAME = DEMO["partner_name"]


def snippets() -> dict[str, dict]:
    """The guide's runnable blocks by their `test` name: language, attributes, code."""
    found = {}
    for block in FENCE.finditer(GUIDE.read_text(encoding="utf-8")):
        attributes = dict(re.findall(r'(\w+)="([^"]*)"', block["info"]))
        if "test" in attributes:
            assert attributes["test"] not in found, f"two snippets named {attributes['test']}"
            found[attributes["test"]] = {"language": block["language"], "code": block["code"], **attributes}
    return found


@pytest.fixture
def snippet(sandbox):
    """snippet(name) → its code, aimed at the sandbox instead of the guide's placeholder address."""

    def get(name: str) -> str:
        code = snippets()[name]["code"]
        assert PLACEHOLDER_URL in code, f"snippet {name} does not use the placeholder address"
        return code.replace(PLACEHOLDER_URL, sandbox.url())

    return get


def run(command: list[str], cwd: Path | None = None) -> list[str]:
    # a UTF-8 locale, as an integrator's terminal has (Java prints in the locale's charset)
    environment = {**os.environ, "LC_ALL": "C.UTF-8"}
    # the timeout guards against a hung process, it does not measure anything
    completed = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, f"exit {completed.returncode}\n{completed.stdout}\n{completed.stderr}"
    return completed.stdout.splitlines()


def assert_lines(printed: list[str], *patterns: str) -> None:
    for pattern in patterns:
        assert any(re.fullmatch(pattern, line) for line in printed), f"no line matches {pattern!r} in:\n" + "\n".join(printed)


def test_every_client_snippet_is_run_and_only_1c_is_marked_as_not_executed():
    text = GUIDE.read_text(encoding="utf-8")
    blocks = list(FENCE.finditer(text))
    unmarked = {block["language"] for block in blocks if 'test="' not in block["info"]}
    assert unmarked == {"bsl"}
    assert set(snippets()) == {"zeep", "suds", "php", "java-build", "java"}
    assert "**Not executed by the tests**" in text


def test_zeep_snippet_uses_both_ports_retries_a_write_once_and_reads_fault_codes(snippet, tmp_path):
    script = tmp_path / "zeep_snippet.py"
    script.write_text(snippet("zeep"), encoding="utf-8")

    printed = run([sys.executable, str(script)])

    assert_lines(
        printed,
        f"partner: {re.escape(PARTNER_NAME)}",
        "same client: True",
        "inn: None kpp: 770201001",
        rf"fault: \S+:Client\.ReferenceNotFound \[\] {UNKNOWN_CLIENT}",
        rf"fault: \S+:Sender \['\{{http://buhphone\.com/PartnerAPI\}}ReferenceNotFound'\] {UNKNOWN_CLIENT}",
    )


def test_suds_snippet_reads_rows_and_a_fault(snippet, tmp_path):
    script = tmp_path / "suds_snippet.py"
    script.write_text(snippet("suds"), encoding="utf-8")

    printed = run([sys.executable, str(script)])

    assert_lines(printed, "client: ООО «Ромашка» \\| kpp: 770101001", rf"fault: \S+:Client\.ReferenceNotFound {UNKNOWN_CLIENT}")


def test_php_snippet_reads_single_rows_as_arrays_retries_a_write_once_and_reads_the_soap12_subcode(snippet, tmp_path):
    php = require_php_soap()
    script = tmp_path / "snippet.php"
    script.write_text(snippet("php"), encoding="utf-8")

    printed = run([php, str(script)])

    assert_lines(
        printed,
        f"partner: {re.escape(PARTNER_NAME)}",
        "same employee: true",
        "clients: listed",
        rf"fault: \S+:Sender ReferenceNotFound {UNKNOWN_CLIENT}",
    )


@pytest.mark.slow
def test_java_snippet_builds_with_wsimport_and_reads_plain_columns_and_the_soap12_subcode(snippet, tmp_path):
    require_commands("wsimport", "javac", "java")
    java = snippets()["java"]
    (tmp_path / java["file"]).write_text(snippet("java"), encoding="utf-8")
    build = tmp_path / "build.sh"
    build.write_text(snippet("java-build"), encoding="utf-8")

    printed = run(["bash", "-euo", "pipefail", str(build)], cwd=tmp_path)

    assert_lines(
        printed,
        f"partner: {re.escape(PARTNER_NAME)}",
        "client: ООО «Ромашка» \\| kpp: 770101001",
        "same employee: true",
        rf"fault: \{{http://buhphone\.com/PartnerAPI\}}ReferenceNotFound {UNKNOWN_CLIENT}",
    )
