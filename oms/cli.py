"""The `oms` command: thin wrappers over the app, the migrations and the services."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Optional

import typer

from oms import settings as settings_mod
from oms.auth import tokens

cli = typer.Typer(help="Order Management System: GraphQL API with live subscriptions.",
                  no_args_is_help=True, add_completion=False)


@contextlib.asynccontextmanager
async def _database(database_url: str, pool_size: int = 2):
    """The ORM's connections for one command, closed however it ends."""
    from tortoise import Tortoise

    from oms import db

    await Tortoise.init(config=db.tortoise_config(database_url, pool_size=pool_size))
    try:
        yield
    finally:
        await Tortoise.close_connections()


def _settings() -> settings_mod.Settings:
    try:
        return settings_mod.load()
    except Exception as exc:  # pydantic's ValidationError, readable
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from None


@cli.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from oms.migrate import upgrade_sync

    s = _settings()
    applied = upgrade_sync(s.database_url)
    typer.echo(f"applied {len(applied)} migration(s)" if applied else "schema is up to date")


@cli.command()
def serve(host: Optional[str] = typer.Option(None, help="Interface to listen on."),
          port: Optional[int] = typer.Option(None, help="Port to listen on."),
          workers: int = typer.Option(1, min=1, max=64, help="Worker processes."),
          log_level: str = typer.Option("warning", help="uvicorn log level.")) -> None:
    """Migrate the database, then serve the API at /graphql."""
    import uvicorn

    from oms.migrate import upgrade_sync

    s = _settings()
    upgrade_sync(s.database_url)
    s.resolved_jwt_secret()  # create the dev secret once, before workers race for it
    logging.basicConfig(level=log_level.upper())
    typer.echo(f"OMS listening on http://{host or s.host}:{port or s.port}/graphql "
               f"({'PostgreSQL' if s.database_url.startswith('postgres') else 'SQLite'}, "
               f"{'Redis' if s.redis_url else 'in-process'} events)")
    uvicorn.run("oms.app:app_from_env", factory=True, host=host or s.host, port=port or s.port,
                workers=workers, log_level=log_level, ws="websockets-sansio",
                lifespan="on", proxy_headers=True)


@cli.command()
def demo(token: bool = typer.Option(True, help="Print an admin token afterwards.")) -> None:
    """Load demo data: channels, locations, products, stock, customers, orders in every status."""
    from oms.demo import load_demo
    from oms.migrate import upgrade_sync

    s = _settings()
    upgrade_sync(s.database_url)
    summary = asyncio.run(load_demo(s.database_url))
    typer.echo(summary)
    if token:
        typer.echo("admin token:")
        typer.echo(tokens.mint(s.resolved_jwt_secret(), role=tokens.Role.ADMIN, subject="demo"))


@cli.command()
def token(role: tokens.Role = typer.Option(..., help="admin, staff, analyst or customer."),
          customer: Optional[str] = typer.Option(None, help="Customer id (for role customer)."),
          subject: Optional[str] = typer.Option(None, help="Who the token is for."),
          days: int = typer.Option(30, min=1, max=3650, help="Validity in days.")) -> None:
    """Print a bearer token signed with OMS_JWT_SECRET."""
    from datetime import timedelta

    from oms.core import ids

    customer_id = None
    if customer is not None:
        customer_id = int(customer) if customer.isdigit() else ids.decode("Customer", customer)
        if customer_id is None:
            typer.echo("--customer must be a customer id", err=True)
            raise typer.Exit(2)
    if role is tokens.Role.CUSTOMER and customer_id is None:
        typer.echo("a customer token needs --customer", err=True)
        raise typer.Exit(2)
    typer.echo(tokens.mint(_settings().resolved_jwt_secret(), role=role, subject=subject,
                           customer_id=customer_id, ttl=timedelta(days=days)))


@cli.command("export-schema")
def export_schema(output: Path = typer.Option(Path("schema.graphql"), "-o", "--output")) -> None:
    """Write the GraphQL schema (SDL) generated from the code."""
    from oms.graphql.schema import schema

    output.write_text(schema.as_str() + "\n")
    typer.echo(f"wrote {output}")


