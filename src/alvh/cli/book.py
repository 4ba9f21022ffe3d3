"""``alvh book``: a persistent book (SQLite by default, PostgreSQL by URL) and its event log."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from alvh.live.service import ApplyResult
    from alvh.live.status import BookStatus
    from alvh.live.store import BookStore

_DB_HELP = (
    "Database: a SQLite file path or a URL (sqlite:///PATH, "
    "postgresql+psycopg://USER:PASSWORD@HOST/DB). Default: $ALVH_BOOKS/NAME.sqlite (./books)."
)
_STORE_HELP = "Market data store folder (default: $ALVH_STORE or the user data folder)."
_ACCEPT_HELP = "Accept a changed config file (journaled as a config_change event)."


def _console() -> Console:
    return Console() if sys.stdout.isatty() else Console(width=140)


def _open(name: str, db: str | None, *, create: bool = False) -> BookStore:
    from alvh.live.store import BookStore, resolve_url

    return BookStore(resolve_url(name, db), create=create)


def _json(obj: Any) -> None:
    typer.echo(json.dumps(obj, indent=2, sort_keys=True, default=str))


def _usd(x: float) -> str:
    return f"{x:,.0f}"


def _applied(res: ApplyResult, what: str, path: Path, as_json: bool) -> None:
    if as_json:
        _json(asdict(res))
        return
    c = _console()
    if not res.applied:
        prev = res.previous
        assert prev is not None
        c.print(
            f"{escape(path.name)} was applied already ({prev.kind}, {prev.applied_at}, events "
            f"{prev.first_seq}..{prev.last_seq}); nothing applied again."
        )
        return
    c.print(f"{what}: {res.n_events} events written (seq {res.first_seq}..{res.last_seq}).")
    for line, sym, why in res.foreign:
        c.print(f"  line {line}: {escape(sym)} recorded, not managed: {escape(why)}", style="dim")


def _render_status(s: BookStatus, c: Console) -> None:
    c.print(f"[bold]{escape(s.book)}[/] on {s.day} ({escape(s.data)}), {s.n_fills} fills")
    t = Table(title="open positions")
    for col in ("tier", "group", "contract", "qty", "avg", "mark", "source", "value $", "P&L $"):
        t.add_column(
            col, justify="right" if col in ("qty", "avg", "mark") or "$" in col else "left"
        )
    for lot in s.lots:
        t.add_row(
            escape(lot.tier),
            escape(lot.group),
            escape(lot.contract_id),
            f"{lot.qty:g}",
            f"{lot.avg_price:.2f}",
            f"{lot.mark:.2f}",
            escape(lot.mark_source),
            _usd(lot.market_value_usd),
            _usd(lot.unrealized_pnl_usd),
        )
    c.print(t)
    g = Table(title="dollar greeks (SPX options; VIX options and futures apart)")
    for col in ("tier", "delta $/pt", "gamma $/pt2", "vega $/vol pt", "theta $/day"):
        g.add_column(col, justify="left" if col == "tier" else "right")
    rows = [(f"SPX {t}", v) for t, v in sorted(s.spx_greeks_by_tier.items())]
    rows.append(("SPX book", s.spx_greeks))
    rows += [(f"VIX {t}", v) for t, v in sorted(s.vix_greeks_by_tier.items())]
    rows.append(("VIX book", s.vix_greeks))
    for label, v in rows:
        g.add_row(
            escape(label),
            f"{v.delta_usd:,.0f}",
            f"{v.gamma_usd:,.1f}",
            f"{v.vega_usd_per_vol_pt:,.0f}",
            f"{v.theta_usd_per_day:,.0f}",
        )
    c.print(g)
    p = Table(title="P&L since the first fill, by tier (condor tiers) and hedge layer")
    p.add_column("tier / layer")
    p.add_column("kind")
    p.add_column("P&L $", justify="right")
    for tier, pnl in sorted(s.pnl_by_tier_usd.items()):
        if tier in s.condor_tiers:
            kind = "condor tier"
        elif tier in s.hedge_layers:
            kind = "hedge layer"
        else:
            kind = "not a strategy tag"
        p.add_row(escape(tier or "-"), kind, _usd(pnl))
    c.print(p)
    c.print(
        f"cash {_usd(s.cash_usd)}  market value {_usd(s.market_value_usd)}  equity "
        f"{_usd(s.equity_usd)}  margin {_usd(s.margin_usd)}  fees {_usd(s.fees_usd)}  "
        f"capital {_usd(s.capital_usd)}"
    )
    for sym, qty, why in s.foreign:
        c.print(f"not managed: {escape(sym)} x {qty} ({escape(why)})", style="yellow")


def register(app: typer.Typer) -> None:
    """Add the ``book`` commands: init, import, fills, advance, adopt, status, diff, log."""
    book = typer.Typer(
        help="A persistent book: import positions and fills, advance the step, adopt "
        "imported condors, status, diff with the broker, log.",
        no_args_is_help=True,
    )
    app.add_typer(book, name="book")
    from alvh.cli.book_adopt import add_adopt

    add_adopt(book, _DB_HELP, _STORE_HELP, _ACCEPT_HELP)

    @book.command("init")
    def init(
        name: str = typer.Argument(..., help="Book name (letters, digits, - _ .)."),
        config: Path = typer.Option(..., "--config", help="Run config TOML of the book."),
        capital: float | None = typer.Option(
            None, "--capital", help="Cash before any position, USD (default [capital])."
        ),
        db: str | None = typer.Option(None, "--db", help=_DB_HELP),
        store: Path | None = typer.Option(None, "--store", help=_STORE_HELP),
    ) -> None:
        """Create a book from a run config (its text and hash are kept with the book)."""
        from alvh.live.service import init_book, market_facts

        st = _open(name, db, create=True)
        row = init_book(st, name, config, capital_usd=capital, data_id=market_facts(store).data_id)
        _console().print(
            f"book {escape(name)} created in {escape(st.display_url)}: capital "
            f"{_usd(row.capital_usd)}, config {row.config_hash[:12]}"
        )

    @book.command("import")
    def import_(
        name: str = typer.Argument(..., help="Book name."),
        positions: Path = typer.Argument(..., help="Positions CSV (docs/live.md)."),
        db: str | None = typer.Option(None, "--db", help=_DB_HELP),
        store: Path | None = typer.Option(None, "--store", help=_STORE_HELP),
        accept: bool = typer.Option(False, "--accept-config-change", help=_ACCEPT_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Import the positions a broker shows (OCC symbols or explicit columns)."""
        from alvh.live.service import import_positions, market_facts

        res = import_positions(
            _open(name, db), name, positions, market_facts(store), accept_config_change=accept
        )
        _applied(res, "imported", positions, as_json)

    @book.command("fills")
    def fills(
        name: str = typer.Argument(..., help="Book name."),
        path: Path | None = typer.Argument(
            None, help="Fills CSV (docs/live.md); leave out with --paper."
        ),
        paper: bool = typer.Option(
            False,
            "--paper",
            help="Record the fills of the book's pending orders as the backtest fills them "
            "(the step's own fill function and cost model), instead of a file.",
        ),
        day: str | None = typer.Option(
            None, "--date", help="With --paper: the fill session (default: the next one)."
        ),
        db: str | None = typer.Option(None, "--db", help=_DB_HELP),
        store: Path | None = typer.Option(None, "--store", help=_STORE_HELP),
        accept: bool = typer.Option(False, "--accept-config-change", help=_ACCEPT_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Apply what actually filled, at what price (one transaction, never twice)."""
        from alvh.errors import ConfigError
        from alvh.live.service import apply_fills, market_facts

        if paper:
            if path is not None:
                raise ConfigError("--paper", str(path), "either a fills file or --paper")
            _paper_fills(name, day, db, store, accept, as_json)
            return
        if path is None:
            raise ConfigError("PATH", None, "a fills CSV, or --paper")
        res = apply_fills(
            _open(name, db), name, path, market_facts(store), accept_config_change=accept
        )
        _applied(res, "fills", path, as_json)

    @book.command("advance")
    def advance(
        name: str = typer.Argument(..., help="Book name."),
        through: str | None = typer.Option(
            None,
            "--through",
            help="Last session to step, YYYY-MM-DD (default: the data's last priced session).",
        ),
        db: str | None = typer.Option(None, "--db", help=_DB_HELP),
        store: Path | None = typer.Option(None, "--store", help=_STORE_HELP),
        accept: bool = typer.Option(False, "--accept-config-change", help=_ACCEPT_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    ) -> None:
        """Step a paper book session by session through a day, as the backtest would.

        Each session, one transaction: the fills of the previous session's orders, expiry
        settlements, the orders decided at the close, the journal and the engine's state.
        Resumes where it stopped; a paper book advanced over a period equals a backtest of it.
        """
        from alvh.live.advance import advance_book, load_book_market

        bstore, cfg, capital, facts = _book_for_step(name, db, store, accept)
        when = _step_day(through, "--through", cfg, store)
        data = load_book_market(cfg, store, when)
        last: list[Any] = [None]

        def keep(out: Any) -> None:
            last[0] = out

        res = advance_book(
            bstore,
            name,
            cfg,
            capital,
            data,
            when,
            facts,
            progress=keep,
        )
        if as_json:
            row = last[0].row if last[0] is not None else None
            _json(asdict(res) | {"equity_usd": None if row is None else row["hedged_equity_usd"]})
            return
        c = _console()
        if res.first is None:
            c.print(f"book {escape(name)} is stepped through {res.through} already; nothing to do")
            return
        row = last[0].row
        c.print(
            f"book {escape(name)}: stepped {res.sessions} sessions {res.first}..{res.last} "
            f"({res.n_events} events); equity {_usd(row['hedged_equity_usd'])} (unhedged twin "
            f"{_usd(row['unhedged_equity_usd'])}), cash {_usd(row['hedged_cash_usd'])}"
        )
        if res.not_managed:
            c.print(
                "not managed (the step did not open them; left alone, journaled as "
                "book.not_managed): "
                + ", ".join(f"{escape(k)} {q:+g}" for k, q in sorted(res.not_managed.items()))
            )

    @book.command("status")
    def status(
        name: str = typer.Argument(..., help="Book name."),
        day: str | None = typer.Option(
            None, "--date", help="Session YYYY-MM-DD (default: the data's last session)."
        ),
        db: str | None = typer.Option(None, "--db", help=_DB_HELP),
        store: Path | None = typer.Option(None, "--store", help=_STORE_HELP),
        accept: bool = typer.Option(False, "--accept-config-change", help=_ACCEPT_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print the status as JSON."),
    ) -> None:
        """Show positions with marks, dollar greeks, margin, P&L by tier and layer, cash, and
        every hedge trigger and condor exit with its distance to firing."""
        from alvh.cli.book_triggers import render_triggers
        from alvh.live.fold import fold_book
        from alvh.live.service import current_config
        from alvh.live.status import book_status
        from alvh.live.triggers import book_triggers

        st = _open(name, db)
        with st.begin() as conn:
            cfg = current_config(st, conn, name, accept_change=accept)
            row = st.book(conn, name)
            bf = fold_book(st.events(conn, name))
        data, when = _market(store, day)
        s = book_status(name, row.capital_usd, bf, cfg.config, data, when)
        trig = book_triggers(cfg.config, data, when, bf.fills)
        if as_json:
            _json(asdict(s) | {"triggers": asdict(trig)})
        else:
            c = _console()
            _render_status(s, c)
            render_triggers(trig, c)

    @book.command("diff")
    def diff(
        name: str = typer.Argument(..., help="Book name."),
        positions: Path = typer.Argument(..., help="The broker's positions CSV."),
        db: str | None = typer.Option(None, "--db", help=_DB_HELP),
        accept: bool = typer.Option(False, "--accept-config-change", help=_ACCEPT_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print the differences as JSON."),
    ) -> None:
        """Compare what the book expects with what the broker shows (exit 1 if they differ)."""
        from alvh.live.service import diff_positions

        lines, agree = diff_positions(_open(name, db), name, positions, accept_config_change=accept)
        if as_json:
            _json({"agree": agree, "differences": [asdict(x) | {"gap": x.gap} for x in lines]})
        else:
            c = _console()
            if lines:
                t = Table(title="book vs broker")
                for col in ("contract", "book", "broker", "gap", "status"):
                    t.add_column(col, justify="left" if col in ("contract", "status") else "right")
                for x in lines:
                    t.add_row(
                        escape(x.symbol),
                        f"{x.book_qty:g}",
                        f"{x.broker_qty:g}",
                        f"{x.gap:+g}",
                        x.status,
                    )
                c.print(t)
            c.print(f"{agree} contracts agree, {len(lines)} differ")
        if lines:
            raise typer.Exit(1)

    @book.command("log")
    def log(
        name: str = typer.Argument(..., help="Book name."),
        after: int = typer.Option(0, "--after", help="Show events after this seq (paging)."),
        limit: int = typer.Option(50, "--limit", min=1, max=10000, help="Events per page."),
        db: str | None = typer.Option(None, "--db", help=_DB_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print the page as JSON."),
    ) -> None:
        """Print the book's append-only event log, a page at a time."""
        from alvh.live.service import read_log

        events, total = read_log(_open(name, db), name, after_seq=after, limit=limit)
        if as_json:
            _json({"total": total, "events": [asdict(e) for e in events]})
            return
        c = _console()
        t = Table(title=f"{escape(name)}: events {len(events)} of {total}")
        for col in ("seq", "session", "kind", "what"):
            t.add_column(col)
        for e in events:
            p = e.payload
            if e.kind == "order":
                what = f"{p['side']} {p['qty']:g} {p['contract']} ({p['rule']})"
            elif e.kind == "journal" and p.get("rule") == "engine.state":
                what = f"engine state after {p['state']['session']}"
            elif e.kind == "journal":
                what = f"{p['rule']}: {p['outcome']}, {p['reason']}"
            elif "contract" in p:
                what = f"{p['qty']:+g} {p['contract']} @ {p['price']:g} [{p['tier']}/{p['group']}]"
            elif "foreign" in p:
                what = f"{p['qty']:+g} {p['foreign']} (not managed)"
            elif e.kind == "config_change":
                what = f"config {p['old_hash'][:12]} -> {p['new_hash'][:12]}"
            else:
                what = json.dumps(p, sort_keys=True)[:80]
            t.add_row(str(e.seq), e.session_date.isoformat(), e.kind, escape(what))
        c.print(t)
        if len(events) == limit:
            c.print(f"next page: alvh book log {name} --after {events[-1].seq}", style="dim")


def _book_for_step(
    name: str, db: str | None, store: Path | None, accept: bool
) -> tuple[BookStore, Any, float, Any]:
    """The book, its accepted config, its capital and the market facts (one read)."""
    from alvh.live.service import current_config, market_facts

    bstore = _open(name, db)
    with bstore.begin() as conn:
        cfg = current_config(bstore, conn, name, accept_change=accept)
        row = bstore.book(conn, name)
    return bstore, cfg.config, row.capital_usd, market_facts(store)


def _step_day(text: str | None, option: str, cfg: Any, store: Path | None) -> date:
    from alvh.cli.options import parse_iso_date
    from alvh.live.signal import default_day

    return parse_iso_date(text, option) if text is not None else default_day(cfg, store)


def _paper_fills(
    name: str, day: str | None, db: str | None, store: Path | None, accept: bool, as_json: bool
) -> None:
    from alvh.cli.options import parse_iso_date
    from alvh.live.advance import load_book_market, paper_fills

    bstore, cfg, capital, facts = _book_for_step(name, db, store, accept)
    when = parse_iso_date(day, "--date") if day is not None else None
    data = load_book_market(cfg, store, when or _step_day(None, "--date", cfg, store))
    filled_on, n, before = paper_fills(bstore, name, cfg, capital, data, when, facts)
    if as_json:
        _json({"date": str(filled_on), "fills": n, "recorded_before": before})
    elif before:
        _console().print(f"the paper fills of {filled_on} were recorded already; nothing written")
    elif n == 0:
        _console().print(f"no fills on {filled_on}: the book had no pending order to fill")
    else:
        _console().print(
            f"{n} paper fills recorded on {filled_on} (the step will not book them again)"
        )


def _market(store: Path | None, day: str | None) -> tuple[Any, date]:
    """The market data for a status day (``alvh.live.status.status_market``)."""
    from alvh.errors import DataFormatError
    from alvh.live.status import status_market

    when = None
    if day is not None:
        try:
            when = date.fromisoformat(day)
        except ValueError:
            raise DataFormatError("--date", None, "date", day, "a date YYYY-MM-DD") from None
    return status_market(store, when)
