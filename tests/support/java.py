"""A JAX-WS client built the way a Java integrator builds one: Debian's `wsimport` (jaxws 2.3) on the service's
WSDL, `javac` and `java` against Debian's JAX-WS runtime."""

import json
import subprocess
from pathlib import Path

from support.external_tools import require_commands

# Debian's jaxws runtime: the jar's manifest Class-Path names the rest (JAXB, SAAJ, stax-ex, …)
JAXWS_RUNTIME = "/usr/share/java/jaxws-rt.jar"
# Java 17 prints in the locale's charset unless told (sun.*: 17, stdout.*: 18+)
UTF8_OUTPUT = ("-Dfile.encoding=UTF-8", "-Dsun.stdout.encoding=UTF-8", "-Dstdout.encoding=UTF-8")
JAVA_CLIENTS = Path(__file__).resolve().parents[1] / "clients" / "java"


def _run(command: list[str], cwd: Path | None = None) -> str:
    # generous: a guard against a hung JVM on a loaded machine, not a performance check
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, f"{' '.join(command)} exited {completed.returncode}:\n{completed.stdout}\n{completed.stderr}"
    return completed.stdout


def wsimport(wsdl_url: str, directory: Path) -> str:
    """Generates and compiles the client classes (both ports: `-extension` adds the SOAP 1.2 one); the classpath."""
    require_commands("wsimport", "javac", "java")
    classes = directory / "classes"
    classes.mkdir(parents=True, exist_ok=True)
    _run(["wsimport", "-extension", "-quiet", "-d", str(classes), wsdl_url])
    return f"{classes}:{JAXWS_RUNTIME}"


def compile_and_run(source: Path, classpath: str, directory: Path, *arguments: str) -> str:
    """Compiles one Java file (its class named like the file) into `directory` against the generated classes
    and runs it; its stdout."""
    directory.mkdir(parents=True, exist_ok=True)
    _run(["javac", "-encoding", "UTF-8", "-d", str(directory), "-cp", classpath, str(source)])
    return _run(["java", *UTF8_OUTPUT, "-cp", f"{directory}:{classpath}", source.stem, *arguments])


def json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]
