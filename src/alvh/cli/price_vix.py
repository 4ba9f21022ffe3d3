"""``alvh price vix``: VIX option prices and greeks on the VX future of the same expiry.

The command hangs on the shared ``price`` group (``alvh.cli.price.price_group()``); this module
stays importable, and registers nothing, while that group does not exist.
"""

from __future__ import annotations

import importlib
import json
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from alvh.cli.curve import curve_for_date, load, output_format, records, show_table
from alvh.errors import NoDataError
from alvh.market.data import MarketData

# Shorter headers for the terminal table (80 columns); JSON and CSV keep the full names.
_SHORT = {
    "vol_pct": "vol %",
    "price_usd": "usd",
    "vega_per_vol_pt": "vega",
    "theta_per_day": "theta",
}


class OptionType(StrEnum):
    call = "call"
    put = "put"


def parse_strikes(text: list[str]) -> np.ndarray:
    """Return strikes from ``--strikes 15,20 --strikes 25`` style input."""
    parts = [p for chunk in text for p in chunk.replace(",", " ").split()]
    try:
        ks = np.array([float(p) for p in parts], dtype=np.float64)
    except ValueError:
        raise typer.BadParameter(f"strikes {parts!r}: expected numbers like 15,20,25") from None
    if ks.size == 0 or np.any(~np.isfinite(ks)) or np.any(ks <= 0):
        raise typer.BadParameter(f"strikes {parts!r}: expected positive numbers")
    return ks


