"""`partnerapi`: the operator's command line and the local sandbox. Every command: docs/operator.md.

typer (with the click it vendors) parses, prompts and writes the help. Every error, whatever raised it, is one
line on stderr, `partnerapi: …`, with exit code 2 (OperatorCommands.main); `--debug` or
PARTNERAPI_DEBUG=1 adds the traceback.
"""

import json
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer
from typer.core import TyperGroup

DEMO_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "demo.json"


class OperatorError(Exception):
    """A refusal the operator can act on: its text is the whole message."""


@dataclass
class Run:
    """What the root options decide for the whole run."""

    debug: bool = False
    command: str = "partnerapi"  # the command's words, without its options (for the data file's lock)


current_run: ContextVar[Run] = ContextVar("current_run")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def describe(error: BaseException) -> str:
    """One line saying what went wrong, for any exception a command can raise."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
    from pydantic import ValidationError

    if isinstance(error, typer.Abort):
        return "aborted"
    if isinstance(error, typer.TyperException):  # typer's usage errors: a wrong option, a missing or bad value
        usage = getattr(error, "ctx", None)
        where = f" (see '{usage.command_path} --help')" if usage is not None else ""
        return _one_line(error.format_message() if hasattr(error, "format_message") else str(error)) + where
    if isinstance(error, ValidationError):
        problems = []
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"])
            message = problem["msg"].removeprefix("Value error, ")
            problems.append(f"{field}: {message}" if field else message)
        return "invalid input: " + _one_line("; ".join(problems))
    if isinstance(error, NoCredentialsError):
        return f"{error}: without --data the command acts on AWS (ENTITIES_TABLE, CREDENTIALS_TABLE) and needs its credentials"
    if isinstance(error, ClientError | BotoCoreError):
        return "AWS: " + _one_line(str(error))
    if isinstance(error, KeyError) and error.args:
        return _one_line(str(error.args[0]))  # str() of a KeyError is its repr, quotes and all
    if isinstance(error, OperatorError | ValueError | OSError | LookupError):
        return _one_line(str(error)) or type(error).__name__
    return f"unexpected {type(error).__name__}: {_one_line(str(error))} (--debug shows the traceback)"


class OperatorCommands(TyperGroup):
    """The root command: the one error boundary of every command, whoever calls it (the console
    script, `python -m`, typer's CliRunner)."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        run = Run()
        token = current_run.set(run)
        try:
            code = super().main(args=args, prog_name=prog_name or "partnerapi", complete_var=complete_var, standalone_mode=False, **extra)
        except Exception as error:  # the boundary: nothing reaches the operator as a traceback
            if run.debug:
                traceback.print_exc()
            typer.echo(f"partnerapi: {describe(error)}", err=True)
            code = 2
        finally:
            current_run.reset(token)
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    cls=OperatorCommands,
    name="partnerapi",
    help="PartnerAPI operator tool and local sandbox (docs/operator.md).",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(debug: Annotated[bool, typer.Option("--debug", envvar="PARTNERAPI_DEBUG", help="print the traceback of an error too")] = False) -> None:
    current_run.get().debug = debug


def remember_command(ctx: typer.Context, data: Path | None) -> Path | None:
    """--data's callback: keeps the command's words for the lock file, which names who holds the file."""
    current_run.get().command = ctx.command_path
    return data


def _group(name: str, help_text: str) -> typer.Typer:
    group = typer.Typer(help=help_text, add_completion=False)
    app.add_typer(group, name=name)
    return group


region_commands = _group("region", "Regions.")
contact_type_commands = _group("contact-type", "Contact types.")
role_commands = _group("role", "Roles.")
partner_commands = _group("partner", "Partners, their logins and what they are granted.")
login_commands = _group("login", "Partner logins: list, disable, enable, delete.")
its_commands = _group("its", "The ITS registry (docs/its-registry.md).")
service_type_commands = _group("service-type", "Service types (support lines): public, or private to a partner.")
vendor_commands = _group("vendor", "Export a partner's own service type to another partner, or revoke it.")

Data = Annotated[Path | None, typer.Option("--data", dir_okay=False, callback=remember_command, help="act on this local data file (as `serve --data` keeps it) instead of the environment's tables")]
PartnerId = Annotated[UUID, typer.Option("--partner-id", help="the partner's ID")]
Login = Annotated[str, typer.Option("--login", help="1-64 printable ASCII characters, no ':' and no space")]
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="read the password from the first line of stdin; otherwise it is asked for (hidden, twice)")]
# refused with advice: a password in argv is visible in `ps` and kept in shell history
RefusedPassword = Annotated[str | None, typer.Option("--password", hidden=True)]
NoProgress = Annotated[bool, typer.Option("--no-progress", help="no progress bar (it is shown only on a terminal anyway)")]
Workers = Annotated[int, typer.Option("--workers", min=1, max=8, help="writer threads")]


