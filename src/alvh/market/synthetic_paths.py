"""Numerics of the synthetic market: the SPX / two-factor variance path and its term structure.

Pure numpy (arrays in, arrays out; no dates). The model and its equations are in
``docs/synthetic.md``; ``alvh.market.synthetic`` turns these arrays into canonical tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from alvh._typing import Float64Array as FloatArray
from alvh.market.synthetic_params import SyntheticParams

SESSIONS_PER_YEAR = 252.0
VIX_WINDOW_YEARS = 30.0 / 365.0


@dataclass(frozen=True)
class FactorPath:
    """State of the model at each session's open and close (all arrays of length n)."""

    v_open: FloatArray
    m_open: FloatArray
    v_close: FloatArray
    m_close: FloatArray
    spx_open: FloatArray
    spx_close: FloatArray
    jumps: FloatArray  # SPX log-jump size in the session (0 when none)


def simulate_factors(n_sessions: int, p: SyntheticParams, rng: np.random.Generator) -> FactorPath:
    """Simulate ``n_sessions`` sessions (after ``p.burn_in_sessions`` discarded ones).

    Each session is two steps: overnight (``overnight_share`` of a session's time) and intraday.
    The variance factors move by an exact-expectation Euler step times a mean-one lognormal, so
    ``E[v_(k+1) | v_k, m_k]`` is the affine drift (the risk-neutral term structure relies on it).

    Parameters
    ----------
    n_sessions
        Sessions to return.
    p
        Model parameters.
    rng
        Source of randomness (consumed in a fixed order: one block of draws).

    Returns
    -------
    FactorPath
        Variance factors and SPX levels at each session's open and close.
    """
    n_total = n_sessions + p.burn_in_sessions
    n_steps = 2 * n_total
    z = rng.standard_normal((n_steps, 4))
    u = rng.random(n_steps)
    dt_year = 1.0 / SESSIONS_PER_YEAR
    dts = np.tile([p.overnight_share * dt_year, (1.0 - p.overnight_share) * dt_year], n_total)

    # Shocks: z1 drives SPX; the variance shocks load on it with rho (leverage effect).
    z1 = z[:, 0]
    z2 = p.rho_fast * z1 + math.sqrt(1.0 - p.rho_fast**2) * z[:, 1]
    z3 = p.rho_slow * z1 + math.sqrt(1.0 - p.rho_slow**2) * z[:, 2]
    sq = np.sqrt(dts)
    # Mean-one lognormal multipliers of the two variance factors.
    mult_v = np.exp(p.volvol_fast * sq * z2 - 0.5 * p.volvol_fast**2 * dts).tolist()
    mult_m = np.exp(p.volvol_slow * sq * z3 - 0.5 * p.volvol_slow**2 * dts).tolist()
    jump_size = (p.jump_mean + p.jump_std * z[:, 3]).tolist()
    z1l = (z1 * sq).tolist()
    ul = u.tolist()
    dtl = dts.tolist()

    ej2 = p.jump_mean**2 + p.jump_std**2
    lam_per_var = p.jump_share / ej2  # jumps per year per unit of variance
    k_jump = math.exp(p.jump_mean + 0.5 * p.jump_std**2) - 1.0  # E[e^J - 1]
    diff_share = 1.0 - p.jump_share
    # E[exp(-loading J)] - 1: the mean growth of a factor on a jump, compensated below so that
    # jumps do not change the factors' expected drift (keeps E[v] affine, and v stationary).
    c_v = (
        math.exp(
            -p.jump_var_loading_fast * p.jump_mean
            + 0.5 * (p.jump_var_loading_fast * p.jump_std) ** 2
        )
        - 1.0
    )
    c_m = (
        math.exp(
            -p.jump_var_loading_slow * p.jump_mean
            + 0.5 * (p.jump_var_loading_slow * p.jump_std) ** 2
        )
        - 1.0
    )

    log_s = np.empty(n_steps + 1)
    v_arr = np.empty(n_steps + 1)
    m_arr = np.empty(n_steps + 1)
    jumps = np.zeros(n_steps)
    v = m = p.theta_var
    ls = math.log(p.spx_initial)
    log_s[0], v_arr[0], m_arr[0] = ls, v, m
    kf, ks, th = p.kappa_fast, p.kappa_slow, p.theta_var
    floor, cap = p.var_floor, p.var_cap
    lf, lsl, mu = p.jump_var_loading_fast, p.jump_var_loading_slow, p.drift_ann
    # A scalar loop: the state is path dependent (jump intensity follows v); ~10k steps for
    # 20 years cost a few tens of milliseconds, so numba is not worth its compile time here.
    for k in range(n_steps):
        dt = dtl[k]
        lam = lam_per_var * v
        jump = 0.0
        p_jump = -math.expm1(-lam * dt)
        if ul[k] < p_jump:
            jump = jump_size[k]
            jumps[k] = jump
        var_d = diff_share * v
        ls += (mu - lam * k_jump - 0.5 * var_d) * dt + math.sqrt(var_d) * z1l[k] + jump
        v_next = (v + kf * dt * (m - v)) * mult_v[k] / (1.0 + p_jump * c_v)
        m_next = (m + ks * dt * (th - m)) * mult_m[k] / (1.0 + p_jump * c_m)
        if jump != 0.0:
            v_next *= math.exp(-lf * jump)
            m_next *= math.exp(-lsl * jump)
        v = min(max(v_next, floor), cap)
        m = min(max(m_next, floor), cap)
        log_s[k + 1], v_arr[k + 1], m_arr[k + 1] = ls, v, m

    first = 2 * p.burn_in_sessions
    # Index k+1 is the state after step k: odd indices are opens, even ones closes.
    opens = slice(first + 1, n_steps + 1, 2)
    closes = slice(first + 2, n_steps + 1, 2)
    spx_scale = p.spx_initial / math.exp(log_s[first])
    sess_jumps = jumps.reshape(n_total, 2).sum(axis=1)[p.burn_in_sessions :]
    return FactorPath(
        v_open=v_arr[opens].copy(),
        m_open=m_arr[opens].copy(),
        v_close=v_arr[closes].copy(),
        m_close=m_arr[closes].copy(),
        spx_open=np.exp(log_s[opens]) * spx_scale,
        spx_close=np.exp(log_s[closes]) * spx_scale,
        jumps=sess_jumps,
    )


