"""The honest alternative to a hedge: a smaller unhedged book.

Instead of buying protection, a trader can simply run less of the unhedged condor book and keep
the rest in cash. Scaling the book by ``k`` scales every daily return by ``k`` (the book's P&L is
``k`` times as large on the same equity), so two natural sizes are:

- same expected return: ``k = mean(r_hedged) / mean(r_unhedged)``;
- same tail risk: ``k = CVaR95(r_hedged) / CVaR95(r_unhedged)`` (CVaR of ``k r`` is ``k CVaR(r)``
  for ``k > 0``).

If the hedged book then has a smaller drawdown than the same-return small book, the hedge adds
something a smaller position cannot; otherwise it only costs money.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alvh.report.metrics import daily_returns


@dataclass(frozen=True)
class ScaledBook:
    """The unhedged book scaled by ``factor``; ``equity_usd`` is empty when undefined."""

    name: str
    factor: float
    equity_usd: pd.Series
    reason: str = ""

    @property
    def defined(self) -> bool:
        return math.isfinite(self.factor) and len(self.equity_usd) > 0


def cvar(returns: np.ndarray, level: float = 0.95) -> float:
    """Return the conditional value at risk (expected shortfall) of returns, as a positive loss.

    The mean of the worst ``ceil(n (1 - level))`` returns, sign flipped: with 1000 daily returns
    and ``level = 0.95`` it is minus the mean of the 50 worst days.
    """
    r = np.sort(np.asarray(returns, dtype=float))
    if len(r) == 0:
        return math.nan
    n_tail = max(1, math.ceil(len(r) * (1.0 - level) - 1e-9))
    return -float(np.mean(r[:n_tail]))


def scaled_equity(unhedged_equity_usd: pd.Series, factor: float, start_usd: float) -> pd.Series:
    """Return the equity of the unhedged book scaled by ``factor``, starting at ``start_usd``."""
    r = daily_returns(unhedged_equity_usd).to_numpy()
    path = start_usd * np.cumprod(np.r_[1.0, 1.0 + factor * r])
    return pd.Series(path, index=unhedged_equity_usd.index, name="scaled_equity_usd")


def _undefined(name: str, reason: str) -> ScaledBook:
    return ScaledBook(name, math.nan, pd.Series(dtype=float), reason)


def scale_to_mean(hedged_equity_usd: pd.Series, unhedged_equity_usd: pd.Series) -> ScaledBook:
    """Return the unhedged book scaled to the hedged book's mean daily return."""
    name = "unhedged, scaled to the same mean return"
    mu_h = float(daily_returns(hedged_equity_usd).mean())
    mu_u = float(daily_returns(unhedged_equity_usd).mean())
    if not (math.isfinite(mu_h) and math.isfinite(mu_u)):
        return _undefined(name, "fewer than two sessions")
    if mu_u <= 0.0:
        return _undefined(name, "the unhedged book's mean return is not positive")
    if mu_h <= 0.0:
        return _undefined(name, "the hedged book's mean return is not positive")
    k = mu_h / mu_u
    return ScaledBook(name, k, scaled_equity(unhedged_equity_usd, k, hedged_equity_usd.iloc[0]))


def scale_to_cvar(
    hedged_equity_usd: pd.Series, unhedged_equity_usd: pd.Series, level: float = 0.95
) -> ScaledBook:
    """Return the unhedged book scaled to the hedged book's CVaR of daily returns."""
    name = f"unhedged, scaled to the same CVaR({level:.0%})"
    c_h = cvar(daily_returns(hedged_equity_usd).to_numpy(), level)
    c_u = cvar(daily_returns(unhedged_equity_usd).to_numpy(), level)
    if not (math.isfinite(c_h) and math.isfinite(c_u)):
        return _undefined(name, "fewer than two sessions")
    if c_u <= 0.0 or c_h <= 0.0:
        return _undefined(name, "a book has no losing tail (CVaR not positive)")
    k = c_h / c_u
    return ScaledBook(name, k, scaled_equity(unhedged_equity_usd, k, hedged_equity_usd.iloc[0]))