@cli.command("export-availability")
def export_availability(
        channel: str = typer.Option(..., "--channel", help="The channel's code."),
        format: str = typer.Option("json", "--format", help="csv or json."),
        output: Optional[Path] = typer.Option(None, "-o", "--output",
                                              help="File to write (default: standard output)."),
) -> None:
    """Write a channel's availability feed: every SKU with what the channel may
    sell (its allocation rule applied), reserved and pooled units. The same
    feed as GraphQL's availabilityFeed, read in keyset pages."""
    import os
    import sys

    from oms.core.errors import NotFound
    from oms.inventory import feed

    if format.lower() not in ("csv", "json"):
        typer.echo(f"--format must be csv or json, not {format}", err=True)
        raise typer.Exit(2)
    fmt = feed.FeedFormat(format.upper())

    async def run(database_url: str) -> int:
        async with _database(database_url):
            try:
                stream = await feed.open_feed(channel=channel, format=fmt)
            except NotFound as exc:
                typer.echo(f"error: {exc.message}", err=True)
                return 2
            if output is None:
                count = await feed.write_feed(stream, sys.stdout)
                sys.stdout.flush()
            else:
                # Written aside and renamed: a failed export never leaves half a feed.
                partial = output.with_name(output.name + ".partial")
                try:
                    with partial.open("w", encoding="utf-8", newline="") as out:
                        count = await feed.write_feed(stream, out)
                    os.replace(partial, output)
                finally:
                    partial.unlink(missing_ok=True)
            typer.echo(f"{count} SKU(s) of {stream.channel} exported"
                       + (f" to {output}" if output is not None else ""), err=True)
            return 0

    code = asyncio.run(run(_settings().database_url))
    if code:
        raise typer.Exit(code)


@cli.command("import-orders")
def import_orders(
        file: Path = typer.Argument(..., help="Orders as CSV (one row per order line) or "
                                              "JSON lines (one order per line)."),
        channel: str = typer.Option(..., "--channel", help="The channel's code."),
        mode: str = typer.Option("reserve", "--mode",
                                 help="reserve: place and reserve stock; fulfilled: record "
                                      "orders already fulfilled elsewhere (no stock moves)."),
        format: Optional[str] = typer.Option(None, "--format",
                                             help="csv or jsonl (default: from the extension)."),
        report: Optional[Path] = typer.Option(None, "--report",
                                              help="Per-order report to write: .csv or .json."),
        concurrency: Optional[int] = typer.Option(
            None, min=1, max=32, help="Orders placed at once (default 8 on PostgreSQL, "
                                      "1 on SQLite).")) -> None:
    """Import orders, idempotent by externalReference: a second run skips what
    the first imported. Exit 0 when every order was created or skipped, 1 when
    some failed (see --report), 2 for an unusable file or an unknown channel."""
    import time

    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    from oms.catalog import service as catalog
    from oms.core.errors import DomainError
    from oms.migrate import upgrade_sync
    from oms.orders import imports

    def refuse(message: str) -> typer.Exit:
        typer.echo(f"error: {message}", err=True)
        return typer.Exit(2)

    if mode.lower() not in [m.value for m in imports.ImportMode]:
        raise refuse(f"--mode must be reserve or fulfilled, not {mode}")
    if format is not None and format.lower() not in [f.value for f in imports.ImportFormat]:
        raise refuse(f"--format must be csv or jsonl, not {format}")
    try:
        orders = imports.read_path(file, imports.ImportFormat(format.lower())
                                   if format else None)
        if report is not None:
            imports.Report(report)  # refuses a report name it cannot write, before importing
    except imports.ImportFileError as exc:
        raise refuse(str(exc)) from None
    s = _settings()
    upgrade_sync(s.database_url)
    workers = concurrency or (8 if s.database_url.startswith("postgres") else 1)
    console = Console(stderr=True)
    failures: list[imports.ImportResult] = []

    async def run() -> imports.Summary:
        async with _database(s.database_url, pool_size=workers + 2):
            await catalog.get_channel(channel)  # before the progress bar shows
            with Progress(TextColumn("[bold]importing"), BarColumn(), MofNCompleteColumn(),
                          TextColumn("orders  {task.fields[counts]}"), TimeElapsedColumn(),
                          TimeRemainingColumn(), console=console) as bar:
                task = bar.add_task("import", total=orders.orders, counts="")

                def advance(result: imports.ImportResult, totals: imports.Summary) -> None:
                    if result.status is imports.ImportStatus.FAILED and len(failures) < 20:
                        failures.append(result)
                    bar.update(task, completed=totals.done, counts=(
                        f"{totals.created} created, {totals.skipped} skipped, "
                        f"{totals.failed} failed"))

                return await imports.import_file(
                    orders, channel=channel, mode=imports.ImportMode(mode.lower()),
                    actor="cli:import-orders", report=report, concurrency=workers,
                    on_result=advance)

    started = time.perf_counter()
    try:
        summary = asyncio.run(run())
    except (DomainError, imports.ImportFileError) as exc:  # unknown channel, unwritable report
        raise refuse(getattr(exc, "message", str(exc))) from None
    for r in failures:
        for e in r.errors:
            where = f"line {e.line or r.line_numbers[0]}"
            typer.echo(f"FAILED {where} ({r.external_reference or 'no externalReference'}): "
                       f"{e.code.value} {'.'.join(e.field or [])}: {e.message}", err=True)
    if summary.failed > len(failures):
        typer.echo(f"... and {summary.failed - len(failures)} more failed order(s)"
                   + (f": see {report}" if report else "; --report FILE lists them all"), err=True)
    typer.echo(f"{file.name} into {channel} ({mode.lower()}): {summary.created} created, "
               f"{summary.skipped} skipped, {summary.failed} failed "
               f"({summary.orders} orders, {summary.rows} rows, "
               f"{time.perf_counter() - started:.1f} s)"
               + (f"; report in {report}" if report else ""))
    if summary.failed:
        raise typer.Exit(1)


