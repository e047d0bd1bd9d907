"""The ``koc`` command line: serving, migrations, accounts and tokens, and the jobs."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from koc import jobs
from koc.advisory import cli as advisory_cli
from koc.creators import cli as creators_cli
from koc.devtools import cli as devtools_cli
from koc.jobs import JobResult, Progress
from koc.livecodes import cli as live_codes_cli
from koc.notifications import cli as notifications_cli
from koc.privacy import cli as privacy_cli
from koc.referrals import cli as referrals_cli
from koc.segments import cli as segments_cli
from koc.settings import Settings, get_settings, settings_problems

SCHEMA_PATH = Path("schema.graphql")
T = TypeVar("T")


async def migrate_database(settings: Settings) -> None:
    """Apply every pending migration, then create the lifecycle stages if there are none."""
    from tortoise import Tortoise
    from tortoise.migrations.api import migrate

    from koc.db import ensure_sqlite_directory, tortoise_config
    from koc.members.services import ensure_stages

    ensure_sqlite_directory(settings.database_url)
    config = tortoise_config(settings.database_url)
    try:
        await migrate(config=config)
        await Tortoise.close_connections()
        await Tortoise.init(config=config)
        await ensure_stages(settings.lifecycle_template)
    finally:
        await Tortoise.close_connections()


async def _with_db(settings: Settings, work: Callable[[], Awaitable[Any]]) -> Any:
    from tortoise import Tortoise

    from koc.db import tortoise_config
    from koc.tasks import register_all
    from koc.wiring import connect_all

    # A command's changes reach every feature's handlers, as they would through the API, and
    # the jobs it starts name tasks that exist.
    connect_all()
    register_all()

    await Tortoise.init(config=tortoise_config(settings.database_url))
    try:
        return await work()
    finally:
        await Tortoise.close_connections()


def run_with_db(work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` against the configured database, every feature connected: what a
    command line of a feature or of the dev tools is handed to reach the database."""
    return asyncio.run(_with_db(get_settings(), work))


def run_job(name: str, work: Callable[[Progress], Awaitable[JobResult]]) -> int:
    """Run a long job against the configured database (see ``koc.jobs``): what a feature's
    command line (``register(sub, run_job)``) is handed to reach the database."""
    return jobs.run_job(name, work, run_with_db)


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = get_settings()
    asyncio.run(migrate_database(settings))
    print(f"Migrated {settings.database_url.split('@')[-1]}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from koc.logs import logging_config

    settings = get_settings()
    if args.log_level:
        settings = Settings(**{**settings.model_dump(), "log_level": args.log_level})
    if not args.no_migrate:
        asyncio.run(migrate_database(settings))
    with metrics_folder(settings, args.workers):
        uvicorn.run(
            "koc.app:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_config=logging_config(settings),
            access_log=False,  # koc.access logs each request, with more than uvicorn knows
            proxy_headers=True,
        )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    import signal

    from koc.worker.process import run_worker

    settings = get_settings()

    async def work() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await run_worker(settings, stop)

    asyncio.run(_with_db(settings, work))
    return 0


@contextmanager
def metrics_folder(settings: Settings, workers: int) -> Iterator[None]:
    """With several workers, prometheus-client's multiprocess mode: the workers (started
    after this) write their values to one folder that any of them reads when scraped."""
    from koc.metrics import MULTIPROC_ENV

    if not settings.metrics_token or workers < 2 or os.environ.get(MULTIPROC_ENV):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="koc-metrics-") as folder:
        os.environ[MULTIPROC_ENV] = folder
        try:
            yield
        finally:
            del os.environ[MULTIPROC_ENV]


