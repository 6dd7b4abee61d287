"""``overstap db``: the store's schema (Alembic migrations) and its housekeeping.

``upgrade`` and ``status`` open the database without the automatic upgrade every other
command does, so an operator who migrates in a separate step sees where the store
stands and moves it on purpose."""

import json
from dataclasses import asdict
from typing import Annotated

import typer

from ontology import schema
from ontology.housekeeping import PurgePolicy, PurgeReport, purge
from ontology.store import make_engine, missing_sqlite_file
from service.cli.common import EXIT_BAD_INPUT, err, failing_cleanly, open_store, out
from service.settings import get_settings

db_app = typer.Typer(help="The store's schema and housekeeping.", no_args_is_help=True)


@db_app.command("status")
def status() -> None:
    """Print the store's schema revision and the newest this release knows."""
    with failing_cleanly():
        url = get_settings().resolved_database_url
        missing = missing_sqlite_file(url)
        if missing is not None:  # a look must not make a store at a mistyped path
            err.print(
                f"[red]error:[/red] no store at {missing} (OVERSTAP_DATABASE_URL); a first "
                "start or an import makes one",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(EXIT_BAD_INPUT)
        engine = make_engine(url)
        try:
            found = schema.state(engine)
        finally:
            engine.dispose()
    out.print(f"schema: {found.describe()}", highlight=False, soft_wrap=True)


@db_app.command("upgrade")
def upgrade() -> None:
    """Bring the store's schema to this release's revision (all-or-nothing, under a
    lock; safe while servers run on the same store). Refused (exit 2) for a store made
    by a newer release."""
    with failing_cleanly():
        engine = make_engine(get_settings().resolved_database_url)
        try:
            before, after = schema.upgrade(engine)
        finally:
            engine.dispose()
    if before.up_to_date:
        out.print(f"schema: already at revision {after.current} (head)", highlight=False)
        return
    out.print(f"schema: upgraded from {before.origin} to {after.current}", highlight=False)


def print_purge(report: PurgeReport) -> None:
    """The CLI's account of a purge."""
    verb = "would delete" if report.dry_run else "deleted"
    out.print(
        f"{verb} {report.expired_vacancies:,} vacancies that expired before "
        f"{report.expired_before.isoformat()} and {report.change_rows:,} change-log rows "
        f"written before {report.changes_before.isoformat(timespec='seconds')}; "
        f"{report.change_rows_kept:,} change-log rows kept (purged through "
        f"#{report.purged_through})",
        highlight=False,
        soft_wrap=True,
    )


@db_app.command("purge")
def purge_command(
    expired_days: Annotated[
        int, typer.Option(min=0, help="Keep a vacancy this many days after it expired.")
    ] = PurgePolicy.expired_days,
    change_days: Annotated[
        int,
        typer.Option(
            min=0,
            help="Keep change-log rows this many days (running servers apply them within "
            "seconds; one that falls further behind reloads its vacancies).",
        ),
    ] = PurgePolicy.change_days,
    dry_run: Annotated[bool, typer.Option(help="Count what would go; change nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Delete expired vacancies (in chunks of 500, each one transaction) and old
    change-log rows. Running servers drop the deleted vacancies from their index within
    OVERSTAP_VACANCY_SYNC_SECONDS."""
    with failing_cleanly():
        store = open_store()
        try:
            report = purge(store, PurgePolicy(expired_days, change_days), dry_run=dry_run)
        finally:
            store.close()
    if as_json:
        print(json.dumps(asdict(report), default=lambda value: value.isoformat(), indent=2))
        return
    print_purge(report)
    if not report.dry_run and report.expired_vacancies:
        err.print("running servers drop them at their next vacancy sync", highlight=False)