@contextmanager
def target(data: Path | None, demo_if_unset: bool = False) -> Iterator[str]:
    """Where a command acts: a local data file, the environment (AWS or AWS_ENDPOINT_URL), or,
    for `invoke` with neither, a fresh local emulation with the demo data."""
    from partnerapi_ops.persistence import DataFileBusy, DataFileError
    from partnerapi_ops.sandbox import emulated_aws

    if data:
        command = current_run.get().command  # its words only: a password must not reach the lock file
        try:
            # holds the file's lock while it runs: a sandbox on the same file would overwrite our writes, or we its
            with emulated_aws(Path(data), seed_demo=False, holder={"command": command}):
                yield f"local data file {data}"
        except DataFileBusy as busy:
            raise OperatorError(busy.message(command)) from None
        except DataFileError as error:
            raise OperatorError(str(error)) from None
    elif os.environ.get("ENTITIES_TABLE"):
        yield "tables " + os.environ["ENTITIES_TABLE"] + " / " + os.environ.get("CREDENTIALS_TABLE", "?")
    elif demo_if_unset:
        with emulated_aws(None, seed_demo=True):
            yield "a fresh local emulation with the demo data"
    else:
        raise OperatorError("give --data FILE (local) or set ENTITIES_TABLE and CREDENTIALS_TABLE (AWS or AWS_ENDPOINT_URL)")


def emit(result: dict[str, Any], indent: int | None = None) -> None:
    print(json.dumps(result, ensure_ascii=False, default=str, indent=indent))


def _checked_login(login: str) -> str:
    from partnerapi.data.credentials import login_problem

    problem = login_problem(login)
    if problem:
        raise OperatorError(f"login refused: {problem}")
    return login


def read_password(from_stdin: bool, on_command_line: str | None) -> str:
    """The new password: the first line of stdin, or typed twice at a hidden prompt. Read before the
    data file is locked, so nobody waits on a person typing."""
    from partnerapi.data.credentials import password_problem

    if on_command_line is not None:
        raise OperatorError("--password is not accepted (ps and shell history would show it): type it at the prompt or pipe it with --password-stdin")
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise OperatorError("--password-stdin: stdin is empty")
        password = line.rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise OperatorError("stdin is not a terminal to ask for the password on: pipe it with --password-stdin")
        try:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)  # stdout stays the JSON result
        except typer.Abort:
            raise OperatorError("no password given") from None
    problem = password_problem(password)
    if problem:
        raise OperatorError(f"password refused: {problem}")
    return password


def given(field: str, value: UUID | None) -> dict[str, str]:
    """`{field: value}` when the option was given: the model's default (a new ID) otherwise."""
    return {} if value is None else {field: str(value)}