@cli.command("check-customers")
def check_customers(
        fix: bool = typer.Option(False, "--fix", help="Then write every customer's figures "
                                                      "as the orders say (one statement).")
) -> None:
    """Recompute every customer's figures (orders count, lifetime value,
    average order value, first and last order) from the orders and compare
    them with the stored ones. Exit 0 when all agree, 1 when some differ
    (listed; with --fix they are rewritten)."""
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    from oms.customers import service as customers
    from oms.migrate import upgrade_sync

    s = _settings()
    upgrade_sync(s.database_url)
    console = Console(stderr=True)

    async def run() -> tuple[list[customers.Difference], int]:
        async with _database(s.database_url):
            with Progress(TextColumn("[bold]checking"), BarColumn(), MofNCompleteColumn(),
                          TextColumn("customers"), TimeElapsedColumn(), TimeRemainingColumn(),
                          console=console) as bar:
                task = bar.add_task("check", total=None)
                found = await customers.check_figures(
                    on_batch=lambda done, total: bar.update(task, completed=done, total=total))
            fixed = await customers.recompute_figures() if fix and found else 0
            return found, fixed

    found, fixed = asyncio.run(run())
    for d in found[:50]:
        typer.echo(f"customer {d.customer_id} ({d.email}): {'; '.join(d.differences)}")
    if len(found) > 50:
        typer.echo(f"... and {len(found) - 50} more")
    typer.echo(f"{len(found)} customer(s) with figures that differ from their orders"
               + (f"; figures rewritten for {fixed} customer(s)" if fix and found else ""))
    if found:
        raise typer.Exit(1)


@cli.command("segments-recompute")
def segments_recompute() -> None:
    """Compute every customer's RFM scores, segment and predicted yearly value
    now (what the server's schedule does every OMS_SEGMENT_INTERVAL_SECONDS)."""
    import time

    from oms.customers import segment_service
    from oms.migrate import upgrade_sync

    s = _settings()
    upgrade_sync(s.database_url)

    async def run() -> int:
        async with _database(s.database_url):
            return await segment_service.recompute_all()

    started = time.perf_counter()
    written = asyncio.run(run())
    typer.echo(f"segments computed for {written} customer(s) in "
               f"{time.perf_counter() - started:.1f} s")


@cli.command("customer-export")
def customer_export(customer: str = typer.Argument(..., help="The customer's id (opaque, "
                                                             "or the number).")) -> None:
    """Print everything held about a customer as JSON (the same document as
    GraphQL's customerExport). Exit 2 for an unknown customer."""
    import json

    from oms.core import ids
    from oms.core.errors import NotFound
    from oms.customers import export

    customer_id = int(customer) if customer.isdigit() else ids.decode("Customer", customer)
    if customer_id is None:
        typer.echo("CUSTOMER must be a customer id", err=True)
        raise typer.Exit(2)

    async def run(database_url: str) -> dict | None:
        async with _database(database_url):
            try:
                return await export.export_customer(customer_id)
            except NotFound:
                return None

    document = asyncio.run(run(_settings().database_url))
    if document is None:
        typer.echo(f"no customer {customer}", err=True)
        raise typer.Exit(2)
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
