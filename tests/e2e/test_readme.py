"""README.md as written: its operator section runs literally, its references resolve, and what its
commands generate is git-ignored.

The shell blocks of "## Operating it" run in order as one `bash -eE -o pipefail` script (shell variables
carry from block to block), in a fresh temporary directory that mirrors the repository's top level
with symlinks: paths like `infra/fixtures/demo.json` resolve as at the repository root, while the
files the commands write (`env.json`, …) land in the temporary directory, never in the checkout.
`partnerapi` is the venv's (its bin directory first on PATH).

`make serve …` runs the Makefile's own recipe for it (`make -n` prints it) on a free port until the
sandbox answers one authenticated SOAP call (zeep, demo/demo), then stops it with SIGTERM, as `kill`
would, and the script goes on, as a person's would after stopping the server.
"""

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from partnerapi_ops import REPO_ROOT
from partnerapi_ops.agents_provisioning import KEY_FILE_SUFFIX
from partnerapi_ops.persistence import LOCK_SUFFIX, TEMPORARY_SUFFIX
from support.demo import DEMO
from support.external_tools import require_commands

README = REPO_ROOT / "README.md"
OPERATOR_SECTION = "Operating it"
SHELL_LANGUAGES = ("sh", "bash", "shell")
SPEC_REFERENCE = re.compile(r"\.\./shared/seeds/[\w.-]+\.txt")
SCRIPT_TIMEOUT_SECONDS = 900

# `make serve …` in the README: the check run in its place (argv: recipe, output file, login, password, partner name)
SERVE_CHECK = r"""
import re, shlex, signal, subprocess, sys, time
from pathlib import Path
import requests
from zeep import Client
from zeep.transports import Transport

recipe, output, login, password, expected = sys.argv[1:6]
with open(output, "w", encoding="utf-8") as sink:
    server = subprocess.Popen(shlex.split(recipe), stdout=sink, stderr=subprocess.STDOUT)
try:
    deadline = time.monotonic() + 300
    while "  data:" not in (text := Path(output).read_text(encoding="utf-8", errors="replace")):
        if server.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"`{recipe}` did not start (exit {server.poll()}):\n{text}")
        time.sleep(0.1)
    wsdl = re.search(r"PartnerAPI sandbox: (\S+)", text).group(1)
    session = requests.Session()
    session.auth = (login, password)
    rows = Client(wsdl, transport=Transport(session=session, timeout=120)).service.partner_read()
    print(f"{login}: partner_read -> {[row.partner_name for row in rows]}")
    if [row.partner_name for row in rows] != [expected]:
        sys.exit(f"partner_read as {login} answered {rows!r}, not {expected!r}")
finally:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(120)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
if server.returncode != 0:
    sys.exit(f"`{recipe}` exited {server.returncode} after SIGTERM:\n{Path(output).read_text(encoding='utf-8', errors='replace')}")
"""

# Before the README's lines: errexit also inside functions and substitutions (-E); the DEBUG trap marks on
# stderr which README line runs (so a failure shows that command's stderr), the ERR trap records the
# failing line; `make serve` becomes the check above, run on the Makefile's own recipe.
PRELUDE = r"""set -eE -o pipefail
__readme_line=0
trap '__readme_line=$LINENO; printf "\n@@readme-line %s@@\n" "$LINENO" >&2' DEBUG
trap 'printf "%s %s\n" "$?" "$__readme_line" > "$READMETEST_FAILURE"' ERR
make() {
    if [ "${1-}" != serve ]; then command make "$@"; return; fi
    local recipe port
    port=$("$READMETEST_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    recipe=$(command make --no-print-directory -n "$@" PORT="$port" | grep -E '(^|/)partnerapi serve( |$)' | tail -n 1)
    if [ -z "$recipe" ]; then echo "make -n $* prints no 'partnerapi serve' recipe" >&2; return 1; fi
    "$READMETEST_PYTHON" -c "$READMETEST_SERVE_CHECK" "$recipe" "$READMETEST_SCRATCH/serve.out" demo demo "$READMETEST_PARTNER_NAME"
}
"""


@dataclass
class ShellBlock:
    first_line: int  # README line number (1-based) of the block's first line of code
    code: str


@dataclass
class ReadmeRun:
    directory: Path  # where the commands ran
    script_lines: dict[int, int]  # script line → README line
    returncode: int
    failure: tuple[int, int] | None  # (exit status, README line) of the failing command
    stdout: str
    stderr_by_line: dict[int, str] = field(default_factory=dict)  # README line → what it wrote to stderr

    def generated_files(self) -> list[str]:
        """Paths (relative) the commands created: everything in the directory but the repository's symlinks."""
        found = []
        for entry in self.directory.iterdir():
            if entry.is_symlink():
                continue
            paths = [entry] if not entry.is_dir() else [path for path in entry.rglob("*") if not path.is_dir()]
            found += [str(path.relative_to(self.directory)) for path in paths]
        return sorted(found)


