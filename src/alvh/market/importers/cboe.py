"""Index history files: CBOE ``*_History.csv`` (OHLC or close-only), Yahoo OHLC, and the
normalised shared files (SPX with ``ohlc_quality``, VIX with ``open_outside_hl``, VVIX with
``suspect``, multi-index close tables such as the VIX term closes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alvh.errors import DataFormatError
from alvh.market.importers.common import (
    RANK_DERIVED,
    RANK_PRIMARY,
    CsvTable,
    FileResult,
    Piece,
    conform_piece,
    normalise_symbol,
    parse_bools,
    parse_dates,
    parse_floats,
    symbol_from_name,
)
from alvh.market.schema import INDEX_SYMBOLS, IRX_CLOSE_TIME, at_time, index_known_at

LEGACY_OPEN_BEFORE = np.datetime64("2007-01-01", "ns")


def index_piece(
    symbol: str,
    dates: np.ndarray,
    ohlc: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    lines: np.ndarray,
    rank: int,
) -> Piece:
    """Build an ``index_bars`` piece for one symbol (``known_at`` by the schema convention)."""
    o, h, lo, c = ohlc
    d = pd.Series(dates)
    frame = pd.DataFrame(
        {
            "symbol": symbol,
            "date": d,
            "open": o,
            "high": h,
            "low": lo,
            "close": c,
            "known_at": index_known_at(symbol, d).to_numpy(),
        }
    )
    return Piece("index_bars", conform_piece("index_bars", frame), lines, rank)


def resolve_symbol(t: CsvTable, symbol: str | None) -> str:
    """Return the canonical symbol given by the user or by the file name."""
    sym = normalise_symbol(symbol) if symbol else symbol_from_name(t.path)
    if sym is None or sym not in INDEX_SYMBOLS:
        raise DataFormatError(
            t.path,
            None,
            None,
            symbol or None,
            f"an index symbol in the file name or --symbol (one of {', '.join(INDEX_SYMBOLS)})",
        )
    return sym


def import_index_ohlc(t: CsvTable, symbol: str | None) -> FileResult:
    """Import ``date,open,high,low,close[,...]`` (CBOE history or the shared normalised files).

    Honours the shared flags: ``ohlc_quality`` (open/high/low NaN where they are not real
    prices), ``open_outside_hl`` (legacy VIX rows whose open lies outside [low, high]:
    the open set to NaN) and ``suspect`` (row dropped).
    """
    sym = resolve_symbol(t, symbol)
    res = FileResult(t.path, "index_ohlc")
    if t.has("suspect"):
        bad = parse_bools(t, "suspect")
        res.drop(f"{sym}: flagged suspect in the source", int(bad.sum()))
        t = t.take(~bad)
    dates = parse_dates(t, "date")
    o, h, lo, c = (parse_floats(t, k) for k in ("open", "high", "low", "close"))
    if t.has("ohlc_quality"):
        q = pd.Series(t.col("ohlc_quality"), dtype=object)
        close_only = q.str.startswith("close_only").to_numpy()
        no_open = (q == "no_open").to_numpy() | close_only
        o = np.where(no_open, np.nan, o)
        h = np.where(close_only, np.nan, h)
        lo = np.where(close_only, np.nan, lo)
        res.notes.append(
            f"{sym}: open NaN on {int(no_open.sum())} rows, high/low NaN on "
            f"{int(close_only.sum())} rows (ohlc_quality: not real prices)"
        )
    # A zero open is the Yahoo/CBOE way of writing "no open".
    zero_open = o == 0.0
    if zero_open.any():
        o = np.where(zero_open, np.nan, o)
        res.notes.append(f"{sym}: open 0 read as missing on {int(zero_open.sum())} rows")
    # Legacy CBOE VIX-family rows (1992-2006) have an open outside [low, high] (e.g. 2.58 on
    # 2004-11-08): the open is known wrong, so it becomes NaN. The shared file flags them;
    # a raw CBOE history is checked by the same rule.
    if t.has("open_outside_hl"):
        legacy = parse_bools(t, "open_outside_hl")
    elif sym != "SPX":
        with np.errstate(invalid="ignore"):
            outside = (o > h) | (o < lo)
        legacy = outside & (dates < LEGACY_OPEN_BEFORE)
    else:
        legacy = np.zeros(len(t), dtype=bool)
    if legacy.any():
        o = np.where(legacy, np.nan, o)
        res.notes.append(
            f"{sym}: open set to NaN on {int(legacy.sum())} legacy rows (open outside [low, high])"
        )
    res.pieces.append(index_piece(sym, dates, (o, h, lo, c), t.lines, RANK_PRIMARY))
    return res


def import_yahoo(t: CsvTable, symbol: str | None) -> FileResult:
    """Import Yahoo ``Date,Open,High,Low,Close,Adj Close,Volume``; ``^IRX`` goes to ``rates``."""
    raw_sym = normalise_symbol(symbol) if symbol else symbol_from_name(t.path)
    # Yahoo writes "null" for days it has no quote: those rows carry nothing.
    nulls = pd.Series(t.col("Close"), dtype=object).str.lower().isin(["null", ""]).to_numpy()
    t2 = t.take(~nulls)
    if raw_sym == "IRX":
        res = FileResult(t.path, "yahoo_rates")
        res.drop("IRX: 'null' quote", int(nulls.sum()))
        dates = parse_dates(t2, "Date")
        d = pd.Series(dates)
        frame = pd.DataFrame(
            {
                "series": "IRX",
                "date": d,
                "value_pct": parse_floats(t2, "Close"),
                "known_at": at_time(d, IRX_CLOSE_TIME).to_numpy(),
            }
        )
        res.pieces.append(Piece("rates", conform_piece("rates", frame), t2.lines, RANK_PRIMARY))
        return res
    sym = resolve_symbol(t, symbol or raw_sym)
    res = import_index_ohlc(t2, sym)
    res.fmt = "yahoo"
    res.drop(f"{sym}: 'null' quote", int(nulls.sum()))
    return res


def import_index_close(t: CsvTable) -> FileResult:
    """Import close-only columns: ``DATE,VVIX``, ``date,skew``, or several symbols per row.

    A table with one index column is a dedicated history (primary rank); a table of several
    index columns (e.g. the VIX term closes) ranks below dedicated files so it only fills gaps
    and adds symbols (VIX6M) without overriding a dedicated file's OHLC bars.
    """
    sym_cols = [h for h in t.header if normalise_symbol(h) in INDEX_SYMBOLS]
    other = [h for h in t.header if h.lower() not in ("date", "suspect") and h not in sym_cols]
    res = FileResult(t.path, "index_close")
    if other:
        res.notes.append(f"columns not imported: {', '.join(other)}")
    if t.has("suspect"):
        bad = parse_bools(t, "suspect")
        res.drop(f"{normalise_symbol(sym_cols[0])}: flagged suspect in the source", int(bad.sum()))
        t = t.take(~bad)
    dates = parse_dates(t, "date")
    rank = RANK_PRIMARY if len(sym_cols) == 1 else RANK_DERIVED
    for col in sym_cols:
        sym = normalise_symbol(col)
        c = parse_floats(t, col)
        has = ~np.isnan(c)
        if not has.all() and len(sym_cols) == 1:
            res.drop(f"{sym}: empty close", int((~has).sum()))
        nan = np.full(int(has.sum()), np.nan)
        res.pieces.append(index_piece(sym, dates[has], (nan, nan, nan, c[has]), t.lines[has], rank))
    return res
