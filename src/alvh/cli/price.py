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
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer
from rich import box
from rich.console import Console
from rich.table import Table

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
    from alvh.market.surface_quotes import QuoteSurface, quotes_for, surface_for

    snap = market.snapshot(day + pd.Timedelta(hours=16, minutes=15))
    surf = surface_for(snap)
    t = surf.t_years(expiry)
    smile = None
    if isinstance(surf, QuoteSurface):
        # The quoted expiry's own settlement (SPXW: 16:00 even on a third Friday) sets T.
        same = [s for s in surf.smiles if s.expiry == expiry]
        smile = min(same, key=lambda s: abs(s.t_years - t)) if same else None
        if smile is not None:
            t = smile.t_years
    g = surf.greeks(t, strikes, is_call)
    frame = pd.DataFrame(
        {
            "strike": strikes,
            "iv_pct": 100.0 * surf.iv(t, strikes),
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
    quoted = smile is not None
    chains = snap.known("option_chains")
    day_chain = chains[chains["quote_date"] == day]
    if smile is not None:
        q = quotes_for(chains, day, expiry, strikes, is_call)
        iv_model = 100.0 * np.asarray(model.iv(t, strikes), dtype=np.float64)
        for pos, col in enumerate(("bid", "ask", "mid"), start=1):
            frame.insert(pos, col, q[col].to_numpy())
        frame.insert(5, "iv_model_pct", iv_model)
        frame.insert(6, "iv_diff_pts", frame["iv_pct"].to_numpy() - iv_model)
        frame["quality"] = q["quality"].to_numpy()
        roots = sorted(set(q["root"]) - {""})
        n_listed = int(np.isfinite(q["bid"].to_numpy()).sum())
        basis = (
            f"quotes: {'/'.join(roots) or 'SPX'} chain of {day.date()}, smile of "
            f"{len(smile.strikes)} out-of-the-money mids, parity forward {smile.forward:.2f}; "
            f"{n_listed} of {len(strikes)} strikes listed; model IV beside"
        )
    elif day_chain.empty:
        basis = f"model: no option chain for {day.date()} in the store"
    else:
        listed = pd.DatetimeIndex(sorted(day_chain["expiry"].unique()))
        # The quoted expiries nearest the one asked for, two on each side.
        at = int(listed.searchsorted(expiry))
        near = listed[max(at - 2, 0) : at + 2].strftime("%Y-%m-%d")
        shown = ", ".join(near) + (", ..." if len(listed) > len(near) else "")
        basis = (
            f"model: the {day.date()} chain has no usable quotes for {expiry.date()} "
            f"(quoted: {shown})"
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
        "basis": basis,
        "source": market.source.description,
    }
    return frame, inputs


def _cell(v: float, col: str, digits: int) -> str:
    if pd.isna(v):
        return ""
    if col == "strike" and v != round(v):
        return f"{v:,.2f}".rstrip("0")  # 2912.5, not 2,912
    return f"{v:,.{digits}f}"


def _show(frame: pd.DataFrame, inputs: dict[str, Any]) -> None:
    quoted = inputs["surface"] == "quotes"
    title = (
        f"SPX {inputs['type']}s on {inputs['date']} expiring {inputs['expiry']}: "
        f"{'QUOTES' if quoted else 'MODEL'}"
    )
    out = Console()
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    if quoted:
        cols = {
            "strike": ("strike", 0),
            "bid": ("bid", 2),
            "ask": ("ask", 2),
            "mid": ("mid", 2),
            "iv_pct": ("IV%", 1),
            "iv_model_pct": ("model", 1),
            "iv_diff_pts": ("diff", 1),
            "delta": ("delta", 2),
            "vega_per_vol_pt": ("vega", 2),
            "theta_per_day": ("theta", 2),
        }
    else:
        cols = {
            "strike": ("strike", 0),
            "iv_pct": ("IV%", 2),
            "price": ("price", 2),
            "price_usd": ("price_usd", 0),
            "delta": ("delta", 4),
            "gamma": ("gamma", 6),
            "vega_per_vol_pt": ("vega", 4),
            "theta_per_day": ("theta", 4),
        }
    for name, _ in cols.values():
        table.add_column(name, justify="right")
    for _, row in frame.iterrows():
        table.add_row(*(_cell(row[c], c, d) for c, (_, d) in cols.items()))
    out.print(f"priced from {inputs['basis']}", highlight=False)
    out.print(table)
    if quoted:
        flagged = frame[frame["quality"] != ""]
        for _, row in flagged.iterrows():
            out.print(
                f"  {_cell(row['strike'], 'strike', 0)}: quote flagged {row['quality']}",
                highlight=False,
            )
        out.print(
            "IV% = quote smile (out-of-the-money mids, linear in strike) used for greeks "
            "and --json/--csv price; model = alvh's surface; diff = IV% - model (vol "
            "points); mid blank = zero bid, crossed or not listed",
            highlight=False,
        )
    out.print(
        f"spot {inputs['spot']:.2f}, forward {inputs['forward']:.2f}, "
        f"T {inputs['t_years'] * 365:.2f} days, ATM vol {inputs['atm_vol_pct']:.2f}%, "
        f"rate {inputs['rate_pct']:.3f}% ({inputs['rate_source']}), "
        f"dividend yield {inputs['div_yield_pct']:.2f}%; vega per vol point, theta per day, "
        f"delta per unit of SPX, price x 100 = USD\ndata: {inputs['source']}",
        highlight=False,
    )


def _json_number(v: Any) -> float | None:
    x = float(v)
    return x if np.isfinite(x) else None  # JSON has no NaN: a missing quote is null


def _register_spx(group: typer.Typer) -> None:
    @group.command("spx")
    def spx_cmd(
        date: datetime = typer.Option(..., "--date", formats=["%Y-%m-%d"], help="Trade date."),
        expiry: datetime = typer.Option(..., "--expiry", formats=["%Y-%m-%d"], help="Expiry."),
        strikes: list[str] = typer.Option(..., "--strikes", help="Strikes, e.g. 2800,2900."),
        kind: OptionType = typer.Option(OptionType.put, "--type", help="put or call."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
        as_csv: bool = typer.Option(False, "--csv", help="Print CSV."),
        store: Path | None = typer.Option(None, "--store", help="Market data store folder."),
    ) -> None:
        """Price SPX options at a day's close on the SPX surface (quotes where imported)."""
        from alvh.market import load as market_load  # looked up at call time (tests patch it)

        if as_json and as_csv:
            raise typer.BadParameter("choose one of --json and --csv", param_hint="--json")
        ks = parse_strike_list(strikes)
        market = market_load.load_market(store)
        frame, inputs = spx_price_table(
            market,
            pd.Timestamp(date).normalize(),
            pd.Timestamp(expiry).normalize(),
            ks,
            kind == OptionType.call,
        )
        if as_json:
            rows = [
                {k: v if isinstance(v, str) else _json_number(v) for k, v in r.items()}
                for r in frame.to_dict(orient="records")
            ]
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
