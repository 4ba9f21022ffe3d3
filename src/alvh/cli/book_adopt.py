"""``alvh book adopt``: the step takes imported iron condors over (``alvh.live.adopt``)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape


def add_adopt(book: typer.Typer, db_help: str, store_help: str, accept_help: str) -> None:
    """Add ``alvh book adopt`` to the ``book`` commands."""

    @book.command("adopt")
    def adopt(
        name: str = typer.Argument(..., help="Book name."),
        tier: str | None = typer.Option(
            None,
            "--tier",
            help="Tier (name or 0-based index) of condors whose import has no tier column "
            "(default: the tier whose DTE entry window holds the days to expiry).",
        ),
        day: str | None = typer.Option(
            None,
            "--date",
            help="Adoption day YYYY-MM-DD: managed from the next session (default: the book's "
            "last stepped session, else the data's last session).",
        ),
        group: list[str] = typer.Option(
            [],
            "--group",
            help="Adopt only this group (an import's group column, or the expiry YYYY-MM-DD "
            "of lots imported without one); repeat for several. The other imported positions "
            "are left alone (default: every imported SPX/SPXW group, each must be a condor).",
        ),
        db: str | None = typer.Option(None, "--db", help=db_help),
        store: Path | None = typer.Option(None, "--store", help=store_help),
        accept: bool = typer.Option(False, "--accept-config-change", help=accept_help),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Hand imported SPX/SPXW iron condors to the step: it manages them from the next
        session as if it had opened them (one transaction; adopting twice writes nothing)."""
        from alvh.cli.options import parse_iso_date
        from alvh.live.adopt import adopt_condors
        from alvh.live.service import market_facts
        from alvh.live.store import BookStore, resolve_url

        when = None if day is None else parse_iso_date(day, "--date")
        res = adopt_condors(
            BookStore(resolve_url(name, db)),
            name,
            market_facts(store),
            tier=tier,
            day=when,
            groups=tuple(group),
            accept_config_change=accept,
        )
        if as_json:
            typer.echo(json.dumps(asdict(res), indent=2, sort_keys=True, default=str))
            return
        c = Console(width=140)
        for a in res.adopted:
            c.print(
                f"adopted condor {a.cid} ({escape(a.tier)}): {escape(a.describe())}; managed "
                f"from the first session after {res.day}"
            )
        if res.already:
            c.print(f"adopted before (nothing written again): condors {list(res.already)}")
        if res.expired:
            c.print(
                f"left alone, expired on or before {res.day}: " + escape(", ".join(res.expired)),
                highlight=False,
            )