def cmd_create_staff(args: argparse.Namespace) -> int:
    from koc.auth.models import StaffRole
    from koc.auth.services import create_staff
    from koc.errors import DomainError

    password = (
        args.password or os.environ.get("KOC_STAFF_PASSWORD") or getpass.getpass("Password: ")
    )
    try:
        staff = asyncio.run(
            _with_db(
                get_settings(), lambda: create_staff(args.username, password, StaffRole(args.role))
            )
        )
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(f"Created {staff.role.value} {staff.username} (id {staff.id})")
    return 0


def cmd_partner_token(args: argparse.Namespace) -> int:
    from koc.auth import services
    from koc.auth.models import PartnerScope, PartnerToken
    from koc.errors import DomainError

    settings = get_settings()
    if args.action == "create":
        try:
            scopes = [PartnerScope(s) for s in args.scope]
        except ValueError:
            print(f"error: scopes are {', '.join(s.value for s in PartnerScope)}", file=sys.stderr)
            return 1
        expires = datetime.fromisoformat(args.expires_at) if args.expires_at else None
        try:
            token, secret = asyncio.run(
                _with_db(
                    settings,
                    lambda: services.create_partner_token(args.name, scopes, expires, actor=None),
                )
            )
        except DomainError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
        print(
            f"Created partner token {token.id} '{token.name}' with scopes {', '.join(token.scopes)}"
        )
        print("Token (shown once, store it now):")
        print(secret)
        return 0
    if args.action == "list":
        tokens = asyncio.run(_with_db(settings, lambda: PartnerToken.all().order_by("id")))
        for t in tokens:
            state = "revoked" if t.revoked_at else "active"
            print(
                f"{t.id}\t{t.prefix}…\t{t.name}\t{','.join(t.scopes)}\t{state}\tlast used {t.last_used_at or '-'}"
            )
        return 0
    try:
        asyncio.run(_with_db(settings, lambda: services.revoke_partner_token(args.id, actor=None)))
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print(f"Revoked partner token {args.id}")
    return 0


def cmd_documents(args: argparse.Namespace) -> int:
    from koc.errors import DomainError, DomainErrors
    from koc.graphql.schema import schema
    from koc.security.services import add_trusted_documents, parse_manifest

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        documents = parse_manifest(text, path.name)
        added, known = asyncio.run(
            _with_db(
                get_settings(),
                lambda: add_trusted_documents(documents, schema._schema, actor=None),
            )
        )
    except (DomainError, DomainErrors) as exc:
        errors = exc.errors if isinstance(exc, DomainErrors) else [exc]
        for error in errors:
            print(f"error: {error.field}: {error.message}", file=sys.stderr)
        return 1
    print(f"Registered {added} new trusted documents ({known} already known) from {path}")
    return 0


def cmd_benefits_refresh(args: argparse.Namespace) -> int:
    from koc.schedules import benefits_refresh

    return run_job("benefits-refresh", benefits_refresh)


def cmd_referrals(args: argparse.Namespace) -> int:
    from koc.schedules import rollup_rebuild

    return run_job("referrals rollup-rebuild", rollup_rebuild)


def export_schema_sdl() -> str:
    from koc.graphql.schema import schema

    return schema.as_str() + "\n"


def cmd_export_schema(args: argparse.Namespace) -> int:
    sdl = export_schema_sdl()
    if args.output == "-":
        sys.stdout.write(sdl)
    else:
        Path(args.output).write_text(sdl)
        print(f"Wrote {args.output}")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from koc.demo import seed_demo

    settings = get_settings()
    asyncio.run(migrate_database(settings))
    return run_job(
        "seed-demo", lambda progress: seed_demo(settings, args.members, args.seed, progress)
    )


