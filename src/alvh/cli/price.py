"""``alvh price``: option prices and greeks; this module owns the ``price`` group and ``spx``.

Other modules add their own ``price`` subcommands to the same group::

    from alvh.cli.price import price_group

    def register(app: typer.Typer) -> None:
        group = price_group()

        @group.command("vix")
        def vix_cmd(...) -> None: ...

``register(app)`` here creates a fresh group for each app being built (building the app twice
must not register commands twice) and attaches it as ``price``; ``price_group()`` returns that
group, so modules listed after ``alvh.cli.price`` in ``_COMMAND_MODULES`` add to it.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from alvh.cli.options import synthetic_banner
from alvh.errors import NoDataError
from alvh.market.data import MarketData

SPX_MULTIPLIER_USD = 100.0

# The group of the app being built (see the module docstring); replaced by each register().
_GROUP: dict[str, typer.Typer] = {}


def _new_group() -> typer.Typer:
    return typer.Typer(help="Price options and show their greeks.", no_args_is_help=True)


def price_group() -> typer.Typer:
    """Return the shared ``price`` group that ``register`` attaches to the app."""
    if "price" not in _GROUP:
        _GROUP["price"] = _new_group()
    return _GROUP["price"]


class OptionType(StrEnum):
    put = "put"
    call = "call"


def parse_strike_list(text: list[str]) -> np.ndarray:
    """Return strikes from ``--strikes 2800,2900 --strikes 3000`` style input.

    Raises
    ------
    typer.BadParameter
        If a strike is not a positive number.
    """
    parts = [p for chunk in text for p in chunk.replace(",", " ").split()]
    try:
        ks = np.array([float(p) for p in parts], dtype=np.float64)
    except ValueError:
        raise typer.BadParameter(
            f"{parts!r}: expected numbers like 2800,2900", param_hint="--strikes"
        ) from None
    if ks.size == 0 or not np.all(np.isfinite(ks)) or np.any(ks <= 0):
        raise typer.BadParameter(f"{parts!r}: expected positive numbers", param_hint="--strikes")
    return ks


def spx_price_table(
    market: MarketData, day: pd.Timestamp, expiry: pd.Timestamp, strikes: np.ndarray, is_call: bool
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Return one row per strike (IV, price, greeks) at ``day``'s close, and the inputs used.

    The surface is the quote-backed one when the data holds SPX chains for the day, else the
    model (``SpxVolSurface``).

    Raises
    ------
    NoDataError
        If the data has no SPX close on ``day`` (the message gives the data's range), or the
        expiry is before ``day``.
    """
    sessions = market.sessions("SPX")
    if day not in sessions:
        raise NoDataError(
            f"no SPX close on {day.date()} in {market.source.description}; the data covers "
            f"{sessions[0].date()}..{sessions[-1].date()} (trading days only)"
        )
    if expiry < day:
        raise NoDataError(f"expiry {expiry.date()} is before the date {day.date()}")
    # The surface modules (scipy, numba) load here, not when the CLI starts.
    from alvh.market.surface import SpxVolSurface
    from alvh.market.surface_quotes import QuoteSurface, surface_for

    surf = surface_for(market.snapshot(day + pd.Timedelta(hours=16, minutes=15)))
    t = surf.t_years(expiry)
    # Arrays of the strikes' shape, not scalars: numpy's broadcast views of scalars reach the
    # numba kernels flagged "warn on write" and numba prints a FutureWarning at the user.
    t_arr = np.full(strikes.shape, t)
    g = surf.greeks(t_arr, strikes, np.full(strikes.shape, is_call))
    frame = pd.DataFrame(
        {
            "strike": strikes,
            "iv_pct": 100.0 * surf.iv(t_arr, strikes),
            "price": g.price,
            "price_usd": g.price * SPX_MULTIPLIER_USD,
            "delta": g.delta,
            "gamma": g.gamma,
            "vega_per_vol_pt": g.vega_per_vol_pt,
            "theta_per_day": g.theta_per_day,
        }
    )
    model = surf.model if isinstance(surf, QuoteSurface) else surf
    assert isinstance(model, SpxVolSurface)
    quoted = isinstance(surf, QuoteSurface) and any(
        abs(s.t_years - t) <= 0.5 / 365 for s in surf.smiles
    )
    inputs: dict[str, Any] = {
        "date": str(day.date()),
        "expiry": str(expiry.date()),
        "type": "call" if is_call else "put",
        "spot": surf.spot,
        "forward": float(surf.forward(t)),
        "t_years": t,
        "atm_vol_pct": float(100.0 * surf.atm_vol(t)),
        "rate_pct": 100.0 * model.carry.rate,
        "rate_source": model.carry.rate_source,
        "div_yield_pct": 100.0 * model.carry.div_yield,
        "surface": "quotes" if quoted else "model",
        "source": market.source.description,
        "kind": market.source.kind,
    }
    return frame, inputs


