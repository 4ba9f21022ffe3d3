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
from rich import box
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
        "kind": market.source.kind,
    }
    return frame, inputs


_QUOTE_COLUMNS = {
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
# Model prices keep their full column names (as in --csv/--json); quotes use short ones.
_MODEL_COLUMNS = {
    "strike": ("strike", 0),
    "iv_pct": ("iv_pct", 2),
    "price": ("price", 2),
    "price_usd": ("price_usd", 0),
    "delta": ("delta", 4),
    "gamma": ("gamma", 6),
    "vega_per_vol_pt": ("vega_per_vol_pt", 4),
    "theta_per_day": ("theta_per_day", 4),
}
_INPUT_LABELS = (
    ("spot", "spot", "{:,.2f}"),
    ("forward", "forward", "{:,.2f}"),
    ("t_years", "T days", "{:.2f}"),
    ("atm_vol_pct", "ATM vol %", "{:.2f}"),
    ("rate_pct", "rate %", "{:.3f}"),
    ("rate_source", "rate source", "{}"),
    ("div_yield_pct", "dividend yield %", "{:.2f}"),
    ("basis", "priced from", "{}"),
    ("source", "data", "{}"),
)


def _cell(v: float, col: str, digits: int) -> str:
    if pd.isna(v):
        return ""
    if col == "strike" and v != round(v):
        return f"{v:,.2f}".rstrip("0")  # 2912.5, not 2,912
    return f"{v:,.{digits}f}"


def _show(frame: pd.DataFrame, inputs: dict[str, Any], console: Console | None = None) -> None:
    """Print the price table (wide terminals) or one block per strike (narrow), then the inputs.

    The table needs every header in full; below that each strike prints as ``key: value``
    lines, so nothing is cut to ``price_u…``.
    """
    out = console or Console()
    if inputs.get("kind") == "synthetic":
        out.print(synthetic_banner(escape(str(inputs["source"]))), highlight=False)
    quoted = inputs["surface"] == "quotes"
    cols = _QUOTE_COLUMNS if quoted else _MODEL_COLUMNS
    title = (
        f"SPX {inputs['type']}s on {inputs['date']} expiring {inputs['expiry']}: "
        f"{'QUOTES' if quoted else 'MODEL'}"
    )
    out.print(f"priced from {inputs['basis']}", highlight=False)
    wide = out.width >= 10 + sum(max(len(name), 9) + 3 for name, _ in cols.values())
    if wide:
        table = (
            Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
            if quoted
            else Table(title=title)
        )
        for name, _ in cols.values():
            table.add_column(name, justify="right", no_wrap=True)
        for _, row in frame.iterrows():
            table.add_row(*(_cell(row[c], c, d) for c, (_, d) in cols.items()))
        out.print(table)
    else:
        out.print(title, style="bold", highlight=False)
        # One block per strike, each value under its full column name (as in --csv/--json).
        width = max(len(c) for c in cols)
        for _, row in frame.iterrows():
            out.rule(f"strike {_cell(row['strike'], 'strike', 0)}", align="left", style="dim")
            for c, (_, d) in list(cols.items())[1:]:
                out.print(f"  {c:<{width}}  {_cell(row[c], c, d):>12}", highlight=False)
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
    out.print("inputs", style="bold")
    width = max(len(label) for _, label, _ in _INPUT_LABELS)
    for key, label, fmt in _INPUT_LABELS:
        text = fmt.format(inputs[key] * 365 if key == "t_years" else inputs[key])
        out.print(f"  {label:<{width}}  {text}", highlight=False)
    out.print(
        "delta and gamma per unit of SPX; vega per vol point; theta per calendar day; "
        "price x 100 = USD",
        style="dim",
        highlight=False,
    )


def _json_number(v: Any) -> float | None:
    x = float(v)
    return x if np.isfinite(x) else None  # JSON has no NaN: a missing quote is null


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