class DefaultsShown(argparse.ArgumentDefaultsHelpFormatter):
    """``(default: X)`` after each option's help, unless there is none or the help says it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default in (None, False, argparse.SUPPRESS):
            return text
        return super()._get_help_string(action) or text


class HelpfulParser(argparse.ArgumentParser):
    """Every command's ``--help`` shows each option's default (subcommands inherit the class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", DefaultsShown)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = HelpfulParser(
        prog="koc",
        description="koc: the KOC membership and referral service. Settings come from KOC_* "
        "environment variables (README, Settings); `koc COMMAND --help` tells more.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="migrate, then serve the API with uvicorn")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8000, help="port to listen on")
    p.add_argument("--workers", type=int, default=1, help="worker processes")
    p.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR (default: $KOC_LOG_LEVEL)")
    p.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "worker",
        help="run background jobs and schedules until SIGTERM (start any number, on any machine, "
        "on PostgreSQL; `koc serve` runs one itself unless KOC_EMBEDDED_WORKER=false)",
    )
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("migrate", help="apply pending database migrations")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("create-staff", help="create a staff account (the first admin)")
    p.add_argument("username", help="the login name")
    p.add_argument(
        "--role", default="ADMIN", choices=["ADMIN", "OPERATOR", "ANALYST"], help="what they may do"
    )
    p.add_argument("--password", help="default: $KOC_STAFF_PASSWORD, else asked for")
    p.set_defaults(func=cmd_create_staff)

    p = sub.add_parser("partner-token", help="create, list or revoke partner API tokens")
    psub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    c = psub.add_parser("create", help="create a token and print its secret once")
    c.add_argument("name", help="who uses it, e.g. 'Dealer DMS'")
    c.add_argument(
        "--scope", action="append", required=True, help="repeat: orders:write, events:write, ..."
    )
    c.add_argument("--expires-at", help="ISO 8601 with a time zone (default: never)")
    psub.add_parser("list", help="list tokens (never their secrets)")
    r = psub.add_parser("revoke", help="revoke a token at once")
    r.add_argument("id", type=int, help="the token's id (from list)")
    p.set_defaults(func=cmd_partner_token)

    p = sub.add_parser("documents", help="register trusted GraphQL documents")
    dsub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    d = dsub.add_parser("add", help="register a manifest {sha256: document} or a .graphql file")
    d.add_argument("file", help="a JSON manifest or a .graphql file")
    p.set_defaults(func=cmd_documents)

    p = sub.add_parser(
        "benefits-refresh",
        help="daily job: award time-based badges, expire and re-evaluate privilege grants",
    )
    p.set_defaults(func=cmd_benefits_refresh)

    p = sub.add_parser("referrals", help="referral report maintenance")
    p.add_argument(
        "action",
        choices=["rollup-rebuild"],
        help="recompute the report rollup from the orders (after a bulk load, or to repair it)",
    )
    p.set_defaults(func=cmd_referrals)

    p = sub.add_parser("export-schema", help="write the GraphQL schema (SDL)")
    p.add_argument(
        "output", nargs="?", default=str(SCHEMA_PATH), help="file to write, or - for stdout"
    )
    p.set_defaults(func=cmd_export_schema)

    p = sub.add_parser("seed-demo", help="fill the database with a realistic car-brand demo")
    p.add_argument("--members", type=int, default=200, help="how many members to invent")
    p.add_argument("--seed", type=int, default=7, help="the same seed gives the same data")
    p.set_defaults(func=cmd_seed_demo)
    creators_cli.register(sub, run_job)
    advisory_cli.register(sub, run_job)
    referrals_cli.register(sub, run_job)
    devtools_cli.register(sub, run_with_db)
    privacy_cli.register(sub, run_job)
    live_codes_cli.register(sub, run_job)
    segments_cli.register(sub, run_job)
    notifications_cli.register(sub, run_job)
    return parser


def main(argv: list[str] | None = None) -> int:
    from koc.logs import configure_logging

    args = build_parser().parse_args(argv)
    # Every command reads the settings (importing the schema does too): a bad one is one line
    # per variable and exit status 2, before anything starts.
    try:
        get_settings()
    except ValidationError as exc:
        for line in settings_problems(exc):
            print(f"koc: {line}", file=sys.stderr)
        return 2
    configure_logging(get_settings())
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