# --------------------------------------------------------------------------------- sandbox --


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", min=0, max=65535, help="port to listen on")] = 8000,
    data: Annotated[Path | None, typer.Option("--data", dir_okay=False, help="keep all data in this JSON file across restarts")] = None,
    no_demo: Annotated[bool, typer.Option("--no-demo", help="start empty instead of with the demo partners")] = False,
) -> None:
    """Run the local sandbox: emulated AWS and the whole API."""
    import errno
    import signal
    from contextlib import nullcontext

    from partnerapi.groups import GROUP_OPERATIONS

    from partnerapi_ops.gateway import BASE_PATH, LocalGateway
    from partnerapi_ops.persistence import DataFileBusy, DataFileError, flush_interval, flushing
    from partnerapi_ops.sandbox import DEMO_CREDENTIALS, STOP_SIGNALS, emulated_aws, listen, operator_environment
    from partnerapi_ops.sandbox import serve as serve_app
    from partnerapi_ops.server import create_app

    interval = flush_interval()
    try:
        sock = listen(host, port)
    except OSError as error:
        hint = "; choose another with --port (make serve PORT=…)" if error.errno == errno.EADDRINUSE else ""
        raise OperatorError(f"cannot listen on {host}:{port}: {error.strerror or error}{hint}") from None

    def interrupt(number: int, frame: Any) -> None:
        raise KeyboardInterrupt

    for number in STOP_SIGNALS:  # until the server runs, a signal stops the start-up without writing the data file
        signal.signal(number, interrupt)
    port = sock.getsockname()[1]
    url = f"http://{host}:{port}{BASE_PATH}"
    try:
        with sock, emulated_aws(data, seed_demo=not no_demo, holder={"command": "serve", "port": port, "url": url}) as endpoint:
            loaded = bool(data and data.exists())  # nobody else writes it: we hold its lock
            with flushing(data, interval) if data else nullcontext() as flusher:
                if flusher and not loaded:
                    flusher.changed()  # the demo data (or nothing) becomes the file's first content
                print(f"PartnerAPI sandbox: {url}?wsdl", flush=True)
                print("  groups: " + "  ".join(f"{url}/{group}?wsdl" for group in GROUP_OPERATIONS), flush=True)
                if not loaded and not no_demo:
                    print("  credentials (HTTP Basic): " + "  ".join(f"{login}/{password}" for login, password in DEMO_CREDENTIALS), flush=True)
                print(f"  emulated AWS (moto): {operator_environment(endpoint)}", flush=True)
                print(f"  agent passwords sealed with AGENT_PASSWORD_KEY_FILE={os.environ.get('AGENT_PASSWORD_KEY_FILE', '')}", flush=True)
                kept = f"saved to {data} {interval:g} s after each change and on exit" if data else "in memory only (make serve DATA=file.json keeps it)"
                print(f"  data: {kept}", flush=True)
                # SIGINT/SIGTERM/SIGHUP: requests still running get 5 s, then the data file is written
                serve_app(create_app(LocalGateway()), sock)
            if data:
                print(f"saving to {data}", flush=True)
    except (DataFileBusy, DataFileError) as error:
        raise OperatorError(str(error)) from None
    except KeyboardInterrupt:
        print("partnerapi serve: stopped during start-up", file=sys.stderr)


@app.command()
def load(fixture: Annotated[Path, typer.Argument(dir_okay=False, help="a fixture file (docs/fixtures.md)")], data: Data = None) -> None:
    """Load a whole environment from a fixture file; loading it again changes nothing."""
    from partnerapi_ops.provisioning import load_fixture

    with target(data) as where:
        try:
            counts = load_fixture(fixture)
        except json.JSONDecodeError as error:
            raise OperatorError(f"{fixture}: not JSON: {error}") from None
    emit({"loaded_into": where, **counts})


# ----------------------------------------------------------------------- reference data --


@region_commands.command("add")
def region_add(
    name: Annotated[str, typer.Option(help="the region's name")],
    time_zone: Annotated[int, typer.Option(min=-12, max=14, help="hours from UTC")],
    region_id: Annotated[UUID | None, typer.Option("--id", help="its ID (default: a new one; an existing one is renamed)")] = None,
    data: Data = None,
) -> None:
    """Add a region (or rename one: --id of an existing region)."""
    from partnerapi_ops import provisioning as p

    with target(data) as where:
        region = p.add_region(p.Region(region_name=name, region_time_zone=time_zone, **given("region_id", region_id)))
    emit({"written_to": where, **region.model_dump()})


@contact_type_commands.command("add")
def contact_type_add(
    name: Annotated[str, typer.Option(help="the type's name, e.g. Телефон")],
    code: Annotated[int, typer.Option(min=1, max=3, help="who it is for: 1 clients, 2 partners, 3 employees")],
    contact_type_id: Annotated[UUID | None, typer.Option("--id", help="its ID (default: a new one)")] = None,
    data: Data = None,
) -> None:
    """Add a contact type."""
    from partnerapi_ops import provisioning as p

    with target(data) as where:
        contact_type = p.add_contact_type(p.ContactType(contact_type_name=name, contact_type_code=code, **given("contact_type_id", contact_type_id)))
    emit({"written_to": where, **contact_type.model_dump()})


