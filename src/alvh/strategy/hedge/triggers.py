"""The ALVH trigger rules (SPEC 2, "Definitions"), each a pure function returning a RuleResult.

Every rule takes explicit numbers, never a snapshot or a book, so the journal can replay it from
its recorded inputs alone. Units: IV and VIX in vol points or decimals (only ratios are used),
``days`` in calendar days, strikes and spot in SPX points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Literal

import numpy as np

from alvh._typing import ArrayLike
from alvh.kernel.indicators import macd_tail, nearest_levels, net_exposure, rsi_tail
from alvh.strategy.hedge.results import InputValue, RuleResult
from alvh.strategy.indicators import crossover_of_gaps

Regime = Literal["contango", "flat", "backwardation"]


def iv_shift(
    iv_now: float | None,
    iv_before: float | None,
    threshold: float = 0.15,
    sessions: int = 2,
    source: str = "vix",
) -> RuleResult:
    """Fire when ``iv_now / iv_before - 1 >= threshold`` (IV up 15-20% over 2 sessions).

    Parameters
    ----------
    iv_now
        Today's IV (VIX or 30-day ATM implied vol, any consistent unit).
    iv_before
        The same measure ``sessions`` sessions ago; None when not known yet.
    threshold
        Relative rise that fires (0.15 = +15%).
    sessions
        Look-back in sessions (for the journal's words).
    source
        ``"vix"`` or ``"atm_iv"`` (for the journal's words).
    """
    inputs: dict[str, float | int | str | None] = {
        "iv_now": iv_now,
        "iv_before": iv_before,
        "threshold": threshold,
        "sessions": sessions,
        "source": source,
    }
    label = "VIX" if source == "vix" else "ATM IV"
    if iv_now is None or iv_before is None or not iv_before > 0.0:
        return RuleResult("iv_shift", False, inputs, f"skipped: no {label} {sessions} sessions ago")
    change = iv_now / iv_before - 1.0
    inputs["change"] = change
    fired = change >= threshold
    cmp = ">=" if fired else "<"
    reason = (
        f"IV shift {change:+.1%} over {sessions} sessions {cmp} {threshold:.0%} threshold "
        f"({label} {iv_now:.2f} vs {iv_before:.2f})"
    )
    return RuleResult("iv_shift", fired, inputs, reason)


def z_distances(
    spot: float, put_levels: ArrayLike, call_levels: ArrayLike, iv: ArrayLike, days: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return per-condor (put z, call z, SD) with ``SD = S x IV x sqrt(days / 365)``.

    ``z_put = (S - K_put) / SD`` and ``z_call = (K_call - S) / SD``; negative once breached.
    ``iv`` is decimal (0.20). A condor at 0 days has SD 0: its z is +inf when outside its levels
    and -inf when breached, so an expiring condor still counts as tested.
    """
    kp = np.asarray(put_levels, dtype=np.float64)
    kc = np.asarray(call_levels, dtype=np.float64)
    v = np.asarray(iv, dtype=np.float64)
    d = np.asarray(days, dtype=np.float64)
    kp, kc, v, d = np.broadcast_arrays(kp, kc, v, d)
    sd = spot * v * np.sqrt(np.maximum(d, 0.0) / 365.0)
    live = sd > 0.0
    safe = np.where(live, sd, 1.0)
    zp = np.where(live, (spot - kp) / safe, np.where(spot > kp, np.inf, -np.inf))
    zc = np.where(live, (kc - spot) / safe, np.where(kc > spot, np.inf, -np.inf))
    return zp, zc, sd


_F64 = np.dtype(np.float64)


def _float64_columns(*xs: ArrayLike) -> tuple[np.ndarray, ...]:
    """Return ``xs`` as float64 1-d arrays of one length (broadcast if needed)."""
    # The engine's columns already are (every session, twice): no copies, no checks beyond these.
    n = -1
    for x in xs:
        if type(x) is not np.ndarray or x.dtype is not _F64 or x.ndim != 1:
            break
        if n not in (-1, x.shape[0]):
            break
        n = x.shape[0]
    else:
        return xs  # type: ignore[return-value]  # all float64 1-d ndarrays of one length
    arrs = [np.ascontiguousarray(x, dtype=np.float64).reshape(-1) for x in xs]
    if len({a.shape[0] for a in arrs}) > 1:
        arrs = [np.ascontiguousarray(a) for a in np.broadcast_arrays(*arrs)]
    return tuple(arrs)


def _proximity_rule(
    rule: str,
    what: str,
    spot: float,
    puts: ArrayLike,
    calls: ArrayLike,
    iv: ArrayLike,
    days: ArrayLike,
    z_limit: float,
) -> RuleResult:
    kp, kc, v, d = _float64_columns(puts, calls, iv, days)
    if kp.shape[0] == 0:
        return RuleResult(
            rule, False, {"spot": spot, "z_limit": z_limit}, "skipped: no open condors"
        )
    # The kernel returns Python floats and ints; the levels are numpy scalars.
    zmin_p, i_p, sd_p, zmin_c, i_c, sd_c = nearest_levels(float(spot), kp, kc, v, d)
    if zmin_p <= zmin_c:
        side, i, level, sd_i = "put", i_p, float(kp[i_p]), sd_p
    else:
        side, i, level, sd_i = "call", i_c, float(kc[i_c]), sd_c
    z = min(zmin_p, zmin_c)  # NaN as before: a NaN put side wins, a NaN call side loses
    fired = z <= z_limit
    inputs: dict[str, float | int | str | None] = {"spot": spot, "z_limit": z_limit, "min_z": z}
    inputs |= {"side": side, "level": level, "sd": sd_i, "condor": i}
    reason = (
        f"SPX {spot:.2f} is {z:.2f} SD from the {side} {what} {level:g} "
        f"(SD {sd_i:.1f} pts) {'<=' if fired else '>'} {z_limit:.2f}"
    )
    return RuleResult(rule, fired, inputs, reason)


def proximity(
    spot: float,
    short_puts: ArrayLike,
    short_calls: ArrayLike,
    iv: ArrayLike,
    days: ArrayLike,
    z_limit: float = 0.65,
) -> RuleResult:
    """Fire when SPX is within ``z_limit`` SDs of any open condor's short strike.

    Parameters
    ----------
    spot
        SPX level.
    short_puts, short_calls
        Short strikes, one per open condor.
    iv
        Decimal implied vol of each condor's expiry.
    days
        Calendar days to each condor's expiry.
    z_limit
        Fires when ``min z <= z_limit`` (0.65).
    """
    return _proximity_rule(
        "proximity", "short strike", spot, short_puts, short_calls, iv, days, z_limit
    )


def break_even_proximity(
    spot: float,
    put_break_evens: ArrayLike,
    call_break_evens: ArrayLike,
    iv: ArrayLike,
    days: ArrayLike,
    z_limit: float = 0.25,
) -> RuleResult:
    """Fire when SPX is within ``z_limit`` SDs of a condor break-even (short put - credit,
    short call + credit); the "near a break-even" variant of :func:`proximity`."""
    return _proximity_rule(
        "break_even", "break-even", spot, put_break_evens, call_break_evens, iv, days, z_limit
    )


def book_delta_per_condor(
    leg_deltas: ArrayLike, leg_contracts: ArrayLike, n_condors: int, limit: float = 0.18
) -> RuleResult:
    """Fire when the book's net delta per condor is beyond ``+/- limit``.

    Parameters
    ----------
    leg_deltas
        Option delta of each condor leg, per unit (between -1 and 1; puts negative).
    leg_contracts
        Contracts held of each leg, signed: positive long, negative short.
    n_condors
        Number of condors held (each condor counted once per contract of its short put).
    limit
        Threshold on ``|sum(delta x contracts)| / n_condors``.

    Raises
    ------
    ValueError
        If a delta lies outside [-1, 1].
    """
    d, q = _float64_columns(leg_deltas, leg_contracts)
    in_range, net = net_exposure(d, q, 1.0)  # compiled: numpy's calls cost more a session
    if not in_range:
        raise ValueError("option deltas must lie in [-1, 1] (per unit, not per contract)")
    inputs: dict[str, InputValue]
    if n_condors <= 0:
        inputs = {"n_condors": n_condors, "limit": limit}
        return RuleResult("book_delta", False, inputs, "skipped: no open condors")
    per = net / n_condors
    fired = abs(per) > limit
    inputs = {"n_condors": n_condors, "limit": limit, "net_delta": net, "delta_per_condor": per}
    reason = (
        f"book delta {net:+.3f} over {n_condors} condors = {per:+.3f} per condor, "
        f"|{per:+.3f}| {'>' if fired else '<='} {limit:.2f}"
    )
    return RuleResult("book_delta", fired, inputs, reason)


def _not_finite(x: np.ndarray, name: str) -> ValueError:
    return ValueError(f"{name} must be finite (drop missing values before computing)")


def _check_1d(x: np.ndarray, name: str) -> None:
    if x.ndim != 1:
        raise ValueError(f"{name} must be 1-d, got shape {x.shape}")


def macd_rule(vix_closes: ArrayLike, fast: int = 12, slow: int = 26, signal: int = 9) -> RuleResult:
    """Fire on a bullish MACD(fast, slow, signal) crossover of VIX between the last two sessions."""
    x = np.asarray(vix_closes, dtype=np.float64)
    if x.size < slow + signal:
        return macd_result(x.size, fast, slow, signal, None)
    if not fast < slow:
        raise ValueError(f"MACD needs fast < slow, got fast={fast}, slow={slow}")
    _check_1d(x, "x")
    # indicators.macd's last two points, compiled (its spans -> alphas, same arithmetic).
    ok, l0, l1, s0, s1 = macd_tail(x, 2.0 / (fast + 1.0), 2.0 / (slow + 1.0), 2.0 / (signal + 1.0))
    if not ok:
        raise _not_finite(x, "x")
    return macd_result(x.size, fast, slow, signal, (l0, l1, s0, s1))


def macd_result(
    n_closes: int,
    fast: int,
    slow: int,
    signal: int,
    tail: tuple[float, float, float, float] | None,
) -> RuleResult:
    """Return :func:`macd_rule`'s result from the MACD's last two points.

    Parameters
    ----------
    n_closes
        How many VIX closes the MACD ran on.
    fast, slow, signal
        The MACD spans.
    tail
        ``(line[-2], line[-1], signal[-2], signal[-1])``; None when ``n_closes`` is too few.
    """
    inputs: dict[str, float | int | str | None] = {"fast": fast, "slow": slow, "signal": signal}
    if tail is None or n_closes < slow + signal:
        return RuleResult(
            "macd_crossover",
            False,
            inputs,
            f"skipped: {n_closes} VIX closes < {slow + signal} needed for MACD",
        )
    l0, l1, s0, s1 = tail
    line, sig = float(l1), float(s1)
    cross = crossover_of_gaps(l0 - s0, l1 - s1)
    inputs |= {"macd": line, "signal_line": sig, "crossover": cross}
    fired = cross == "bullish"
    what = {"bullish": "crossed above", "bearish": "crossed below", "none": "did not cross"}[cross]
    reason = (
        f"VIX MACD {line:+.3f} {what} its signal {sig:+.3f}"
        f" ({'fires' if fired else 'no bullish crossover'})"
    )
    return RuleResult("macd_crossover", fired, inputs, reason)


def rsi_rule(
    closes: ArrayLike,
    symbol: str = "VIX",
    period: int = 14,
    band: tuple[float, float] = (30.0, 70.0),
) -> RuleResult:
    """Fire when RSI(period) of ``symbol`` is outside the neutral ``band``."""
    x = np.asarray(closes, dtype=np.float64)
    if x.size <= period:
        return rsi_result(x.size, symbol, period, band, None)
    if period < 1:
        raise ValueError(f"period must be >= 1, got {period}")
    _check_1d(x, "x")
    # indicators.rsi's last two values, compiled; the one before is NaN (undefined) while
    # fewer than period + 2 closes are known.
    ok, r_prev, r_now = rsi_tail(x, 1.0 / period)
    if not ok:
        raise _not_finite(x, "x")
    return rsi_result(x.size, symbol, period, band, (r_prev, r_now))


def rsi_result(
    n_closes: int,
    symbol: str,
    period: int,
    band: tuple[float, float],
    tail: tuple[float, float] | None,
) -> RuleResult:
    """Return :func:`rsi_rule`'s result from the RSI's last two values.

    Parameters
    ----------
    n_closes
        How many closes the RSI ran on.
    symbol, period, band
        As :func:`rsi_rule`.
    tail
        ``(previous RSI, last RSI)`` (the previous NaN when undefined); None when
        ``n_closes`` is too few.
    """
    lo, hi = band
    inputs: dict[str, float | int | str | None] = {
        "symbol": symbol,
        "period": period,
        "band_low": lo,
        "band_high": hi,
    }
    if tail is None or n_closes <= period:
        return RuleResult(
            "rsi", False, inputs, f"skipped: {n_closes} {symbol} closes <= {period}; RSI undefined"
        )
    r_prev, r_now = tail
    now = float(r_now)
    prev = float(r_prev) if n_closes - 2 >= period and math.isfinite(r_prev) else None
    inputs |= {"rsi": now, "rsi_prev": prev}
    fired = not lo <= now <= hi
    if fired:
        left = prev is not None and lo <= prev <= hi
        reason = f"RSI({period}) {symbol} {now:.1f} outside neutral [{lo:g}, {hi:g}]" + (
            " (just left the band)" if left else ""
        )
    else:
        reason = f"RSI({period}) {symbol} {now:.1f} neutral in [{lo:g}, {hi:g}]"
    return RuleResult("rsi", fired, inputs, reason)


def term_regime(
    vx1: float, vx2: float, vix: float | None = None, vix3m: float | None = None, tol: float = 0.10
) -> Regime:
    """Return the VIX term-structure regime.

    Backwardation when ``VX1 - VX2 > tol``; contango when ``VX2 - VX1 > tol`` and, if both are
    given, ``VIX < VIX3M``; otherwise flat (inside the tolerance or mixed signals).
    """
    slope = vx2 - vx1
    if slope < -tol:
        return "backwardation"
    if slope > tol and (vix is None or vix3m is None or vix < vix3m):
        return "contango"
    return "flat"


def term_structure(
    vx1: float, vx2: float, vix: float | None = None, vix3m: float | None = None, tol: float = 0.10
) -> RuleResult:
    """Classify the term structure; the rule fires on an inversion (backwardation)."""
    regime = term_regime(vx1, vx2, vix, vix3m, tol)
    inputs: dict[str, float | int | str | None] = {
        "vx1": vx1,
        "vx2": vx2,
        "vix": vix,
        "vix3m": vix3m,
        "tol": tol,
        "regime": regime,
    }
    spot = "" if vix is None or vix3m is None else f", VIX {vix:.2f} vs VIX3M {vix3m:.2f}"
    reason = f"term structure {regime}: VX1 {vx1:.2f}, VX2 {vx2:.2f} (tolerance {tol:g}){spot}"
    return RuleResult("term_structure", regime == "backwardation", inputs, reason)


def macro_proximity(
    today: date,
    next_sessions: Sequence[date],
    events: Sequence[tuple[date, str]],
    n_sessions: int = 2,
    kinds: Sequence[str] = ("FOMC", "CPI", "PPI"),
) -> RuleResult:
    """Fire when an event of ``kinds`` falls after ``today`` and on or before the N-th session.

    An event on ``today`` itself has already happened at the close and does not count.

    Parameters
    ----------
    today
        The decision session.
    next_sessions
        The trading sessions after ``today``, in order (at least ``n_sessions`` of them).
    events
        ``(date, kind)`` pairs known at ``today``.
    n_sessions
        Window length in sessions (default 2).
    kinds
        Event kinds that count.
    """
    inputs: dict[str, float | int | str | None] = {"n_sessions": n_sessions}
    if n_sessions == 0 or not next_sessions:
        return RuleResult("macro", False, inputs, "no macro window (0 sessions)")
    horizon = next_sessions[min(n_sessions, len(next_sessions)) - 1]
    # Most sessions have no event in the window: no generator, no sort.
    hits = [(d, k) for d, k in events if k in kinds and today < d <= horizon] if events else []
    inputs["horizon"] = horizon.isoformat()
    if hits:
        d, k = min(hits)  # the first in (date, kind) order
        ahead = sum(1 for s in next_sessions if s <= d)
        inputs |= {"event": k, "event_date": d.isoformat(), "sessions_ahead": ahead}
        return RuleResult(
            "macro",
            True,
            inputs,
            f"{k} on {d.isoformat()} is {ahead} session(s) ahead, within {n_sessions}",
        )
    return RuleResult(
        "macro",
        False,
        inputs,
        f"no {'/'.join(kinds)} within {n_sessions} sessions (to {horizon.isoformat()})",
    )


def breadth_divergence(
    ad_line: ArrayLike | None, spx_closes: ArrayLike | None, window: int = 20
) -> RuleResult:
    """Fire when SPX rose over ``window`` sessions while the advance-decline line fell.

    Returns a non-fired result ``"skipped: no breadth data"`` when ``ad_line`` is None.
    """
    inputs: dict[str, float | int | str | None] = {"window": window}
    if ad_line is None or spx_closes is None:
        return RuleResult("breadth", False, inputs, "skipped: no breadth data")
    ad = np.asarray(ad_line, dtype=np.float64)
    sp = np.asarray(spx_closes, dtype=np.float64)
    if ad.size <= window or sp.size <= window:
        return RuleResult("breadth", False, inputs, f"skipped: fewer than {window + 1} points")
    d_spx = float(sp[-1] - sp[-1 - window])
    d_ad = float(ad[-1] - ad[-1 - window])
    inputs |= {"spx_change": d_spx, "ad_change": d_ad}
    fired = d_spx > 0.0 and d_ad < 0.0
    reason = f"over {window} sessions SPX {d_spx:+.2f} pts, A/D line {d_ad:+.0f}: " + (
        "bearish divergence" if fired else "no divergence"
    )
    return RuleResult("breadth", fired, inputs, reason)
