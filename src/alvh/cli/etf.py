"""``alvh etf``: the S&P 500 VIX Short-Term Futures Index rule and a VXX-like ETF over a range."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from alvh.cli.curve import load, output_format, records, show_table
from alvh.errors import NoDataError
from alvh.market.data import MarketData
from alvh.market.vixetf import VXX_FEE_PCT_PER_YEAR, compute_vix_st_index, etf_prices, tbill_series


def etf_series(
    market: MarketData, start: pd.Timestamp, end: pd.Timestamp, fee_pct: float
) -> tuple[pd.DataFrame, bool]:
    """Return the index and ETF price by day from ``start`` to ``end`` (all start at 100).

    The second item says whether T-bill interest (IRX) was available for the TR index.

    Raises
    ------
    NoDataError
        If no VX settlement lies in the range (the available range is named).
    """
    vx = market.tables["vx_settlements"]
    if vx.empty:
        raise NoDataError(f"no VX settlements in {market.source.description}")
    dates = pd.DatetimeIndex(vx["date"]).normalize()
    sessions = pd.DatetimeIndex(np.unique(dates[(dates >= start) & (dates <= end)]))
    if len(sessions) == 0:
        raise NoDataError(
            f"no VX settlements between {start.date()} and {end.date()}; "
            f"{market.source.description} has them for {dates.min().date()}..{dates.max().date()}"
        )
    try:
        tbill: pd.Series | None = tbill_series(market.tables["rates"], "IRX")
    except NoDataError:
        tbill = None
    # Rows up to ``end`` only: the index at t never needs later settlements.
    index = compute_vix_st_index(vx[dates <= end], sessions, tbill)
    index["etf_price"] = etf_prices(index, fee_pct).to_numpy()
    cols = ["date", "front_expiry", "weight_front", "er_index", "tr_index", "etf_price"]
    return index[cols], tbill is not None


def by_month(daily: pd.DataFrame) -> pd.DataFrame:
    """Return month-end levels and the month's ETF return in percent."""
    m = daily.set_index("date")[["er_index", "tr_index", "etf_price"]].resample("ME").last()
    prev = np.concatenate(([daily["etf_price"].iloc[0]], m["etf_price"].to_numpy()[:-1]))
    m["etf_month_pct"] = 100.0 * (m["etf_price"].to_numpy() / prev - 1.0)
    m.index = pd.DatetimeIndex(m.index).strftime("%Y-%m")
    return m.reset_index(names="month")


def register(app: typer.Typer) -> None:
    """Add the ``etf`` command."""

    @app.command("etf")
    def etf_cmd(
        start: str = typer.Option(..., "--start", help="First day (YYYY-MM-DD)."),
        end: str = typer.Option(..., "--end", help="Last day (YYYY-MM-DD)."),
        fee_pct: float = typer.Option(
            VXX_FEE_PCT_PER_YEAR, "--fee-pct", min=0.0, help="ETF fee, percent a year."
        ),
        monthly: bool = typer.Option(False, "--monthly", help="One row per month."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
        as_csv: bool = typer.Option(False, "--csv", help="Print CSV."),
        store: Path | None = typer.Option(None, "--store", help="Market data store folder."),
    ) -> None:
        """Print the VIX short-term futures index (ER, TR) and a VXX-like ETF, 100 at --start."""
        fmt = output_format(as_json, as_csv)
        from alvh.cli.options import parse_iso_date

        lo = pd.Timestamp(parse_iso_date(start, "--start"))
        hi = pd.Timestamp(parse_iso_date(end, "--end"))
        if lo > hi:
            raise typer.BadParameter(f"--start {lo.date()} is after --end {hi.date()}")
        market = load(store)
        daily, has_tbill = etf_series(market, lo, hi, fee_pct)
        frame = by_month(daily) if monthly else daily
        if fmt == "json":
            payload = {
                "source": market.source.description,
                "fee_pct_per_year": fee_pct,
                "tbill": "IRX" if has_tbill else None,
                "rows": records(frame),
            }
            typer.echo(json.dumps(payload, indent=2))
        elif fmt == "csv":
            typer.echo(frame.to_csv(index=False, date_format="%Y-%m-%d").rstrip("\n"))
        else:
            last = daily.iloc[-1]
            notes = [
                f"data: {market.source.description}",
                f"ETF fee {fee_pct:.2f}%/year on the TR index"
                + ("" if has_tbill else " (no IRX rates: TR = ER)"),
                f"{daily['date'].iloc[0].date()}..{last['date'].date()}: ER "
                f"{last['er_index'] - 100:+.1f}%, TR {last['tr_index'] - 100:+.1f}%, "
                f"ETF {last['etf_price'] - 100:+.1f}%",
            ]
            if not monthly and len(frame) > 80:
                notes.append("long range: --monthly prints one row per month")
            show_table(frame, "S&P 500 VIX Short-Term Futures Index rule", notes)
