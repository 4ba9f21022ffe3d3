"""``alvh signal``: the orders the backtest decides at a session's close, and its journal."""

from __future__ import annotations

import json
import math
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from alvh.config.run import RunConfig
    from alvh.live.signal import Signal

_PRICE_NOTE = (
    "prices per unit as quoted: a condor nets its four legs (SPX points, credit to open, debit "
    "to close; x100 x qty for USD); VX and VIX options in VIX points; the ETF in alvh's modelled "
    "index, not the listed ETF's price"
)


def exchange_symbols(kind: str, contract: str) -> list[str]:
    """Return the exchange symbols of an order's contract (OCC for options; CFE for VX).

    A condor ``ROOT expiry lp/sp/sc/lc`` gives its four legs' OCC symbols (long put, short put,
    short call, long call); ``VXG20`` gives the CFE ticker ``VX/G0``; a VIX option its OCC
    symbol; anything else (the ETF's ticker) itself.
    """
    from alvh.book.contracts import VixFuture, VixOption, parse_contract_id

    if kind in ("condor_entry", "condor_exit"):
        root, expiry, strikes = contract.split(" ")
        yymmdd = date.fromisoformat(expiry).strftime("%y%m%d")
        rights = ("P", "P", "C", "C")
        return [
            f"{root:<6}{yymmdd}{r}{round(float(k) * 1000):08d}"
            for r, k in zip(rights, strikes.split("/"), strict=True)
        ]
    try:
        c = parse_contract_id(contract)
    except (KeyError, ValueError):
        return [contract]
    if isinstance(c, VixOption):
        from alvh.live.symbols import occ_symbol

        return [occ_symbol(c)]
    if isinstance(c, VixFuture):
        # CFE: VX + month code + one-digit year (VX/G0); minis VXM.
        root = "VXM" if c.mini else "VX"
        return [f"{root}/{contract[-3]}{contract[-1]}"]
    return [contract]


def _num(v: object) -> float | None:
    f = float(v)  # type: ignore[arg-type]
    return None if math.isnan(f) else f