@role_commands.command("add")
def role_add(
    role_id: Annotated[int, typer.Option("--id", min=0, max=999_999, help="the role's number")],
    name: Annotated[str, typer.Option(help="the role's name")],
    data: Data = None,
) -> None:
    """Add a role (or rename one)."""
    from partnerapi_ops import provisioning as p

    with target(data) as where:
        role = p.add_role(p.Role(role_id=role_id, role_name=name))
    emit({"written_to": where, **role.model_dump()})


# ------------------------------------------------------------------------------ partners --


@partner_commands.command("add")
def partner_add(
    name: Annotated[str, typer.Option(help="the partner's name")],
    login: Login,
    partner_id: Annotated[UUID | None, typer.Option("--id", help="its ID (default: a new one); an existing partner is refused")] = None,
    password_stdin: PasswordStdin = False,
    password: RefusedPassword = None,
    data: Data = None,
) -> None:
    """Add a new partner with its first login. A login that exists, whoever has it, is refused."""
    from partnerapi_ops import provisioning as p

    partner = p.Partner(partner_name=name, login=_checked_login(login), password=read_password(password_stdin, password), **given("partner_id", partner_id))
    with target(data) as where:
        partner_id = p.add_partner(partner.partner_id, partner.partner_name, partner.login, partner.password)
    emit({"written_to": where, "partner_id": partner_id, "login": login})


@partner_commands.command("add-login")
def partner_add_login(partner_id: PartnerId, login: Login, password_stdin: PasswordStdin = False, password: RefusedPassword = None, data: Data = None) -> None:
    """Give an existing partner another login (or give it back a login of its own that was deleted)."""
    from partnerapi_ops import provisioning as p

    _checked_login(login)
    new_password = read_password(password_stdin, password)
    with target(data) as where:
        result = p.add_login(str(partner_id), login, new_password)
    emit({"written_to": where, **result})


@partner_commands.command("set-password")
def partner_set_password(
    login: Annotated[str, typer.Option("--login", help="an existing login")],
    partner_id: Annotated[UUID | None, typer.Option("--partner-id", help="refuse unless the login is this partner's")] = None,
    password_stdin: PasswordStdin = False,
    password: RefusedPassword = None,
    data: Data = None,
) -> None:
    """Change the password of an existing login; never its partner."""
    from partnerapi_ops import provisioning as p

    new_password = read_password(password_stdin, password)
    with target(data) as where:
        result = p.set_password(login, new_password, str(partner_id) if partner_id else None)
    emit({"written_to": where, **result})


@partner_commands.command("grant-region")
def partner_grant_region(partner_id: PartnerId, region_id: Annotated[UUID, typer.Option(help="an existing region")], data: Data = None) -> None:
    """Let a partner work in a region."""
    from partnerapi_ops import provisioning as p

    with target(data) as where:
        p.grant_region(str(partner_id), str(region_id))
    emit({"written_to": where, "partner_id": str(partner_id), "region_id": str(region_id)})


@partner_commands.command("grant-role")
def partner_grant_role(partner_id: PartnerId, role_id: Annotated[int, typer.Option(help="an existing role")], data: Data = None) -> None:
    """Give a partner a role."""
    from partnerapi_ops import provisioning as p

    with target(data) as where:
        p.grant_role(str(partner_id), role_id)
    emit({"written_to": where, "partner_id": str(partner_id), "role_id": role_id})


@partner_commands.command("add-contract")
def partner_add_contract(
    partner_id: PartnerId,
    role_id: Annotated[int, typer.Option(help="an existing role")],
    start: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="first day, YYYY-MM-DD")],
    end: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="last day, YYYY-MM-DD (default: open-ended, 0001-01-01)")] = None,
    contract_id: Annotated[UUID | None, typer.Option("--id", help="its ID (default: a new one)")] = None,
    data: Data = None,
) -> None:
    """Add a contract of a partner."""
    from partnerapi_ops import provisioning as p

    contract = p.Contract(contract_start_date=start.date(), contract_end_date=end.date() if end else date(1, 1, 1), role_id=role_id, **given("contract_id", contract_id))
    with target(data) as where:
        added = p.add_contract(str(partner_id), contract)
    emit({"written_to": where, **added.model_dump(mode="json")})