def section_shell_blocks(markdown: str, heading: str) -> list[ShellBlock]:
    """The shell code blocks under the `## heading` (its subsections included), in order."""
    tokens = MarkdownIt("commonmark").parse(markdown)
    blocks: list[ShellBlock] = []
    inside = False
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h2":
            inside = tokens[index + 1].content.strip() == heading
        elif inside and token.type == "fence" and token.info.split()[:1] and token.info.split()[0] in SHELL_LANGUAGES:
            blocks.append(ShellBlock(first_line=token.map[0] + 2, code=token.content))
    return blocks


def script_of(blocks: list[ShellBlock]) -> tuple[str, dict[int, int]]:
    """One script: the prelude, then every block; with the README line of each script line."""
    lines = PRELUDE.splitlines()
    readme_lines: dict[int, int] = {}
    for block in blocks:
        for offset, line in enumerate(block.code.splitlines()):
            lines.append(line)
            readme_lines[len(lines)] = block.first_line + offset
    return "\n".join(lines) + "\n", readme_lines


def stderr_by_readme_line(stderr: str, readme_lines: dict[int, int]) -> dict[int, str]:
    segments: dict[int, str] = {}
    parts = re.split(r"\n?@@readme-line (\d+)@@\n", stderr)
    for number, text in zip(parts[1::2], parts[2::2], strict=True):
        readme_line = readme_lines.get(int(number))
        if readme_line is not None:  # the ERR trap's own commands mark the failing line again
            segments[readme_line] = segments.get(readme_line, "") + text
    return segments


def mirror_of_repository(directory: Path) -> None:
    """Symlinks to the repository's top-level entries, but not to files git ignores (a developer's own
    env.json must not make the run's data file any less fresh)."""
    entries = [entry for entry in REPO_ROOT.iterdir() if entry.name != ".git"]
    files = [entry.name for entry in entries if not entry.is_dir()]
    ignored = set(git_ignored(files))
    for entry in entries:
        if entry.name not in ignored:
            (directory / entry.name).symlink_to(entry)


def git_ignored(names: list[str]) -> list[str]:
    """Which of these paths (relative to the repository root) its .gitignore files ignore."""
    if not names:
        return []
    completed = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"], cwd=REPO_ROOT, input="\n".join(names) + "\n", capture_output=True, text=True, check=False
    )
    assert completed.returncode in (0, 1), completed.stderr  # 1: none of them is ignored
    return completed.stdout.splitlines()


def require_git_checkout() -> None:
    require_commands("git")
    inside = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if inside.stdout.strip() != "true":
        pytest.skip("not a git checkout: .gitignore cannot be applied")


def run_shell_blocks(blocks: list[ShellBlock], directory: Path, scratch: Path) -> ReadmeRun:
    """Runs the blocks as one script in `directory` (harness files in `scratch`), as a user's shell would:
    no emulation or AWS tables of the test process, the venv's commands first on PATH."""
    script, readme_lines = script_of(blocks)
    (scratch / "operating-it.sh").write_text(script, encoding="utf-8")
    failure_file = scratch / "failure"
    environment = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "READMETEST_", "PARTNERAPI_"))}
    for name in ("ENTITIES_TABLE", "CREDENTIALS_TABLE", "IDEMPOTENCY_TABLE", "CHAT_HISTORY_BUCKET", "AGENT_PASSWORD_KEY_FILE"):
        environment.pop(name, None)
    environment.update(
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        READMETEST_FAILURE=str(failure_file),
        READMETEST_PYTHON=sys.executable,
        READMETEST_SCRATCH=str(scratch),
        READMETEST_SERVE_CHECK=SERVE_CHECK,
        READMETEST_PARTNER_NAME=DEMO["partner_name"],
    )
    completed = subprocess.run(
        ["bash", str(scratch / "operating-it.sh")],
        cwd=directory,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT_SECONDS,
        check=False,
    )
    failure = None
    if failure_file.exists():
        status, line = failure_file.read_text().split()
        failure = (int(status), readme_lines.get(int(line), 0))
    return ReadmeRun(directory, readme_lines, completed.returncode, failure, completed.stdout, stderr_by_readme_line(completed.stderr, readme_lines))


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory: pytest.TempPathFactory) -> ReadmeRun:
    require_commands("bash", "make")
    require_git_checkout()
    blocks = section_shell_blocks(README.read_text(encoding="utf-8"), OPERATOR_SECTION)
    assert blocks, f'README.md has no ```sh block under "## {OPERATOR_SECTION}"'
    directory, scratch = tmp_path_factory.mktemp("readme-cwd"), tmp_path_factory.mktemp("readme-harness")
    mirror_of_repository(directory)
    return run_shell_blocks(blocks, directory, scratch)