def signal_json(sig: Signal, book: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the JSON form of a signal (``--json``)."""
    orders = []
    for r in sig.orders.itertuples(index=False):
        orders.append(
            {
                "decided_on": str(sig.day),
                "book": r.book,
                "kind": r.kind,
                "tier_or_layer": r.tier_or_layer,
                "layer": int(r.layer),
                "contract": r.contract,
                "symbols": exchange_symbols(str(r.kind), str(r.contract)),
                "side": r.side,
                "qty": float(r.qty),
                "model_price": _num(r.model_price),
                "limit_price": _num(r.limit_price),
                "rule": r.rule,
                "reason": r.reason,
            }
        )
    journal = [
        {
            "rule": e.rule,
            "outcome": e.outcome,
            "action": e.action,
            "reason": e.reason,
            "inputs": dict(e.inputs),
        }
        for e in sig.journal
    ]
    out: dict[str, Any] = {
        "date": str(sig.day),
        "decided_at": "the close of date; orders are for the next fill time",
        "replay": {"start": str(sig.start), "end": str(sig.day), "sessions": sig.sessions},
        "config": sig.config_name,
        "hedge": sig.hedge,
        "data": {"description": sig.data, "data_id": sig.data_id, "synthetic": sig.synthetic},
        "run_id": sig.run_id,
        "orders": orders,
        "journal": journal,
    }
    if book is not None:
        out["book"] = book
    return out


def _render(sig: Signal, book: dict[str, Any] | None, console: Console) -> None:
    from alvh.cli.backtest import _journal_blocks
    from alvh.cli.options import synthetic_banner

    head = (
        f"[bold]signal for {sig.day}[/] (decided at its close, for the next fill) · "
        f"{escape(sig.config_name)} · hedge {escape(sig.hedge)} · replay {sig.start}..{sig.day} "
        f"({sig.sessions} sessions)"
    )
    console.print(head, highlight=False)
    data = sig.data if sig.data_id in sig.data else f"{sig.data} (data id {sig.data_id})"
    console.print(synthetic_banner(data) if sig.synthetic else f"data: {escape(data)}")
    if book is not None:
        console.print(
            f"[bold]book {escape(book['name'])}[/]: this is the signal of the paper book, a "
            f"replay of the book's config started empty on {sig.start} with the book's capital "
            f"{book['capital_usd']:,.0f} USD. It does not know the positions recorded in the "
            "book (imports, fills).",
            highlight=False,
        )
        if book["unheld"]:
            t = Table(title="the book's positions the paper replay does not hold")
            for col in ("contract", "book qty", "replay qty"):
                t.add_column(col, justify="left" if col == "contract" else "right")
            for u in book["unheld"]:
                t.add_row(escape(u["contract"]), f"{u['book_qty']:g}", f"{u['replay_qty']:g}")
            console.print(t)
        else:
            console.print("the book's recorded positions are the paper replay's")
    if len(sig.orders) == 0:
        console.print(f"no orders at the close of {sig.day} (the journal below says why)")
    else:
        t = Table(title=f"orders decided at the close of {sig.day}")
        cols = ("kind", "tier/layer", "contract", "symbols", "side", "qty", "model", "limit")
        for col in (*cols, "rule"):
            t.add_column(col, justify="right" if col in ("qty", "model", "limit") else "left")
        for r in sig.orders.itertuples(index=False):
            syms = "\n".join(exchange_symbols(str(r.kind), str(r.contract)))
            layer = f"{r.tier_or_layer}" + (f" L{int(r.layer)}" if int(r.layer) else "")
            t.add_row(
                escape(str(r.kind)),
                escape(layer),
                escape(str(r.contract)),
                escape(syms),
                escape(str(r.side)),
                f"{float(r.qty):g}",
                "" if math.isnan(r.model_price) else f"{r.model_price:.2f}",
                "" if math.isnan(r.limit_price) else f"{r.limit_price:.2f}",
                escape(str(r.rule)),
            )
        console.print(t)
        console.print(_PRICE_NOTE, style="dim", highlight=False)
        for i, r in enumerate(sig.orders.itertuples(index=False), start=1):
            console.print(f"  {i}. {escape(str(r.reason))}", highlight=False)
    rows: list[dict[str, object]] = [
        {
            "date": str(sig.day),
            "rule": e.rule,
            "outcome": e.outcome,
            "action": e.action,
            "reason": e.reason,
            "inputs": dict(e.inputs),
        }
        for e in sig.journal
    ]
    console.print(f"[bold]journal of {sig.day}[/]: every rule's inputs and outcome")
    _journal_blocks(rows, console)


def _book_config(name: str, db: str | None) -> tuple[RunConfig, dict[str, Any], dict[str, float]]:
    """The book's accepted config (its capital in force), its facts and its net positions."""
    from alvh.config.load import config_with_overrides
    from alvh.live.context import current_config
    from alvh.live.service import load_fold
    from alvh.live.store import BookStore, resolve_url

    store = BookStore(resolve_url(name, db))
    try:
        with store.begin() as conn:
            bc = current_config(store, conn, name)
        row, fold, _ = load_fold(store, name)
    finally:
        store.close()
    cfg = config_with_overrides(bc.config, **{"capital.initial_usd": row.capital_usd})
    info = {"name": name, "capital_usd": row.capital_usd, "config_path": bc.path}
    return cfg, info, fold.held_by_contract()


def register(app: typer.Typer) -> None:
    """Add the ``signal`` command."""

    @app.command("signal")
    def signal(
        config: Path | None = typer.Option(None, "--config", help="Run config TOML file."),
        preset: str | None = typer.Option(
            None, "--preset", help="A bundled preset: ic-ladder, cndr, bfly."
        ),
        hedge: str | None = typer.Option(
            None, "--hedge", help="Hedge preset to use instead of the config's."
        ),
        book: str | None = typer.Option(
            None, "--book", help="A book made by 'alvh book init': its config and capital."
        ),
        db: str | None = typer.Option(None, "--db", help="The book's database (see alvh book)."),
        start: str | None = typer.Option(
            None, "--start", help="Replay from this session instead of the config's start."
        ),
        day: str | None = typer.Option(
            None, "--date", help="Session D (YYYY-MM-DD); default the store's last session."
        ),
        data: str | None = typer.Option(None, "--data", help="synthetic or store."),
        store: Path | None = typer.Option(None, "--store", help="Market data store folder."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON for machines."),
    ) -> None:
        """Print the orders the backtest decides at a session's close, and that day's journal."""
        from alvh.cli.backtest import resolve_config, warn_config
        from alvh.cli.options import check_data_source, parse_iso_date
        from alvh.errors import ConfigError
        from alvh.live.signal import default_day, load_for_signal, signal_for, unheld_positions

        data = check_data_source(data, store)
        book_info: dict[str, Any] | None = None
        book_held: dict[str, float] = {}
        if book is not None:
            if config is not None or preset is not None or hedge is not None:
                raise ConfigError(
                    "--book", book, "either --book or --config/--preset (a book has its config)"
                )
            cfg, book_info, book_held = _book_config(book, db)
            if data is not None or start is not None:
                from alvh.config.load import config_with_overrides

                over: dict[str, object] = {}
                if data is not None:
                    over["data.source"] = data
                if start is not None:
                    over["data.start"] = parse_iso_date(start, "--start")
                cfg = config_with_overrides(cfg, **over)
        else:
            # On a store the replay ends at D whatever the config's end (a placeholder end lets
            # --start pass the period check; signal_for sets end = D). The synthetic market
            # keeps the config's period: its series depends on the period generated.
            end = "2099-12-31" if data == "store" else None
            cfg = resolve_config(config, preset, start, end, data, None, hedge)
        warn_config(cfg, Console(stderr=True))
        when = parse_iso_date(day, "--date") if day is not None else default_day(cfg, store)
        market = load_for_signal(cfg, store, when)
        sig = signal_for(cfg, market, when)
        if book_info is not None:
            book_info["unheld"] = unheld_positions(book_held, sig.held)
        if as_json:
            typer.echo(json.dumps(signal_json(sig, book_info), indent=2, default=str))
            return
        console = Console() if sys.stdout.isatty() else Console(width=160)
        _render(sig, book_info, console)
