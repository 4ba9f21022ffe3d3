"""Fast replicas of CBOE's SPX strategy benchmark indexes, priced on the model surface.

Each replica follows the index's published rules (cited, with every approximation, in
docs/indexes.md): which options, which strikes, when they roll, how they settle and what
collateral or stock they sit on. The options are priced on ``SurfacePanel`` -- the model
surface of every day at once -- so one index over 2007-2025 takes a fraction of a second and
can sit inside a fit loop.

Common rules and approximations (all replicas):

- **Roll day**: the standard monthly SPX expiration (third Friday, the session before when it
  is a holiday); the expiring AM-settled options settle at the Special Opening Quotation (SOQ).
  The data holds no SOQ: the SPX open of the roll day stands in for it, and the roll day's
  close where the data has no open (after 2023) or a stale one (equal to the prior close).
- **Strike reference**: CBOE uses the last SPX value before 11:00 ET. Approximated by
  ``open + (close - open) * 1.5 / 6.5`` (linear from the 09:30 open to the 16:00 close), the
  close where no open is known. Strikes are on a 5-point grid.
- **New options' premium**: CBOE uses the 11:30-12:00 ET VWAP. Approximated by the model
  price at the roll day's close (mid, no spread), with the strike fixed by the reference above.
- **S&P 500 total return**: SPX close times ``exp(q t)`` with ``q = params.div_yield`` (the
  project's constant carry, ``alvh.market.rates``) over calendar time.
- **T-bills**: cash earns the IRX rate (DFF where no IRX) known on each day, continuously over
  calendar days; PUT's one- and three-month bill split is not modelled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal

import numpy as np
import pandas as pd

from alvh.calendar.expiries import spx_monthly_expiry
from alvh.errors import NoDataError
from alvh.market.data import MarketData
from alvh.market.surface import (
    DEFAULT_SURFACE_PARAMS,
    VIX_TENORS_DAYS,
    SurfacePanel,
    SurfaceParams,
    daily_inputs,
)

INDEXES: Final[tuple[str, ...]] = ("PUT", "PPUT", "BXM", "CLL", "CNDR", "BFLY")
"""The indexes ``replicate`` knows."""

STRIKE_STEP: Final = 5.0
"""SPX strike grid in index points (5-point strikes near the money)."""

COLLATERAL_MULTIPLE: Final = 10.0
"""CNDR/BFLY: T-bills hold this many times the spread's maximum loss (CBOE's description)."""

_DAY_NS: Final = 86_400_000_000_000
_CLOSE_NS: Final = 16 * 3_600_000_000_000
_AM_NS: Final = 9 * 3_600_000_000_000 + 30 * 60_000_000_000
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
_REF_FRACTION: Final = 1.5 / 6.5  # 11:00 ET between the 09:30 open and the 16:00 close
_LOOKBACK: Final = pd.Timedelta(days=70)  # enough history to find the roll before ``start``

Kind = Literal["stock", "cash"]


@dataclass(frozen=True)
class ReplicaResult:
    """A replica's daily level and its trades.

    Attributes
    ----------
    index
        Ticker (one of ``INDEXES``).
    level
        Daily level on the SPX sessions of the data, from ``start`` (rebased there to
        ``base_level``) to ``end``.
    rolls
        One row per option traded: ``date`` (roll day), ``leg``, ``expiry``, ``is_call``,
        ``strike``, ``qty`` (per unit of the portfolio: -1 written, +1 bought), ``reference``
        (SPX at ~11:00), ``premium`` (model price at the roll, SPX points), ``settlement``
        (value when it left the book: intrinsic at the SOQ, or the mark when sold early;
        NaN while still held).
    params
        Surface parameters the options were priced with.
    """

    index: str
    level: pd.Series
    rolls: pd.DataFrame
    params: SurfaceParams = field(repr=False)


@dataclass
class _Leg:
    name: str
    is_call: bool
    strike: float
    qty: float
    expiry: date
    opened: int  # day row it was bought or written
    row: int = -1  # its row in the roll records


def replicate(
    index: str,
    data: MarketData,
    params: SurfaceParams | None = None,
    *,
    start: pd.Timestamp | str | None = None,
    end: pd.Timestamp | str | None = None,
    base_level: float = 100.0,
    inputs: pd.DataFrame | None = None,
) -> ReplicaResult:
    """Return the daily level of a CBOE SPX strategy index replicated on the model surface.

    Parameters
    ----------
    index
        One of ``INDEXES`` (case-insensitive).
    data
        Market data holding SPX (open and close), the VIX family, SKEW and IRX or DFF.
    params
        Surface parameters (default ``DEFAULT_SURFACE_PARAMS``).
    start, end
        Range of the returned level. The replica starts from the last roll day on or before
        ``start`` (when the data holds it), so its positions are the index's; None: from the
        first roll day of the data / to its last session.
    base_level
        Level on the first returned day (pass the real index's level there to overlay them).
    inputs
        ``alvh.market.surface.daily_inputs(data)`` when the caller already has it (fit loops).

    Raises
    ------
    NoDataError
        Unknown index, or the data holds no roll day in range.
    """
    key = index.upper()
    if key not in INDEXES:
        raise NoDataError(f"unknown index {index!r}; expected one of {', '.join(INDEXES)}")
    p = params or DEFAULT_SURFACE_PARAMS
    start_ts = None if start is None else pd.Timestamp(start)
    end_ts = None if end is None else pd.Timestamp(end)
    if inputs is None:
        inputs = daily_inputs(data, None if start_ts is None else start_ts - _LOOKBACK, end_ts)
    else:
        lo = None if start_ts is None else start_ts - _LOOKBACK
        inputs = inputs.loc[lo:end_ts]
    panel = SurfacePanel.from_closes(
        pd.DatetimeIndex(inputs.index),
        inputs["SPX"].to_numpy(),
        inputs["rate"].to_numpy(),
        {s: inputs[s].to_numpy() for s, _ in VIX_TENORS_DAYS if s in inputs},
        inputs["SKEW"].to_numpy(),
        p,
    )
    return _run(key, panel, inputs, start_ts, base_level)


# -- the calendar -------------------------------------------------------------------------------
def roll_days(dates: pd.DatetimeIndex) -> tuple[np.ndarray, list[date]]:
    """Return (rows of ``dates`` that are roll days, the monthly expiry each one is).

    A month's roll day is its standard SPX expiration; when the data lacks that session, the
    next session of the data.
    """
    if len(dates) == 0:
        return np.array([], dtype=np.int64), []
    rows: list[int] = []
    expiries: list[date] = []
    y, m = dates[0].year, dates[0].month
    last = dates[-1]
    while (y, m) <= (last.year, last.month):
        e = spx_monthly_expiry(y, m)
        i = int(dates.searchsorted(pd.Timestamp(e)))
        if i < len(dates) and (not rows or i > rows[-1]) and dates[i].month == e.month:
            rows.append(i)
            expiries.append(e)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return np.asarray(rows, dtype=np.int64), expiries


def next_monthly_expiry(e: date, months: int = 1) -> date:
    """Return the standard SPX expiration ``months`` months after expiry month of ``e``."""
    k = e.year * 12 + e.month - 1 + months
    return spx_monthly_expiry(k // 12, k % 12 + 1)


def next_quarterly_expiry(e: date) -> date:
    """Return the next March/June/September/December standard expiration after month ``e``."""
    k = 1
    while (e.month + k - 1) % 12 + 1 not in (3, 6, 9, 12):
        k += 1
    return next_monthly_expiry(e, k)


def _floor(x: float, step: float = STRIKE_STEP) -> float:
    return math.floor(x / step + 1e-9) * step


def _ceil(x: float, step: float = STRIKE_STEP) -> float:
    return math.ceil(x / step - 1e-9) * step


def _expiry_ns(expiry: date) -> int:
    """09:30 ET of an AM-settled expiry, in naive nanoseconds."""
    return (expiry.toordinal() - _EPOCH_ORDINAL) * _DAY_NS + _AM_NS


def _t_years(day: pd.Timestamp, expiry: date) -> float:
    """Year fraction from ``day``'s 16:00 close to ``expiry``'s 09:30 SOQ (ACT/365)."""
    return (_expiry_ns(expiry) - (day.value + _CLOSE_NS)) / (365.0 * _DAY_NS)


# -- strikes ------------------------------------------------------------------------------------
def _delta_strikes(
    panel: SurfacePanel, rows: np.ndarray, t: np.ndarray, targets: tuple[float, ...]
) -> np.ndarray:
    """Strikes on the 5-point grid whose model spot delta is nearest each signed target.

    Returns an array (len(rows), len(targets)).
    """
    spot = panel.spot[rows]
    out = np.empty((len(rows), len(targets)))
    at = np.arange(len(rows))
    for is_call, lo, hi in ((False, 0.5, 1.0), (True, 1.0, 1.4)):  # OTM strikes only
        n = math.ceil((hi - lo) * float(spot.max()) / STRIKE_STEP) + 1
        base = np.floor(lo * spot / STRIKE_STEP) * STRIKE_STEP
        k = base[:, None] + STRIKE_STEP * np.arange(n)[None, :]
        delta = panel.greeks(rows[:, None], t[:, None], k, is_call)[0].delta
        for j, target in enumerate(targets):
            if (target > 0) == is_call:
                out[:, j] = k[at, np.argmin(np.abs(delta - target), axis=1)]
    return out


# -- the engine ---------------------------------------------------------------------------------
def _run(
    key: str,
    panel: SurfacePanel,
    inputs: pd.DataFrame,
    start: pd.Timestamp | None,
    base_level: float,
) -> ReplicaResult:
    dates = panel.dates
    rolls, expiries = roll_days(dates)
    if start is not None:
        before = np.flatnonzero(dates[rolls] <= start)
        first = int(before[-1]) if len(before) else 0
    else:
        first = 0
    rolls, expiries = rolls[first:], expiries[first:]
    if len(rolls) == 0:
        raise NoDataError(f"{key}: no SPX monthly expiration in the data range")
    spot = panel.spot
    opens = inputs["SPX_open"].to_numpy(np.float64)
    # Some vendors' index opens (Yahoo's before 2008, some days of 2011-2013) repeat the prior
    # close: such an open says nothing about the SOQ and counts as unknown.
    prev_close = np.r_[np.nan, spot[:-1]]
    opens = np.where(np.abs(opens - prev_close) < 0.011, np.nan, opens)
    ref = np.where(np.isnan(opens), spot, opens + (spot - opens) * _REF_FRACTION)
    soq = np.where(np.isnan(opens), spot, opens)
    n_days = len(dates)
    # Calendar-time accrual of T-bills and of the S&P 500 dividends (total return).
    days = (dates.to_numpy("datetime64[D]").astype(np.int64)).astype(np.float64)
    dt = np.diff(days, prepend=days[0]) / 365.0
    acc = np.exp(np.cumsum(np.r_[0.0, panel.rate[:-1]] * dt))
    trf = np.exp(panel.params.div_yield * (days - days[0]) / 365.0)

    # CNDR picks strikes by model delta: one vectorised pass over every roll day.
    t_new = np.array(
        [_t_years(dates[r], next_monthly_expiry(e)) for r, e in zip(rolls, expiries, strict=True)]
    )
    delta_k = (
        _delta_strikes(panel, rolls, t_new, (-0.05, -0.20, 0.20, 0.05)) if key == "CNDR" else None
    )

    records: list[dict[str, object]] = []
    period_legs: list[list[_Leg]] = []
    held: list[_Leg] = []
    kind: Kind = "cash" if key in ("PUT", "CNDR", "BFLY") else "stock"
    for j, (r, e) in enumerate(zip(rolls, expiries, strict=True)):
        r = int(r)
        # Legs expiring at this roll's SOQ leave the book (their payoff is their last mark).
        held = [leg for leg in held if leg.expiry > e]
        nxt = next_monthly_expiry(e)
        x = float(ref[r])
        new: list[tuple[str, bool, float, float, date]] = []
        if key == "PUT":
            new.append(("short_put", False, _floor(x), -1.0, nxt))
        elif key == "BXM":
            new.append(("short_call", True, _ceil(x), -1.0, nxt))
        elif key == "PPUT":
            new.append(("long_put", False, _floor(0.95 * x), 1.0, nxt))
        elif key == "CLL":
            k_call = _ceil(1.10 * x)
            new.append(("short_call", True, k_call, -1.0, nxt))
            if not held:  # quarterly roll (or the first roll): a new put to the next quarter
                new.append(("long_put", False, _floor(0.95 * x), 1.0, next_quarterly_expiry(e)))
            elif held[0].strike > k_call:  # cross-roll: sell the put, buy a 95% one, same expiry
                old = held.pop(0)
                new.append(("long_put", False, _floor(0.95 * x), 1.0, old.expiry))
        elif key == "CNDR":
            assert delta_k is not None
            kp_long, kp_short, kc_short, kc_long = delta_k[j]
            new += [
                ("long_put", False, kp_long, 1.0, nxt),
                ("short_put", False, kp_short, -1.0, nxt),
                ("short_call", True, kc_short, -1.0, nxt),
                ("long_call", True, kc_long, 1.0, nxt),
            ]
        else:  # BFLY: short ATM straddle, long 5% OTM wings
            k_atm = STRIKE_STEP * round(x / STRIKE_STEP)
            new += [
                ("long_put", False, _floor(0.95 * x), 1.0, nxt),
                ("short_put", False, k_atm, -1.0, nxt),
                ("short_call", True, k_atm, -1.0, nxt),
                ("long_call", True, _ceil(1.05 * x), 1.0, nxt),
            ]
        for name, is_call, strike, qty, expiry in new:
            leg = _Leg(name, is_call, strike, qty, expiry, r, len(records))
            records.append(
                {
                    "date": dates[r],
                    "leg": name,
                    "expiry": pd.Timestamp(expiry),
                    "is_call": is_call,
                    "strike": strike,
                    "qty": qty,
                    "reference": x,
                    "premium": math.nan,
                    "settlement": math.nan,
                }
            )
            held.append(leg)
        period_legs.append(list(held))

    # Marks of every held leg on every day of its period, in one panel evaluation.
    bounds = [*rolls.tolist(), n_days - 1]
    q_day: list[np.ndarray] = []
    q_leg: list[tuple[int, int]] = []  # (period, leg index) per block
    for j, legs in enumerate(period_legs):
        lo, hi = int(bounds[j]), int(bounds[j + 1])
        for li, _ in enumerate(legs):
            q_day.append(np.arange(lo, hi + 1))
            q_leg.append((j, li))
    day_idx = np.concatenate(q_day)
    sizes = [len(a) for a in q_day]
    val_ns = dates.to_numpy("datetime64[ns]").view(np.int64) + _CLOSE_NS
    exp_ns = np.concatenate(
        [
            np.full(s, _expiry_ns(period_legs[j][li].expiry))
            for s, (j, li) in zip(sizes, q_leg, strict=True)
        ]
    )
    t_all = (exp_ns - val_ns[day_idx]) / (365.0 * _DAY_NS)
    k_all = np.concatenate(
        [np.full(s, period_legs[j][li].strike) for s, (j, li) in zip(sizes, q_leg, strict=True)]
    )
    c_all = np.concatenate(
        [np.full(s, period_legs[j][li].is_call) for s, (j, li) in zip(sizes, q_leg, strict=True)]
    )
    marks = panel.greeks(day_idx, t_all, k_all, c_all)[0].price
    # An expired leg on its settlement day is worth its payoff at the SOQ, not at the close.
    expired = t_all <= 0.0
    payoff = np.where(c_all, soq[day_idx] - k_all, k_all - soq[day_idx])
    marks = np.where(expired, np.maximum(payoff, 0.0), marks)

    level = np.full(n_days, np.nan)
    lvl = 1.0
    pos = 0
    mark_blocks: dict[tuple[int, int], np.ndarray] = {}
    for s, jl in zip(sizes, q_leg, strict=True):
        mark_blocks[jl] = marks[pos : pos + s]
        pos += s
    for j, legs in enumerate(period_legs):
        lo, hi = int(bounds[j]), int(bounds[j + 1])
        opt = np.zeros(hi - lo + 1)
        qk = []
        for li, leg in enumerate(legs):
            m = mark_blocks[(j, li)]
            opt += leg.qty * m
            if leg.opened == lo:
                records[leg.row]["premium"] = float(m[0])
            # Its value when it leaves the book: payoff at the SOQ, or the mark when sold.
            gone = j + 1 < len(period_legs) and all(leg is not x for x in period_legs[j + 1])
            if gone:
                records[leg.row]["settlement"] = float(m[-1])
            qk.append((leg, float(m[0])))
        if kind == "stock":
            v = spot[lo : hi + 1] * trf[lo : hi + 1] / trf[lo] + opt
        else:
            if key == "PUT":
                ((leg, prem),) = qk
                t0 = _t_years(dates[lo], leg.expiry)
                per_unit = leg.strike * math.exp(-panel.rate[lo] * t0) - prem
            else:
                # Ten times the spread's maximum loss, taken as its wider wing before the
                # credit: net of the credit it shrinks towards zero when the credit nears
                # the wing (a BFLY at VIX 30+), and the leverage with it explodes.
                width = max(_width(legs, False), _width(legs, True))
                per_unit = COLLATERAL_MULTIPLE * max(width, STRIKE_STEP)
            cash0 = per_unit - opt[0]  # the account also holds the premiums received
            v = cash0 * acc[lo : hi + 1] / acc[lo] + opt
        # Chain-linked: the next period starts from this one's last (pre-roll) level.
        level[lo : hi + 1] = lvl * v / v[0]
        lvl = level[hi]
    rec = pd.DataFrame.from_records(records)
    out = pd.Series(level, index=dates, name=key)
    out = out[out.index >= dates[int(rolls[0])]]
    if start is not None:
        out = out[out.index >= start]
    out = out.dropna()
    out = out / out.iloc[0] * base_level
    return ReplicaResult(key, out, rec, panel.params)


def _width(legs: list[_Leg], calls: bool) -> float:
    short = [lg.strike for lg in legs if lg.is_call == calls and lg.qty < 0]
    long = [lg.strike for lg in legs if lg.is_call == calls and lg.qty > 0]
    if not short or not long:
        return 0.0
    return abs(long[0] - short[0])
