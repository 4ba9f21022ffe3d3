"""Validate imported table pieces before anything reaches the store.

Checks, each raising ``DataFormatError`` naming the file, the source line, the column, the
value and what was expected:

- dates strictly increasing per series (index symbol, rate series, VX contract) in file order;
- index bars only on trading sessions (NYSE for SPX, CBOE for the VIX family) from 1990 on,
  except the documented days in ``SESSION_EXCEPTIONS``;
- prices positive and plausible (``PLAUSIBLE`` ranges), rates within -5..30 %;
- OHLC consistent: low <= close <= high and low <= open <= high (the importers turn the
  documented legacy VIX opens outside [low, high] into NaN before this check);
- VX contracts: a monthly code, expiry equal to the CFE rule ``vx_expiry`` of its month,
  trade date not after expiry.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alvh.calendar.expiries import parse_vx_contract, vx_expiry
from alvh.calendar.sessions import CALENDAR_END, CALENDAR_START, trading_calendar
from alvh.errors import DataFormatError
from alvh.market.importers.common import FileResult, Piece

# Plausible closes (index points); outside means a unit error or a corrupt row.
PLAUSIBLE: dict[str, tuple[float, float]] = {
    "SPX": (1.0, 100_000.0),
    "VIX": (5.0, 200.0),
    "VIX9D": (3.0, 250.0),
    "VIX3M": (5.0, 200.0),
    "VIX6M": (5.0, 200.0),
    "VVIX": (30.0, 400.0),
    "SKEW": (90.0, 200.0),
}
VX_SETTLE_RANGE = (5.0, 150.0)  # VIX points; 10x legacy quotes land far above
RATE_RANGE_PCT = (-5.0, 30.0)
# Documented non-session bars, dropped (and counted) by ``drop_documented_non_sessions``:
# - since Cboe's global trading hours (first seen 2022-05-30) VIX is published on US market
#   holidays; those values are real but no session of an SPX book;
# - 2004-06-11 (national day of mourning): the VIX file repeats the previous close.
GTH_HOLIDAY_BARS_FROM = np.datetime64("2022-05-01", "ns")
STALE_HOLIDAY_BARS = np.array(["2004-06-11"], dtype="datetime64[ns]")

_SESSIONS_NS: dict[str, np.ndarray] = {}


def _sessions(exchange: str) -> np.ndarray:
    if exchange not in _SESSIONS_NS:
        _SESSIONS_NS[exchange] = trading_calendar(exchange).sessions.asi8
    return _SESSIONS_NS[exchange]


def _fail(p: Piece, path: str, i: int, field: str, value: object, expected: str) -> None:
    raise DataFormatError(path, int(p.lines[i]), field, value, expected)


def _fmt(v: object) -> str:
    if isinstance(v, np.datetime64 | pd.Timestamp):
        return str(pd.Timestamp(v).date())
    return str(v)


def _check_increasing(p: Piece, path: str, group: str, what: str) -> None:
    """Dates strictly increasing within each ``group`` value, in file order."""
    f = p.frame
    g = f[group].to_numpy()
    d = f["date"].to_numpy("datetime64[ns]").view("int64")
    order = np.argsort(g, kind="stable") if len(pd.unique(g)) > 1 else np.arange(len(g))
    gs, ds = g[order], d[order]
    same = gs[1:] == gs[:-1]
    bad = same & (ds[1:] <= ds[:-1])
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        i, prev = int(order[k + 1]), int(order[k])
        dup = ds[k + 1] == ds[k]
        _fail(
            p,
            path,
            i,
            "date",
            _fmt(f["date"].iloc[i]),
            f"{'unique' if dup else 'increasing'} dates per {what} "
            f"(line {int(p.lines[prev])} has {_fmt(f['date'].iloc[prev])} for {gs[k]})",
        )


def _check_range(p: Piece, path: str, col: str, lo: float, hi: float, what: str) -> None:
    v = p.frame[col].to_numpy(np.float64)
    bad = ~np.isnan(v) & ((v < lo) | (v > hi))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        _fail(p, path, i, col, float(v[i]), f"{what} between {lo:g} and {hi:g}")


def _check_index_bars(p: Piece, path: str) -> None:
    f = p.frame
    _check_increasing(p, path, "symbol", "symbol")
    for sym in pd.unique(f["symbol"]):
        lo, hi = PLAUSIBLE.get(str(sym), (1e-9, np.inf))
        sub = Piece(p.table, f[f["symbol"] == sym], p.lines[(f["symbol"] == sym).to_numpy()], 0)
        sub.frame = sub.frame.reset_index(drop=True)
        for col in ("close", "open", "high", "low"):
            _check_range(sub, path, col, lo, hi, f"a plausible {sym} level")
        exchange = "XNYS" if sym == "SPX" else "CBOE"
        d = sub.frame["date"].to_numpy("datetime64[ns]")
        in_cal = (d >= np.datetime64(CALENDAR_START)) & (d <= np.datetime64(CALENDAR_END))
        bad = in_cal & ~_on_session(d, exchange)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            _fail(sub, path, i, "date", _fmt(d[i]), f"a {exchange} trading session ({sym} bar)")
    o, h, lo_, c = (f[k].to_numpy(np.float64) for k in ("open", "high", "low", "close"))
    eps = 1e-9
    with np.errstate(invalid="ignore"):
        checks = (
            ("low", lo_, (lo_ > h + eps), "low <= high"),
            ("close", c, (c > h + eps) | (c < lo_ - eps), "close within [low, high]"),
            ("open", o, (o > h + eps) | (o < lo_ - eps), "open within [low, high]"),
        )
    for col, vals, bad, expected in checks:
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            _fail(p, path, i, col, float(vals[i]), f"{expected} (high {h[i]:g}, low {lo_[i]:g})")


def _check_vx(p: Piece, path: str) -> None:
    f = p.frame
    _check_increasing(p, path, "contract", "VX contract")
    _check_range(p, path, "settle", *VX_SETTLE_RANGE, "a VX settle in VIX points")
    contracts = f["contract"].to_numpy()
    expiries = f["expiry"].to_numpy("datetime64[ns]")
    dates = f["date"].to_numpy("datetime64[ns]")
    rule: dict[str, np.datetime64] = {}
    for i, c in enumerate(contracts):
        if c not in rule:
            try:
                y, m = parse_vx_contract(str(c))
            except ValueError:
                _fail(p, path, i, "contract", c, "a monthly VX code like VXF08")
            rule[c] = np.datetime64(vx_expiry(y, m), "ns")
    want = np.array([rule[c] for c in contracts], dtype="datetime64[ns]")
    bad = expiries != want
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        _fail(
            p,
            path,
            i,
            "expiry",
            _fmt(expiries[i]),
            f"{_fmt(want[i])}, the CFE final settlement date of {contracts[i]}",
        )
    late = dates > expiries
    if late.any():
        i = int(np.flatnonzero(late)[0])
        _fail(
            p,
            path,
            i,
            "date",
            _fmt(dates[i]),
            f"a trade date on or before expiry {_fmt(expiries[i])}",
        )


def _check_final(p: Piece, path: str) -> None:
    _check_range(p, path, "value", *VX_SETTLE_RANGE, "a VX final settlement in VIX points")


def _check_rates(p: Piece, path: str) -> None:
    _check_increasing(p, path, "series", "rate series")
    _check_range(p, path, "value_pct", *RATE_RANGE_PCT, "a rate in percent")


def _check_events(p: Piece, path: str) -> None:
    f = p.frame
    dup = f.duplicated(["date", "kind"]).to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        _fail(p, path, i, "date", _fmt(f["date"].iloc[i]), f"one {f['kind'].iloc[i]} per date")


_CHECKS = {
    "index_bars": _check_index_bars,
    "vx_settlements": _check_vx,
    "final_settlements": _check_final,
    "rates": _check_rates,
    "events": _check_events,
}


def _on_session(dates: np.ndarray, exchange: str) -> np.ndarray:
    sess = _sessions(exchange)
    v = dates.astype("datetime64[ns]").view("int64")
    pos = np.minimum(np.searchsorted(sess, v), len(sess) - 1)
    return sess[pos] == v


def drop_documented_non_sessions(res: FileResult) -> None:
    """Drop (and count) VIX-family bars on the documented non-session days, in place."""
    for p in res.pieces:
        if p.table != "index_bars" or not len(p.frame):
            continue
        f = p.frame
        d = f["date"].to_numpy("datetime64[ns]")
        in_cal = (d >= np.datetime64(CALENDAR_START)) & (d <= np.datetime64(CALENDAR_END))
        vix_family = (f["symbol"] != "SPX").to_numpy()
        off = vix_family & in_cal & ~_on_session(d, "CBOE")
        documented = off & ((d >= GTH_HOLIDAY_BARS_FROM) | np.isin(d, STALE_HOLIDAY_BARS))
        if documented.any():
            for sym in pd.unique(f["symbol"][documented]):
                n = int((documented & (f["symbol"] == sym).to_numpy()).sum())
                res.drop(f"{sym}: bar on a market holiday (documented, not a session)", n)
            p.frame = f[~documented].reset_index(drop=True)
            p.lines = p.lines[~documented]


def validate_result(res: FileResult) -> None:
    """Check every piece of an import; raise ``DataFormatError`` at the first bad row."""
    for p in res.pieces:
        check = _CHECKS.get(p.table)
        if check is not None and len(p.frame):
            check(p, res.path)
