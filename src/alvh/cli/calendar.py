"""``alvh calendar``: trading sessions, expirations and exchange differences.

Thin face over ``alvh.calendar``: parse the options, call the API, render a rich table (default),
CSV or JSON on stdout.
"""

from __future__ import annotations

import json
import sys
from datetime import date

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from alvh.calendar.expiries import spx_expiries, vx_expiries
from alvh.calendar.sessions import KNOWN_DIFFERENCES, trading_calendar

_PRODUCTS = ("spx", "spxw", "vx")
_EXCHANGES = ("XNYS", "CFE")


def _parse_day(value: str, option: str) -> date:
    from alvh.cli.options import parse_iso_date  # the one date parser of every command

    return parse_iso_date(value, option)


def _parse_range(start: str, end: str) -> tuple[date, date]:
    s, e = _parse_day(start, "--start"), _parse_day(end, "--end")
    if e < s:
        raise typer.BadParameter(f"--end {e} is before --start {s}", param_hint="--end")
    return s, e


def _choice(value: str, allowed: tuple[str, ...], option: str, upper: bool = False) -> str:
    v = value.strip().upper() if upper else value.strip().lower()
    if v not in allowed:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}", param_hint=option)
    return v


def _emit(df: pd.DataFrame, title: str, as_csv: bool, as_json: bool) -> None:
    """Print ``df`` as CSV, JSON records or a rich table; dates as YYYY-MM-DD."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            fmt = "%Y-%m-%d %H:%M" if (out[col].dt.normalize() != out[col]).any() else "%Y-%m-%d"
            out[col] = out[col].dt.strftime(fmt)
    if as_csv:
        sys.stdout.write(out.to_csv(index=False))
        return
    if as_json:
        sys.stdout.write(json.dumps(out.to_dict(orient="records"), indent=1) + "\n")
        return
    table = Table(title=title)
    for col in out.columns:
        table.add_column(str(col))
    for row in out.itertuples(index=False):
        table.add_row(*(str(v) for v in row))
    Console().print(table)


def _one_format(as_csv: bool, as_json: bool) -> None:
    if as_csv and as_json:
        raise typer.BadParameter("choose one of --csv and --json", param_hint="--json")


def expiries(
    product: str = typer.Option("spx", "--product", "-p", help="spx, spxw or vx."),
    start: str = typer.Option(..., "--start", help="First expiry day, YYYY-MM-DD."),
    end: str = typer.Option(..., "--end", help="Last expiry day, YYYY-MM-DD."),
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON records instead of a table."),
    listed_on: str | None = typer.Option(
        None, "--listed-on", help="Only expiries listed (tradable) that day, YYYY-MM-DD."
    ),
) -> None:
    """List expirations: SPX monthlies, SPXW weeklies/dailies/EOM, or VX futures (= VIX options).

    SPX and SPXW rows carry ``listed_from``, the first day each expiry was listed.
    """
    p = _choice(product, _PRODUCTS, "--product")
    s, e = _parse_range(start, end)
    _one_format(as_csv, as_json)
    day = None if listed_on is None else _parse_day(listed_on, "--listed-on")
    if p == "vx":
        if day is not None:
            raise typer.BadParameter(
                "VX listings are not modelled; use it with spx or spxw", param_hint="--listed-on"
            )
        df = vx_expiries(s, e)
        df["settlement"] = "AM (SOQ)"
    else:
        df = spx_expiries(s, e, p)  # type: ignore[arg-type]
        if day is not None:
            d = pd.Timestamp(day)
            df = df[(df["listed_from"] <= d) & (df["expiry"] >= d)].reset_index(drop=True)
    df.insert(list(df.columns).index("expiry") + 1, "weekday", df["expiry"].dt.day_name().str[:3])
    _emit(df, f"{p.upper()} expirations {s} .. {e} ({len(df)})", as_csv, as_json)


def sessions(
    start: str = typer.Option(..., "--start", help="First day, YYYY-MM-DD."),
    end: str = typer.Option(..., "--end", help="Last day, YYYY-MM-DD."),
    exchange: str = typer.Option("XNYS", "--exchange", "-x", help="XNYS (NYSE) or CFE."),
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON records instead of a table."),
) -> None:
    """List trading sessions with their close time (US/Eastern) and early-close flag."""
    x = _choice(exchange, _EXCHANGES, "--exchange", upper=True)
    s, e = _parse_range(start, end)
    _one_format(as_csv, as_json)
    cal = trading_calendar(x)
    days = cal.sessions_in_range(s, e)
    closes = [cal.close_time(d) for d in days]
    df = pd.DataFrame(
        {
            "session": days,
            "weekday": days.day_name().str[:3],
            "close_et": [c.strftime("%H:%M") for c in closes],
            "early_close": [c.hour < 16 for c in closes],
        }
    )
    _emit(df, f"{x} sessions {s} .. {e} ({len(df)})", as_csv, as_json)


def differences(
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON records instead of a table."),
) -> None:
    """List the known days on which NYSE and CFE (VX futures) did not both trade normally."""
    _one_format(as_csv, as_json)
    df = pd.DataFrame(
        {
            "day": [d.day.isoformat() for d in KNOWN_DIFFERENCES],
            "nyse_open": [d.nyse_open for d in KNOWN_DIFFERENCES],
            "cfe_open": [d.cfe_open for d in KNOWN_DIFFERENCES],
            "note": [d.note for d in KNOWN_DIFFERENCES],
        }
    )
    _emit(df, "Known NYSE / CFE special closures", as_csv, as_json)


def register(app: typer.Typer) -> None:
    """Add the ``calendar`` command group (expiries, sessions, differences)."""
    group = typer.Typer(
        help="Trading sessions, expirations (SPX, SPXW, VX/VIX options) and exchange differences.",
        no_args_is_help=True,
    )
    group.command("expiries")(expiries)
    group.command("sessions")(sessions)
    group.command("differences")(differences)
    app.add_typer(group, name="calendar")
