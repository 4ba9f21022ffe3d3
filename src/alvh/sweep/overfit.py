"""Is the best config luck? The deflated Sharpe ratio, PBO by CSCV, Hansen's SPA.

All three take per-period (daily) returns, not annualised figures.

References
----------
- D. H. Bailey and M. Lopez de Prado (2014), "The Deflated Sharpe Ratio: Correcting for
  Selection Bias, Backtest Overfitting and Non-Normality", Journal of Portfolio Management
  40(5). Equations for the expected maximum Sharpe ratio of N trials (SR0) and the PSR.
- D. H. Bailey, J. Borwein, M. Lopez de Prado and Q. J. Zhu (2017), "The Probability of
  Backtest Overfitting", Journal of Computational Finance 20(4): combinatorially symmetric
  cross-validation (CSCV).
- P. R. Hansen (2005), "A Test for Superior Predictive Ability", JBES 23(4); implemented by
  ``arch.bootstrap.SPA``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

EULER_GAMMA = 0.5772156649015329


def sharpe_per_period(returns: np.ndarray) -> np.ndarray:
    """Return the per-period Sharpe ratio (mean / sample std, ddof=1) of each column."""
    r = np.asarray(returns, dtype=float)
    sd = r.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sd > 0, r.mean(axis=0) / sd, np.nan)


def expected_max_sharpe(n_trials: int, var_sharpe: float) -> float:
    """Return SR0, the expected maximum of ``n_trials`` Sharpe ratios with true Sharpe 0.

    ``SR0 = sqrt(V) * ((1 - g) * Z(1 - 1/N) + g * Z(1 - 1/(N e)))`` with ``g`` the
    Euler-Mascheroni constant and ``Z`` the standard normal quantile; 0 for a single trial.
    """
    if n_trials <= 1:
        return 0.0
    z1 = stats.norm.ppf(1.0 - 1.0 / n_trials)
    z2 = stats.norm.ppf(1.0 - 1.0 / (n_trials * math.e))
    return float(math.sqrt(var_sharpe) * ((1.0 - EULER_GAMMA) * z1 + EULER_GAMMA * z2))


def probabilistic_sharpe(
    sharpe: float, benchmark: float, n_obs: int, skew: float, kurtosis: float
) -> float:
    """Return PSR: the probability that the true per-period Sharpe exceeds ``benchmark``.

    ``kurtosis`` is the plain (not excess) kurtosis, 3 for normal returns.
    """
    denom = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe**2
    if n_obs < 2 or denom <= 0:
        return math.nan
    z = (sharpe - benchmark) * math.sqrt(n_obs - 1) / math.sqrt(denom)
    return float(stats.norm.cdf(z))


@dataclass(frozen=True)
class DeflatedSharpe:
    """The deflated Sharpe ratio of the selected config.

    Attributes
    ----------
    dsr
        Probability that the selected config's true Sharpe exceeds SR0 (higher is better;
        below 0.95 the best config is not distinguishable from luck at 5%).
    sharpe, sr0
        Per-period Sharpe of the selected config and the expected maximum of N null trials.
    n_trials, n_obs, skew, kurtosis, var_sharpe
        The inputs: configs tried, periods, the selected returns' moments, the variance of the
        trials' per-period Sharpe ratios.
    """

    dsr: float
    sharpe: float
    sr0: float
    n_trials: int
    n_obs: int
    skew: float
    kurtosis: float
    var_sharpe: float


def deflated_sharpe(returns: np.ndarray, selected: int) -> DeflatedSharpe:
    """Return the deflated Sharpe ratio of column ``selected`` of a (periods x configs) matrix.

    N is the number of columns (configs tried) and V[SR] the variance of their per-period
    Sharpe ratios (Bailey and Lopez de Prado 2014, eq. for SR0 and the PSR).
    """
    r = np.asarray(returns, dtype=float)
    srs = sharpe_per_period(r)
    x = r[:, selected]
    n_trials = r.shape[1]
    var_sr = float(np.nanvar(srs, ddof=1)) if n_trials > 1 else 0.0
    sr0 = expected_max_sharpe(n_trials, var_sr)
    skew = float(stats.skew(x, bias=False))
    kurt = float(stats.kurtosis(x, fisher=False, bias=False))
    sr = float(srs[selected])
    return DeflatedSharpe(
        probabilistic_sharpe(sr, sr0, len(x), skew, kurt),
        sr,
        sr0,
        n_trials,
        len(x),
        skew,
        kurt,
        var_sr,
    )


@dataclass(frozen=True)
class Pbo:
    """Probability of backtest overfitting by CSCV.

    Attributes
    ----------
    pbo
        Share of the IS/OOS splits in which the in-sample best config ranks at or below the
        median out of sample (logit <= 0).
    logits
        One per split: ``ln(w / (1 - w))`` with ``w`` the OOS relative rank of the IS best.
    n_splits, n_blocks
        Splits (C(S, S/2)) and the number S of time blocks.
    """

    pbo: float
    logits: np.ndarray
    n_splits: int
    n_blocks: int


def pbo_cscv(returns: np.ndarray, n_blocks: int = 16) -> Pbo:
    """Return PBO by combinatorially symmetric cross-validation of a (periods x configs) matrix.

    The rows are cut into ``n_blocks`` (even) contiguous blocks of equal length (the last rows
    that do not fill a block are dropped); every choice of half the blocks is a training set
    and the rest its test set. Performance is the per-period Sharpe ratio. The OOS rank of the
    IS best is 1 for the worst config and N for the best, ``w = rank / (N + 1)``.
    """
    r = np.asarray(returns, dtype=float)
    t, n = r.shape
    if n_blocks < 2 or n_blocks % 2:
        raise ValueError(f"n_blocks must be even and >= 2, got {n_blocks}")
    if n < 2:
        raise ValueError("PBO needs at least 2 configs")
    size = t // n_blocks
    if size < 2:
        raise ValueError(f"{t} periods are too few for {n_blocks} blocks")
    blocks = [r[i * size : (i + 1) * size] for i in range(n_blocks)]
    logits = []
    for train in itertools.combinations(range(n_blocks), n_blocks // 2):
        test = [i for i in range(n_blocks) if i not in train]
        is_sr = sharpe_per_period(np.vstack([blocks[i] for i in train]))
        oos_sr = sharpe_per_period(np.vstack([blocks[i] for i in test]))
        best = int(np.nanargmax(is_sr))
        # Rank 1..N of the IS best among the OOS values (ties: average rank).
        rank = float(stats.rankdata(np.nan_to_num(oos_sr, nan=-np.inf))[best])
        w = rank / (n + 1.0)
        logits.append(math.log(w / (1.0 - w)))
    lg = np.array(logits)
    return Pbo(float(np.mean(lg <= 0.0)), lg, len(lg), n_blocks)


@dataclass(frozen=True)
class Spa:
    """Hansen's SPA test of the configs against a benchmark (null: none beats it).

    Attributes
    ----------
    p_lower, p_consistent, p_upper
        The three p-values of ``arch.bootstrap.SPA``; small means some config beats the
        benchmark beyond what the data-snooping of N configs explains.
    """

    p_lower: float
    p_consistent: float
    p_upper: float
    reps: int
    block_size: int
    seed: int


def spa_test(
    benchmark_returns: np.ndarray,
    returns: np.ndarray,
    reps: int = 1000,
    block_size: int = 21,
    seed: int = 0,
) -> Spa:
    """Return Hansen's SPA p-values of the configs' returns against a benchmark's.

    Losses are negative returns. The stationary bootstrap (``arch``) with mean block length
    ``block_size`` periods (21: a month of sessions) and a fixed seed, so the same inputs give
    the same p-values.
    """
    from arch.bootstrap import SPA

    spa = SPA(
        -np.asarray(benchmark_returns, dtype=float),
        -np.asarray(returns, dtype=float),
        reps=reps,
        block_size=block_size,
        bootstrap="stationary",
        seed=np.random.default_rng(seed),
    )
    spa.compute()
    pv = spa.pvalues
    return Spa(
        float(pv["lower"]), float(pv["consistent"]), float(pv["upper"]), reps, block_size, seed
    )