def _avg_exp(kappa: float, start_years: FloatArray, window_years: float) -> FloatArray:
    """Return the average of exp(-kappa s) over s in [start, start + window]."""
    return (
        np.exp(-kappa * start_years) * (-math.expm1(-kappa * window_years)) / (kappa * window_years)
    )


def variance_weights(
    p: SyntheticParams, start_years: FloatArray, window_years: float
) -> tuple[FloatArray, FloatArray]:
    """Return weights (w_v, w_m) of the expected average variance over a future window.

    ``mean_{s in [a, a+w]} E[v_s] = theta + w_v (v - theta) + w_m (m - theta)`` for the linear
    risk-neutral drift ``dv = kf (m - v) dt``, ``dm = ks_q (theta_q - m) dt``.
    """
    kf, ks = p.kappa_fast, p.kappa_slow_q
    g_f = _avg_exp(kf, start_years, window_years)
    g_s = _avg_exp(ks, start_years, window_years)
    return g_f, kf / (kf - ks) * (g_s - g_f)


def expected_variance_q(
    p: SyntheticParams, v: FloatArray, m: FloatArray, start_years: FloatArray, window_years: float
) -> FloatArray:
    """Return the risk-neutral expected average variance over ``[start, start + window]``.

    Includes the variance risk premium (``var_premium``) and the risk-neutral long-run level
    ``theta_q_mult * theta_var``.
    """
    w_v, w_m = variance_weights(p, start_years, window_years)
    theta_q = p.theta_q_mult * p.theta_var
    return p.var_premium * (theta_q * (1.0 - w_v - w_m) + w_v * v + w_m * m)