@partner_commands.command("list")
def partner_list(data: Data = None) -> None:
    """Every partner with its logins and their state."""
    from partnerapi_ops import provisioning as p

    with target(data) as where:
        partners = p.list_partners()
    emit({"read_from": where, "partners": partners}, indent=2)


@partner_commands.command("show")
def partner_show(partner_id: PartnerId, data: Data = None) -> None:
    """A partner: name, logins with their state, regions, roles, contracts."""
    from partnerapi_ops import provisioning as p

    with target(data) as where:
        partner = p.show_partner(str(partner_id))
    emit({"read_from": where, **partner}, indent=2)


# -------------------------------------------------------------------------------- logins --


@login_commands.command("list")
def login_list(partner_id: Annotated[UUID | None, typer.Option("--partner-id", help="only this partner's")] = None, data: Data = None) -> None:
    """Logins with their partner and state (active, disabled, deleted)."""
    from partnerapi_ops import provisioning as p

    with target(data) as where:
        logins = p.logins(str(partner_id) if partner_id else None)
    emit({"read_from": where, "logins": logins}, indent=2)


def _set_state(login: str, state: str, data: Path | None) -> None:
    from partnerapi_ops import provisioning as p

    with target(data) as where:
        result = p.set_login_state(login, state)
    emit({"written_to": where, **result})


@login_commands.command("disable")
def login_disable(login: Annotated[str, typer.Option("--login", help="an existing login")], data: Data = None) -> None:
    """Stop a login from signing in; `login enable` lets it again, with the same password."""
    _set_state(login, "disabled", data)


@login_commands.command("enable")
def login_enable(login: Annotated[str, typer.Option("--login", help="a disabled login")], data: Data = None) -> None:
    """Let a disabled login sign in again."""
    _set_state(login, "active", data)


@login_commands.command("delete")
def login_delete(login: Annotated[str, typer.Option("--login", help="an existing login")], data: Data = None) -> None:
    """Delete a login: its password is erased; the name stays reserved for its partner (`partner add-login`)."""
    _set_state(login, "deleted", data)


# ------------------------------------------------------------------------- bulk loading --


@its_commands.command("import")
def its_import(file: Annotated[Path, typer.Argument(help="CSV, JSON Lines or a JSON array")], no_progress: NoProgress = False, workers: Workers = 4, data: Data = None) -> None:
    """Load an ITS registry file; exit 1 if some rows were invalid (the valid ones are loaded)."""
    from partnerapi_ops.its_registry import RegistryFileError, import_registry

    with target(data) as where:
        try:
            counts = import_registry(file, progress=not no_progress, workers=workers)
        except (RegistryFileError, OSError) as error:
            raise OperatorError(f"{file}: {error}") from None
    emit({"loaded_into": where, **counts})
    if counts["invalid"] or counts["file_error"]:
        raise typer.Exit(1)


@app.command()
def ingest(file: Annotated[str, typer.Argument(help="JSON Lines, `-` for stdin (docs/events.md)")], no_progress: NoProgress = False, workers: Workers = 4, data: Data = None) -> None:
    """Store statistics records; exit 1 if some were invalid or failed (the others are stored)."""
    from partnerapi_ops.ingest_cli import ingest_file

    with target(data) as where:
        try:
            counts = ingest_file(file, progress=not no_progress, workers=workers)
        except OSError as error:
            raise OperatorError(f"{file}: {error}") from None
    emit({"loaded_into": where, **counts})
    if counts["invalid"] or counts["failed"]:
        raise typer.Exit(1)


@app.command("demo-events")
def demo_events(
    fixture: Annotated[Path, typer.Option(dir_okay=False, help="whose partners the records are for")] = DEMO_FIXTURE,
    days: Annotated[int, typer.Option(min=1, help="the last N days up to now")] = 62,
    seed: Annotated[int, typer.Option(help="the same seed gives the same records")] = 1,
    out: Annotated[Path | None, typer.Option(dir_okay=False, help="file to write (default: stdout)")] = None,
) -> None:
    """Write realistic statistics records for the partners of a fixture (JSON Lines)."""
    from partnerapi_ops.demo_events import generate, write_jsonl

    records = json.loads(fixture.read_text(encoding="utf-8"))
    count = write_jsonl(generate(records, days=days, seed=seed), out)
    print(f"# {count} records for the partners of {fixture}", file=sys.stderr)


