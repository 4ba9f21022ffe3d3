"""The regime fit's objective on a tiny case with a known optimum: it recovers the truth."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from alvh.market.surface import DEFAULT_SURFACE_PARAMS, daily_inputs
from alvh.market.synthetic import generate_market

_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "calibrate_regimes.py"


def _script() -> ModuleType:
    sys.path.insert(0, str(_SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("calibrate_regimes", _SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_chain_objective_recovers_known_regime_parameters() -> None:
    cal = _script()
    inputs = daily_inputs(generate_market("2008-06-02", "2009-06-30", seed=5))
    # Quotes made by the model itself with known regime terms, on 12 days from calm to stress:
    # the least-squares optimum is the truth, with zero residual.
    truth = replace(
        DEFAULT_SURFACE_PARAMS,
        vix_atm_ratio=0.85,
        ratio_term_beta=0.4,
        rho=-0.6,
        rho_vix_beta=-1.0,
        rho_term_beta=1.5,
    )
    days = np.linspace(0, len(inputs) - 1, 12).round().astype(int)
    rows = []
    for d in days:
        for dte in (14, 30, 60):
            for m in np.linspace(-0.15, 0.06, 8):
                rows.append((d, dte / 365.0, float(inputs["SPX"].iloc[d]) * np.exp(m)))
    pts = pd.DataFrame(rows, columns=["day", "t_years", "strike"])
    assert inputs["VIX"].iloc[days].max() > 1.5 * inputs["VIX"].iloc[days].min()  # regimes
    target = cal.model_iv(truth, inputs, pts)
    free = ("vix_atm_ratio", "ratio_term_beta", "rho", "rho_vix_beta", "rho_term_beta")
    start = np.array([0.77, 0.0, -0.4, 0.0, 0.0])

    def resid(x: np.ndarray) -> np.ndarray:
        p = replace(truth, **dict(zip(free, x, strict=True)))
        return (cal.model_iv(p, inputs, pts) - target) * 100

    res = least_squares(resid, start, bounds=([0.5, -1, -0.95, -3, -4], [1.1, 1, 0.2, 3, 4]))
    np.testing.assert_allclose(res.x, [getattr(truth, n) for n in free], atol=1e-4)
    assert np.abs(res.fun).max() < 1e-6
