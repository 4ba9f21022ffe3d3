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
    strikes: np.ndarray,
    is_call: bool,
    vvix: float | None,
    rate_pct: float | None,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Return one row per strike (price, vol, greeks) and the inputs used.

    Raises
    ------
    NoDataError
        If the day has no VX curve, the expiry no future, or VVIX is neither given nor known.
    """
    # The option model (scipy, numba) loads here, not when the CLI starts.
    from alvh.market.vixoptions import VIX_OPTION_MULTIPLIER_USD, VixOptionModel

    curve = curve_for_date(market, day)
    fwd = curve.front(1) if expiry is None else curve.at_expiry(expiry)
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
    model = VixOptionModel(vvix)
    days = float(fwd.dte_days or 0)
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
        "dte_days": fwd.dte_days,
        "type": "call" if is_call else "put",
        "vvix": vvix,
        "rate_pct": rate_pct,
        "atm_vol_pct": float(100.0 * model.atm_vol(days)),
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
        strikes: list[str] = typer.Option(..., "--strikes", help="Strikes, e.g. 15,20,25."),
        kind: OptionType = typer.Option(OptionType.call, "--type", help="call or put."),
        vvix: float | None = typer.Option(None, "--vvix", help="VVIX (default: the day's)."),
        rate_pct: float | None = typer.Option(
            None, "--rate-pct", help="Rate in percent (default: IRX)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
        as_csv: bool = typer.Option(False, "--csv", help="Print CSV."),
        store: Path | None = typer.Option(None, "--store", help="Market data store folder."),
    ) -> None:
        """Price VIX options with Black-76 on the VX future of their expiry (vol from VVIX)."""
        fmt = output_format(as_json, as_csv)
        ks = parse_strikes(strikes)
        market = load(store)
        exp = None if expiry is None else pd.Timestamp(expiry).normalize()
        frame, inputs = price_table(
            market, pd.Timestamp(date).normalize(), exp, ks, kind == OptionType.call, vvix, rate_pct
        )
        inputs["source"] = market.source.description
        if fmt == "json":
            typer.echo(json.dumps({**inputs, "rows": records(frame)}, indent=2))
        elif fmt == "csv":
            typer.echo(frame.to_csv(index=False).rstrip("\n"))
        else:
            notes = [
                f"data: {inputs['source']}",
                f"forward {inputs['future']} = {inputs['forward']:.3f} ({inputs['dte_days']} days),"
                f" VVIX {inputs['vvix']:.2f} -> ATM vol {inputs['atm_vol_pct']:.1f}%, "
                f"rate {inputs['rate_pct']:.2f}%; price_usd = price x 100",
            ]
            title = f"VIX {inputs['type']}s {inputs['date']} expiring {inputs['expiry']}"
            show_table(frame, title, notes)


def register(app: typer.Typer) -> None:
    """Add ``price vix`` to the shared ``price`` group, when that group exists."""
    price_group = getattr(importlib.import_module("alvh.cli.price"), "price_group", None)
    if price_group is None:
        return
    register_on(price_group())
