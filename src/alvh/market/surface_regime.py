"""The day's regime terms of the SPX surface: ATM ratio, SSVI ``eta`` and ``rho`` from VIX,
VIX3M and SKEW (docs/calibration.md, "The model's regime terms").

Both forms read only the day's own closes (point in time): ``regime_terms`` vectorised for
panels and fits, ``regime_terms_one`` with ``math`` for the engine's one surface a session.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np

from alvh._typing import ArrayLike, Float64Array
from alvh.market.surface_params import SurfaceParams


def day_eta(params: SurfaceParams, skew_index: float) -> float:
    """Return the day's SSVI ``eta``, scaled by the SKEW index (``eta_ref`` if SKEW unknown).

    The SKEW term only; ``regime_terms`` adds the VIX term.
    """
    skew = params.skew_ref if math.isnan(skew_index) else skew_index
    return params.eta_ref * math.exp(params.skew_beta * (skew - params.skew_ref) / 10.0)


_RATIO_BOUNDS: Final = (0.4, 1.2)
_RHO_BOUND: Final = 0.98
_LOG_VIX_BOUNDS: Final = (-0.9, 1.6)
_SLOPE_BOUNDS: Final = (-0.4, 0.4)


def regime_terms_one(
    params: SurfaceParams, vix: float, vix3m: float, skew_index: float
) -> tuple[float, float, float]:
    """``regime_terms`` for one day with ``math`` (the engine builds a surface every session;
    numpy's per-call cost would dominate). ``tests/market/test_surface_panel.py`` pins the two."""
    lv = min(max(math.log(vix / params.vix_ref), _LOG_VIX_BOUNDS[0]), _LOG_VIX_BOUNDS[1])
    slope = 0.0 if math.isnan(vix3m) else math.log(vix / vix3m)
    slope = min(max(slope, _SLOPE_BOUNDS[0]), _SLOPE_BOUNDS[1])
    ratio = params.vix_atm_ratio + params.ratio_vix_beta * lv + params.ratio_term_beta * slope
    ratio = min(max(ratio, _RATIO_BOUNDS[0]), _RATIO_BOUNDS[1])
    skew = params.skew_ref if math.isnan(skew_index) else skew_index
    eta = params.eta_ref * math.exp(
        params.skew_beta * (skew - params.skew_ref) / 10.0 + params.eta_vix_beta * lv
    )
    z = math.atanh(params.rho) + params.rho_vix_beta * lv + params.rho_term_beta * slope
    rho = min(max(math.tanh(z), -_RHO_BOUND), _RHO_BOUND)
    return ratio, eta, rho


def regime_terms(
    params: SurfaceParams, vix: ArrayLike, vix3m: ArrayLike, skew_index: ArrayLike
) -> tuple[Float64Array, Float64Array, Float64Array]:
    """Return the day's (ATM ratio, ``eta``, ``rho``) from what is known that day (broadcasting).

    Parameters
    ----------
    params
        Surface parameters (the regime coefficients are zero in the 2018 fit: constants then).
    vix, vix3m
        VIX and VIX3M closes of the day; a NaN VIX3M drops the term-structure terms.
    skew_index
        CBOE SKEW close (NaN: ``skew_ref``).

    Returns
    -------
    tuple of arrays
        ``ratio`` (clipped to [0.4, 1.2]), ``eta`` and ``rho`` (inside +-0.98).
    """
    v = np.asarray(vix, dtype=np.float64)
    v3 = np.asarray(vix3m, dtype=np.float64)
    sk = np.asarray(skew_index, dtype=np.float64)
    # Clipped to the range seen in 2006-2026 (ln(VIX/20) in [-0.78, 1.42], ln(VIX/VIX3M) in
    # [-0.34, 0.36]): never binding on real data, it stops the terms extrapolating.
    lv = np.clip(np.log(v / params.vix_ref), *_LOG_VIX_BOUNDS)
    slope = np.where(np.isnan(v3), 0.0, np.log(v / np.where(np.isnan(v3), 1.0, v3)))
    slope = np.clip(slope, *_SLOPE_BOUNDS)
    ratio = np.clip(
        params.vix_atm_ratio + params.ratio_vix_beta * lv + params.ratio_term_beta * slope,
        *_RATIO_BOUNDS,
    )
    skew = np.where(np.isnan(sk), params.skew_ref, sk)
    eta = params.eta_ref * np.exp(
        params.skew_beta * (skew - params.skew_ref) / 10.0 + params.eta_vix_beta * lv
    )
    z = math.atanh(params.rho) + params.rho_vix_beta * lv + params.rho_term_beta * slope
    rho = np.clip(np.tanh(z), -_RHO_BOUND, _RHO_BOUND)
    return ratio, eta, rho
