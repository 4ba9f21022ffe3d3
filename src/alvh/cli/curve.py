"""``alvh curve``: the VX futures curve of one day (contracts, 30-day point, regime, roll yield).

Also holds the small rendering helpers shared by ``alvh etf`` and ``alvh price vix``: a rich
table by default, ``--json`` or ``--csv`` for machines.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from alvh.errors import NoDataError
from alvh.market.data import MarketData
from alvh.market.vxcurve import VxCurve


def load(store: Path | None) -> MarketData:
    """Return the market the commands run on.

    ``--store DIR`` means that store (an error when it is empty, never a quiet fall-back to the
    synthetic market); without it, the default store when it holds data, else synthetic.
    """
    from alvh.market.load import load_market

    return load_market(store, source="store" if store is not None else "auto")


def output_format(as_json: bool, as_csv: bool) -> str:
    """Return ``json``, ``csv`` or ``table`` from the two flags (both is a usage error)."""
    if as_json and as_csv:
        raise typer.BadParameter("choose one of --json and --csv")
    return "json" if as_json else "csv" if as_csv else "table"


def _plain(value: Any) -> Any:
    """Return a JSON-friendly scalar: dates as ISO days, NaN as None, numpy as Python."""
    if isinstance(value, pd.Timestamp | datetime | np.datetime64):
        ts = pd.Timestamp(value)
        return None if pd.isna(ts) else str(ts.date())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the rows of ``frame`` as JSON-friendly dicts."""
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def show_table(frame: pd.DataFrame, title: str, notes: list[str] | None = None) -> None:
    """Print ``frame`` as a rich table with a title and notes under it."""
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(str(col), justify="left" if frame[col].dtype == object else "right")
    for row in records(frame):
        table.add_row(
            *(
                "" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v)
                for v in row.values()
            )
        )
    console = Console()
    console.print(table)
    for note in notes or []:
        console.print(note, highlight=False)


def curve_for_date(market: MarketData, day: pd.Timestamp) -> VxCurve:
    """Return the VX curve settled on ``day``.

    Raises
    ------
    NoDataError
        If the market holds no VX settlements on that date (the available range is named).
    """
    vx = market.tables["vx_settlements"]
    if vx.empty:
        raise NoDataError(f"no VX settlements in {market.source.description}")
    dates = pd.DatetimeIndex(vx["date"]).normalize()
    if not (dates == day).any():
        raise NoDataError(
            f"no VX settlements on {day.date()}; {market.source.description} has them for "
            f"{dates.min().date()}..{dates.max().date()} (trading days only)"
        )
    snap = market.snapshot(day + pd.Timedelta(hours=23, minutes=59))
    return VxCurve.from_snapshot(snap)


def curve_report(curve: VxCurve) -> dict[str, Any]:
    """Return the curve's contracts and derived measures as plain data."""
    cm = curve.constant_maturity(30)
    out: dict[str, Any] = {
        "date": str(curve.date.date()),
        "contracts": records(curve.to_frame()),
        "vix": curve.vix_spot,
        "vix3m": curve.vix3m,
        "cm30": {"value": cm.value, "extrapolated": cm.extrapolated, "gap": cm.gap},
    }
    if len(curve.contracts) >= 2:
        ry = curve.roll_yield("vx1_vx2")
        out["vx2_over_vx1"] = curve.vx2_over_vx1()
        out["regime"] = curve.regime()
        out["roll_yield_vx1_vx2"] = {
            "per_month_pct": ry.per_month_pct,
            "annualised_pct": ry.annualised_pct,
        }
    if curve.vix_spot is not None:
        ry = curve.roll_yield("spot_vx1")
        out["roll_yield_spot_vx1"] = {
            "per_month_pct": ry.per_month_pct,
            "annualised_pct": ry.annualised_pct,
        }
    if curve.vix_spot is not None and curve.vix3m is not None:
        out["vix_over_vix3m"] = curve.vix_over_vix3m()
    return out


def register(app: typer.Typer) -> None:
    """Add the ``curve`` command."""

    @app.command("curve")
    def curve_cmd(
        date: str = typer.Option(..., "--date", help="Trade date (YYYY-MM-DD)."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
        as_csv: bool = typer.Option(False, "--csv", help="Print CSV (one row per contract)."),
        store: Path | None = typer.Option(None, "--store", help="Market data store folder."),
    ) -> None:
        """Print the VX futures curve of a day: contracts, 30-day point, regime, roll yield."""
        from alvh.cli.options import parse_iso_date

        fmt = output_format(as_json, as_csv)
        day = pd.Timestamp(parse_iso_date(date, "--date"))  # refuse a bad date before loading
        market = load(store)
        curve = curve_for_date(market, day)
        rep = curve_report(curve)
        rep["source"] = market.source.description
        if fmt == "json":
            typer.echo(json.dumps(rep, indent=2))
            return
        frame = curve.to_frame()
        if fmt == "csv":
            frame["cm30"] = rep["cm30"]["value"]
            frame["regime"] = rep.get("regime")
            frame["roll_yield_per_month_pct"] = rep.get("roll_yield_vx1_vx2", {}).get(
                "per_month_pct"
            )
            typer.echo(frame.to_csv(index=False, date_format="%Y-%m-%d").rstrip("\n"))
            return
        notes = [f"data: {rep['source']}"]
        cm = rep["cm30"]
        flag = (
            " (extrapolated)"
            if cm["extrapolated"]
            else " (spans a missing contract)"
            if cm["gap"]
            else ""
        )
        notes.append(f"30-day constant maturity: {cm['value']:.3f}{flag}")
        if "regime" in rep:
            ry = rep["roll_yield_vx1_vx2"]
            notes.append(
                f"regime: {rep['regime']} (VX2/VX1 = {rep['vx2_over_vx1']:.4f}); roll yield of a "
                f"long VX2 (to VX1): {ry['per_month_pct']:+.2f}%/month, "
                f"{ry['annualised_pct']:+.1f}%/year"
            )
        if "roll_yield_spot_vx1" in rep:
            ry = rep["roll_yield_spot_vx1"]
            notes.append(
                f"VIX {curve.vix_spot:.2f}; roll yield of a long VX1 (to spot): "
                f"{ry['per_month_pct']:+.2f}%/month"
            )
        if "vix_over_vix3m" in rep:
            notes.append(f"VIX/VIX3M = {rep['vix_over_vix3m']:.4f}")
        show_table(frame, f"VX curve {rep['date']}", notes)
