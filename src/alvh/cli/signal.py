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
    "index, not the listed ETF's price. model: the model mid; quote: the net of the legs' quoted "
    "mids when a chain is imported for the day; limit: the mid moved by the cost model's "
    "slippage, on the quotes ('chain') when every leg is quoted, else on the model"
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
                "quote_mid": _num(r.quote_mid),
                "limit_price": _num(r.limit_price),
                "price_source": r.price_source,
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
        "replay": None
        if sig.book_state is not None
        else {"start": str(sig.start), "end": str(sig.day), "sessions": sig.sessions},
        "step": None
        if sig.book_state is None
        else {"from_state_of": str(sig.book_state), "sessions_stepped": sig.sessions},
        "config": sig.config_name,
        "hedge": sig.hedge,
        "data": {"description": sig.data, "data_id": sig.data_id, "synthetic": sig.synthetic},
        "run_id": sig.run_id,
        "orders": orders,
        "journal": journal,
    }
    if book is not None:
        out["book"] = {
            **book,
            "not_managed": [{"contract": c, "qty": q} for c, q in sig.not_managed.items()],
        }
    return out


def _render(sig: Signal, book: dict[str, Any] | None, console: Console) -> None:
    from alvh.cli.backtest import _journal_blocks
    from alvh.cli.options import synthetic_banner

    if sig.book_state is None:
        how = f"replay {sig.start}..{sig.day} ({sig.sessions} sessions)"
    else:
        how = (
            f"stepped from the book's state at the end of {sig.book_state} ({sig.sessions} "
            f"session{'s' if sig.sessions != 1 else ''})"
        )
    head = (
        f"[bold]signal for {sig.day}[/] (decided at its close, for the next fill) · "
        f"{escape(sig.config_name)} · hedge {escape(sig.hedge)} · {how}"
    )
    console.print(head, highlight=False)
    data = sig.data if sig.data_id in sig.data else f"{sig.data} (data id {sig.data_id})"
    console.print(synthetic_banner(data) if sig.synthetic else f"data: {escape(data)}")
    if book is not None:
        console.print(
            f"[bold]book {escape(book['name'])}[/]: the engine's step for {sig.day} on the "
            f"book's own state (its fills and the engine state it stored for "
            f"{sig.book_state}), capital {book['capital_usd']:,.0f} USD. Nothing is written: "
            f"'alvh book advance {escape(book['name'])} --through {sig.day}' records it.",
            highlight=False,
        )
        if sig.not_managed:
            console.print(
                f"[bold]not managed[/]: the book records {len(sig.not_managed)} position(s) "
                "the engine's step did not open (imported or recorded by hand, never "
                "stepped); the signal above is the paper book's and leaves them alone: "
                + ", ".join(f"{escape(c)} {q:+g}" for c, q in sig.not_managed.items()),
                highlight=False,
            )
    if len(sig.orders) == 0:
        console.print(f"no orders at the close of {sig.day} (the journal below says why)")
    else:
        t = Table(title=f"orders decided at the close of {sig.day}")
        cols = ("kind", "tier/layer", "contract", "symbols", "side", "qty", "model", "quote")
        nums = ("qty", "model", "quote", "limit")
        for col in (*cols, "limit", "priced on", "rule"):
            t.add_column(col, justify="right" if col in nums else "left")
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
                "" if math.isnan(r.quote_mid) else f"{r.quote_mid:.2f}",
                "" if math.isnan(r.limit_price) else f"{r.limit_price:.2f}",
                escape(str(r.price_source)),
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


def _book_config(name: str, db: str | None) -> tuple[RunConfig, float, dict[str, Any]]:
    """The book's accepted config, its capital and what the signal says of the book."""
    from alvh.live.context import current_config
    from alvh.live.store import BookStore, resolve_url

    store = BookStore(resolve_url(name, db))
    try:
        with store.begin() as conn:
            bc = current_config(store, conn, name)
            row = store.book(conn, name)
    finally:
        store.close()
    info = {"name": name, "capital_usd": row.capital_usd, "config_path": bc.path}
    return bc.config, row.capital_usd, info


def _book_signal(
    name: str, db: str | None, store: Path | None, day: str | None
) -> tuple[Signal, dict[str, Any]]:
    """The signal of a book: its step for D from its stored state (nothing written)."""
    from alvh.cli.options import parse_iso_date
    from alvh.live.advance import book_signal, load_book_market, signal_of_book
    from alvh.live.signal import default_day
    from alvh.live.store import BookStore, resolve_url

    cfg, capital, info = _book_config(name, db)
    when = parse_iso_date(day, "--date") if day is not None else default_day(cfg, store)
    market = load_book_market(cfg, store, when)
    bstore = BookStore(resolve_url(name, db))
    try:
        bs = book_signal(bstore, name, cfg, capital, market, when)
    finally:
        bstore.close()
    return signal_of_book(bs, cfg, market), info


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
            None,
            "--book",
            help="A book made by 'alvh book init': the step for D from the book's stored "
            "state (advance it through the session before D first); no replay.",
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
        """Print the orders the backtest decides at a session's close, and that day's journal.

        With --config/--preset: a replay of the backtest from the config's start through D.
        With --book: the engine's step for D on the book's own state (no replay).
        """
        from alvh.cli.backtest import resolve_config, warn_config
        from alvh.cli.options import check_data_source, parse_iso_date
        from alvh.errors import ConfigError
        from alvh.live.signal import default_day, load_for_signal, signal_for

        data = check_data_source(data, store)
        if book is not None:
            if any(x is not None for x in (config, preset, hedge, start, data)):
                raise ConfigError(
                    "--book",
                    book,
                    "--book alone (a book has its config, its start and its data source); "
                    "--config/--preset/--hedge/--start/--data are for a replay",
                )
            sig, book_info = _book_signal(book, db, store, day)
            _emit(sig, book_info, as_json)
            return
        # On a store the replay ends at D whatever the config's end (a placeholder end lets
        # --start pass the period check; signal_for sets end = D). The synthetic market
        # keeps the config's period: its series depends on the period generated.
        end = "2099-12-31" if data == "store" else None
        cfg = resolve_config(config, preset, start, end, data, None, hedge)
        warn_config(cfg, Console(stderr=True))
        when = parse_iso_date(day, "--date") if day is not None else default_day(cfg, store)
        market = load_for_signal(cfg, store, when)
        _emit(signal_for(cfg, market, when), None, as_json)


def _emit(sig: Signal, book_info: dict[str, Any] | None, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(signal_json(sig, book_info), indent=2, default=str))
        return
    console = Console() if sys.stdout.isatty() else Console(width=160)
    _render(sig, book_info, console)
