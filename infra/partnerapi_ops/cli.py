"""`partnerapi`: the operator's command line. See README.md and docs/operator.md."""

import argparse
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any


@contextmanager
def target(data: str | None, demo_if_unset: bool = False) -> Iterator[str]:
    """Where a command acts: a local data file, the environment (AWS or AWS_ENDPOINT_URL), or,
    for `invoke` with neither, a fresh local emulation with the demo data."""
    from partnerapi_ops.persistence import DataFileBusy, DataFileError
    from partnerapi_ops.sandbox import emulated_aws

    if data:
        # the command's words without its options (a password must not reach the lock file)
        command = " ".join(["partnerapi", *(word for word in sys.argv[1:3] if not word.startswith("-"))])
        try:
            # holds the file's lock while it runs: a sandbox on the same file would overwrite our writes, or we its
            with emulated_aws(Path(data), seed_demo=False, holder={"command": command}):
                yield f"local data file {data}"
        except DataFileBusy as busy:
            print(f"partnerapi: {busy.message(command)}", file=sys.stderr)
            raise SystemExit(2) from None
        except DataFileError as error:
            print(f"partnerapi: {error}", file=sys.stderr)
            raise SystemExit(2) from None
    elif os.environ.get("ENTITIES_TABLE"):
        yield "tables " + os.environ["ENTITIES_TABLE"] + " / " + os.environ.get("CREDENTIALS_TABLE", "?")
    elif demo_if_unset:
        with emulated_aws(None, seed_demo=True):
            yield "a fresh local emulation with the demo data"
    else:
        raise SystemExit("partnerapi: give --data FILE (local) or set ENTITIES_TABLE and CREDENTIALS_TABLE (AWS or AWS_ENDPOINT_URL)")