_DIGITS = {"strike": 0, "iv_pct": 2, "price": 2, "price_usd": 0, "gamma": 6}
_INPUT_LABELS = (
    ("spot", "spot", "{:,.2f}"),
    ("forward", "forward", "{:,.2f}"),
    ("t_years", "T days", "{:.2f}"),
    ("atm_vol_pct", "ATM vol %", "{:.2f}"),
    ("rate_pct", "rate %", "{:.3f}"),
    ("rate_source", "rate source", "{}"),
    ("div_yield_pct", "dividend yield %", "{:.2f}"),
    ("surface", "vols from", "{}"),
    ("source", "data", "{}"),
)


def _cell(frame: pd.DataFrame, row: pd.Series, col: str) -> str:
    return f"{row[col]:,.{_DIGITS.get(col, 4)}f}"


def _show(frame: pd.DataFrame, inputs: dict[str, Any], console: Console | None = None) -> None:
    """Print the price table (wide terminals) or one block per strike (narrow), then the inputs.

    The table needs every header in full (about 100 columns); below that each strike prints
    as ``key: value`` lines, so nothing is cut to ``price_u…``.
    """
    out = console or Console()
    if inputs.get("kind") == "synthetic":
        out.print(synthetic_banner(escape(str(inputs["source"]))), highlight=False)
    title = f"SPX {inputs['type']}s on {inputs['date']} expiring {inputs['expiry']}"
    wide = out.width >= 10 + sum(max(len(c), 9) + 3 for c in frame.columns)
    if wide:
        table = Table(title=title)
        for col in frame.columns:
            table.add_column(col, justify="right", no_wrap=True)
        for _, row in frame.iterrows():
            table.add_row(*(_cell(frame, row, c) for c in frame.columns))
        out.print(table)
    else:
        out.print(title, style="bold", highlight=False)
        width = max(len(c) for c in frame.columns)
        for _, row in frame.iterrows():
            out.rule(f"strike {_cell(frame, row, 'strike')}", align="left", style="dim")
            for c in frame.columns[1:]:
                out.print(f"  {c:<{width}}  {_cell(frame, row, c):>12}", highlight=False)
    out.print("inputs", style="bold")
    width = max(len(label) for _, label, _ in _INPUT_LABELS)
    for key, label, fmt in _INPUT_LABELS:
        text = fmt.format(inputs[key] * 365 if key == "t_years" else inputs[key])
        out.print(f"  {label:<{width}}  {text}", highlight=False, soft_wrap=True)
    out.print(
        "delta and gamma per unit of SPX; vega per vol point; theta per calendar day; "
        "price_usd = price x 100",
        style="dim",
        highlight=False,
    )


def _register_spx(group: typer.Typer) -> None:
    @group.command("spx")
    def spx_cmd(
        date: str = typer.Option(..., "--date", help="Trade date, a session (YYYY-MM-DD)."),
        expiry: str = typer.Option(..., "--expiry", help="Expiry (YYYY-MM-DD)."),
        strikes: list[str] = typer.Option(..., "--strikes", help="Strikes, e.g. 2800,2900."),
        kind: OptionType = typer.Option(OptionType.put, "--type", help="put or call."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
        as_csv: bool = typer.Option(False, "--csv", help="Print CSV."),
        store: Path | None = typer.Option(None, "--store", help="Market data store folder."),
    ) -> None:
        """Price SPX options at a day's close on the SPX surface (quotes where imported)."""
        from alvh.cli.options import parse_iso_date, require_session
        from alvh.market import load as market_load  # looked up at call time (tests patch it)

        if as_json and as_csv:
            raise typer.BadParameter("choose one of --json and --csv", param_hint="--json")
        day = parse_iso_date(date, "--date")
        expiry_day = parse_iso_date(expiry, "--expiry")
        if day.weekday() >= 5:  # a weekend needs no calendar and no data to refuse
            require_session(day, "--date")
        ks = parse_strike_list(strikes)
        # --store DIR means that store: an empty one is an error, not the synthetic market.
        market = market_load.load_market(store, source="store" if store is not None else "auto")
        try:
            frame, inputs = spx_price_table(
                market,
                pd.Timestamp(day),
                pd.Timestamp(expiry_day),
                ks,
                kind == OptionType.call,
            )
        except NoDataError:
            require_session(day, "--date")  # a holiday says so rather than "no SPX close"
            raise
        if as_json:
            rows = [{k: float(v) for k, v in r.items()} for r in frame.to_dict(orient="records")]
            typer.echo(json.dumps({**inputs, "rows": rows}, indent=2))
        elif as_csv:
            typer.echo(frame.to_csv(index=False).rstrip("\n"))
        else:
            _show(frame, inputs)


def register(app: typer.Typer) -> None:
    """Create the ``price`` group for this app, add ``spx`` and attach it."""
    group = _new_group()
    _GROUP["price"] = group
    _register_spx(group)
    app.add_typer(group, name="price")
