"""The many-days surface (``SurfacePanel``) equals ``SpxVolSurface.from_snapshot`` day by day."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from alvh.market.data import MarketData
from alvh.market.surface import (
    DEFAULT_SURFACE_PARAMS,
    SpxVolSurface,
    SurfacePanel,
    SurfaceParams,
    regime_terms,
    spot_greeks,
)
from alvh.market.synthetic import generate_market

# Regime terms switched on (values of the size the fit gives) so every path is exercised.
REGIME = replace(
    DEFAULT_SURFACE_PARAMS,
    ratio_vix_beta=0.05,
    ratio_term_beta=0.2,
    eta_vix_beta=0.3,
    rho_vix_beta=-0.4,
    rho_term_beta=-1.5,
)


@pytest.fixture(scope="module")
def market() -> MarketData:
    return generate_market("2019-11-01", "2020-06-30", seed=11)


@pytest.mark.parametrize("params", [DEFAULT_SURFACE_PARAMS, REGIME])
def test_panel_equals_from_snapshot_on_sampled_days(
    market: MarketData, params: SurfaceParams
) -> None:
    panel = SurfacePanel.from_market(market, params)
    rng = np.random.default_rng(3)
    t = np.array([0.5, 3, 9, 20, 30, 45, 93, 150, 182, 400])[:, None] / 365.0
    for i in rng.choice(len(panel.dates), 25, replace=False):
        day = panel.dates[i]
        snap = market.snapshot(day + pd.Timedelta(hours=16, minutes=15))
        ref = SpxVolSurface.from_snapshot(snap, params)
        k = ref.spot * np.exp(np.linspace(-0.5, 0.25, 9))[None, :]
        # Same formulas on the same floats, reordered: agreement to ~1e-15; 1e-12 stated.
        np.testing.assert_allclose(panel.iv(i, t, k), ref.iv_reference(t, k), rtol=0, atol=1e-12)
        np.testing.assert_allclose(panel.forward(i, t), ref.forward(t), rtol=1e-14)
        g_panel, _ = panel.greeks(i, t, k, k > ref.spot)
        g_ref = spot_greeks(ref, t, k, k > ref.spot)
        np.testing.assert_allclose(g_panel.price, g_ref.price, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(g_panel.delta, g_ref.delta, rtol=1e-10, atol=1e-12)
        one = panel.surface(i)
        np.testing.assert_allclose(one.iv(t, k), ref.iv(t, k), rtol=0, atol=1e-12)


def test_regime_terms_vanish_at_the_reference_and_move_the_right_way() -> None:
    ratio, eta, rho = regime_terms(REGIME, 20.0, 20.0, 130.0)
    assert float(ratio) == pytest.approx(REGIME.vix_atm_ratio)
    assert float(eta) == pytest.approx(REGIME.eta_ref)
    assert float(rho) == pytest.approx(REGIME.rho)
    # Stress (VIX 40, inverted 40/30 term structure): rho more negative -> lower call wing.
    _, _, rho_stress = regime_terms(REGIME, 40.0, 30.0, 130.0)
    assert float(rho_stress) < REGIME.rho
    # Unknown VIX3M drops the term terms, unknown SKEW uses skew_ref.
    r1 = regime_terms(REGIME, 30.0, np.nan, np.nan)
    r2 = regime_terms(replace(REGIME, ratio_term_beta=0.0, rho_term_beta=0.0), 30.0, 25.0, 130.0)
    np.testing.assert_allclose(np.array(r1), np.array(r2))