# --------------------------------------------------------------------------------- the commands --


@pytest.mark.timeout(SCRIPT_TIMEOUT_SECONDS + 60)
def test_every_command_of_the_operator_section_succeeds_on_a_fresh_data_file(readme_run: ReadmeRun):
    # Given the shell blocks of "## Operating it", run in order in a fresh directory (fixture readme_run)
    readme = README.read_text(encoding="utf-8").splitlines()
    # Then every command exited 0
    if readme_run.failure is not None or readme_run.returncode != 0:
        status, line = readme_run.failure or (readme_run.returncode, 0)
        command = readme[line - 1].strip() if line else "?"
        stderr = readme_run.stderr_by_line.get(line, "").strip()
        pytest.fail(f"README.md line {line}: `{command}` exited {status}\nstderr:\n{stderr[-4000:]}\n\nstdout (tail):\n{readme_run.stdout[-2000:]}")
    # and the sandbox of `make serve` answered as the demo partner (the check prints what it read)
    if any(re.match(r"\s*make serve\b", readme[line - 1]) for line in readme_run.script_lines.values()):
        assert f"demo: partner_read -> [{DEMO['partner_name']!r}]" in readme_run.stdout


@pytest.mark.timeout(SCRIPT_TIMEOUT_SECONDS + 60)
def test_what_the_operator_section_generates_is_git_ignored(readme_run: ReadmeRun):
    # Given the files the README's commands wrote (in a human's checkout: at the repository root)
    generated = readme_run.generated_files()
    assert generated, "the README's commands wrote no file"
    # Then .gitignore ignores every one of them: `git status` shows nothing new after following the README
    assert sorted(set(generated) - set(git_ignored(generated))) == []


@pytest.mark.parametrize("data_file", ["env.json", "sandbox-data.json"])
def test_the_files_a_sandbox_keeps_next_to_its_data_file_are_git_ignored(data_file):
    # Given a data file name the README or the Makefile uses, and what the sandbox writes next to it
    # (its lock, the agent-password key, the temporary file of each durable write)
    require_git_checkout()
    names = [data_file] + [data_file + suffix for suffix in (LOCK_SUFFIX, KEY_FILE_SUFFIX, TEMPORARY_SUFFIX)]
    # Then git ignores them all
    assert sorted(set(names) - set(git_ignored(names))) == []


# ------------------------------------------------------------------------------- the references --


def markdown_links(markdown: str) -> list[str]:
    """Targets of the links and images of a markdown document (inline and reference style)."""
    targets = []
    for token in MarkdownIt("commonmark").parse(markdown):
        for child in token.children or []:
            if child.type == "link_open":
                targets.append(str(child.attrs.get("href", "")))
            elif child.type == "image":
                targets.append(str(child.attrs.get("src", "")))
    return targets


def is_local(target: str) -> bool:
    return bool(target) and not target.startswith("#") and not re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", target)


@pytest.mark.parametrize("document", [README, *sorted((REPO_ROOT / "docs").glob("*.md"))], ids=lambda path: str(path.relative_to(REPO_ROOT)))
def test_every_relative_link_points_to_an_existing_file(document: Path):
    # Given the local links of a document (not URLs, not anchors within it)
    targets = [target for target in markdown_links(document.read_text(encoding="utf-8")) if is_local(target)]
    # Then each resolves, relative to the document, to an existing file or folder
    from urllib.parse import unquote

    missing = [target for target in targets if not (document.parent / unquote(target.split("#", 1)[0])).exists()]
    assert missing == []


def test_the_readmes_reference_to_the_spec_resolves():
    # Given the README's path to the spec, relative to the repository (a clone has ../shared beside it)
    references = SPEC_REFERENCE.findall(README.read_text(encoding="utf-8"))
    assert references, "README.md names no ../shared/seeds/….txt spec"
    # Then each exists and is the spec of PartnerAPI
    for reference in references:
        spec = REPO_ROOT / reference
        assert spec.is_file(), f"{reference} does not exist relative to the repository"
        assert "PartnerAPI" in spec.read_text(encoding="utf-8", errors="replace")


# ----------------------------------------------------------------------- files the README names --


def test_the_sample_its_registry_loads_every_row(aws):
    # Given infra/fixtures/its-registry-sample.csv, the file the README's `its import` can load
    from partnerapi.logic.its import normalize_reg_number
    from partnerapi_ops.its_registry import import_registry

    sample = REPO_ROOT / "infra" / "fixtures" / "its-registry-sample.csv"
    rows = sample.read_text(encoding="utf-8").splitlines()[1:]
    # When it is imported
    counts = import_registry(sample, progress=False)
    # Then every row is valid and written, numbers in any documented spelling
    assert (counts["invalid"], counts["written"], counts["file_error"]) == (0, len(rows), None)
    assert len({normalize_reg_number(row.split(";")[0]) for row in rows}) == len(rows)