# ------------------------------------------------------------------------ service types --


@service_type_commands.command("add")
def service_type_add(
    name: Annotated[str, typer.Option(help="the line's name")],
    full_name: Annotated[str | None, typer.Option(help="default: the name")] = None,
    partner_id: Annotated[UUID | None, typer.Option("--partner-id", help="the owning partner (a private type); omitted: a public type")] = None,
    service_type_id: Annotated[UUID | None, typer.Option("--id", help="its ID (default: a new one)")] = None,
    data: Data = None,
) -> None:
    """Add a service type: public, or private to --partner-id (which can then export it)."""
    from partnerapi_ops import services_provisioning as s

    service_type = s.ServiceType(service_type_name=name, service_type_full_name=full_name or "", **given("service_type_id", service_type_id))
    owner = str(partner_id) if partner_id else None
    with target(data) as where:
        added = s.add_service_type(service_type, owner)
    emit({"written_to": where, **added.model_dump(), "partner_id": owner})


VendorId = Annotated[UUID, typer.Option("--partner-id", help="the vendor: owner of the line")]
LineId = Annotated[UUID, typer.Option("--service-type-id", help="the vendor's own service type")]
ImporterId = Annotated[UUID, typer.Option("--importer-id", help="the partner the line is exported to")]


@vendor_commands.command("export")
def vendor_export(partner_id: VendorId, service_type_id: LineId, importer_id: ImporterId, data: Data = None) -> None:
    """Make a partner's own service type visible to another partner."""
    from partnerapi_ops import services_provisioning as s

    with target(data) as where:
        result = s.export_service_type(str(partner_id), str(service_type_id), str(importer_id))
    emit({"written_to": where, **result})


@vendor_commands.command("revoke")
def vendor_revoke(partner_id: VendorId, service_type_id: LineId, importer_id: ImporterId, data: Data = None) -> None:
    """Undo an export (the importer's existing subscriptions of the line stay)."""
    from partnerapi_ops import services_provisioning as s

    with target(data) as where:
        result = s.revoke_export(str(partner_id), str(service_type_id), str(importer_id))
    emit({"written_to": where, **result})


# -------------------------------------------------------------------------------- invoke --


@app.command()
def invoke(
    function: Annotated[str, typer.Argument(help="a function's logical ID in template.yaml, e.g. PartnersFunction")],
    event: Annotated[Path, typer.Option(dir_okay=False, help="the event file, e.g. events/partners_partner_read.json")],
    raw: Annotated[bool, typer.Option("--raw", help="print the function's result as it is (a proxy response's body base64/gzip-encoded)")] = False,
    data: Data = None,
) -> None:
    """Invoke a function of template.yaml with an event file (like `sam local invoke`, no Docker).
    Without --data or tables in the environment: a fresh emulation with the demo data."""
    from partnerapi.router import use_invoker

    from partnerapi_ops.gateway import LocalFunctions
    from partnerapi_ops.invoke_output import render

    try:
        request = json.loads(event.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise OperatorError(f"{event}: not JSON: {error}") from None
    with target(data, demo_if_unset=True) as where:
        functions = LocalFunctions()
        use_invoker(functions.invoke)  # a router event reaches its group function in-process too
        try:
            result = functions.invoke(function, request)
        except PermissionError as refusal:  # what the authorizer raises for a bad credential
            result = {"errorType": type(refusal).__name__, "errorMessage": str(refusal)}
    print(f"# {function} against {where}", file=sys.stderr)
    print(render(result, raw))


def main(argv: list[str] | None = None) -> int:
    """The console script `partnerapi` (and `python -m partnerapi_ops.cli`): the exit code."""
    return typer.main.get_command(app).main(args=argv, prog_name="partnerapi", standalone_mode=False)


if __name__ == "__main__":
    sys.exit(main())
