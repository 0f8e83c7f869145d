"""The `oms` command: thin wrappers over the app, the migrations and the services."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Optional

import typer

from oms import settings as settings_mod
from oms.auth import tokens

cli = typer.Typer(help="Order Management System: GraphQL API with live subscriptions.",
                  no_args_is_help=True, add_completion=False)


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


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