def vol_index(p: SyntheticParams, v: FloatArray, m: FloatArray, horizon_days: float) -> FloatArray:
    """Return a VIX-style index (vol points) over ``horizon_days`` calendar days."""
    zero = np.zeros_like(v)
    return 100.0 * np.sqrt(expected_variance_q(p, v, m, zero, horizon_days / 365.0))


def vol_index_logvol(
    p: SyntheticParams, v: FloatArray, m: FloatArray, horizon_days: float
) -> FloatArray:
    """Return the instantaneous volatility (per sqrt(year)) of log of a VIX-style index.

    From d(I^2) = psi (w_v dv + w_m dm) and d log I = d(I^2) / (2 I^2); jumps are left out.
    """
    zero = np.zeros_like(v)
    w_v, w_m = variance_weights(p, zero, horizon_days / 365.0)
    i2 = expected_variance_q(p, v, m, zero, horizon_days / 365.0)
    a = p.var_premium * w_v * v * p.volvol_fast
    b = p.var_premium * w_m * m * p.volvol_slow
    rho_ab = p.rho_fast * p.rho_slow
    var = a * a + b * b + 2.0 * rho_ab * a * b
    return np.sqrt(np.maximum(var, 0.0)) / (2.0 * i2)


def vx_future(
    p: SyntheticParams,
    v: FloatArray,
    m: FloatArray,
    tau_years: FloatArray,
    vol_of_vix: FloatArray,
) -> FloatArray:
    """Return VX futures prices: E^Q[VIX at expiry], for time to expiry ``tau_years``.

    ``sqrt(E^Q[VIX_T^2])`` less a lognormal convexity correction whose variance is that of an
    OU log-VIX with speed ``kappa_fast`` and instantaneous vol ``vol_of_vix``; at ``tau = 0``
    the price is the spot VIX exactly.
    """
    fwd_var = expected_variance_q(p, v, m, tau_years, VIX_WINDOW_YEARS)
    kf = p.kappa_fast
    s2 = vol_of_vix**2 * (-np.expm1(-2.0 * kf * tau_years)) / (2.0 * kf)
    return 100.0 * np.sqrt(fwd_var) * np.exp(-0.5 * s2)


def bridge_high_low(
    log_open: FloatArray, log_close: FloatArray, var: FloatArray, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Return (high, low) of Brownian bridges from open to close with total variance ``var``.

    The maximum M of a bridge from a to b with variance s^2 satisfies
    ``P(M > x) = exp(-2 (x - a)(x - b) / s^2)``; inverting gives
    ``M = (a + b + sqrt((b - a)^2 - 2 s^2 log U)) / 2`` (and symmetrically the minimum).
    """
    u = rng.random((2, len(log_open)))
    # 1 - u lies in (0, 1], so the log is finite.
    d2 = (log_close - log_open) ** 2
    hi = 0.5 * (log_open + log_close + np.sqrt(d2 - 2.0 * var * np.log1p(-u[0])))
    lo = 0.5 * (log_open + log_close - np.sqrt(d2 - 2.0 * var * np.log1p(-u[1])))
    return np.exp(hi), np.exp(lo)


def ar1(n: int, phi: float, stationary_std: float, rng: np.random.Generator) -> FloatArray:
    """Return a stationary AR(1) path of length ``n`` (starts from its stationary law)."""
    x0 = stationary_std * float(rng.standard_normal())
    e = rng.standard_normal(n) * stationary_std * math.sqrt(1.0 - phi * phi)
    e[0] = x0
    # Imported on first use (about 0.3 s): a run on stored data never generates a path.
    from scipy.signal import lfilter

    # x_i = phi x_(i-1) + e_i as a linear filter (vectorised recursion).
    return np.asarray(lfilter([1.0], [1.0, -phi], e), dtype=np.float64)