def cmd_serve(args: argparse.Namespace) -> int:
    import errno
    import signal
    from contextlib import nullcontext

    from partnerapi.groups import GROUP_OPERATIONS

    from partnerapi_ops.gateway import BASE_PATH, LocalGateway
    from partnerapi_ops.persistence import DataFileBusy, DataFileError, flush_interval, flushing
    from partnerapi_ops.sandbox import DEMO_CREDENTIALS, STOP_SIGNALS, emulated_aws, listen, operator_environment, serve
    from partnerapi_ops.server import create_app

    data = Path(args.data) if args.data else None
    try:
        interval = flush_interval()
    except ValueError as error:
        print(f"partnerapi serve: {error}", file=sys.stderr)
        return 2
    try:
        sock = listen(args.host, args.port)
    except OSError as error:
        hint = "; choose another with --port (make serve PORT=…)" if error.errno == errno.EADDRINUSE else ""
        print(f"partnerapi serve: cannot listen on {args.host}:{args.port}: {error.strerror or error}{hint}", file=sys.stderr)
        return 2

    def interrupt(number: int, frame: Any) -> None:
        raise KeyboardInterrupt

    for number in STOP_SIGNALS:  # until the server runs, a signal stops the start-up without writing the data file
        signal.signal(number, interrupt)
    port = sock.getsockname()[1]
    url = f"http://{args.host}:{port}{BASE_PATH}"
    try:
        with sock, emulated_aws(data, seed_demo=not args.no_demo, holder={"command": "serve", "port": port, "url": url}) as endpoint:
            loaded = bool(data and data.exists())  # nobody else writes it: we hold its lock
            with flushing(data, interval) if data else nullcontext() as flusher:
                if flusher and not loaded:
                    flusher.changed()  # the demo data (or nothing) becomes the file's first content
                print(f"PartnerAPI sandbox: {url}?wsdl", flush=True)
                print("  groups: " + "  ".join(f"{url}/{group}?wsdl" for group in GROUP_OPERATIONS), flush=True)
                if not loaded and not args.no_demo:
                    print("  credentials (HTTP Basic): " + "  ".join(f"{login}/{password}" for login, password in DEMO_CREDENTIALS), flush=True)
                print(f"  emulated AWS (moto): {operator_environment(endpoint)}", flush=True)
                print(f"  agent passwords sealed with AGENT_PASSWORD_KEY_FILE={os.environ.get('AGENT_PASSWORD_KEY_FILE', '')}", flush=True)
                kept = f"saved to {data} {interval:g} s after each change and on exit" if data else "in memory only (make serve DATA=file.json keeps it)"
                print(f"  data: {kept}", flush=True)
                # SIGINT/SIGTERM/SIGHUP: requests still running get 5 s, then the data file is written
                serve(create_app(LocalGateway()), sock)
            if data:
                print(f"saving to {data}", flush=True)
    except DataFileBusy as busy:
        print(f"partnerapi serve: {busy}", file=sys.stderr)
        return 2
    except DataFileError as error:
        print(f"partnerapi serve: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("partnerapi serve: stopped during start-up", file=sys.stderr)
        return 0
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from partnerapi_ops.provisioning import load_fixture

    with target(args.data) as where:
        counts = load_fixture(Path(args.fixture))
    print(json.dumps({"loaded_into": where, **counts}, ensure_ascii=False))
    return 0


def cmd_provision(args: argparse.Namespace) -> int:
    from partnerapi_ops import provisioning as p

    with target(args.data) as where:
        result: Any
        if args.command == "region":
            result = p.add_region(p.Region(region_name=args.name, region_time_zone=args.time_zone, **({"region_id": args.id} if args.id else {}))).model_dump()
        elif args.command == "contact-type":
            result = p.add_contact_type(p.ContactType(contact_type_name=args.name, contact_type_code=args.code, **({"contact_type_id": args.id} if args.id else {}))).model_dump()
        elif args.command == "role":
            result = p.add_role(p.Role(role_id=args.id, role_name=args.name)).model_dump()
        elif args.action == "add":
            partner = p.Partner(partner_name=args.name, login=args.login, password=args.password, **({"partner_id": args.id} if args.id else {}))
            result = {"partner_id": p.add_partner(partner.partner_id, partner.partner_name, partner.login, partner.password), "login": args.login}
        elif args.action == "set-password":
            p.set_password(args.login, args.partner_id, args.password)
            result = {"login": args.login, "partner_id": args.partner_id}
        elif args.action == "grant-region":
            p.grant_region(args.partner_id, args.region_id)
            result = {"partner_id": args.partner_id, "region_id": args.region_id}
        elif args.action == "grant-role":
            p.grant_role(args.partner_id, args.role_id)
            result = {"partner_id": args.partner_id, "role_id": args.role_id}
        elif args.action == "add-contract":
            contract = p.Contract(contract_start_date=args.start, contract_end_date=args.end, role_id=args.role_id, **({"contract_id": args.id} if args.id else {}))
            result = p.add_contract(args.partner_id, contract).model_dump(mode="json")
        else:
            raise AssertionError(args.action)
    print(json.dumps({"written_to": where, **result}, ensure_ascii=False, default=str))
    return 0


def cmd_services(args: argparse.Namespace) -> int:
    """Service types and vendor exports (infra/partnerapi_ops/services_provisioning.py)."""
    from partnerapi_ops import services_provisioning as s

    with target(args.data) as where:
        result: Any
        if args.command == "service-type":
            service_type = s.ServiceType(service_type_name=args.name, service_type_full_name=args.full_name or "", **({"service_type_id": args.id} if args.id else {}))
            result = {**s.add_service_type(service_type, args.partner_id).model_dump(), "partner_id": args.partner_id}
        elif args.action == "export":
            result = s.export_service_type(args.partner_id, args.service_type_id, args.importer_id)
        else:
            result = s.revoke_export(args.partner_id, args.service_type_id, args.importer_id)
    print(json.dumps({"written_to": where, **result}, ensure_ascii=False, default=str))
    return 0


def cmd_invoke(args: argparse.Namespace) -> int:
    from partnerapi.router import use_invoker

    from partnerapi_ops.gateway import LocalFunctions

    event = json.loads(Path(args.event).read_text(encoding="utf-8"))
    with target(args.data, demo_if_unset=True) as where:
        functions = LocalFunctions()
        use_invoker(functions.invoke)  # a router event reaches its group function in-process too
        try:
            result = functions.invoke(args.function, event)
        except PermissionError as refusal:  # what the authorizer raises for a bad credential
            result = {"errorType": type(refusal).__name__, "errorMessage": str(refusal)}
    print(f"# {args.function} against {where}", file=sys.stderr)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def cmd_its(args: argparse.Namespace) -> int:
    from partnerapi_ops.its_registry import RegistryFileError, import_registry

    with target(args.data) as where:
        try:
            counts = import_registry(Path(args.file), progress=not args.no_progress, workers=args.workers)
        except (RegistryFileError, OSError) as error:
            print(f"partnerapi its import: {args.file}: {error}", file=sys.stderr)
            return 2
    print(json.dumps({"loaded_into": where, **counts}, ensure_ascii=False))
    return 1 if counts["invalid"] or counts["file_error"] else 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from partnerapi_ops.ingest_cli import ingest_file

    with target(args.data) as where:
        try:
            counts = ingest_file(args.file, progress=not args.no_progress, workers=args.workers)
        except OSError as error:
            print(f"partnerapi ingest: {args.file}: {error}", file=sys.stderr)
            return 2
    print(json.dumps({"loaded_into": where, **counts}, ensure_ascii=False))
    return 1 if counts["invalid"] or counts["failed"] else 0


def cmd_demo_events(args: argparse.Namespace) -> int:
    from partnerapi_ops.demo_events import generate, write_jsonl

    fixture = json.loads(Path(args.fixture).read_text(encoding="utf-8"))
    count = write_jsonl(generate(fixture, days=args.days, seed=args.seed), Path(args.out) if args.out else None)
    print(f"# {count} records for the partners of {args.fixture}", file=sys.stderr)
    return 0


def _date(text: str) -> date:
    return date.fromisoformat(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="partnerapi", description="PartnerAPI operator tool and local sandbox")
    commands = parser.add_subparsers(dest="command", required=True)

    def with_data(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--data", help="act on a local data file (as kept by `serve --data`) instead of the environment's tables")
        return sub

    serve = commands.add_parser("serve", help="run the local sandbox (emulated AWS + the whole API)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--data", help="keep all data in this JSON file across restarts")
    serve.add_argument("--no-demo", action="store_true", help="start empty instead of with the demo partners")
    serve.set_defaults(run=cmd_serve)

    load = with_data(commands.add_parser("load", help="load a fixture file (docs/fixtures.md)"))
    load.add_argument("fixture")
    load.set_defaults(run=cmd_load)

    region = with_data(commands.add_parser("region", help="add a region"))
    region.add_argument("action", choices=["add"])
    region.add_argument("--name", required=True)
    region.add_argument("--time-zone", type=int, required=True, help="hours from UTC")
    region.add_argument("--id")
    region.set_defaults(run=cmd_provision)

    contact_type = with_data(commands.add_parser("contact-type", help="add a contact type"))
    contact_type.add_argument("action", choices=["add"])
    contact_type.add_argument("--name", required=True)
    contact_type.add_argument("--code", type=int, choices=[1, 2, 3], required=True, help="1 clients, 2 partners, 3 employees")
    contact_type.add_argument("--id")
    contact_type.set_defaults(run=cmd_provision)

    role = with_data(commands.add_parser("role", help="add a role"))
    role.add_argument("action", choices=["add"])
    role.add_argument("--id", type=int, required=True)
    role.add_argument("--name", required=True)
    role.set_defaults(run=cmd_provision)

    partner = commands.add_parser("partner", help="partners and what they are granted")
    actions = partner.add_subparsers(dest="action", required=True)
    add = with_data(actions.add_parser("add"))
    add.add_argument("--name", required=True)
    add.add_argument("--login", required=True)
    add.add_argument("--password", required=True)
    add.add_argument("--id")
    password = with_data(actions.add_parser("set-password"))
    password.add_argument("--login", required=True)
    password.add_argument("--partner-id", required=True)
    password.add_argument("--password", required=True)
    grant_region = with_data(actions.add_parser("grant-region"))
    grant_region.add_argument("--partner-id", required=True)
    grant_region.add_argument("--region-id", required=True)
    grant_role = with_data(actions.add_parser("grant-role"))
    grant_role.add_argument("--partner-id", required=True)
    grant_role.add_argument("--role-id", type=int, required=True)
    contract = with_data(actions.add_parser("add-contract"))
    contract.add_argument("--partner-id", required=True)
    contract.add_argument("--role-id", type=int, required=True)
    contract.add_argument("--start", type=_date, required=True)
    contract.add_argument("--end", type=_date, default=date(1, 1, 1), help="default: open-ended (0001-01-01)")
    contract.add_argument("--id")
    for sub in (add, password, grant_region, grant_role, contract):
        sub.set_defaults(run=cmd_provision)

    its = commands.add_parser("its", help="the ITS registry (docs/its-registry.md)")
    its_actions = its.add_subparsers(dest="action", required=True)
    its_import = with_data(its_actions.add_parser("import", help="load a registry file (CSV, JSON Lines or a JSON array); exit 1 if some rows were invalid"))
    its_import.add_argument("file")
    its_import.add_argument("--no-progress", action="store_true", help="no progress bar (it is shown only on a terminal anyway)")
    its_import.add_argument("--workers", type=int, default=4, help="writer threads, 1-8 (default 4)")
    its_import.set_defaults(run=cmd_its)

    service_type = with_data(commands.add_parser("service-type", help="add a service type: public, or private to --partner-id"))
    service_type.add_argument("action", choices=["add"])
    service_type.add_argument("--name", required=True)
    service_type.add_argument("--full-name", help="default: the name")
    service_type.add_argument("--partner-id", help="the owning partner (a private type); omitted: a public type")
    service_type.add_argument("--id")
    service_type.set_defaults(run=cmd_services)

    vendor = commands.add_parser("vendor", help="export a partner's own service type (support line) to another partner, or revoke it")
    vendor_actions = vendor.add_subparsers(dest="action", required=True)
    for name in ("export", "revoke"):
        sub = with_data(vendor_actions.add_parser(name))
        sub.add_argument("--partner-id", required=True, help="the vendor: owner of the line")
        sub.add_argument("--service-type-id", required=True)
        sub.add_argument("--importer-id", required=True, help="the partner the line is exported to")
        sub.set_defaults(run=cmd_services)

    ingest = with_data(commands.add_parser("ingest", help="store statistics records from a JSON Lines file, `-` for stdin (docs/events.md); exit 1 if some were invalid"))
    ingest.add_argument("file")
    ingest.add_argument("--no-progress", action="store_true", help="no progress bar (it is shown only on a terminal anyway)")
    ingest.add_argument("--workers", type=int, default=4, help="writer threads, 1-8 (default 4)")
    ingest.set_defaults(run=cmd_ingest)

    demo_events = commands.add_parser("demo-events", help="write realistic statistics records for the partners of a fixture (JSON Lines)")
    demo_events.add_argument("--fixture", default=str(Path(__file__).resolve().parents[1] / "fixtures" / "demo.json"))
    demo_events.add_argument("--days", type=int, default=62, help="the last N days up to now (default 62)")
    demo_events.add_argument("--seed", type=int, default=1)
    demo_events.add_argument("--out", help="file to write (default: stdout)")
    demo_events.set_defaults(run=cmd_demo_events)

    invoke = with_data(commands.add_parser("invoke", help="invoke a function of template.yaml with an event file (like `sam local invoke`, no Docker)"))
    invoke.add_argument("function", help="logical id, e.g. PartnersFunction")
    invoke.add_argument("--event", required=True)
    invoke.set_defaults(run=cmd_invoke)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