def price_table(
    market: MarketData,
    day: pd.Timestamp,
    expiry: pd.Timestamp | None,
    strikes: np.ndarray | None,
    is_call: bool,
    vvix: float | None,
    rate_pct: float | None,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Return one row per strike (price, vol, greeks) and the inputs used.

    ``expiry`` may be a listed VX expiry or a weekly one (forward interpolated along the curve,
    ``inputs['forward_interpolated']``); None is VX1's. ``strikes`` None: a default grid.

    Raises
    ------
    NoDataError
        If the day has no VX curve, the expiry no future, or VVIX is neither given nor known.
    """
    # The option model (scipy, numba) loads here, not when the CLI starts.
    from alvh.market.vixoptions import VIX_OPTION_MULTIPLIER_USD, VixOptionModel, option_forward

    curve = curve_for_date(market, day)
    fwd = curve.front(1) if expiry is None else option_forward(curve, expiry)
    vvix, rate_pct = _vvix_and_rate(market, day, vvix, rate_pct)
    model = VixOptionModel(vvix)
    days = float(fwd.dte_days or 0)
    if strikes is None:
        strikes = default_strikes(fwd.value)
    g = model.greeks(fwd.value, strikes, days, is_call, rate_pct / 100.0)
    frame = pd.DataFrame(
        {
            "strike": strikes,
            "vol_pct": 100.0 * model.vol(fwd.value, strikes, days),
            "price": g.price,
            "price_usd": g.price * VIX_OPTION_MULTIPLIER_USD,
            "delta": g.delta,
            "gamma": g.gamma,
            "vega_per_vol_pt": g.vega_per_vol_pt,
            "theta_per_day": g.theta_per_day,
        }
    )
    inputs: dict[str, object] = {
        "date": str(day.date()),
        "expiry": str(fwd.expiry.date()) if fwd.expiry is not None else None,
        "future": fwd.contract,
        "forward": fwd.value,
        "forward_interpolated": fwd.interpolated,
        "forward_flagged": fwd.flagged,
        "dte_days": fwd.dte_days,
        "type": "call" if is_call else "put",
        "vvix": vvix,
        "rate_pct": rate_pct,
        "atm_vol_pct": float(100.0 * model.atm_vol(days)),
        "model": f"VixOptionModel {model.params.version}",
    }
    return frame, inputs


def _vvix_and_rate(
    market: MarketData, day: pd.Timestamp, vvix: float | None, rate_pct: float | None
) -> tuple[float, float]:
    snap = market.snapshot(day + pd.Timedelta(hours=23, minutes=59))
    if vvix is None:
        if not snap.has("VVIX") or snap.last_date("VVIX").normalize() != day:
            raise NoDataError(f"no VVIX close on {day.date()}; pass --vvix")
        vvix = snap.close("VVIX")
    if rate_pct is None:
        try:
            rate_pct = snap.rate_pct("IRX")
        except NoDataError:
            rate_pct = 0.0
    return float(vvix), float(rate_pct)


def default_strikes(forward: float) -> np.ndarray:
    """Return strikes from 0.8x to 3x ``forward`` on the listed grid (0.5 below 20, else 1)."""
    raw = forward * np.array([0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 3.0])
    step = np.where(raw < 20.0, 0.5, 1.0)
    return np.unique(np.round(raw / step) * step)


def vol_grid(
    market: MarketData,
    day: pd.Timestamp,
    strikes: np.ndarray | None,
    vvix: float | None,
    max_expiries: int = 6,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Return the model's implied vol (%) per strike (rows) and listed VX expiry (columns).

    Columns are named ``MM-DD`` of the expiry (at most ``max_expiries``, so that the table
    stays within 80 columns); ``inputs['expiries']`` gives each column's expiry, forward and
    days. Strikes default to :func:`default_strikes` of the first expiry's forward.
    """
    from alvh.market.vixoptions import VixOptionModel

    curve = curve_for_date(market, day)
    vvix, _ = _vvix_and_rate(market, day, vvix, 0.0)
    model = VixOptionModel(vvix)
    n = min(max_expiries, len(curve.expiries))
    ks = default_strikes(float(curve.settles[0])) if strikes is None else strikes
    frame = pd.DataFrame({"strike": ks})
    columns = []
    for i in range(n):
        exp, fwd, days = curve.expiries[i], float(curve.settles[i]), int(curve.dte_days[i])
        frame[exp.strftime("%m-%d")] = 100.0 * model.vol(fwd, ks, days)
        columns.append(
            {
                "expiry": str(exp.date()),
                "contract": str(curve.contracts[i]),
                "forward": fwd,
                "dte_days": days,
                "atm_vol_pct": float(100.0 * model.atm_vol(days)),
            }
        )
    inputs: dict[str, object] = {
        "date": str(day.date()),
        "vvix": vvix,
        "model": f"VixOptionModel {model.params.version}",
        "expiries": columns,
    }
    return frame, inputs


def register_on(group: typer.Typer) -> None:
    """Add the ``vix`` command to a ``price`` group."""

    @group.command("vix")
    def vix_cmd(
        date: datetime = typer.Option(..., "--date", formats=["%Y-%m-%d"], help="Trade date."),
        expiry: datetime | None = typer.Option(
            None, "--expiry", formats=["%Y-%m-%d"], help="Option expiry (default: VX1's)."
        ),
        strikes: list[str] | None = typer.Option(
            None, "--strikes", help="Strikes, e.g. 15,20,25 (default 0.8x-3x the forward)."
        ),
        kind: OptionType = typer.Option(OptionType.call, "--type", help="call or put."),
        vvix: float | None = typer.Option(None, "--vvix", help="VVIX (default: the day's)."),
        rate_pct: float | None = typer.Option(
            None, "--rate-pct", help="Rate in percent (default: IRX)."
        ),
        surface: bool = typer.Option(
            False, "--surface", help="Vol (%) per strike and listed expiry instead of prices."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
        as_csv: bool = typer.Option(False, "--csv", help="Print CSV."),
        store: Path | None = typer.Option(None, "--store", help="Market data store folder."),
    ) -> None:
        """Price VIX options with Black-76 on the VX future of their expiry (fitted vol model).

        Weekly expiries are priced on a forward interpolated along the VX curve (flagged).
        """
        fmt = output_format(as_json, as_csv)
        ks = parse_strikes(strikes) if strikes else None
        market = load(store)
        day = pd.Timestamp(date).normalize()
        if surface:
            grid, info = vol_grid(market, day, ks, vvix)
            info["source"] = market.source.description
            if fmt == "json":
                typer.echo(json.dumps({**info, "rows": records(grid)}, indent=2))
            elif fmt == "csv":
                typer.echo(grid.to_csv(index=False).rstrip("\n"))
            else:
                cols = info["expiries"]
                assert isinstance(cols, list)
                notes = [
                    f"data: {info['source']}; {info['model']}, VVIX {info['vvix']:.2f}",
                    "columns: expiry MM-DD = "
                    + ", ".join(
                        f"{c['contract']} {c['forward']:.2f} ({c['dte_days']}d)" for c in cols
                    ),
                ]
                show_table(grid, f"VIX option implied vol % on {info['date']}", notes)
            return
        exp = None if expiry is None else pd.Timestamp(expiry).normalize()
        frame, inputs = price_table(market, day, exp, ks, kind == OptionType.call, vvix, rate_pct)
        inputs["source"] = market.source.description
        if fmt == "json":
            typer.echo(json.dumps({**inputs, "rows": records(frame)}, indent=2))
        elif fmt == "csv":
            typer.echo(frame.to_csv(index=False).rstrip("\n"))
        else:
            what = inputs["future"] or "interpolated along the VX curve (weekly)"
            notes = [
                f"data: {inputs['source']}; {inputs['model']}",
                f"forward {inputs['forward']:.3f} = {what}, {inputs['dte_days']} days; "
                f"VVIX {inputs['vvix']:.2f} -> ATM vol {inputs['atm_vol_pct']:.1f}%",
                f"rate {inputs['rate_pct']:.2f}%",
            ]
            notes.append("usd = price x 100; vega per vol point; theta per calendar day")
            title = f"VIX {inputs['type']}s {inputs['date']} expiring {inputs['expiry']}"
            show_table(frame.rename(columns=_SHORT), title, notes)


def register(app: typer.Typer) -> None:
    """Add ``price vix`` to the shared ``price`` group, when that group exists."""
    price_group = getattr(importlib.import_module("alvh.cli.price"), "price_group", None)
    if price_group is None:
        return
    register_on(price_group())
