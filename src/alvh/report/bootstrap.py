"""Block-bootstrap confidence intervals of equity-curve metrics (``arch.bootstrap``).

Daily returns of an option book are autocorrelated in their size (volatility clusters), so an
i.i.d. bootstrap would understate the uncertainty of drawdowns. The stationary bootstrap of
Politis and Romano resamples blocks of random (geometric) length with mean ``block_sessions``
(20 sessions by default, about a month; or Politis-White's optimal length). Hedged and unhedged
returns are resampled with the *same* indices (a paired bootstrap), so their differences keep
the day-by-day dependence between the two books. Seeded: the same settings give the same
intervals.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from arch.bootstrap import IIDBootstrap, StationaryBootstrap, optimal_block_length

from alvh._typing import ArrayLike
from alvh.report import metrics

SESSIONS_PER_YEAR = metrics.SESSIONS_PER_YEAR


@dataclass(frozen=True)
class BootstrapSettings:
    """How the bootstrap runs.

    Attributes
    ----------
    reps
        Number of bootstrap replications.
    block_sessions
        Mean block length of the stationary bootstrap in sessions; None for the Politis-White
        optimal length of the (hedged) returns, at least 2.
    seed
        Seed of the resampling.
    ci_level
        Two-sided coverage of the percentile intervals.
    """

    reps: int = 1000
    block_sessions: int | None = 20
    seed: int = 20_240_101
    ci_level: float = 0.95


@dataclass(frozen=True)
class Estimate:
    """A point estimate and its bootstrap interval; NaN value with ``reason`` when undefined."""

    value: float
    lo: float = math.nan
    hi: float = math.nan
    reason: str = ""

    @property
    def defined(self) -> bool:
        return math.isfinite(self.value)

    def to_json(self) -> dict[str, object]:
        def f(x: float) -> float | None:
            return round(x, 10) if math.isfinite(x) else None

        out: dict[str, object] = {"value": f(self.value), "lo": f(self.lo), "hi": f(self.hi)}
        if self.reason:
            out["reason"] = self.reason
        return out


def block_length(returns: np.ndarray, settings: BootstrapSettings) -> int:
    """Return the mean block length to use for ``returns``."""
    if settings.block_sessions is not None:
        return max(1, int(settings.block_sessions))
    if len(returns) < 10:
        return 2
    opt = float(optimal_block_length(returns)["stationary"].iloc[0])
    return max(2, math.ceil(opt))


def resample_indices(n: int, block: int, reps: int, seed: int) -> np.ndarray:
    """Return a ``(reps, n)`` array of stationary-bootstrap indices into ``range(n)``."""
    bs = StationaryBootstrap(block, np.arange(n, dtype=float), seed=seed)
    out = np.empty((reps, n), dtype=np.int64)
    for i, _ in enumerate(bs.bootstrap(reps)):
        out[i] = np.asarray(bs.index)
    return out


def iid_indices(n: int, reps: int, seed: int) -> np.ndarray:
    """Return a ``(reps, n)`` array of i.i.d. bootstrap indices (for resampling whole windows)."""
    bs = IIDBootstrap(np.arange(n, dtype=float), seed=seed)
    out = np.empty((reps, n), dtype=np.int64)
    for i, _ in enumerate(bs.bootstrap(reps)):
        out[i] = np.asarray(bs.index)
    return out


# -- metrics of many return paths at once (rows are paths) ------------------------------------
def paths_cagr_pct(r: np.ndarray) -> np.ndarray:
    """Return CAGR in percent of each row of daily returns."""
    growth = np.prod(1.0 + r, axis=-1)
    years = r.shape[-1] / SESSIONS_PER_YEAR
    with np.errstate(invalid="ignore"):
        return np.where(growth > 0, (np.abs(growth) ** (1.0 / years) - 1.0) * 100.0, -100.0)


def paths_vol_pct(r: np.ndarray) -> np.ndarray:
    """Return annualised volatility in percent of each row."""
    return np.std(r, axis=-1, ddof=1) * math.sqrt(SESSIONS_PER_YEAR) * 100.0


def paths_sharpe(r: np.ndarray) -> np.ndarray:
    """Return the annualised Sharpe ratio of each row (NaN where the row has zero variance)."""
    sd = np.std(r, axis=-1, ddof=1)
    mu = np.mean(r, axis=-1)
    safe = np.where(sd > 0, sd, 1.0)
    return np.where(sd > 0, mu / safe * math.sqrt(SESSIONS_PER_YEAR), np.nan)


def paths_max_dd_pct(r: np.ndarray) -> np.ndarray:
    """Return the maximum drawdown in percent (<= 0) of each row, from a start of 1."""
    ones = np.ones((*r.shape[:-1], 1))
    eq = np.cumprod(np.concatenate([ones, 1.0 + r], axis=-1), axis=-1)
    peak = np.maximum.accumulate(eq, axis=-1)
    return np.min(eq / peak - 1.0, axis=-1) * 100.0


def dd_reduction(dd_hedged_pct: ArrayLike, dd_unhedged_pct: ArrayLike) -> np.ndarray:
    """Return ``1 - DD_hedged / DD_unhedged`` (NaN where the unhedged book has no drawdown).

    Takes scalars (the point estimate) or arrays of bootstrap draws alike.
    """
    dh, du = np.asarray(dd_hedged_pct, float), np.asarray(dd_unhedged_pct, float)
    safe = np.where(du != 0, du, 1.0)
    return np.where(du != 0, 1.0 - dh / safe, np.nan)


def _interval(
    point: float, draws: np.ndarray, level: float, reason: str = "", max_nan_share: float = 0.05
) -> Estimate:
    if not math.isfinite(point):
        return Estimate(math.nan, reason=reason or "undefined on the sample")
    ok = draws[np.isfinite(draws)]
    if len(draws) == 0 or len(ok) < (1.0 - max_nan_share) * len(draws):
        return Estimate(point, reason="undefined in too many bootstrap samples")
    a = (1.0 - level) / 2.0
    lo, hi = np.quantile(ok, [a, 1.0 - a])
    return Estimate(point, float(lo), float(hi))


_PathMetric = Callable[[np.ndarray], np.ndarray]
BOOK_METRICS: dict[str, _PathMetric] = {
    "cagr_pct": paths_cagr_pct,
    "volatility_pct": paths_vol_pct,
    "sharpe": paths_sharpe,
    "max_drawdown_pct": paths_max_dd_pct,
}


def _point(name: str, equity_usd: pd.Series) -> metrics.Metric:
    if name == "cagr_pct":
        return metrics.cagr(equity_usd)
    if name == "volatility_pct":
        return metrics.volatility(equity_usd)
    if name == "sharpe":
        return metrics.sharpe(equity_usd)
    return metrics.Metric(metrics.max_drawdown(equity_usd).max_drawdown_pct)


def book_intervals(
    books: dict[str, pd.Series], settings: BootstrapSettings, reference: str = "hedged"
) -> dict[str, dict[str, Estimate]]:
    """Return CAGR, volatility, Sharpe and max drawdown of each book with paired intervals.

    Parameters
    ----------
    books
        Equity curves in USD on the same session index; the first is used for the block
        length when ``settings.block_sessions`` is None.
    settings
        Bootstrap settings.
    reference, "unhedged"
        With both ``reference`` and ``"unhedged"`` present, the differences
        ``{metric}_diff`` (reference minus unhedged, percentage points) and
        ``dd_reduction`` (``1 - DD_ref / DD_unhedged``) are added under the key ``"difference"``.
    """
    rets = {k: metrics.daily_returns(v).to_numpy(float) for k, v in books.items()}
    first = next(iter(rets.values()))
    n = len(first)
    out: dict[str, dict[str, Estimate]] = {}
    if n < 3:
        nan = Estimate(math.nan, reason="fewer than three sessions")
        return {k: dict.fromkeys(BOOK_METRICS, nan) for k in books}
    idx = resample_indices(n, block_length(first, settings), settings.reps, settings.seed)
    draws: dict[str, dict[str, np.ndarray]] = {}
    for name, r in rets.items():
        rr = r[idx]
        draws[name] = {m: f(rr) for m, f in BOOK_METRICS.items()}
        out[name] = {}
        for m in BOOK_METRICS:
            p = _point(m, books[name])
            out[name][m] = _interval(p.value, draws[name][m], settings.ci_level, p.reason)
    if reference in books and "unhedged" in books and reference != "unhedged":
        d_ref, d_un = draws[reference], draws["unhedged"]
        pts = {k: {m: out[k][m].value for m in BOOK_METRICS} for k in (reference, "unhedged")}
        diff: dict[str, Estimate] = {}
        for m in ("cagr_pct", "max_drawdown_pct"):
            diff[f"{m}_diff"] = _interval(
                pts[reference][m] - pts["unhedged"][m], d_ref[m] - d_un[m], settings.ci_level
            )
        red_point = float(
            dd_reduction(pts[reference]["max_drawdown_pct"], pts["unhedged"]["max_drawdown_pct"])
        )
        diff["dd_reduction"] = _interval(
            red_point,
            dd_reduction(d_ref["max_drawdown_pct"], d_un["max_drawdown_pct"]),
            settings.ci_level,
            "the unhedged book has no drawdown",
        )
        out["difference"] = diff
    return out


def window_ratio_interval(
    loss_hedged: np.ndarray, loss_unhedged: np.ndarray, settings: BootstrapSettings
) -> Estimate:
    """Return the pooled reduction ``1 - sum(loss_h) / sum(loss_u)`` over windows, with a CI.

    Windows (not days) are resampled i.i.d., pairing each window's hedged and unhedged loss.
    """
    lh, lu = np.asarray(loss_hedged, float), np.asarray(loss_unhedged, float)
    if len(lu) == 0:
        return Estimate(math.nan, reason="no windows")
    if float(lu.sum()) <= 0.0:
        return Estimate(math.nan, reason="the unhedged book lost nothing in these windows")
    point = 1.0 - float(lh.sum()) / float(lu.sum())
    idx = iid_indices(len(lu), settings.reps, settings.seed)
    den = lu[idx].sum(axis=1)
    safe = np.where(den > 0, den, 1.0)
    draws = np.where(den > 0, 1.0 - lh[idx].sum(axis=1) / safe, np.nan)
    return _interval(point, draws, settings.ci_level)


def mean_interval(values: np.ndarray, settings: BootstrapSettings, block: int = 3) -> Estimate:
    """Return the mean of a (monthly) series with a stationary-bootstrap interval."""
    v = np.asarray(values, float)
    if len(v) == 0:
        return Estimate(math.nan, reason="no observations")
    if len(v) < 2:
        return Estimate(float(v.mean()), reason="one observation: no interval")
    idx = resample_indices(len(v), min(block, len(v)), settings.reps, settings.seed)
    return _interval(float(v.mean()), v[idx].mean(axis=1), settings.ci_level)
